"""Preloading (Rails' ``Associations::Preloader``): ``Artist.preload("albums")`` loads
the albums of every loaded artist in one ``IN`` query per level (split into chunks
that fit one statement), instead of one query per artist.

Paths are an association name, a dict ``{name: nested paths}`` or a list of paths, as
Rails' ``preload(albums: :tracks)``. Every name is checked before any SQL
(AssociationNotFoundError). Every kind preloads:

- ``belongs_to``, ``has_many``, ``has_one``: one query on the target by the keys of
  the owners (a has_one's ordered as its reader's ``first()``);
- ``has_and_belongs_to_many``: one query on the join table for the (owner, target)
  key pairs, then one on the target by the distinct target keys;
- through associations (nested to any depth): one query per link of the chain
  (``through.py``'s :class:`~activerecord.associations.through.Link`), level by
  level; intermediate tables only give up their key columns (``pluck``), the last
  query loads the targets. Each owner then gets one target per path (duplicates
  kept, as the reader's JOIN gives them, unless ``distinct=True``), in path order,
  or in the target query's order when the target's scope has one (Rails).

A row is one record shared by every owner that reaches it, and nested levels load
from the distinct records of the level above; memory stays linear in the rows (per
owner one collection object, nothing per row but the record). An owner whose
association is already loaded is not queried again (its targets still feed the
nested levels). The loaded values go into each record's association cache, so the
readers send no query afterwards, and the inverses are set as for lazy reads.
Targets preloaded for strict-loading owners are strict too (Rails' cascade). A
reflection that defines ``preload_into(records) -> list`` (the records it loaded)
owns its preload (a polymorphic belongs_to: ``belongs_to.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidAssociation
from ..relation import predicates as p
from ..sql import nodes as n
from . import association as a
from .collection import CollectionProxy
from .habtm import ManyToManyProxy
from .through import HasManyThrough, Link, ThroughProxy

__all__ = ["preload", "tree"]

#: Parameters kept free in each IN query for the target's default scope.
_RESERVE = 20

#: Sets a record's state without materializing its ``__dict__`` (see model/core.py).
set_attribute = object.__setattr__


class PerClass:
    """The paths nested under a polymorphic belongs_to: its targets are of several
    classes, so the tree of each class is made from them once they are loaded (Rails
    preloads each type's nested associations; a name one class lacks raises then)."""

    __slots__ = ("paths",)

    def __init__(self, paths: list) -> None:
        self.paths = paths


def _merge(out: dict, name: str, reflection: Any, sub: Any) -> None:
    known = out.get(name)
    if known is None:
        out[name] = (reflection, sub)
    elif isinstance(known[1], PerClass):
        known[1].paths.extend(sub.paths if isinstance(sub, PerClass) else ())
    else:
        known[1].update(sub)


def tree(model: Any, paths: Any) -> dict[str, tuple[Any, Any]]:
    """``{name: (reflection, nested tree)}`` for ``paths`` on ``model`` (the nested
    paths of a polymorphic belongs_to stay a :class:`PerClass`); raises
    AssociationNotFoundError for an unknown name (no SQL), TypeError for a path that
    is not a name, dict or list."""
    out: dict[str, tuple[Any, Any]] = {}
    items: list[tuple[Any, Any]]
    if isinstance(paths, str):
        items = [(paths, ())]
    elif isinstance(paths, dict):
        items = list(paths.items())
    elif isinstance(paths, (list, tuple)):
        for path in paths:
            for name, (reflection, nested) in tree(model, path).items():
                _merge(out, name, reflection, nested)
        return out
    else:
        raise TypeError(f"preload() takes association names, dicts or lists of them, "
                        f"not {paths!r}")
    for name, nested in items:
        reflection = model.reflect_on_association(name)
        sub: Any
        if reflection.polymorphic:
            sub = PerClass([nested]) if nested else {}
        else:  # resolves the class: errors before SQL
            sub = tree(reflection.target, nested)
        _merge(out, name, reflection, sub)
    return out


def preload(model: Any, records: list, paths: Any) -> None:
    """Load the associations ``paths`` of ``records`` (``model`` instances) into
    their caches (see the module doc)."""
    _run(tree(model, paths), records)


def _run(paths: dict[str, tuple[Any, Any]], records: list) -> None:
    for reflection, nested in paths.values():
        if records:
            loaded = _load(reflection, records)
            if isinstance(nested, PerClass) and loaded:
                by_class: dict[type, list] = {}
                for record in loaded:
                    by_class.setdefault(type(record), []).append(record)
                for cls, group in by_class.items():
                    _run(tree(cls, nested.paths), group)
            elif nested and loaded:
                _run(nested, loaded)


def _load(reflection: Any, records: list) -> list:
    """Preload ``reflection`` for ``records``; return the distinct records loaded
    (and those already loaded), for the nested levels."""
    own = getattr(reflection, "preload_into", None)
    done: list = []
    if own is not None:  # a reflection that owns its preload (polymorphic belongs_to)
        found: list = own(records)
    else:
        loader = _loader(reflection)
        owners, keys, done = _pending(reflection, records)
        found = loader(reflection, owners, keys) if owners else []
    mode = _strict(records) if found else False
    if mode:
        a.set_strict(found, mode)  # the records this preload loaded (Rails' cascade)
    return found + list({id(r): r for r in done}.values()) if done else found


def _loader(reflection: Any) -> Callable[[Any, list, list], list]:
    if isinstance(reflection, HasManyThrough):
        return _through
    found = _LOADERS.get(reflection.macro)
    if found is None:
        raise InvalidAssociation(f"{reflection!r}: preload of a {reflection.macro} "
                                 f"association is not supported")
    return found


def _owner_columns(reflection: Any) -> tuple[str, ...]:
    if isinstance(reflection, HasManyThrough):
        return reflection.owner_columns
    return reflection.foreign_key if reflection.macro == "belongs_to" \
        else reflection.primary_key


def _pending(reflection: Any, records: list) -> tuple[list, list, list]:
    """``(owners, their keys, targets already loaded)``: the records whose association
    is not loaded yet, with their key snapshots; the already loaded targets of the
    others (Rails' preloader does not load a loaded association again)."""
    columns, name = _owner_columns(reflection), reflection.name
    column = columns[0] if len(columns) == 1 else None
    owners: list = []
    keys: list[tuple] = []
    done: list = []
    for record in records:
        try:  # a.values_of, inlined for one column: this runs once an owner
            key = (record._attrs[column],) if column is not None else \
                a.values_of(record, columns)
        except KeyError:  # not loaded: values_of says so
            key = a.values_of(record, columns)
        value = a.cached(record, name, key) \
            if record._association_cache is not None else a.MISSING
        if value is a.MISSING or (isinstance(value, CollectionProxy)
                                  and value._records is None):
            owners.append(record)
            keys.append(key)
        elif isinstance(value, CollectionProxy):
            done += value._records or ()
        elif value is not None:
            done.append(value)
    return owners, keys, done


def _strict(records: list) -> bool | str:
    """The strict-loading mode of the first strict owner (Rails cascades it when any
    owner is strict), else False. The owners of one level are of one model (the
    first one's ``strict_loading_by_default`` decides whether it must be read)."""
    if type(records[0]).strict_loading_by_default:
        return next((m for m in map(a.strict_mode, records) if m), False)
    for record in records:
        mode = record._strict_loading
        if mode:
            return mode
    return False


# -- one query on the target -------------------------------------------------------------
def _distinct(keys: list[tuple]) -> list[tuple]:
    return list(dict.fromkeys(k for k in keys if None not in k))


def _belongs_to(reflection: Any, owners: list, keys: list) -> list:
    pk = reflection.primary_key
    found = _fetch(reflection.target, pk, _distinct(keys))
    by_key = {a.values_of(t, pk): t for t in found}
    inverse = reflection.inverse
    one = inverse is not None and inverse.macro == "has_one"
    for record, key in zip(owners, keys):
        target = by_key.get(key)
        a.store(record, reflection.name, target, key)
        if one and target is not None:
            a.store(target, inverse.name, record, a.values_of(target, inverse.primary_key))
    return found


def _target_keyed(reflection: Any, owners: list, keys: list) -> list:
    """has_many and has_one: one query on the target by the owners' keys."""
    fk, many, name = reflection.foreign_key, reflection.macro == "has_many", \
        reflection.name
    target = reflection.target
    extra = reflection.extra_join_conditions(target._load_schema().table)
    single = len(fk) == 1
    inverse, direct = _inverse_of(reflection)
    if many and single:
        grouped = _fetch_grouped(target, fk[0], keys, extra, owners, direct)
        if grouped is not None:  # a direct inverse is set already
            found, groups = grouped
            _store_collections(reflection, owners, keys, groups,
                               inverse if direct is None else None)
            return found
    found = _fetch(target, fk, _distinct(keys), extra, ordered=not many)
    groups = _group(found, fk)
    if many:
        _store_collections(reflection, owners, keys, groups, inverse)
        return found
    for record, key in zip(owners, keys):
        group = groups.get(key[0] if single else key)
        a.store(record, name, group[0] if group else None, key)
        if group and inverse is not None:
            inverse(record, group[:1], key)
    return found


def _store_collections(reflection: Any, owners: list, keys: list, groups: dict,
                       inverse: Callable[[Any, list, tuple], None] | None) -> None:
    """Give each owner its loaded collection (``a.store`` inlined: this runs once an
    owner) and, with ``inverse`` (:func:`_inverse_of`), each of its records the owner
    as inverse. Two owners with one key (a row loaded twice) get lists of their own.
    ``groups``: from :func:`_group`."""
    name, given = reflection.name, set()
    single = len(reflection.foreign_key) == 1
    loaded = CollectionProxy.loaded
    for record, key in zip(owners, keys):
        group = groups.get(key[0] if single else key)
        if group is None:
            group = []
        elif key in given:
            group = list(group)
        else:
            given.add(key)
        proxy = loaded(record, reflection, group)
        entry = (key, proxy)
        cache = record._association_cache
        if cache is None:
            set_attribute(record, "_association_cache", {name: entry})
        elif type(cache) is dict:
            cache[name] = entry
        else:
            a.store(record, name, proxy, key)
        if group and inverse is not None:
            inverse(record, group, key)


def _group(records: list, columns: tuple[str, ...]) -> dict[Any, list]:
    """``{key: [records]}``, in ``records``' order; the key is the value of the one
    column, or the tuple of the values of several (look up with ``key[0]`` for
    one column)."""
    groups: dict[Any, list] = {}
    if len(columns) == 1:
        column = columns[0]
        try:
            for record in records:
                value = record._attrs[column]
                group = groups.get(value)
                if group is None:
                    groups[value] = [record]
                else:
                    group.append(record)
            return groups
        except KeyError:  # not selected (a default scope's select): say so below
            groups = {}
    for record in records:
        key = a.values_of(record, columns)
        groups.setdefault(key[0] if len(columns) == 1 else key, []).append(record)
    return groups


def _inverse_of(reflection: Any) -> tuple[Callable[[Any, list, tuple], None] | None,
                                          str | None]:
    """``(store, direct)``: ``store(owner, records, key)`` caches ``owner`` as the
    inverse of each of ``records`` (their foreign key is ``key``), None without an
    inverse; ``direct`` is the inverse's name when it is a belongs_to whose cache key
    is that foreign key (:func:`_store_collections` then stores it itself: the
    records of one owner share one ``SharedCache``), else None."""
    inverse = reflection.inverse
    if inverse is None:
        return None, None
    if getattr(inverse, "snapshot_columns", None) == reflection.foreign_key:
        name = inverse.name

        def store(owner: Any, records: list, key: tuple) -> None:
            shared = None  # a.store, inlined: this runs once a row
            for record in records:
                if record._association_cache is None:
                    if shared is None:
                        shared = a.SharedCache({name: (key, owner)})
                    set_attribute(record, "_association_cache", shared)
                else:
                    a.store(record, name, owner, key)
        return store, name
    return (lambda owner, records, key: reflection.set_inverse(owner, records)), None


def _store_collection(reflection: Any, record: Any, key: tuple, group: list,
                      proxy: type[CollectionProxy], scope: Any = None) -> None:
    if scope is None:  # the query parts come from reflection.scope(record) when used
        value = proxy.loaded(record, reflection, list(group))
    else:
        value = proxy.of(scope, record, reflection)
        value._records = list(group)
    a.store(record, reflection.name, value, key)


def _habtm(reflection: Any, owners: list, keys: list) -> list:
    """One query on the join table for the pairs, one on the target by its keys."""
    (fk, pk), (afk, tpk) = reflection.keys()
    owner, target = reflection.owner._load_schema(), reflection.target._load_schema()
    link = Link(None, n.Table(reflection.join_table), fk, pk,
                tuple(owner.types[c] for c in pk))
    pairs = _pluck(link, afk, tuple(target.types[c] for c in tpk), _distinct(keys),
                   owner)
    found = _fetch(reflection.target, tpk, _distinct([t for ts in pairs.values()
                                                       for t in ts]))
    by_key = {a.values_of(t, tpk): t for t in found}
    index = _index(reflection.target, found)
    for record, key in zip(owners, keys):
        group = [by_key[t] for t in pairs.get(key, ()) if t in by_key]
        if index is not None:
            group.sort(key=lambda t: index[id(t)])
        _store_collection(reflection, record, key, group, ManyToManyProxy)
    return found


_LOADERS: dict[str, Callable[[Any, list, list], list]] = {
    "belongs_to": _belongs_to, "has_many": _target_keyed, "has_one": _target_keyed,
    "has_and_belongs_to_many": _habtm,
}


# -- through: level by level --------------------------------------------------------------
def _through(reflection: Any, owners: list, keys: list) -> list:
    """Walk the links: pluck each intermediate table's keys, load the targets, then
    give each owner one target per path (see the module doc)."""
    links = reflection.links()
    schema = reflection.owner._load_schema()
    frontier, steps = _distinct(keys), []
    for link, following in zip(links, links[1:]):
        out_types = _types_of(link, following)
        step = _pluck(link, following.prev, out_types, frontier, schema)
        steps.append(step)
        frontier = _distinct([v for vs in step.values() for v in vs])
    last = links[-1]
    many = reflection.macro != "has_one_through"
    extra = last.conditions(reflection.target._load_schema().table, scoped=False)
    found = _fetch(reflection.target, last.far, frontier, extra, ordered=not many)
    by_key: dict[tuple, list] = {}
    for target in found:
        by_key.setdefault(a.values_of(target, last.far), []).append(target)
    index = _index(reflection.target, found) if many else _positions(found)
    joined = reflection.joined() if many else None
    for record, key in zip(owners, keys):
        group = _walk(key, steps, by_key)
        if index is not None and len(group) > 1:
            group.sort(key=lambda t: index[id(t)])
        if reflection.distinct:
            group = list({id(t): t for t in group}.values())
        if many:
            _store_collection(reflection, record, key, group, ThroughProxy,
                              reflection.scope(record, joined))
        else:
            a.store(record, reflection.name, group[0] if group else None, key)
    return found


def _walk(key: tuple, steps: list[dict], targets: dict[tuple, list]) -> list:
    """The targets reached from an owner's ``key`` along ``steps`` (one per path)."""
    values = [key] if None not in key else []
    for step in steps:
        values = [v for value in values for v in step.get(value, ())]
    return [t for value in values for t in targets.get(value, ())]


def _types_of(link: Link, following: Link) -> tuple[Any, ...]:
    """The types of ``following.prev``, columns of ``link``'s table."""
    if link.model is not None:
        schema = link.model._load_schema()
        return tuple(schema.types[c] for c in following.prev)
    return following.far_types  # a join table: its columns hold the target's keys


def _index(target: Any, found: list) -> dict[int, int] | None:
    """Positions of ``found`` when the target's scope orders it (else None: path
    order is kept, as Rails sorts only by an explicit order)."""
    return _positions(found) if target.all()._order else None


def _positions(found: list) -> dict[int, int]:
    return {id(t): i for i, t in enumerate(found)}


# -- statements ---------------------------------------------------------------------------
def _chunks(db: Any, width: int, keys: list) -> list[list]:
    size = max(1, (db.features.max_parameters - _RESERVE) // max(1, width))
    return [keys[i:i + size] for i in range(0, len(keys), size)]


def _in(table: str, columns: tuple[str, ...], types: tuple[Any, ...],
        keys: list[tuple]) -> n.Node:
    """``table.columns IN (keys)``, the keys bound by ``types``; several columns as
    row values (the first row cast as ``ModelSchema.rows_in`` does)."""
    if len(columns) == 1:
        typ, bind, param = types[0], types[0].bind, n.Param
        if getattr(typ, "sql_cast", None) is None:  # p.param's plain case, inlined
            return n.In(n.Column(columns[0], table), tuple([param(bind(k[0])) for k in keys]))
        return n.In(n.Column(columns[0], table),
                    tuple(p.param(typ, bind(k[0])) for k in keys))
    items = [n.Tuple(tuple(p.param(t, t.bind(v)) for t, v in zip(types, key)))
             for key in keys]
    casts = [t.values_cast for t in types]
    if any(casts):
        items[0] = n.Tuple(tuple(x if c is None else n.Cast(x, c)
                                 for x, c in zip(items[0].items, casts)))
    return n.In(n.Tuple(tuple(n.Column(c, table) for c in columns)), tuple(items))


def _fetch(target: Any, columns: tuple[str, ...], keys: list[tuple],
           extra: list[n.Node] | None = None, ordered: bool = False) -> list:
    """The ``target`` records (its default scope applied, and ``extra`` conditions)
    whose ``columns`` have one of ``keys`` (tuples), in statements that fit the
    database's parameter limit; ``ordered``: as ``first()`` orders (by the key when
    the scope has no order and the table has one; else unordered, as ``take()``)."""
    if not keys:
        return []
    schema = target._load_schema()
    rel = target.all()
    for node in extra or ():
        rel = rel._and(node)
    if ordered and (rel._order or schema.pk):  # as a.first_of: keyless tables unordered
        rel = rel._ordered_by_key()
    types = tuple(schema.types[c] for c in columns)
    out: list = []
    for chunk in _chunks(schema.db, len(columns), keys):
        out += rel._and(_in(schema.table, columns, types, chunk)).to_list()
    return out


def _fetch_grouped(target: Any, column: str, keys: list[tuple], extra: list[n.Node],
                   owners: list, direct: str | None) -> tuple[list, dict] | None:
    """:func:`_fetch` of a collection by one foreign-key ``column``, grouped (as
    :func:`_group`) while the records are built, each getting its owner as the
    inverse ``direct`` (one ``SharedCache`` an owner; None: no such inverse); None
    when the target's scope loads more than plain rows (``Relation._load_grouped``)
    or the keys take several statements: the caller fetches and groups."""
    distinct = _distinct(keys)
    if not distinct:
        return [], {}
    schema = target._load_schema()
    rel = target.all()
    for node in extra:
        rel = rel._and(node)
    chunks = _chunks(schema.db, 1, distinct)
    if len(chunks) > 1:
        return None
    caches: dict = {}
    if direct is not None:
        for owner, key in zip(owners, keys):
            caches[key[0]] = a.SharedCache({direct: (key, owner)})
    return rel._and(_in(schema.table, (column,), (schema.types[column],), chunks[0])) \
        ._load_grouped(column, caches)


def _pluck(link: Link, out: tuple[str, ...], out_types: tuple[Any, ...],
           keys: list[tuple], schema: Any) -> dict[tuple, list[tuple]]:
    """``{far value: [out values, ...]}`` of the rows of ``link``'s table whose far
    columns have one of ``keys`` (its model's default-scope conditions and the hop's
    applied; rows with a NULL out value skipped). ``schema``: any ModelSchema of the
    database, for a join table (no model)."""
    if not keys:
        return {}
    table, width = link.table.name, len(link.far)
    columns = tuple(n.Column(c, table) for c in link.far + out)
    loaders = schema.loaders_for([f"c{i}" for i in range(len(columns))],
                                 list(link.far_types + out_types))
    conds = link.conditions(table)
    db = link.model._load_schema().db if link.model is not None else schema.db
    found: dict[tuple, list[tuple]] = {}
    for chunk in _chunks(db, width, keys):
        where = n.and_(*conds, _in(table, link.far, link.far_types, chunk))
        for row in db.select_rows(n.Select(link.table, columns, where=where)):
            values = schema.load_values(loaders, row)
            if None not in values[width:]:
                found.setdefault(values[:width], []).append(values[width:])
    return found
