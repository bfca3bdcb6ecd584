"""Joins by association name and eager loading (Rails' ``JoinDependency``, its
``AliasTracker`` and ``JoinDependency#construct``; docs/associations.md, "Joins and
eager loading"; docs/architecture.md).

Floor 3: called by the model's thin classmethods (``model/associations.py``), which
``Relation`` reaches through ``self.model`` (``relation/contract.py``):

* :func:`association_joins` -- the JOINs of ``joins("artist")``, ``left_joins``,
  nested dicts and lists (``{"album": "artist"}``), for every kind: belongs_to,
  has_many, has_one, has_and_belongs_to_many (the join table, then the target) and
  through associations to any depth (the tables of ``through.py``'s links). Each
  JOIN is tagged with its association path (``Join.association``), so a path joined
  twice is joined once and ``where(artist={...})`` finds its table.
* :func:`eager_load` -- the records of a relation with ``eager_load`` paths: one
  SELECT with LEFT OUTER JOINs, every column aliased ``t<table>_r<column>`` (Rails),
  the rows folded back into one record per primary key and table, in the order rows
  arrive, collections without duplicates; each association stored in the records'
  caches (readers send no query) with its inverse. With a LIMIT/OFFSET and a
  collection among the paths, 2 statements, as Rails: the parent keys of the page
  first, then the full join of those keys (in the page's order).
* :func:`resolve_includes` -- Rails' ``eager_loading?``: ``includes`` paths are
  preloaded, unless the relation names the table of one of them.

Table names in one query (Rails' ``AliasTracker``): a table keeps its own name the
first time it appears (the relation's table first, then its joins in order), so
``where(Artist.c.Name == ...)`` and ``"Artist.Name"`` keep working; a table met again is
aliased ``<plural of the association name>_<parent's table>`` (``managers_Employee``
for ``Employee.joins("manager")``), with ``_join`` appended for the tables on the way
to a through or many-to-many target, then ``_2``, ``_3``... while the name is taken,
cut to 63 characters (PostgreSQL's limit); names are compared ignoring case. A column
of an aliased table is named ``"managers_Employee.FirstName"``, or by the association
path (``"manager.FirstName"``, ``where(manager={"FirstName": ...})``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

import inflection

from ..errors import EagerLoadPolymorphicError
from ..relation import predicates as p
from ..relation.core import wrap_subquery
from ..sql import nodes as n
from . import association as a
from .collection import CollectionProxy
from .habtm import ManyToManyProxy
from .through import HasManyThrough, ThroughProxy, chain, links_of

__all__ = ["association_joins", "targets", "eager_load", "resolve_includes",
           "eager_joined", "JoinDependency", "parse"]

#: The longest table alias made (PostgreSQL truncates names beyond 63 bytes).
MAX_ALIAS = 63
#: The kinds of association that hold several records (Rails' non-"limitable").
COLLECTIONS = frozenset({"has_many", "has_many_through", "has_and_belongs_to_many"})

#: ``{association name: (reflection, nested tree)}``.
Tree = dict[str, tuple[Any, "Tree"]]
JoinPart = tuple[n.Node, Any]


# -- paths ----------------------------------------------------------------------------
def parse(model: Any, paths: Any, what: str, joinable: bool = True) -> Tree:
    """The tree of ``paths`` (a name, a dict ``{name: nested}``, a list of them) on
    ``model``. Raises, before any SQL: AssociationNotFoundError for an unknown name
    (listing the known ones), TypeError for a path of another type, and, when
    ``joinable``, EagerLoadPolymorphicError for a polymorphic belongs_to (skipped
    otherwise: it has no one table)."""
    out: Tree = {}
    for name, nested in _items(paths, what):
        reflection = model.reflect_on_association(name)
        if reflection.polymorphic:
            if joinable:
                raise EagerLoadPolymorphicError(
                    f"{reflection!r} is polymorphic: its target table differs per row, "
                    f"so {what}() cannot join it; preload it instead",
                    association=f"{model.__name__}.{name}")
            continue
        _merge(out, {name: (reflection, parse(reflection.target, nested, what, joinable))})
    return out


def _items(paths: Any, what: str) -> list[tuple[str, Any]]:
    if isinstance(paths, str):
        return [(paths, ())]
    if isinstance(paths, dict):
        return list(paths.items())
    if isinstance(paths, (list, tuple)):
        return [item for path in paths for item in _items(path, what)]
    raise TypeError(f"{what}() takes association names, dicts or lists of them, "
                    f"not {paths!r}")


def _merge(into: Tree, tree: Tree) -> None:
    for name, (reflection, nested) in tree.items():
        if name in into:
            _merge(into[name][1], nested)
        else:
            into[name] = (reflection, nested)


def targets(model: Any, paths: Any, joinable: bool = False
            ) -> list[tuple[tuple[str, ...], Any]]:
    """``[(path, target model), ...]`` of every association in ``paths`` (parents
    before their nested ones); raises as :func:`parse` (polymorphic ones skipped
    unless ``joinable``). No SQL."""
    out: list[tuple[tuple[str, ...], Any]] = []

    def walk(tree: Tree, prefix: tuple[str, ...]) -> None:
        for name, (reflection, nested) in tree.items():
            out.append((prefix + (name,), reflection.target))
            walk(nested, prefix + (name,))
    walk(parse(model, paths, "includes", joinable), ())
    return out


# -- joins ----------------------------------------------------------------------------
def label_of(node: n.Join) -> str:
    """The name of a joined table in the query: its alias, else its name."""
    return node.table.alias or node.table.name


class Aliases:
    """The table names used in one query (Rails' ``AliasTracker``; module doc)."""

    def __init__(self, used: Iterable[str]) -> None:
        self._used = {u.lower() for u in used}

    def name_for(self, table: str, candidate: str) -> str:
        """``table`` when not used yet, else ``candidate`` (then ``_2``, ``_3``...)."""
        name, i = table, 1
        if name.lower() in self._used:
            name = candidate[:MAX_ALIAS]
        while name.lower() in self._used:
            i += 1
            name = f"{candidate[:MAX_ALIAS - len(str(i)) - 1]}_{i}"
        self._used.add(name.lower())
        return name


@dataclasses.dataclass(eq=False)
class Joined:
    """One table of a JoinDependency's tree (Rails' ``JoinBase``/``JoinAssociation``):
    the root (``reflection`` None) or an association's target, ``label`` its name in
    the query, ``path`` the association names from the root."""

    reflection: Any
    model: Any
    label: str
    path: tuple[str, ...] = ()
    children: list[Joined] = dataclasses.field(default_factory=list)


class JoinDependency:
    """The joins of association paths from ``model``, after the relation's ``joins``
    (their table names are taken; an association path joined there is reused, not
    joined again, as Rails merges a ``joins`` and an ``eager_load`` of one
    association). ``joins`` collects the new ``(Join node, model)`` parts in order."""

    def __init__(self, model: Any, joins: Sequence[JoinPart] = ()) -> None:
        table = model._load_schema().table
        self.root = Joined(None, model, table)
        self.joins: list[JoinPart] = []
        self._joined: dict[tuple[str, ...], str] = {}
        used = [table]
        for node, _model in joins:
            if isinstance(node, n.Join):
                used.append(label_of(node))
                if node.association:
                    self._joined.setdefault(node.association, label_of(node))
        self._aliases = Aliases(used)

    def add(self, tree: Tree, kind: str, parent: Joined | None = None) -> None:
        """Join every association of ``tree`` below ``parent`` (the root), ``kind``
        ``"INNER"`` or ``"LEFT"``; the tree's nodes become ``parent``'s children."""
        parent = parent or self.root
        for name, (reflection, nested) in tree.items():
            path = parent.path + (name,)
            label = self._joined.get(path)
            if label is None:
                label = self._join(reflection, parent, kind, path)
                self._joined[path] = label
            child = Joined(reflection, reflection.target, label, path)
            parent.children.append(child)
            self.add(nested, kind, child)

    def _join(self, reflection: Any, parent: Joined, kind: str,
              path: tuple[str, ...]) -> str:
        """Join the tables from ``parent`` to ``reflection``'s target (one per link
        of its chain); return the target's name in the query."""
        hops = chain(reflection)
        near, parent_table = parent.label, parent.model._load_schema().table
        for h, hop in enumerate(hops):
            links = links_of(hop)
            for i, link in enumerate(links):
                final = h == len(hops) - 1 and i == len(links) - 1
                word = inflection.pluralize(reflection.name if final else hop.name)
                candidate = f"{word}_{parent_table}" + ("" if final else "_join")
                label = self._aliases.name_for(link.table.name, candidate)
                table = link.table if label == link.table.name else \
                    dataclasses.replace(link.table, alias=label)
                on: list[n.Node] = [n.Column(f, label) == n.Column(c, near)
                                    for f, c in zip(link.far, link.prev)]
                on += link.conditions(label)
                self.joins.append((n.Join(table, n.and_(*on), kind,
                                          path if final else ()), link.model))
                near = label
        return near

    def segments(self) -> list[Joined]:
        """The root, then every association's table, depth first."""
        out: list[Joined] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out


def association_joins(model: Any, path: Any, kind: str,
                      joins: Sequence[JoinPart] = ()) -> list[JoinPart]:
    """The ``(Join node, joined model)`` parts of ``joins(path)`` (``kind`` "INNER")
    or ``left_joins(path)`` ("LEFT") on a relation of ``model`` that has ``joins``
    already (see :class:`JoinDependency`; the model is None for a join table).
    Raises as :func:`parse`, before any SQL."""
    dependency = JoinDependency(model, joins)
    dependency.add(parse(model, path, "joins"), kind)
    return dependency.joins


def _joined(relation: Any, dependency: JoinDependency) -> Any:
    """``relation`` with the dependency's joins, its association columns requalified,
    and no association-loading values left."""
    rel = relation._clone(_joins=relation._joins + tuple(dependency.joins),
                          _eager_load=(), _includes=(), _preload=())
    return rel._requalified()


def eager_joined(relation: Any) -> tuple[Any, bool]:
    """``(relation, eager)``: the relation with its eager_load paths (and its
    ``includes`` when they must be joined) LEFT JOINed, for a calculation, a pluck
    or a bulk write (``update_all``/``delete_all``); ``eager`` says whether any was
    (then ``count()`` counts distinct parents, as Rails). With a LIMIT/OFFSET and a
    collection among the paths, the limit is of records, not of joined rows: the
    relation returned has no limit and keeps the rows of the page's records
    (``pk IN (the page's keys)``, the keys :func:`eager_load` reads first), as
    Rails' ``apply_join_dependency``. UnknownPrimaryKey, before any SQL, for that
    case on a table without a primary key."""
    rel = resolve_includes(relation) if relation._includes else relation
    if not rel._eager_load:
        return rel, False
    dependency = _dependency(rel)
    base = _joined(rel, dependency)
    if _paged(base, dependency.segments()):
        schema = base._schema()
        cols = tuple(n.Column(c, schema.table) for c in schema.pk)
        page = wrap_subquery(_page_node(base, schema), "page")
        base = base._clone(_limit=None, _offset=None)._and(
            n.In(cols[0] if len(cols) == 1 else n.Tuple(cols), page))
    return base, True


def _dependency(relation: Any) -> JoinDependency:
    """The LEFT JOINs of ``relation``'s eager_load paths, after its ``joins``."""
    dependency = JoinDependency(relation.model, relation._joins)
    dependency.add(parse(relation.model, relation._eager_load, "eager_load"), "LEFT")
    return dependency


def _paged(base: Any, joined: list[Joined]) -> bool:
    """Whether ``base`` (an eager-joined relation) has a LIMIT/OFFSET and a
    collection among its joined associations (``joined``: the root first), so that
    its page must be found by keys (Rails' non-"limitable" reflections)."""
    limited = base._limit is not None or bool(base._offset)
    return limited and any(j.reflection.macro in COLLECTIONS for j in joined[1:])


# -- includes: preload or eager_load ----------------------------------------------------
def resolve_includes(relation: Any) -> Any:
    """``relation`` with its ``includes`` paths moved to ``eager_load`` when it has
    eager_load paths already or :func:`references_included` says so, else to
    ``preload`` (Rails' ``eager_loading?``)."""
    paths = relation._includes
    if relation._eager_load or references_included(relation, paths):
        return relation._clone(_includes=(), _eager_load=relation._eager_load + paths)
    return relation._clone(_includes=(), _preload=relation._preload + paths)


def references_included(relation: Any, paths: tuple[Any, ...]) -> bool:
    """Whether the relation names an association of ``paths`` it has not joined: by
    ``references(...)`` (a table or association name), a hash condition on it
    (``where(artist={...})``) or a column of its table in a condition or an order
    (``"Artist.Name"``, ``Artist.c.Name``)."""
    if not (relation._references or relation._where or relation._order):
        return False
    names = set(relation._references)
    tables: set[str] = set()
    refs: set[tuple[str, ...]] = set()
    for node in [c.node for c in relation._where] + list(relation._order):
        for col in p.columns_in(node):
            if isinstance(col.table, p.AssociationRef):
                refs.add(col.table.path)
            elif col.table:
                tables.add(col.table)
    labels = {relation._schema().table}
    joined = set()
    for node, _model in relation._joins:
        if isinstance(node, n.Join):
            labels.add(label_of(node))
            joined.add(node.association)
    for path, target in targets(relation.model, paths):
        table = target._load_schema().table
        if path in joined or (path not in refs and table in labels):
            continue
        if path in refs or table in tables or {table, path[-1], ".".join(path)} & names:
            return True
    return False


# -- eager_load -------------------------------------------------------------------------
def eager_load(relation: Any) -> list[Any]:
    """The records of ``relation`` (its ``eager_load`` paths set) with those
    associations loaded, by one LEFT OUTER JOIN query, or two with a LIMIT/OFFSET
    and a collection among them (see the module doc). Raises, before any SQL, what
    :func:`parse` raises and ValueError for a relation with ``select(...)``
    (eager loading reads every column of each table) or ``group(...)``/``having``
    (grouped rows would fold into records missing their associated rows)."""
    if relation._select:
        raise ValueError("eager_load() reads every column of each table: it cannot be "
                         "combined with select(...); use preload(...)")
    if relation._group or relation._having:
        raise ValueError("eager_load() folds every joined row into records: it cannot "
                         "load a relation with group(...)/having(...); use preload(...)")
    dependency = _dependency(relation)
    base = _joined(relation, dependency)
    joined = dependency.segments()
    plan = Plan(joined)
    schema = relation.model._load_schema()
    if _paged(base, joined):
        return _eager_page(base, plan, schema)
    return plan.fold(schema.db.select_rows(base.to_select_node(plan.columns)))


def _page_node(base: Any, schema: Any) -> n.Select:
    """The SELECT of the parent keys of ``base``'s page (an eager-joined relation
    with a LIMIT/OFFSET): grouped by the key, ordered by each order expression's
    first value (MIN ascending, MAX descending), then the key (always: the page is
    then the same on every run, and MariaDB 10.11 drops the LIMIT of a grouped
    derived table without ORDER BY inside ``IN``). UnknownPrimaryKey for a table
    without a primary key."""
    if not schema.pk:
        raise schema.no_primary_key(base.model, "eager_load() of a collection with "
                                    "limit/offset")
    cols = tuple(n.Column(c, schema.table) for c in schema.pk)
    high = schema.db.dialect.nulls_sort_high
    order = tuple(_first_value(o, high) for o in base._order)
    order += tuple(n.Ordering(c) for c in cols)
    return dataclasses.replace(base.to_select_node(cols), group=cols, order=order,
                               distinct=False)


def _eager_page(base: Any, plan: Plan, schema: Any) -> list[Any]:
    """The two statements of a limited eager load: the page's parent keys
    (:func:`_page_node`), then the full join of those keys."""
    node = _page_node(base, schema)
    loaders = schema.loaders_for(schema.pk)
    keys = [schema.load_values(loaders, row) for row in schema.db.select_rows(node)]
    if not keys:
        return []
    types = [schema.types[c] for c in schema.pk]
    bound = [tuple(t.bind(v) for t, v in zip(types, key)) for key in keys]
    everything = base._clone(_limit=None, _offset=None)
    reserve = 0
    if len(bound) * len(schema.pk) > schema.db.features.max_parameters // 2:
        reserve = len(schema.db.compile(everything.to_select_node(plan.columns))[1])
    rows: list = []
    for chunk in schema.key_chunks(bound, reserve):
        node = everything._and(schema.keys_condition(chunk)).to_select_node(plan.columns)
        rows += schema.db.select_rows(node)
    index = {key: i for i, key in enumerate(keys)}
    last = len(index)
    return sorted(plan.fold(rows), key=lambda r: index.get(a.values_of(r, schema.pk), last))


def _first_value(order: n.Node, nulls_high: bool) -> n.Ordering:
    """An ordering of grouped rows by the first value the ungrouped order meets: the
    least (ascending) or greatest (descending), which MIN/MAX give while NULLs sort
    after the values; where they sort before (``nulls="first"``, or the database's
    default: ``Dialect.nulls_sort_high``), a group holding a NULL meets the NULL
    first, so its key is NULL."""
    if not isinstance(order, n.Ordering):
        order = n.Ordering(order)
    desc = order.direction.upper() == "DESC"
    first: n.Node = n.Func("MAX" if desc else "MIN", (order.expr,))
    nulls_first = order.nulls == "first" if order.nulls else desc == nulls_high
    if nulls_first:
        has_null = n.Binary(">", n.COUNT_STAR, n.Func("COUNT", (order.expr,)))
        first = n.Case(((has_null, n.Raw("NULL")),), first)
    return n.Ordering(first, order.direction, order.nulls)


class Segment:
    """The columns of one table of an eager load in its rows, and the records it
    made: one per key (cached for the whole load), and per owner the value of the
    association (a list, or one record)."""

    __slots__ = ("reflection", "schema", "make", "start", "stop", "key", "whole", "many",
                 "single", "children", "cache", "owners", "values", "seen")

    def __init__(self, joined: Joined, start: int) -> None:
        self.reflection = joined.reflection
        self.schema = joined.model._load_schema()
        self.make = joined.model._instantiate
        self.start, self.stop = start, start + len(self.schema.names)
        names = self.schema.names
        self.whole = not self.schema.pk  # no key: the whole row is the identity
        self.key = tuple(range(self.start, self.stop)) if self.whole else \
            tuple(start + names.index(c) for c in self.schema.pk)
        macro = joined.reflection.macro if joined.reflection is not None else ""
        self.many = macro in COLLECTIONS
        self.single = macro.startswith("has_one")  # the lowest key, as first() reads
        self.children: list[Segment] = []
        self.cache: dict[tuple, Any] = {}
        self.owners: dict[int, Any] = {}
        self.values: dict[int, Any] = {}
        self.seen: dict[int, set] = {}


class Plan:
    """The SELECT list of an eager load and the folding of its rows into records."""

    def __init__(self, joined: list[Joined]) -> None:
        self.segments: list[Segment] = []
        self.columns: tuple[n.Alias, ...] = ()
        by_node: dict[int, Segment] = {}
        start = 0
        for i, node in enumerate(joined):
            segment = Segment(node, start)
            by_node[id(node)] = segment
            self.columns += tuple(n.Alias(n.Column(c, node.label), f"t{i}_r{j}")
                                  for j, c in enumerate(segment.schema.names))
            start = segment.stop
            self.segments.append(segment)
        for node in joined:
            by_node[id(node)].children = [by_node[id(c)] for c in node.children]

    def fold(self, rows: list[tuple]) -> list[Any]:
        """The root records of ``rows`` (one per key, in the order rows arrive), with
        every association stored in their caches (and their targets')."""
        root = self.segments[0]
        found: dict[tuple, Any] = {}
        for row in rows:
            key = tuple(row[i] for i in root.key)
            record = found.get(key)
            if record is None:
                record = found[key] = root.make(row[root.start:root.stop], root.schema)
            if root.children:
                _visit(root, record, row)
        for segment in self.segments[1:]:
            _store_all(segment)
        return list(found.values())


def _visit(segment: Segment, parent: Any, row: tuple) -> None:
    pid = id(parent)
    for child in segment.children:
        if pid not in child.owners:
            child.owners[pid] = parent
            child.values[pid] = None
            if child.many:
                child.values[pid], child.seen[pid] = [], set()
        key = tuple(row[i] for i in child.key)
        if all(v is None for v in key) if child.whole else None in key:
            continue  # no row joined: the LEFT JOIN's NULLs
        record = child.cache.get(key)
        if record is None:
            record = child.cache[key] = child.make(row[child.start:child.stop],
                                                   child.schema)
        if child.many:
            if key not in child.seen[pid]:
                child.seen[pid].add(key)
                child.values[pid].append(record)
        elif child.values[pid] is None or (child.single and not child.whole
                                           and key < child.values[pid][0]):
            child.values[pid] = (key, record)
        if child.children:
            _visit(child, record, row)


def _store_all(segment: Segment) -> None:
    """Store each owner's value in its cache, as the association's reader would."""
    reflection = segment.reflection
    joined = reflection.joined() if segment.many and \
        isinstance(reflection, HasManyThrough) else None  # built once, as the preloader
    for pid, owner in segment.owners.items():
        value = segment.values[pid]
        if not segment.many:
            value = value[1] if value is not None else None
        store(reflection, owner, value, joined)


def store(reflection: Any, owner: Any, value: Any, joined: Any = None) -> None:
    """Cache ``value`` (a record, None or a list) as ``reflection`` of ``owner``,
    keyed as its reader checks, and set the inverse (has_many, has_one; a belongs_to's
    has_one inverse), as the lazy reader would. ``joined``: a through association's
    ``joined()``, for its collection's scope."""
    name, macro = reflection.name, reflection.macro
    if macro == "belongs_to":
        a.store(owner, name, value, a.values_of(owner, reflection.foreign_key))
        inverse = reflection.inverse
        if value is not None and inverse is not None and inverse.macro == "has_one":
            a.store(value, inverse.name, owner, a.values_of(value, inverse.primary_key))
        return
    through = isinstance(reflection, HasManyThrough)
    key = a.values_of(owner, reflection.owner_columns if through
                      else reflection.primary_key)
    if macro not in COLLECTIONS:
        a.store(owner, name, value, key)
        if not through:
            reflection.set_inverse(owner, [value] if value is not None else [])
        return
    proxy = ThroughProxy if through else ManyToManyProxy \
        if macro == "has_and_belongs_to_many" else CollectionProxy
    scope = reflection.scope(owner, joined) if through else reflection.scope(owner)
    collection = proxy.of(scope, owner, reflection)
    collection._records = value
    a.store(owner, name, collection, key)
    reflection.set_inverse(owner, value)
