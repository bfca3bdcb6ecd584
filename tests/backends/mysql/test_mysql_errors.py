"""Driver errors become ``activerecord.errors`` by MySQL/MariaDB error code; connect
errors name host, port and database, never the password."""

from __future__ import annotations

import threading
import time
import urllib.parse

import pymysql
import pytest

from activerecord import errors
from activerecord.connection import Database


def q(db, name):
    return db.dialect.quote_identifier(name)


@pytest.fixture
def pair(mdb, tables):
    parent = tables("p", "CREATE TABLE {t} (id INT PRIMARY KEY, code VARCHAR(5) UNIQUE, "
                         "qty TINYINT, name VARCHAR(3) NOT NULL, label VARCHAR(3), "
                         "born DATE) ENGINE=InnoDB")
    child = tables("c", "CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, "
                        f"pid INT NOT NULL, FOREIGN KEY (pid) REFERENCES {q(mdb, parent)} (id)"
                        ") ENGINE=InnoDB")
    mdb.run(f"INSERT INTO {q(mdb, parent)} (id, code, name) VALUES (1, 'a', 'x')", [])
    return q(mdb, parent), q(mdb, child)


def code_of(exc_info):
    return exc_info.value.__cause__.args[0]


def test_duplicate_key_is_record_not_unique(mdb, pair):
    parent, _ = pair
    with pytest.raises(errors.RecordNotUnique) as ei:
        mdb.run(f"INSERT INTO {parent} (id, code, name) VALUES (2, 'a', 'y')", [])
    assert code_of(ei) == 1062 and "Duplicate entry" in str(ei.value)
    assert isinstance(ei.value.__cause__, pymysql.err.IntegrityError)
    assert ei.value.sql.startswith("INSERT INTO")


def test_foreign_key_violations(mdb, pair):
    parent, child = pair
    with pytest.raises(errors.InvalidForeignKey) as ei:
        mdb.run(f"INSERT INTO {child} (pid) VALUES (99)", [])
    assert code_of(ei) == 1452
    mdb.run(f"INSERT INTO {child} (pid) VALUES (1)", [])
    with pytest.raises(errors.InvalidForeignKey) as ei:
        mdb.run(f"DELETE FROM {parent} WHERE id = 1", [])
    assert code_of(ei) == 1451


def test_not_null_violations(mdb, pair):
    parent, _ = pair
    with pytest.raises(errors.NotNullViolation) as ei:
        mdb.run(f"INSERT INTO {parent} (id, name) VALUES (%s, %s)", [5, None])
    assert code_of(ei) == 1048
    with pytest.raises(errors.NotNullViolation) as ei:  # strict mode: no implicit ''
        mdb.run(f"INSERT INTO {parent} (id) VALUES (6)", [])
    assert code_of(ei) == 1364


def test_missing_table_names_table_and_database(mdb):
    with pytest.raises(errors.TableNotFound) as ei:
        mdb.execute("SELECT id FROM ar_no_such_table")
    msg = str(ei.value)
    assert msg.startswith(f"table 'ar_no_such_table' does not exist in database "
                          f"{mdb.config.database!r}")
    assert code_of(ei) == 1146
    password = mdb.config.password
    assert f":{password}@" not in msg


def test_missing_column(mdb, pair):
    parent, _ = pair
    with pytest.raises(errors.ColumnNotFound) as ei:
        mdb.run(f"SELECT nope FROM {parent}", [])
    assert code_of(ei) == 1054 and "nope" in str(ei.value)


@pytest.mark.parametrize("column, value, code", [
    ("qty", 300, 1264),            # out of range for TINYINT
    ("qty", "abc", 1366),          # incorrect integer value
    ("label", "toolong", 1406),    # data too long
    ("born", "2020-13-45", 1292),  # incorrect date value
])
def test_bad_values_are_data_errors(mdb, pair, column, value, code):
    parent, _ = pair
    with pytest.raises(errors.DataError) as ei:
        mdb.run(f"INSERT INTO {parent} (id, name, {column}) VALUES (7, 'n', %s)", [value])
    assert code_of(ei) == code


def test_syntax_and_other_programming_errors(mdb, pair):
    parent, _ = pair
    with pytest.raises(errors.ProgrammingError) as ei:
        mdb.execute("SELEKT 1")
    assert code_of(ei) == 1064
    with pytest.raises(errors.ProgrammingError) as ei:  # 1050: table exists
        mdb.run(f"CREATE TABLE {parent} (id INT)", [])
    assert code_of(ei) == 1050


def test_deadlock_is_deadlock_error(mdb, tables):
    t = q(mdb, tables("dl", "CREATE TABLE {t} (id INT PRIMARY KEY, v INT) ENGINE=InnoDB"))
    mdb.run(f"INSERT INTO {t} VALUES (1, 0), (2, 0)", [])
    first_locked, second_locked = threading.Event(), threading.Event()
    outcome = {}

    def worker(me, mine, theirs, locked, other_locked):
        try:
            with mdb.transaction():
                mdb.run(f"UPDATE {t} SET v = v + 1 WHERE id = %s", [mine])
                locked.set()
                other_locked.wait(5)
                time.sleep(0.05 * me)  # the second one closes the cycle
                mdb.run(f"UPDATE {t} SET v = v + 1 WHERE id = %s", [theirs])
            outcome[me] = "ok"
        except Exception as exc:  # noqa: BLE001
            outcome[me] = exc

    threads = [threading.Thread(target=worker, args=(0, 1, 2, first_locked, second_locked)),
               threading.Thread(target=worker, args=(1, 2, 1, second_locked, first_locked))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    failures = [v for v in outcome.values() if v != "ok"]
    assert len(failures) == 1, outcome
    assert isinstance(failures[0], errors.DeadlockError), failures
    assert failures[0].__cause__.args[0] == 1213


def test_lock_wait_timeout_is_operational_error(tables, open_db):
    db = open_db(pool_size=2)
    try:
        t = q(db, tables("lw"))
        db.run(f"CREATE TABLE {t} (id INT PRIMARY KEY) ENGINE=InnoDB", [])
        db.run(f"INSERT INTO {t} VALUES (1)", [])
        holding, done = threading.Event(), threading.Event()

        def holder():
            with db.transaction():
                db.run(f"SELECT id FROM {t} WHERE id = 1 FOR UPDATE", [])
                holding.set()
                done.wait(10)

        th = threading.Thread(target=holder)
        th.start()
        holding.wait(5)
        try:
            with pytest.raises(errors.OperationalError) as ei:
                with db.transaction():
                    db.run("SET SESSION innodb_lock_wait_timeout = 1", [])
                    try:
                        db.run(f"UPDATE {t} SET id = 2 WHERE id = 1", [])
                    finally:
                        db.run("SET SESSION innodb_lock_wait_timeout = DEFAULT", [])
        finally:
            done.set()
            th.join(10)
        assert code_of(ei) == 1205
        assert not isinstance(ei.value, (errors.DeadlockError, errors.ConnectionError))
    finally:
        db.close()


def test_closed_connection_is_a_disconnect(mdb):
    adapter = mdb.adapter
    conn = adapter.connect()
    conn.close()
    with pytest.raises(pymysql.err.InterfaceError) as ei:
        adapter.execute(conn, "SELECT 1", ())
    assert adapter.is_disconnect(ei.value)
    err = adapter.translate_error(ei.value, "SELECT 1", ())
    assert isinstance(err, errors.ConnectionError)
    assert not adapter.ping(conn)


def test_killed_connection_is_a_disconnect(mdb):
    adapter = mdb.adapter
    conn = adapter.connect()
    try:
        victim = adapter.execute(conn, "SELECT CONNECTION_ID()", ()).fetchone()[0]
        mdb.run("KILL %s", [victim])
        time.sleep(0.05)
        with pytest.raises(pymysql.err.MySQLError) as ei:
            adapter.execute(conn, "SELECT 1", ())
        assert ei.value.args[0] in (2006, 2013, 1927, 4031) or isinstance(
            ei.value, pymysql.err.InterfaceError)
        assert adapter.is_disconnect(ei.value)
        err = adapter.translate_error(ei.value)
        assert isinstance(err, errors.ConnectionError)
        assert mdb.config.safe_url() in str(err)
    finally:
        adapter.close(conn)


@pytest.mark.parametrize("code", [2006, 2013, 2055, 4031, 1927])
def test_gone_away_codes_are_disconnects(mdb, code):
    # 4031 is MySQL 8.0.24+'s idle-timeout notice, 1927 MariaDB's "connection was
    # killed": both reach PyMySQL as an OperationalError carrying the code.
    exc = pymysql.err.OperationalError(code, "MySQL server has gone away")
    assert mdb.adapter.is_disconnect(exc)
    assert isinstance(mdb.adapter.translate_error(exc), errors.ConnectionError)
    assert not mdb.adapter.is_disconnect(pymysql.err.OperationalError(1205, "lock wait"))


def _url(mysql_url, password=None, database=None, port=None):
    parts = urllib.parse.urlsplit(mysql_url)
    netloc = f"{parts.username}:{urllib.parse.quote(password or parts.password, safe='')}" \
             f"@{parts.hostname}:{port or parts.port}"
    path = "/" + (database or parts.path.lstrip("/"))
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def _connect_error(url, **options):
    db = Database(url, **options)
    try:
        started = time.monotonic()
        with pytest.raises(errors.ConnectionError) as ei:
            db.execute("SELECT 1")
        return ei.value, time.monotonic() - started
    finally:
        db.close()


def test_wrong_password_names_server_not_password(mdb, mysql_url):
    secret = "Wr0ng-s3cret%@:pw"
    err, elapsed = _connect_error(_url(mysql_url, password=secret))
    msg = str(err)
    cfg = mdb.config
    assert f"{cfg.host}:{cfg.port}" in msg and repr(cfg.database) in msg
    assert "1045" in msg and "Access denied" in msg
    assert secret not in msg and secret not in repr(err)
    assert urllib.parse.quote(secret, safe="") not in msg
    assert err.__cause__.args[0] == 1045
    assert elapsed < 5


def test_unknown_database(mysql_url):
    err, _ = _connect_error(_url(mysql_url, database="ar_no_such_database"))
    assert "1049" in str(err) and "ar_no_such_database" in str(err)


def test_cannot_connect_is_prompt(mysql_url):
    # Nothing listens on port 1: refused at once.
    err, elapsed = _connect_error(_url(mysql_url, port=1))
    assert "2003" in str(err) and ":1," in str(err)
    assert elapsed < 5


def test_connect_timeout_option(mdb):
    # A non-routable address (or, behind some NATs, one that accepts the TCP
    # connection and never answers): connect_timeout (seconds) bounds the wait.
    url = "mysql://orm:orm@10.255.255.1:3306/orm_test?connect_timeout=1"
    err, elapsed = _connect_error(url)
    assert "10.255.255.1:3306" in str(err)
    assert elapsed < 4


def test_unknown_url_option_is_a_configuration_error():
    with pytest.raises(errors.ConfigurationError) as ei:
        Database("mysql://orm:secretpw@127.0.0.1:33706/orm_test?unix_sock=/tmp/x")
    assert "unix_sock" in str(ei.value) and "unix_socket" in str(ei.value)
    assert "secretpw" not in str(ei.value)
