-- wrk script: POST offers/{BENCH_OFFER}/claim for a random member, in the shape named by
-- BENCH_CLAIM_BY:
--   id     (default) the shop claims for the member by `user_id`
--   email  the shop claims by `user_email` (bench{n}@example.com, as bench-rewards.sh imports)
--   token  the member claims with their own customer token (J22): one token per line of
--          the file named by BENCH_TOKENS, no shop credentials sent
dofile("Benchmarks/common.lua")
local offer = os.getenv("BENCH_OFFER")
local by = os.getenv("BENCH_CLAIM_BY") or "id"
local tokens = {}
local base_init = init

function init(args)
  base_init(args)
  if by == "token" then
    wrk.headers["X-API-Key"] = nil
    wrk.headers["X-API-Secret"] = nil
    for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  end
end

function request()
  local path = "/en/shop/offers/" .. offer .. "/claim"
  if by == "token" then
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)] }
    return wrk.format(nil, path, headers, "{}")
  end
  local user = first + math.random(0, customers - 1)
  if by == "email" then
    return wrk.format(nil, path, nil, string.format('{"user_email":"bench%d@example.com"}', user))
  end
  return wrk.format(nil, path, nil, string.format('{"user_id":%d}', user))
end
