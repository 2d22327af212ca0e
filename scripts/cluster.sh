#!/usr/bin/env bash
# scripts/cluster.sh up|down|status   several service instances behind HAProxy on loopback, sharing one Redis and one
# images directory (the role an object store plays in production). Needs a built checkout (./run.sh --help builds it)
# and haproxy (apt-get install haproxy).
#
#   CLUSTER_DIR       where the instances' data, logs and pid files live      [/tmp/diffusion-cluster]
#   CLUSTER_SIZE      instances                                               [3]
#   CLUSTER_PORT      the balancer's port; instances take the next ones       [5100]
#   CLUSTER_REDIS     Redis port                                              [6390]
#   CLUSTER_MODELS    model folder                                            [./models]
#   CLUSTER_CACHE     shared: one cache in Redis; isolated: each instance its own local cache (to compare)  [shared]
#   CLUSTER_SERVE_ARGS  more `serve` options for every instance, e.g. "--cache-size 4MB --threads 1"        []
#
# What is shared: the approximate cache (latents, metadata, LCBFU scores and the update stream in Redis), idempotency
# keys (Redis) and images (the shared directory). Jobs live in their instance: HAProxy learns each job's instance from
# the Location header of its 202 and sends the job's polls and event stream there (a stick table), so jobs do not
# survive their instance; a client that retries with an Idempotency-Key gets the first response.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CLUSTER_DIR:-/tmp/diffusion-cluster}"
SIZE="${CLUSTER_SIZE:-3}"
PORT="${CLUSTER_PORT:-5100}"
REDIS_PORT="${CLUSTER_REDIS:-6390}"
MODELS="${CLUSTER_MODELS:-$REPO_ROOT/models}"
CACHE="${CLUSTER_CACHE:-shared}"
read -r -a SERVE_ARGS <<< "${CLUSTER_SERVE_ARGS:-}"
CLI="$REPO_ROOT/src/Diffusion.Cli/bin/Release/net10.0/diffusion.dll"

say() { printf '[cluster] %s\n' "$*" >&2; }

wait_healthy() {   # url seconds
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1/healthz" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { say "$1 did not report healthy within $2 s"; return 1; }
    sleep 0.5
  done
}

up() {
  command -v haproxy >/dev/null || { say "haproxy is not installed: apt-get install haproxy"; exit 1; }
  [ -f "$CLI" ] || { say "not built: run ./run.sh --help once"; exit 1; }
  local cache_args=(--cache-redis "127.0.0.1:$REDIS_PORT")
  case "$CACHE" in
    shared) ;;
    isolated) cache_args=() ;;
    *) say "CLUSTER_CACHE must be shared or isolated, not '$CACHE'"; exit 2 ;;
  esac
  mkdir -p "$DIR/images" "$DIR/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" --save "" --appendonly no \
    --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
  # ours answers once its pid file names a live process (a server left on the port would answer without one)
  local redis_up=""
  for _ in $(seq 1 50); do
    if [ -f "$DIR/redis.pid" ] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null \
       && redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then redis_up=1; break; fi
    sleep 0.1
  done
  [ -n "$redis_up" ] || { say "redis-server did not start on port $REDIS_PORT (see $DIR/redis.log)"; exit 1; }

  local servers=""
  for i in $(seq 1 "$SIZE"); do
    local port=$((PORT + i))
    mkdir -p "$DIR/instance-$i"
    nohup dotnet "$CLI" serve --urls "http://127.0.0.1:$port" --models "$MODELS" --data-dir "$DIR/instance-$i" \
      --shared-images-dir "$DIR/images" "${cache_args[@]}" "${SERVE_ARGS[@]}" > "$DIR/instance-$i.log" 2>&1 &
    echo $! > "$DIR/instance-$i.pid"
    servers+="  server s$i 127.0.0.1:$port check inter 1s fall 2 rise 1"$'\n'
  done

  cat > "$DIR/haproxy.cfg" <<CFG
global
  pidfile $DIR/haproxy.pid
  daemon
defaults
  mode http
  timeout connect 2s
  timeout client 10m
  timeout server 10m
  timeout tunnel 1h
  option redispatch
  retries 2
frontend api
  bind 127.0.0.1:$PORT
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  # a job's polls and events go to the instance that accepted it (learned from the 202's Location: /v1/jobs/{id})
  stick-table type string len 64 size 200k expire 1h
  stick on path,field(4,/) if { path_beg /v1/jobs/ }
  stick store-response res.hdr(Location),field(4,/) if { res.hdr(Location) -m beg /v1/jobs/ }
  http-response set-header X-Served-By %[srv_name]
$servers
CFG
  haproxy -c -q -f "$DIR/haproxy.cfg"
  haproxy -f "$DIR/haproxy.cfg"
  for i in $(seq 1 "$SIZE"); do wait_healthy "http://127.0.0.1:$((PORT + i))" 180; done
  # HAProxy marked the instances down while they were starting; its next check (every second) brings each back
  sleep 2.5
  wait_healthy "http://127.0.0.1:$PORT" 30
  say "up: http://127.0.0.1:$PORT ($SIZE instances on $((PORT + 1))-$((PORT + SIZE)), Redis $REDIS_PORT, data in $DIR)"
}

down() {
  local pids=()
  for pidfile in "$DIR"/haproxy.pid "$DIR"/instance-*.pid "$DIR"/redis.pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    kill "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$pidfile"
  done
  # wait until they are gone, so the ports are free for the next `up`; SIGKILL what takes longer than 15 s
  local deadline=$((SECONDS + 15))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then kill -9 "$pid" 2>/dev/null || true; break; fi
      sleep 0.2
    done
  done
  say "down (data left in $DIR)"
}

status() {
  for i in $(seq 1 "$SIZE"); do
    local code; code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + i))/healthz" || true)"
    echo "instance $i (port $((PORT + i))): ${code:-down}"
  done
  echo "balancer (port $PORT): $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz" || echo down)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
