-- wrk script: POST coupons/verify with a random coupon code from the file named by
-- BENCH_CODES (one per line), as the PHP and Python SDKs send it (`code`, `shop_id`).
dofile("Benchmarks/common.lua")
local codes = {}
local base_init = init
local shop = os.getenv("BENCH_SHOP") or "1"

function init(args)
  base_init(args)
  for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
end

function request()
  return wrk.format(nil, "/en/shop/coupons/verify", nil, '{"code":"' .. codes[math.random(1, #codes)] .. '","shop_id":' .. shop .. '}')
end
