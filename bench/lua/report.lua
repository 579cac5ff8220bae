-- Shared by the wrk scripts of bench/run.py: print wrk's own figures as one JSON line.

function bench_report(summary, latency, extra)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}%s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, extra or ""))
end

-- Return the value of header *name* whatever its case.
function bench_header(headers, name)
  local wanted = string.lower(name)
  for key, value in pairs(headers or {}) do
    if string.lower(key) == wanted then return value end
  end
  return nil
end
