"""Hash conditions by a belongs_to name: ``Album.where(artist=acdc)`` is ``ArtistId =
acdc's key`` (Rails' ``PredicateBuilder`` with ``AssociationQueryValue`` and
``PolymorphicArrayValue``; docs/associations.md, "Joins").

:func:`association_conds` turns ``name=value`` into the ``Cond`` items of ``where``,
``where_not``, ``rewhere``, ``find_by`` and ``exists``; ``query_methods.py`` asks it
for a keyword that is no column of the model (a column of that name wins: it is
compared as a column). The association is found through ``self.model``
(``reflect_on_association``, relation/contract.py); the value is:

* a record of the target class: one equality per foreign-key column, each a
  ``column=value`` condition, so ``new``/``create`` on the relation set the foreign
  key (Rails' ``scope_for_create``); of a polymorphic belongs_to, ``type = class
  name`` too;
* ``None``: every foreign-key column ``IS NULL`` (as Rails: of a polymorphic one, its
  key columns, not its type column);
* a list, tuple or set of them: ``fk IN (...)``, ``(a, b) IN ((?, ?), ...)`` row
  values for a composite key, ``OR ... IS NULL`` for a ``None`` among them; of a
  polymorphic belongs_to one ``type = 'Post' AND key IN (...)`` group per class,
  ORed (Rails' ``PolymorphicArrayValue``);
* a Relation of the target: ``fk IN (SELECT referenced columns ...)`` (its own select
  when it has one), as Rails;
* anything else is a key value (``where(artist=5)``; a tuple for a composite key),
  compared as the foreign-key column compares values, as Rails takes ids; not for a
  polymorphic belongs_to, whose class it would not say.

The conditions mention the foreign-key columns (and the type column), so ``rewhere``
replaces ``where(artist=...)`` and ``where(ArtistId=...)`` alike. Before any SQL: a
record (or relation) of another class raises ``AssociationTypeMismatch``, a record
without a key (not saved yet) ``ValueError``, and the name of a has_many, has_one,
has_and_belongs_to_many or through association ``UnknownAttributeError`` saying what
to write instead (Rails has no such condition either).
"""

from __future__ import annotations

from typing import Any, cast

from ..errors import AssociationNotFoundError, AssociationTypeMismatch, UnknownAttributeError
from ..sql import nodes as n
from ..types import Type
from . import predicates as p
from .contract import BelongsToLike, TableSchema
from .core import NOVALUE, Cond, RelationCore, wrap_subquery

__all__ = ["association_conds"]

#: (Column node, attribute type) of each foreign-key column, in order.
_Cols = list[tuple[n.Column, Type]]


def association_conds(rel: RelationCore[Any], name: str, value: Any,
                      limits: tuple) -> list[Cond]:
    """The conditions of ``where(name=value)`` where ``name`` is no column of
    ``rel``'s model (see the module doc); ``limits`` is the dialect's
    ``integer_range``.

    Raises:
        UnknownAttributeError: ``name`` is neither a column nor a belongs_to (the
            message lists the columns, and says so for another association kind).
        AssociationTypeMismatch: a record or relation of another class; a value that
            is no record for a polymorphic belongs_to.
        ValueError: a record without a key; a composite key of the wrong length.
        AttributeCastError: a key value the foreign-key column cannot take.
    """
    schema = rel._schema()
    try:
        reflection = rel.model.reflect_on_association(name)
    except AssociationNotFoundError:
        schema.column(rel.model, name)  # UnknownAttributeError listing the columns
        raise
    if reflection.macro != "belongs_to":
        raise _not_a_belongs_to(rel, name, reflection.macro)
    ref = cast(BelongsToLike, reflection)
    cols = [schema.column(rel.model, c) for c in ref.foreign_key]
    what = f"where({name}=...)"
    if ref.polymorphic:
        return _polymorphic(rel, ref, cols, value, what, limits)
    return _plain(rel, ref, cols, value, what, limits)


def _plain(rel: RelationCore[Any], ref: BelongsToLike, cols: _Cols, value: Any,
           what: str, limits: tuple) -> list[Cond]:
    fk = ref.foreign_key
    every = frozenset(fk)
    if value is None:
        return [Cond(n.IsNull(col), frozenset((c,)), None) for c, (col, _t) in zip(fk, cols)]
    if isinstance(value, RelationCore):
        columns = _target(ref, value.model, what)[1]
        return [Cond(_in_relation(cols, value, columns, what), every)]
    if p._is_record(value):
        return _equal(fk, cols, _key_of(ref, value, what)[1], limits)
    items = _items(value, len(fk))
    if items is not None:
        keys = [None if v is None else _key_of(ref, v, what)[1] if p._is_record(v)
                else _raw_key(v, fk, what) for v in items]
        return [Cond(_keys_in(rel._schema(), fk, cols, keys, limits), every)]
    if len(fk) == 1:  # a key value, compared as the column compares (Rails takes ids)
        col, typ = cols[0]
        node = p.hash_condition(col, value, typ, limits=limits)
        return [Cond(node, every, value if type(value) in p.PLAIN else NOVALUE)]
    return _equal(fk, cols, _raw_key(value, fk, what), limits)


def _polymorphic(rel: RelationCore[Any], ref: BelongsToLike, cols: _Cols, value: Any,
                 what: str, limits: tuple) -> list[Cond]:
    schema, fk = rel._schema(), ref.foreign_key
    every = frozenset(ref.snapshot_columns)
    nulls = n.and_(*(n.IsNull(col) for col, _t in cols))
    if value is None:
        return [Cond(nulls, every)]
    if p._is_record(value):
        fixed, key = _key_of(ref, value, what)
        return _equal(tuple(fixed), [schema.column(rel.model, c) for c in fixed],
                      tuple(fixed.values()), limits) + _equal(fk, cols, key, limits)
    items = [value] if isinstance(value, RelationCore) else _items(value, 1)
    if items is None:
        raise _not_a_record(ref, value, what)
    groups: dict[tuple, list] = {}  # the fixed columns' values -> the keys of that class
    parts: list[n.Node] = []
    for item in items:
        if isinstance(item, RelationCore):
            fixed, columns = _target(ref, item.model, what)
            parts.append(n.and_(*_fixed(rel, fixed, limits),
                                _in_relation(cols, item, columns, what)))
        elif p._is_record(item):
            fixed, key = _key_of(ref, item, what)
            groups.setdefault(tuple(fixed.items()), []).append(key)
        elif item is not None:
            raise _not_a_record(ref, item, what)
    nodes = [n.and_(*_fixed(rel, dict(fixed), limits), _keys_in(schema, fk, cols, keys, limits))
             for fixed, keys in groups.items()] + parts
    if any(item is None for item in items):
        nodes.append(nulls)
    return [Cond(n.or_(*nodes) if nodes else n.Or(()), every)]


def _target(ref: BelongsToLike, model: Any, what: str) -> tuple[dict[str, Any], tuple]:
    """``ref.target_key(model)``, its AssociationTypeMismatch naming the condition."""
    try:
        return ref.target_key(model)
    except AssociationTypeMismatch as exc:
        raise AssociationTypeMismatch(f"{what}: {exc}") from None


def _key_of(ref: BelongsToLike, record: Any, what: str) -> tuple[dict[str, Any], tuple]:
    """The fixed columns and the key of ``record`` (the values of the columns the
    foreign key refers to); ValueError when a part is None (a record not saved)."""
    fixed, columns = _target(ref, type(record), what)
    key = tuple(record.read_attribute(c) for c in columns)
    if None in key:
        raise ValueError(
            f"{what}: the {type(record).__name__} {record!r} has no key yet "
            f"({', '.join(columns)} is None): save it first (where({ref.name}=None) "
            f"matches the rows without one)")
    return fixed, key


def _items(value: Any, width: int) -> list | None:
    """The items of ``value`` when it is a list of values (a list, a set, or a tuple,
    which for a composite key is one key unless it holds records, None or tuples);
    None for one value."""
    if isinstance(value, list):
        return value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, tuple) and (width == 1 or any(
            v is None or p._is_record(v) or isinstance(v, (tuple, list, RelationCore))
            for v in value)):
        return list(value)
    return None


def _raw_key(value: Any, fk: tuple[str, ...], what: str) -> tuple:
    """A key value given as such: ``(value,)``, or a tuple of one value per column."""
    if len(fk) == 1:
        return (value,)
    if isinstance(value, (tuple, list)) and len(value) == len(fk):
        return tuple(value)
    raise ValueError(f"{what}: the foreign key is ({', '.join(fk)}): give a record, "
                     f"a tuple of {len(fk)} values, a list of them, a Relation or None; "
                     f"not {value!r:.80}")


def _equal(names: tuple[str, ...], cols: _Cols, key: tuple, limits: tuple) -> list[Cond]:
    """One ``column = value`` condition per column (each assigned by ``new``)."""
    return [Cond(p.hash_condition(col, v, typ, limits=limits), frozenset((c,)), v)
            for c, (col, typ), v in zip(names, cols, key)]


def _fixed(rel: RelationCore[Any], fixed: dict[str, Any], limits: tuple) -> list[n.Node]:
    """``type = 'Post'``: the conditions on the columns a class fixes."""
    schema = rel._schema()
    out = []
    for column, value in fixed.items():
        col, typ = schema.column(rel.model, column)
        out.append(p.hash_condition(col, value, typ, limits=limits))
    return out


def _keys_in(schema: TableSchema, fk: tuple[str, ...], cols: _Cols, keys: list,
             limits: tuple) -> n.Node:
    """``fk IN (...)`` (``(a, b) IN (...)`` row values for a composite key) for
    ``keys`` (tuples; ``None``: ``OR`` every column ``IS NULL``), each value bound
    through its column's type; a key no stored row can hold is left out."""
    given = [k for k in keys if k is not None]
    has_null = len(given) < len(keys)
    if len(cols) == 1:
        col, typ = cols[0]
        values = [k[0] for k in given] + ([None] if has_null else [])
        return p.hash_condition(col, values, typ, limits=limits)
    rows = []
    for key in given:
        bound = tuple(p.bind_value(col, typ, v, limits) for (col, typ), v in zip(cols, key))
        if not any(b is p.ABOVE or b is p.BELOW for b in bound):  # else it equals no row
            rows.append(bound)
    node = schema.rows_in(fk, rows) if rows else n.In(n.Tuple(tuple(c for c, _t in cols)), ())
    if not has_null:
        return node
    nulls = n.and_(*(n.IsNull(col) for col, _t in cols))
    return n.or_(node, nulls) if given else nulls


def _in_relation(cols: _Cols, rel: RelationCore[Any], columns: tuple[str, ...],
                 what: str) -> n.Node:
    """``fk IN (SELECT columns FROM rel ...)`` (a derived table when ``rel`` has a
    limit or offset, which MySQL refuses inside IN); ``rel``'s own select when it
    has one."""
    table = rel._schema().table
    select = rel._select or tuple(n.Column(c, table) for c in columns)
    if len(select) != len(cols):
        raise ValueError(f"{what}: the relation selects {len(select)} column(s); the "
                         f"foreign key has {len(cols)}")
    left = cols[0][0] if len(cols) == 1 else n.Tuple(tuple(c for c, _t in cols))
    if rel._limit is None and not rel._offset:
        return n.In(left, rel.to_select_node(select, order=False))
    return n.In(left, wrap_subquery(rel.to_select_node(select), "subquery"))


def _not_a_record(ref: BelongsToLike, value: Any, what: str) -> AssociationTypeMismatch:
    return AssociationTypeMismatch(
        f"{what}: a polymorphic belongs_to takes records (a list of them, a Relation "
        f"or None), not {type(value).__name__} {value!r:.60}: a key alone does not say "
        f"its class; compare the columns instead "
        f"(where({', '.join(f'{c}=...' for c in ref.snapshot_columns)}))")


def _not_a_belongs_to(rel: RelationCore[Any], name: str, macro: str) -> UnknownAttributeError:
    err = UnknownAttributeError(rel.model.__name__, name, list(rel._schema().names))
    err.args = (f"{err}; {name!r} is a {macro} association of {rel.model.__name__}: a "
                f"condition by association name takes a belongs_to and its records "
                f"(as Rails); for a {macro}, give a condition on its table "
                f"(joins({name!r}).where({name}={{...}})) or use where_associated("
                f"{name!r}) / where_missing({name!r})",)
    return err
