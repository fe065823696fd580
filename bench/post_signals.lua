-- wrk script: each request POSTs a new signal; about 20% carry a rule keyword.
-- Keywords and the per-thread request limit come from bench/ingest_bench.py via init args.
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local prefix = os.getenv("QF_PREFIX") or ""  -- tells apart the ids of several wrk processes
local keywords = {}
local limit = 0
local sent = 0
local filler = "根据年度工作安排，本单位认真落实党风廉政建设主体责任，持续加强对权力运行的制约和监督，各部门按照职责分工，梳理岗位职责和业务流程，完善内部控制制度，规范工作程序，围绕管人管钱管物管事等关键环节开展自查自纠，及时发现苗头性倾向性问题，做到早发现早提醒早纠正。"
local departments = {"BGS", "CWK", "CGZX", "RSK", "JJB", "HQK", "ZCK", "YWK"}
local surnames = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}
local given = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"}

function init(args)
  wrk.headers["Content-Type"] = "application/json"
  limit = tonumber(args[1])
  for i = 2, #args do table.insert(keywords, args[i]) end
  math.randomseed(tid * 7919)
end

function request()
  sent = sent + 1
  local kw = ""
  if math.random() < 0.2 then kw = keywords[math.random(#keywords)] end
  local name = surnames[math.random(#surnames)] .. given[math.random(#given)] .. given[math.random(#given)]
  local body = string.format(
    '{"channel":"petition","external_id":"W%s%d-%d","title":"关于有关情况的反映%d","text":"%s%s%s","department":"%s","person":"%s","amount":"%d"}',
    prefix, tid, sent, sent, filler, kw, filler, departments[math.random(#departments)], name, math.random(100, 200000))
  -- nil headers: wrk.headers, which carry the Authorization header given with -H
  return wrk.format("POST", "/api/signals", nil, body)
end

local bad = 0
function response(status, headers, body)
  if status ~= 201 and status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.timeout, latency.max))
end
