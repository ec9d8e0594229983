#!/usr/bin/env bash
# Installs the example's Debian packages if missing, then runs client.py.
set -euo pipefail
for p in python3-websockets python3-protobuf protobuf-compiler; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-websockets python3-protobuf protobuf-compiler >/dev/null
    break
  fi
done
exec /usr/bin/python3 "$(dirname "$0")/client.py" "$@"
