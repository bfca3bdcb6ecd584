"""Instrumentation on every database: the frozen ``"sql"`` event record (duration in ms,
rowcount, caller), redaction of sensitive values in events and log lines (ORM writes,
hash conditions, hand-written SQL, ``events.redact``), the slow-query warning (reported,
never re-run), and the ``"transaction"``, ``"instantiation"`` and ``"pool.checkout"``
events."""

from __future__ import annotations

import logging
import traceback

import pytest

from activerecord import ConfigurationError, Model, RecordNotUnique, Rollback, events
from activerecord.connection.database import Database

SECRET = "hunter2-s3cret-value"


class Account(Model):
    table_name = "instr_accounts"


@pytest.fixture
def accounts(make_table):
    make_table("instr_accounts", id="pk", name="string(40)", password_digest="string(80)",
               api_token="string(80)", ssn="string(20)")


@pytest.fixture
def sql_events():
    seen: list[events.SQLEvent] = []
    with events.subscribe("sql", seen.append):
        yield seen


def test_the_sql_event_is_a_frozen_record_with_duration_rowcount_and_caller(
        accounts, db, sql_events):
    Account.create(name="a")
    Account.create(name="b")
    assert Account.where(name=["a", "b"]).count() == 2
    select = [e for e in sql_events if e.kind == "query" and "COUNT" in e.sql.upper()][-1]
    assert isinstance(select, events.SQLEvent) and select.name == "sql"
    assert select.params == ("a", "b") and select.rowcount == 1
    assert isinstance(select.duration_ms, float) and 0 <= select.duration_ms < 10_000
    assert select.database == db.name and select.read is True
    assert select.caller.startswith("tests/integration/test_instrumentation.py:")
    line = int(select.caller.rsplit(":", 1)[1])
    assert "count()" in open(__file__).read().splitlines()[line - 1]
    with pytest.raises(AttributeError):
        select.params = ()  # type: ignore[misc]
    update = Account.where(name="a").update_all(name="c")
    assert update == 1
    assert [e.rowcount for e in sql_events if e.sql.upper().startswith("UPDATE")] == [1]


def _everything_logged(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


def test_secrets_never_reach_an_event_or_a_log_line(accounts, db, sql_events, caplog):
    with caplog.at_level(logging.DEBUG, logger="activerecord"):
        account = Account.create(name="ann", password_digest=SECRET, api_token=SECRET)
        account.update(password_digest=SECRET + "2")
        assert Account.where(api_token=SECRET).first().id == account.id  # hash condition
        assert Account.find_by(password_digest=SECRET + "2") is not None
        assert Account.where(api_token=[SECRET, "x"]).count() == 1  # IN (...)
        db.execute("SELECT id FROM instr_accounts WHERE password_digest = ? AND name = ?",
                   (SECRET + "2", "ann"))  # a template written by hand
        db.execute("UPDATE instr_accounts SET api_token=? WHERE id = ?", (SECRET, account.id))
        Account.insert_all([{"name": "bob", "password_digest": SECRET, "api_token": "t"}])
    logged = _everything_logged(caplog)
    assert "ann" in logged and events.REDACTED in logged  # logged, with the values out
    assert SECRET not in logged
    assert all(SECRET not in repr(e.params) for e in sql_events)
    assert any("ann" in e.params for e in sql_events)  # other values are kept
    assert any(events.REDACTED in e.params for e in sql_events
               if e.sql.upper().startswith("INSERT"))


def test_redact_adds_a_column_name(accounts, db, sql_events):
    Account.create(name="carl", ssn="123-45-6789")
    assert any("123-45-6789" in e.params for e in sql_events)
    before = events.redacted_names()
    try:
        events.redact("SSN")
        assert events.is_sensitive("customer_ssn")
        Account.create(name="dora", ssn="987-65-4321")
        Account.where(ssn="987-65-4321").first()
    finally:
        events._SENSITIVE[:] = before
        events._positions.clear()
    assert not any("987-65-4321" in e.params for e in sql_events)
    with pytest.raises(ValueError):
        events.redact("")


_SLOW = {"sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                   "WHERE x < 3000000) SELECT COUNT(*) FROM c WHERE ? <> ''",
         "postgresql": "SELECT pg_sleep(0.3), ? <> ''",
         "mysql": "SELECT SLEEP(0.3), ? <> ''"}


def test_a_slow_statement_is_logged_at_warning_once_and_never_rerun(db, caplog):
    slow = Database(db.config.url, name="instr-slow", slow_query_ms=100)
    ran: list[events.SQLEvent] = []
    try:
        sql = _SLOW[db.adapter.name]
        with caplog.at_level(logging.WARNING, logger="activerecord.sql"), \
                events.subscribe("sql", ran.append):
            slow.execute(sql, ("x",))
            slow.execute("SELECT 1")
    finally:
        slow.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING
                and r.name == "activerecord.sql"]
    assert len(warnings) == 1 and "slow query" in warnings[0].getMessage()
    assert "slow_query_ms=100" in warnings[0].getMessage()
    assert len([e for e in ran if e.sql.startswith(sql[:12])]) == 1  # sent once
    assert ran[0].duration_ms >= 100


def test_a_slow_statement_logs_redacted_parameters(db, make_table, caplog):
    make_table("instr_slow", id="pk", password="string(40)")
    slow = Database(db.config.url, name="instr-slow2", slow_query_ms=0.000001)
    try:
        with caplog.at_level(logging.WARNING, logger="activerecord.sql"):
            slow.execute("SELECT id FROM instr_slow WHERE password = ?", (SECRET,))
    finally:
        slow.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "activerecord.sql"]
    assert any("slow query" in m and events.REDACTED in m for m in messages)
    assert SECRET not in "\n".join(messages)


def test_the_slow_query_threshold_is_checked(db):
    with pytest.raises(ConfigurationError, match="slow_query_ms"):
        Database(db.config.url + ("&" if "?" in db.config.url else "?")
                 + "slow_query_ms=soon")
    assert Database("sqlite:///:memory:").slow_query_ms == 500
    assert Database("sqlite:///:memory:?slow_query_ms=0").slow_query_ms is None
    assert Database("sqlite:///:memory:", slow_query_ms=None).slow_query_ms is None


def test_transaction_events_report_begin_commit_and_rollback(accounts, db):
    seen: list[events.TransactionEvent] = []
    with events.subscribe("transaction", seen.append):
        with db.transaction():
            Account.create(name="t")
            with db.transaction():  # a savepoint: no event of its own
                Account.create(name="u")
        with db.transaction():
            Account.create(name="v")
            raise Rollback
        assert Account.order("id").first().save()  # nothing changed: nothing begins
    assert [e.outcome for e in seen] == ["begin", "commit", "begin", "rollback"]
    assert all(e.database == db.name and e.duration_ms >= 0 for e in seen)
    assert seen[1].caller.startswith("tests/integration/test_instrumentation.py:")


def test_instantiation_events_name_the_model_and_the_count(accounts, db):
    for name in "xyz":
        Account.create(name=name)
    seen: list[events.InstantiationEvent] = []
    with events.subscribe("instantiation", seen.append):
        records = Account.order("name").to_list()
        Account.find(records[0].id)
    assert [(e.model, e.record_count) for e in seen] == [("Account", 3), ("Account", 1)]
    assert all(e.duration_ms >= 0 for e in seen)


def test_pool_checkout_events(accounts, db):
    seen: list[events.PoolCheckoutEvent] = []
    with events.subscribe("pool.checkout", seen.append) as handle:
        Account.where(name="none").to_list()
    assert seen and seen[0].in_use >= 1 and seen[0].size == db.pool.size
    assert seen[0].wait_ms >= 0 and seen[0].database == db.adapter.describe()
    assert handle.unsubscribe() is False  # ended with the block


def test_a_failed_statement_keeps_secrets_out_of_its_error(make_table, db, caplog):
    make_table("instr_tokens", "UNIQUE (auth_token)", id="pk", auth_token="string(40)")
    db.execute("INSERT INTO instr_tokens (auth_token) VALUES (?)", (SECRET,))
    with pytest.raises(RecordNotUnique) as info:
        db.execute("INSERT INTO instr_tokens (auth_token) VALUES (?)", (SECRET,))
    text = "".join(traceback.format_exception(info.value))
    assert SECRET not in text and SECRET not in repr(info.value.params)
    assert "instr_tokens" in text or "auth_token" in text  # still says what failed
