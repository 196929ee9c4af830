-- wrk script for the benchmark. Arguments after `--`: an optional method and body, e.g.
-- `-- POST '{"k":1}'`. done() prints one machine-readable line so the runner never has to parse
-- wrk's human summary (whose units change with magnitude: us, ms, s, k).
function init(args)
  if args[1] ~= nil then
    wrk.method = args[1]
    wrk.body = args[2]
    wrk.headers["Content-Type"] = "application/json"
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
