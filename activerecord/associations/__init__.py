"""Associations between models: ``belongs_to``, ``has_many``, ``has_one`` (Rails'
``ActiveRecord::Associations``; docs/associations.md, docs/architecture.md).

Floor 3: this package imports relation/, connection/, sql/, types and errors, never
the model; the record side (cache, ``reset_association``, joins by name) is
``activerecord/model/associations.py``.
"""

from __future__ import annotations

from .builder import belongs_to, has_and_belongs_to_many, has_many, has_one
from .reflection import Reflection, register_model

__all__ = ["belongs_to", "has_many", "has_one", "has_and_belongs_to_many",
           "Reflection", "register_model"]
