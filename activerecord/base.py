"""``Model``, the base class of every model, composed here from one-concern mixins.

The class is composed in a file of its own (as Rails' ``base.rb`` includes its
modules in order), so no mixin imports another to build it. Each layer wraps the one
below through ``super()``: ``save()`` enters ``TransactionsMixin.save``, which opens
(or joins) the transaction and calls ``super().save()``, down to the write in
``PersistenceMixin``. So the transaction wraps validation, which wraps callbacks, which
wrap the write, as the method resolution order below says, outermost first
(docs/architecture.md)::

    class Model(
        TransactionsMixin,    # opens/joins the transaction, records itself in it,
                              #   restores the record's state on rollback
        ValidationsMixin,     # valid()/errors; an invalid save writes nothing
        CallbacksMixin,       # before/after/around; after_commit/after_rollback
        LockingMixin,         # lock_version checked in UPDATE/DELETE; record.lock()/with_lock()
        TimestampsMixin,      # created_at/updated_at inside the write
        AssociationsMixin,    # declared associations, their cache, joins by name;
                              #   autosave/dependent rules, belongs_to presence
        SerializationMixin,   # to_dict/as_json/to_json; new_from(params, permit=)
        PersistenceMixin,     # the write: _insert_record/_update_record/_delete_row/reload
        QueryingMixin,        # class-level delegates to Relation; the find fast path
        ScopingMixin,         # scope/default_scope as the model side of relations
        AttributesMixin,      # typed attributes, casting, dirty tracking
        SchemaMixin,          # table name, lazy locked schema load, reset_column_information
        Core,                 # identity, state flags, eq/hash/copies/repr; the mixins' contract
        metaclass=ModelMeta,  # Model.columns, Model.c, table_name/primary_key defaults
    )

Enum columns need no layer: ``enum(...)`` (``model/enum.py``) is a declaration that
wraps its column's type when the schema loads.

Every mixin subclasses ``Core``, which declares (for type checkers) what the mixins
reach through ``self``; ``tests/unit/test_model_layout.py`` pins this order.

A model needs no declarations::

    class Artist(Model):
        table_name = "Artist"      # optional; default inflection.tableize("Artist")
        primary_key = "ArtistId"   # optional; default: the table's primary key
"""

from __future__ import annotations

from typing import Any

from .model.associations import AssociationsMixin
from .model.attributes import AttributesMixin
from .model.callbacks import CallbacksMixin
from .model.core import Core
from .model.locking import LockingMixin
from .model.persistence import PersistenceMixin
from .model.querying import QueryingMixin
from .model.schema import ModelMeta, SchemaMixin
from .model.scoping import ScopingMixin
from .model.serialization import SerializationMixin
from .model.timestamps import TimestampsMixin
from .model.transactions import TransactionsMixin
from .model.validations import ValidationsMixin

__all__ = ["Model"]


class Model(TransactionsMixin,    # opens/joins the transaction; restores state on rollback
            ValidationsMixin,     # valid()/errors; an invalid save writes nothing
            CallbacksMixin,       # before/after/around; after_commit/after_rollback
            LockingMixin,         # lock_version; record.lock()/with_lock(); Model.lock()
            TimestampsMixin,      # created_at/updated_at inside the write
            AssociationsMixin,    # declared associations, their cache, joins by name
            SerializationMixin,   # to_dict/as_json/to_json; new_from(params, permit=)
            PersistenceMixin,     # the write: _insert_record/_update_record/_delete_row
            QueryingMixin,        # class-level delegates to Relation; find fast path
            ScopingMixin,         # scope/default_scope
            AttributesMixin,      # typed attributes, dirty tracking
            SchemaMixin,          # table name, lazy schema
            Core,                 # identity, state, eq/hash/repr; the mixins' contract
            metaclass=ModelMeta):
    """Base class of models. Subclass it once per table; see the module docstring.

    Class attributes: ``table_name`` (str), ``primary_key`` (str or tuple of str),
    ``database`` (a Database, a name given to ``connect(name=...)``, or ``None`` for
    the default database), ``abstract`` (True for a base class with no table),
    ``readonly`` (True, or a string saying why: every write raises ReadOnlyRecord
    before any SQL, as Rails' ``readonly?``; automap's tables without a primary key).
    """

    abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "abstract" not in cls.__dict__:
            cls.abstract = False
