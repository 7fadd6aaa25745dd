-- wrk script: POST offers/{BENCH_OFFER}/claim for a random customer, as a shop claims
-- an offer for a member at the till (points debited, coupon issued).
dofile("Benchmarks/common.lua")
local offer = os.getenv("BENCH_OFFER")

function request()
  local user = first + math.random(0, customers - 1)
  return wrk.format(nil, "/en/shop/offers/" .. offer .. "/claim", nil, string.format('{"user_id":%d}', user))
end
