"""Association-loading values of a Relation (Rails' ``QueryMethods`` for
``preload``, ``eager_load``, ``includes``, ``references`` and ``strict_loading``).

This mixin only records what to load; ``RelationCore.load`` hands the values to the
model after the rows are read (``self.model._preload``), and the work itself is done
in ``activerecord/associations/`` (``preloader.py``: one IN query per level;
``join_dependency.py``: one LEFT OUTER JOIN query). See docs/associations.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..sql import nodes as n
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

    def strict_loading(self, value: bool | str = True) -> Self:
        """Return a relation whose records refuse lazy loads of their associations
        (Rails 6.1's ``strict_loading``): reading one that was not preloaded raises
        StrictLoadingViolationError; ``"warn"`` logs it instead (logger
        ``activerecord.strict_loading``); False lets a model's
        ``strict_loading_by_default`` records load lazily. Records preloaded or
        eager-loaded with them get the same mode. ValueError for another value."""
        if not (isinstance(value, bool) or value == "warn"):
            raise ValueError(f"strict_loading takes True, False or 'warn', not {value!r}")
        return self._clone(_strict_loading=value)

    def includes(self, *paths: Any) -> Self:
        """Return a relation that, when loaded, also loads the associations ``paths``
        (as :meth:`preload` takes them), as Rails' ``includes``: by :meth:`preload`,
        unless the relation names the table of one of them (decided when it loads:
        :meth:`references`, a hash condition ``where(artist={...})``, a column
        ``"Artist.Name"`` or ``Artist.c.Name`` in a condition or an order), or has
        :meth:`eager_load` paths; then all of them by :meth:`eager_load` (Rails'
        ``eager_loading?``). Raises AssociationNotFoundError for an unknown name,
        before any SQL."""
        self.model._preload([], paths)  # checks the names only
        return self._clone(_includes=self._includes + paths)

    def eager_load(self, *paths: Any) -> Self:
        """Return a relation that loads its records and the associations ``paths``
        (as :meth:`preload` takes them) with one SELECT of LEFT OUTER JOINs, as Rails'
        ``eager_load``: every column aliased (``t0_r0``...), the rows folded into one
        record per key, collections without duplicates; conditions and orders may name
        the joined tables. With a limit or offset and a collection among the paths,
        two statements (the page's keys first, as Rails). ``count()`` counts distinct
        records. Raises AssociationNotFoundError, or EagerLoadPolymorphicError for a
        polymorphic belongs_to, before any SQL (``associations/join_dependency.py``)."""
        self.model._association_targets(paths, True)  # checks the names only
        return self._clone(_eager_load=self._eager_load + paths)

    def references(self, *names: str) -> Self:
        """Return a relation whose :meth:`includes` of the associations (or tables)
        ``names`` are eager-loaded, because a condition or order written as SQL text
        names their tables (Rails' ``references``). TypeError for a name that is not
        a string."""
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"references() takes table or association names, "
                                f"not {name!r}")
        return self._clone(_references=self._references + names)

    def _eager_joined(self) -> tuple[Self, bool]:
        """For calculations: the relation with its eager-loaded paths LEFT JOINed,
        and whether any was (``join_dependency.eager_joined``)."""
        rel, eager = self.model._eager_joined(self)
        return rel, eager

    def _count_eager(self) -> Any:
        """``count()`` of an eager-loading relation: its distinct records (Rails'
        ``COUNT(DISTINCT key)``), clamped to its limit/offset, as the page loads them."""
        schema = self._schema()
        pk = self._key_columns("count() of an eager_load relation")
        rel = self._clone(_limit=None, _offset=None, _order=())
        if len(pk) == 1:
            total = rel.calculate("count", n.Column(pk[0], schema.table), distinct=True)
        else:
            total = rel.select(*(n.Column(c, schema.table) for c in pk)).distinct() \
                .calculate("count")
        if isinstance(total, dict) or (self._limit is None and not self._offset):
            return total
        left = max(0, total - (self._offset or 0))
        return left if self._limit is None else min(self._limit, left)
