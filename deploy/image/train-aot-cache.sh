#!/usr/bin/env bash
# Writes the AOT cache (JDK 25+) the gateway's image starts with: one training start of the gateway
# on the image's own runtime and jar, in front of an HTTPS stub on loopback, so that the cache holds
# what a start on the real API loads and links (the TLS stack included) and the container's first
# answer comes in about half the time (docs/deploy.md). The cache is written as the gateway exits.
#   deploy/image/train-aot-cache.sh JAVA JAR CACHE [JVM option...]
# JAVA and JAR are the image's runtime and jar (the cache holds their paths only relative to each
# other, so it may be written outside the image); the JVM options are the image's own.
# Loopback only; the stub is the one inside the gateway's jar. Needs bash and the runtime's keytool.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: train-aot-cache.sh JAVA JAR CACHE [JVM option...]" >&2
  exit 2
fi
java=$1 jar=$2 cache=$3
shift 3
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "train-aot-cache: $1" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && sed 's/^/  /' "$log" >&2; done
  exit 1
}

# await_line FILE PATTERN PID: the first line of FILE matching PATTERN, once it is written (60 s).
await_line() {
  local line
  for _ in $(seq 600); do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# send PORT REQUEST-LINE [BODY]: one HTTP/1.1 exchange over bash's /dev/tcp; prints the status line.
send() {
  local port=$1 line=$2 body=${3:-} status
  exec 5<>"/dev/tcp/127.0.0.1/$port"
  printf '%s HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: pk-training\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s' \
    "$line" "${#body}" "$body" >&5
  IFS= read -r -t 30 status <&5 || true
  while IFS= read -r -t 30 _ <&5; do :; done # the rest, until the gateway closes (or 30 s of silence)
  exec 5<&-
  echo "${status%$'\r'}"
}

# The stub's key and certificate (EC P-256, as the real API's front ends serve), trusted by the
# gateway through --upstream-ca-file.
keytool="$(dirname "$java")/keytool"
"$keytool" -genkeypair -alias stub -keyalg EC -groupname secp256r1 -dname CN=localhost \
  -ext SAN=dns:localhost,ip:127.0.0.1 -validity 2 -storetype PKCS12 -keystore "$work/stub.p12" \
  -storepass changeit >/dev/null 2>&1 || fail "keytool could not make the stub's key"
"$keytool" -exportcert -rfc -alias stub -keystore "$work/stub.p12" -storepass changeit \
  -file "$work/stub.pem" >/dev/null 2>&1 || fail "keytool could not export the stub's certificate"

"$java" -cp "$jar" dev.poolgate.stub.Main --host 127.0.0.1 --port 0 --tls-keystore "$work/stub.p12" \
  >"$work/stub.log" 2>&1 &
pids+=($!)
stub_line=$(await_line "$work/stub.log" 'listening on https://' "${pids[0]}") || fail "the stub did not start"
stub_port=$(sed -E 's#.*listening on https://[^:]+:([0-9]+).*#\1#' <<<"$stub_line")

rm -f "$cache"
"$java" "$@" -XX:AOTCacheOutput="$cache" -Xlog:aot*=off -Xlog:cds*=off -jar "$jar" \
  --host 127.0.0.1 --port 0 --anthropic-base-url "https://localhost:$stub_port" \
  --anthropic-api-key training --upstream-ca-file "$work/stub.pem" --upstream-health-path /health \
  --proxy-api-keys pk-training >"$work/gateway.log" 2>&1 &
gateway=$!
pids+=("$gateway")
gateway_line=$(await_line "$work/gateway.log" 'Gateway listening on http://' "$gateway") \
  || fail "the gateway did not start"
port=$(sed -E 's#.*Gateway listening on http://[^:]+:([0-9]+).*#\1#' <<<"$gateway_line")

# What a gateway serves: answers whole and streamed, its health, readiness, stats and metrics.
message='{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"training"}]'
for _ in 1 2 3; do
  [[ $(send "$port" "POST /v1/messages" "$message}") == *" 200"* ]] || fail "a message was not answered"
  [[ $(send "$port" "POST /v1/messages" "$message,\"stream\":true}") == *" 200"* ]] || fail "a stream was not answered"
done
for path in /health /ready /pool/stats /metrics; do
  send "$port" "GET $path" >/dev/null
done

# SIGTERM: the gateway drains and exits, and the JVM writes the cache on its way out.
kill -TERM "$gateway"
for _ in $(seq 1200); do kill -0 "$gateway" 2>/dev/null || break; sleep 0.1; done
kill -0 "$gateway" 2>/dev/null && fail "the gateway did not exit within 2 minutes of SIGTERM"
wait "$gateway" || true
[ -s "$cache" ] || fail "no cache was written to $cache"
