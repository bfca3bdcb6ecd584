"""Compiled record builders: the functions that turn result rows into records (the
row-loading hot path of ``persistence.py``'s ``_instantiate*``).

One builder is compiled per loading plan (the columns of the rows, in order, and the
loaders of ``ModelSchema.loaders_for``) and cached on the model's schema. Each record
gets one dict of its values, written as a dict display, so a row costs no ``zip``, no
loop over its columns and no call but the loaders' (half the time of
``dict(zip(...))``; the technique of ``collections.namedtuple``). The dict is set with
``object.__setattr__``: the record's ``__dict__`` is not materialized, so a record is
one object for the garbage collector, not two (``_new_record`` is a class-level
False, see ``core.py``). The source holds the column names only as string literals
(``repr`` of ``str``) and the loaders as globals ``L<index>``. A name that comes twice
(``select("a.x", "b.x")``) keeps the last value, as a dict built from the row would
(Rails' attribute hash of a result row does the same).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["PARTIAL_BUILDERS", "row_builder"]

#: At most this many other loading plans (``select(...)``, grouped loads) keep a
#: compiled builder per model; beyond, the cache starts again.
PARTIAL_BUILDERS = 64

_SOURCE = """\
def build(rows, cls):
    new = cls.__new__
    out = []
    append = out.append
    for r in rows:
        record = new(cls)
        set_attribute(record, "_attrs", {values})
        append(record)
    return out

def one(r, cls):
    record = cls.__new__(cls)
    set_attribute(record, "_attrs", {values})
    return record
"""

_GROUPED_SOURCE = """\
def grouped(rows, cls, caches):
    new = cls.__new__
    out = []
    append = out.append
    groups = {{}}
    group_of = groups.get
    cache_of = caches.get
    for r in rows:
        record = new(cls)
        key = {key}
        set_attribute(record, "_attrs", {values})
        cache = cache_of(key)
        if cache is not None:
            set_attribute(record, "_association_cache", cache)
        group = group_of(key)
        if group is None:
            groups[key] = [record]
        else:
            group.append(record)
        append(record)
    return out, groups
"""


def row_builder(names: Sequence[str], loaders: tuple, group_at: int | None = None
                ) -> tuple[Callable[..., list], Callable[..., Any], Callable[..., Any] | None]:
    """Compile the builders of records from rows whose values are ``names``, in
    order, deserialized by ``loaders`` (``(index, name, deserialize)``; NULL is never
    deserialized). See the module doc.

    Returns ``(build, one, grouped)``: ``build(rows, cls)`` is the list of ``cls``
    records of ``rows``; ``one(row, cls)`` the record of one row; with ``group_at``
    (the index of a column), ``grouped(rows, cls, caches)`` is ``(records, {value of
    that column: [its records, in row order]})``, and each record whose value is a
    key of ``caches`` gets that dict as its association cache (else None)."""
    load_at = {i: load for i, _name, load in loaders}
    parts = []
    for i, name in enumerate(names):
        value = "key" if i == group_at else _value(i, load_at)
        parts.append(f"{str.__repr__(str(name))}: {value}")
    values = "{" + ", ".join(parts) + "}"
    namespace: dict[str, Any] = {f"L{i}": load for i, load in load_at.items()}
    namespace["set_attribute"] = object.__setattr__
    source = _SOURCE.format(values=values)
    if group_at is not None:
        source += "\n" + _GROUPED_SOURCE.format(key=_value(group_at, load_at),
                                                values=values)
    exec(source, namespace)  # noqa: S102 - names as literals only, see the module doc
    return namespace["build"], namespace["one"], namespace.get("grouped")


def _value(i: int, load_at: dict[int, Callable[[Any], Any]]) -> str:
    # The expression of the i-th value of row ``r``, deserialized when it has a loader.
    if i not in load_at:
        return f"r[{i}]"
    return f"(None if (v{i} := r[{i}]) is None else L{i}(v{i}))"
