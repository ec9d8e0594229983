#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ for a bounded time each, one after the
# other on one core, starting from the committed seeds (fuzz/corpus/<target>,
# never written to); what a run discovers goes to build-fuzz/fuzz-corpus/.
# Prints one line per target (executions, exec/s, coverage, corpus) and exits
# non-zero if any target crashed, leaked or timed out; the failing input is
# kept in build-fuzz/fuzz-artifacts/<target>/.
# Usage: scripts/fuzz.sh [seconds per target (60)] [targets... (all)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${1:-60}
shift || true
targets=("$@")
# All: the list fuzz/CMakeLists.txt builds (CONTACTD_FUZZ_TARGETS), so a new
# target is fuzzed by CI as soon as it is built.
if [ ${#targets[@]} -eq 0 ]; then
  read -r -a targets <<<"$(tr '\n' ' ' <"$root/fuzz/CMakeLists.txt" |
    sed -n 's/.*set(CONTACTD_FUZZ_TARGETS \([^)]*\) PARENT_SCOPE).*/\1/p')"
  [ ${#targets[@]} -gt 0 ] || { echo "fuzz: no CONTACTD_FUZZ_TARGETS in fuzz/CMakeLists.txt" >&2; exit 1; }
fi

"$root/scripts/build-sanitized.sh" "${targets[@]}"

# Reports go to the target's output, which libFuzzer turns into a failing exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
  work="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  status=0
  "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" "$root/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (exit $status) after ${execs:-?} executions; log: $log; input: $(ls "$artifacts" | tail -1)"
    grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -5 | sed 's/^/    /'
  else
    echo "fuzz: $t ok: ${execs:-?} executions in ${seconds}s (${rate:-?}/s), cov ${cov:-?}, features ${ft:-?}, corpus ${corpus:-?}"
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran ${seconds}s each, no crash"
