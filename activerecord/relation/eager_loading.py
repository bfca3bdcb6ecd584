"""Association-loading values of a Relation (Rails' ``QueryMethods`` for
``preload``, ``eager_load``, ``includes``, ``references`` and ``strict_loading``).

This mixin only records what to load; ``RelationCore.load`` hands the values to the
model after the rows are read (``self.model._preload``), and the work itself is done
in ``activerecord/associations/`` (``preloader.py``: one IN query per level;
``join_dependency.py``: one LEFT OUTER JOIN query). See docs/associations.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .contract import M
from .core import RelationCore

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["EagerLoading"]


class EagerLoading(RelationCore[M]):
    """Builders of the association-loading values (see the module doc)."""

    __slots__ = ()

    def preload(self, *paths: Any) -> Self:
        """Return a relation that, when loaded, also loads the associations ``paths``
        (names, ``{"albums": "tracks"}`` dicts, lists) of its records with one IN
        query per level, as Rails' ``preload``. Raises AssociationNotFoundError for an
        unknown name, before any SQL."""
        self.model._preload([], paths)  # checks the names only
        return self._clone(_preload=self._preload + paths)

    def includes(self, *paths: Any) -> Self:
        """Like :meth:`preload` (Rails' ``includes`` without ``references``: no JOIN
        is made; ``eager_load`` is not written yet)."""
        return self.preload(*paths)
