"""The state of a Relation: its parts, column resolution, SQL and loading (Rails'
``Relation`` core; see docs/architecture.md for how ``Relation`` is composed).

A relation holds the parts of a SELECT as nodes (never SQL text). Every builder method
(``relation/query_methods.py``) returns a new relation; the query runs when the
relation is iterated, ``len()``-ed or turned into a list, and the loaded records are
then cached on that relation object (as Rails' ``Relation#load``).

:class:`RelationCore` owns the slots, ``_clone``, the resolution of column names
against the model (and joined models, as ``"Album.Title"``: ``UnknownAttributeError``
otherwise), the SELECT node, loading and iteration. It reaches the model only through
``self.model`` (``_load_schema``, ``_instantiate``, ``_find_scope``,
``reset_column_information``), never by import. The mixins that add the rest
(query methods, finders, calculations, batches, bulk writes) subclass it with
``__slots__ = ()``, so they all share one instance layout.

``copy.copy``, ``copy.deepcopy`` and ``pickle`` of a relation keep its query (model and
nodes), never its loaded records: the copy runs the query again when used.
"""

from __future__ import annotations

import copy
import functools
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import ColumnNotFound
from ..sql import nodes as n

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["RelationCore", "NOVALUE", "nonneg"]


class _NoValue:
    """The value of a condition that is not a ``column=value`` equality; one object,
    also after copy and pickle (it pickles as a reference to this module's name)."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "NOVALUE"

    def __repr__(self) -> str:
        return "NOVALUE"


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

    def __init__(self, node: n.Node, columns: frozenset = frozenset(),
                 value: Any = NOVALUE):
        self.node = node
        self.columns = columns
        self.value = value


class RelationCore:
    """The state and loading of a query over ``model``'s table (see the module doc)."""

    __slots__ = ("model", "_where", "_having", "_order", "_limit", "_offset", "_distinct",
                 "_select", "_group", "_joins", "_records")

    def __init__(self, model: type):
        self.model = model
        self._where: tuple = ()
        self._having: tuple = ()
        self._order: tuple = ()
        self._limit: int | None = None
        self._offset: int | None = None
        self._distinct = False
        self._select: tuple = ()
        self._group: tuple = ()
        self._joins: tuple = ()      # (Join or Raw node, joined model or None)
        self._records: list | None = None

    def _clone(self, **parts: Any) -> Self:
        cls = type(self)
        new = cls.__new__(cls)
        for slot in RelationCore.__slots__:
            setattr(new, slot, getattr(self, slot))
        new._records = None
        for key, value in parts.items():
            setattr(new, key, value)
        return new

    def _schema(self):
        return self.model._load_schema()

    # -- columns -------------------------------------------------------------------
    def _models(self):
        yield self.model
        for _node, model in self._joins:
            if model is not None:
                yield model

    def _resolve(self, name: str):
        """Return ``(Column node, type)`` for ``"col"`` or ``"Table.col"`` (the model's
        or a joined model's table); raise UnknownAttributeError otherwise."""
        schema = self._schema()
        if name in schema.name_set:
            return n.Column(name, schema.table), schema.types[name]
        if "." in name:
            table, col = name.rsplit(".", 1)
            for model in self._models():
                s = model._load_schema()
                if s.table == table:
                    if col not in s.name_set:
                        raise s.unknown(model, col)
                    return n.Column(col, s.table), s.types[col]
        raise schema.unknown(self.model, name)

    def _type_of(self, col):
        """The attribute type of a Column node of this or a joined model, else None."""
        if not isinstance(col, n.Column):
            return None
        if col.table is None:
            return self._schema().types.get(col.name)
        for model in self._models():
            s = model._load_schema()
            if col.table == s.table:
                return s.types.get(col.name)
        return None

    def _expr(self, arg, what: str) -> n.Node:
        if isinstance(arg, str):
            return self._resolve(arg.strip())[0]
        if isinstance(arg, n.Node):
            return arg
        raise TypeError(f"{what}() takes column names or column expressions, not {arg!r}")

    # -- SQL -----------------------------------------------------------------------
    def _where_node(self):
        if not self._where:
            return None
        return n.and_(*(c.node for c in self._where))

    def _having_node(self):
        return n.and_(*self._having) if self._having else None

    def _default_columns(self) -> tuple:
        schema = self._schema()
        cols = schema.sql_cache.get("qualified_columns")
        if cols is None:
            cols = schema.sql_cache["qualified_columns"] = tuple(
                n.Column(c, schema.table) for c in schema.names)
        return cols

    def to_select_node(self, columns: tuple | None = None, *, order: bool = True,
                       limit: bool = True) -> n.Select:
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
                        offset=self._offset if limit else None, distinct=self._distinct)

    def to_subquery_node(self) -> n.Select:
        """Return the SELECT of this relation's key (or of its one selected column)
        for ``col IN (subquery)``; wrapped in a derived table when it has a LIMIT,
        which MySQL/MariaDB refuse inside IN."""
        if self._select:
            if len(self._select) != 1:
                raise ValueError("a relation used as a subquery must select one column")
            cols = self._select
        else:
            schema = self._schema()
            cols = tuple(n.Column(c, schema.table)
                         for c in self._key_columns("a relation used as a subquery"))
        if self._limit is None and not self._offset:
            return self.to_select_node(cols, order=False)
        return wrap_subquery(self.to_select_node(cols), "subquery")

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

    def sql_and_params(self) -> tuple[str, list]:
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
        """Run the query now (if not yet run) and cache the records; return self."""
        if self._records is None:
            schema = self._schema()
            if not self._select:
                try:
                    rows = schema.db.select_rows(self.to_select_node())
                except ColumnNotFound:
                    # The cached schema outlived a migration (Rails #24273): refresh
                    # this table once and rebuild the query, for ORM-built reads only.
                    if schema.db.in_transaction:
                        raise
                    self.model.reset_column_information()
                    schema = self._schema()
                    rows = schema.db.select_rows(self.to_select_node())
                make = self.model._instantiate
                self._records = [make(row, schema) for row in rows]
            else:
                self._records = self._load_partial(schema)
        return self

    def _load_partial(self, schema) -> list:
        sql, params = schema.db.compile(self.to_select_node())
        result = schema.db.run(sql, params, read=True)
        loaders = []
        for item, name in zip(self._select, result.columns):
            expr = item.expr if isinstance(item, n.Alias) else item
            typ = self._type_of(expr)
            loaders.append((name, typ.deserialize if typ is not None
                            and typ.needs_deserialize else None))
        cls = self.model
        records = []
        for row in result.rows:
            record = cls.__new__(cls)
            attrs = {}
            for (name, load), value in zip(loaders, row):
                attrs[name] = load(value) if load is not None and value is not None else value
            record.__dict__["_attrs"] = attrs
            record.__dict__["_new_record"] = False
            records.append(record)
        return records

    def reload(self) -> Self:
        """Forget the cached records and run the query again; return self."""
        self._records = None
        return self.load()

    def to_list(self) -> list:
        """Return the records as a new list."""
        return list(self.load()._records)

    def __iter__(self) -> Iterator:
        return iter(self.load()._records)

    def __len__(self) -> int:
        return len(self.load()._records)

    def __bool__(self) -> bool:
        return bool(self.load()._records)



    def __repr__(self) -> str:
        if self._records is None:
            return f"<Relation {self.model.__name__}: {self.to_sql()}>"
        return f"<Relation {self.model.__name__} {self._records!r}>"

    def __getattr__(self, name: str):
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
    def __getstate__(self) -> dict:
        """The relation's parts (model and nodes), without loaded records: a copy or
        an unpickled relation runs its query again when used."""
        return {slot: getattr(self, slot) for slot in RelationCore.__slots__
                if slot != "_records"}

    def __setstate__(self, state: dict) -> None:
        for slot, value in state.items():
            setattr(self, slot, value)
        self._records = None

    def __copy__(self) -> Self:
        return self._clone()

    def __deepcopy__(self, memo: dict) -> Self:
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

