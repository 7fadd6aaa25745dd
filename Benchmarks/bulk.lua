-- wrk script: POST points/bulk-award with BENCH_BULK_ITEMS awards per request (unique
-- order ids, random customers), as a nightly import would.
dofile("Benchmarks/common.lua")
local counter = 0
local items = tonumber(os.getenv("BENCH_BULK_ITEMS") or "100")
local run = os.getenv("BENCH_RUN") or "b"

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, items do
    parts[i] = string.format('{"customer_id":%d,"points":%d,"order_id":"%s-%d-%d-%d"}',
      first + math.random(0, customers - 1), math.random(1, 50), run, tid, counter, i)
  end
  return wrk.format(nil, "/en/shop/points/bulk-award", nil, '{"items":[' .. table.concat(parts, ",") .. ']}')
end
