#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 for the tests, or reuse the one already running.
# Everything lives in $AR_PG_ROOT; it listens on 127.0.0.1:$AR_PG_PORT only.
# Users: superuser postgres/postgres (dataset loading), app user orm/orm with CREATEDB
# owning database orm_test. When this script starts the server it writes
# $AR_PG_ROOT/started-by-pg-up, so pg-down.sh stops only a server started here.
# Meant to run as root (as CI does) or as the postgres user.
set -euo pipefail
PGBIN=${AR_PGBIN:-/usr/lib/postgresql/15/bin}
ROOT=${AR_PG_ROOT:-/tmp/activerecord-pg}
PORT=${AR_PG_PORT:-56432}
DATA=$ROOT/data
MARKER=$ROOT/started-by-pg-up

# initdb/pg_ctl refuse to run as root; runuser keeps the cwd, which postgres must be able to read.
cd /tmp
ROOTUSER=false; [ "$(id -u)" = 0 ] && ROOTUSER=true
if $ROOTUSER; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi

mkdir -p "$ROOT/run"
if $ROOTUSER; then chown postgres:postgres "$ROOT" "$ROOT/run"; fi

if [ ! -s "$DATA/PG_VERSION" ]; then
  pwfile=$ROOT/.pw
  printf 'postgres\n' > "$pwfile"
  if $ROOTUSER; then chown postgres "$pwfile"; fi
  # trust on the socket (only root/postgres can reach $ROOT/run), passwords over TCP.
  if ! as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" -E UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 > "$ROOT/initdb.log" 2>&1; then
    rm -f "$pwfile"
    echo "pg-up: initdb failed; tail of $ROOT/initdb.log:" >&2; tail -n 20 "$ROOT/initdb.log" >&2; exit 1
  fi
  rm -f "$pwfile"
fi

if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" status > /dev/null 2>&1; then
  # A foreign server on our port would make the tests talk to the wrong database.
  if ss -Hltn "sport = :$PORT" | grep -q .; then
    echo "pg-up: port $PORT is used by another server; set AR_PG_PORT" >&2; exit 1
  fi
  # fsync & co. off: throwaway data need not survive a crash, and the tests write a lot.
  if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT/run -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      > /dev/null; then
    # pg_ctl gives up after 60 s even if a slow postmaster is still coming up: stop it.
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate stop > /dev/null 2>&1 || true
    echo "pg-up: server did not start; tail of $ROOT/server.log:" >&2; tail -n 20 "$ROOT/server.log" >&2; exit 1
  fi
  # Record the start before anything else can fail, so a cleanup can still stop it.
  printf '%s %s\n' "$(head -n 1 "$DATA/postmaster.pid")" "$(date +%s.%N)" > "$MARKER"
fi

"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 30
# The socket is trust-authenticated; \gexec makes role/database creation idempotent.
as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$ROOT/run" -p "$PORT" -U postgres -d postgres <<'SQL'
SELECT 'CREATE ROLE orm LOGIN PASSWORD ''orm'' CREATEDB'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'orm') \gexec
SELECT 'CREATE DATABASE orm_test OWNER orm'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'orm_test') \gexec
SQL
echo "pg-up: postgresql://orm:orm@127.0.0.1:$PORT/orm_test (pid $(head -n 1 "$DATA/postmaster.pid"))"
