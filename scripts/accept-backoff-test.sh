#!/usr/bin/env bash
# What the echo examples (examples/echo_server.rs on the blocking driver,
# examples/tokio_echo on tokio) do when they run out of file descriptors: each runs
# with RLIMIT_NOFILE at 32 while scripts/accept_backoff.py holds more connections than
# that, so that accept fails with EMFILE at once for as long as they stay. The server
# must stay alive, use under 20 % of a CPU meanwhile, and echo again once they leave.
#
#   bash scripts/accept-backoff-test.sh
#
# Everything listens on 127.0.0.1 and is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."

NOFILE=32
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

timeout 900 cargo build --example echo_server
timeout 900 cargo build --manifest-path examples/tokio_echo/Cargo.toml
ECHO_SERVER=${CARGO_TARGET_DIR:-target}/debug/examples/echo_server
TOKIO_ECHO=${CARGO_TARGET_DIR:-examples/tokio_echo/target}/debug/tokio_echo

failed=0
for bin in "$ECHO_SERVER" "$TOKIO_ECHO"; do
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  prlimit --nofile=$NOFILE "$bin" "127.0.0.1:$port" >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), timeout=1)" 2>/dev/null && break
    sleep 0.1
  done
  if result=$(timeout 60 python3 scripts/accept_backoff.py "$port" "$SERVER_PID" $NOFILE); then
    echo "accept-backoff $(basename "$bin"): $result"
  else
    echo "accept-backoff $(basename "$bin"): ${result:-FAIL (no result)}"
    failed=1
  fi
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
done
if [[ $failed == 0 ]]; then echo "accept-backoff-test: PASS"; else echo "accept-backoff-test: FAIL"; exit 1; fi
