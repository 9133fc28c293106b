#!/usr/bin/env bash
# The Autobahn TestSuite gate: usage scripts/autobahn.sh [server|client|both]  (default: both)
#
#   server role: wstest -m fuzzingclient  drives examples/echo_server      on 127.0.0.1:9001
#   client role: wstest -m fuzzingserver  is driven by examples/autobahn_client (127.0.0.1:9002)
#
# Sections 1-10 run in batches (wstest keeps every case log of a run in memory); the reports
# land in $AUTOBAHN_OUTDIR/{servers,clients} and scripts/autobahn_summary.py judges them: the
# gate passes only when every case is OK in both roles (the three cases that are INFORMATIONAL
# by the suite's design excepted).
#
# Env: AUTOBAHN_DEFLATE=1          also run sections 12-13 (permessage-deflate), with the
#                                  examples built with --features deflate
#      AUTOBAHN_OUTDIR             report directory (default: <cargo target dir>/autobahn)
#      AUTOBAHN_SERVER_PORT        default 9001; AUTOBAHN_CLIENT_PORT default 9002
#      AUTOBAHN_TIMEOUT            seconds for all the batches of all roles (default 570)
#      AUTOBAHN_BATCH_TIMEOUT      seconds for one batch (default 300)
#      AUTOBAHN_SERVER_CMD         run this server instead of echo_server ("127.0.0.1:PORT" is
#                                  appended); AUTOBAHN_CLIENT_CMD likewise for the client
#                                  ("ws://127.0.0.1:PORT AGENT" appended). Used to try the
#                                  harness on other implementations; skips the cargo build.
set -euo pipefail
cd "$(dirname "$0")/.."

ROLE="${1:-both}"
case "$ROLE" in
  server | client | both) ;;
  *) echo "usage: $0 [server|client|both]" >&2; exit 2 ;;
esac

AGENT=rfc6455
HOST=127.0.0.1
SERVER_PORT="${AUTOBAHN_SERVER_PORT:-9001}"
CLIENT_PORT="${AUTOBAHN_CLIENT_PORT:-9002}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUTDIR="${AUTOBAHN_OUTDIR:-$TARGET_DIR/autobahn}"
mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"
TOTAL_BUDGET="${AUTOBAHN_TIMEOUT:-570}"
BATCH_TIMEOUT="${AUTOBAHN_BATCH_TIMEOUT:-300}"
# Limits every case of sections 1-10 needs: 9.x sends messages up to 16 MiB and up to
# 1,000,000 fragments.
MAX_MESSAGE=16777216
MAX_FRAGMENTS=1000000

BATCHES=(
  "1-4:1.*,2.*,3.*,4.*"
  "5:5.*"
  "6:6.*"
  "7:7.*"
  "9.1-9.4:9.1.*,9.2.*,9.3.*,9.4.*"
  "9.5-9.8:9.5.*,9.6.*,9.7.*,9.8.*"
  "10:10.*"
)
EXCLUDE='"12.*", "13.*"'
if [ "${AUTOBAHN_DEFLATE:-0}" = 1 ]; then
  BATCHES+=(
    "12.1-12.3:12.1.*,12.2.*,12.3.*"
    "12.4-12.5:12.4.*,12.5.*"
    "13.1-13.3:13.1.*,13.2.*,13.3.*"
    "13.4-13.7:13.4.*,13.5.*,13.6.*,13.7.*"
  )
  EXCLUDE=''
fi

PIDS=()
FAILURES=()

# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_pid() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Runs a command to completion in the background: bash defers a trapped signal until a
# foreground child exits, but `wait` returns at once, so an interrupt reaches cleanup promptly.
run_waited() {
  local pid
  "$@" &
  pid=$!
  PIDS+=("$pid")
  wait "$pid"
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# wait_port PORT PID SECONDS: until PORT accepts connections; fails early when PID exits.
wait_port() {
  local port=$1 pid=$2
  for _ in $(seq $(($3 * 5))); do
    port_open "$port" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

START=$(date +%s)
remaining() { echo $((TOTAL_BUDGET - ($(date +%s) - START))); }
step_timeout() {
  local left
  left=$(remaining)
  if [ "$left" -lt "$BATCH_TIMEOUT" ]; then echo "$left"; else echo "$BATCH_TIMEOUT"; fi
}

json_list() {
  local patterns p out=""
  IFS=, read -ra patterns <<<"$1"
  for p in "${patterns[@]}"; do out+="${out:+, }\"$p\""; done
  echo "$out"
}

# The case ids a spec selects, computed by wstest's own case matcher, so that a case that
# never reports (peer crash, batch timeout) shows up as MISSING instead of vanishing.
expected_cases() {
  local selected="" batch
  for batch in "${BATCHES[@]}"; do selected+="${selected:+,}${batch#*:}"; done
  "$WSTEST_PY" - "$selected" <<'PY'
import sys
from autobahntestsuite.caseset import CaseSet
from autobahntestsuite.case import Cases, CaseCategories, CaseSubCategories, CaseSetname, CaseBasename
cs = CaseSet(CaseSetname, CaseBasename, Cases, CaseCategories, CaseSubCategories)
for case_id in cs.parseSpecCases({"cases": sys.argv[1].split(",")}):
    print(case_id)
PY
}

# wstest binds 0.0.0.0 whatever the spec's url says; this runs it with its fuzzingserver
# listener pinned to 127.0.0.1 (the module-level listenWS of autobahntestsuite 25.10.1).
WSTEST_LOCAL='
import sys
import autobahn.twisted.websocket as websocket
import autobahntestsuite.fuzzing as fuzzing
from autobahntestsuite.wstest import run
listen = websocket.listenWS
fuzzing.listenWS = lambda factory, ctx=None, backlog=50, interface="": listen(factory, ctx, backlog, "127.0.0.1")
sys.argv[0] = "wstest"
sys.exit(run())
'

# keep_index DIR BATCH: each wstest run rewrites DIR/index.json with its own cases only.
keep_index() {
  if [ -f "$1/index.json" ]; then
    mv "$1/index.json" "$1/index.$2.json"
  else
    FAILURES+=("$3 batch $2: wstest wrote no index.json")
  fi
}

tail_log() {
  echo "  --- last lines of $1"
  tail -n "${2:-15}" "$1" | sed 's/^/  | /'
}

start_server() {
  # timeout: a backstop should this script be killed before its trap runs
  timeout "$TOTAL_BUDGET" "${SERVER_CMD[@]}" >>"$1" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  if ! wait_port "$SERVER_PORT" "$SERVER_PID" 30; then
    FAILURES+=("server role: ${SERVER_CMD[0]} did not listen on $HOST:$SERVER_PORT")
    tail_log "$1"
    return 1
  fi
}

run_server_role() {
  local dir="$OUTDIR/servers" t0 b0 batch name spec t rc n
  t0=$(date +%s)
  rm -rf "$dir"
  mkdir -p "$dir"
  expected_cases >"$dir/expected-cases.txt"
  if port_open "$SERVER_PORT"; then
    FAILURES+=("server role: $HOST:$SERVER_PORT is already in use")
    return
  fi
  echo "== server role: ${SERVER_CMD[*]}"
  start_server "$dir/server.log" || return 0
  for batch in "${BATCHES[@]}"; do
    name=${batch%%:*}
    spec="$dir/spec.$name.json"
    cat >"$spec" <<JSON
{
  "outdir": "$dir",
  "servers": [{"agent": "$AGENT", "url": "ws://$HOST:$SERVER_PORT"}],
  "cases": [$(json_list "${batch#*:}")],
  "exclude-cases": [$EXCLUDE],
  "exclude-agent-cases": {}
}
JSON
    t=$(step_timeout)
    if [ "$t" -le 0 ]; then
      FAILURES+=("server role: out of time before batch $name")
      break
    fi
    b0=$(date +%s)
    rc=0
    run_waited timeout "$t" "$WSTEST" -m fuzzingclient -s "$spec" >"$dir/wstest.$name.log" 2>&1 || rc=$?
    [ "$rc" -eq 124 ] && FAILURES+=("server role: batch $name timed out after ${t}s")
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && FAILURES+=("server role: wstest exited $rc in batch $name")
    keep_index "$dir" "$name" "server role"
    n=$(grep -c '^Running test case ID' "$dir/wstest.$name.log" || true)
    echo "  batch $name: $n cases, $(($(date +%s) - b0))s (wstest exit $rc)"
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      rc=0
      wait "$SERVER_PID" || rc=$?
      FAILURES+=("server role: the server exited with status $rc during batch $name (restarted for the next batch)")
      tail_log "$dir/server.log"
      start_server "$dir/server.log" || return 0
    fi
  done
  stop_pid "$SERVER_PID"
  echo "server role: $(( $(date +%s) - t0 ))s"
  ELAPSED+=("server role: $(( $(date +%s) - t0 ))s")
}

run_client_role() {
  local dir="$OUTDIR/clients" t0 b0 batch name spec t rc n wpid
  t0=$(date +%s)
  rm -rf "$dir"
  mkdir -p "$dir"
  expected_cases >"$dir/expected-cases.txt"
  if port_open "$CLIENT_PORT"; then
    FAILURES+=("client role: $HOST:$CLIENT_PORT is already in use")
    return
  fi
  echo "== client role: ${CLIENT_CMD[*]} ws://$HOST:$CLIENT_PORT $AGENT"
  # One fuzzingserver per batch: the client's case numbers are per spec, and a fresh
  # wstest process drops the previous batch's case logs.
  for batch in "${BATCHES[@]}"; do
    name=${batch%%:*}
    spec="$dir/spec.$name.json"
    cat >"$spec" <<JSON
{
  "url": "ws://$HOST:$CLIENT_PORT",
  "outdir": "$dir",
  "cases": [$(json_list "${batch#*:}")],
  "exclude-cases": [$EXCLUDE],
  "exclude-agent-cases": {}
}
JSON
    t=$(step_timeout)
    if [ "$t" -le 0 ]; then
      FAILURES+=("client role: out of time before batch $name")
      break
    fi
    b0=$(date +%s)
    # -u 0: no web UI on port 8080. Never exits by itself; stopped below.
    timeout "$t" "$WSTEST_PY" -c "$WSTEST_LOCAL" -m fuzzingserver -s "$spec" -u 0 \
      >"$dir/wstest.$name.log" 2>&1 &
    wpid=$!
    PIDS+=("$wpid")
    if ! wait_port "$CLIENT_PORT" "$wpid" 30; then
      FAILURES+=("client role: wstest fuzzingserver did not listen on $HOST:$CLIENT_PORT (batch $name)")
      tail_log "$dir/wstest.$name.log"
      stop_pid "$wpid"
      continue
    fi
    rc=0
    run_waited timeout "$(step_timeout)" "${CLIENT_CMD[@]}" "ws://$HOST:$CLIENT_PORT" "$AGENT" \
      >"$dir/client.$name.log" 2>&1 || rc=$?
    [ "$rc" -eq 124 ] && FAILURES+=("client role: the client timed out in batch $name")
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
      FAILURES+=("client role: the client exited $rc in batch $name")
      tail_log "$dir/client.$name.log" 5
    fi
    # updateReports writes index.json before it answers, but allow for a client that
    # hangs up early.
    for _ in $(seq 50); do
      [ -f "$dir/index.json" ] && break
      sleep 0.1
    done
    stop_pid "$wpid"
    keep_index "$dir" "$name" "client role"
    n=$(grep -c '^Running test case ID' "$dir/wstest.$name.log" || true)
    echo "  batch $name: $n cases, $(($(date +%s) - b0))s (client exit $rc)"
  done
  echo "client role: $(( $(date +%s) - t0 ))s"
  ELAPSED+=("client role: $(( $(date +%s) - t0 ))s")
}

bash scripts/install-wstest.sh
WSTEST="$(command -v wstest || echo /opt/wstest/bin/wstest)"
WSTEST_PY="$(dirname "$(readlink -f "$WSTEST")")/python"

EXAMPLES=()
if [ "$ROLE" != client ]; then
  if [ -n "${AUTOBAHN_SERVER_CMD:-}" ]; then
    read -ra SERVER_CMD <<<"$AUTOBAHN_SERVER_CMD"
    SERVER_CMD+=("$HOST:$SERVER_PORT")
  else
    EXAMPLES+=(--example echo_server)
    SERVER_CMD=("$TARGET_DIR/release/examples/echo_server" "$HOST:$SERVER_PORT"
      --max-message-size "$MAX_MESSAGE" --max-fragments "$MAX_FRAGMENTS")
  fi
fi
if [ "$ROLE" != server ]; then
  if [ -n "${AUTOBAHN_CLIENT_CMD:-}" ]; then
    read -ra CLIENT_CMD <<<"$AUTOBAHN_CLIENT_CMD"
  else
    EXAMPLES+=(--example autobahn_client)
    CLIENT_CMD=("$TARGET_DIR/release/examples/autobahn_client")
  fi
fi
if [ "${#EXAMPLES[@]}" -gt 0 ]; then
  b0=$(date +%s)
  FEATURES=()
  if [ "${AUTOBAHN_DEFLATE:-0}" = 1 ]; then FEATURES=(--features deflate); fi
  timeout 900 cargo build --release "${FEATURES[@]}" "${EXAMPLES[@]}"
  echo "build: $(($(date +%s) - b0))s"
fi

START=$(date +%s)
ELAPSED=()
ROLE_DIRS=()
if [ "$ROLE" != client ]; then
  run_server_role
  ROLE_DIRS+=("server=$OUTDIR/servers")
fi
if [ "$ROLE" != server ]; then
  run_client_role
  ROLE_DIRS+=("client=$OUTDIR/clients")
fi

echo
rc=0
python3 scripts/autobahn_summary.py "${ROLE_DIRS[@]}" || rc=$?
for f in "${FAILURES[@]}"; do echo "harness: $f"; done
[ "${#FAILURES[@]}" -eq 0 ] || rc=1
echo "autobahn ($ROLE): ${ELAPSED[*]/%/;} total $(( $(date +%s) - START ))s; reports in $OUTDIR -> $([ "$rc" -eq 0 ] && echo PASS || echo FAIL)"
exit "$rc"
