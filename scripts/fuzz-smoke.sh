#!/usr/bin/env bash
# The fuzz smoke gate: build every cargo-fuzz target, run each for FUZZ_SECONDS
# (default 30) from its committed seeds and saved regressions, and fail on any crash,
# hang or leak. One summary line per target.
#
#   FUZZ_SECONDS=60 bash scripts/fuzz-smoke.sh            # every target
#   bash scripts/fuzz-smoke.sh frame_header structured    # some of them
#
# Targets run one after the other, one process each: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
# A single input running longer than this is a hang, which the crate promises never
# to have: libFuzzer's default of 20 minutes would hide one.
INPUT_TIMEOUT=${FUZZ_INPUT_TIMEOUT:-10}
BUILD_TIMEOUT=${FUZZ_BUILD_TIMEOUT:-1800}
# The whole gate, install and build included, however the steps above behave.
TOTAL_TIMEOUT=${FUZZ_TOTAL_TIMEOUT:-$(( 3000 + 10 * (FUZZ_SECONDS + 60) ))}
if [ -z "${FUZZ_SMOKE_BOUNDED:-}" ]; then
  FUZZ_SMOKE_BOUNDED=1 exec timeout "$TOTAL_TIMEOUT" bash "$0" "$@"
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "::: installing cargo-fuzz"
  t0=$(date +%s)
  timeout 1200 cargo install cargo-fuzz --locked
  echo "::: cargo-fuzz installed in $(( $(date +%s) - t0 ))s"
fi

# cargo fuzz needs nightly flags (-Zsanitizer). A machine with only the stable
# toolchain can still pass them with RUSTC_BOOTSTRAP, which is what it costs here.
if cargo +nightly --version >/dev/null 2>&1; then
  FUZZ=(cargo +nightly fuzz)
else
  echo "::: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
  FUZZ=(cargo fuzz)
fi

if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <("${FUZZ[@]}" list)
fi

echo "::: building ${#TARGETS[@]} targets"
timeout "$BUILD_TIMEOUT" "${FUZZ[@]}" build

stat_of() {
  grep -o "stat::$1: *[0-9]*" "$2" | grep -o '[0-9]*$' | tail -1 || true
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Every target once over the other targets' seeds and regressions, and over arbitrary
# files (this repository's own sources, docs and lockfiles): inputs shaped for another
# harness, or for none, are where a harness's own assumptions (a generator ignoring the
# limits it is checked under, a layout read past its end) show up. A few seconds in all.
ARBITRARY=()
if git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t ARBITRARY < <(git ls-files -- '*.rs' '*.md' '*.toml' '*.lock' '*.sh' '*.py' '*.tsv' | head -400)
fi
CROSS_FAILED=()
for target in "${TARGETS[@]}"; do
  others=("${ARBITRARY[@]}")
  shopt -s nullglob
  for dir in fuzz/seeds/* fuzz/regressions/*; do
    [ "$(basename "$dir")" = "$target" ] || others+=("$dir"/*)
  done
  shopt -u nullglob
  [ ${#others[@]} -gt 0 ] || continue
  log="$WORK/$target.cross.log"
  mkdir -p "$WORK/cross-artifacts/$target"
  if ! timeout 600 "${FUZZ[@]}" run "$target" "${others[@]}" -- -runs=0 -timeout="$INPUT_TIMEOUT" \
      -artifact_prefix="$WORK/cross-artifacts/$target/" >"$log" 2>&1; then
    echo "----- $target on other targets' inputs: last lines of the libFuzzer log -----"
    tail -40 "$log"
    CROSS_FAILED+=("$target")
  fi
  echo "::: cross-corpus $target: $(grep -c '^Executed' "$log" || true) inputs (${#ARBITRARY[@]} of them arbitrary files)"
done

SUMMARY=()
FAILED=0

for target in "${TARGETS[@]}"; do
  corpus="$WORK/corpus/$target"
  artifacts="$WORK/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  for dir in "fuzz/seeds/$target" "fuzz/regressions/$target"; do
    if [ -d "$dir" ]; then cp "$dir"/* "$corpus"/ 2>/dev/null || true; fi
  done
  flags=(-max_total_time="$FUZZ_SECONDS" -timeout="$INPUT_TIMEOUT" -artifact_prefix="$artifacts" -print_final_stats=1)
  case $target in
    handshake_*) flags+=(-dict=fuzz/dict/http.dict) ;;
  esac
  log="$WORK/$target.log"
  echo "::: running $target for ${FUZZ_SECONDS}s"
  status=0
  timeout $(( FUZZ_SECONDS + 300 )) "${FUZZ[@]}" run "$target" "$corpus" -- "${flags[@]}" >"$log" 2>&1 || status=$?
  # A crashed run prints no final stats: fall back to its last status line.
  execs=$(stat_of number_of_executed_units "$log")
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tr -d '#' | tail -1 || true)
  cov=$(grep -oE '(DONE|pulse|NEW|REDUCE|INITED) +cov: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  rate=$(stat_of average_exec_per_sec "$log")
  if [ "$status" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $status)"
    FAILED=1
    echo "----- $target: last lines of the libFuzzer log -----"
    tail -40 "$log"
    for crash in "$artifacts"*; do
      [ -e "$crash" ] || continue
      echo "----- $target: $(basename "$crash"): $(od -An -tx1 -v "$crash" | tr -d ' \n' | head -c 400)"
    done
  fi
  SUMMARY+=("$(printf '%-24s execs=%-10s exec/s=%-8s cov=%-6s %s' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$result")")
done

echo
echo "==== fuzz smoke (${FUZZ_SECONDS}s per target) ===="
printf '%s\n' "${SUMMARY[@]}"
if [ ${#CROSS_FAILED[@]} -gt 0 ]; then
  echo "cross-corpus FAILED: ${CROSS_FAILED[*]}"
  FAILED=1
fi
exit "$FAILED"
