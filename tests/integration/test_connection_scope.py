"""Connections held with a context and the scope that releases them (connection/scope.py):
a raw BEGIN keeps its connection until COMMIT/ROLLBACK, a transaction inside it is a
savepoint, a request scope rolls back what was left open (also from a copied context),
a pinned scope runs everything on one connection, the pool never takes a connection
back inside a transaction, and ``pool.stats()`` counts the waiting threads."""

from __future__ import annotations

import contextvars
import gc
import logging
import threading
import time

import pytest

from activerecord import Model, Rollback, TransactionError
from activerecord.testing import capture_sql


class ScopeThing(Model):
    table_name = "scope_things"


@pytest.fixture
def things(db, make_table):
    make_table("scope_things", id="pk", label="string(40)")
    yield db
    assert db.pool.stats()["in_use"] == 0, "a test of this file leaked a connection"


def _labels(db) -> list[str]:
    # Read on a connection of its own (outside the test's context): what is committed.
    out: list[str] = []

    def read():
        out.extend(r[0] for r in db.execute(
            "SELECT label FROM scope_things ORDER BY label").rows)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return out


def test_a_raw_begin_keeps_its_connection_until_the_rollback(things):
    db = things
    db.execute("BEGIN")
    db.execute("INSERT INTO scope_things (label) VALUES (?)", ("raw",))
    assert db.pool.stats()["in_use"] == 1  # held with this context
    assert [r[0] for r in db.execute("SELECT label FROM scope_things").rows] == ["raw"]
    assert _labels(db) == []  # not committed: another connection sees nothing
    db.execute("ROLLBACK")
    assert db.pool.stats()["in_use"] == 0
    assert _labels(db) == []


def test_a_raw_commit_gives_the_connection_back(things):
    db = things
    db.execute("BEGIN")
    db.execute("INSERT INTO scope_things (label) VALUES (?)", ("kept",))
    db.execute("COMMIT")
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == ["kept"]


def test_a_transaction_inside_a_raw_one_is_a_savepoint(things):
    db = things
    db.execute("BEGIN")
    with capture_sql() as sent:
        with db.transaction():
            ScopeThing.create(label="inner-rolled-back")
            raise Rollback
        with db.transaction():
            ScopeThing.create(label="inner-released")
    assert any(s.upper().startswith("SAVEPOINT") for s in sent)
    assert not any(s.upper() in ("BEGIN", "COMMIT") for s in sent)
    assert db.pool.stats()["in_use"] == 1  # still inside the raw transaction
    db.execute("COMMIT")
    assert _labels(db) == ["inner-released"]


def test_a_scope_rolls_back_a_raw_begin_left_open(things, caplog):
    db = things
    with caplog.at_level(logging.WARNING, logger="activerecord.pool"):
        with db.connection_scope() as scope:
            db.execute("BEGIN")
            db.execute("INSERT INTO scope_things (label) VALUES (?)", ("leaked",))
    assert len(scope.leaks) == 1 and "by hand" in scope.leaks[0]
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == []
    assert any("connection leak" in r.getMessage() for r in caplog.records)
    db.execute("INSERT INTO scope_things (label) VALUES (?)", ("after",))  # autocommit
    assert _labels(db) == ["after"]


def test_a_scope_rolls_back_an_abandoned_transaction_context(things):
    db = things
    with db.connection_scope() as scope:
        block = db.transaction()
        block.__enter__()
        record = ScopeThing.create(label="abandoned")
        assert record.persisted
    assert len(scope.leaks) == 1 and "left open" in scope.leaks[0]
    assert record.new_record  # its state given back, as a rollback does
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == []
    assert not db.in_transaction
    with pytest.raises(TransactionError, match="scope of its request"):
        block.__exit__(None, None, None)  # resumed later: refused, touches nothing
    ScopeThing.create(label="next")
    del block
    gc.collect()
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == ["next"]


def test_a_scope_catches_what_a_copied_context_left_open(things):
    # A sync endpoint run by a thread pool in a copy of the request's context.
    db = things
    kept = []  # the abandoned block stays referenced (else CPython closes it at once)

    def endpoint():
        db.execute("BEGIN")
        db.execute("INSERT INTO scope_things (label) VALUES (?)", ("worker",))
        kept.append(db.transaction())
        kept[0].__enter__()

    with db.connection_scope() as scope:
        ctx = contextvars.copy_context()
        worker = threading.Thread(target=ctx.run, args=(endpoint,))
        worker.start()
        worker.join()
        assert db.pool.stats()["in_use"] == 1
    assert len(scope.leaks) == 2
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == []


def test_a_clean_scope_reports_nothing(things):
    db = things
    with db.connection_scope() as scope:
        ScopeThing.create(label="ok")
        with db.transaction():
            ScopeThing.create(label="ok2")
    assert scope.leaks == [] and _labels(db) == ["ok", "ok2"]


_TEMP = {"sqlite": "CREATE TEMP TABLE scope_session (x INTEGER)",
         "postgresql": "CREATE TEMP TABLE scope_session (x INTEGER)",
         "mysql": "CREATE TEMPORARY TABLE scope_session (x INTEGER)"}


def test_a_pinned_scope_keeps_session_state_across_statements(things):
    db = things
    with db.connection_scope(pin=True):
        assert db.pool.stats()["in_use"] == 1
        db.execute(_TEMP[db.adapter.name])
        db.execute("INSERT INTO scope_session (x) VALUES (?)", (7,))
        with db.transaction():  # on the pinned connection too
            db.execute("INSERT INTO scope_session (x) VALUES (?)", (8,))
        assert db.pool.stats()["in_use"] == 1
        rows = db.execute("SELECT x FROM scope_session ORDER BY x").rows
        assert [r[0] for r in rows] == [7, 8]
        db.execute("DROP TABLE scope_session")
    assert db.pool.stats()["in_use"] == 0


def test_a_pinned_scope_left_in_a_transaction_is_rolled_back(things):
    db = things
    with db.connection_scope(pin=True) as scope:
        db.execute("BEGIN")
        db.execute("INSERT INTO scope_things (label) VALUES (?)", ("pinned",))
    assert len(scope.leaks) == 1 and "pinned" in scope.leaks[0]
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == []


def test_the_pool_rolls_back_a_connection_returned_inside_a_transaction(things, caplog):
    db = things
    pool = db.pool
    conn = pool.checkout()
    db.adapter.execute(conn, "BEGIN", ())
    assert db.adapter.in_transaction(conn)
    with caplog.at_level(logging.WARNING, logger="activerecord.pool"):
        pool.checkin(conn)
    assert not db.adapter.in_transaction(conn)
    assert any("inside a transaction" in r.getMessage() for r in caplog.records)
    assert pool.stats()["in_use"] == 0


@pytest.mark.databases("sqlite")
def test_the_driver_flag_each_backend_reads(things):
    # SQLite, PostgreSQL and MySQL each report an open transaction their own way.
    db = things
    conn = db.pool.checkout()
    try:
        assert not db.adapter.in_transaction(conn)
        db.adapter.execute(conn, "BEGIN", ())
        assert db.adapter.in_transaction(conn)
        db.adapter.execute(conn, "ROLLBACK", ())
        assert not db.adapter.in_transaction(conn)
    finally:
        db.pool.checkin(conn)


@pytest.mark.databases("postgresql")
def test_postgresql_reports_a_failed_transaction_as_open(things):
    db = things
    conn = db.pool.checkout()
    try:
        db.adapter.execute(conn, "BEGIN", ())
        with pytest.raises(Exception):
            db.adapter.execute(conn, "SELECT 1 FROM scope_no_such_table", ())
        assert db.adapter.in_transaction(conn)  # INERROR is still a transaction
    finally:
        db.pool.checkin(conn)  # rolled back by the pool
    conn = db.pool.checkout()
    try:
        assert not db.adapter.in_transaction(conn)
    finally:
        db.pool.checkin(conn)


@pytest.mark.databases("mysql")
def test_mysql_start_transaction_is_held_too(things):
    db = things
    db.execute("START TRANSACTION")
    db.execute("INSERT INTO scope_things (label) VALUES (?)", ("mysql",))
    assert db.pool.stats()["in_use"] == 1 and _labels(db) == []
    db.execute("ROLLBACK")
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == []


def test_stats_count_the_threads_waiting_for_a_connection(db):
    from activerecord.connection.database import Database

    small = Database(db.config.url, name="scope-small", pool_size=1, pool_timeout=5)
    try:
        held = small.pool.checkout()
        assert small.pool.stats() == {"size": 1, "in_use": 1, "idle": 0, "waiting": 0,
                                      "open": 1}
        got = []
        waiter = threading.Thread(target=lambda: got.append(small.pool.checkout()))
        waiter.start()
        deadline = time.monotonic() + 5
        while small.pool.stats()["waiting"] != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert small.pool.stats()["waiting"] == 1
        small.pool.checkin(held)
        waiter.join(5)
        assert got and small.pool.stats()["waiting"] == 0
        small.pool.checkin(got[0])
        assert small.pool.stats()["in_use"] == 0 and small.pool.stats()["idle"] == 1
    finally:
        small.close()


def test_a_worker_still_running_when_its_scope_ends_commits_nothing(things):
    # An ASGI request cancelled while its sync endpoint runs on in a worker thread:
    # the endpoint's later statements must not run outside the rolled-back transaction.
    db = things
    started, go_on, outcome = threading.Event(), threading.Event(), {}

    def endpoint():
        try:
            with db.transaction():
                ScopeThing.create(label="first-half")
                started.set()
                go_on.wait(5)
                ScopeThing.create(label="second-half")
        except TransactionError as exc:
            outcome["error"] = str(exc)

    with db.connection_scope() as scope:
        ctx = contextvars.copy_context()
        worker = threading.Thread(target=ctx.run, args=(endpoint,))
        worker.start()
        assert started.wait(5)
    go_on.set()  # the scope ended first (the request was cancelled)
    worker.join(5)
    assert len(scope.leaks) == 1
    assert "scope of its request" in outcome["error"]
    assert _labels(db) == [] and db.pool.stats()["in_use"] == 0


def test_a_raw_begin_sent_outside_any_scope_is_released_by_the_next_one(things, caplog):
    # A streamed response's generator running after its request ended.
    db = things
    db.execute("BEGIN")
    db.execute("INSERT INTO scope_things (label) VALUES (?)", ("stray",))
    with caplog.at_level(logging.WARNING, logger="activerecord.pool"):
        with db.connection_scope() as scope:
            ScopeThing.create(label="next-request")
    assert len(scope.leaks) == 1 and "outside any request scope" in scope.leaks[0]
    assert _labels(db) == ["next-request"] and db.pool.stats()["in_use"] == 0


@pytest.mark.databases("mysql")
def test_mysql_autocommit_turned_off_by_hand_is_turned_back_on(things):
    # SET autocommit=0 on a pooled connection would leave its next user's writes
    # uncommitted: the pool turns it back on when the connection comes back.
    db = things
    db.execute("SET autocommit=0")
    assert db.pool.stats()["in_use"] == 0
    db.execute("INSERT INTO scope_things (label) VALUES (?)", ("kept",))
    assert db.pool.stats()["in_use"] == 0 and _labels(db) == ["kept"]
    assert db.execute("SELECT @@autocommit").rows[0][0] == 1
