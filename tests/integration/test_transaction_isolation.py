"""``transaction(isolation=...)`` and ``activerecord.Rollback`` on every database
(issue 10, point 3): the level each backend begins with, what it changes for reads made
while another connection commits, that it never outlives its transaction on a pooled
connection, the errors before any SQL, and Rollback rolling back exactly its level."""

from __future__ import annotations

import threading

import pytest

from activerecord import (
    Model,
    Rollback,
    TransactionIsolationError,
    transaction,
)
from activerecord.connection import Database
from activerecord.testing import capture_sql


class TiAccount(Model):
    table_name = "ti_accounts"


@pytest.fixture
def accounts(db, make_table):
    make_table("ti_accounts", id="pk", name="string(20)", balance="int")
    TiAccount.reset_column_information()
    TiAccount.create(name="a", balance=100)
    return TiAccount


@pytest.fixture
def single(db):
    """A second Database on the same server with one pooled connection: every
    transaction of a test reuses it."""
    other = Database(db.config.url, pool_size=1, pool_timeout=10)
    yield other
    other.close()


def _balance(database):
    return database.execute("SELECT balance FROM ti_accounts WHERE name = 'a'").rows[0][0]


def _commit_elsewhere(db, value):
    # Another connection (another thread: it has no transaction) commits a change.
    def run():
        db.execute(f"UPDATE ti_accounts SET balance = {int(value)} WHERE name = 'a'")
    worker = threading.Thread(target=run)
    worker.start()
    worker.join(10)


@pytest.mark.parametrize("given", ["serializable", "SERIALIZABLE", "repeatable_read",
                                   "Read  Committed", "read uncommitted"])
def test_every_level_is_accepted_in_every_spelling(db, accounts, given):
    with capture_sql() as sql, transaction(isolation=given):
        assert _balance(db) == 100
    level = " ".join(given.replace("_", " ").lower().split()).upper()
    expected = {"sqlite": ["BEGIN IMMEDIATE"],
                "postgresql": [f"BEGIN ISOLATION LEVEL {level}"],
                "mysql": [f"SET TRANSACTION ISOLATION LEVEL {level}", "BEGIN"]}
    assert sql[:-2] == expected[db.adapter.name] and sql[-1] == "COMMIT"


def test_an_unknown_level_and_a_nested_one_raise_before_any_sql(db, accounts):
    with capture_sql() as sql:
        with pytest.raises(ValueError, match="read committed, repeatable read"):
            with transaction(isolation="snapshot"):
                pass  # pragma: no cover
    assert sql == []
    with transaction():
        accounts.create(name="b", balance=1)
        with capture_sql() as sql, pytest.raises(TransactionIsolationError):
            with transaction(isolation="serializable"):
                pass  # pragma: no cover
        assert sql == []
        accounts.create(name="c", balance=2)  # the outer transaction goes on
    assert accounts.count() == 3


@pytest.mark.databases("postgresql", "mysql")  # SQLite transactions are serializable
def test_repeatable_read_keeps_the_snapshot_and_read_committed_does_not(db, accounts):
    with transaction(isolation="repeatable read"):
        assert _balance(db) == 100
        _commit_elsewhere(db, 200)
        assert _balance(db) == 100  # the snapshot of the first read
    assert _balance(db) == 200
    with transaction(isolation="read committed"):
        assert _balance(db) == 200
        _commit_elsewhere(db, 300)
        assert _balance(db) == 300  # each statement sees what is committed


def test_the_level_does_not_outlive_its_transaction(db, accounts, single):
    if db.adapter.name == "sqlite":
        with single.transaction(isolation="read uncommitted"):
            assert _balance(single) == 100
        return
    other_default = "read committed" if db.adapter.name == "postgresql" else \
        "repeatable read"
    odd = "repeatable read" if other_default == "read committed" else "read committed"
    with single.transaction(isolation=odd):
        assert _balance(single) == 100
    with single.transaction():  # the same pooled connection, the server's default
        assert _balance(single) == 100
        _commit_elsewhere(db, 150)
        seen = _balance(single)
    assert seen == (150 if other_default == "read committed" else 100)
    if db.adapter.name == "postgresql":
        with single.transaction():
            assert single.execute("SHOW transaction_isolation").rows[0][0] == \
                "read committed"


@pytest.mark.databases("postgresql")  # its SERIALIZABLE refuses the lost update
def test_serializable_conflicts_raise_on_postgresql(db, accounts):
    from activerecord import errors
    with pytest.raises(errors.SerializationFailure):
        with transaction(isolation="serializable"):
            assert _balance(db) == 100
            _commit_elsewhere(db, 50)
            db.execute("UPDATE ti_accounts SET balance = balance + 1 WHERE name = 'a'")
    assert _balance(db) == 50


def test_rollback_rolls_back_the_outer_transaction_silently(db, accounts):
    record = accounts(name="new", balance=5)
    with transaction():
        record.save()
        accounts.where(name="a").update_all(balance=0)
        raise Rollback
    assert accounts.count() == 1 and _balance(db) == 100
    assert record.new_record and record.id is None  # its state given back


def test_rollback_in_a_nested_block_rolls_back_its_savepoint_only(db, accounts):
    with transaction():
        accounts.create(name="kept", balance=1)
        with transaction():
            accounts.create(name="dropped", balance=2)
            raise Rollback
        accounts.create(name="after", balance=3)
    assert sorted(accounts.pluck("name")) == ["a", "after", "kept"]


def test_rollback_in_a_joined_block_rolls_back_the_level_it_joined(db, accounts):
    ran = []
    with transaction():
        accounts.create(name="outer", balance=1)
        with transaction(requires_new=False):
            accounts.create(name="inner", balance=2)
            raise Rollback
        ran.append("not reached")  # pragma: no cover
    assert ran == [] and sorted(accounts.pluck("name")) == ["a"]
