#!/usr/bin/env bash
# Installs the Debian packages contactd needs to build, test and run.
# Idempotent: installs only what is missing. Requires root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libpqxx-dev postgresql postgresql-common
  protobuf-compiler libprotobuf-dev
  catch2 libsodium-dev libssl-dev openssl ca-certificates libsystemd-dev
  libtomlplusplus-dev libhowardhinnant-date-dev tzdata libspdlog-dev libfmt-dev
  libsofia-sip-ua-dev
  sofia-sip-bin  # sip-options: a real SIP peer for the SIP tests
  clang-16 libclang-rt-16-dev llvm  # libFuzzer, ASan, UBSan, llvm-symbolizer (scripts/build-sanitized.sh); clang 14 lacks C++20 lambda captures of structured bindings
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "contactd: installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
