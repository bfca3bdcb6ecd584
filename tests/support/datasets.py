"""Load the sample databases of ``tests/fixtures`` (Chinook, Sakila) into test servers.

Pure driver code (``sqlite3``, psycopg 3, PyMySQL), never the ORM under test: the data
that proves the ORM must not depend on it. One loader per dataset and engine:

=====================================  =====================================
``load_chinook_sqlite(path)``          file ``path``, PascalCase tables
``load_sakila_sqlite(path)``           file ``path``
``load_chinook_postgresql(kw, db)``    database ``chinook``, snake_case tables
``load_sakila_postgresql(kw, db)``     database ``sakila`` (loaded as superuser)
``load_chinook_mysql(kw, db)``         database ``Chinook``, PascalCase tables
``load_sakila_mysql(kw, db)``          database ``sakila``
=====================================  =====================================

Every loader is idempotent and cheap on a second call: it first counts the rows of
every table of the dataset (one query) and returns when all counts are the expected
ones; otherwise it drops and rebuilds the target, then counts again and raises
``DatasetError`` on any difference. Tests must therefore not commit changes to these
databases (use a transaction that is rolled back, or copy the data). Concurrent
callers (pytest-xdist workers) are serialised by an advisory lock on PostgreSQL and
MariaDB, and SQLite files are built under a temporary name and renamed into place.

Script handling, and why:

- Chinook's PostgreSQL and MySQL scripts start with DROP/CREATE DATABASE and
  ``\\c chinook`` / ``USE `Chinook```; those lines are replaced by our own so the target
  name is the caller's and the client needs no psql.
- Sakila's PostgreSQL data runs ``ALTER TABLE ... DISABLE TRIGGER ALL``, which only a
  superuser may do (it disables the foreign-key triggers), so Sakila is loaded as the
  superuser (``postgres``/``postgres``, created by scripts/pg-up.sh; override with
  ``superuser=`` or AR_PG_SUPERUSER/AR_PG_SUPERPASSWORD). The schema's ``OWNER TO
  postgres`` is rewritten to the caller's role, which also owns the database, so the
  tests can do anything to it as the app user. Its ``COPY ... FROM stdin`` blocks are
  fed through ``cursor.copy()``.
- MySQL scripts use the client-side ``DELIMITER`` command (Sakila's triggers and
  routines); the runner splits on it and sends ``;``-separated runs as one
  multi-statement query (the server's parser, not ours, splits those).
"""
from __future__ import annotations

import gzip
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "DatasetError",
    "FIXTURES",
    "CHINOOK_COUNTS",
    "CHINOOK_PG_COUNTS",
    "SAKILA_COUNTS",
    "SAKILA_PG_COUNTS",
    "load_chinook_sqlite",
    "load_sakila_sqlite",
    "load_chinook_postgresql",
    "load_sakila_postgresql",
    "load_chinook_mysql",
    "load_sakila_mysql",
    "postgresql_params_from_env",
    "mysql_params_from_env",
    "dataset_url",
]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Row counts of the upstream data, identical on every engine (tests/fixtures/README.md).
CHINOOK_COUNTS = {
    "Album": 347, "Artist": 275, "Customer": 59, "Employee": 8, "Genre": 25,
    "Invoice": 412, "InvoiceLine": 2240, "MediaType": 5, "Playlist": 18,
    "PlaylistTrack": 8715, "Track": 3503,
}
CHINOOK_PG_COUNTS = {
    re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower(): n for name, n in CHINOOK_COUNTS.items()
}
# PostgreSQL's Sakila has no film_text table; its empty payment_p2007_* children are left out.
SAKILA_PG_COUNTS = {
    "actor": 200, "address": 603, "category": 16, "city": 600, "country": 109,
    "customer": 599, "film": 1000, "film_actor": 5462, "film_category": 1000,
    "inventory": 4581, "language": 6, "payment": 16049, "rental": 16044,
    "staff": 2, "store": 2,
}
SAKILA_COUNTS = {**SAKILA_PG_COUNTS, "film_text": 1000}

_CHINOOK_SQLITE = FIXTURES / "chinook" / "Chinook_Sqlite.sql"
_CHINOOK_PG = FIXTURES / "chinook" / "Chinook_PostgreSql.sql"
_CHINOOK_MYSQL = FIXTURES / "chinook" / "Chinook_MySql.sql"
_SAKILA = FIXTURES / "sakila"


class DatasetError(RuntimeError):
    """A dataset could not be loaded, or loaded with the wrong row counts."""


def _read(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return f.read()


def _replace_once(text: str, pattern: str, repl: str, what: str) -> str:
    """Substitute a header line that must be there exactly once, so that a changed
    fixture fails loudly instead of loading into the wrong database."""
    new, n = re.subn(pattern, lambda _m: repl, text, count=1, flags=re.M | re.I)
    if n != 1:
        raise DatasetError(f"{what}: expected line matching {pattern!r} not found")
    return new


def _count_sql(tables: Mapping[str, int], quote: str) -> str:
    q = lambda name: f"{quote}{name}{quote}"  # noqa: E731 - names are our own constants
    return " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {q(t)}" for t in tables)


def _diff(expected: Mapping[str, int], got: Mapping[str, int]) -> dict[str, tuple]:
    return {t: (n, got.get(t)) for t, n in expected.items() if got.get(t) != n}


def _verify(what: str, expected: Mapping[str, int], got: Mapping[str, int]) -> None:
    bad = _diff(expected, got)
    if bad:
        detail = ", ".join(f"{t}: expected {e}, got {g}" for t, (e, g) in bad.items())
        raise DatasetError(f"{what} loaded with wrong row counts: {detail}")


# --- SQLite ---------------------------------------------------------------------------

def _sqlite_counts(path: str, tables: Mapping[str, int]) -> dict[str, int]:
    if not os.path.exists(path):
        return {}
    con = sqlite3.connect(path)
    try:
        return dict(con.execute(_count_sql(tables, '"')).fetchall())
    except sqlite3.Error:  # missing table, not a database, ...
        return {}
    finally:
        con.close()


def _load_sqlite(path: str, what: str, tables: Mapping[str, int], scripts: list[Path],
                 force: bool) -> None:
    path = os.fspath(path)
    if not force and not _diff(tables, _sqlite_counts(path, tables)):
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    con = sqlite3.connect(tmp)
    try:
        # A throwaway file renamed into place only when complete: no journal, no fsync.
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        for script in scripts:
            con.executescript(_read(script))
        con.commit()
    except sqlite3.Error as exc:
        con.close()
        os.remove(tmp)
        raise DatasetError(f"{what}: {exc}") from exc
    con.close()
    try:
        _verify(what, tables, _sqlite_counts(tmp, tables))
    except DatasetError:
        os.remove(tmp)
        raise
    os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one


def load_chinook_sqlite(path: str, *, force: bool = False) -> None:
    """Create (or reuse) the SQLite file ``path`` holding Chinook."""
    _load_sqlite(path, f"Chinook into SQLite {path}", CHINOOK_COUNTS, [_CHINOOK_SQLITE], force)


def load_sakila_sqlite(path: str, *, force: bool = False) -> None:
    """Create (or reuse) the SQLite file ``path`` holding Sakila."""
    scripts = [_SAKILA / "sqlite" / "sqlite-sakila-schema.sql",
               _SAKILA / "sqlite" / "sqlite-sakila-insert-data.sql.gz"]
    _load_sqlite(path, f"Sakila into SQLite {path}", SAKILA_COUNTS, scripts, force)


# --- PostgreSQL (psycopg 3) -----------------------------------------------------------

def postgresql_params_from_env() -> dict[str, Any]:
    """psycopg.connect() keywords for the app user, from the PG* variables `make test`
    exports (defaults: the server of scripts/pg-up.sh)."""
    env = os.environ.get
    return {"host": env("PGHOST", "127.0.0.1"), "port": int(env("PGPORT", "56432")),
            "user": env("PGUSER", "orm"), "password": env("PGPASSWORD", "orm"),
            "dbname": env("PGDATABASE", "orm_test")}


def _pg_counts(kw: Mapping[str, Any], dbname: str, tables: Mapping[str, int]) -> dict:
    import psycopg

    try:
        with psycopg.connect(**{**kw, "dbname": dbname}, autocommit=True) as con:
            return dict(con.execute(_count_sql(tables, '"')).fetchall())
    except psycopg.OperationalError as exc:
        if "does not exist" in str(exc):  # the database itself is missing
            return {}
        raise
    except psycopg.errors.UndefinedTable:
        return {}


@contextmanager
def _pg_admin(kw: Mapping[str, Any], dbname: str) -> Iterator[Any]:
    """An autocommit connection to the maintenance database (the one in ``kw``, else
    ``postgres``), holding an advisory lock named after the target database."""
    import psycopg

    with psycopg.connect(**{"dbname": "postgres", **kw}, autocommit=True) as con:
        con.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"activerecord-tests:{dbname}",))
        yield con


def _pg_recreate(admin: Any, dbname: str, owner: str) -> None:
    from psycopg import sql

    # FORCE (PostgreSQL 13+) ends sessions left on a database whose data went wrong.
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
    admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
        sql.Identifier(dbname), sql.Identifier(owner)))


def _pg_run_script(con: Any, text: str) -> None:
    """Run a psql-style script: SQL goes as simple-protocol batches (no parameters, so
    psycopg sends it unparsed), each ``COPY ... FROM stdin`` block through cursor.copy()."""
    batch: list[str] = []
    lines = iter(text.splitlines(keepends=True))
    for line in lines:
        if not re.match(r"COPY\s.*\sFROM\s+stdin;\s*$", line, re.I):
            batch.append(line)
            continue
        if "".join(batch).strip():
            con.execute("".join(batch))
        batch = []
        data = []
        for row in lines:
            if row.rstrip("\r\n") == "\\.":
                break
            data.append(row)
        with con.cursor().copy(line.rstrip().rstrip(";")) as copy:
            copy.write("".join(data))
    if "".join(batch).strip():
        con.execute("".join(batch))


def load_chinook_postgresql(conninfo_kwargs: Mapping[str, Any], dbname: str = "chinook", *,
                            force: bool = False) -> None:
    """Create (or reuse) database ``dbname`` holding Chinook, owned by the connecting role
    (which needs CREATEDB). ``conninfo_kwargs`` are psycopg.connect() keywords; their
    ``dbname``, if any, is used as the maintenance database."""
    import psycopg

    what = f"Chinook into PostgreSQL database {dbname}"
    kw = dict(conninfo_kwargs)
    with _pg_admin(kw, dbname) as admin:
        if not force and not _diff(CHINOOK_PG_COUNTS, _pg_counts(kw, dbname, CHINOOK_PG_COUNTS)):
            return
        text = _read(_CHINOOK_PG)
        text = _replace_once(text, r"^DROP DATABASE IF EXISTS chinook;$", "", what)
        text = _replace_once(text, r"^CREATE DATABASE chinook;$", "", what)
        text = _replace_once(text, r"^\\c chinook;?$", "", what)
        _pg_recreate(admin, dbname, admin.info.user)
        try:
            with psycopg.connect(**{**kw, "dbname": dbname}) as con:
                _pg_run_script(con, text)  # one transaction; committed by the with block
        except psycopg.Error as exc:
            raise DatasetError(f"{what}: {exc}") from exc
        _verify(what, CHINOOK_PG_COUNTS, _pg_counts(kw, dbname, CHINOOK_PG_COUNTS))


def load_sakila_postgresql(conninfo_kwargs: Mapping[str, Any], dbname: str = "sakila", *,
                           superuser: tuple[str, str] | None = None, force: bool = False) -> None:
    """Create (or reuse) database ``dbname`` holding Sakila. The connecting role (from
    ``conninfo_kwargs``) owns the database and every object in it; the load itself runs as
    ``superuser`` = (user, password), default AR_PG_SUPERUSER/AR_PG_SUPERPASSWORD or
    postgres/postgres, on the same host and port."""
    import psycopg

    what = f"Sakila into PostgreSQL database {dbname}"
    kw = dict(conninfo_kwargs)
    if superuser is None:
        superuser = (os.environ.get("AR_PG_SUPERUSER", "postgres"),
                     os.environ.get("AR_PG_SUPERPASSWORD", "postgres"))
    su_kw = {**kw, "user": superuser[0], "password": superuser[1]}
    with psycopg.connect(**{"dbname": "postgres", **kw}, autocommit=True) as con:
        owner = con.info.user
    with _pg_admin(su_kw, dbname) as admin:
        if not force and not _diff(SAKILA_PG_COUNTS, _pg_counts(kw, dbname, SAKILA_PG_COUNTS)):
            return
        schema = _read(_SAKILA / "postgres" / "postgres-sakila-schema.sql")
        # Hand every object to the app role; the language stays the superuser's.
        schema, n = re.subn(
            r"^(ALTER (?:TABLE|SEQUENCE|VIEW|TYPE|DOMAIN|FUNCTION|AGGREGATE) .* OWNER TO )"
            r"postgres;$",
            lambda m: f'{m.group(1)}"{owner}";', schema, flags=re.M)
        if n < 50:
            raise DatasetError(f"{what}: only {n} OWNER TO lines found to rewrite")
        data = _read(_SAKILA / "postgres" / "postgres-sakila-insert-data-using-copy.sql.gz")
        _pg_recreate(admin, dbname, owner)
        try:
            with psycopg.connect(**{**su_kw, "dbname": dbname}) as con:
                _pg_run_script(con, schema)
                _pg_run_script(con, data)
        except psycopg.Error as exc:
            hint = " (needs a superuser: pass superuser=)" if "system trigger" in str(exc) else ""
            raise DatasetError(f"{what}: {exc}{hint}") from exc
        _verify(what, SAKILA_PG_COUNTS, _pg_counts(kw, dbname, SAKILA_PG_COUNTS))


# --- MySQL / MariaDB (PyMySQL) ----------------------------------------------------------

def mysql_params_from_env() -> dict[str, Any]:
    """pymysql.connect() keywords for the app user, from the MYSQL_* variables `make test`
    exports (defaults: the server of scripts/mariadb-up.sh)."""
    env = os.environ.get
    return {"host": env("MYSQL_HOST", "127.0.0.1"), "port": int(env("MYSQL_PORT", "33706")),
            "user": env("MYSQL_USER", "orm"), "password": env("MYSQL_PASSWORD", "orm"),
            "database": env("MYSQL_DATABASE", "orm_test")}


@contextmanager
def _my_admin(kw: Mapping[str, Any], dbname: str) -> Iterator[Any]:
    """An autocommit multi-statement connection with no default database, holding a
    named lock for the target database (released when the connection closes)."""
    import pymysql
    from pymysql.constants import CLIENT

    args = {k: v for k, v in kw.items() if k not in ("database", "db")}
    con = pymysql.connect(**args, charset="utf8mb4", autocommit=True,
                          client_flag=CLIENT.MULTI_STATEMENTS)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT GET_LOCK(%s, 600)", (f"activerecord-tests:{dbname}",))
            if cur.fetchone()[0] != 1:
                raise DatasetError(f"timed out waiting for the load lock of {dbname}")
        yield con
    finally:
        con.close()


def _my_counts(con: Any, dbname: str, tables: Mapping[str, int]) -> dict:
    import pymysql

    try:
        with con.cursor() as cur:
            cur.execute(f"USE `{dbname}`")
            cur.execute(_count_sql(tables, "`"))
            return {t: int(n) for t, n in cur.fetchall()}
    except pymysql.err.OperationalError as exc:  # 1049 unknown database
        if exc.args[0] == 1049:
            return {}
        raise
    except pymysql.err.ProgrammingError as exc:  # 1146 table doesn't exist
        if exc.args[0] == 1146:
            return {}
        raise


def _my_exec(cur: Any, text: str) -> None:
    """Run one or several statements, draining every result so that an error in any of
    them is raised here. Chunks of nothing but comments are skipped: the server answers
    them with 1065 'Query was empty'."""
    bare = re.sub(r"/\*.*?\*/|--[^\n]*|#[^\n]*", "", text, flags=re.S)
    if not bare.strip(" \t\r\n;"):
        return
    cur.execute(text)
    while cur.nextset():
        pass


def _my_run_script(con: Any, text: str) -> None:
    """Run a mysql-client script, honouring its ``DELIMITER`` lines."""
    delimiter, chunk = ";", []

    def flush() -> None:
        body = "".join(chunk)
        chunk.clear()
        with con.cursor() as cur:
            if delimiter == ";":
                _my_exec(cur, body)
            else:
                for statement in body.split(delimiter):
                    _my_exec(cur, statement)

    for line in text.splitlines(keepends=True):
        m = re.match(r"\s*DELIMITER\s+(\S+)\s*$", line, re.I)
        if m:
            flush()
            delimiter = m.group(1)
        else:
            chunk.append(line)
    flush()


def _load_mysql(kw: Mapping[str, Any], dbname: str, what: str, tables: Mapping[str, int],
                scripts: list[str], force: bool) -> None:
    import pymysql

    with _my_admin(kw, dbname) as con:
        if not force and not _diff(tables, _my_counts(con, dbname, tables)):
            return
        try:
            with con.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS `{dbname}`")
                cur.execute(f"CREATE DATABASE `{dbname}`")
                cur.execute(f"USE `{dbname}`")
            for text in scripts:
                _my_run_script(con, text)
        except pymysql.MySQLError as exc:
            raise DatasetError(f"{what}: {exc}") from exc
        _verify(what, tables, _my_counts(con, dbname, tables))


def load_chinook_mysql(conn_kwargs: Mapping[str, Any], dbname: str = "Chinook", *,
                       force: bool = False) -> None:
    """Create (or reuse) database ``dbname`` holding Chinook. ``conn_kwargs`` are
    pymysql.connect() keywords (their ``database`` is ignored); the user needs CREATE and
    DROP on ``dbname``. MariaDB table names are case-sensitive here: `Chinook`.`Album`."""
    what = f"Chinook into MySQL database {dbname}"
    text = _read(_CHINOOK_MYSQL)
    text = _replace_once(text, r"^DROP DATABASE IF EXISTS `Chinook`;$", "", what)
    text = _replace_once(text, r"^CREATE DATABASE `Chinook`;$", "", what)
    text = _replace_once(text, r"^USE `Chinook`;$", "", what)
    _load_mysql(conn_kwargs, dbname, what, CHINOOK_COUNTS, [text], force)


def load_sakila_mysql(conn_kwargs: Mapping[str, Any], dbname: str = "sakila", *,
                      force: bool = False) -> None:
    """Create (or reuse) database ``dbname`` holding Sakila (triggers, views, routines
    included; binary logging must be off or the user needs SUPER for the functions)."""
    what = f"Sakila into MySQL database {dbname}"
    schema = _read(_SAKILA / "mysql" / "mysql-sakila-schema.sql")
    schema = _replace_once(schema, r"^DROP SCHEMA IF EXISTS sakila;$", "", what)
    schema = _replace_once(schema, r"^CREATE SCHEMA sakila;$", "", what)
    schema = _replace_once(schema, r"^USE sakila;$", "", what)
    schema = re.sub(r"\bsakila\.", f"`{dbname}`.", schema)  # the film_list/actor_info views
    data = _read(_SAKILA / "mysql" / "mysql-sakila-insert-data.sql.gz")
    _load_mysql(conn_kwargs, dbname, what, SAKILA_COUNTS, [schema, data], force)


# --- self-check -----------------------------------------------------------------------

def dataset_url(config, dbname: str) -> str:
    """The URL of database ``dbname`` on the server of ``config`` (a parsed
    ``DatabaseConfig`` of PostgreSQL or MySQL), with the same user and password."""
    from urllib.parse import quote
    auth = f"{quote(config.user or '', safe='')}:{quote(config.password or '', safe='')}"
    suffix = "?charset=utf8mb4" if config.scheme == "mysql" else ""
    return f"{config.scheme}://{auth}@{config.host}:{config.port}/{dbname}{suffix}"


def _main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tests.support.datasets",
        description="Load every dataset into the engines named (servers from the PG*/MYSQL_* "
                    "variables, defaults: scripts/pg-up.sh and scripts/mariadb-up.sh) and "
                    "check the row counts.")
    parser.add_argument("--check", action="store_true", help="load (if needed) and verify all")
    default_dbs = os.environ.get("AR_TEST_DATABASES", "sqlite,postgresql,mysql")
    parser.add_argument("--db", default=default_dbs,
                        help="comma list of sqlite, postgresql, mysql (default: %(default)s)")
    parser.add_argument("--sqlite-dir", default="/tmp/activerecord-datasets")
    parser.add_argument("--force", action="store_true", help="rebuild even when loaded")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 2
    os.makedirs(args.sqlite_dir, exist_ok=True)
    sq = lambda name: os.path.join(args.sqlite_dir, name)  # noqa: E731
    jobs = {
        "sqlite": [("chinook", load_chinook_sqlite, (sq("chinook.sqlite3"),)),
                   ("sakila", load_sakila_sqlite, (sq("sakila.sqlite3"),))],
        "postgresql": [("chinook", load_chinook_postgresql, (postgresql_params_from_env(),)),
                       ("sakila", load_sakila_postgresql, (postgresql_params_from_env(),))],
        "mysql": [("Chinook", load_chinook_mysql, (mysql_params_from_env(),)),
                  ("sakila", load_sakila_mysql, (mysql_params_from_env(),))],
    }
    for db in filter(None, (d.strip() for d in args.db.split(","))):
        for name, loader, loader_args in jobs[db]:
            start = time.perf_counter()
            loader(*loader_args, force=args.force)
            print(f"{db:10} {name:8} ok  {time.perf_counter() - start:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
