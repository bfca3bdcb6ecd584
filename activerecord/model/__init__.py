"""The record: one concern a module (Rails' top-level ``ActiveRecord`` mixins).

``activerecord.base.Model`` composes these mixins; its docstring lists the method
resolution order. This face names them in that order, outermost first:

* ``transactions.py``: ``TransactionsMixin`` (save/destroy/delete in the record's
  transaction, state restored on rollback) and :func:`transaction`;
* ``validations.py``: ``ValidationsMixin`` (``valid()``, ``errors``, the save gate;
  the validators in ``validators.py``);
* ``callbacks.py``: ``CallbacksMixin`` (before/after/around callbacks,
  after_commit/after_rollback);
* ``locking.py``: ``LockingMixin`` (row locks: ``record.lock()``, ``with_lock()``);
* ``timestamps.py``: ``TimestampsMixin`` (``created_at``/``updated_at`` in the write);
* ``associations.py``: ``AssociationsMixin`` (declared associations, their cache,
  joins by association name);
* ``serialization.py``: ``SerializationMixin`` (``to_dict``/``as_json``/``to_json``,
  ``new_from(params, permit=...)``);
* ``persistence.py``: ``PersistenceMixin`` (INSERT/UPDATE/DELETE/reload, row loading);
* ``querying.py``: ``QueryingMixin`` (class-level relations, the ``find`` fast path);
* ``scoping.py``: ``ScopingMixin``, :class:`scope`, :class:`default_scope`;
* ``attributes.py``: ``AttributesMixin`` (typed attributes, dirty tracking);
* ``schema.py``: ``SchemaMixin``, ``ModelMeta``, ``ModelSchema`` (the table);
* ``core.py``: ``Core`` (identity, state, equality; the base every mixin subclasses).
"""

from __future__ import annotations

from .associations import AssociationsMixin
from .attributes import AttributesMixin
from .callbacks import CallbacksMixin
from .core import Core
from .locking import LockingMixin
from .persistence import PersistenceMixin
from .querying import QueryingMixin
from .schema import ModelMeta, SchemaMixin
from .scoping import ScopingMixin, default_scope, scope
from .serialization import SerializationMixin
from .timestamps import TimestampsMixin
from .transactions import TransactionsMixin, transaction
from .validations import ValidationsMixin

__all__ = ["TransactionsMixin", "ValidationsMixin", "CallbacksMixin", "LockingMixin",
           "TimestampsMixin", "AssociationsMixin", "SerializationMixin", "PersistenceMixin",
           "QueryingMixin", "ScopingMixin", "AttributesMixin", "SchemaMixin", "Core",
           "ModelMeta", "scope", "default_scope", "transaction"]
