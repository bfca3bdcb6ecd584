"""The model layer's structure (docs/architecture.md), pinned without a server:

* ``Model``'s method resolution order is the documented one, and ``base.py``'s
  docstring lists it in that order: the transaction wraps the timestamps, which wrap
  the write;
* every mixin subclasses ``Core``, which declares what they reach through ``self``;
* the class-level shortcuts made from ``_DELEGATED`` are the ones declared for type
  checkers, and each exists on ``Relation``;
* ``record.delete()`` resolves ``_delete_instance`` through the MRO, so a layer wraps it;
* ``Type.bind`` owns cast-then-serialize: strict raises the cast error, lenient gives
  ``None``; ``DateTimeType.current`` knows whether its column is aware.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import re
from decimal import Decimal

import pytest

from activerecord import Model, base
from activerecord import types as t
from activerecord.connection.introspection import ColumnInfo
from activerecord.model import (
    AssociationsMixin,
    AttributesMixin,
    CallbacksMixin,
    Core,
    LockingMixin,
    PersistenceMixin,
    QueryingMixin,
    SchemaMixin,
    ScopingMixin,
    SerializationMixin,
    TimestampsMixin,
    TransactionsMixin,
    ValidationsMixin,
    querying,
)
from activerecord.relation import Relation, predicates
from backends.mysql import types as mysql
from backends.postgresql import types as pg
from backends.sqlite import types as sqlite

LAYERS = [TransactionsMixin, ValidationsMixin, CallbacksMixin, LockingMixin,
          TimestampsMixin, AssociationsMixin, SerializationMixin, PersistenceMixin,
          QueryingMixin, ScopingMixin, AttributesMixin, SchemaMixin, Core]
UTC = dt.timezone.utc


# -- the MRO -------------------------------------------------------------------------
def test_model_mro_is_the_documented_order():
    assert list(Model.__mro__) == [Model, *LAYERS, object]


def test_base_docstring_lists_the_mro_in_order():
    doc = base.__doc__ or ""
    listed = re.findall(r"^\s+(\w+(?:Mixin)?|Core),\s+#", doc, re.M)
    assert listed == [c.__name__ for c in LAYERS]
    assert "(coming)" not in doc  # every layer the layout names is written


def test_the_transaction_wraps_the_timestamps_which_wrap_the_write():
    def owner(name):
        return next(k for k in Model.__mro__ if name in k.__dict__)

    assert owner("save") is TransactionsMixin and owner("destroy") is TransactionsMixin
    assert owner("_delete_instance") is TransactionsMixin
    # optimistic locking (the version) wraps the timestamps, which wrap the write
    assert owner("_insert_record") is CallbacksMixin  # create/update callbacks
    assert owner("_update_record") is CallbacksMixin
    for name in ("_insert_record", "_update_record"):
        assert name in LockingMixin.__dict__
    for name in ("_insert_record", "_update_record"):
        assert name in TimestampsMixin.__dict__
    mro = Model.__mro__
    assert mro.index(LockingMixin) < mro.index(TimestampsMixin) < mro.index(PersistenceMixin)
    for name in ("save", "destroy", "_delete_instance", "_insert_record", "_update_record"):
        assert name in PersistenceMixin.__dict__  # the write is below its wrappers
        assert mro.index(owner(name)) < mro.index(PersistenceMixin)


def test_every_mixin_subclasses_core():
    for mixin in LAYERS[:-1]:
        assert issubclass(mixin, Core), mixin


def test_persistence_no_longer_opens_transactions_for_save_or_destroy():
    # The write only: the transaction is TransactionsMixin's (it wraps super()).
    for name in ("save", "destroy", "_delete_instance"):
        assert ".transaction(" not in inspect.getsource(getattr(PersistenceMixin, name))
        assert ".transaction(" in inspect.getsource(TransactionsMixin.save)


# -- the delegated class methods -----------------------------------------------------
def _declared_for_type_checkers() -> set[str]:
    tree = ast.parse(inspect.getsource(querying))
    cls = next(node for node in tree.body
               if isinstance(node, ast.ClassDef) and node.name == "QueryingMixin")
    block = next(node for node in cls.body if isinstance(node, ast.If)
                 and ast.unparse(node.test) == "TYPE_CHECKING")
    return {node.name for node in block.body if isinstance(node, ast.FunctionDef)}


def test_delegated_shortcuts_are_the_declared_ones():
    assert _declared_for_type_checkers() == set(querying._DELEGATED)
    assert len(set(querying._DELEGATED)) == len(querying._DELEGATED)


@pytest.mark.parametrize("name", querying._DELEGATED)
def test_each_delegated_shortcut_is_a_relation_method(name):
    assert callable(getattr(Relation, name))
    method = getattr(Model, name)
    assert method.__self__ is Model and method.__name__ == name
    assert (getattr(Relation, name).__doc__ or "").strip() in method.__doc__


# -- delete() resolves through the MRO -----------------------------------------------
def test_record_delete_resolves_its_instance_method_through_the_mro():
    class Wrapped(Model):
        table_name = "anything"

        def _delete_instance(self):
            return ("wrapped", super()._delete_instance)

    record = Wrapped.__new__(Wrapped)
    assert record.delete.__func__ is Wrapped._delete_instance
    assert Model.__new__(Model).delete.__func__ is TransactionsMixin._delete_instance
    assert Wrapped.delete.__func__ is PersistenceMixin._delete_by_key.__func__


# -- Type.bind ---------------------------------------------------------------------
@pytest.mark.parametrize("typ,value,bound", [
    (t.IntegerType(), "42", 42), (t.IntegerType(), 7, 7), (t.IntegerType(), None, None),
    (t.DecimalType(10, 2), 0.1, Decimal("0.1")), (t.BooleanType(), "yes", True),
    (t.JSONType(), {"a": [1]}, json.dumps({"a": [1]})), (t.TextUUIDType(),
     "12345678123456781234567812345678", "12345678-1234-5678-1234-567812345678"),
    (t.DateTimeType(timezone=True), "2020-01-01 10:00",
     dt.datetime(2020, 1, 1, 10, tzinfo=UTC)),
])
def test_bind_casts_then_serializes(typ, value, bound):
    for strict in (False, True):
        got = typ.bind(value, strict=strict)
        assert got == bound and type(got) is type(bound)


@pytest.mark.parametrize("typ,value,error", [
    (t.IntegerType(), "x", ValueError), (t.IntegerType(), 1.5, ValueError),
    (t.IntegerType(), object(), TypeError), (t.DecimalType(), "1,5", ValueError),
    (t.BooleanType(), "maybe", ValueError), (t.JSONType(), {1, 2}, TypeError),
    (t.UUIDType(), "xyz", ValueError), (t.DateType(), "31/12/1999", ValueError),
    (t.FloatType(finite="all", database="X"), float("nan"), ValueError),
])
def test_bind_of_a_value_the_type_cannot_take(typ, value, error):
    assert typ.bind(value) is None  # lenient: NULL, which matches no row
    with pytest.raises(error):
        typ.bind(value, strict=True)


def test_one_list_of_cast_errors():
    assert predicates.CAST_ERRORS is t.CAST_ERRORS
    assert {TypeError, ValueError, ArithmeticError} <= set(t.CAST_ERRORS)


def test_lenient_and_strict_conditions_keep_their_meaning():
    col = predicates.n.Column("id", "t")
    typ = t.IntegerType()
    assert predicates.bind_value(col, typ, "abc", lenient=True) is predicates.NOMATCH
    assert predicates.bind_value(col, typ, None, lenient=True) is None
    assert predicates.bind_value(col, typ, "5", lenient=True) == 5
    with pytest.raises(predicates.AttributeCastError, match=r"cannot compare t\.id "
                       r"\(integer\) with 'abc'"):
        predicates.bind_value(col, typ, "abc")
    with pytest.raises(predicates.AttributeCastError, match=r"cannot assign 'abc' to t\.id"):
        predicates.bind_strict(col, typ, "abc", write=True)


# -- DateTimeType.current ------------------------------------------------------------
NOW = dt.datetime(2024, 5, 6, 9, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def test_current_of_an_aware_column_is_aware_utc():
    got = t.DateTimeType(timezone=True).current(NOW)
    assert got == NOW and got.tzinfo is UTC and got.hour == 7


def test_current_of_a_naive_column_is_utc_wall_time():
    got = t.DateTimeType().current(NOW)
    assert got.tzinfo is None and got == dt.datetime(2024, 5, 6, 7, 30, 15, 123456)


def test_current_defaults_to_the_clock():
    before = dt.datetime.now(UTC)
    aware, naive = t.DateTimeType(timezone=True).current(), t.DateTimeType().current()
    after = dt.datetime.now(UTC)
    assert aware.tzinfo is UTC and before <= aware <= after
    assert naive.tzinfo is None and before <= naive.replace(tzinfo=UTC) <= after


def test_current_of_another_type_is_naive_utc_for_assignment_to_cast():
    got = t.DateType().current(NOW)
    assert got == dt.datetime(2024, 5, 6, 7, 30, 15, 123456)
    assert t.DateType().cast(got) == dt.date(2024, 5, 6)


def test_backend_datetime_types_know_whether_they_are_aware():
    def current(module, sql_type, timezone):
        info = ColumnInfo(name="c", type="datetime", sql_type=sql_type, nullable=True,
                          timezone=timezone)
        return module.type_for(info).current(NOW)

    for module, aware, naive in [(sqlite, "timestamp with time zone", "datetime"),
                                 (pg, "timestamp with time zone", "timestamp"),
                                 (mysql, "timestamp", "datetime")]:
        assert current(module, aware, True).tzinfo is UTC
        assert current(module, naive, False) == NOW.astimezone(UTC).replace(tzinfo=None)
