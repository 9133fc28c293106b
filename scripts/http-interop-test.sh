#!/usr/bin/env bash
# WebSocket through the HTTP stacks (issue 16): examples/axum_echo serves /ws on axum 0.8,
# upgraded by rfc6455 through its `http` feature, over HTTP/1.1 (Upgrade) and HTTP/2
# (cleartext, prior knowledge, extended CONNECT per RFC 8441). Against it:
#   - the Python `websockets` and Node `ws` clients of scripts/peers (text, binary, 1 MiB,
#     fragments, ping/pong, close) with permessage-deflate, over HTTP/1.1;
#   - the package's Rust client on hyper's HTTP/2 client (text, binary, ping, close,
#     permessage-deflate) over extended CONNECT;
# then the package's own tests (hyper 1.x HTTP/1.1 upgrade and HTTP/2 both ways, a server
# without extended CONNECT refused). One line per check, then
# `http-interop-test: PASS (n checks)`, or FAIL and exit 1.
#
#   bash scripts/http-interop-test.sh
#
# The peers are installed as scripts/peers-test.sh installs them (under $PEERS_DEPS,
# default target/peers-test, shared with it), everything listens on 127.0.0.1 with an
# OS-chosen port, and every step is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."

DEPS=${PEERS_DEPS:-target/peers-test}
MANIFEST=examples/axum_echo/Cargo.toml
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
  echo "http-interop-test: FAIL $*"
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
export NODE_PATH=$DEPS/node_modules
# The peer programs check permessage-deflate when this is set.
export PEERS_DEFLATE=1

timeout 1200 cargo build --manifest-path "$MANIFEST" --bins --tests || die "cargo build of $MANIFEST"
BIN=$(dirname "$MANIFEST")/target/debug

touch "$RESULTS"
record() {
  tee -a "$RESULTS"
}

: >"$WORK/server.log"
timeout 600 "$BIN/axum_echo" 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
PIDS+=($!)
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/server.log")
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || die "axum_echo did not start: $(tr '\n' ' ' <"$WORK/server.log" | cut -c1-300)"
echo "http-interop-test: axum_echo on 127.0.0.1:$port; websockets" \
  "$("$PY" -c 'import websockets; print(websockets.__version__)'), ws" \
  "$(node -p 'require("ws/package.json").version')"

# A checker that dies before reporting a failure still counts as one.
run_checks() {
  local name=$1 rc=0
  shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  # The scripts/peers programs name their usual server.
  sed -i 's|-> echo_server:|-> axum_echo over HTTP/1.1:|' "$WORK/$name.out"
  record <"$WORK/$name.out"
  if ((rc != 0)) && ! grep -q '^FAIL' "$WORK/$name.out"; then
    echo "FAIL  $name: exited $rc: $(tail -n 5 "$WORK/$name.err" | tr '\n' ' ')" | record
  fi
}

run_checks py-client-http1 timeout 120 "$PY" "$PEERS/py_client.py" "ws://127.0.0.1:$port/ws"
run_checks node-client-http1 timeout 120 node "$PEERS/node_client.mjs" "ws://127.0.0.1:$port/ws"
run_checks h2-client timeout 60 "$BIN/h2_client" "127.0.0.1:$port" /ws

# The package's tests: one PASS or FAIL line for each.
rc=0
timeout 600 cargo test --manifest-path "$MANIFEST" -- --test-threads=1 >"$WORK/tests.out" 2>&1 || rc=$?
sed -n 's/^test \(.*\) \.\.\. ok$/PASS  axum_echo test: \1/p; s/^test \(.*\) \.\.\. FAILED$/FAIL  axum_echo test: \1/p' \
  "$WORK/tests.out" | record
if ((rc != 0)) && ! grep -q '^FAIL  axum_echo test' "$RESULTS"; then
  echo "FAIL  axum_echo tests: exited $rc" | record
  tail -n 30 "$WORK/tests.out"
fi

if grep -qv '^listening on' "$WORK/server.log"; then
  echo "      axum_echo said:"
  grep -v '^listening on' "$WORK/server.log" | sed 's/^/      /' | tail -n 20
fi

passed=$(grep -c '^PASS' "$RESULTS" || true)
failed=$(grep -c '^FAIL' "$RESULTS" || true)
if ((failed > 0 || passed == 0)); then
  echo "http-interop-test: FAIL ($failed of $((passed + failed)) checks failed)"
  exit 1
fi
echo "http-interop-test: PASS ($passed checks)"
