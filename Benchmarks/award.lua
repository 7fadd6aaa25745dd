-- wrk script: POST transactions/create with a unique order id per request and a
-- random customer, as a shop backend would after each checkout.
local counter = 0
local thread_id = 0
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1000")
local first = tonumber(os.getenv("BENCH_FIRST_CUSTOMER") or "1")
local run = os.getenv("BENCH_RUN") or "r"

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = os.getenv("BENCH_KEY")
  wrk.headers["X-API-Secret"] = os.getenv("BENCH_SECRET")
  math.randomseed(tid * 7919 + os.time())
end

function request()
  counter = counter + 1
  local user = first + math.random(0, customers - 1)
  local body = string.format('{"order_id":"%s-%d-%d","user_id":%d,"order_total":%d.%02d,"currency":"EUR"}',
    run, tid, counter, user, math.random(1, 300), math.random(0, 99))
  return wrk.format(nil, "/en/shop/transactions/create", nil, body)
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx responses: %d\n", summary.errors.status))
end
