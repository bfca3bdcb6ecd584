#!/usr/bin/env bash
# Stop the throwaway MariaDB, but only if mariadb-up.sh started it (its marker file
# exists): a server someone else started is left alone. Stops it by PID (its pid file)
# and waits until it is gone. --purge also deletes $AR_MYSQL_ROOT.
set -euo pipefail
ROOT=${AR_MYSQL_ROOT:-/tmp/activerecord-mariadb}
MARKER=$ROOT/started-by-mariadb-up
PIDFILE=$ROOT/run/mariadbd.pid

# A zombie (exited, not yet reaped by whoever adopted it) counts as gone.
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

if [ ! -e "$MARKER" ]; then
  echo "mariadb-down: no server started by mariadb-up.sh in $ROOT; nothing to stop"
else
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  # Check the PID is still mariadbd: after a crash it may belong to anything.
  if [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mariadbd ]; then
    kill -TERM "$pid"   # SIGTERM = normal shutdown
    for _ in $(seq 1 600); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then echo "mariadb-down: mariadbd $pid did not stop within 60 s" >&2; exit 1; fi
    echo "mariadb-down: stopped mariadbd (pid $pid)"
  else
    echo "mariadb-down: server was not running"
  fi
  rm -f "$MARKER"
fi
if [ "${1:-}" = --purge ]; then
  if [ -e "$PIDFILE" ] && alive "$(cat "$PIDFILE")"; then
    echo "mariadb-down: not purging $ROOT: a server still runs there" >&2; exit 1
  fi
  rm -rf "$ROOT"; echo "mariadb-down: removed $ROOT"
fi
