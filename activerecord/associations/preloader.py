"""Preloading (Rails' ``Associations::Preloader``): ``Artist.preload("albums")`` loads
the albums of every loaded artist in one ``IN`` query per level (split into chunks
that fit one statement), instead of one query per artist.

Paths are an association name, a dict ``{name: nested paths}`` or a list of paths, as
Rails' ``preload(albums: :tracks)``. Every name is checked before any SQL
(AssociationNotFoundError). A belongs_to target row is one record shared by all the
records that refer to it; nested levels load from the distinct records of the level
above. The loaded values go into each record's association cache, so readers send no
query afterwards.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidAssociation
from . import association as a
from .collection import CollectionProxy

__all__ = ["preload", "tree"]

#: Parameters kept free in each IN query for the target's default scope.
_RESERVE = 20


def tree(model: Any, paths: Any) -> dict[str, tuple[Any, dict]]:
    """``{name: (reflection, nested tree)}`` for ``paths`` on ``model``; raises
    AssociationNotFoundError for an unknown name (no SQL), TypeError for a path that
    is not a name, dict or list."""
    out: dict[str, tuple[Any, dict]] = {}
    items: list[tuple[Any, Any]]
    if isinstance(paths, str):
        items = [(paths, ())]
    elif isinstance(paths, dict):
        items = list(paths.items())
    elif isinstance(paths, (list, tuple)):
        for path in paths:
            for name, (reflection, nested) in tree(model, path).items():
                out.setdefault(name, (reflection, {}))[1].update(nested)
        return out
    else:
        raise TypeError(f"preload() takes association names, dicts or lists of them, "
                        f"not {paths!r}")
    for name, nested in items:
        reflection = model.reflect_on_association(name)
        sub = tree(reflection.target, nested)
        out.setdefault(name, (reflection, {}))[1].update(sub)
    return out


def preload(model: Any, records: list, paths: Any) -> None:
    """Load the associations ``paths`` of ``records`` (``model`` instances) into
    their caches (see the module doc)."""
    _run(tree(model, paths), records)


def _run(paths: dict[str, tuple[Any, dict]], records: list) -> None:
    for reflection, nested in paths.values():
        if records:
            loaded = _load(reflection, records)
            if nested and loaded:
                _run(nested, loaded)


def _load(reflection: Any, records: list) -> list:
    if reflection.macro not in ("belongs_to", "has_many", "has_one"):
        raise InvalidAssociation(f"{reflection!r}: preload of a {reflection.macro} "
                                 f"association is not supported yet")
    if reflection.macro == "belongs_to":
        return _belongs_to(reflection, records)
    owners_key, targets_key = reflection.primary_key, reflection.foreign_key
    keys = list(dict.fromkeys(k for k in (a.values_of(r, owners_key) for r in records)
                              if None not in k))
    found = _fetch(reflection.target, targets_key, keys)
    groups: dict[tuple, list] = {}
    for target in found:
        groups.setdefault(a.values_of(target, targets_key), []).append(target)
    for record in records:
        key = a.values_of(record, owners_key)
        group = groups.get(key, []) if None not in key else []
        if reflection.macro == "has_many":
            proxy = CollectionProxy.of(reflection.scope(record), record, reflection)
            proxy._records = group
            a.store(record, reflection.name, proxy, key)
        else:
            a.store(record, reflection.name, group[0] if group else None, key)
        reflection.set_inverse(record, group)
    return found


def _belongs_to(reflection: Any, records: list) -> list:
    fk, pk = reflection.foreign_key, reflection.primary_key
    keys = list(dict.fromkeys(k for k in (a.values_of(r, fk) for r in records)
                              if None not in k))
    by_key = {a.values_of(t, pk): t for t in _fetch(reflection.target, pk, keys)}
    for record in records:
        key = a.values_of(record, fk)
        a.store(record, reflection.name, by_key.get(key), key)
    return list(by_key.values())


def _fetch(target: Any, columns: tuple[str, ...], keys: list[tuple]) -> list:
    """The ``target`` records whose ``columns`` have one of ``keys`` (tuples), in
    statements that fit the database's parameter limit (``ModelSchema.key_chunks``
    when the columns are as many as the table's key)."""
    if not keys:
        return []
    schema = target._load_schema()
    if len(columns) == len(schema.pk):
        chunks = schema.key_chunks(keys, _RESERVE)
    else:
        size = max(1, (schema.db.features.max_parameters - _RESERVE) // len(columns))
        chunks = [keys[i:i + size] for i in range(0, len(keys), size)]
    out: list = []
    for chunk in chunks:
        if len(columns) == 1:
            out += target.where(**{columns[0]: [k[0] for k in chunk]}).to_list()
        else:
            rows = [tuple(schema.types[c].bind(v) for c, v in zip(columns, key))
                    for key in chunk]
            out += target.where(schema.rows_in(columns, rows)).to_list()
    return out
