-- wrk script: POST games/{BENCH_GAME}/add-stamps for a random card (BENCH_CARDS: one
-- card id per line) at BENCH_SHOP, one stamp, as the SDKs' add_stamps sends it.
dofile("Benchmarks/common.lua")
local game = os.getenv("BENCH_GAME")
local shop = os.getenv("BENCH_SHOP")
local cards = {}
local base_init = init

function init(args)
  base_init(args)
  for line in io.lines(os.getenv("BENCH_CARDS")) do cards[#cards + 1] = line end
end

function request()
  local card = cards[math.random(1, #cards)]
  return wrk.format(nil, "/en/shop/games/" .. game .. "/add-stamps", nil,
    string.format('{"card_id":%s,"shop_id":%s,"stamps_count":1}', card, shop))
end
