#!/usr/bin/env bash
# Gateway benchmark: the same stub backend reached directly (the ceiling), through poolgate,
# through nginx (reverse proxy, upstream keepalive 10) and through poolgate with pooling off.
# Loopback only, bounded in time: each subject gets WARMUP + DURATION seconds of wrk per mode.
# Writes bench/results/gateway.json and gateway.csv (or to OUT_DIR).
#
# Environment (all optional):
#   JAVA=/path/to/java   a JDK 21+ (default: temurin-25 if present, else java on PATH)
#   CONNECTIONS=32 DURATION=10 WARMUP=2 WRK_THREADS=2 MODES="plain stream"
#   SUBJECTS="direct poolgate nginx poolgate-nopool" OUT_DIR=bench/results
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
WRK_THREADS=${WRK_THREADS:-2}
MODES=${MODES:-"plain stream"}
SUBJECTS=${SUBJECTS:-"direct poolgate nginx poolgate-nopool"}
OUT_DIR=${OUT_DIR:-bench/results}
READY_LIMIT_S=30
LUA="$ROOT/bench/gateway/post.lua"

if [[ -z "${JAVA:-}" ]]; then
  if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
    JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  else
    JAVA=java
  fi
fi

log() { printf '[gateway-bench] %s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
need_install=()
command -v wrk >/dev/null || need_install+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_install+=(nginx-light)
command -v curl >/dev/null || need_install+=(curl)
if ((${#need_install[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  log "installing ${need_install[*]}"
  $SUDO apt-get -y -q install "${need_install[@]}" >/dev/null \
    || { $SUDO apt-get -q update >/dev/null && $SUDO apt-get -y -q install "${need_install[@]}" >/dev/null; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

SERVER_JAR=http-server/target/poolgate-server.jar
STUB_JAR=stub-backend/target/stub-backend.jar
if [[ ! -f $SERVER_JAR || ! -f $STUB_JAR ]]; then
  log "building the server and stub jars"
  mvn -B -q -DskipTests package -pl http-server,stub-backend -am
fi

# --- processes we start, and their cleanup -------------------------------------------------------
WORK=$(mktemp -d /tmp/poolgate-gateway-bench.XXXXXX)
STARTED=()
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${STARTED[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

now_ns() { date +%s%N; }

# POST once; prints the HTTP status (000 when nothing answers).
probe() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X POST "http://127.0.0.1:$1/v1/messages" \
    -H 'content-type: application/json' -H 'x-api-key: k' -H 'anthropic-version: 2023-06-01' \
    -d '{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"ready?"}]}' \
    2>/dev/null || true
}

# Waits until a POST through port $1 answers 200; prints ms since $2 (ns).
wait_ready() {
  local port=$1 t0=$2 deadline=$(( $(date +%s) + READY_LIMIT_S ))
  while [[ $(probe "$port") != 200 ]]; do
    if (( $(date +%s) > deadline )); then log "port $port not ready in ${READY_LIMIT_S}s"; return 1; fi
    sleep 0.005
  done
  echo $(( ($(now_ns) - t0) / 1000000 ))
}

# CPU seconds (user+system) of a process and its direct children (nginx's workers).
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
  local total=0 p f
  for p in "$1" $(pgrep -P "$1" || true); do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    f=${f##*) }                      # fields after the command name
    read -r -a a <<<"$f"
    total=$(( total + a[11] + a[12] ))   # utime, stime (fields 14 and 15)
  done
  echo "$total"
}
# Peak RSS (VmHWM) in KiB, summed over the process and its direct children.
peak_rss_kib() {
  local total=0 p v
  for p in "$1" $(pgrep -P "$1" || true); do
    v=$(awk '/^VmHWM:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$(( total + ${v:-0} ))
  done
  echo "$total"
}

# --- the stub backend --------------------------------------------------------------------------
STUB_PORT=$(free_port)
"$JAVA" -jar "$STUB_JAR" --port "$STUB_PORT" >"$WORK/stub.log" 2>&1 &
STUB_PID=$!; STARTED+=("$STUB_PID")
wait_ready "$STUB_PORT" "$(now_ns)" >/dev/null
log "stub backend on 127.0.0.1:$STUB_PORT (pid $STUB_PID)"

# --- subjects ------------------------------------------------------------------------------------
# start_subject NAME: sets SUBJ_PID, SUBJ_PORT, READY_MS (start to first served request).
start_subject() {
  local name=$1 t0
  case $name in
    direct)
      SUBJ_PID=$STUB_PID; SUBJ_PORT=$STUB_PORT; READY_MS=""
      ;;
    poolgate|poolgate-nopool)
      SUBJ_PORT=$(free_port)
      local pool=true; [[ $name == poolgate-nopool ]] && pool=false
      t0=$(now_ns)
      "$JAVA" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$SERVER_JAR" \
        --port "$SUBJ_PORT" --anthropic-base-url "http://127.0.0.1:$STUB_PORT" \
        --anthropic-api-key k --upstream-health-path /health --pool-enabled "$pool" \
        >"$WORK/$name.log" 2>&1 &
      SUBJ_PID=$!; STARTED+=("$SUBJ_PID")
      READY_MS=$(wait_ready "$SUBJ_PORT" "$t0")
      ;;
    nginx)
      SUBJ_PORT=$(free_port)
      mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
      cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
master_process on;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  upstream stub {
    server 127.0.0.1:$STUB_PORT;
    keepalive 10;
  }
  server {
    listen 127.0.0.1:$SUBJ_PORT;
    location / {
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
CONF
      t0=$(now_ns)
      "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" \
        >"$WORK/nginx/logs/stdout.log" 2>&1 &
      SUBJ_PID=$!; STARTED+=("$SUBJ_PID")
      READY_MS=$(wait_ready "$SUBJ_PORT" "$t0")
      ;;
    *) log "unknown subject $name"; exit 2 ;;
  esac
}

stop_subject() {
  [[ $1 == direct ]] && return 0
  stop_pid "$SUBJ_PID"
}

# run_wrk PORT MODE SECONDS: prints wrk's RESULT json.
run_wrk() {
  local port=$1 mode=$2 secs=$3 stream=0
  [[ $mode == stream ]] && stream=1
  STREAM=$stream timeout $(( secs + 30 )) wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${secs}s" \
    --timeout 10s --latency -s "$LUA" "http://127.0.0.1:$port" >"$WORK/wrk.out" 2>&1 \
    || { log "wrk failed:"; cat "$WORK/wrk.out" >&2; return 1; }
  sed -n 's/^RESULT //p' "$WORK/wrk.out"
}

ROWS="$WORK/rows.jsonl"; : >"$ROWS"
for name in $SUBJECTS; do
  start_subject "$name"
  log "$name: port $SUBJ_PORT, pid $SUBJ_PID, ready in ${READY_MS:-n/a} ms"
  for mode in $MODES; do
    run_wrk "$SUBJ_PORT" "$mode" "$WARMUP" >/dev/null
    c0=$(cpu_ticks "$SUBJ_PID"); s0=$(cpu_ticks "$STUB_PID")
    result=$(run_wrk "$SUBJ_PORT" "$mode" "$DURATION")
    c1=$(cpu_ticks "$SUBJ_PID"); s1=$(cpu_ticks "$STUB_PID")
    rss=$(peak_rss_kib "$SUBJ_PID")
    python3 - "$name" "$mode" "$READY_MS" "$c0" "$c1" "$s0" "$s1" "$CLK_TCK" "$rss" "$result" \
      >>"$ROWS" <<'PY'
import json, sys
name, mode, ready, c0, c1, s0, s1, tck, rss, result = sys.argv[1:]
r = json.loads(result)
secs = r["duration_us"] / 1e6
row = {
    "subject": name, "mode": mode,
    "requests": r["requests"], "seconds": round(secs, 3),
    "requests_per_s": round(r["requests"] / secs, 1),
    "latency_ms": {k: round(v / 1000, 3) for k, v in r["latency_us"].items()},
    "errors": r["errors"],
    "proxy_cpu_s": round((int(c1) - int(c0)) / int(tck), 2),
    "proxy_cpu_cores": round((int(c1) - int(c0)) / int(tck) / secs, 2),
    "stub_cpu_cores": round((int(s1) - int(s0)) / int(tck) / secs, 2),
    "proxy_peak_rss_mib": round(int(rss) / 1024, 1),
    "ready_ms": int(ready) if ready else None,
}
print(json.dumps(row))
PY
    log "$name/$mode: $(tail -1 "$ROWS")"
  done
  stop_subject "$name"
done

# --- results ---------------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
python3 - "$ROWS" "$OUT_DIR" "$JAVA" "$NGINX" "$CONNECTIONS" "$DURATION" "$WARMUP" "$WRK_THREADS" <<'PY'
import json, os, platform, subprocess, sys, datetime
rows_file, out, java, nginx, conns, dur, warm, wthreads = sys.argv[1:]
rows = [json.loads(l) for l in open(rows_file) if l.strip()]
def first_line(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return ((p.stdout or "") + (p.stderr or "")).strip().splitlines()[0]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
machine = {
    "measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "cores": os.cpu_count(), "cpu": cpu, "memory_mib": int(mem) // 1024,
    "os": " ".join(platform.uname()[i] for i in (0, 2, 4)),
    "jdk": first_line([java, "-version"]), "nginx": first_line([nginx, "-v"]),
    "wrk": first_line(["wrk", "-v"]).split(" Copyright")[0],
}
setup = {
    "loopback_only": True, "connections": int(conns), "duration_s": int(dur),
    "warmup_s": int(warm), "wrk_threads": int(wthreads),
    "request": "POST /v1/messages, max_tokens 64, one user message; stream: the same with stream=true",
    "note": "wrk, the subject and the stub share the same cores",
    "tls": "not measured",
}
def find(s, m):
    return next((r for r in rows if r["subject"] == s and r["mode"] == m), None)
summary = {}
for m in sorted({r["mode"] for r in rows}):
    d, p, n = find("direct", m), find("poolgate", m), find("nginx", m)
    s = {}
    if p and n: s["throughput_poolgate_over_nginx"] = round(p["requests_per_s"] / n["requests_per_s"], 3)
    if p and d: s["p99_added_ms_poolgate"] = round(p["latency_ms"]["p99"] - d["latency_ms"]["p99"], 3)
    if n and d: s["p99_added_ms_nginx"] = round(n["latency_ms"]["p99"] - d["latency_ms"]["p99"], 3)
    summary[m] = s
if find("poolgate", rows[0]["mode"]): summary["poolgate_ready_ms"] = find("poolgate", rows[0]["mode"])["ready_ms"]
with open(os.path.join(out, "gateway.json"), "w") as f:
    json.dump({"machine": machine, "setup": setup, "summary": summary, "results": rows}, f, indent=2)
    f.write("\n")
cols = ["subject", "mode", "requests_per_s", "p50_ms", "p99_ms", "p999_ms", "max_ms", "errors",
        "proxy_cpu_cores", "stub_cpu_cores", "proxy_peak_rss_mib", "ready_ms", "requests", "seconds"]
with open(os.path.join(out, "gateway.csv"), "w") as f:
    for k, v in machine.items(): f.write(f"# {k}: {v}\n")
    f.write(f"# connections: {conns}, duration_s: {dur}, warmup_s: {warm}, wrk_threads: {wthreads}, loopback\n")
    f.write(",".join(cols) + "\n")
    for r in rows:
        l = r["latency_ms"]
        vals = [r["subject"], r["mode"], r["requests_per_s"], l["p50"], l["p99"], l["p999"], l["max"],
                sum(r["errors"].values()), r["proxy_cpu_cores"], r["stub_cpu_cores"],
                r["proxy_peak_rss_mib"], "" if r["ready_ms"] is None else r["ready_ms"],
                r["requests"], r["seconds"]]
        f.write(",".join(str(v) for v in vals) + "\n")
print(json.dumps(summary, indent=2))
PY
log "wrote $OUT_DIR/gateway.json and $OUT_DIR/gateway.csv"
