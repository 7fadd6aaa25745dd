-- wrk script: POST points/bulk-award with BENCH_BULK_ITEMS awards per request (unique
-- order ids, random customers), as a nightly import would.
local counter = 0
local thread_id = 0
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1000")
local first = tonumber(os.getenv("BENCH_FIRST_CUSTOMER") or "1")
local items = tonumber(os.getenv("BENCH_BULK_ITEMS") or "100")
local run = os.getenv("BENCH_RUN") or "b"

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-API-Key"] = os.getenv("BENCH_KEY")
  wrk.headers["X-API-Secret"] = os.getenv("BENCH_SECRET")
  math.randomseed(tid * 104729 + os.time())
end

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, items do
    parts[i] = string.format('{"customer_id":%d,"points":%d,"order_id":"%s-%d-%d-%d"}',
      first + math.random(0, customers - 1), math.random(1, 50), run, tid, counter, i)
  end
  return wrk.format(nil, "/en/shop/points/bulk-award", nil, '{"items":[' .. table.concat(parts, ",") .. ']}')
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx responses: %d\n", summary.errors.status))
end
