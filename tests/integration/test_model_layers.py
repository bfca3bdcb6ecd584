"""The model's layers on every database (docs/architecture.md; ``activerecord/base.py``
lists the order): ``save()``/``destroy()`` open (or join) the transaction and run every
layer below them inside it, so whatever a layer raises, also after its statement ran,
rolls the whole write back and gives the record its state back; the timestamps layer
stamps inside the write with ``Type.current`` (aware UTC, or naive UTC wall time);
``record.delete()`` goes through the layers' ``_delete_instance``."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import Model, RecordNotFound, transaction
from activerecord.model import (
    AttributesMixin,
    CallbacksMixin,
    Core,
    ModelMeta,
    PersistenceMixin,
    QueryingMixin,
    SchemaMixin,
    ScopingMixin,
    TimestampsMixin,
    TransactionsMixin,
    ValidationsMixin,
)
from activerecord.testing import capture_sql

UTC = dt.timezone.utc


class Boom(Exception):
    pass


class Item(Model):
    table_name = "ml_items"


class FailingWrite(Model):
    """Raises after its INSERT/UPDATE statement ran, while ``_fail`` is set."""

    table_name = "ml_items"
    _fail = True

    def _insert_record(self, schema) -> None:
        super()._insert_record(schema)
        if self._fail:
            raise Boom("after the INSERT")

    def _update_record(self, schema) -> None:
        super()._update_record(schema)
        if self._fail:
            raise Boom("after the UPDATE")


class CountedDelete(Model):
    table_name = "ml_items"
    deletes: list = []

    def _delete_instance(self):
        type(self).deletes.append(self.id)
        return super()._delete_instance()


class Stamped(Model):
    table_name = "ml_stamped"


@pytest.fixture
def tables(make_table):
    make_table("ml_items", id="pk", name="string(40) NOT NULL", qty="int",
               created_at="datetime", updated_at="datetime")
    make_table("ml_log", id="pk", note="string(60) NOT NULL")
    make_table("ml_stamped", id="pk", name="string(40)", created_at="datetime_tz",
               updated_at="datetime_tz")


def _rows(db, sql):
    return [tuple(r) for r in db.execute(sql).rows]


def _layered(db, fail: bool) -> type:
    """A model composed with one more layer between the validations and callbacks and
    the write: it runs SQL of its own after ``super()``."""

    class Audit(Core):
        def save(self) -> bool:
            assert db.in_transaction  # the transaction wraps this layer
            saved = super().save()
            db.execute("INSERT INTO ml_log (note) VALUES (?)", [f"saved {self._attrs['name']}"])
            if fail:
                raise Boom("after the audit row")
            return saved

        def destroy(self):
            assert db.in_transaction
            gone = super().destroy()
            db.execute("INSERT INTO ml_log (note) VALUES (?)", ["destroyed"])
            if fail:
                raise Boom("after the audit row")
            return gone

    class AuditedItem(TransactionsMixin, ValidationsMixin, CallbacksMixin, Audit,
                      TimestampsMixin, PersistenceMixin,
                      QueryingMixin, ScopingMixin, AttributesMixin, SchemaMixin, Core,
                      metaclass=ModelMeta):
        table_name = "ml_items"

    return AuditedItem


# -- the transaction wraps the write -------------------------------------------------
def test_a_failure_after_the_update_rolls_the_save_back_and_restores_the_record(tables, db):
    item = Item.create(name="a", qty=1)
    record = FailingWrite.find(item.id)
    stamp = record.updated_at
    record.qty = 2
    with pytest.raises(Boom, match="after the UPDATE"):
        record.save()
    assert _rows(db, "SELECT qty FROM ml_items") == [(1,)]
    assert Item.find(item.id).updated_at == stamp
    assert record.persisted and record.qty == 2 and record.changes["qty"] == (1, 2)
    record._fail = False
    assert record.save() and not record.has_changes
    assert _rows(db, "SELECT qty FROM ml_items") == [(2,)]


def test_a_failure_after_the_insert_rolls_it_back_and_the_record_is_new_again(tables, db):
    record = FailingWrite(name="b", qty=5)
    with pytest.raises(Boom, match="after the INSERT"):
        record.save()
    assert _rows(db, "SELECT name FROM ml_items") == []
    assert record.new_record and record.id is None and record.qty == 5
    record._fail = False
    record.save()
    assert record.persisted and Item.find(record.id).qty == 5


def test_a_failure_inside_an_open_transaction_rolls_back_only_with_it(tables, db):
    record = FailingWrite(name="c")
    with pytest.raises(Boom):
        with transaction():
            Item.create(name="kept until the rollback")
            record.save()
    assert _rows(db, "SELECT name FROM ml_items") == [] and record.new_record


def test_a_layer_between_the_transaction_and_the_write_runs_inside_it(tables, db):
    ok = _layered(db, fail=False)
    record = ok(name="x", qty=1)
    assert record.save() and record.persisted
    assert _rows(db, "SELECT name FROM ml_items") == [("x",)]
    assert _rows(db, "SELECT note FROM ml_log") == [("saved x",)]
    failing = _layered(db, fail=True)
    other = failing(name="y")
    with pytest.raises(Boom):
        other.save()
    assert other.new_record and other.id is None
    gone = failing.find(record.id)
    with pytest.raises(Boom):
        gone.destroy()
    assert not gone.destroyed and gone.persisted
    # both failures took their own rows and the audit rows with them
    assert _rows(db, "SELECT name FROM ml_items") == [("x",)]
    assert _rows(db, "SELECT note FROM ml_log") == [("saved x",)]
    ok.find(record.id).destroy()
    assert _rows(db, "SELECT note FROM ml_log ORDER BY id") == [("saved x",), ("destroyed",)]


def test_a_save_with_nothing_to_write_opens_no_transaction(tables, db):
    record = Item.create(name="a")
    with capture_sql() as sql:
        assert record.save() is True
    assert sql == []  # not even BEGIN/COMMIT


def test_delete_goes_through_the_layers(tables, db):
    record = CountedDelete.find(Item.create(name="d").id)
    CountedDelete.deletes.clear()
    with pytest.raises(Boom):
        with transaction():
            record.delete()
            raise Boom
    assert CountedDelete.deletes == [record.id] and record.persisted
    record.delete()
    assert record.destroyed and CountedDelete.deletes == [record.id] * 2
    with pytest.raises(RecordNotFound):
        Item.find(record.id)


# -- timestamps inside the write -----------------------------------------------------
def test_naive_timestamp_columns_hold_utc_wall_time(tables, db):
    before = dt.datetime.now(UTC).replace(tzinfo=None)
    record = Item.create(name="n")
    Item.insert_all([{"name": "bulk"}])
    after = dt.datetime.now(UTC).replace(tzinfo=None)
    bulk = Item.find_by(name="bulk")
    for stamped in (record, Item.find(record.id), bulk):
        assert stamped.created_at.tzinfo is None
        assert before - dt.timedelta(seconds=1) <= stamped.created_at <= after
        assert stamped.updated_at == stamped.created_at


def test_aware_timestamp_columns_hold_aware_utc(tables, db):
    before = dt.datetime.now(UTC)
    record = Stamped.create(name="a")
    Stamped.insert_all([{"name": "bulk"}])
    after = dt.datetime.now(UTC)
    for stamped in (record, Stamped.find(record.id), Stamped.find_by(name="bulk")):
        assert stamped.created_at.utcoffset() == dt.timedelta(0)
        assert before - dt.timedelta(seconds=1) <= stamped.created_at <= after
        assert stamped.updated_at == stamped.created_at


def test_update_stamps_updated_at_only_when_something_changed(tables, db):
    old = dt.datetime(2001, 2, 3, 4, 5, 6)
    record = Item.create(name="u", created_at=old, updated_at=old)
    assert Item.find(record.id).created_at == old  # assigned values are kept
    record.save()
    assert Item.find(record.id).updated_at == old  # nothing changed: nothing stamped
    record.qty = 3
    record.save()
    fresh = Item.find(record.id)
    assert fresh.updated_at > old and fresh.created_at == old
    record.updated_at = old
    record.name = "v"
    record.save()
    assert Item.find(record.id).updated_at == old  # assigned with the change: kept
