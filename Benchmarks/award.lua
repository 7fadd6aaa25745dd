-- wrk script: POST transactions/create with a unique order id per request and a
-- random customer, as a shop backend would after each checkout.
dofile("Benchmarks/common.lua")
local counter = 0
local run = os.getenv("BENCH_RUN") or "r"

function request()
  counter = counter + 1
  local user = first + math.random(0, customers - 1)
  local body = string.format('{"order_id":"%s-%d-%d","user_id":%d,"order_total":%d.%02d,"currency":"EUR"}',
    run, tid, counter, user, math.random(1, 300), math.random(0, 99))
  return wrk.format(nil, "/en/shop/transactions/create", nil, body)
end
