"""Relations: lazy, immutable, chainable queries over one model.

A :class:`Relation` holds the parts of a SELECT as nodes (never SQL text). Every
builder method returns a new Relation; the query runs when the relation is iterated,
indexed, ``len()``-ed or turned into a list, and the loaded records are then cached on
that relation object (as Rails' ``Relation#load``).

Conditions:
``where(Name="AC/DC")`` (equality), ``where(ArtistId=[1, 2])`` (IN), ``where(x=None)``
(IS NULL), ``where(Milliseconds=range(1, 10))`` (BETWEEN, inclusive of ``range.stop - 1``
as Python ranges are), ``where("Name LIKE ?", "A%")`` (a fragment with bound ``?``
values), ``where(Artist.c.ArtistId > 10)`` (column expressions). Column names are
checked against the model before any SQL runs.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from .errors import RecordNotFound
from .sql import nodes as n

__all__ = ["Relation"]

_ORDER_TEXT = re.compile(r"^\s*([^\s,]+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
_UNSET = object()


class Relation:
    """A query over ``model``'s table. Build with the model's class methods
    (``Artist.where(...)``, ``Artist.order(...)``, ``Artist.all()``)."""

    __slots__ = ("model", "_where", "_order", "_limit", "_offset", "_distinct",
                 "_records")

    def __init__(self, model: type):
        self.model = model
        self._where: tuple = ()
        self._order: tuple = ()
        self._limit: int | None = None
        self._offset: int | None = None
        self._distinct = False
        self._records: list | None = None

    def _clone(self, **parts) -> "Relation":
        new = Relation.__new__(Relation)
        new.model = self.model
        new._where = self._where
        new._order = self._order
        new._limit = self._limit
        new._offset = self._offset
        new._distinct = self._distinct
        new._records = None
        for key, value in parts.items():
            setattr(new, key, value)
        return new

    def _schema(self):
        return self.model._load_schema()

    # -- conditions ----------------------------------------------------------------
    def where(self, *args: Any, **conds: Any) -> "Relation":
        """Return a relation with these conditions added (AND).

        ``args``: a SQL fragment string followed by its ``?`` values, or column
        expressions / condition nodes. ``conds``: column=value pairs (see module doc).

        Raises:
            UnknownAttributeError: a keyword is not a column of the model.
            ValueError: the fragment's ``?`` count differs from the values given.
        """
        nodes = list(self._where)
        if args:
            if isinstance(args[0], str):
                raw = n.Raw(args[0], tuple(args[1:]))
                self._check_fragment(raw)
                nodes.append(raw)
            else:
                for arg in args:
                    if not isinstance(arg, n.Node):
                        raise TypeError(
                            f"where() takes a SQL fragment string, column expressions or "
                            f"keyword conditions, not {type(arg).__name__}")
                    nodes.append(arg)
        if conds:
            nodes.append(self._hash_condition(conds))
        return self._clone(_where=tuple(nodes))

    @staticmethod
    def _check_fragment(raw: n.Raw) -> None:
        from .sql.compiler import split_placeholders
        count = len(split_placeholders(raw.sql)) - 1
        if count != len(raw.params):
            raise ValueError(
                f"SQL fragment {raw.sql!r} has {count} '?' placeholder(s) but "
                f"{len(raw.params)} value(s) were given")

    def _hash_condition(self, conds: dict) -> n.Node:
        schema = self._schema()
        items = []
        for name, value in conds.items():
            if name not in schema.name_set:
                raise schema.unknown(self.model, name)
            col = n.Column(name, schema.table)
            items.append(_condition(col, value, schema.types[name]))
        return n.and_(*items)

    # -- shape ---------------------------------------------------------------------
    def order(self, *args: Any, **columns: str) -> "Relation":
        """Return a relation ordered (also) by ``args``: column names (``"Name"``,
        ``"Name DESC"``, ``"-Name"`` for descending) or orderings
        (``Artist.c.Name.desc()``), then ``columns`` as ``name="asc"|"desc"``.

        Raises UnknownAttributeError for a name that is not a column, ValueError for a
        direction other than asc/desc.
        """
        items = list(self._order)
        for arg in args:
            items.append(self._ordering(arg))
        for name, direction in columns.items():
            items.append(self._ordering(f"{name} {direction}"))
        return self._clone(_order=tuple(items))

    def reorder(self, *args: Any, **columns: str) -> "Relation":
        """Like :meth:`order`, replacing any ordering given before."""
        return self._clone(_order=()).order(*args, **columns)

    def _ordering(self, arg) -> n.Node:
        if isinstance(arg, n.Ordering):
            return arg
        if isinstance(arg, n.Expression):
            return n.Ordering(arg)
        if not isinstance(arg, str):
            raise TypeError(f"order() takes column names or orderings, not {arg!r}")
        desc = arg.startswith("-")
        m = _ORDER_TEXT.match(arg[1:] if desc else arg)
        if not m:
            raise ValueError(f"cannot order by {arg!r}: give 'column', 'column asc|desc' "
                             "or a column expression")
        name, direction = m.group(1), (m.group(2) or ("desc" if desc else "asc"))
        schema = self._schema()
        if name not in schema.name_set:
            raise schema.unknown(self.model, name)
        return n.Ordering(n.Column(name, schema.table), direction.upper())

    def limit(self, count: int | None) -> "Relation":
        """Return a relation of at most ``count`` rows (``None``: no limit)."""
        return self._clone(_limit=None if count is None else _nonneg("limit", count))

    def offset(self, count: int | None) -> "Relation":
        """Return a relation that skips ``count`` rows."""
        return self._clone(_offset=None if count is None else _nonneg("offset", count))

    def distinct(self, value: bool = True) -> "Relation":
        """Return a relation with SELECT DISTINCT (or without, for ``False``)."""
        return self._clone(_distinct=value)

    def all(self) -> "Relation":
        """Return this relation (a fresh copy, not yet loaded)."""
        return self._clone()

    def none(self) -> "Relation":
        """Return a relation that matches no rows."""
        return self.where(n.Or(()))

    # -- SQL -----------------------------------------------------------------------
    def _where_node(self):
        return n.and_(*self._where) if self._where else None

    def to_select_node(self, columns: tuple | None = None) -> n.Select:
        """Return this relation as a :class:`~activerecord.sql.nodes.Select` node."""
        schema = self._schema()
        return n.Select(schema.table_node,
                        columns or tuple(n.Column(c, schema.table) for c in schema.names),
                        where=self._where_node(), order=self._order, limit=self._limit,
                        offset=self._offset, distinct=self._distinct)

    def to_sql(self) -> str:
        """Return the SELECT this relation runs, with the dialect's placeholders."""
        return self._schema().db.compile(self.to_select_node())[0]

    # -- loading -------------------------------------------------------------------
    def load(self) -> "Relation":
        """Run the query now (if not yet run) and cache the records; return self."""
        if self._records is None:
            schema = self._schema()
            rows = schema.db.select_rows(self.to_select_node())
            make = self.model._instantiate
            self._records = [make(row, schema) for row in rows]
        return self

    def reload(self) -> "Relation":
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

    def __getitem__(self, index):
        """``rel[i]`` and ``rel[a:b]``: compiled to LIMIT/OFFSET unless already loaded."""
        if self._records is not None:
            return self._records[index]
        if isinstance(index, slice):
            if index.step not in (None, 1) or (index.start or 0) < 0 or \
                    (index.stop is not None and index.stop < 0):
                return self.to_list()[index]
            start = index.start or 0
            rel = self.offset((self._offset or 0) + start) if start else self
            if index.stop is not None:
                rel = rel.limit(max(0, index.stop - start))
            return rel.to_list()
        if index < 0:
            return self.to_list()[index]
        rows = self.offset((self._offset or 0) + index).limit(1).to_list()
        if not rows:
            raise IndexError("relation index out of range")
        return rows[0]

    def __repr__(self) -> str:
        if self._records is None:
            return f"<Relation {self.model.__name__}: {self.to_sql()}>"
        return f"<Relation {self.model.__name__} {self._records!r}>"

    # -- finders -------------------------------------------------------------------
    def _ordered_by_key(self) -> "Relation":
        if self._order:
            return self
        schema = self._schema()
        return self._clone(_order=tuple(n.Ordering(n.Column(c, schema.table))
                                        for c in schema.pk))

    def first(self, count: int | None = None):
        """Return the first record by the relation's order (by primary key when it
        has none), or ``None``; with ``count``, a list of up to that many."""
        rel = self._ordered_by_key()
        if count is None:
            found = rel.limit(1).to_list()
            return found[0] if found else None
        return rel.limit(count).to_list()

    def last(self, count: int | None = None):
        """Return the last record (the order reversed), or ``None``; with ``count``, a
        list of the last ``count`` records in the relation's order."""
        rel = self._ordered_by_key()
        rev = rel._clone(_order=tuple(_reverse(o) for o in rel._order))
        if count is None:
            found = rev.limit(1).to_list()
            return found[0] if found else None
        return list(reversed(rev.limit(count).to_list()))

    def take(self, count: int | None = None):
        """Return a record (no ordering imposed), or ``None``; with ``count``, a list."""
        if count is None:
            found = self.limit(1).to_list()
            return found[0] if found else None
        return self.limit(count).to_list()

    def find_by(self, *args: Any, **conds: Any):
        """Return the first record matching the conditions (as :meth:`where`), or None."""
        found = self.where(*args, **conds).limit(1).to_list()
        return found[0] if found else None

    def find(self, *keys: Any):
        """Return the record with primary key ``keys[0]``, or a list for several keys
        (or one list); a composite key is given as a tuple.

        Raises:
            RecordNotFound: a key has no row; the message names the table and key.
        """
        schema = self._schema()
        from .persistence import pk_condition
        many = len(keys) != 1 or isinstance(keys[0], list)
        wanted = list(keys[0]) if len(keys) == 1 and isinstance(keys[0], list) else list(keys)
        if not wanted:
            raise RecordNotFound(f"find() needs a key for {self.model.__name__}",
                                 model=self.model, table=schema.table)
        rel = self.where(n.or_(*(pk_condition(schema, k) for k in wanted)))
        found = {r._identity(): r for r in rel.limit(None)}
        missing = [k for k in wanted if _norm_key(schema, k) not in found]
        if missing:
            key = missing[0] if len(missing) == 1 else missing
            raise RecordNotFound(
                f"Couldn't find {self.model.__name__} with {_pk_text(schema)} = {key!r} "
                f"in table {schema.table!r}", model=self.model, table=schema.table, key=key)
        records = [found[_norm_key(schema, k)] for k in wanted]
        return records if many else records[0]

    # -- calculations --------------------------------------------------------------
    def count(self) -> int:
        """Return the number of matching rows (``SELECT COUNT(*)``)."""
        schema = self._schema()
        if self._limit is not None or self._offset or self._distinct:
            return len(self.to_list())
        node = n.Select(schema.table_node, (n.Func("COUNT", (n.Star(),)),),
                        where=self._where_node())
        return int(schema.db.select_rows(node)[0][0])

    def exists(self, *args: Any, **conds: Any) -> bool:
        """Return whether any row matches (the relation and these extra conditions)."""
        rel = self.where(*args, **conds) if args or conds else self
        schema = self._schema()
        node = n.Select(schema.table_node, (n.Raw("1"),), where=rel._where_node(),
                        limit=1, offset=rel._offset)
        return bool(schema.db.select_rows(node))

    def pluck(self, *names: str) -> list:
        """Return the values of these columns without building records: a list of
        values for one column, of tuples for several.

        Raises UnknownAttributeError for a name that is not a column.
        """
        schema = self._schema()
        if not names:
            raise ValueError("pluck() needs at least one column name")
        for name in names:
            if name not in schema.name_set:
                raise schema.unknown(self.model, name)
        cols = tuple(n.Column(c, schema.table) for c in names)
        rows = schema.db.select_rows(self.to_select_node(cols))
        types = [schema.types[c] for c in names]
        out = []
        for row in rows:
            vals = tuple(t.deserialize(v) if v is not None and t.needs_deserialize else v
                         for t, v in zip(types, row))
            out.append(vals[0] if len(names) == 1 else vals)
        return out

    def ids(self) -> list:
        """Return the primary key values of the matching rows."""
        pk = self._schema().pk
        return self.pluck(*pk)

    # -- bulk ----------------------------------------------------------------------
    def update_all(self, **values: Any) -> int:
        """UPDATE every matching row with ``values`` (no callbacks, no timestamps
        unless given); return the number of rows changed."""
        schema = self._schema()
        sets = []
        for name, value in values.items():
            if name not in schema.name_set:
                raise schema.unknown(self.model, name)
            typ = schema.types[name]
            sets.append((name, value if isinstance(value, n.Node)
                         else typ.serialize(typ.cast(value))))
        sql, params = schema.db.compile(n.Update(schema.table_node, tuple(sets),
                                                 self._where_node()))
        return schema.db.run(sql, params).rowcount

    def delete_all(self) -> int:
        """DELETE every matching row (no callbacks); return the number deleted."""
        schema = self._schema()
        sql, params = schema.db.compile(n.Delete(schema.table_node, self._where_node()))
        return schema.db.run(sql, params).rowcount


def _condition(col: n.Column, value, typ) -> n.Node:
    if value is None:
        return n.IsNull(col)
    if isinstance(value, Relation) or isinstance(value, n.Select):
        return n.In(col, n.wrap(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        values = list(value)
        has_null = any(v is None for v in values)
        items = tuple(n.Param(_bind(typ, v)) for v in values if v is not None)
        cond = n.In(col, items)
        return n.or_(cond, n.IsNull(col)) if has_null else cond
    if isinstance(value, range):
        if value.step != 1:
            raise ValueError("only ranges with step 1 can become BETWEEN")
        if len(value) == 0:
            return n.In(col, ())
        return n.Between(col, n.Param(value.start), n.Param(value.stop - 1))
    if isinstance(value, n.Node):
        return n.Binary("=", col, value)
    return n.Binary("=", col, n.Param(_bind(typ, value)))


def _bind(typ, value):
    try:
        return typ.serialize(typ.cast(value))
    except (TypeError, ValueError, ArithmeticError):
        return value  # let the database compare it (and fail) as given


def _reverse(order: n.Node) -> n.Node:
    if isinstance(order, n.Ordering):
        flipped = "ASC" if order.direction.upper() == "DESC" else "DESC"
        nulls = {"first": "last", "last": "first"}.get(order.nulls or "", None)
        return n.Ordering(order.expr, flipped, nulls)
    return n.Ordering(order, "DESC")


def _nonneg(what: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, not {value!r}")
    return value


def _norm_key(schema, key):
    if len(schema.pk) == 1:
        typ = schema.types[schema.pk[0]]
        try:
            return typ.cast(key)
        except (TypeError, ValueError):
            return key
    return tuple(schema.types[c].cast(v) for c, v in zip(schema.pk, key))


def _pk_text(schema) -> str:
    return schema.pk[0] if len(schema.pk) == 1 else "(" + ", ".join(schema.pk) + ")"
