#!/usr/bin/env bash
# Runs contactd with demo data on a private PostgreSQL cluster kept in .state/
# (created on first use, reused afterwards). Ctrl-C stops both cleanly.
# Environment: CONTACTD_STATE_DIR (default .state), CONTACTD_DEMO_PG_PORT (54329).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${CONTACTD_STATE_DIR:-$root/.state}
pg_port=${CONTACTD_DEMO_PG_PORT:-54329}
pg_bin=/usr/lib/postgresql/15/bin

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" contactd
contactd="${BUILD_DIR:-$root/build}/server/app/contactd"

# PostgreSQL refuses to run as root: as root, the cluster belongs to 'postgres'.
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
pgdata=$state/pg
socket=$state/pg-socket
mkdir -p "$state" "$socket"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$socket"; fi
if [ ! -f "$pgdata/PG_VERSION" ]; then
  echo "contactd demo: creating a PostgreSQL cluster in $pgdata"
  mkdir -p "$pgdata"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pgdata"; fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pgdata" -U contactd --auth=trust -E UTF8 >/dev/null
fi
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -l "$pgdata/postgresql.log" -w -s \
  -o "-p $pg_port -k $socket -c listen_addresses=''" start
stop_cluster() { "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -w -s -m fast stop || true; }
trap stop_cluster EXIT

export CONTACTD_MUSIC_DIR="$root/assets"  # the repository's hold music (installed: /usr/share/contactd/music)
export CONTACTD_MEDIA_DIR="${CONTACTD_MEDIA_DIR:-$root/build/demo-media}"  # uploads and provider media (installed: /var/lib/contactd/media)
export CONTACTD_DATABASE_URL="host=$socket port=$pg_port user=contactd dbname=contactd"
if ! "${as_pg[@]}" psql -h "$socket" -p "$pg_port" -U contactd -d postgres -tAc \
     "SELECT 1 FROM pg_database WHERE datname = 'contactd'" | grep -q 1; then
  "${as_pg[@]}" createdb -h "$socket" -p "$pg_port" -U contactd contactd
fi

"$contactd" migrate --config "$root/config/contactd.toml"
echo "contactd demo: demo users (log in with these):"
"$contactd" seed "$root/config/demo-seed.toml" --config "$root/config/contactd.toml"
cat <<BANNER
================================================================
 contactd demo is starting
   WebSocket API : ws://127.0.0.1:8480/ws  (binary protobuf, proto/contactd/v1)
   health        : http://127.0.0.1:8480/healthz  /readyz
   database      : psql "$CONTACTD_DATABASE_URL"
 Ctrl-C stops contactd and the demo database.
================================================================
BANNER
"$contactd" serve --config "$root/config/contactd.toml"
