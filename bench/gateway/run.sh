#!/usr/bin/env bash
# Gateway benchmark: the same stub backend reached directly (the ceiling), through poolgate,
# through nginx (reverse proxy, upstream keepalive 10) and through poolgate with pooling off;
# once with the stub serving plain HTTP and once serving HTTPS (a self-signed certificate made
# here with keytool, trusted by poolgate and nginx), where pooling saves a handshake per request.
# wrk always speaks plain HTTP to the subject (to the stub itself: HTTPS for the tls upstream).
# Loopback only, bounded in time: each subject gets WARMUP + DURATION seconds of wrk per mode,
# per upstream, per round; rounds interleave the subjects so that ratios compare neighbours.
# Writes bench/results/gateway.json and gateway.csv (or to OUT_DIR).
#
# Environment (all optional):
#   JAVA=/path/to/java   a JDK 21+ (default: temurin-25 if present, else java on PATH)
#   CONNECTIONS=32 DURATION=10 WARMUP=2 WRK_THREADS=2 MODES="plain stream" ROUNDS=1
#   UPSTREAMS="plain tls" SUBJECTS="direct poolgate nginx poolgate-nopool" OUT_DIR=bench/results
#   PACE_MS=20
# Modes: plain and stream send requests back to back (throughput, and latency at saturation);
# paced sends plain requests with PACE_MS between a connection's answer and its next request, a
# load every subject serves without queueing, so that latency added over direct is the proxy's own.
# Subjects besides the gateways: ceiling-threads and ceiling-loop, the fastest proxy of each design
# on this JVM (bench/src/.../gateway/ModelCeiling.java, poolgate's JVM settings, plain HTTP
# upstream and content-length answers only: plain and paced modes over the plain upstream).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
WRK_THREADS=${WRK_THREADS:-2}
MODES=${MODES:-"plain stream"}
ROUNDS=${ROUNDS:-1}
UPSTREAMS=${UPSTREAMS:-"plain tls"}
SUBJECTS=${SUBJECTS:-"direct poolgate nginx poolgate-nopool"}
OUT_DIR=${OUT_DIR:-bench/results}
READY_LIMIT_S=30
export PACE_MS=${PACE_MS:-20}
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
BENCH_JAR=bench/target/benchmarks.jar
if [[ " $SUBJECTS " == *" ceiling-"* && ! -f $BENCH_JAR ]]; then
  log "building the bench jar (the ceiling subjects)"
  mvn -B -q -DskipTests -Dinvoker.skip package -pl bench -am
fi

# --- processes we start, and their cleanup -------------------------------------------------------
WORK=$(mktemp -d /tmp/poolgate-gateway-bench.XXXXXX)
STARTED=()
stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  # Up to 15 s: a first start writes its start-up cache as it exits.
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
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

# POST once to base URL $1; prints the HTTP status (000 when nothing answers). Certificates are
# not checked here: the subjects check the stub's, and this only asks whether one answers.
probe() {
  curl -s -k -o /dev/null -w '%{http_code}' --max-time 2 -X POST "$1/v1/messages" \
    -H 'content-type: application/json' -H 'x-api-key: k' -H 'anthropic-version: 2023-06-01' \
    -d '{"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"ready?"}]}' \
    2>/dev/null || true
}

# A pipe that is never written: `read -t` on it waits without starting a process (sleep would).
exec 9<> <(:)
# Waits until a POST to base URL $1 answers 200; prints ms since $2 (ns). It first waits, within
# this shell, until the port accepts a connection (every 2 ms, starting no process: not even date,
# the deadline is bash's SECONDS), then POSTs with curl every 5 ms. A curl process costs ~20 ms of
# CPU here: polling with it from the first millisecond took a good part of two cores from a
# subject that was still starting.
wait_ready() {
  local url=$1 t0=$2 deadline=$(( SECONDS + READY_LIMIT_S )) hostport
  hostport=${url#*://}; hostport=${hostport%%/*}
  until exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"; do
    if (( SECONDS > deadline )); then log "$url not listening in ${READY_LIMIT_S}s"; return 1; fi
    read -r -t 0.002 -u 9 || true
  done 2>/dev/null
  exec 3>&-
  while [[ $(probe "$url") != 200 ]]; do
    if (( SECONDS > deadline )); then log "$url not ready in ${READY_LIMIT_S}s"; return 1; fi
    read -r -t 0.005 -u 9 || true
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

# --- the stub backends: plain HTTP, and HTTPS with a self-signed certificate ---------------------
KEYTOOL="$(dirname "$JAVA")/keytool"; command -v "$KEYTOOL" >/dev/null || KEYTOOL=keytool
"$KEYTOOL" -genkeypair -alias stub -keyalg EC -groupname secp256r1 -dname CN=localhost \
  -ext SAN=dns:localhost,ip:127.0.0.1 -validity 2 -storetype PKCS12 -keystore "$WORK/stub.p12" \
  -storepass changeit >/dev/null 2>&1
"$KEYTOOL" -exportcert -rfc -alias stub -keystore "$WORK/stub.p12" -storepass changeit \
  -file "$WORK/stub.pem" >/dev/null 2>&1

STUB_PORT=$(free_port)
"$JAVA" -jar "$STUB_JAR" --port "$STUB_PORT" >"$WORK/stub.log" 2>&1 &
STUB_PID=$!; STARTED+=("$STUB_PID")
wait_ready "http://127.0.0.1:$STUB_PORT" "$(now_ns)" >/dev/null
log "stub backend on 127.0.0.1:$STUB_PORT (pid $STUB_PID)"
TLS_STUB_PORT=$(free_port)
"$JAVA" -jar "$STUB_JAR" --port "$TLS_STUB_PORT" --tls-keystore "$WORK/stub.p12" >"$WORK/stub-tls.log" 2>&1 &
TLS_STUB_PID=$!; STARTED+=("$TLS_STUB_PID")
wait_ready "https://localhost:$TLS_STUB_PORT" "$(now_ns)" >/dev/null
log "TLS stub backend on localhost:$TLS_STUB_PORT (pid $TLS_STUB_PID)"

# The JVM options bin/poolgate starts the gateway with (its default settings and its start-up cache: an AOT cache on JDK
# 25+, else a class-data archive, one per subject and upstream kind, as a user's own earlier start
# would have written it). The TLS stub's certificate is trusted through --upstream-ca-file, the
# gateway's way to trust a private CA, from the same PEM file nginx gets.
# bin/poolgate's default JVM settings (POOLGATE_JVM_DEFAULTS replaces them here too; empty: the JVM's own).
BIN_DEFAULTS=$(sed -n 's/^defaults=\${POOLGATE_JVM_DEFAULTS-"\(.*\)"}$/\1/p' "$ROOT/bin/poolgate")
read -r -a JVM_DEFAULTS <<<"${POOLGATE_JVM_DEFAULTS-$BIN_DEFAULTS}"
POOLGATE_JVM=("${JVM_DEFAULTS[@]}")
JAVA_MAJOR=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
# startup_cache FILE-STEM: the flags that write the cache on a first start and map it afterwards.
# As bin/poolgate: with C1 only, no method profiles are recorded or replayed.
startup_cache() {
  if (( JAVA_MAJOR >= 25 )); then
    local training=""
    [[ " ${JVM_DEFAULTS[*]} " == *" -XX:TieredStopAtLevel=1 "* ]] \
      && training="-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -XX:-AOTReplayTraining"
    if [[ -f $1.aot ]]; then echo "-XX:AOTCache=$1.aot -Xlog:aot*=off -Xlog:cds*=off $training"
    else echo "-XX:AOTCacheOutput=$1.aot -Xlog:aot*=off -Xlog:cds*=off $training"; fi
  else
    echo "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$1.jsa -Xlog:cds*=off"
  fi
}
# The subject poolgate-custom is poolgate with these JVM options added, to compare settings side
# by side in one run (e.g. CUSTOM_JVM="-XX:+UseSerialGC -Xmx64m" SUBJECTS="poolgate poolgate-custom").
read -r -a CUSTOM_JVM_OPTS <<<"${CUSTOM_JVM:-}"

# --- subjects ------------------------------------------------------------------------------------
# start_subject NAME UPSTREAM: sets SUBJ_PID, SUBJ_URL, READY_MS (start to first served request),
# and UP_PID (the stub it sends to).
start_subject() {
  local name=$1 upstream=$2 t0 port up_url up_port trust=()
  if [[ $upstream == tls ]]; then
    up_port=$TLS_STUB_PORT; up_url="https://localhost:$TLS_STUB_PORT"; UP_PID=$TLS_STUB_PID
    trust=(--upstream-ca-file "$WORK/stub.pem")
  else
    up_port=$STUB_PORT; up_url="http://127.0.0.1:$STUB_PORT"; UP_PID=$STUB_PID
  fi
  case $name in
    direct)
      SUBJ_PID=$UP_PID; READY_MS=""
      if [[ $upstream == tls ]]; then SUBJ_URL=$up_url; else SUBJ_URL="http://127.0.0.1:$up_port"; fi
      ;;
    poolgate|poolgate-nopool|poolgate-custom)
      port=$(free_port); SUBJ_URL="http://127.0.0.1:$port"
      local pool=true; [[ $name == poolgate-nopool ]] && pool=false
      local extra=(); [[ $name == poolgate-custom ]] && extra=("${CUSTOM_JVM_OPTS[@]}")
      t0=$(now_ns)
      local cache; read -r -a cache <<<"$(startup_cache "$WORK/poolgate-$name-$upstream")"
      "$JAVA" "${POOLGATE_JVM[@]}" "${extra[@]}" "${cache[@]}" \
        -jar "$SERVER_JAR" \
        --port "$port" --anthropic-base-url "$up_url" \
        --anthropic-api-key k --upstream-health-path /health --pool-enabled "$pool" "${trust[@]}" \
        >"$WORK/$name.log" 2>&1 &
      SUBJ_PID=$!; STARTED+=("$SUBJ_PID")
      READY_MS=$(wait_ready "$SUBJ_URL" "$t0")
      ;;
    ceiling-threads|ceiling-loop)
      port=$(free_port); SUBJ_URL="http://127.0.0.1:$port"
      t0=$(now_ns)
      "$JAVA" "${POOLGATE_JVM[@]}" -cp "$BENCH_JAR" dev.poolgate.bench.gateway.ModelCeiling "${name#ceiling-}" \
        "$port" "$up_port" >"$WORK/$name.log" 2>&1 &
      SUBJ_PID=$!; STARTED+=("$SUBJ_PID")
      READY_MS=$(wait_ready "$SUBJ_URL" "$t0")
      ;;
    nginx)
      port=$(free_port); SUBJ_URL="http://127.0.0.1:$port"
      local scheme=http tls_conf=""
      if [[ $upstream == tls ]]; then
        scheme=https
        tls_conf="proxy_ssl_verify on; proxy_ssl_trusted_certificate $WORK/stub.pem;
      proxy_ssl_name localhost; proxy_ssl_server_name on; proxy_ssl_session_reuse on;"
      fi
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
    server 127.0.0.1:$up_port;
    keepalive 10;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass $scheme://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      $tls_conf
    }
  }
}
CONF
      t0=$(now_ns)
      "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" \
        >"$WORK/nginx/logs/stdout.log" 2>&1 &
      SUBJ_PID=$!; STARTED+=("$SUBJ_PID")
      READY_MS=$(wait_ready "$SUBJ_URL" "$t0")
      ;;
    *) log "unknown subject $name"; exit 2 ;;
  esac
}

stop_subject() {
  [[ $1 == direct ]] && return 0
  stop_pid "$SUBJ_PID"
}

# run_wrk URL MODE SECONDS: prints wrk's RESULT json.
run_wrk() {
  local url=$1 mode=$2 secs=$3 stream=0 pace=0
  [[ $mode == stream ]] && stream=1
  [[ $mode == paced ]] && pace=$PACE_MS
  STREAM=$stream DELAY_MS=$pace timeout $(( secs + 30 )) wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${secs}s" \
    --timeout 10s --latency -s "$LUA" "$url" >"$WORK/wrk.out" 2>&1 \
    || { log "wrk failed:"; cat "$WORK/wrk.out" >&2; return 1; }
  sed -n 's/^RESULT //p' "$WORK/wrk.out"
}

# The first start of the gateway writes its start-up cache (as bin/poolgate's first start does),
# one per upstream kind; the measured starts below map it.
if [[ " $SUBJECTS " == *" poolgate"* ]]; then
  for upstream in $UPSTREAMS; do
    start_subject poolgate "$upstream"
    stop_subject poolgate
    log "start-up cache for the $upstream upstream written by a first start (ready in $READY_MS ms without it)"
  done
fi

ROWS="$WORK/rows.jsonl"; : >"$ROWS"
for round in $(seq "$ROUNDS"); do
 for upstream in $UPSTREAMS; do
  for name in $SUBJECTS; do
    if [[ $name == ceiling-* && $upstream != plain ]]; then continue; fi
    start_subject "$name" "$upstream"
    log "round $round, $upstream upstream, $name: $SUBJ_URL, pid $SUBJ_PID, ready in ${READY_MS:-n/a} ms"
    for mode in $MODES; do
      if [[ $name == ceiling-* && $mode == stream ]]; then continue; fi
      run_wrk "$SUBJ_URL" "$mode" "$WARMUP" >/dev/null
      c0=$(cpu_ticks "$SUBJ_PID"); s0=$(cpu_ticks "$UP_PID")
      result=$(run_wrk "$SUBJ_URL" "$mode" "$DURATION")
      c1=$(cpu_ticks "$SUBJ_PID"); s1=$(cpu_ticks "$UP_PID")
      rss=$(peak_rss_kib "$SUBJ_PID")
      python3 - "$name" "$mode" "$upstream" "$round" "$READY_MS" "$c0" "$c1" "$s0" "$s1" "$CLK_TCK" "$rss" \
        "$result" >>"$ROWS" <<'PY'
import json, sys
name, mode, upstream, rnd, ready, c0, c1, s0, s1, tck, rss, result = sys.argv[1:]
r = json.loads(result)
secs = r["duration_us"] / 1e6
row = {
    "subject": name, "mode": mode, "upstream": upstream, "round": int(rnd),
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
      log "$name/$upstream/$mode: $(tail -1 "$ROWS")"
    done
    stop_subject "$name"
  done
 done
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
    "request": "POST /v1/messages, max_tokens 64, one user message; stream: the same with stream=true; "
               "paced: plain, each connection waiting pace_ms between an answer and its next request",
    "pace_ms": int(os.environ.get("PACE_MS", "20")),
    "upstreams": "plain: the stub over HTTP; tls: the stub over HTTPS (self-signed EC P-256 certificate, "
                 "verified by poolgate and nginx); wrk speaks plain HTTP to the gateways",
    "poolgate_jvm": "bin/poolgate's default JVM settings and start-up cache (written by a first start); "
                    "its log at INFO, as users run it",
    "note": "wrk, the subject and the stub share the same cores; rounds interleave the subjects",
}
def find(s, u, m, rnd):
    return next((r for r in rows if r["subject"] == s and r["upstream"] == u and r["mode"] == m
                 and r["round"] == rnd), None)
def spread(values):
    values = sorted(values)
    if not values: return None
    mid = values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2
    return {"median": round(mid, 3), "min": round(values[0], 3), "max": round(values[-1], 3), "rounds": len(values)}
summary = {}
for u in sorted({r["upstream"] for r in rows}):
    for m in sorted({r["mode"] for r in rows}):
        ratio, nopool, added_p, added_n = [], [], [], []
        over_threads, threads_nginx, loop_nginx = [], [], []
        for rnd in sorted({r["round"] for r in rows}):
            d, p, n, q = (find(x, u, m, rnd) for x in ("direct", "poolgate", "nginx", "poolgate-nopool"))
            ct, cl = (find(x, u, m, rnd) for x in ("ceiling-threads", "ceiling-loop"))
            if m == "paced":  # an offered load, not a throughput: only the latency compares
                if p and d: added_p.append(p["latency_ms"]["p99"] - d["latency_ms"]["p99"])
                if n and d: added_n.append(n["latency_ms"]["p99"] - d["latency_ms"]["p99"])
                continue
            if p and ct: over_threads.append(p["requests_per_s"] / ct["requests_per_s"])
            if ct and n: threads_nginx.append(ct["requests_per_s"] / n["requests_per_s"])
            if cl and n: loop_nginx.append(cl["requests_per_s"] / n["requests_per_s"])
            if p and n: ratio.append(p["requests_per_s"] / n["requests_per_s"])
            if p and q: nopool.append(p["requests_per_s"] / q["requests_per_s"])
            if p and d: added_p.append(p["latency_ms"]["p99"] - d["latency_ms"]["p99"])
            if n and d: added_n.append(n["latency_ms"]["p99"] - d["latency_ms"]["p99"])
        summary[f"{u}/{m}"] = {k: v for k, v in {
            "throughput_poolgate_over_nginx": spread(ratio),
            "throughput_pooled_over_unpooled": spread(nopool),
            "p99_added_ms_poolgate": spread(added_p),
            "p99_added_ms_nginx": spread(added_n),
            "throughput_poolgate_over_ceiling_threads": spread(over_threads),
            "throughput_ceiling_threads_over_nginx": spread(threads_nginx),
            "throughput_ceiling_loop_over_nginx": spread(loop_nginx)}.items() if v}
starts = {(r["round"], r["upstream"]): r["ready_ms"] for r in rows
          if r["subject"] == "poolgate" and r["ready_ms"] is not None}
if starts: summary["poolgate_ready_ms"] = spread(list(starts.values()))
with open(os.path.join(out, "gateway.json"), "w") as f:
    json.dump({"machine": machine, "setup": setup, "summary": summary, "results": rows}, f, indent=2)
    f.write("\n")
cols = ["round", "upstream", "subject", "mode", "requests_per_s", "p50_ms", "p99_ms", "p999_ms", "max_ms", "errors",
        "proxy_cpu_cores", "stub_cpu_cores", "proxy_peak_rss_mib", "ready_ms", "requests", "seconds"]
with open(os.path.join(out, "gateway.csv"), "w") as f:
    for k, v in machine.items(): f.write(f"# {k}: {v}\n")
    f.write(f"# connections: {conns}, duration_s: {dur}, warmup_s: {warm}, wrk_threads: {wthreads}, loopback\n")
    f.write(",".join(cols) + "\n")
    for r in rows:
        l = r["latency_ms"]
        vals = [r["round"], r["upstream"], r["subject"], r["mode"], r["requests_per_s"], l["p50"], l["p99"],
                l["p999"], l["max"], sum(r["errors"].values()), r["proxy_cpu_cores"], r["stub_cpu_cores"],
                r["proxy_peak_rss_mib"], "" if r["ready_ms"] is None else r["ready_ms"],
                r["requests"], r["seconds"]]
        f.write(",".join(str(v) for v in vals) + "\n")
print(json.dumps(summary, indent=2))
PY
log "wrote $OUT_DIR/gateway.json and $OUT_DIR/gateway.csv"
