"""The state of a Relation: its parts, column resolution, SQL and loading (Rails'
``Relation`` core; see docs/architecture.md for how ``Relation`` is composed).

A relation holds the parts of a SELECT as nodes (never SQL text). Every builder method
(``relation/query_methods.py``) returns a new relation; the query runs when the
relation is iterated, ``len()``-ed or turned into a list, and the loaded records are
then cached on that relation object (as Rails' ``Relation#load``).

:class:`RelationCore` owns the slots, ``_clone``, the resolution of column names
against the model (and joined models, as ``"Album.Title"``: ``UnknownAttributeError``
otherwise, from ``ModelSchema.column``), the primary-key helpers every mixin uses, the
SELECT node, loading and iteration. It reaches the model only through ``self.model``
(``_load_schema``, ``_instantiate``, ``_find_scope``, ``_read_fresh``: the interface
``relation/contract.py`` declares), never by import. The mixins that add the rest
(query methods, finders, calculations, batches, bulk writes) subclass it with
``__slots__ = ()``, so they all share one instance layout; the sibling methods that
one mixin calls on another are declared in :class:`RelationCore` for type checkers.

``RelationCore`` is generic over the record type ``M``: ``Relation[Artist]`` iterates
``Artist`` records and its finders return them.

``copy.copy``, ``copy.deepcopy`` and ``pickle`` of a relation keep its query (model and
nodes), never its loaded records: the copy runs the query again when used.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, cast

from ..errors import AssociationNotFoundError
from ..sql import nodes as n
from ..types import Type
from . import predicates as p
from .contract import Loader, M, ModelClass, TableSchema

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["RelationCore", "Cond", "NOVALUE", "nonneg", "wrap_subquery"]


class _NoValue:
    """The value of a condition that is not a ``column=value`` equality; one object,
    also after copy and pickle (it pickles as a reference to this module's name)."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "NOVALUE"

    def __repr__(self) -> str:
        return "NOVALUE"


#: The one :class:`_NoValue`: the value of a condition that is no ``column=value``.
NOVALUE = _NoValue()


def nonneg(what: str, value: Any) -> int:
    """Return ``value`` when it is a non-negative int; raise ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}")
    return value


class Cond:
    """One WHERE item: its node, the model's columns it mentions (for ``rewhere`` and
    ``unscope(where=...)``) and, for ``column=value`` equality, the value (what
    ``new``/``create`` on the relation assign, Rails' ``scope_for_create``)."""

    __slots__ = ("node", "columns", "value")

    def __init__(self, node: n.Node, columns: frozenset[str] = frozenset(),
                 value: Any = NOVALUE) -> None:
        self.node = node
        self.columns = columns
        self.value = value


#: A join of a relation: its Join (or Raw) node and the joined model (None for Raw).
JoinPart = tuple[n.Node, "ModelClass[Any] | None"]


class RelationCore(Generic[M]):
    """The state and loading of a query over ``model``'s table (see the module doc).

    ``model`` is the model class; relations call it only through the
    :class:`~activerecord.relation.contract.ModelClass` interface."""

    __slots__ = ("model", "_where", "_having", "_order", "_limit", "_offset", "_distinct",
                 "_select", "_group", "_joins", "_preload", "_eager_load", "_references",
                 "_strict_loading", "_includes", "_none", "_lock", "_records")

    model: ModelClass[M]

    def __init__(self, model: type[M]) -> None:
        # Any model class: model/'s mixins compose its interface (relation/contract.py).
        self.model = cast("ModelClass[M]", model)
        self._where: tuple[Cond, ...] = ()
        self._having: tuple[n.Node, ...] = ()
        self._order: tuple[n.Node, ...] = ()
        self._limit: int | None = None
        self._offset: int | None = None
        self._distinct = False
        self._select: tuple[n.Node, ...] = ()
        self._group: tuple[n.Node, ...] = ()
        self._joins: tuple[JoinPart, ...] = ()
        # association loading (relation/eager_loading.py)
        self._preload: tuple[Any, ...] = ()  # paths loaded by one IN query per level
        self._eager_load: tuple[Any, ...] = ()  # paths loaded by LEFT OUTER JOINs
        self._references: tuple[str, ...] = ()  # tables includes() must JOIN
        self._strict_loading: bool | str | None = None  # lazy loads refused (or "warn")
        self._includes: tuple[Any, ...] = ()  # paths preloaded, or eager_loaded if referenced
        # none(): matches no row, so nothing is sent (Rails' NullRelation); see load()
        self._none = False
        self._lock: n.Lock | None = None  # FOR UPDATE / FOR SHARE (query_methods.lock)
        self._records: list[M] | None = None

    if TYPE_CHECKING:  # pragma: no cover
        # The interface between the mixins: the methods of one that another calls
        # through ``self`` (``Relation`` composes them; relation/__init__.py).
        # QueryMethods (query_methods.py)
        def where(self, /, *args: Any, **conds: Any) -> Self: ...
        def _conds(self, args: tuple, conds: dict,
                   lenient_keys: bool = False) -> list[Cond]: ...
        def limit(self, count: int | None) -> Self: ...
        def offset(self, count: int | None) -> Self: ...
        def reverse_order(self) -> Self: ...
        def unscope(self, *parts: str,
                    where: str | tuple[str, ...] | list[str] | None = None) -> Self: ...
        # Calculations (calculations.py)
        def pluck(self, *columns: Any) -> list[Any]: ...
        def calculate(self, operation: str, column: Any = None, *,
                      distinct: bool = False) -> Any: ...
        # EagerLoading (eager_loading.py)
        def _eager_joined(self) -> tuple[Self, bool]: ...
        def _count_eager(self) -> Any: ...
        # BulkWrites (bulk.py)
        def update_all(self, /, **values: Any) -> int: ...
        def delete_all(self) -> int: ...

    def _clone(self, **parts: Any) -> Self:
        cls = type(self)
        new = cls.__new__(cls)
        for slot in RelationCore.__slots__:
            setattr(new, slot, getattr(self, slot))
        new._records = None
        for key, value in parts.items():
            setattr(new, key, value)
        return new

    def _schema(self) -> TableSchema:
        return self.model._load_schema()

    # -- columns -------------------------------------------------------------------
    def _tables(self) -> Iterator[tuple[str, ModelClass[Any], tuple[str, ...]]]:
        """``(name in the query, model, association path)`` of each table the relation
        reads: its own, the joined ones (by alias when aliased), then the targets of
        its includes/eager_load paths not joined yet (an ``AssociationRef`` name)."""
        yield self._schema().table, self.model, ()
        joined = set()
        for node, model in self._joins:
            if model is not None and isinstance(node, n.Join):
                joined.add(node.association)
                yield node.table.alias or node.table.name, model, node.association
        pending = self._includes + self._eager_load
        if pending:
            for path, model in self.model._association_targets(pending):
                if path not in joined:
                    yield self._pending_table(model, path), model, path

    def _pending_table(self, model: ModelClass[Any], path: tuple[str, ...]
                       ) -> p.AssociationRef:
        """The name of the table of association ``path`` (of ``model``), not joined
        yet: the table's name, or, when the query has a table of that name already
        (a self-reference), ``"<path> (not joined)"``, so that a use of it that is
        never joined fails in the database instead of meaning the other table."""
        table = model._load_schema().table
        taken = {self._schema().table.lower()}
        taken.update((j.table.alias or j.table.name).lower() for j, _m in self._joins
                     if isinstance(j, n.Join))
        if table.lower() in taken:
            table = ".".join(path) + " (not joined)"
        return p.AssociationRef(table, path)

    def _resolve(self, name: str) -> tuple[n.Column, Type]:
        """Return ``(Column node, type)`` for ``"col"``, or ``"Table.col"`` where
        ``Table`` is the model's table, a joined table or its alias, or an association
        path (``"manager.FirstName"``, ``"album.artist.Name"``: see :meth:`_lookup`);
        raise UnknownAttributeError otherwise (listing the columns of the model, or of
        the table named)."""
        schema = self._schema()
        if name in schema.types or "." not in name:
            return schema.column(self.model, name)
        found = self._lookup(name)
        return found if found is not None else schema.column(self.model, name)

    def _lookup(self, name: str, strict: bool = True) -> tuple[n.Column, Type] | None:
        """``(Column, type)`` of ``"prefix.col"``: the prefix is a table name or alias
        of the query first, else an association path (joined: its alias; not joined
        yet: an ``AssociationRef`` that the join requalifies). None when nothing is
        named so; for an unknown column of a named table, UnknownAttributeError
        (``strict``) or None."""
        prefix, _, col = name.rpartition(".")
        match = self._table_named(prefix)
        if match is None:
            return None
        label, model, _path = match
        target = model._load_schema()
        if not strict and col not in target.types:
            return None
        typ = target.column(model, col)[1]
        return n.Column(col, label), typ

    def _table_named(self, prefix: str
                     ) -> tuple[str, ModelClass[Any], tuple[str, ...]] | None:
        """``(name in the query, model, path)`` of the table ``prefix`` names: a table
        name or alias of the query, else an association path of the model (joined, or
        pending: an ``AssociationRef`` name, see :meth:`_tables`); None otherwise."""
        tables = list(self._tables())
        match = next((t for t in tables if t[0] == prefix), None) or next(
            (t for t in tables if t[2] and ".".join(t[2]) == prefix), None)
        if match is not None:
            return match
        parts = tuple(prefix.split("."))
        nested: Any = parts[-1]
        for part in reversed(parts[:-1]):
            nested = {part: nested}
        try:
            targets = self.model._association_targets((nested,))
        except AssociationNotFoundError:
            return None
        if not targets or targets[-1][0] != parts:
            return None  # a polymorphic one: no table
        path, model = targets[-1]
        return self._pending_table(model, path), model, path

    def _type_of(self, col: object) -> Type | None:
        """The attribute type of a Column node of this or a joined model (by table name
        or alias), else None."""
        if not isinstance(col, n.Column):
            return None
        schema = self._schema()
        if col.table is None or col.table == schema.table:
            return schema.types.get(col.name)
        for label, model, _path in self._tables():
            if col.table == label:
                return model._load_schema().types.get(col.name)
        return None

    def _expr(self, arg: object, what: str) -> n.Node:
        if isinstance(arg, str):
            return self._resolve(arg.strip())[0]
        if isinstance(arg, n.Node):
            return arg
        raise TypeError(f"{what}() takes column names or column expressions, not {arg!r}")

    # -- keys ----------------------------------------------------------------------
    def _key_columns(self, what: str, hint: str | None = None) -> tuple[str, ...]:
        """The primary key columns; raise UnknownPrimaryKey (naming model, table and
        ``what`` needed the key) when the table has none."""
        schema = self._schema()
        if not schema.pk:
            raise schema.no_primary_key(self.model, what, hint)
        return schema.pk

    def _ordered_by_key(self, what: str = "first()/last()") -> Self:
        """This relation, ordered by the primary key when it has no order."""
        if self._order:
            return self
        schema = self._schema()
        pk = self._key_columns(f"{what} without an order", _ORDER_HINT)
        return self._clone(_order=tuple(n.Ordering(n.Column(c, schema.table)) for c in pk))

    def _and(self, node: n.Node) -> Self:
        """This relation with ``node`` added to its conditions as it is (its values
        are already bound: no second cast)."""
        cols = p.referenced_columns(node, self._schema().table)
        return self._clone(_where=self._where + (Cond(node, cols),))

    def _requalified(self) -> Self:
        """This relation with the columns of associations named before they were
        joined (``AssociationRef`` tables) requalified by the name their join got
        (its alias, or its table's name); itself when it has no association join."""
        labels = {node.association: node.table.alias or node.table.name
                  for node, _m in self._joins if isinstance(node, n.Join) and node.association}
        if not labels:
            return self

        def fix(table: str) -> str | None:
            if isinstance(table, p.AssociationRef):
                label = labels.get(table.path)
                return label if label is not None and label != table else None
            return None
        return self._clone(
            _where=tuple(Cond(p.retable(c.node, fix), c.columns, c.value)
                         for c in self._where),
            _order=tuple(p.retable(o, fix) for o in self._order))

    # -- SQL -----------------------------------------------------------------------
    def _where_node(self) -> n.Node | None:
        if not self._where:
            return None
        return n.and_(*(c.node for c in self._where))

    def _having_node(self) -> n.Node | None:
        return n.and_(*self._having) if self._having else None

    def _default_columns(self) -> tuple[n.Node, ...]:
        return self._schema().select_columns

    def to_select_node(self, columns: tuple[n.Node, ...] | None = None, *,
                       order: bool = True, limit: bool = True) -> n.Select:
        """Return this relation as a :class:`~activerecord.sql.nodes.Select` node,
        selecting ``columns`` when given (else the relation's select list, else every
        column of the model, qualified by its table)."""
        schema = self._schema()
        return n.Select(schema.table_node,
                        columns or self._select or self._default_columns(),
                        where=self._where_node(),
                        joins=tuple(j for j, _m in self._joins), group=self._group,
                        having=self._having_node(), order=self._order if order else (),
                        limit=self._limit if limit else None,
                        offset=self._offset if limit else None, distinct=self._distinct,
                        lock=self._lock)

    def to_subquery_node(self) -> n.Select:
        """Return the SELECT of this relation's key (or of its one selected column)
        for ``col IN (subquery)``; wrapped in a derived table when it has a LIMIT,
        which MySQL/MariaDB refuse inside IN."""
        cols: tuple[n.Node, ...]
        if self._select:
            if len(self._select) != 1:
                raise ValueError("a relation used as a subquery must select one column")
            cols = self._select
        else:
            schema = self._schema()
            cols = tuple(n.Column(c, schema.table)
                         for c in self._key_columns("a relation used as a subquery"))
        if self._limit is None and not self._offset:
            return replace(self.to_select_node(cols, order=False), lock=None)
        return wrap_subquery(replace(self.to_select_node(cols), lock=None), "subquery")

    def _key_subquery_condition(self) -> n.In:
        """``pk IN (SELECT pk ...)`` for UPDATE/DELETE of a relation with joins,
        order, limit or offset (through a derived table, so MySQL accepts it)."""
        schema = self._schema()
        pk = tuple(n.Column(c, schema.table)
                   for c in self._key_columns("update_all()/delete_all() with joins, "
                                              "order or limit"))
        inner = self.to_select_node(pk)
        wrapped = wrap_subquery(inner, "subquery")
        left = pk[0] if len(pk) == 1 else n.Tuple(pk)
        return n.In(left, wrapped)

    def to_sql(self) -> str:
        """Return the SELECT this relation runs, with the dialect's placeholders (the
        values are bound separately: see :meth:`sql_and_params`)."""
        return self.sql_and_params()[0]

    def sql_and_params(self) -> tuple[str, list[Any]]:
        """Return ``(sql, params)`` of the SELECT this relation runs."""
        return self._schema().db.compile(self.to_select_node())

    def explain(self) -> str:
        """Return the database's query plan for this relation as text (``EXPLAIN
        QUERY PLAN`` on SQLite, ``EXPLAIN`` elsewhere), one line per plan row."""
        db = self._schema().db
        sql, params = db.compile(n.Explain(self.to_select_node()))
        result = db.run(sql, params, read=True)
        lines = []
        if result.columns and len(result.columns) > 1:
            lines.append(" | ".join(result.columns))
        lines.extend(" | ".join("" if v is None else str(v) for v in row)
                     for row in result.rows)
        return "\n".join(lines)

    # -- loading -------------------------------------------------------------------
    def load(self) -> Self:
        """Run the query now (if not yet run) and cache the records; return self.
        A read of every column is retried once on a fresh schema when the cached
        one outlived a change of the table (the model's ``_read_fresh``). A
        :meth:`none` relation loads ``[]`` without a query (Rails' ``NullRelation``)."""
        if self._records is None:
            if self._none:
                self._records = []
                return self
            if self._includes:  # preload or eager_load, decided now (Rails)
                self._records = self.model._resolve_includes(self)._loaded()
                return self
            if self._eager_load:
                records = list(self.model._eager_load_records(self))
            elif self._select:
                records = self._load_partial(self._schema())
            else:
                records = self.model._read_fresh(self._load_rows)
            if self._strict_loading is not None:
                self.model._mark_strict(records, self._strict_loading)
            if self._preload:
                self.model._preload(records, self._preload)
            self._records = records
        return self

    def _load_rows(self, schema: TableSchema) -> list[M]:
        rows = schema.db.select_rows(self.to_select_node())
        return cast("list[M]", self.model._instantiate_rows(rows, schema))

    def _load_grouped(self, column: str, caches: dict) -> tuple[Sequence[M], dict] | None:
        """For the preloader: ``(records, {value of column: [records]})`` as
        :meth:`load` would load them, grouped in the loop that builds them, each
        record whose ``column`` value is a key of ``caches`` given that association
        cache (the model's ``_instantiate_grouped``); the relation's cache is left
        empty. None when loading takes more than building plain rows (includes,
        eager_load, select, preload, strict loading, none, loaded already): the
        caller then loads and groups the records itself."""
        if self._records is not None or self._none or self._includes or \
                self._eager_load or self._select or self._preload or \
                self._strict_loading is not None:
            return None

        def read(schema: TableSchema) -> tuple[Sequence[M], dict]:
            rows = schema.db.select_rows(self.to_select_node())
            return self.model._instantiate_grouped(rows, schema, column, caches)
        return self.model._read_fresh(read)

    def _loaders(self, exprs: tuple[n.Node, ...], names: list[str]) -> tuple[Loader, ...]:
        """The row loaders (``ModelSchema.loaders_for``) of the values of ``exprs``
        (columns of this or a joined model, expressions), loaded as ``names``."""
        types = [self._type_of(e.expr if isinstance(e, n.Alias) else e) for e in exprs]
        return self._schema().loaders_for(names, types)

    def _load_partial(self, schema: TableSchema) -> list[M]:
        # Records of a select(...): only the selected values, loaded by their types.
        sql, params = schema.db.compile(self.to_select_node())
        result = schema.db.run(sql, params, read=True)
        names = list(result.columns or ())
        loaders = self._loaders(self._select, names)
        return cast("list[M]", self.model._instantiate_rows(result.rows, schema, names,
                                                            loaders))

    def reload(self) -> Self:
        """Forget the cached records and run the query again; return self."""
        self._records = None
        return self.load()

    def _loaded(self) -> list[M]:
        records = self.load()._records
        assert records is not None  # load() fills them
        return records

    def to_list(self) -> list[M]:
        """Return the records as a new list."""
        return list(self._loaded())

    def __iter__(self) -> Iterator[M]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __bool__(self) -> bool:
        return bool(self._loaded())

    def __repr__(self) -> str:
        if self._records is None:
            return f"<Relation {self.model.__name__}: {self.to_sql()}>"
        return f"<Relation {self.model.__name__} {self._records!r}>"

    def __getattr__(self, name: str) -> Callable[..., Any]:
        # Named scopes of the model chain on relations: Track.short().rock(). Private
        # and special names (__setstate__, __deepcopy__...) are never scopes, and
        # ``model`` is missing only while copy/pickle rebuild the object: no recursion.
        if name.startswith("_") or name == "model":
            raise AttributeError(name)
        found = self.model._find_scope(name)
        if found is not None:
            return functools.partial(found.apply, self)
        raise AttributeError(f"{type(self).__name__} of {self.model.__name__} has no "
                             f"attribute or scope {name!r}")

    # -- copy and pickle: the query, never the loaded records ------------------------
    def __getstate__(self) -> dict[str, Any]:
        """The relation's parts (model and nodes), without loaded records: a copy or
        an unpickled relation runs its query again when used."""
        return {slot: getattr(self, slot) for slot in RelationCore.__slots__
                if slot != "_records"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for slot, value in state.items():
            setattr(self, slot, value)
        self._records = None

    def __copy__(self) -> Self:
        return self._clone()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        cls = type(self)
        new = cls.__new__(cls)
        new.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return new


def wrap_subquery(select: n.Select, alias: str) -> n.Select:
    """Return ``select`` as a derived table ``alias`` selecting its columns by name
    (expressions are labelled ``c<i>``); ValueError for two columns of one name."""
    names = []
    for i, col in enumerate(select.columns):
        if isinstance(col, n.Alias):
            names.append(col.name)
        elif isinstance(col, n.Column):
            names.append(col.name)
        else:
            names.append(f"c{i}")
    if len(set(names)) != len(names):
        raise ValueError("columns of a subquery must have distinct names; label them")
    cols = tuple(c if isinstance(c, (n.Alias, n.Column)) else n.Alias(c, f"c{i}")
                 for i, c in enumerate(select.columns))
    inner = n.Select(select.table, cols, select.where, select.joins, select.group,
                     select.having, select.order, select.limit, select.offset,
                     select.distinct)
    return n.Select(n.DerivedTable(inner, alias), tuple(n.Column(nm, alias) for nm in names))


_ORDER_HINT = ("order the relation explicitly (order(\"col\")), or declare the key on "
               "the model (primary_key = \"col\", or a tuple of columns)")
