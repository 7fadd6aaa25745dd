-- wrk script: POST loyalty-cards/scan with a random dynamic card token from the file
-- named by BENCH_TOKENS (one per line): decrypt, check, two reads.
dofile("Benchmarks/common.lua")
local tokens = {}
local base_init = init

function init(args)
  base_init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
end

function request()
  return wrk.format(nil, "/en/shop/loyalty-cards/scan", nil, '{"qr_data":"' .. tokens[math.random(1, #tokens)] .. '"}')
end
