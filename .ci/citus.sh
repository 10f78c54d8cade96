#!/usr/bin/env bash
# CI: the store, pipeline and web tests on a real Citus cluster — a
# coordinator and two workers, throwaway PostgreSQL 15 servers on loopback
# run as the postgres user, like .ci/pg.sh's. Every test's database is
# migrated and distributed by workspace (PARLEY_TEST_CITUS=1, see
# storetest.Citus), and TestCitusMatchesPostgres checks that workspaces land
# on different workers and give the results of plain PostgreSQL (the server
# PARLEY_TEST_POSTGRES names when this starts, if any).
#   bash .ci/citus.sh            (from .ci/run; needs root to build Citus)
# Citus is built from the vendored source beside the clone (Debian has no
# package); CITUS_BUILD names another build script, CITUS_PORT the first of
# the three ports.
set -euo pipefail
cd "$(dirname "$0")/.."
# build.sh installs its Debian build dependencies only when the server
# headers are missing; a machine that has them may still lack the others.
if [ ! -f /usr/lib/postgresql/15/lib/citus.so ]; then
  missing=()
  for p in postgresql-server-dev-15 libkrb5-dev liblz4-dev libzstd-dev make gcc; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
bash "${CITUS_BUILD:-../shared/vendor/citus/build.sh}"

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
first=${CITUS_PORT:-56500}
ports=("$first" $((first + 1)) $((first + 2)))
root=$(mktemp -d /tmp/parley-citus.XXXXXX)
chown postgres:postgres "$root"
as_postgres() { runuser -u postgres -- "$@"; }
stop() {
  for port in "${ports[@]}"; do
    [ -d "$root/$port" ] && as_postgres "$PGBIN/pg_ctl" -D "$root/$port" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$root"
}
trap stop EXIT
for port in "${ports[@]}"; do
  data="$root/$port"
  as_postgres mkdir "$data"
  as_postgres "$PGBIN/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
  echo "shared_preload_libraries = 'citus'" >>"$data/postgresql.conf"
  if ! as_postgres "$PGBIN/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null; then
    tail -20 "$data/server.log"; exit 1
  fi
  "$PGBIN/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE EXTENSION citus" >/dev/null
done
"$PGBIN/psql" -q -h 127.0.0.1 -p "$first" -U postgres >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]});
SELECT citus_add_node('127.0.0.1', ${ports[1]});
SELECT citus_add_node('127.0.0.1', ${ports[2]});
SQL
echo "Citus $("$PGBIN/psql" -At -h 127.0.0.1 -p "$first" -U postgres -c "SHOW citus.version") on 127.0.0.1:${ports[0]}, workers ${ports[1]} and ${ports[2]}"

# The race detector has run over the same code in the steps before; this
# job is about the SQL, so it runs without it, to stay within minutes. The
# streaming replica of .ci/replica.sh, if any, copies the plain server, not
# this cluster.
PARLEY_TEST_POSTGRES_PLAIN=${PARLEY_TEST_POSTGRES:-} PARLEY_TEST_REPLICA= \
PARLEY_TEST_DB=postgres PARLEY_TEST_CITUS=1 \
PARLEY_TEST_POSTGRES="postgres://postgres@127.0.0.1:$first/postgres?sslmode=disable" \
  go test -timeout 20m ./internal/store ./internal/pipeline ./internal/web
