#!/usr/bin/env bash
# Interop with real peers (issue 5): the Python `websockets` and Node `ws` clients drive
# examples/echo_server, and examples/client is driven against servers built with both.
# Text, binary, 1 MiB messages, fragmented messages, ping/pong and the closing handshake,
# each checked from both ends where the example can show it. One line per check, then
# `peers-test: PASS (n checks)`, or FAIL and exit 1.
#
#   bash scripts/peers-test.sh
#   PEERS_DEFLATE=1 bash scripts/peers-test.sh   # the same with permessage-deflate (RFC 7692)
#
# PEERS_DEFLATE=1 builds the examples with `--features deflate` and enables compression
# on every peer; each connection then also checks that permessage-deflate was negotiated
# (both handshake headers and the library's view) and that data crossed compressed both
# ways (RSV1 frames counted under websockets; wire bytes against payload bytes under ws,
# which hides RSV1).
#
# websockets goes into a venv and ws into a node_modules, both under $PEERS_DEPS
# (default target/peers-test) so that reruns skip the registries. Everything listens on
# 127.0.0.1 with an OS-chosen port, every step is bounded by `timeout`, and background
# processes are killed on exit. The peer programs live in scripts/peers/.
set -euo pipefail
cd "$(dirname "$0")/.."

DEPS=${PEERS_DEPS:-target/peers-test}
# Read by the peer programs too.
export PEERS_DEFLATE=${PEERS_DEFLATE:-0}
FEATURES=()
if [[ $PEERS_DEFLATE == 1 ]]; then FEATURES=(--features deflate); fi
PEERS=scripts/peers
WORK=$(mktemp -d)
RESULTS=$WORK/results
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

die() {
  echo "peers-test: FAIL $*"
  exit 1
}

mkdir -p "$DEPS"
DEPS=$(cd "$DEPS" && pwd)
if ! "$DEPS/venv/bin/python" -c 'import websockets' 2>/dev/null; then
  timeout 120 python3 -m venv "$DEPS/venv" || die "cannot create a venv with $(command -v python3)"
  timeout 300 "$DEPS/venv/bin/pip" install -q --disable-pip-version-check 'websockets>=14,<16' ||
    die "pip install websockets"
fi
if [[ ! -f $DEPS/node_modules/ws/package.json ]]; then
  timeout 300 npm install --prefix "$DEPS" --no-save --no-audit --no-fund --loglevel=error ws@8 ||
    die "npm install ws"
fi
PY=$DEPS/venv/bin/python
# The .mjs peers load ws through require(), which searches NODE_PATH.
export NODE_PATH=$DEPS/node_modules
echo "peers-test: websockets $("$PY" -c 'import websockets; print(websockets.__version__)')" \
  "(Python $("$PY" -c 'import platform; print(platform.python_version())')), ws" \
  "$(node -p 'require("ws/package.json").version') (Node $(node --version))"

timeout 900 cargo build --release "${FEATURES[@]}" --example echo_server --example client
if [[ $PEERS_DEFLATE == 1 ]]; then
  echo "peers-test: permessage-deflate mode (examples built with --features deflate)"
fi
BIN=${CARGO_TARGET_DIR:-target}/release/examples

# Prints the port a server announced as `listening on 127.0.0.1:PORT` in LOG.
wait_port() {
  local log=$1 pid=$2 port
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log")
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "no 'listening on' line from the server: $(tr '\n' ' ' <"$log" | cut -c1-300)" >&2
  return 1
}

# Runs a checker (it prints PASS/FAIL lines) and keeps its lines; a checker that died
# before reporting a failure still counts as one.
run_checks() {
  local name=$1 rc=0
  shift
  "$@" >"$WORK/$name.checks" 2>"$WORK/$name.checks.err" || rc=$?
  cat "$WORK/$name.checks"
  cat "$WORK/$name.checks" >>"$RESULTS"
  if ((rc != 0)) && ! grep -q '^FAIL' "$WORK/$name.checks"; then
    record_fail "$name: exited $rc$( ((rc == 124)) && echo ' (timed out)'):" \
      "$(tail -n 5 "$WORK/$name.checks.err" | tr '\n' ' ')"
  fi
  if ((rc != 0)) && [[ -s $WORK/$name.checks.err ]]; then
    sed 's/^/      /' "$WORK/$name.checks.err" | tail -n 20
  fi
}

record_fail() {
  echo "FAIL  $*" | tee -a "$RESULTS"
}

touch "$RESULTS"

# 1. Their clients against our server.
: >"$WORK/echo_server.log"
timeout 600 "$BIN/echo_server" 127.0.0.1:0 >"$WORK/echo_server.log" 2>&1 &
PIDS+=($!)
if port=$(wait_port "$WORK/echo_server.log" "$!"); then
  run_checks py-client timeout 120 "$PY" "$PEERS/py_client.py" "ws://127.0.0.1:$port/py-client"
  run_checks node-client timeout 120 node "$PEERS/node_client.mjs" "ws://127.0.0.1:$port/node-client"
else
  record_fail "echo_server did not start"
fi
if grep -qv '^listening on' "$WORK/echo_server.log"; then
  echo "      echo_server said:"
  grep -v '^listening on' "$WORK/echo_server.log" | sed 's/^/      /' | tail -n 20
fi

# 2. Our client against their servers.
LINES=$WORK/client-lines.txt
EXPECTED=$("$PY" "$PEERS/peer_data.py" "$LINES")

# The client's standard input: its lines, then EOF (which makes it close) only once it
# has printed every pushed message and echo, since a Close that overtook them would cut
# the exchange short and the server would stop answering.
feed() {
  local out=$1
  cat "$LINES"
  for _ in $(seq 200); do
    (($(wc -l <"$out") >= EXPECTED)) && return 0
    sleep 0.05
  done
}

client_run() {
  local peer=$1 rc=0 port pid feeder
  shift
  local record=$WORK/$peer.json out=$WORK/$peer.stdout err=$WORK/$peer.stderr
  local resource="/rfc6455-client?peer=$peer"
  # Created first, so that wait_port never looks for a file the server has yet to open.
  : >"$WORK/$peer.log"
  timeout 120 "$@" "$record" >"$WORK/$peer.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! port=$(wait_port "$WORK/$peer.log" "$pid"); then
    record_fail "$peer: server did not start"
    return
  fi
  : >"$out"
  # A FIFO rather than <(...): bash does not reliably set $! for a process
  # substitution, and the feeder must be killed when the client ends early.
  mkfifo "$WORK/$peer.stdin"
  feed "$out" >"$WORK/$peer.stdin" &
  feeder=$!
  PIDS+=("$feeder")
  timeout 60 "$BIN/client" "ws://127.0.0.1:$port$resource" <"$WORK/$peer.stdin" >"$out" 2>"$err" || rc=$?
  kill "$feeder" 2>/dev/null || true
  # The server writes its record once the connection is over, then exits.
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  run_checks "$peer" timeout 60 "$PY" "$PEERS/check_client_run.py" "$peer" "$record" "$out" "$err" "$rc" "$resource"
  if grep -q '^FAIL' "$WORK/$peer.checks"; then
    echo "      client stderr: $(tr '\n' ' ' <"$err" | cut -c1-500)"
    echo "      client stdout: $(wc -l <"$out") lines, $(wc -c <"$out") bytes (expected $EXPECTED lines)"
    echo "      server output: $(tr '\n' ' ' <"$WORK/$peer.log" | cut -c1-500)"
  fi
}

client_run py-server "$PY" "$PEERS/py_server.py"
client_run node-server node "$PEERS/node_server.mjs"

passed=$(grep -c '^PASS' "$RESULTS" || true)
failed=$(grep -c '^FAIL' "$RESULTS" || true)
if ((failed > 0 || passed == 0)); then
  echo "peers-test: FAIL ($failed of $((passed + failed)) checks failed)"
  exit 1
fi
if [[ $PEERS_DEFLATE == 1 ]]; then
  echo "peers-test: PASS ($passed checks, permessage-deflate)"
else
  echo "peers-test: PASS ($passed checks)"
fi
