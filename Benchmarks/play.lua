-- wrk script: a member's whole play of a chance game, start-session (J30) then
-- claim-reward (J33), with the member's own customer token (BENCH_TOKENS: lines of
-- "<member id> <token>") and no shop credentials. Each thread keeps the session keys its starts returned and
-- claims them next, so a connection alternates between the two calls.
dofile("Benchmarks/common.lua")
local game = os.getenv("BENCH_GAME")
local tokens = {}
local byMember = {}
local pending = {}
local base_init = init

function init(args)
  base_init(args)
  wrk.headers["X-API-Key"] = nil
  wrk.headers["X-API-Secret"] = nil
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    local id, token = string.match(line, "^(%d+) (%S+)$")
    tokens[#tokens + 1] = token
    byMember[id] = token
  end
end

function request()
  local n = #pending
  if n > 0 then
    local item = table.remove(pending, n)
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. item.token }
    return wrk.format("POST", "/en/shop/game-sessions/" .. item.key .. "/claim-reward", headers, "{}")
  end
  local token = tokens[math.random(1, #tokens)]
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  return wrk.format("POST", "/en/shop/games/" .. game .. "/start-session", headers, "{}")
end

function response(status, headers, body)
  if status ~= 200 or not body or string.find(body, '"reward"', 1, true) then return end
  -- A start's answer: its session key and member (whose token claims it).
  local key = string.match(body, '"session_key":"(game_session_%x+)"')
  local member = string.match(body, '"user_id":(%d+)')
  if key and member and byMember[member] then
    pending[#pending + 1] = { key = key, token = byMember[member] }
  end
end
