-- Shared by the POST wrk scripts (loaded with dofile from the repository root, where
-- the bench scripts run wrk): thread ids, JSON + credential headers, a per-thread
-- random seed, and the non-2xx count at the end.
customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1000")
first = tonumber(os.getenv("BENCH_FIRST_CUSTOMER") or "1")
local thread_id = 0

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

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx responses: %d\n", summary.errors.status))
end
