"""``activerecord.events``: subscribe/unsubscribe/subscribed/instrument, the order and
failure rules, and the ``activerecord.sql`` logger as a subscriber that is attached only
while the logger is enabled for DEBUG (no server: SQLite in memory)."""

from __future__ import annotations

import logging

import pytest

from activerecord import events
from activerecord.connection.database import Database
from activerecord.testing import assert_queries, capture_sql

NAME = "test.unit.event"


@pytest.fixture
def sql_logger():
    """The ``activerecord.sql`` logger, its level and the root's restored afterwards."""
    logger = logging.getLogger("activerecord.sql")
    saved, root = logger.level, logging.getLogger().level
    yield logger
    logger.setLevel(saved)
    logging.getLogger().setLevel(root)
    logging.disable(logging.NOTSET)


def test_subscribers_are_called_in_order_with_the_event():
    seen: list[tuple] = []
    first = events.subscribe(NAME, lambda e: seen.append(("first", e["x"])))
    second = events.subscribe(NAME, lambda e: seen.append(("second", e["x"])))
    assert isinstance(first, events.Subscription) and events.listening(NAME)
    events.instrument(NAME, {"x": 1})
    assert seen == [("first", 1), ("second", 1)]
    assert first.unsubscribe() is True and first.unsubscribe() is False  # once
    events.instrument(NAME, {"x": 2})
    assert seen[-1] == ("second", 2) and len(seen) == 3
    second()  # calling the handle unsubscribes too
    assert not events.listening(NAME) and events.channel(NAME).subscribers == ()


def test_the_handle_is_a_context_manager():
    seen: list[int] = []
    with events.subscribe(NAME, lambda e: seen.append(e)) as handle:
        events.instrument(NAME, 1)
        assert events.listening(NAME)
    events.instrument(NAME, 2)
    assert seen == [1] and not events.listening(NAME)
    assert handle.unsubscribe() is False


def test_event_records_are_frozen():
    event = events.SQLEvent("sql", "SELECT 1", (), 0.5, 1, "db", "x.py:1")
    with pytest.raises(AttributeError):
        event.sql = "DROP TABLE t"  # type: ignore[misc]
    assert event.kind == "query" and event.read is False and event.exception is None


def test_subscribed_unsubscribes_at_the_end_of_the_block_even_on_error():
    seen: list[int] = []

    def fn(event):
        seen.append(event["n"])

    with pytest.raises(ZeroDivisionError):
        with events.subscribed(NAME, fn):
            events.instrument(NAME, {"n": 1})
            raise ZeroDivisionError
    events.instrument(NAME, {"n": 2})
    assert seen == [1] and not events.listening(NAME)
    assert events.unsubscribe(NAME, fn) is False


def test_a_failing_subscriber_does_not_stop_the_others(caplog):
    seen: list[str] = []

    def bad(event):
        raise ValueError("first failure")

    def worse(event):
        raise KeyError("second failure")

    with events.subscribed(NAME, bad), events.subscribed(NAME, worse), \
            events.subscribed(NAME, lambda e: seen.append("ran")):
        with pytest.raises(ValueError, match="first failure"):
            events.instrument(NAME, {})
    assert seen == ["ran"]
    assert any("second failure" in r.exc_text for r in caplog.records
               if r.name == "activerecord.events" and r.exc_text)


def test_bad_names_and_subscribers_are_refused():
    with pytest.raises(ValueError, match="non-empty string"):
        events.channel("")
    with pytest.raises(TypeError, match="callable"):
        events.subscribe(NAME, "not a function")  # type: ignore[arg-type]
    assert not events.listening(NAME)


def test_nobody_listens_to_sql_by_default():
    assert events.SQL is events.channel("sql")
    assert events.log_sql not in events.SQL.subscribers


def test_the_logger_subscribes_while_it_is_enabled_for_debug(sql_logger):
    assert events.log_sql not in events.SQL.subscribers
    sql_logger.setLevel(logging.DEBUG)
    assert events.log_sql in events.SQL.subscribers
    sql_logger.setLevel(logging.INFO)
    assert events.log_sql not in events.SQL.subscribers
    sql_logger.setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.DEBUG)  # inherited from the root
    assert events.log_sql in events.SQL.subscribers
    logging.disable(logging.DEBUG)
    assert events.log_sql not in events.SQL.subscribers
    logging.disable(logging.NOTSET)
    assert events.log_sql in events.SQL.subscribers
    logging.getLogger().setLevel(logging.WARNING)
    assert events.log_sql not in events.SQL.subscribers


def test_the_sql_log_line_is_written_when_the_level_is_set_after_connecting(caplog):
    db = Database("sqlite:///:memory:")
    try:
        db.execute("SELECT 1")  # connected before anyone turned the logger on
        with caplog.at_level(logging.DEBUG, logger="activerecord.sql"):
            db.execute("SELECT ?", (42,))
        db.execute("SELECT 2")  # off again: not logged
    finally:
        db.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "activerecord.sql"]
    assert len(lines) == 1 and lines[0].endswith(" ms) SELECT ? [42]")
    assert lines[0].startswith("(")
    assert events.log_sql not in events.SQL.subscribers


def test_the_sql_event_and_the_query_assertions_on_sqlite_in_memory():
    db = Database("sqlite:///:memory:")
    payloads: list[events.SQLEvent] = []
    try:
        with events.subscribed("sql", payloads.append):
            with assert_queries(2), capture_sql() as statements:
                with db.transaction():
                    db.execute("CREATE TABLE t (x INTEGER)")
                    db.execute("INSERT INTO t VALUES (?)", (1,))
    finally:
        db.close()
    assert statements == ["BEGIN IMMEDIATE", "CREATE TABLE t (x INTEGER)",
                          "INSERT INTO t VALUES (?)", "COMMIT"]
    assert [p.kind for p in payloads] == ["transaction", "query", "query", "transaction"]
    insert = payloads[2]
    assert insert.params == (1,) and insert.database == db.name
    assert insert.read is False and insert.exception is None and insert.rowcount == 1
    assert isinstance(insert.duration_ms, float) and insert.duration_ms >= 0
    assert insert.caller.startswith("tests/unit/test_events.py:")


@pytest.mark.parametrize("sql, params, expected", [
    ('INSERT INTO "users" ("name", "password") VALUES (?, ?), (?, ?)', (1, 2, 3, 4),
     (1, events.REDACTED, 3, events.REDACTED)),
    ("INSERT INTO users (name, auth_token) SELECT ?, ? FROM t WHERE token = ?", (1, 2, 3),
     (1, events.REDACTED, events.REDACTED)),
    ("WITH x AS (SELECT ? AS a) INSERT INTO users (name, auth_token) VALUES (?, ?)",
     (0, 1, 2), (0, 1, events.REDACTED)),
    ('UPDATE "u" SET "API_KEY" = %s, "n" = %s WHERE "id" = %s', (1, 2, 3),
     (events.REDACTED, 2, 3)),
    ('SELECT * FROM u WHERE "u"."token" IN (?, ?) AND LOWER("secret_x") = LOWER(?) LIMIT ?',
     (1, 2, 3, 4), (events.REDACTED, events.REDACTED, events.REDACTED, 4)),
    ("SELECT * FROM u WHERE age BETWEEN ? AND ? AND UserPasswd LIKE ?", (1, 2, 3),
     (1, 2, events.REDACTED)),
    ("SELECT 100 %% 3, ? FROM t WHERE `name` = %s", (1, 2), (1, 2)),
])
def test_redaction_reads_the_statement(sql, params, expected):
    assert events.redacted_params(sql, params) == expected
