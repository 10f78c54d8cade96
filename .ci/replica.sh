# Sourced by .ci/run after .ci/pg.sh: makes a streaming standby of that
# server with pg_basebackup -R, starts it on loopback, exports
# PARLEY_TEST_REPLICA for the tests that read from a replica, and stops it
# (and removes its data) when the calling shell exits, before the primary.
REPLICA_PORT=${REPLICA_PORT:-56001}
REPLICA_DATA=$(mktemp -d /tmp/parley-replica.XXXXXX)
chown postgres:postgres "$REPLICA_DATA"
# The standby streams through a replication slot of its own (-C -S), so
# that the primary keeps every WAL segment until the standby has it: the
# tests write WAL faster than a standby on a busy machine replays it, and
# without a slot a checkpoint may remove a segment it still needs, which
# stops its replay for good.
as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$REPLICA_DATA" -R -X stream -C -S parley_ci_replica
as_postgres "$PGBIN/pg_ctl" -D "$REPLICA_DATA" -l "$REPLICA_DATA/server.log" -w \
  -o "-p $REPLICA_PORT -k $REPLICA_DATA -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
replica_stop() {
  # A failed run shows how the standby's replay went before its data goes.
  if [ "${1:-0}" != 0 ]; then
    echo "== the standby's log, last lines"
    tail -n 40 "$REPLICA_DATA/server.log" || true
  fi
  as_postgres "$PGBIN/pg_ctl" -D "$REPLICA_DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$REPLICA_DATA"
}
trap 'replica_stop $?; pg_stop' EXIT
export PARLEY_TEST_REPLICA="postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres?sslmode=disable"
echo "streaming replica on 127.0.0.1:$REPLICA_PORT (in recovery: $(as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()'))"
