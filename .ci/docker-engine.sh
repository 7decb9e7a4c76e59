#!/usr/bin/env bash
# The Docker engine of the end-to-end suite (integration-tests), for CI and developers' machines.
#
#   .ci/docker-engine.sh start    make an engine answer on unix:///var/run/docker.sock: reuse one
#                                 that answers, else start dockerd (installing Debian's docker.io
#                                 first when dockerd is missing). Needs root to start one.
#   .ci/docker-engine.sh finish   after the tests: remove leftover test containers and images
#                                 (label org.testcontainers=true) and fail if the engine logged an
#                                 image pull since the last `start`.
#
# Nothing may ever be pulled here (there is no registry), and the suite builds its one image from
# local files. The engine started here runs with --debug so that every API call it serves is in
# its log, which is how `finish` sees a pull (a served POST .../images/create). An engine this
# script did not start has no such log: `finish` then says the pull check could not run.
set -euo pipefail

socket=/var/run/docker.sock
export DOCKER_HOST="unix://$socket"
pidfile=/var/run/docker.pid                 # dockerd's own default
state_dir=/var/lib/poolgate-ci
log=/var/log/poolgate-dockerd.log
started_pid_file="$state_dir/dockerd.pid"   # the dockerd this script started
log_mark_file="$state_dir/dockerd-log.offset" # log size at the last `start`
ready_timeout_seconds=30
retry_delay_seconds=5

say() { echo "docker-engine: $*"; }
fail() { echo "docker-engine: $*" >&2; exit 1; }

# Bounded: a wedged engine must not hang CI.
answers() {
  timeout 10 docker info >/dev/null 2>&1
}

# Whether PID is a live (not zombie) process named dockerd; a stale pidfile may name a dead PID
# or one the kernel has since given to another program.
is_dockerd() {
  local pid=$1 comm state
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [ "$comm" = dockerd ] || return 1
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
  [ "$state" != Z ]
}

log_tail() {
  echo "---- last lines of $log ----" >&2
  tail -n 40 "$log" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----" >&2
}

# Waits until the engine answers or PID dies; bounded.
await_ready() {
  local pid=$1 deadline=$((SECONDS + ready_timeout_seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    answers && return 0
    if [ -n "$pid" ] && ! is_dockerd "$pid"; then
      return 1
    fi
    sleep 0.2
  done
  answers
}

mark_log() {
  mkdir -p "$state_dir"
  if [ -f "$log" ]; then stat -c %s "$log" >"$log_mark_file"; else echo 0 >"$log_mark_file"; fi
}

start_dockerd() {
  mkdir -p "$state_dir" "$(dirname "$log")"
  echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) .ci/docker-engine.sh starts dockerd ====" >>"$log"
  setsid nohup dockerd --debug --host="unix://$socket" --pidfile="$pidfile" >>"$log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$started_pid_file"
  if await_ready "$pid"; then
    return 0
  fi
  return 1
}

start() {
  if answers; then
    say "an engine answers on $DOCKER_HOST (server $(timeout 10 docker version --format '{{.Server.Version}}' 2>/dev/null)): reusing it"
    mark_log
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    fail "no engine answers on $DOCKER_HOST, and starting one needs root; start Docker yourself, or run the suite without it (it then runs the stub as a child process)"
  fi
  if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    say "dockerd or the docker client is missing: installing Debian's docker.io"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io
  fi
  # A dockerd already starting (its pidfile names a live dockerd): wait for it, never start a second.
  if [ -f "$pidfile" ]; then
    local pid
    pid=$(tr -dc 0-9 <"$pidfile")
    if is_dockerd "$pid"; then
      say "dockerd $pid is running but does not answer yet: waiting up to ${ready_timeout_seconds}s"
      if await_ready "$pid"; then
        say "dockerd $pid answers"
        mark_log
        return 0
      fi
      log_tail
      fail "dockerd $pid runs but does not answer on $DOCKER_HOST; see $log"
    fi
    say "removing the stale pidfile $pidfile (PID ${pid:-none} is not a live dockerd)"
    rm -f "$pidfile"
  fi
  mark_log
  if start_dockerd; then
    say "dockerd $(cat "$started_pid_file") answers on $DOCKER_HOST (log: $log)"
    return 0
  fi
  # A containerd left over by a dockerd that was killed can make the first start fail; a second
  # start a few seconds later succeeds.
  say "dockerd did not come up; retrying once in ${retry_delay_seconds}s"
  log_tail
  local first
  first=$(cat "$started_pid_file")
  if is_dockerd "$first"; then
    kill "$first" 2>/dev/null || true
    for _ in $(seq 1 50); do is_dockerd "$first" || break; sleep 0.1; done
  fi
  [ -f "$pidfile" ] && ! is_dockerd "$(tr -dc 0-9 <"$pidfile")" && rm -f "$pidfile"
  sleep "$retry_delay_seconds"
  if start_dockerd; then
    say "dockerd $(cat "$started_pid_file") answers on $DOCKER_HOST after a retry (log: $log)"
    return 0
  fi
  log_tail
  fail "dockerd did not answer on $DOCKER_HOST within ${ready_timeout_seconds}s, twice; see $log"
}

finish() {
  if ! answers; then
    fail "no engine answers on $DOCKER_HOST: cannot clean up or check for pulls"
  fi
  local leftovers
  leftovers=$(docker ps -aq --filter label=org.testcontainers=true)
  if [ -n "$leftovers" ]; then
    say "removing leftover test containers: $(echo "$leftovers" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    docker rm -f $leftovers >/dev/null
  else
    say "no leftover test containers"
  fi
  # The suite removes its stub image at exit; a run that was killed leaves it behind.
  local images
  images=$(docker images -q --filter label=org.testcontainers=true | sort -u)
  if [ -n "$images" ]; then
    say "removing leftover test images: $(echo "$images" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    docker rmi -f $images >/dev/null
  fi
  local pid
  pid=$(cat "$started_pid_file" 2>/dev/null || true)
  if ! is_dockerd "$pid" || [ "$(tr -dc 0-9 2>/dev/null <"$pidfile")" != "$pid" ]; then
    say "pull check NOT run: the engine was not started by this script, so its API log is not in $log"
    return 0
  fi
  local offset=0
  [ -f "$log_mark_file" ] && offset=$(cat "$log_mark_file")
  local pulls
  # Served calls are logged as `msg="Calling POST /v1.41/images/create?fromImage=..."`; a freshly
  # started engine also logs `Registering POST, /images/create` for its routes, which is no pull.
  pulls=$(tail -c +"$((offset + 1))" "$log" | grep -E 'msg="Calling [A-Z]+ [^"]*/images/create' || true)
  if [ -n "$pulls" ]; then
    echo "docker-engine: the engine was asked to pull an image during this run; nothing may be pulled:" >&2
    echo "$pulls" | head -n 20 >&2
    exit 1
  fi
  say "pull check passed: no images/create call in the engine's log since the last start"
}

case "${1:-}" in
  start) start ;;
  finish) finish ;;
  *) echo "usage: $0 start|finish" >&2; exit 2 ;;
esac
