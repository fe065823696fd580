-- wrk script: walk warnings through receive -> assign -> report (department handler)
-- -> accept (office), each request carrying the version the previous answer returned.
-- Args (from bench/transitions_bench.py): warnings file ("id version handler" per line),
-- output file, thread count, office token, then one token per handler (1-based index + 1).
-- Each thread owns the warnings whose line number is its own modulo the thread count, and
-- holds at most one request per warning in flight, so no two requests ever race.
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

local function auth(token)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

function init(args)
  out_path = args[2]
  local nthreads = tonumber(args[3])
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
  local item = table.remove(ready)
  if item == nil then
    idle = idle + 1
    return wrk.format("GET", "/healthz")
  end
  local id, step, version = item[1], item[2], item[3]
  inflight[id] = step
  local h = headers[step == 4 and #headers or handler[id]]
  return wrk.format("POST", "/api/warnings/" .. id .. "/actions", h,
                    string.format(BODIES[step], version))
end

function response(status, _, body)
  local id = tonumber(body:match('"warning_id":(%d+)'))
  if status == 200 and id ~= nil then
    ok = ok + 1
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
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, oks, bads, idles))
end
