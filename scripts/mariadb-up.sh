#!/usr/bin/env bash
# Start a throwaway MariaDB for the tests (installing Debian's mariadb-server first if
# needed), or reuse the one already running. Everything lives in $AR_MYSQL_ROOT; it
# listens on 127.0.0.1:$AR_MYSQL_PORT only. Users: root over the unix socket only, app
# user orm/orm with ALL PRIVILEGES ON *.* (tests create databases); database orm_test.
# When this script starts the server it writes $AR_MYSQL_ROOT/started-by-mariadb-up, so
# mariadb-down.sh stops only a server started here. Must run as root.
set -euo pipefail
# The client reads MYSQL_HOST/MYSQL_TCP_PORT/MYSQL_PWD from the environment (a user's test
# settings would send it over TCP to another port): this script talks on its own socket.
unset MYSQL_HOST MYSQL_TCP_PORT MYSQL_PWD
ROOT=${AR_MYSQL_ROOT:-/tmp/activerecord-mariadb}
PORT=${AR_MYSQL_PORT:-33706}
SOCK=$ROOT/run/mysqld.sock
PIDFILE=$ROOT/run/mariadbd.pid
MARKER=$ROOT/started-by-mariadb-up
cd /tmp

if [ ! -x /usr/sbin/mariadbd ]; then
  echo "mariadb-up: installing mariadb-server with apt-get" >&2
  # Wait for a concurrent apt/dpkg run instead of failing on its lock.
  apt_opts=(-q -o DPkg::Lock::Timeout=600)
  apt-get "${apt_opts[@]}" update > /dev/null
  # The image's policy-rc.d keeps the package from starting a system service.
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y mariadb-server > /dev/null
fi

mkdir -p "$ROOT/data" "$ROOT/run"
chown -R mysql:mysql "$ROOT"
# --no-defaults everywhere: Debian's /etc/mysql config points at /var/lib/mysql and :3306.
if [ ! -d "$ROOT/data/mysql" ]; then
  if ! mariadb-install-db --no-defaults --user=mysql --datadir="$ROOT/data" \
        --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
        > "$ROOT/install-db.log" 2>&1; then
    echo "mariadb-up: mariadb-install-db failed; tail of $ROOT/install-db.log:" >&2
    tail -n 20 "$ROOT/install-db.log" >&2; exit 1
  fi
fi

db_ping() { mariadb-admin --no-defaults --socket="$SOCK" -uroot ping > /dev/null 2>&1; }
if ! db_ping; then
  # A foreign server on our port would make the tests talk to the wrong database.
  if ss -Hltn "sport = :$PORT" | grep -q .; then
    echo "mariadb-up: port $PORT is used by another server; set AR_MYSQL_PORT" >&2; exit 1
  fi
  rm -f "$PIDFILE"
  # setsid detaches it from this shell so it outlives the script. Without a config file
  # the server charset would be latin1; utf8mb4_general_ci is Debian's default.
  setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$ROOT/data" \
      --bind-address=127.0.0.1 --port="$PORT" --socket="$SOCK" --pid-file="$PIDFILE" \
      --log-error="$ROOT/error.log" --skip-name-resolve \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --innodb-flush-log-at-trx-commit=2 --innodb-buffer-pool-size=256M \
      < /dev/null > /dev/null 2>&1 &
  spid=$!
  # Record the start at once, so a cleanup can stop it even if the rest fails.
  printf '%s %s\n' "$spid" "$(date +%s.%N)" > "$MARKER"
  for _ in $(seq 1 240); do
    db_ping && break
    # It died (it stays our zombie until this script exits): no point waiting.
    grep -qs '^State:[[:space:]]*[^Z[:space:]]' "/proc/$spid/status" || break
    sleep 0.25
  done
  if ! db_ping; then
    echo "mariadb-up: server did not start; tail of $ROOT/error.log:" >&2
    tail -n 20 "$ROOT/error.log" >&2; exit 1
  fi
fi

mariadb --no-defaults --socket="$SOCK" -uroot <<'SQL'
CREATE DATABASE IF NOT EXISTS orm_test;
CREATE USER IF NOT EXISTS 'orm'@'%' IDENTIFIED BY 'orm';
CREATE USER IF NOT EXISTS 'orm'@'localhost' IDENTIFIED BY 'orm';
GRANT ALL PRIVILEGES ON *.* TO 'orm'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'orm'@'localhost' WITH GRANT OPTION;
SQL
echo "mariadb-up: mysql://orm:orm@127.0.0.1:$PORT/orm_test (pid $(cat "$PIDFILE"))"
