"""Optimistic locking by a ``lock_version`` column (issue 10, point 4), on every
database: the version written on INSERT, checked and incremented on UPDATE and
destroy, StaleObjectError leaving the row and the record as they were, rollbacks
giving the version back, and two threads saving one row: exactly one wins."""

from __future__ import annotations

import threading

import pytest

from activerecord import Model, Rollback, StaleObjectError, transaction
from activerecord.testing import capture_sql
from tests.support.threads import run_threads


class OlDoc(Model):
    table_name = "ol_docs"


class OlCustom(Model):
    table_name = "ol_custom"
    locking_column = "revision"


class OlOff(Model):
    table_name = "ol_docs"
    lock_optimistically = False


@pytest.fixture
def docs(db, make_table):
    make_table("ol_docs", id="pk", title="string(40)", lock_version="int")
    make_table("ol_custom", id="pk", title="string(40)", revision="int NOT NULL DEFAULT 0")
    for model in (OlDoc, OlCustom, OlOff):
        model.reset_column_information()
    return OlDoc


def test_insert_writes_version_zero_and_updates_increment_it(db, docs):
    doc = docs.create(title="a")
    assert doc.lock_version == 0 and docs.find(doc.id).lock_version == 0
    doc.title = "b"
    with capture_sql() as sql:
        doc.save()
    assert doc.lock_version == 1 and docs.find(doc.id).lock_version == 1
    update = next(s for s in sql if s.startswith("UPDATE"))
    assert "lock_version" in update.split("WHERE")[1]  # checked, not only set
    assert not doc.has_changes
    with capture_sql() as sql:
        assert doc.save()  # nothing changed: no UPDATE, no new version
    assert not any(s.startswith("UPDATE") for s in sql) and doc.lock_version == 1


def test_a_stale_update_raises_and_changes_nothing(db, docs):
    doc = docs.create(title="a")
    first, second = docs.find(doc.id), docs.find(doc.id)
    first.update(title="first")
    second.title = "second"
    with pytest.raises(StaleObjectError, match="OlDoc"):
        second.save()
    row = docs.find(doc.id)
    assert (row.title, row.lock_version) == ("first", 1)
    assert second.lock_version == 0 and second.changes == {"title": ("a", "second")}
    second.reload()
    second.update(title="second")  # after a reload it saves
    assert docs.find(doc.id).title == "second" and second.lock_version == 2


def test_a_stale_destroy_raises_and_keeps_the_row(db, docs):
    doc = docs.create(title="a")
    stale = docs.find(doc.id)
    doc.update(title="b")
    with pytest.raises(StaleObjectError):
        stale.destroy()
    assert not stale.destroyed and docs.exists(doc.id)
    stale.reload().destroy()
    assert not docs.exists(doc.id)
    other = docs.create(title="c")
    old = docs.find(other.id)
    other.update(title="d")
    old.delete()  # as Rails: delete() does not check the version
    assert not docs.exists(other.id)


def test_a_form_version_is_the_one_required(db, docs):
    doc = docs.create(title="a")
    doc.update(title="b")  # version 1 now
    from_form = docs.find(doc.id)
    from_form.lock_version = 0  # the version the form was rendered with
    from_form.title = "from an old form"
    with pytest.raises(StaleObjectError):
        from_form.save()
    assert docs.find(doc.id).title == "b"


def test_a_rollback_gives_the_version_back(db, docs):
    doc = docs.create(title="a")
    with transaction():
        doc.update(title="b")
        assert doc.lock_version == 1
        raise Rollback
    assert doc.lock_version == 0 and doc.changes == {"title": ("a", "b")}
    doc.save()  # the retried save checks the version the row still has
    assert docs.find(doc.id).lock_version == 1 and doc.lock_version == 1


def test_custom_column_and_switching_off(db, docs):
    rec = OlCustom.create(title="a")
    assert rec.revision == 0
    stale = OlCustom.find(rec.id)
    rec.update(title="b")
    assert rec.revision == 1
    stale.title = "c"
    with pytest.raises(StaleObjectError):
        stale.save()
    doc = docs.create(title="x")
    off = OlOff.find(doc.id)
    doc.update(title="y")
    off.update(title="z")  # lock_optimistically = False: last write wins
    assert docs.find(doc.id).title == "z" and off.lock_version == 0


def test_a_null_version_in_the_row_is_matched(db, docs):
    doc = docs.create(title="a")
    docs.where(id=doc.id).update_all(lock_version=None)
    loaded = docs.find(doc.id)
    loaded.update(title="b")
    assert loaded.lock_version == 1 and docs.find(doc.id).lock_version == 1


def test_two_threads_saving_one_row_exactly_one_wins(db, docs):
    doc = docs.create(title="start")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def writer(name):
        record = docs.find(doc.id)
        record.title = name
        barrier.wait(10)
        try:
            record.save()
            outcomes[name] = "saved"
        except StaleObjectError:
            outcomes[name] = "stale"

    run_threads(writer, [("w1",), ("w2",)])
    assert sorted(outcomes.values()) == ["saved", "stale"]
    winner = next(n for n, o in outcomes.items() if o == "saved")
    row = docs.find(doc.id)
    assert (row.title, row.lock_version) == (winner, 1)


def test_dup_starts_a_new_version(db, docs):
    doc = docs.create(title="a")
    doc.update(title="b")
    twin = doc.dup()
    assert twin.lock_version is None
    twin.save()
    assert twin.lock_version == 0 and docs.find(twin.id).lock_version == 0
