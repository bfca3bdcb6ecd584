"""The record: one concern a module (Rails' top-level ``ActiveRecord`` mixins).

``activerecord.base.Model`` composes these mixins; its docstring lists the method
resolution order. The face of this package names them in that order.
"""

from __future__ import annotations

from .attributes import AttributesMixin
from .core import Core
from .persistence import PersistenceMixin
from .querying import QueryingMixin
from .schema import ModelMeta, SchemaMixin
from .scoping import ScopingMixin, default_scope, scope
from .transactions import TransactionsMixin, transaction

__all__ = ["TransactionsMixin", "PersistenceMixin", "QueryingMixin", "ScopingMixin",
           "AttributesMixin", "SchemaMixin", "Core", "ModelMeta", "scope", "default_scope",
           "transaction"]
