#!/usr/bin/env bash
# Runs the whole test suite (the ctest suite of scripts/test.sh) built with
# AddressSanitizer + UndefinedBehaviorSanitizer, leak checking on, against a
# throwaway PostgreSQL cluster. The integration tests start the sanitized
# contactd of the same tree. Every sanitizer report of every process (test
# binaries and the daemons they start) is written to a log file; the run
# fails if a test fails or if any such file appears, and prints them.
# Usage: scripts/test-sanitizers.sh [ctest arguments...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

"$root/scripts/install-deps.sh"
"$root/scripts/build-sanitized.sh"

reports="$build/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
# log_path: each process writes <prefix>.<pid> only when it has something to
# report, so a daemon's report is caught even when its test does not look.
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan:exitcode=23"
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || true)}
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0"

cd "$build"
status=0
# Slower under the sanitizers: a longer per-test timeout. One test is left to
# the plain suite: "out of descriptors" runs the daemon out of descriptors on
# purpose, and UBSan's vptr check then cannot open the pipe it reads memory
# through and reports every virtual call on boost's error categories ("memory
# cannot be printed"): a false positive of the check, not of the code.
pg_virtualenv -v 15 -- ctest --output-on-failure --timeout 900 -j "${CTEST_PARALLEL_LEVEL:-2}" \
  -E "R-SEC out of descriptors" "$@" || status=$?

shopt -s nullglob
found=("$reports"/*)
if [ ${#found[@]} -ne 0 ]; then
  for f in "${found[@]}"; do
    echo "==== sanitizer report: $f"
    head -60 "$f"
  done
  echo "sanitizers: ${#found[@]} report(s) (see above)"
  exit 1
fi
[ "$status" -ne 0 ] && { echo "sanitizers: tests failed"; exit "$status"; }
echo "sanitizers: every test passed with ASan+UBSan, no report"
