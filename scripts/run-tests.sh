#!/usr/bin/env bash
# Run pytest on the databases listed in $DB (default: sqlite postgresql mysql), starting
# the servers they need and, whatever pytest does, stopping the ones this run started.
# A server that cannot start fails the run: tests never silently skip a database.
# Usage: DB="sqlite postgresql" scripts/run-tests.sh [pytest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-sqlite postgresql mysql}
PYTHON=${PYTHON:-.venv/bin/python}
export AR_PG_ROOT=${AR_PG_ROOT:-/tmp/activerecord-pg} AR_PG_PORT=${AR_PG_PORT:-56432}
export AR_MYSQL_ROOT=${AR_MYSQL_ROOT:-/tmp/activerecord-mariadb} AR_MYSQL_PORT=${AR_MYSQL_PORT:-33706}

started=()
cleanup() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do "scripts/${started[i]}-down.sh" || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The up scripts rewrite their marker file only when they start a server, so a changed
# marker means "this run started it"; a server that was already up is left running.
up() {  # up NAME MARKER
  local before after rc=0
  before=$(cat "$2" 2> /dev/null || true)
  "scripts/$1-up.sh" || rc=$?
  after=$(cat "$2" 2> /dev/null || true)
  if [ -n "$after" ] && [ "$after" != "$before" ]; then started+=("$1"); fi
  if [ "$rc" != 0 ]; then echo "run-tests: $1 did not start; failing the run" >&2; exit "$rc"; fi
}

dbs=""
for db in $DB; do
  case $db in
    sqlite) ;;
    postgresql) up pg "$AR_PG_ROOT/started-by-pg-up" ;;
    mysql) up mariadb "$AR_MYSQL_ROOT/started-by-mariadb-up" ;;
    *) echo "run-tests: unknown database '$db' (known: sqlite postgresql mysql)" >&2; exit 2 ;;
  esac
  dbs=${dbs:+$dbs,}$db
done
[ -n "$dbs" ] || { echo "run-tests: DB is empty" >&2; exit 2; }

export AR_TEST_DATABASES=$dbs
export PGHOST=127.0.0.1 PGPORT=$AR_PG_PORT PGUSER=orm PGPASSWORD=orm PGDATABASE=orm_test
export MYSQL_HOST=127.0.0.1 MYSQL_PORT=$AR_MYSQL_PORT MYSQL_USER=orm MYSQL_PASSWORD=orm MYSQL_DATABASE=orm_test
echo "run-tests: AR_TEST_DATABASES=$AR_TEST_DATABASES"
rc=0
"$PYTHON" -m pytest "$@" || rc=$?
exit "$rc"
