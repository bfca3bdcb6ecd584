"""Transactions: commit, rollback whole, savepoints, save() never commits a caller's
transaction, and translated errors that lose nothing."""

from __future__ import annotations

import pytest

import activerecord
from activerecord import (
    Model,
    NotNullViolation,
    RecordInvalid,
    RecordNotUnique,
    TableNotFound,
    transaction,
)
from activerecord.connection.database import Database


class Account(Model):
    table_name = "accounts"


@pytest.fixture
def accounts(make_table):
    make_table("accounts", id="pk", email="string(100) NOT NULL UNIQUE", balance="int")


def _other_connection(db):
    """A second Database on the same URL: it sees only committed data."""
    return Database(db.config.url, name=f"other-{db.name}", pool_size=1)


def test_commit_on_success(accounts):
    with transaction():
        Account.create(email="a@x", balance=1)
        Account.create(email="b@x", balance=2)
    assert Account.count() == 2


def test_rollback_whole_on_exception_and_reraise(accounts):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with transaction():
            Account.create(email="a@x")
            Account.create(email="b@x")
            raise Boom
    assert Account.count() == 0


def test_failed_statement_rolls_back_the_transaction_whole(accounts):
    with pytest.raises(RecordNotUnique):
        with transaction():
            Account.create(email="a@x")
            Account.create(email="a@x")
    assert Account.count() == 0


def test_nested_block_is_a_savepoint(accounts):
    with transaction():
        Account.create(email="outer@x")
        with pytest.raises(RecordNotUnique):
            with transaction():
                Account.create(email="inner@x")
                Account.create(email="outer@x")
        Account.create(email="after@x")
    assert sorted(Account.pluck("email")) == ["after@x", "outer@x"]


def test_save_inside_a_transaction_does_not_commit_it(accounts, db):
    other = _other_connection(db)
    try:
        with transaction():
            a = Account.create(email="a@x")
            a.update(balance=10)
            assert Account.count() == 1
            assert other.execute("SELECT COUNT(*) FROM accounts").rows[0][0] == 0
        assert other.execute("SELECT COUNT(*) FROM accounts").rows[0][0] == 1
    finally:
        other.close()


def test_model_transaction_and_yielded_database(accounts, db):
    with Account.transaction():
        Account.create(email="m@x")
    with transaction() as yielded:
        assert yielded is db and db.in_transaction
    assert not db.in_transaction and Account.count() == 1


def test_not_null_violation_is_translated_and_nothing_written(accounts):
    with pytest.raises(RecordInvalid, match="Email can't be blank"):  # inferred
        Account.create(balance=5)
    with pytest.raises(NotNullViolation) as exc:
        Account(balance=5).save(validate=False)
    assert exc.value.__cause__ is not None  # the driver's error is kept
    assert Account.count() == 0


def test_unique_violation_keeps_first_row(accounts):
    first = Account.create(email="u@x", balance=1)
    with pytest.raises(RecordNotUnique):
        Account.create(email="u@x", balance=2)
    assert Account.pluck("balance") == [1] and Account.find(first.id).email == "u@x"


def test_record_stays_new_after_failed_insert(accounts):
    Account.create(email="dup@x")
    a = Account(email="dup@x")
    with pytest.raises(RecordNotUnique):
        a.save()
    assert a.new_record and a.id is None
    a.email = "fresh@x"
    a.save()
    assert a.persisted


def test_missing_table_names_table_and_database(db):
    class Ghost(Model):
        table_name = "no_such_table_here"

    with pytest.raises(TableNotFound) as exc:
        Ghost.count()
    msg = str(exc.value)
    assert "no_such_table_here" in msg
    assert db.name in msg or db.config.safe_url() in msg
    assert "orm:orm" not in msg  # never the password


def test_closed_database_raises_connection_not_established(accounts, db):
    other = _other_connection(db)

    class Elsewhere(Model):
        table_name = "accounts"
        database = other

    assert Elsewhere.count() == 0
    other.close()
    with pytest.raises(activerecord.ConnectionNotEstablished):
        Elsewhere.count()
