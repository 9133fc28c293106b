#!/usr/bin/env bash
# End-to-end test of examples/stock_ticker: plain HTTP checks with curl (page, 404, a
# foreign Origin refused with 403), then scripts/browser_test.mjs: the page in headless
# Chromium (live table in both encodings, unsubscribing, a screenshot), LOAD_CLIENTS
# WebSocket clients held at once, a client that never answers pings being dropped,
# reconnection after the server dies, and the 1001 close of a clean shutdown.
#
#   bash scripts/browser-test.sh          # LOAD_CLIENTS=500 bash scripts/browser-test.sh
#   BROWSER_DEFLATE=1 bash scripts/browser-test.sh
#
# BROWSER_DEFLATE=1 builds stock_ticker with `--features deflate` and also checks that
# every WebSocket the page opens (captured by wrapping window.WebSocket), and every load
# client, negotiated permessage-deflate (RFC 7692), while the same checks run on quotes.
#
# Installs Debian's chromium when missing (as root, no prompt) and playwright-core + ws
# from npm into target/browser-test. Everything listens on 127.0.0.1 and is bounded by
# `timeout`; the server is killed on exit. The screenshot goes to target/stock_ticker.png.
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD_CLIENTS=${LOAD_CLIENTS:-200}
# Read by browser_test.mjs too.
export BROWSER_DEFLATE=${BROWSER_DEFLATE:-0}
FEATURES=()
if [[ $BROWSER_DEFLATE == 1 ]]; then FEATURES=(--features deflate); fi
DEPS=target/browser-test
SCREENSHOT=target/stock_ticker.png
WORK=$(mktemp -d)
SERVER_PID=

cleanup() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "--- server log (tail) ---"
  tail -n 30 "$WORK/server.log" 2>/dev/null || true
  if [[ -f $WORK/second-server.log ]]; then
    echo "--- second server log (tail) ---"
    tail -n 30 "$WORK/second-server.log"
  fi
  echo "browser-test: FAIL $*"
  exit 1
}

if ! command -v chromium >/dev/null; then
  echo "browser-test: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq chromium >/dev/null
fi
if [[ ! -d $DEPS/node_modules/playwright-core || ! -d $DEPS/node_modules/ws ]]; then
  mkdir -p "$DEPS"
  # playwright-core ships no browser and downloads none: it drives /usr/bin/chromium.
  timeout 300 npm install --prefix "$DEPS" --no-save --no-audit --no-fund --loglevel=error \
    playwright-core@1 ws@8
fi

timeout 900 cargo build "${FEATURES[@]}" --example stock_ticker
BIN=${CARGO_TARGET_DIR:-target}/debug/examples/stock_ticker

PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
BASE=http://127.0.0.1:$PORT
# Short keepalive times, so that the unresponsive client is dropped within seconds.
"$BIN" "127.0.0.1:$PORT" --ping-interval 1 --pong-timeout 2 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
# The browser checks kill it on purpose; spare us bash's "Killed" notice.
disown "$SERVER_PID"
for _ in $(seq 50); do
  curl -s -o /dev/null --max-time 1 "$BASE/" && break
  sleep 0.2
done

page=$(curl -s -D "$WORK/page.headers" -o "$WORK/page.html" -w '%{http_code} %{content_type}' --max-time 5 "$BASE/") ||
  fail "GET / did not answer"
[[ $page == "200 text/html"* ]] || fail "GET / answered $page"
grep -qi '^connection: close' "$WORK/page.headers" || fail "GET / without Connection: close"
length=$(tr -d '\r' <"$WORK/page.headers" | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
[[ $length == "$(wc -c <"$WORK/page.html")" ]] || fail "Content-Length $length does not match the page"
missing=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/nowhere")
[[ $missing == 404 ]] || fail "GET /nowhere answered $missing"

upgrade() {
  # A 101 leaves curl waiting for more, hence --max-time and the ignored exit status.
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "Origin: $1" \
    "$BASE/stock_info/?encoding=text" || true
}
foreign=$(upgrade http://evil.example)
[[ $foreign == 403 ]] || fail "a foreign Origin got $foreign, not 403"
same=$(upgrade "$BASE")
[[ $same == 101 ]] || fail "the page's own Origin got $same, not 101"

summary=$(DEPS=$DEPS BIN=$BIN PORT=$PORT SERVER_PID=$SERVER_PID SCREENSHOT=$SCREENSHOT \
  LOAD_CLIENTS=$LOAD_CLIENTS WORK=$WORK timeout 300 node scripts/browser_test.mjs) ||
  fail "browser checks (above)"
echo "$summary"
SERVER_PID=

echo "browser-test: PASS (GET / 200, 404, foreign Origin 403, same Origin 101; $(tail -n 1 <<<"$summary"); screenshot $SCREENSHOT)"
