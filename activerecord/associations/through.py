"""``has_many(..., through=...)`` and ``has_one(..., through=...)``: the target's records
reached through other associations of the owner (Rails' ``HasManyThroughAssociation`` and
``HasOneThroughAssociation``; docs/associations.md, "Through associations").

``Artist.tracks = has_many("Track", through="albums")`` reads the owner's ``albums``
association (the *through* reflection) and, on its target (``Album``), the *source*
association (``source=``, else ``track`` or ``tracks``: Rails' lookup, which calls two
matches ambiguous). Either may itself be a through association or a
has_and_belongs_to_many, to any depth (Sakila's ``Customer.films`` through
``inventories``, itself through ``rentals``): :func:`chain` flattens a through into the
plain associations from the owner to the target, and :meth:`HasManyThrough.links` into
the tables on the way (:class:`Link`; a many-to-many adds its join table). The
preloader walks the same links (``preloader.py``).

The has_many reader returns a :class:`ThroughProxy`: a Relation of the target INNER
JOINed along the links back to the first one, filtered on the owner's key, cached on
the owner like a has_many collection (chainable; ``count``, ``exists``, ``ids``,
``pluck`` run SQL). As Rails, it keeps duplicates (a target reached by two paths
appears twice) unless declared ``distinct=True`` (``SELECT DISTINCT``). The has_one
reader returns the first such record (``association.first_of``) or None, cached. A table
met twice on the way is aliased (``<table>_2``, ...). The target's default scopes
apply, and, as Rails ("respect the default_scope on a join model"), the conditions of
the intermediate models' default scopes. A has_many through a join model is written
through (``add``, ``create``, ``remove``, ``clear``, ``replace`` write join records:
``through_writers.py``); every other through association is read-only (Rails: nested
ones are): write the intermediate associations.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import inflection

from ..errors import InvalidAssociation
from ..relation import predicates as p
from ..sql import nodes as n
from . import association as a
from . import through_writers as writers
from .collection import CollectionProxy
from .reflection import Reflection

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["HasManyThrough", "HasOneThrough", "ThroughProxy", "Link", "chain",
           "links_of"]

_COLLECTIONS = ("has_many", "has_and_belongs_to_many")
_resolving = threading.local()  # the through reflections being resolved (cycles)


@dataclasses.dataclass(frozen=True)
class Link:
    """One table on the way from an owner to a through association's target: its rows
    are those whose ``far`` columns equal the ``prev`` columns of the previous table's
    rows (the owner's, for the first link).

    ``model`` is the table's model class (None for a many-to-many join table);
    ``far_types`` are the types that bind and load the ``far`` values; ``hop`` is the
    association leading to this table when it adds conditions of its own
    (``Reflection.extra_join_conditions``: a polymorphic has_many's type column)."""

    model: Any
    table: n.Table
    far: tuple[str, ...]
    prev: tuple[str, ...]
    far_types: tuple[Any, ...]
    hop: Any = None

    def conditions(self, name: str, scoped: bool = True) -> list[n.Node]:
        """This table's own conditions, written against ``name`` (its name or alias in
        the query): the hop's extra conditions and, when ``scoped``, the conditions of
        the model's default scopes."""
        out: list[n.Node] = []
        if self.hop is not None:
            out += self.hop.extra_join_conditions(name)
        if scoped and self.model is not None:
            out += [_retable(c.node, self.table.name, name) for c in self.model.all()._where]
        return out


def _types(schema: Any, columns: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(schema.types[c] for c in columns)


def _retable(node: Any, old: str, new: str) -> Any:
    """``node`` with its columns of table ``old`` qualified by ``new`` (an alias)."""
    if old == new or not isinstance(node, n.Node):
        return node
    if isinstance(node, n.Column):
        return n.Column(node.name, new) if node.table in (old, None) else node
    changes = {}
    for field in dataclasses.fields(node):  # type: ignore[arg-type]  # nodes are dataclasses
        value = getattr(node, field.name)
        if isinstance(value, tuple):
            new_value: Any = tuple(_retable(v, old, new) for v in value)
        else:
            new_value = _retable(value, old, new)
        if new_value is not value:
            changes[field.name] = new_value
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]


def links_of(hop: Reflection) -> list[Link]:
    """The links of one plain (not through) association ``hop``: one table, or two for
    a has_and_belongs_to_many (its join table, then the target). InvalidAssociation for
    a polymorphic belongs_to (its target table varies per row; Rails asks for
    ``source_type:``, not supported)."""
    if hop.polymorphic:
        raise InvalidAssociation(f"{hop!r} is polymorphic: a through association cannot "
                                 f"lead through it (its table varies per row)")
    target = hop.target._load_schema()
    if hop.macro == "belongs_to":
        return [Link(hop.target, target.table_node, hop.primary_key, hop.foreign_key,
                     _types(target, hop.primary_key))]
    if hop.macro == "has_and_belongs_to_many":
        (fk, pk), (afk, tpk) = hop.keys()  # type: ignore[attr-defined]  # a habtm
        owner = hop.owner._load_schema()
        return [Link(None, n.Table(hop.join_table), fk, pk,  # type: ignore[attr-defined]
                     _types(owner, pk)),
                Link(hop.target, target.table_node, tpk, afk, _types(target, tpk))]
    return [Link(hop.target, target.table_node, hop.foreign_key, hop.primary_key,
                 _types(target, hop.foreign_key), hop)]


def chain(reflection: Reflection) -> list[Reflection]:
    """The plain associations from the owner of ``reflection`` to its target, in order
    (``[reflection]`` itself when it is not a through association)."""
    if isinstance(reflection, HasManyThrough):
        return reflection.chain()
    return [reflection]


@contextmanager
def _guard(reflection: Reflection, what: str) -> Iterator[None]:
    """InvalidAssociation when ``reflection`` is already resolving ``what`` in this
    thread (its through/source associations lead back to it)."""
    stack: set[tuple[str, int]] = _resolving.__dict__.setdefault("stack", set())
    key = (what, id(reflection))
    if key in stack:
        raise InvalidAssociation(f"{reflection!r}: its through/source associations lead "
                                 f"back to itself")
    stack.add(key)
    try:
        yield
    finally:
        stack.discard(key)


def _aliased(table: n.Table, used: set[str]) -> n.Table:
    """``table``, aliased ``<name>_2``, ``_3``... when its name is already in ``used``."""
    name, i = table.name, 2
    while name in used:
        name, i = f"{table.name[:56]}_{i}", i + 1
    used.add(name)
    return table if name == table.name else dataclasses.replace(table, alias=name)


class ThroughProxy(CollectionProxy):
    """The records of one has_many through association of one owner: a
    :class:`CollectionProxy` (loading, ``size``, ``reset``, indexing, every query
    method). Through a join model its ``add``/``create``/``remove``/``delete_all``/
    ``clear``/``replace`` write join records (``through_writers.py``); any other
    shape, and ``build``/``destroy_all``, raise InvalidAssociation before any SQL."""

    __slots__ = ()

    def _read_only(self, action: str) -> NoReturn:
        writers.join_model(self._reflection, action)  # another shape: read-only
        through = self._reflection.through
        raise InvalidAssociation(f"{self._reflection!r} (through {through!r}): "
                                 f"{action}() is not offered; write {through} instead")

    def add(self, *records: Any) -> Self:
        """Create a join record for each record (several, or one list), saving new
        ones first (Rails' ``<<``); returns the proxy."""
        writers.add(self, records)
        return self

    def remove(self, *records: Any) -> list:
        """Delete the join rows of ``records`` (they stay); return them."""
        return writers.remove(self, records)

    def build(self, /, **attrs: Any) -> NoReturn:
        """Refused: create the record, or write the join model."""
        self._read_only("build")

    def create(self, /, **attrs: Any) -> Any:
        """Create a target record and its join record; return the record."""
        return writers.create(self, attrs)

    def delete_all(self) -> int:
        """Delete every join row of the owner here (the targets stay); the count."""
        return writers.delete_all(self)

    def destroy_all(self) -> NoReturn:
        """Refused: destroy the join records through the join model's association."""
        self._read_only("destroy_all")

    def clear(self) -> Self:
        """:meth:`delete_all`, returning the proxy."""
        writers.delete_all(self)
        return self

    def replace(self, records: Any) -> Self:
        """Make the collection exactly ``records`` (join rows deleted and created)."""
        writers.replace(self, records)
        return self


class HasManyThrough(Reflection):
    """A ``has_many ... through:`` association (see the module doc)."""

    macro = "has_many_through"

    def __init__(self, target: Any, *, through: str, source: str | None = None,
                 distinct: bool = False) -> None:
        super().__init__(target)
        self.through, self.source, self.distinct = through, source, distinct

    # -- resolution ----------------------------------------------------------------
    @property
    def through_reflection(self) -> Reflection:
        """The owner's association named ``through`` (any kind, a through one too);
        InvalidAssociation (listing the owner's associations) when there is none."""
        found = self.owner._reflections.get(self.through)
        if found is None or found is self:
            known = ", ".join(sorted(k for k in self.owner._reflections if k != self.name))
            raise InvalidAssociation(f"{self!r}: through={self.through!r} is not an "
                                     f"association of {self.owner.__name__}; known "
                                     f"associations: {known or 'none'}")
        return found

    @property
    def source_reflection(self) -> Reflection:
        """The association of the intermediate model leading to the target: the
        ``source=`` name, else this association's name or its singular (Rails'
        ``source_reflection_names``). InvalidAssociation names what was looked for and
        what exists, or both names when both exist (ambiguous: pass ``source=``)."""
        with _guard(self, "source"):
            middle = self.through_reflection.target
        reflections = getattr(middle, "_reflections", {})
        names = [self.source] if self.source else list(dict.fromkeys(
            [self.name, inflection.singularize(self.name)]))
        found = [reflections[x] for x in names if x in reflections]
        if len(found) == 1:
            return found[0]
        looked = " or ".join(repr(x) for x in names)
        if found:
            both = " and ".join(repr(x) for x in names)
            raise InvalidAssociation(f"{self!r}: both {both} are associations of "
                                     f"{middle.__name__} (through {self.through!r}): "
                                     f"ambiguous; pass source=...")
        raise InvalidAssociation(
            f"{self!r}: no source association {looked} on {middle.__name__} (through "
            f"{self.through!r}); known associations of {middle.__name__}: "
            f"{', '.join(sorted(reflections)) or 'none'}; pass source=...")

    @property
    def target(self) -> Any:
        """The source association's target; InvalidAssociation when the declared
        class is another one."""
        found = self.source_reflection.target
        declared = self._target
        name = declared if isinstance(declared, str) else declared.__name__
        if found.__name__ != name and found is not declared:
            raise InvalidAssociation(f"{self!r}: the source {self.source_reflection!r} "
                                     f"leads to {found.__name__}, not {name}")
        return found

    def chain(self) -> list[Reflection]:
        """The plain associations from the owner to the target (see :func:`chain`)."""
        with _guard(self, "chain"):
            return chain(self.through_reflection) + chain(self.source_reflection)

    def links(self) -> list[Link]:
        """The tables from the owner to the target (see :class:`Link`); the last is
        the target's. InvalidAssociation, before any SQL, for what cannot be resolved."""
        self.target  # noqa: B018 - checks the declared class first
        return [link for hop in self.chain() for link in links_of(hop)]

    def first_hop(self) -> Reflection:
        """The first plain association of the chain (the owner's own); raises
        InvalidAssociation when the through associations lead back to this one."""
        first, seen = self.through_reflection, {id(self)}
        while isinstance(first, HasManyThrough):
            if id(first) in seen:
                raise InvalidAssociation(f"{self!r}: its through/source associations "
                                         f"lead back to itself")
            seen.add(id(first))
            first = first.through_reflection
        return first

    @property
    def owner_columns(self) -> tuple[str, ...]:
        """The owner's columns the first link matches (its key, or its foreign key
        when the chain starts with a belongs_to)."""
        first = self.first_hop()
        return first.foreign_key if first.macro == "belongs_to" else first.primary_key

    @property
    def owner_holds_key(self) -> bool:
        """Whether the chain starts with a belongs_to (a new owner may then read it)."""
        return self.first_hop().macro == "belongs_to"

    def _models(self) -> tuple[Any, Any]:
        return self.first_hop()._models()

    @property
    def foreign_key(self) -> tuple[str, ...]:
        """The first association's foreign key (the through one's, when plain)."""
        return self.first_hop().foreign_key

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The first association's primary key (the through one's, when plain)."""
        return self.first_hop().primary_key

    # -- reading -------------------------------------------------------------------
    def joined(self) -> tuple[Any, str, Link]:
        """``(relation, name, first link)``: the target's relation INNER JOINed along
        the links back to the first one, whose table is ``name`` in it (its name or
        alias). :meth:`scope` adds the owner's key; the preloader builds it once."""
        links = self.links()
        last = links[-1]
        rel = self.target.all()
        for cond in last.conditions(last.table.name, scoped=False):  # all() scoped it
            rel = rel._and(cond)
        used, near, joins = {last.table.name}, last.table.name, []
        for cur, prev in zip(links[:0:-1], links[-2::-1]):
            table = _aliased(prev.table, used)
            name = table.alias or table.name
            on: list[n.Node] = [n.Column(f, near) == n.Column(c, name)
                                for f, c in zip(cur.far, cur.prev)]
            on += prev.conditions(name)
            joins.append((n.Join(table, n.and_(*on), "INNER"),
                          prev.model if table.alias is None else None))
            near = name
        rel = rel._clone(_joins=rel._joins + tuple(joins))
        return rel, near, links[0]

    def scope(self, record: Any, joined: tuple[Any, str, Link] | None = None) -> Any:
        """The target relation of ``record`` (``joined`` as :meth:`joined` returns,
        built when not given); ``none()`` when the owner's key is not known."""
        key = a.values_of(record, self.owner_columns)
        if None in key:
            return self.target.none()
        rel, name, first = joined or self.joined()
        rel = rel._and(n.and_(*(n.Column(c, name) == p.param(t, t.bind(v))
                                for c, t, v in zip(first.far, first.far_types, key))))
        return rel.distinct() if self.distinct else rel

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        key = a.values_of(record, self.owner_columns)
        value = a.cached(record, self.name, key)
        if value is a.MISSING:
            value = self._load(record, key)
        return value

    def _load(self, record: Any, key: tuple) -> Any:
        """The value of the association for ``record`` (not cached yet for the
        owner's ``key``), cached: its :class:`ThroughProxy` (no query yet)."""
        value = ThroughProxy.of(self.scope(record), record, self)
        a.store(record, self.name, value, key)
        return value

    def __set__(self, record: Any, value: Any) -> None:
        """``playlist.tracks = [...]``: ``replace`` through a join model (Rails);
        AttributeError for a has_one through or any other shape (read-only)."""
        if self.macro == "has_many_through":
            try:
                writers.join_model(self, "assign")
            except InvalidAssociation:
                pass
            else:
                self.__get__(record).replace(value)
                return
        raise AttributeError(f"{type(record).__name__}.{self.name} (through "
                             f"{self.through!r}) is read-only; write {self.through}")

    def set_inverse(self, owner: Any, records: list) -> None:
        """No inverse is cached for a through association (Rails sets none either)."""


class HasOneThrough(HasManyThrough):
    """A ``has_one ... through:`` association: the reader returns one record or None
    (see the module doc)."""

    macro = "has_one_through"

    def chain(self) -> list[Reflection]:
        """As :meth:`HasManyThrough.chain`; InvalidAssociation when the through part
        holds a collection (Rails' ``HasOneThroughCantAssociateThroughCollection``)."""
        with _guard(self, "has_one"):
            through = chain(self.through_reflection)
        many = [hop for hop in through if hop.macro in _COLLECTIONS]
        if many:
            raise InvalidAssociation(f"{self!r}: has_one through={self.through!r} leads "
                                     f"through the collection {many[0]!r}; declare "
                                     f"has_many(..., through=...)")
        return super().chain()

    def _load(self, record: Any, key: tuple) -> Any:
        """The one record (or None), read and cached as a has_one's
        (``association.load_one``; no inverse is set)."""
        return a.load_one(self, record, key)
