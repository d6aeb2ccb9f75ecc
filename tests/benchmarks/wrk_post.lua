-- wrk script: POSTs ~250-byte Impilo-like events, each with its own id, unique across threads.
-- usage: wrk -t2 -c32 -d10s -s wrk_post.lua URL -- SECRET_HEADER_VALUE ID_BASE
-- Each thread gets its own range through setup()/thread:set (a `local first` here would shadow
-- it and make every thread send the same ids). No response() callback: wrk counts non-2xx itself.
local threads = 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

function init(args)
  local base = tonumber(args[2] or "0")
  first = base + thread_index * 100000000
  n = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[1] and args[1] ~= "" then
    wrk.headers["Impilo-Webhook-Secret"] = args[1]
  end
end

function request()
  n = n + 1
  local id = first + n
  local body = string.format(
    '{"id":%d,"type":"reading.weight","payload":{"id":%d,"readingTimestamp":'
      .. '"2026-11-02T08:00:00.000Z","weight":70.5,"manual":true,'
      .. '"patient":{"id":7,"firstName":"Thandiwe","lastName":"Mokoena"},'
      .. '"device":{"serial":"SC-0042","model":"Scale 2"}}}',
    id, id)
  return wrk.format(nil, nil, nil, body)
end
