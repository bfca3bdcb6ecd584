"""After a rollback, records written in the transaction (or savepoint) get their state
back, as Rails' ``restore_transaction_record_state`` does: ``new_record``, the key,
``destroyed`` and the dirty state; ``after_commit`` callbacks of a rolled-back
savepoint are dropped; each thread has its own transaction state."""

from __future__ import annotations

import asyncio
import threading

import pytest

from activerecord import InvalidForeignKey, Model, RecordNotUnique, transaction


class Account(Model):
    table_name = "tr_accounts"


class Entry(Model):
    table_name = "tr_entries"


class Pair(Model):
    table_name = "tr_pairs"


class Doc(Model):
    table_name = "tr_docs"


class Boom(Exception):
    pass


@pytest.fixture
def tables(make_table):
    make_table("tr_accounts", id="pk", email="string(100) NOT NULL UNIQUE", balance="int",
               created_at="datetime", updated_at="datetime")
    make_table("tr_pairs", "PRIMARY KEY (a, b)", a="int NOT NULL", b="int NOT NULL",
               note="string(20)")
    make_table("tr_docs", id="pk", data="json")


def _emails(db):
    return sorted(r[0] for r in db.execute("SELECT email FROM tr_accounts").rows)


def test_a_record_created_in_a_rolled_back_transaction_is_new_again(tables, db):
    acc = Account(email="a@x", balance=1)
    with pytest.raises(Boom):
        with transaction():
            acc.save()
            assert acc.persisted and acc.id is not None
            raise Boom
    assert acc.new_record and not acc.persisted and acc.id is None
    assert acc.email == "a@x" and acc.balance == 1  # the values stay
    assert _emails(db) == []
    acc.save()  # the retry INSERTs again
    assert acc.persisted and _emails(db) == ["a@x"] and Account.find(acc.id).balance == 1


def test_a_rolled_back_update_keeps_its_changes_pending(tables, db):
    acc = Account.create(email="a@x", balance=1)
    acc.balance = 2
    with pytest.raises(Boom):
        with transaction():
            acc.save()
            assert not acc.has_changes
            raise Boom
    assert acc.balance == 2 and acc.changes["balance"] == (1, 2)
    assert Account.find(acc.id).balance == 1
    acc.save()
    assert Account.find(acc.id).balance == 2 and not acc.has_changes


def test_a_rolled_back_destroy_or_delete_leaves_the_record_alive(tables, db):
    acc = Account.create(email="a@x")
    other = Account.create(email="b@x")
    with pytest.raises(Boom):
        with transaction():
            acc.destroy()
            other.delete()
            assert acc.destroyed and other.destroyed
            raise Boom
    assert not acc.destroyed and acc.persisted and not other.destroyed
    assert _emails(db) == ["a@x", "b@x"]
    acc.destroy()
    assert acc.destroyed and _emails(db) == ["b@x"]


def test_a_rolled_back_savepoint_restores_only_what_was_written_inside(tables, db):
    with transaction():
        outer = Account.create(email="outer@x", balance=1)
        try:
            with transaction():  # a savepoint
                inner = Account.create(email="inner@x")
                outer.balance = 2
                outer.save()
                raise Boom
        except Boom:
            pass
        assert inner.new_record and inner.id is None
        assert outer.persisted and outer.balance == 2 and outer.changes["balance"] == (1, 2)
    assert _emails(db) == ["outer@x"] and Account.find(outer.id).balance == 1
    outer.save()
    inner.save()
    assert Account.find(outer.id).balance == 2 and _emails(db) == ["inner@x", "outer@x"]


def test_a_released_savepoint_hands_its_records_to_the_outer_rollback(tables, db):
    early = Account.create(email="early@x", balance=1)
    with pytest.raises(Boom):
        with transaction():
            early.balance = 2
            early.save()
            with transaction():
                made = Account.create(email="made@x")
                early.balance = 3
                early.save()
            raise Boom
    assert made.new_record and made.id is None
    # the earliest state wins: the change pending before the transaction began
    assert early.balance == 3 and early.changes["balance"] == (1, 3)
    assert _emails(db) == ["early@x"]
    early.save()
    made.save()
    assert Account.find(early.id).balance == 3 and _emails(db) == ["early@x", "made@x"]


def test_a_failed_save_outside_a_transaction_is_restored_by_its_own(tables, db):
    Account.create(email="taken@x")
    acc = Account(email="taken@x", balance=5)
    with pytest.raises(RecordNotUnique):
        acc.save()
    assert acc.new_record and acc.id is None and acc.balance == 5
    acc.email = "free@x"
    acc.save()
    assert Account.find(acc.id).email == "free@x"


def test_a_key_the_user_gave_stays_and_a_moved_key_moves_again(tables, db):
    pair = Pair(a=1, b=2, note="n")
    with pytest.raises(Boom):
        with transaction():
            pair.save()
            raise Boom
    assert pair.new_record and pair.id == (1, 2)  # not assigned by the database
    pair.save()
    acc = Account.create(email="k@x")
    old = acc.id
    acc.id = old + 100
    with pytest.raises(Boom):
        with transaction():
            acc.save()
            raise Boom
    assert acc.id == old + 100 and acc.changes["id"] == (old, old + 100)
    acc.save()  # UPDATE ... WHERE id = old, again
    assert Account.find_by(id=old) is None and Account.find(old + 100).email == "k@x"
    assert Pair.find((1, 2)).note == "n"


def test_json_changed_in_place_and_rolled_back_is_pending_again(tables, db):
    doc = Doc.find(Doc.create(data={"k": 1}).id)
    doc.data["k"] = 2
    with pytest.raises(Boom):
        with transaction():
            doc.save()
            assert not doc.has_changes
            raise Boom
    assert doc.changed == ["data"] and doc.changes["data"] == ({"k": 1}, {"k": 2})
    doc.save()
    assert Doc.find(doc.id).data == {"k": 2}


def test_after_commit_callbacks_of_a_rolled_back_savepoint_are_dropped(tables, db):
    calls = []
    with transaction():
        db.after_commit(lambda: calls.append("outer"))
        try:
            with transaction():
                db.after_commit(lambda: calls.append("rolled back"))
                raise Boom
        except Boom:
            pass
        with transaction():
            db.after_commit(lambda: calls.append("released"))
        assert calls == []
    assert calls == ["outer", "released"]
    with pytest.raises(Boom):
        with transaction():
            db.after_commit(lambda: calls.append("never"))
            raise Boom
    assert calls == ["outer", "released"]


@pytest.mark.databases("postgresql", "mysql")  # SQLite: one writer (BEGIN IMMEDIATE)
def test_each_thread_has_its_own_transaction_state(tables, db):
    mine = Account(email="main@x")
    theirs = Account(email="thread@x")
    seen = {}
    saved, done = threading.Event(), threading.Event()

    def other_thread():
        try:
            saved.wait(10)
            seen["in_transaction"] = db.in_transaction
            with transaction():
                theirs.save()
                seen["saved"] = theirs.persisted
                raise Boom
        except Boom:
            seen["restored"] = theirs.new_record
        finally:
            done.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with transaction():
        mine.save()
        saved.set()
        assert done.wait(10)  # the other thread rolled back while this one is open
        assert mine.persisted and mine.id is not None  # not restored by its rollback
    worker.join(10)
    assert seen == {"in_transaction": False, "saved": True, "restored": True}
    assert mine.persisted and theirs.new_record and _emails(db) == ["main@x"]


@pytest.mark.databases("postgresql", "mysql")
def test_each_task_has_its_own_transaction_state(tables, db):
    mine, theirs = Account(email="a@x"), Account(email="b@x")

    async def keeps():
        with transaction():
            mine.save()
            await asyncio.sleep(0.05)  # the other task rolls back meanwhile
            assert mine.persisted
        return mine.persisted

    async def rolls_back():
        await asyncio.sleep(0.01)
        try:
            with transaction():
                theirs.save()
                raise Boom
        except Boom:
            return theirs.new_record

    async def both():
        return await asyncio.gather(keeps(), rolls_back())

    assert asyncio.run(both()) == [True, True]
    assert mine.persisted and theirs.new_record and _emails(db) == ["a@x"]


@pytest.fixture
def entries(db, make_table):
    make_table("tr_entries", id="pk",
               account_id="int NOT NULL REFERENCES tr_accounts(id) DEFERRABLE "
                          "INITIALLY DEFERRED")


@pytest.mark.databases("sqlite", "postgresql")  # MariaDB checks every key at once
def test_a_commit_that_fails_restores_the_records(tables, entries, db):
    entry = Entry(account_id=424242)  # checked only at COMMIT
    with pytest.raises(InvalidForeignKey):
        entry.save()
    assert entry.new_record and entry.id is None
    entry.account_id = Account.create(email="a@x").id
    entry.save()
    assert Entry.find(entry.id).account_id == entry.account_id
