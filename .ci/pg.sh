# Sourced by .ci/run and usable by hand: starts a throwaway PostgreSQL 15 on
# loopback as the postgres user, exports PARLEY_TEST_POSTGRES, and stops the
# server (and removes its data) when the calling shell exits.
#   source .ci/pg.sh
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT=${PGPORT:-55432}
PGDATA=$(mktemp -d /tmp/parley-pg.XXXXXX)
chown postgres:postgres "$PGDATA"
as_postgres() { runuser -u postgres -- "$@"; }
as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust --no-sync >/dev/null
as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
pg_stop() {
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap pg_stop EXIT
export PARLEY_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
