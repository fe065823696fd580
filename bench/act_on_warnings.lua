-- wrk script: walk warnings through receive -> assign -> report (department handler)
-- -> accept (office), each request carrying the version the previous answer returned.
-- Args (from bench/transitions_bench.py): warnings file ("id version handler" per line),
-- output file, thread count, office token, then one token per handler (1-based index + 1).
-- Each thread owns the warnings whose line number is its own modulo the thread count, and
-- holds at most one request per warning in flight, so no two requests ever race.
-- With QF_RATE set (transitions/s over all threads) requests are paced to that rate, an
-- open model: each request has an intended start on a fixed schedule, and its latency runs
-- from that start, not from when a busy connection got to send it (wrk2's correction for
-- coordinated omission). The latencies go to the output file + ".lat", one per line, in ms.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local ACTIONS = {"receive", "assign", "report", "accept"}
local BODIES = {
  '{"action":"receive","version":%d}',
  '{"action":"assign","version":%d,"responsible_person":"王伟"}',
  '{"action":"report","version":%d,"comment":"已完成自查自纠，完善内部控制制度，整改到位。"}',
  '{"action":"accept","version":%d,"comment":"整改情况属实，同意办结。"}',
}
local ready = {}     -- stack of {warning id, step, version}: depth first, chains finish early
local handler = {}   -- warning id -> handler index
local headers = {}   -- 1..n handlers, n + 1 office
out_path = ""         -- global: done() runs in the main state and reads it from a thread
seen = {}            -- warning id -> steps acknowledged (read by done() via thread:get)
inflight = {}        -- warning id -> step sent and not acknowledged
ok, bad, idle = 0, 0, 0
lat = {}             -- paced: latency of each acknowledged request, ms

local RATE = tonumber(os.getenv("QF_RATE") or "0")
local interval = 0   -- paced: ms between this thread's intended starts
local next_slot = nil
local slots, head, tail = {}, 1, 0  -- paced: starts claimed by delay(), taken by request()
local intended = {}  -- paced: warning id -> intended start of its request in flight
local now_ms = function() return 0 end

if RATE > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } qf_timespec;
    int clock_gettime(int clk_id, qf_timespec *tp);
  ]]
  local ts = ffi.new("qf_timespec")
  now_ms = function()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  -- wrk calls delay() before each request() of a connection and waits that many ms
  function delay()
    local now = now_ms()
    if next_slot == nil then next_slot = now end
    local slot = next_slot
    next_slot = next_slot + interval
    tail = tail + 1
    slots[tail] = slot
    return math.max(0, math.floor(slot - now))
  end
end

local function auth(token)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function init(args)
  out_path = args[2]
  local nthreads = tonumber(args[3])
  if RATE > 0 then interval = 1000 * nthreads / RATE end
  for i = 5, #args do table.insert(headers, auth(args[i])) end
  table.insert(headers, auth(args[4]))
  local mine = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == tid - 1 then
      local id, version, h = line:match("(%d+) (%d+) (%d+)")
      id = tonumber(id)
      handler[id] = tonumber(h) + 1
      table.insert(mine, {id, 1, tonumber(version)})
    end
    n = n + 1
  end
  for i = #mine, 1, -1 do table.insert(ready, mine[i]) end
end

function request()
  local slot = nil
  if head <= tail then
    slot = slots[head]
    slots[head] = nil
    head = head + 1
  end
  local item = table.remove(ready)
  if item == nil then
    idle = idle + 1
    return wrk.format("GET", "/healthz")
  end
  local id, step, version = item[1], item[2], item[3]
  inflight[id] = step
  intended[id] = slot
  local h = headers[step == 4 and #headers or handler[id]]
  return wrk.format("POST", "/api/warnings/" .. id .. "/actions", h,
                    string.format(BODIES[step], version))
end

function response(status, _, body)
  local id = tonumber(body:match('"warning_id":(%d+)'))
  if status == 200 and id ~= nil then
    ok = ok + 1
    if intended[id] ~= nil then
      lat[#lat + 1] = now_ms() - intended[id]
      intended[id] = nil
    end
    local step = inflight[id]
    inflight[id] = nil
    seen[id] = step
    if step < #ACTIONS then
      table.insert(ready, {id, step + 1, tonumber(body:match('"version":(%d+)'))})
    end
  elseif id == nil and status == 200 and body:match('"status"') then
    -- an idle health check
  else
    bad = bad + 1
    if bad <= 5 then io.stderr:write(string.format("status %d: %s\n", status, body:sub(1, 300))) end
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(threads[1]:get("out_path"), "w"))
  local oks, bads, idles = 0, 0, 0
  for _, thread in ipairs(threads) do
    oks = oks + thread:get("ok")
    bads = bads + thread:get("bad")
    idles = idles + thread:get("idle")
    local acked, pending = thread:get("seen"), thread:get("inflight")
    for id, step in pairs(acked) do out:write(string.format("%d %d %d\n", id, step, pending[id] and 1 or 0)) end
    for id, _ in pairs(pending) do
      if acked[id] == nil then out:write(string.format("%d 0 1\n", id)) end
    end
  end
  out:close()
  if RATE > 0 then
    local lats = assert(io.open(threads[1]:get("out_path") .. ".lat", "w"))
    for _, thread in ipairs(threads) do
      for _, ms in ipairs(thread:get("lat")) do lats:write(string.format("%.3f\n", ms)) end
    end
    lats:close()
  end
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, oks, bads, idles))
end
