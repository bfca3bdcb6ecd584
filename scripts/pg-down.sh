#!/usr/bin/env bash
# Stop the throwaway PostgreSQL, but only if pg-up.sh started it (its marker file
# exists): a server someone else started is left alone. Stops it by PID (first line
# of postmaster.pid) and waits until it is gone. --purge also deletes $AR_PG_ROOT.
set -euo pipefail
ROOT=${AR_PG_ROOT:-/tmp/activerecord-pg}
MARKER=$ROOT/started-by-pg-up
PIDFILE=$ROOT/data/postmaster.pid

# A zombie (exited, not yet reaped by whoever adopted it) counts as gone.
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

if [ ! -e "$MARKER" ]; then
  echo "pg-down: no server started by pg-up.sh in $ROOT; nothing to stop"
else
  pid=$(head -n 1 "$PIDFILE" 2>/dev/null || true)
  # Check the PID is still a postgres process: after a crash and reboot it may be anything.
  if [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
    kill -INT "$pid"   # SIGINT = "fast" shutdown: roll back sessions, checkpoint, exit
    for _ in $(seq 1 600); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then echo "pg-down: postgres $pid did not stop within 60 s" >&2; exit 1; fi
    echo "pg-down: stopped postgres (pid $pid)"
  else
    echo "pg-down: server was not running"
  fi
  rm -f "$MARKER"
fi
if [ "${1:-}" = --purge ]; then
  if [ -e "$PIDFILE" ] && alive "$(head -n 1 "$PIDFILE")"; then
    echo "pg-down: not purging $ROOT: a server still runs there" >&2; exit 1
  fi
  rm -rf "$ROOT"; echo "pg-down: removed $ROOT"
fi
