-- wrk script: GET the balance of a random customer's card.
local thread_id = 0
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1000")
local first = tonumber(os.getenv("BENCH_FIRST_CUSTOMER") or "1")

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  wrk.headers["X-API-Key"] = os.getenv("BENCH_KEY")
  wrk.headers["X-API-Secret"] = os.getenv("BENCH_SECRET")
  math.randomseed(tid * 104729 + os.time())
end

function request()
  return wrk.format("GET", "/en/shop/loyalty-cards/balance?user_id=" .. (first + math.random(0, customers - 1)))
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx responses: %d\n", summary.errors.status))
end
