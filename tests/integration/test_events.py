"""The ``"sql"`` event on every database: what its payload says about ORM reads,
writes, transaction control, catalog reads and failed statements; the
``activerecord.sql`` log line as its subscriber; ``assert_queries``/``capture_sql``
listening to it (transaction control and catalog reads not counted)."""

from __future__ import annotations

import logging

import pytest

from activerecord import Model, TableNotFound, events, transaction
from activerecord.testing import assert_queries, capture_sql


class Gadget(Model):
    table_name = "ev_gadgets"


@pytest.fixture
def gadgets(make_table):
    make_table("ev_gadgets", id="pk", name="string(40)")


@pytest.fixture
def payloads():
    seen: list[dict] = []
    with events.subscribed("sql", seen.append):
        yield seen


def test_reads_writes_and_transaction_control_are_reported(gadgets, db, payloads):
    with transaction():
        gadget = Gadget.create(name="a")
        with transaction():
            Gadget.find(gadget.id)
    kinds = [(p.kind, p.sql.split()[0].upper()) for p in payloads]
    assert kinds[0] == ("transaction", "BEGIN") and kinds[-1] == ("transaction", "COMMIT")
    assert ("transaction", "SAVEPOINT") in kinds and ("transaction", "RELEASE") in kinds
    insert = next(p for p in payloads if p.sql.upper().startswith("INSERT"))
    select = next(p for p in payloads if p.kind == "query"
                  and p.sql.upper().startswith("SELECT") and gadget.id in p.params)
    assert insert.read is False and select.read is True
    assert "a" in insert.params
    for p in payloads:
        assert p.database == db.name and p.exception is None
        assert isinstance(p.duration_ms, float) and p.duration_ms >= 0


def test_catalog_reads_are_reported_as_schema(gadgets, db, payloads):
    Gadget.reset_column_information()
    db.schema_cache.clear("ev_gadgets")
    Gadget.where(name="x").to_list()
    schema = [p for p in payloads if p.kind == "schema"]
    assert schema and all(p.read and p.database == db.name for p in schema)
    queries = [p for p in payloads if p.kind == "query"]
    assert len(queries) == 1 and "ev_gadgets" in queries[0].sql


def test_a_failed_statement_is_reported_with_its_error(db, payloads):
    with pytest.raises(TableNotFound):
        db.execute("SELECT 1 FROM ev_no_such_table")
    assert len(payloads) == 1
    assert isinstance(payloads[0].exception, TableNotFound)
    assert "ev_no_such_table" in payloads[0].sql


def test_query_assertions_leave_out_transaction_control_and_the_schema(gadgets, db):
    gadget = Gadget.create(name="a")
    Gadget.reset_column_information()
    db.schema_cache.clear("ev_gadgets")
    with assert_queries(1) as counted:  # the catalog reads of the reload are not counted
        Gadget.where(name="a").to_list()
    assert "ev_gadgets" in counted[0]
    with assert_queries(2, include_transaction=True):
        with transaction():
            pass
    with capture_sql() as statements:
        with transaction():
            Gadget.find(gadget.id)
    assert len(statements) == 3 and statements[0].upper().startswith("BEGIN")
    Gadget.reset_column_information()
    db.schema_cache.clear("ev_gadgets")
    with capture_sql(include_schema=True) as with_schema:
        Gadget.find(gadget.id)
    assert len(with_schema) > 1
    with pytest.raises(AssertionError, match="expected 0 queries, ran 1"):
        with assert_queries(0):
            Gadget.find(gadget.id)


def test_the_sql_logger_writes_each_statement_at_debug(gadgets, db, caplog):
    Gadget.reset_column_information()
    db.schema_cache.clear("ev_gadgets")
    with caplog.at_level(logging.DEBUG, logger="activerecord.sql"):
        Gadget.create(name="logged")
    lines = [r.getMessage() for r in caplog.records if r.name == "activerecord.sql"]
    assert any(") INSERT" in line.upper() and "'logged'" in line for line in lines)
    assert any(") SCHEMA " in line for line in lines)
    assert events.log_sql not in events.SQL.subscribers  # off again with the level
