-- GET pages, signed in or not: bench/run.py sets
--   BENCH_COOKIE  the session cookie ("session=…"), or nothing for an anonymous visitor;
--   BENCH_PATHS   space-separated paths; each request takes one at random;
--   BENCH_LUA     the folder of these scripts.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

local cookie = os.getenv("BENCH_COOKIE") or ""
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do
  paths[#paths + 1] = path
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed or 1)
  if cookie ~= "" then wrk.headers["Cookie"] = cookie end
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

-- A signed-in visitor keeps the session cookie the portal sends, as a browser does (the
-- portal signs it again now and then to move its idle deadline: portal/sessions.py).
function response(status, headers, body)
  if cookie ~= "" then
    local sent = headers["Set-Cookie"]
    local session = sent and string.match(sent, "(session=[^;]*)")
    if session then wrk.headers["Cookie"] = session end
  end
end

function done(summary, latency, requests)
  bench_report(summary, latency)
end
