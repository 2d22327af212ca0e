#!/usr/bin/env bash
# ./test.sh  set up, build, start the servers the tests need (Redis on loopback), run every test.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup.sh"
setup_all
cd "$REPO_ROOT"

REDIS_PORT="${DIFFUSION_TEST_REDIS_PORT:-6391}"
REDIS_DIR="$(mktemp -d)"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --save "" --appendonly no \
  --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
cleanup() { [ -f "$REDIS_DIR/redis.pid" ] && kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true; rm -rf "$REDIS_DIR"; }
trap cleanup EXIT
# daemonize returns before the server accepts connections: wait for it, so no test meets a half-started Redis
for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
export DIFFUSION_TEST_REDIS="127.0.0.1:$REDIS_PORT"

log "running tests"
dotnet test "$REPO_ROOT/Diffusion.sln" -c "$CONFIGURATION" --no-build -nologo "$@"
