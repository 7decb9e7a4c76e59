-- wrk script: POST /v1/messages to the subject; STREAM=1 in the environment asks for a stream;
-- DELAY_MS=N makes each connection wait N ms after an answer before its next request (a paced load).
-- done() prints one line "RESULT {json}" that run.sh reads (latencies in microseconds).
local stream = os.getenv("STREAM") == "1"
local body
if stream then
  body = '{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,'
      .. '"messages":[{"role":"user","content":"hello from wrk"}]}'
else
  body = '{"model":"claude-sonnet-4-5","max_tokens":64,'
      .. '"messages":[{"role":"user","content":"hello from wrk"}]}'
end

local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

wrk.method = "POST"
wrk.path = "/v1/messages"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-api-key"] = "k"
wrk.headers["anthropic-version"] = "2023-06-01"

-- No response() callback: it would make wrk keep every body; wrk counts statuses >= 400 in
-- errors.status on its own.

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
