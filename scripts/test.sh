#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then runs the unit tests
# and the integration tests against a throwaway PostgreSQL cluster
# (pg_virtualenv). Prints the ctest summary; exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
export BUILD_DIR=$build

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

# pg_virtualenv creates a cluster, exports PGHOST/PGPORT/PGUSER/PGPASSWORD for
# it, runs the command, and removes the cluster afterwards.
cd "$build"
pg_virtualenv -v 15 -- ctest --output-on-failure --timeout 300 -j "${CTEST_PARALLEL_LEVEL:-2}" "$@"
