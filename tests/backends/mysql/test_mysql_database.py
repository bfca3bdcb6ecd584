"""The core Database end to end on MySQL/MariaDB: session setup, `%` handling,
LIMIT/OFFSET, default-values INSERT, ilike, NULLS ordering, transactions and
savepoints, key retrieval (RETURNING on MariaDB >= 10.5, lastrowid elsewhere), pool
behaviour after KILL, pool timeout, URLs (unix socket, percent-encoded password)."""

from __future__ import annotations

import dataclasses
import os
import threading
import urllib.parse
import uuid

import pytest

from activerecord import Model, errors
from activerecord.connection import Database
from activerecord.sql import nodes as n


def q(db, name):
    return db.dialect.quote_identifier(name)


# -- session -----------------------------------------------------------------------
def test_session_is_utc_strict_utf8mb4(mdb):
    (tz, mode, charset, autocommit), = mdb.execute(
        "SELECT @@session.time_zone, @@session.sql_mode, @@character_set_connection, "
        "@@autocommit").rows
    assert tz == "+00:00"
    assert "STRICT_TRANS_TABLES" in mode.split(",") or "STRICT_ALL_TABLES" in mode.split(",")
    assert charset == "utf8mb4"
    assert autocommit == 1


@pytest.mark.parametrize("server_mode, expected", [
    ("", "STRICT_TRANS_TABLES"),
    ("NO_ENGINE_SUBSTITUTION", "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"),
    ("STRICT_ALL_TABLES", "STRICT_ALL_TABLES"),
    ("STRICT_TRANS_TABLES,ANSI_QUOTES", "ANSI_QUOTES,STRICT_TRANS_TABLES"),
])
def test_strict_mode_is_added_to_a_lax_server_mode(mdb, server_mode, expected):
    from backends.mysql.adapter import _SESSION_SQL
    conn = mdb.adapter.connect()
    try:
        cur = conn.cursor()
        cur.execute("SET SESSION sql_mode = %s", (server_mode,))
        cur.execute(_SESSION_SQL, ())  # what every new connection runs first
        cur.execute("SELECT @@session.sql_mode", ())
        # The server lists a SET's members in its own order: compare as sets.
        assert set(cur.fetchone()[0].split(",")) == set(expected.split(","))
    finally:
        mdb.adapter.close(conn)


def test_init_command_and_sql_mode_options(open_db):
    db = open_db(init_command="SET SESSION sql_mode = 'ANSI_QUOTES'")
    try:
        # The user's init_command runs after ours: it wins, as asked.
        (mode,), = db.execute("SELECT @@session.sql_mode").rows
        assert mode == "ANSI_QUOTES"
        # Backquotes work whatever the sql_mode (ANSI_QUOTES only adds double quotes).
        assert db.execute("SELECT 1 AS `x`").rows == [(1,)]
    finally:
        db.close()
    db = open_db(sql_mode="NO_ENGINE_SUBSTITUTION")
    try:
        (mode, tz), = db.execute("SELECT @@session.sql_mode, @@session.time_zone").rows
        assert (mode, tz) == ("NO_ENGINE_SUBSTITUTION", "+00:00")
    finally:
        db.close()


def test_features_from_server_version(mdb, mariadb):
    f = mdb.features
    version = f.server_version
    assert f.supports_returning == (mariadb and version >= (10, 5))
    assert not f.supports_update_returning and not f.supports_transactional_ddl
    assert f.supports_savepoints and f.supports_upsert and not f.supports_nulls_ordering
    assert f.max_parameters == 65535
    assert ("-MariaDB" in mdb.adapter.server_version_text) == mariadb


# -- SQL text ----------------------------------------------------------------------
def test_percent_in_identifiers_and_fragments(mdb, tables):
    name = tables("pct%")
    col = "50% off"
    mdb.run(f"CREATE TABLE {q(mdb, name)} (id INT AUTO_INCREMENT PRIMARY KEY, "
            f"{q(mdb, col)} VARCHAR(20))", [])

    class Sale(Model):
        table_name = name
        database = mdb

    Sale.create(**{col: "100%"})
    Sale.create(**{col: "half"})
    # Fragments are the user's SQL text: `%` is just `%` (the dialect escapes it).
    assert Sale.where("`50% off` LIKE ?", "%\\%").pluck(col) == ["100%"]
    assert Sale.where("`50% off` LIKE '%%'").count() == 2  # '%%': two wildcards
    assert Sale.where("`50% off` LIKE '1%'").pluck(col) == ["100%"]
    assert Sale.where(Sale.c[col].like("%0%")).pluck(col) == ["100%"]
    assert mdb.execute("SELECT '100%', ?, '%s'", ["%d"]).rows == [("100%", "%d", "%s")]
    assert mdb.execute("SELECT 'a%' LIKE 'a%%'").rows == [(1,)]


def test_offset_without_limit(mdb, tables):
    name = tables("off", "CREATE TABLE {t} (id INT PRIMARY KEY)")
    mdb.run(f"INSERT INTO {q(mdb, name)} VALUES (1), (2), (3), (4)", [])
    node = n.Select(n.Table(name), (n.Column("id"),), order=(n.Ordering(n.Column("id")),),
                    offset=2)
    sql, params = mdb.compile(node)
    assert "LIMIT 9223372036854775807 OFFSET %s" in sql and params == [2]
    assert mdb.run(sql, params).rows == [(3,), (4,)]
    limited = dataclasses.replace(node, limit=1, offset=1)
    assert mdb.run(*mdb.compile(limited)).rows == [(2,)]


def test_offset_without_limit_in_a_grouped_subquery(mdb, tables):
    # MariaDB adds the offset to the row count: with 2**64 - 1 it overflowed, and a
    # grouped, joined derived table inside IN matched nothing (an eager_load page).
    parent = tables("offp", "CREATE TABLE {t} (id INT PRIMARY KEY)")
    child = tables("offc", "CREATE TABLE {t} (id INT PRIMARY KEY, pid INT)")
    mdb.run(f"INSERT INTO {q(mdb, parent)} VALUES (1), (2), (3)", [])
    mdb.run(f"INSERT INTO {q(mdb, child)} VALUES (1, 1), (2, 1), (3, 2)", [])
    key = n.Column("id", parent)
    page = n.Select(n.Table(parent), (key,), joins=(n.Join(
        n.Table(child), n.Column("pid", child) == key, "LEFT"),), group=(key,),
        order=(n.Ordering(key),), offset=1)
    sql, params = mdb.compile(page)
    outer = (f"SELECT id FROM {q(mdb, parent)} WHERE id IN (SELECT p.id FROM ({sql}) "
             f"AS p) ORDER BY id")
    assert mdb.run(outer, params).rows == [(2,), (3,)]


def test_insert_of_all_defaults(mdb, tables):
    name = tables("dflt", "CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, "
                          "state VARCHAR(10) NOT NULL DEFAULT 'new')")

    class Ticket(Model):
        table_name = name
        database = mdb

    sql, _ = mdb.compile(n.Insert(n.Table(name), (), ((),)))
    assert sql.startswith(f"INSERT INTO {q(mdb, name)} () VALUES ()")
    t = Ticket.create()
    assert t.id == 1 and t.state == "new"
    assert Ticket.create().id == 2


def test_ilike_ignores_a_binary_collation(mdb, tables):
    name = tables("ci", "CREATE TABLE {t} (id INT PRIMARY KEY, "
                        "s VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)")
    mdb.run(f"INSERT INTO {q(mdb, name)} VALUES (1, 'Hello'), (2, 'HELLO'), (3, 'bye')", [])
    col = n.Column("s")

    def ids(cond):
        node = n.Select(n.Table(name), (n.Column("id"),), where=cond,
                        order=(n.Ordering(n.Column("id")),))
        return [r[0] for r in mdb.run(*mdb.compile(node)).rows]

    assert ids(col.like("hello")) == []            # LIKE follows the _bin collation
    assert ids(col.ilike("hello")) == [1, 2]       # ilike does not
    assert ids(col.ilike("h%")) == [1, 2]
    assert ids(n.Like(col, n.Param("H%"), negate=True, case_insensitive=True)) == [3]


def test_nulls_first_and_last(mdb, tables):
    name = tables("nulls", "CREATE TABLE {t} (id INT PRIMARY KEY, v INT)")
    mdb.run(f"INSERT INTO {q(mdb, name)} VALUES (1, 2), (2, NULL), (3, 1)", [])

    def order(*items):
        node = n.Select(n.Table(name), (n.Column("id"),), order=items)
        return [r[0] for r in mdb.run(*mdb.compile(node)).rows]

    v = n.Column("v")
    assert order(v.asc(nulls="last")) == [3, 1, 2]
    assert order(v.asc(nulls="first")) == [2, 3, 1]
    assert order(v.desc(nulls="first")) == [2, 1, 3]
    assert order(v.desc(nulls="last")) == [1, 3, 2]


# -- transactions --------------------------------------------------------------------
def _count(db, name):
    return db.run(f"SELECT COUNT(*) FROM {q(db, name)}", []).rows[0][0]


def test_commit_rollback_and_nested_savepoints(mdb, tables):
    name = tables("tx", "CREATE TABLE {t} (id INT PRIMARY KEY) ENGINE=InnoDB")
    ins = f"INSERT INTO {q(mdb, name)} VALUES (%s)"
    with mdb.transaction():
        mdb.run(ins, [1])
        assert mdb.in_transaction
    assert _count(mdb, name) == 1
    with pytest.raises(RuntimeError):
        with mdb.transaction():
            mdb.run(ins, [2])
            raise RuntimeError("roll back")
    assert _count(mdb, name) == 1
    with mdb.transaction():
        mdb.run(ins, [3])
        with pytest.raises(RuntimeError):
            with mdb.transaction():            # SAVEPOINT active_record_1
                mdb.run(ins, [4])
                with mdb.transaction():        # SAVEPOINT active_record_2
                    mdb.run(ins, [5])
                raise RuntimeError("back to savepoint 1")
        with mdb.transaction():
            mdb.run(ins, [6])
            with pytest.raises(errors.RecordNotUnique):
                with mdb.transaction():
                    mdb.run(ins, [6])          # fails inside savepoint 2
            mdb.run(ins, [7])
        with mdb.transaction(requires_new=False):
            mdb.run(ins, [8])
    rows = mdb.run(f"SELECT id FROM {q(mdb, name)} ORDER BY id", []).rows
    assert [r[0] for r in rows] == [1, 3, 6, 7, 8]


def test_other_connections_do_not_see_uncommitted_rows(mdb, tables):
    name = tables("iso", "CREATE TABLE {t} (id INT PRIMARY KEY) ENGINE=InnoDB")
    seen = []
    with mdb.transaction():
        mdb.run(f"INSERT INTO {q(mdb, name)} VALUES (1)", [])
        th = threading.Thread(target=lambda: seen.append(_count(mdb, name)))
        th.start()
        th.join()
    assert seen == [0] and _count(mdb, name) == 1


def test_after_commit_runs_after_the_outer_commit(mdb, tables):
    name = tables("ac", "CREATE TABLE {t} (id INT PRIMARY KEY) ENGINE=InnoDB")
    calls = []
    with mdb.transaction():
        with mdb.transaction():
            mdb.run(f"INSERT INTO {q(mdb, name)} VALUES (1)", [])
            mdb.after_commit(lambda: calls.append(_count(mdb, name)))
        assert calls == []
    assert calls == [1]


# -- new keys ------------------------------------------------------------------------
def _widget(db, name):
    class Widget(Model):
        table_name = name
        database = db
    return Widget


WIDGETS = ("CREATE TABLE {t} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, "
           "label VARCHAR(20), created DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6))")


def test_insert_key_with_returning_on_mariadb(mdb, tables):
    if not mdb.features.supports_returning:
        pytest.skip("no INSERT ... RETURNING (features.supports_returning)")
    from activerecord.testing import capture_sql
    name = tables("ret", WIDGETS)
    Widget = _widget(mdb, name)
    Widget.columns  # load the schema outside the captured block
    with capture_sql() as statements:
        w = Widget.create(label="a")
    writes = [s for s in statements if not s.startswith(("BEGIN", "COMMIT"))]
    assert len(writes) == 1 and " RETURNING " in writes[0]
    assert w.id == 1 and w.created is not None  # key and database default, one query
    assert Widget.create(label="b").id == 2


def test_insert_key_from_lastrowid(tables, open_db):
    # The MySQL path (no RETURNING), run here on any server by turning the flag off.
    db = open_db()
    try:
        f = db.features
        db.adapter.features = db.dialect.features = dataclasses.replace(
            f, supports_returning=False)
        name = tables("lri", WIDGETS)
        Widget = _widget(db, name)
        sql, _ = db.compile(n.Insert(n.Table(name), ("label",), ((n.Param("x"),),),
                                     returning=("id",)))
        assert "RETURNING" not in sql
        first = Widget.create(label="a")
        second = Widget.create(label="b")
        assert (first.id, second.id) == (1, 2)
        assert first.created is not None  # re-read: the default is computed by the server
        result = db.execute(f"INSERT INTO {q(db, name)} (label) VALUES (?)", ["raw"])
        assert result.lastrowid == 3 and result.rowcount == 1
    finally:
        db.close()


def test_update_counts_matched_rows(mdb, tables):
    # FOUND_ROWS: an UPDATE that writes the same value still reports the row, as on
    # SQLite and PostgreSQL.
    name = tables("found", "CREATE TABLE {t} (id INT PRIMARY KEY, v INT)")
    mdb.run(f"INSERT INTO {q(mdb, name)} VALUES (1, 5)", [])
    assert mdb.run(f"UPDATE {q(mdb, name)} SET v = 5 WHERE id = 1", []).rowcount == 1


# -- pool ------------------------------------------------------------------------------
def _connection_id(db):
    return db.run("SELECT CONNECTION_ID()", [], read=True).rows[0][0]


def test_killed_pooled_connection_is_replaced_for_the_next_read(mdb, tables, open_db):
    from activerecord.testing import capture_sql
    name = tables("kill", "CREATE TABLE {t} (id INT PRIMARY KEY)")
    mdb.run(f"INSERT INTO {q(mdb, name)} VALUES (1)", [])
    db = open_db(pool_size=1)
    try:
        victim = _connection_id(db)
        mdb.run("KILL %s", [victim])
        # An ORM-built read on the dead connection (returned < ping_interval ago, so
        # not pinged) fails, the connection is discarded, the read retried once.
        with capture_sql() as statements:
            rows = db.select_rows(n.Select(n.Table(name), (n.Column("id"),)))
        assert rows == [(1,)] and len(statements) == 2
        assert _connection_id(db) != victim
        assert db.pool.stats()["open"] == 1

        class Thing(Model):
            table_name = name
            database = db

        Thing.columns  # schema loads are not retried by the core (yet): load it first
        mdb.run("KILL %s", [_connection_id(db)])
        assert Thing.find(1).id == 1
    finally:
        db.close()


def test_killed_connection_is_not_handed_out_again(mdb, open_db):
    db = open_db(pool_size=1)
    try:
        victim = db.execute("SELECT CONNECTION_ID()").rows[0][0]
        mdb.run("KILL %s", [victim])
        # A user's statement is never retried: it fails once, with a ConnectionError...
        with pytest.raises(errors.ConnectionError):
            db.execute("SELECT 1")
        # ... and the dead connection was discarded: the next one is new.
        assert db.execute("SELECT CONNECTION_ID()").rows[0][0] != victim
        assert db.pool.stats()["open"] == 1
    finally:
        db.close()


def test_ping_replaces_a_killed_idle_connection_before_use(mdb, open_db):
    db = open_db(pool_size=1, ping_interval=0)
    try:
        victim = db.execute("SELECT CONNECTION_ID()").rows[0][0]
        mdb.run("KILL %s", [victim])
        # Pinged at checkout (COM_PING fails), replaced: even a write succeeds.
        assert db.execute("SELECT CONNECTION_ID()").rows[0][0] != victim
    finally:
        db.close()


def test_killed_connection_inside_a_transaction(mdb, open_db):
    db = open_db(pool_size=1)
    try:
        with pytest.raises(errors.ConnectionError):
            with db.transaction():
                mdb.run("KILL %s", [db.execute("SELECT CONNECTION_ID()").rows[0][0]])
                db.execute("SELECT 1")
        assert db.execute("SELECT 3").rows == [(3,)]
        assert db.pool.stats() == {"size": 1, "in_use": 0, "idle": 1, "waiting": 0,
                                   "open": 1}
    finally:
        db.close()


def test_begin_on_a_killed_connection_is_sent_again_on_a_fresh_one(mdb, open_db):
    db = open_db(pool_size=1)
    victim = db.execute("SELECT CONNECTION_ID()").rows[0][0]
    mdb.run("KILL %s", [victim])
    with db.transaction():  # nothing reached the server: BEGIN again (Rails 7.1)
        assert db.execute("SELECT CONNECTION_ID()").rows[0][0] != victim
    assert db.pool.stats()["in_use"] == 0


def test_schema_load_after_kill_is_retried(mdb, tables, open_db):
    name = tables("kschema", "CREATE TABLE {t} (id INT PRIMARY KEY)")
    db = open_db(pool_size=1)
    mdb.run("KILL %s", [db.execute("SELECT CONNECTION_ID()").rows[0][0]])
    assert db.table_info(name) is not None


def test_pool_recycle(open_db):
    db = open_db(pool_size=1, pool_recycle=0)
    try:
        first = db.execute("SELECT CONNECTION_ID()").rows[0][0]
        assert db.execute("SELECT CONNECTION_ID()").rows[0][0] != first
    finally:
        db.close()
    db = open_db(pool_size=1)
    try:
        first = db.execute("SELECT CONNECTION_ID()").rows[0][0]
        assert db.execute("SELECT CONNECTION_ID()").rows[0][0] == first
    finally:
        db.close()


def test_pool_timeout_message(open_db):
    db = open_db(pool_size=1, pool_timeout=0.2)
    try:
        holding, release = threading.Event(), threading.Event()

        def holder():
            with db.transaction():
                db.execute("SELECT 1")
                holding.set()
                release.wait(10)

        th = threading.Thread(target=holder, name="holder-thread")
        th.start()
        holding.wait(5)
        try:
            with pytest.raises(errors.ConnectionTimeoutError) as ei:
                db.execute("SELECT 1")
        finally:
            release.set()
            th.join(10)
        msg = str(ei.value)
        assert "within 0.2s" in msg and "all 1 of 1 connections are in use" in msg
        assert "holder-thread" in msg and db.config.safe_url() in msg
        assert f":{db.config.password}@" not in msg
    finally:
        db.close()


# -- URLs ----------------------------------------------------------------------------
def test_unix_socket_url(mdb):
    (path,), = mdb.execute("SELECT @@socket").rows
    if not path or not os.path.exists(path):
        pytest.skip(f"the server's socket {path!r} is not on this machine")
    cfg = mdb.config
    pw = urllib.parse.quote(cfg.password or "", safe="")
    db = Database(f"mysql://{cfg.user}:{pw}@localhost/{cfg.database}?unix_socket={path}")
    try:
        assert db.adapter.where() == f"unix socket {path}"
        assert db.execute("SELECT 1").rows == [(1,)]
    finally:
        db.close()


def test_percent_encoded_password(mdb, mysql_url):
    user = f"ar_{uuid.uuid4().hex[:8]}"
    password = "p@ss:w/rd%?#&x"
    mdb.run("CREATE USER %s@'%%' IDENTIFIED BY %s", [user, password])
    try:
        mdb.run(f"GRANT SELECT ON {q(mdb, mdb.config.database)}.* TO %s@'%%'", [user])
        cfg = urllib.parse.urlsplit(mysql_url)
        url = (f"mysql://{user}:{urllib.parse.quote(password, safe='')}@{cfg.hostname}:"
               f"{cfg.port}{cfg.path}")
        db = Database(url)
        try:
            assert db.execute("SELECT CURRENT_USER()").rows[0][0].startswith(user + "@")
        finally:
            db.close()
    finally:
        mdb.run("DROP USER %s@'%%'", [user])
