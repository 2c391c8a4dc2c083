-- wrk script for bench/cast.py: every request carries a fresh ballot. Each wrk thread sends
-- its own share of the prepared bodies (one JSON body a line); the summary is one JSON line.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local path, n = args[1], tonumber(args[2])
  target = args[3]
  bodies, counter = {}, 1
  local i = 0
  for line in io.lines(path) do
    if i % n == id - 1 then table.insert(bodies, line) end
    i = i + 1
  end
end

function request()
  local body = bodies[counter] or bodies[1] -- run out: a re-sent ballot is refused, and counted
  counter = counter + 1
  return wrk.format("POST", target, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.4f, "non2xx": %d, "socket_errors": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
