#!/usr/bin/env bash
# Long fuzz runs: every named target at once, each for FUZZ_SECONDS (default 1800),
# with a corpus that persists in fuzz/corpus/<target> between runs. Not a CI gate
# (the smoke gate is); this is how the long-run figures in the notes are produced.
#
#   bash scripts/fuzz-long.sh frame_header handshake_request    # 30 min each, side by side
#   FUZZ_SECONDS=600 NICE=0 bash scripts/fuzz-long.sh structured
#
# Logs go to fuzz/long-runs/<target>.log; the last lines printed are one summary per
# target: executions, edge coverage, corpus size and whether it found anything.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-1800}
# Runs share the machine with other work; by default they yield to it.
NICE=${NICE:-19}
[ $# -gt 0 ] || { echo "usage: $0 target..." >&2; exit 2; }

cargo +nightly fuzz build 2>&1 | tail -1
mkdir -p fuzz/long-runs
pids=()
for target in "$@"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  dict=()
  case $target in
    handshake_*) dict=(-dict=fuzz/dict/http.dict) ;;
  esac
  seeds=("fuzz/seeds/$target")
  [ -d "fuzz/regressions/$target" ] && seeds+=("fuzz/regressions/$target")
  # The hard stop is a margin past libFuzzer's own limit, so a wedged run still ends.
  nice -n "$NICE" timeout $(( FUZZ_SECONDS + 600 )) \
    cargo +nightly fuzz run "$target" "$corpus" "${seeds[@]}" -- \
      -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="fuzz/artifacts/$target/" "${dict[@]}" \
      >"fuzz/long-runs/$target.log" 2>&1 &
  pids+=($!)
done

failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed=1
done

for target in "$@"; do
  log="fuzz/long-runs/$target.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9a-zA-Z]+) .*/\1/p' <<<"$last")
  crashes=$(find "fuzz/artifacts/$target" -type f | wc -l)
  printf '%-24s %ss execs=%-11s exec/s=%-7s cov=%-6s corpus=%-12s artifacts=%s\n' \
    "$target" "$FUZZ_SECONDS" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$crashes"
done
exit "$failed"
