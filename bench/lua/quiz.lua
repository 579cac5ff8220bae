-- The whole quiz flow, as a learner's browser does it, in a loop:
--   POST …/attempts (start; 302 to the attempt) → GET the attempt (the questions) →
--   POST …/attempts/<id>/submit (answers: the first choice of each question; 302) →
--   GET the attempt again (the review).
-- One connection per wrk thread, each signed in as a different learner (who gives way to the
-- thread's next learner after using every attempt of every quiz): bench/run.py sets
--   BENCH_QUIZ_USERS  a file of "cookie<TAB>csrf token" lines, several per thread;
--   BENCH_THREADS     the number of wrk threads (-t);
--   BENCH_QUIZZES     space-separated quiz paths (/courses/<c>/quizzes/<q>); a learner who
--                     has used every attempt of one quiz moves on to the next;
--   BENCH_QUIZ_LOG    a folder: each thread writes one line per response there
--                     ("<step> <microseconds> <status> <attempt id or ->"), since wrk only
--                     times all requests together (and cannot hand big tables to done());
--   BENCH_THINK_MS    a pause before each step (0: none; "paced" gives a learner's pace);
--   BENCH_LUA         the folder of these scripts.
-- Each request comes on a new connection, as each learner's browser is another client: with
-- wrk's 16 connections kept open, gunicorn's two workers race to accept them at the start
-- and one may win them all.
-- bench/run.py reads the lines: per-step latency, and every attempt id started and submitted,
-- to check the database: no attempt lost, none doubled, each graded once.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local quizzes = {}
for path in string.gmatch(os.getenv("BENCH_QUIZZES") or "", "%S+") do
  quizzes[#quizzes + 1] = path
end

local threads = {}
local users = {}

function setup(thread)
  if #users == 0 then
    for line in io.lines(os.getenv("BENCH_QUIZ_USERS")) do
      if string.match(line, "^%S+\t%S+$") then users[#users + 1] = line end
    end
  end
  local index = #threads + 1
  threads[index] = thread
  thread:set("thread_number", index)
  thread:set("quiz_index", (index - 1) % #quizzes + 1)
  -- Learners index, index + n, index + 2n… (n: the number of threads, given by wrk -t).
  local mine = {}
  for i = index, #users, tonumber(os.getenv("BENCH_THREADS")) do mine[#mine + 1] = users[i] end
  thread:set("user_lines", table.concat(mine, "\n"))
end

local function encode(text)
  return (string.gsub(text, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

-- The answers: the first choice of every question, a typed "1", the first option of every
-- matching slot.
local function answers_from(body)
  local fields, seen = {}, {}
  for name, value in string.gmatch(body, 'name="(q%d+)" value="([^"]*)"') do
    if not seen[name] then
      seen[name] = true
      if value == "" then value = "1" end
      fields[#fields + 1] = name .. "=" .. encode(value)
    end
  end
  local position = 1
  while true do
    local first, last, name = string.find(body, '<select[^>]-name="(q%d+%.%d+)"', position)
    if not first then break end
    local option = string.match(body, '<option value="(%d+)"', last)
    if option then fields[#fields + 1] = name .. "=" .. option end
    position = last + 1
  end
  return table.concat(fields, "&")
end

local state, step, t0, attempt_url, attempt_id, answers = "start", nil, 0, nil, nil, ""
local out, my_users, user_index, misses = nil, {}, 1, 0

local function use_user(i)
  user_index = i
  cookie, csrf = string.match(my_users[i], "^(%S+)\t(%S+)$")
end

function init(args)
  -- thread_number, quiz_index and user_lines were set by setup().
  for line in string.gmatch(user_lines, "[^\n]+") do my_users[#my_users + 1] = line end
  use_user(1)
  out = io.open(string.format("%s/thread-%d.log", os.getenv("BENCH_QUIZ_LOG"),
                              thread_number), "w")
  out:setvbuf("line")  -- wrk never closes the threads' Lua states: write as we go
end

local think = tonumber(os.getenv("BENCH_THINK_MS") or "0") or 0
if think > 0 then
  function delay()  -- wrk waits this long before sending the next request (not timed)
    return think
  end
end

local function form_headers()
  return {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded",
          ["Connection"] = "close"}
end

function request()
  step = state
  t0 = now_us()
  if state == "start" then
    return wrk.format("POST", quizzes[quiz_index] .. "/attempts", form_headers(),
                      "csrf_token=" .. encode(csrf))
  elseif state == "submit" then
    local body = "csrf_token=" .. encode(csrf) .. "&action=submit"
    if answers ~= "" then body = body .. "&" .. answers end
    return wrk.format("POST", attempt_url .. "/submit", form_headers(), body)
  end
  return wrk.format("GET", attempt_url, {["Cookie"] = cookie, ["Connection"] = "close"})
end

function response(status, headers, body)
  local took = now_us() - t0
  local set_cookie = bench_header(headers, "Set-Cookie")
  if set_cookie then
    local value = string.match(set_cookie, "^(session=[^;]+)")
    if value then cookie = value end
  end
  local location = bench_header(headers, "Location") or ""
  location = string.gsub(location, "^https?://[^/]+", "")
  local note = "-"
  if step == "start" then
    local id = string.match(location, "/attempts/(%d+)$")
    if status == 302 and id then
      attempt_url, attempt_id = location, id
      note = id
      misses = 0
      state = "take"
    elseif status == 302 then
      note = "exhausted"  -- every attempt of this quiz used: the next quiz
      quiz_index = quiz_index % #quizzes + 1
      misses = misses + 1
      if misses >= #quizzes and user_index < #my_users then
        use_user(user_index + 1)  -- this learner has used every attempt: the next learner
        misses = 0
      end
    end
  elseif step == "take" then
    if status == 200 then
      answers = answers_from(body)
      state = "submit"
    else
      state = "start"
    end
  elseif step == "submit" then
    if status == 302 then
      note = attempt_id
      state = "review"
    else
      state = "start"
    end
  else
    state = "start"
  end
  out:write(string.format("%s %d %d %s\n", step, took, status, note))
end

function done(summary, latency, requests)
  bench_report(summary, latency)
end
