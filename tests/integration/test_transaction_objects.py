"""The transaction objects of ``connection/transaction.py`` on every database: each
level (the outer transaction and each savepoint) keeps the records written and the
after-commit callbacks registered in it; a rolled-back savepoint drops its callbacks
and restores its records, a released one hands both to its parent; every after-commit
callback runs even when an earlier one raises, and the failures are logged, then
raised together as ``AfterCommitError`` once all ran."""

from __future__ import annotations

import logging

import pytest

from activerecord import AfterCommitError, Model, transaction
from activerecord.connection.transaction import Transaction


class Ledger(Model):
    table_name = "txo_ledger"


class Boom(Exception):
    pass


@pytest.fixture
def ledger(make_table):
    make_table("txo_ledger", id="pk", name="string(40) NOT NULL UNIQUE", amount="int")


def _names(db) -> list[str]:
    return sorted(r[0] for r in db.execute("SELECT name FROM txo_ledger").rows)


def _current(db) -> Transaction:
    tx = db.transaction_manager.current
    assert tx is not None
    return tx


def test_every_callback_runs_and_the_failures_are_raised_together(ledger, db, caplog):
    calls: list[str] = []

    def failing(exc: Exception):
        def callback():
            calls.append(type(exc).__name__)
            raise exc
        return callback

    caplog.set_level(logging.ERROR, logger="activerecord.transaction")
    with pytest.raises(AfterCommitError) as info:
        with transaction():
            Ledger.create(name="kept", amount=1)
            db.after_commit(lambda: calls.append("first"))
            db.after_commit(failing(ValueError("bad value")))
            db.after_commit(lambda: calls.append("after the failure"))
            db.after_commit(failing(KeyError("missing")))
            db.after_commit(lambda: calls.append("last"))
    assert calls == ["first", "ValueError", "after the failure", "KeyError", "last"]
    err = info.value
    assert [type(e) for e in err.errors] == [ValueError, KeyError]
    assert err.__cause__ is err.errors[0]
    assert "2 after_commit callback(s) failed" in str(err) and "bad value" in str(err)
    failures = [r for r in caplog.records if r.name == "activerecord.transaction"]
    assert len(failures) == 2 and all(r.exc_info for r in failures)
    assert _names(db) == ["kept"]  # the transaction was committed all the same
    assert not db.in_transaction


def test_one_failing_callback_is_raised_after_the_others_ran(ledger, db):
    calls: list[str] = []

    def fail():
        raise Boom("once")

    with pytest.raises(AfterCommitError) as info:
        with transaction():
            db.after_commit(fail)
            db.after_commit(lambda: calls.append("ran"))
    assert calls == ["ran"] and [type(e) for e in info.value.errors] == [Boom]


def test_a_callback_outside_a_transaction_runs_at_once_and_raises_as_is(db):
    calls: list[str] = []
    db.after_commit(lambda: calls.append("now"))
    assert calls == ["now"]
    with pytest.raises(Boom):
        db.after_commit(lambda: (_ for _ in ()).throw(Boom()))


def test_a_rolled_back_savepoint_drops_its_callbacks_and_restores_its_records(ledger, db):
    calls: list[str] = []
    with transaction():
        kept = Ledger.create(name="kept", amount=1)
        db.after_commit(lambda: calls.append("outer"))
        with pytest.raises(Boom):
            with transaction():
                level = _current(db).current
                undone = Ledger.create(name="undone")
                kept.amount = 2
                kept.save()
                db.after_commit(lambda: calls.append("inside the savepoint"))
                assert len(level.records) == 2 and len(level.callbacks) == 1
                raise Boom
        assert level.records == {} and level.callbacks == []
        assert _current(db).depth == 0 and len(_current(db).current.callbacks) == 1
        assert undone.new_record and undone.id is None
        assert kept.persisted and kept.id is not None and kept.amount == 2
    assert calls == ["outer"]  # never the savepoint's, though the outer one committed
    assert _names(db) == ["kept"]
    assert Ledger.find(kept.id).amount == 1


def test_a_released_savepoint_hands_records_and_callbacks_to_its_parent(ledger, db):
    calls: list[str] = []
    with pytest.raises(Boom):
        with transaction():
            with transaction():
                made = Ledger.create(name="made")
                db.after_commit(lambda: calls.append("released"))
            outer = _current(db).current
            assert id(made) in outer.records and len(outer.callbacks) == 1
            raise Boom  # the outer rollback restores what the savepoint handed up
    assert made.new_record and made.id is None
    assert calls == [] and _names(db) == []


def test_nested_levels_keep_their_own_state(ledger, db):
    calls: list[str] = []
    with transaction():
        tx = _current(db)
        db.after_commit(lambda: calls.append("level 0"))
        with transaction():
            one = Ledger.create(name="one")
            db.after_commit(lambda: calls.append("level 1"))
            with transaction():
                assert tx.depth == 2 and [lv.savepoint for lv in tx.levels] == [
                    None, "active_record_1", "active_record_2"]
                two = Ledger.create(name="two")
                db.after_commit(lambda: calls.append("level 2, released"))
            with pytest.raises(Boom):
                with transaction():
                    three = Ledger.create(name="three")
                    db.after_commit(lambda: calls.append("level 2, rolled back"))
                    raise Boom
            assert tx.depth == 1
            assert set(tx.current.records) == {id(one), id(two)}
        assert tx.depth == 0 and len(tx.current.callbacks) == 3
        with transaction(requires_new=False):  # joins: no level of its own
            assert tx.depth == 0
            db.after_commit(lambda: calls.append("joined"))
    assert calls == ["level 0", "level 1", "level 2, released", "joined"]
    assert one.persisted and two.persisted and three.new_record and three.id is None
    assert _names(db) == ["one", "two"]
    assert db.transaction_manager.current is None
