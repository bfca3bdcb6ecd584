"""Driver errors become ``activerecord.errors`` by SQLSTATE; lost connections are
replaced; connect errors name host, port and database, never the password."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import psycopg
import pytest

from activerecord import errors


def q(db, name):
    return db.dialect.quote_identifier(name)


@pytest.fixture
def pair(pg, tables):
    parent = tables("p", "CREATE TABLE {t} (id int PRIMARY KEY, code varchar(5) UNIQUE, "
                         "qty smallint, name varchar(3) NOT NULL, n int CHECK (n > 0))")
    child = tables("c", f"CREATE TABLE {{t}} (id serial PRIMARY KEY, "
                        f"pid int NOT NULL REFERENCES {q(pg, parent)} (id))")
    pg.run(f"INSERT INTO {q(pg, parent)} (id, code, name) VALUES (1, 'a', 'x')", [])
    return q(pg, parent), q(pg, child)


def raises(pg, cls, sql, params=()):
    with pytest.raises(cls) as info:
        pg.run(sql, list(params))
    assert isinstance(info.value.__cause__, psycopg.Error)
    assert info.value.sql == sql
    return info.value


def test_unique_violation(pg, pair):
    parent, _ = pair
    err = raises(pg, errors.RecordNotUnique,
                 f"INSERT INTO {parent} (id, code, name) VALUES (%s, %s, %s)", (2, "a", "y"))
    assert err.params == [2, "a", "y"]
    raises(pg, errors.RecordNotUnique, f"INSERT INTO {parent} (id, name) VALUES (1, 'z')")


def test_foreign_key_violation(pg, pair):
    parent, child = pair
    raises(pg, errors.InvalidForeignKey, f"INSERT INTO {child} (pid) VALUES (99)")
    pg.run(f"INSERT INTO {child} (pid) VALUES (1)", [])
    raises(pg, errors.InvalidForeignKey, f"DELETE FROM {parent}")


def test_not_null_violation(pg, pair):
    parent, _ = pair
    raises(pg, errors.NotNullViolation, f"INSERT INTO {parent} (id) VALUES (5)")


def test_other_constraints_are_integrity_errors(pg, pair):
    parent, _ = pair
    err = raises(pg, errors.IntegrityError,
                 f"INSERT INTO {parent} (id, name, n) VALUES (6, 'x', -1)")
    assert type(err) is errors.IntegrityError  # 23514 check_violation


def test_undefined_table_names_table_and_database(pg, pg_url):
    err = raises(pg, errors.TableNotFound, 'SELECT 1 FROM "no_such_Table"')
    msg = str(err)
    assert "'no_such_Table'" in msg and "orm_test" in msg
    password = urllib.parse.urlsplit(pg_url).password
    assert f":{password}@" not in msg
    # Through the public execute() too.
    with pytest.raises(errors.TableNotFound):
        pg.execute("SELECT 1 FROM no_such_table_either")


def test_undefined_column(pg, pair):
    parent, _ = pair
    raises(pg, errors.ColumnNotFound, f"SELECT nope FROM {parent}")


@pytest.mark.parametrize("sql", [
    "SELECT 1 / 0",                              # 22012 division_by_zero
    "SELECT 'abc'::int",                         # 22P02 invalid_text_representation
    "SELECT 40000::smallint",                    # 22003 numeric_value_out_of_range
    "SELECT 'x'::date",                          # 22007 invalid_datetime_format
])
def test_data_errors(pg, sql):
    raises(pg, errors.DataError, sql)


def test_value_too_long_is_a_data_error(pg, pair):
    parent, _ = pair
    raises(pg, errors.DataError, f"INSERT INTO {parent} (id, name) VALUES (7, 'toolong')")


@pytest.mark.parametrize("sql", [
    "SELEC 1",                                   # 42601 syntax_error
    "SELECT no_such_function(1)",                # 42883 undefined_function
    "SELECT 1 + 'a'::text",                      # 42883 operator does not exist
])
def test_programming_errors(pg, sql):
    err = raises(pg, errors.ProgrammingError, sql)
    assert not isinstance(err, (errors.TableNotFound, errors.ColumnNotFound))


def test_statement_timeout_is_operational_and_keeps_the_connection(pg):
    with pytest.raises(errors.OperationalError) as info, pg.transaction():
        pg.execute("SET LOCAL statement_timeout = 50")
        pg.execute("SELECT pg_sleep(2)")
    assert not isinstance(info.value, errors.ConnectionError)  # 57014 query_canceled
    assert not pg.adapter.is_disconnect(info.value.__cause__)
    assert pg.execute("SELECT 1").rows == [(1,)]


def test_deadlock(pg, pair):
    parent, _ = pair
    pg.run(f"INSERT INTO {parent} (id, name) VALUES (2, 'y')", [])
    barrier = threading.Barrier(2, timeout=10)
    outcome: list = []

    def worker(first, second):
        try:
            with pg.transaction():
                pg.run(f"UPDATE {parent} SET qty = 1 WHERE id = %s", [first])
                barrier.wait()
                pg.run(f"UPDATE {parent} SET qty = 2 WHERE id = %s", [second])
            outcome.append(None)
        except Exception as exc:  # noqa: BLE001
            outcome.append(exc)

    threads = [threading.Thread(target=worker, args=(1, 2)),
               threading.Thread(target=worker, args=(2, 1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    failed = [e for e in outcome if e is not None]
    assert len(failed) == 1 and isinstance(failed[0], errors.DeadlockError), outcome


def test_serialization_failure(pg, pair):
    parent, _ = pair
    with pytest.raises(errors.SerializationFailure), pg.transaction():
        pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        pg.run(f"SELECT qty FROM {parent} WHERE id = 1", [])  # takes the snapshot
        done = []
        other = threading.Thread(target=lambda: done.append(
            pg.run(f"UPDATE {parent} SET qty = 5 WHERE id = 1", [])))
        other.start()
        other.join(10)
        assert done
        pg.run(f"UPDATE {parent} SET qty = 6 WHERE id = 1", [])


# -- lost connections ------------------------------------------------------------------
def backend_pids(db) -> set:
    return {r[0] for r in db.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND usename = current_user AND pid <> pg_backend_pid()").rows}


def terminate(pg, pid):
    assert pg.execute("SELECT pg_terminate_backend(?)", [pid]).rows == [(True,)]


def test_terminated_pooled_connection_then_the_next_read_succeeds(pg, open_db):
    db = open_db(pool_size=1, ping_interval=None)  # no ping: the failure must be seen
    pid = db.execute("SELECT pg_backend_pid()").rows[0][0]
    terminate(pg, pid)
    time.sleep(0.05)
    from activerecord.sql import nodes as n
    select = n.Select(n.Table("pg_stat_activity"),
                      (n.Raw("pg_backend_pid()"),), limit=1)
    (row,) = db.select_rows(select)  # an ORM-built read: retried once on a new connection
    assert row[0] != pid
    assert db.pool.stats()["open"] == 1


def test_terminated_connection_fails_one_write_then_is_replaced(pg, open_db, tables):
    table = tables("w", "CREATE TABLE {t} (x int)")
    db = open_db(pool_size=1, ping_interval=None)
    pid = db.execute("SELECT pg_backend_pid()").rows[0][0]
    terminate(pg, pid)
    time.sleep(0.05)
    with pytest.raises(errors.ConnectionError) as info:
        db.execute(f"INSERT INTO {q(db, table)} VALUES (1)")  # writes are never retried
    assert db.adapter.is_disconnect(info.value.__cause__)
    assert info.value.__cause__.sqlstate == "57P01"
    db.execute(f"INSERT INTO {q(db, table)} VALUES (2)")
    assert db.execute(f"SELECT x FROM {q(db, table)}").rows == [(2,)]


def test_idle_connection_is_pinged_and_replaced(pg, open_db):
    db = open_db(pool_size=1, ping_interval=0)  # ping before every reuse
    pid = db.execute("SELECT pg_backend_pid()").rows[0][0]
    terminate(pg, pid)
    time.sleep(0.05)
    # Not an ORM read (no retry): works only because the ping found the dead one.
    assert db.execute("SELECT pg_backend_pid()").rows[0][0] != pid


def test_terminated_inside_a_transaction(pg, open_db):
    db = open_db(pool_size=1)
    with pytest.raises(errors.ConnectionError), db.transaction():
        terminate(pg, db.execute("SELECT pg_backend_pid()").rows[0][0])
        time.sleep(0.05)
        db.execute("SELECT 1")
    assert db.execute("SELECT 1").rows == [(1,)]
    assert db.pool.stats()["open"] == 1


def test_idle_in_transaction_timeout_is_a_disconnect(pg, open_db):
    db = open_db(pool_size=1)
    with pytest.raises(errors.ConnectionError) as info, db.transaction():
        db.execute("SET LOCAL idle_in_transaction_session_timeout = 100")
        time.sleep(0.5)  # the server ends the session (FATAL 25P03)
        db.execute("SELECT 1")
    assert db.adapter.is_disconnect(info.value.__cause__)
    assert db.execute("SELECT 1").rows == [(1,)]


def test_closed_connection_is_a_disconnect(pg, open_db):
    db = open_db(pool_size=1, ping_interval=None)
    conn = db.pool.checkout()
    db.pool.checkin(conn)
    conn.close()  # closed while idle in the pool (one given back closed is discarded)
    with pytest.raises(errors.ConnectionError) as info:
        db.execute("SELECT 1")
    assert "closed" in str(info.value)
    assert db.execute("SELECT 1").rows == [(1,)]


def test_pool_timeout_says_how_many_are_in_use(pg, open_db):
    db = open_db(pool_size=2, pool_timeout=0.2)
    held = [db.pool.checkout(), db.pool.checkout()]
    try:
        start = time.monotonic()
        with pytest.raises(errors.ConnectionTimeoutError) as info:
            db.execute("SELECT 1")
        assert time.monotonic() - start < 2
        msg = str(info.value)
        assert "2 of 2 connections are in use" in msg and "0.2s" in msg
        assert "orm_test" in msg and "orm:orm@" not in msg
    finally:
        for conn in held:
            db.pool.checkin(conn)
    assert db.execute("SELECT 1").rows == [(1,)]


# -- connecting ------------------------------------------------------------------------
def url_with(pg_url, *, password=None, port=None, database=None, query=""):
    parts = urllib.parse.urlsplit(pg_url)
    user = parts.username
    pw = urllib.parse.quote(password if password is not None else parts.password, safe="")
    host = f"{parts.hostname}:{port or parts.port}"
    db = database or parts.path.lstrip("/")
    return f"postgresql://{user}:{pw}@{host}/{db}{query}"


def connect_error(open_db, url, **options):
    db = open_db(url, **options)
    start = time.monotonic()
    with pytest.raises(errors.ConnectionError) as info:
        db.execute("SELECT 1")
    return str(info.value), time.monotonic() - start, info.value


def test_wrong_password(pg_url, open_db):
    secret = "s3cr3t-Pa55-w0rd"
    msg, took, err = connect_error(open_db, url_with(pg_url, password=secret))
    parts = urllib.parse.urlsplit(pg_url)
    assert secret not in msg and urllib.parse.quote(secret) not in msg
    assert parts.hostname in msg and str(parts.port) in msg and "orm_test" in msg
    assert "password authentication failed" in msg
    assert took < 5
    assert isinstance(err.__cause__, psycopg.OperationalError)


def test_missing_database(pg_url, open_db):
    msg, took, _ = connect_error(open_db, url_with(pg_url, database="no_such_db_x"))
    assert "no_such_db_x" in msg and "does not exist" in msg
    assert str(urllib.parse.urlsplit(pg_url).port) in msg


def test_nothing_listening(pg_url, open_db):
    with socket.socket() as s:  # a free port: bound, then closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    msg, took, _ = connect_error(open_db, url_with(pg_url, port=port))
    assert f"127.0.0.1:{port}" in msg and "orm_test" in msg
    assert took < 5


def test_connect_timeout_bounds_a_silent_server(pg_url, open_db):
    # A server that accepts TCP and never answers: only connect_timeout ends the wait.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    try:
        msg, took, _ = connect_error(open_db, url_with(pg_url, port=port), connect_timeout=2)
    finally:
        server.close()
    assert took < 6, took  # libpq's minimum timeout is 2 s
    assert f"127.0.0.1:{port}" in msg


def test_invalid_connection_option_is_a_configuration_error(pg_url, open_db):
    db = open_db(url_with(pg_url, query="?no_such_libpq_option=1"))
    with pytest.raises(errors.ConfigurationError) as info:
        db.execute("SELECT 1")
    assert "no_such_libpq_option" in str(info.value)
