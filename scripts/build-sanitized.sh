#!/usr/bin/env bash
# Configures and builds the sanitized tree: clang, AddressSanitizer +
# UndefinedBehaviorSanitizer on every target (any report aborts), libFuzzer
# coverage on the libraries, and the fuzz targets of fuzz/ (CONTACTD_FUZZ).
# Both scripts/test-sanitizers.sh and scripts/fuzz.sh use it.
# Usage: scripts/build-sanitized.sh [ninja targets...]  (FUZZ_BUILD_DIR overrides ./build-fuzz)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
# clang 16: clang 14 (Debian's default clang) cannot compile the server (it
# lacks C++20's lambda captures of structured bindings, which g++ 12 has).
cxx=${FUZZ_CXX:-clang++-16}
if [ ! -f "$build/build.ninja" ]; then
  # -O1 with line tables: what the sanitizers recommend, and half the compile
  # time of -O2 -g. Debug keeps assert() on.
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
    -DCONTACTD_FUZZ=ON -DCONTACTD_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -- "$@"
