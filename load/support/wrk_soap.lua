-- wrk script for the benchmarks: POST SOAP bodies and print a JSON summary line.
-- args: [1] template file (bodies separated by a line "----8<----"; "__FID__" in a body is
--           replaced by an id unique across threads and requests), empty = ceiling.ANSWER-sized body
--       [2] SOAPAction header value (optional)
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

local bodies = {}
local counter = 0
local headers = {}
local run = tostring(os.time())

function init(args)
  local path = args[1]
  if path ~= nil and path ~= "" then
    local f = assert(io.open(path, "rb"))
    local text = f:read("*a")
    f:close()
    for part in (text .. "\n----8<----\n"):gmatch("(.-)\n%-%-%-%-8<%-%-%-%-\n") do
      if #part > 0 then table.insert(bodies, part) end
    end
  else
    table.insert(bodies, string.rep("x", 1300))
  end
  headers["Content-Type"] = "text/xml; charset=utf-8"
  if args[2] ~= nil and args[2] ~= "" then headers["SOAPAction"] = args[2] end
end

function request()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  if body:find("__FID__", 1, true) then
    body = body:gsub("__FID__", "W" .. run .. "-" .. tid .. "-" .. counter)
  end
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"bench": {"requests": %d, "duration_us": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
