#!/usr/bin/env bash
# The end-to-end benchmark in one command: builds in release, runs every case against every
# server (server pinned to CPU 0, loadgen to CPU 1), prints a markdown table and writes it
# to results.md beside this script. Exits nonzero if any case failed its checks.
#
# Knobs (environment):
#   E2E_SMOKE=1       tiny counts and one 1 s window per case: a check that all runs, not a figure
#   E2E_SERVERS="a b" only these servers (binary names from SERVERS below)
#   E2E_CASES=REGEX   only the cases whose name matches (e.g. 'echo 100x20B|fanout 1000 ')
#   E2E_WARMUP, E2E_WINDOWS, E2E_SECS   warm-up seconds, measured windows, seconds per window
#   E2E_OUT=FILE      where the table goes [results.md]
set -euo pipefail
cd "$(dirname "$0")"

# One line per server: its binary (src/bin/NAME.rs) and what it serves. Adding a server is
# adding a line here.
SERVERS=(
    "rfc6455 echo,fanout"
    "tokio_tungstenite echo,fanout"
    "fastwebsockets echo,fanout"
    "tokio_websockets echo,fanout"
    "mio_ceiling echo"
)
# The ceiling is not a peer: ratios are taken to the best of the others.
CEILING=mio_ceiling

if [[ "${E2E_SMOKE:-0}" == 1 ]]; then
    WARMUP=${E2E_WARMUP:-0.5} WINDOWS=${E2E_WINDOWS:-1} SECS=${E2E_SECS:-1}
    ECHO_N=10 BIG_N=10 SUBS_S=50 SUBS_L=100 IDLE_N=200 RATE_N=200
else
    WARMUP=${E2E_WARMUP:-2} WINDOWS=${E2E_WINDOWS:-5} SECS=${E2E_SECS:-2}
    ECHO_N=100 BIG_N=500 SUBS_S=1000 SUBS_L=10000 IDLE_N=10000 RATE_N=10000
fi
# name | loadgen mode | what the server must serve | loadgen arguments
CASES=(
    "echo ${ECHO_N}x20B|echo|echo|--conns $ECHO_N --payload 20"
    "echo 10x1KiB|echo|echo|--conns 10 --payload 1024"
    "echo ${BIG_N}x16KiB|echo|echo|--conns $BIG_N --payload 16384"
    "echo ${ECHO_N}x20B depth 16|echo|echo|--conns $ECHO_N --payload 20 --depth 16"
    "fanout $SUBS_S subs|fanout|fanout|--subs $SUBS_S"
    "fanout $SUBS_L subs|fanout|fanout|--subs $SUBS_L"
    "idle $IDLE_N conns|idle|echo|--conns $IDLE_N"
    "connect $RATE_N conns|connect-rate|echo|--conns $RATE_N"
)
OUT=${E2E_OUT:-results.md}
# Below this share of one core the server was waiting on the generator, so its figure
# is a floor, not its speed.
BUSY=0.9
# Above this share of the wall time spent runnable but off-CPU, neighbours on the shared
# machine took enough from the server or the generator to make the figure a floor as well.
STARVED=0.05

# 10,000 connections on each side, plus listener and std streams.
ulimit -n 20000

cargo build --release --locked --bins >&2
BIN=${CARGO_TARGET_DIR:-target}/release
LOGS=target/e2e-logs
mkdir -p "$LOGS"
ROWS=$(mktemp)
trap 'rm -f "$ROWS"' EXIT

wanted() { [[ -z "${E2E_SERVERS:-}" ]] || [[ " $E2E_SERVERS " == *" $1 "* ]]; }
field() { grep -o " $1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2 || true; }

port=$((20000 + RANDOM % 10000))
failed=0
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for entry in "${SERVERS[@]}"; do
    read -r server serves <<<"$entry"
    wanted "$server" || continue
    for case in "${CASES[@]}"; do
        IFS='|' read -r name mode needs args <<<"$case"
        [[ -z "${E2E_CASES:-}" || "$name" =~ $E2E_CASES ]] || continue
        if [[ ",$serves," != *",$needs,"* ]]; then
            printf '%s\t%s\tn/a\n' "$name" "$server" >>"$ROWS"
            continue
        fi
        # A fresh server and port per case: RSS starts clean and no TIME_WAIT is shared.
        port=$((port + 1))
        taskset -c 0 "$BIN/$server" "127.0.0.1:$port" 2>>"$LOGS/$server.log" >&2 &
        pid=$!
        for _ in $(seq 100); do
            ss -Hltn "sport = :$port" | grep -q . && break
            sleep 0.05
        done
        echo "== $server: $name" >&2
        # shellcheck disable=SC2086 # args is a list of words
        line=$(timeout 600 taskset -c 1 "$BIN/loadgen" "$mode" "ws://127.0.0.1:$port/" $args \
            --warmup "$WARMUP" --windows "$WINDOWS" --secs "$SECS" --server-pid "$pid" |
            grep '^RESULT' || true)
        echo "${line:-RESULT status=fail reason=no-result}" >&2
        if ! kill -0 "$pid" 2>/dev/null; then
            line="RESULT status=fail reason=server-died"
        fi
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        if [[ "$(field status "$line")" != ok ]]; then
            failed=1
            printf '%s\t%s\tFAIL\t\t\t\t%s\t\t\t\n' "$name" "$server" "$(grep -o 'reason=.*' <<<"$line")" >>"$ROWS"
            continue
        fi
        if [[ $mode == idle ]]; then
            value=$(awk -v b="$(field per_conn_bytes "$line")" 'BEGIN { printf "%.1f", b / 1024 }')
        else
            value=$(field median "$line")
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$server" "$value" \
            "$(field server_cpu "$line")" "$(field gen_cpu "$line")" "$(field rates "$line")" \
            "$(field rss_before_kib "$line")" "$(field server_wait "$line")" "$(field gen_wait "$line")" \
            "$(field per_server_cpu_s "$line")" >>"$ROWS"
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

versions=$(awk '/^name = / { n = $3 } /^version = / { gsub(/"/, "", n); gsub(/"/, "", $3); print n, $3 }' Cargo.lock |
    grep -E '^(tokio|tokio-tungstenite|tungstenite|fastwebsockets|tokio-websockets|hyper|mio) ' |
    paste -sd, | sed 's/,/, /g')
{
    echo "# End-to-end results"
    echo
    echo "| machine | |"
    echo "| --- | --- |"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo "| nproc | $(nproc) |"
    echo "| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') |"
    echo "| kernel | $(uname -r) |"
    echo "| rustc | $(rustc -V) |"
    echo "| crates | $versions |"
    echo "| settings | smoke=${E2E_SMOKE:-0}, warm-up ${WARMUP} s, ${WINDOWS} windows of ${SECS} s, server on CPU 0, loadgen on CPU 1 |"
    echo "| load average (1/5/15 min) | before $LOAD_BEFORE, after $LOAD_AFTER |"
    echo
    echo "Throughput cases: median over the windows (echo: messages/s, fan-out: deliveries/s,"
    echo "connect: handshakes/s; higher is better). idle: server RSS growth per connection"
    echo "in KiB (lower is better). Ratio: to the best peer ($CEILING is not a peer), so"
    echo "below 1 is slower, or for idle above 1 is more memory."
    echo "generator-bound: the server used under ${BUSY} of a core while measured."
    echo "starved: the server or loadgen spent over ${STARVED} of the time runnable but waiting"
    echo "for a CPU (/proc/PID/schedstat), taken by other work on the machine. Both make the"
    echo "figure a floor rather than the server's speed; per server CPU-second (the work"
    echo "done in the measured windows over the server's utime+stime in them) is then the"
    echo "steadier figure to compare, with its own ratio to the best peer."
    echo
    echo "| case | server | median | ratio to best peer | per server CPU-s | its ratio | server CPU | loadgen CPU | per-window rates | note |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
    awk -F'\t' -v ceiling="$CEILING" -v busy="$BUSY" -v starved="$STARVED" '
        { row[NR] = $0; c[NR] = $1; s[NR] = $2; v[NR] = $3
          if ($3 ~ /^[0-9.]+$/ && $2 != ceiling) {
              lower = ($1 ~ /^idle/)
              if (!($1 in best) || (lower ? $3 < best[$1] : $3 > best[$1])) best[$1] = $3
              if ($10 > 0 && $10 > bestcpu[$1]) bestcpu[$1] = $10
          } }
        END {
          for (i = 1; i <= NR; i++) {
              split(row[i], f, "\t")
              ratio = ""; cpuratio = ""; note = ""
              if (f[3] ~ /^[0-9.]+$/ && (f[1] in best) && best[f[1]] > 0)
                  ratio = sprintf("%.2f", f[3] / best[f[1]])
              if (f[10] > 0 && bestcpu[f[1]] > 0)
                  cpuratio = sprintf("%.2f", f[10] / bestcpu[f[1]])
              if (f[3] == "FAIL") note = f[7]
              else if (f[8] > starved || f[9] > starved)
                  note = sprintf("starved (waits: server %s, loadgen %s)", f[8], f[9])
              else if (f[4] != "" && f[4] < busy) note = "generator-bound"
              else if (f[1] ~ /^idle/ && f[7] != "") note = "RSS before: " f[7] " KiB"
              printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], ratio, f[10], cpuratio, f[4], f[5], f[6], note
          }
        }' "$ROWS"
} | tee "$OUT"

exit "$failed"
