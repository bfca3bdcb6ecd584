"""The query builder: :class:`Relation`, composed from one-concern mixins (Rails'
``Relation``, which includes ``FinderMethods``, ``Calculations``, ``QueryMethods``,
``Batches`` ... from ``relation/``; see docs/architecture.md).

Each mixin subclasses :class:`~activerecord.relation.core.RelationCore` with
``__slots__ = ()``, so they share one instance layout; they call each other through
``self`` and reach the model only through ``self.model``. The class is composed here,
in a file of its own, so that no mixin imports another or this package.
"""

from __future__ import annotations

from .batches import Batches, BatchMethods
from .bulk import BulkWrites
from .calculations import Calculations
from .contract import M
from .core import RelationCore
from .eager_loading import EagerLoading
from .finders import FinderMethods
from .query_methods import QueryMethods

__all__ = ["Relation", "RelationCore", "Batches"]


class Relation(QueryMethods[M], FinderMethods[M], Calculations[M], BatchMethods[M],
               EagerLoading[M], BulkWrites[M], RelationCore[M]):
    """A lazy, immutable, chainable query over one model's table. Build one with the
    model's class methods (``Artist.where(...)``, ``Artist.order(...)``,
    ``Artist.all()``); see docs/querying.md for the whole interface.

    Generic over the record type: a ``Relation[Artist]`` iterates ``Artist`` records,
    and its finders (``first``, ``find``, ``find_by``, ``create``...) return them;
    builders return the relation's own type.

    Method resolution order, outermost first:

    ========================  =====================================================
    ``QueryMethods``          where/or_/rewhere/unscope/none, order/limit/offset/
                              page/distinct/select/group/having, joins/left_joins
    ``FinderMethods``         first/last/take/sole/find/find_by, ``rel[i]``,
                              scoped new/create/find_or_create_by/create_or_find_by
    ``Calculations``          count/sum/average/minimum/maximum/pluck/pick/ids/exists
    ``BatchMethods``          find_each/find_in_batches/in_batches
    ``EagerLoading``          preload/includes/eager_load/references/
                              strict_loading (what to load with the records)
    ``BulkWrites``            update_all/delete_all
    ``RelationCore``          slots, _clone, column resolution, keys, SELECT node,
                              loading; declares the sibling methods mixins call
    ========================  =====================================================
    """

    __slots__ = ()
