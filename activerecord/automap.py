"""``automap``: one model class per table of an existing database, with associations
from its foreign keys, and no class written by hand (SQLAlchemy's ``automap``; Rails
has none). ``m = automap(connect("sqlite:///chinook.db")); m.Artist.find(1).albums``.

Floor 6 (docs/architecture.md): it builds ``Model`` subclasses, so it sits above
``activerecord.base``. What it maps and how it names things (docs/associations.md,
"Automap"):

* Tables: ``Database.table_names()`` (base tables: views are left out; a PostgreSQL
  partition is represented by its parent), or the names given as ``tables=`` (any
  table or view the database finds, ``"schema.table"`` included). A table without a
  primary key (a view among them) gets a read-only model (``readonly``: every write
  raises ReadOnlyRecord before any SQL).
* Class names: ``inflection.camelize(inflection.singularize(table))`` (``film_actor``
  -> ``FilmActor``, ``Artist`` stays ``Artist``), characters that are no identifier's
  turned into ``_`` (a leading ``T`` when it would start with a digit). Tables giving
  one class name (``artist`` and ``artists``) are camelized without singularizing
  (``Artist``, ``Artists``); names that still collide (``Artist`` and ``artist`` on a
  case-sensitive database) get ``2``, ``3``... in the order of the table names.
* belongs_to, on the table holding each foreign key: named after its column without
  the ``_id``/``Id`` suffix, underscored (``ArtistId`` -> ``artist``, ``ReportsTo`` ->
  ``reports_to``); a composite key (or a column named ``id``) after the referred
  class, underscored (``part``). This "stem" also names the other side.
* has_many on the referred table, named after the child class tableized (``albums``),
  or ``<children>_by_<stem>`` when the child has several foreign keys to that table
  or refers to itself (``films_by_original_language``, ``employees_by_reports_to``);
  has_one instead (the child class underscored, same ``_by_`` rule) when the key's
  columns are unique in the child (its primary key, or a unique index that is not
  partial) and the child has a primary key to read it by.
* has_and_belongs_to_many on both sides of a pure join table: two foreign keys to
  mapped tables, whose columns are the whole primary key (or there is none), and no
  other column but the timestamps of :data:`TIMESTAMP_COLUMNS` (``film.actors``,
  ``actor.films``); named after the other side's class tableized (``_by_<stem>`` for
  a table joining a table to itself). The join table keeps its own model too.
* Collisions: an association never takes the name of a column of its table, of an
  attribute of ``Model`` (``save``, ``columns``...) or a Python keyword, nor one
  another association took. Names are given in this order: belongs_to, then
  has_many/has_one, then has_and_belongs_to_many, each in the order of the table
  and key column names; a name that is taken becomes ``<name>_record`` for a
  belongs_to (PostgreSQL's Chinook column ``reports_to`` -> ``reports_to_record``),
  ``<children>_by_<stem>`` for a has_many/has_one, ``<name>_via_<join table>`` for a
  many-to-many, and then gets ``_2``, ``_3``...
* A foreign key to a table that is not mapped (left out by ``tables=``, in another
  schema) gives no association.

Every association is declared with its keys (``foreign_key=``, ``primary_key=``,
``inverse_of=``; ``join_table=``, ``association_foreign_key=``), so nothing depends on
the naming conventions of ``activerecord/associations/``; the targets are the classes
themselves. The classes live in the module ``activerecord.automap`` under a scope of
their own per database (``__qualname__`` ``Automap[<database name>].Artist``), so the
models of two databases never make a class name ambiguous for each other's
declarations (``associations/reflection.py`` resolves siblings first).
"""

from __future__ import annotations

import functools
import keyword
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import inflection

from .associations import belongs_to, has_and_belongs_to_many, has_many, has_one
from .associations.reflection import Reflection
from .base import Model
from .connection.database import Database
from .connection.handling import get_database
from .connection.introspection import TableInfo
from .errors import ActiveRecordError, TableNotFound
from .model.schema import ModelMeta

__all__ = ["automap", "Automap", "AutomapPlan", "Declaration", "Link", "UnknownModelError",
           "TIMESTAMP_COLUMNS", "class_names"]

#: The columns a pure join table may have besides its two foreign keys (compared once
#: underscored: ``LastUpdate`` is ``last_update``).
TIMESTAMP_COLUMNS = frozenset({"created_at", "updated_at", "last_update", "last_updated",
                               "created_on", "updated_on", "modified_at"})

# ``artist_id``, ``artist_ID``, ``ArtistId``, ``ArtistID`` (not ``paid``, ``VOID``).
_KEY_SUFFIX = re.compile(r"(?:_[iI][dD]|(?<=[a-z0-9])I[dD])$")
_NON_WORD = re.compile(r"\W+")
_KINDS = ("belongs_to", "has_one", "has_many", "has_and_belongs_to_many")


class UnknownModelError(ActiveRecordError, AttributeError, KeyError):
    """An :class:`Automap` was asked for a class or table name it does not have;
    ``name`` is what was asked, ``known`` the class names it has."""

    def __init__(self, message: str, *, name: str, known: list[str]):
        super().__init__(message)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return str(self.args[0])  # not KeyError's repr of the message


@dataclass(frozen=True)
class Link:
    """One foreign key between two mapped tables: ``child``'s ``columns`` refer to
    ``parent``'s ``referred`` columns."""

    child: str
    parent: str
    columns: tuple[str, ...]
    referred: tuple[str, ...]


@dataclass(frozen=True)
class Declaration:
    """One association automap declares: ``owner`` (a table) gets ``name``, a
    ``kind`` (``"belongs_to"``, ``"has_many"``, ``"has_one"``,
    ``"has_and_belongs_to_many"``) to ``target`` (a table) over ``link``; for a
    many-to-many, ``link`` is the join table's key to the owner and ``other`` its key
    to the target. ``inverse`` names the target's association back, if any."""

    owner: str
    name: str
    kind: str
    target: str
    link: Link
    other: Link | None = None
    inverse: str | None = None


def _identifier(text: str) -> str:
    # Characters that are no identifier's become "_" (none at either end).
    return _NON_WORD.sub("_", text).strip("_")


def _class_name(table: str, singular: bool) -> str:
    word = _identifier(table.rpartition(".")[2]) or "table"
    name = inflection.camelize(inflection.singularize(word) if singular else word)
    return name if name.isidentifier() and not keyword.iskeyword(name) else "T" + name


def class_names(tables: Iterable[str]) -> dict[str, str]:
    """Return ``{table: class name}`` for ``tables`` by the rules of the module doc
    (singular CamelCase by ``inflection``; collisions settled in table-name order)."""
    ordered = sorted(set(tables))
    first = {t: _class_name(t, singular=True) for t in ordered}
    counts = Counter(first.values())
    wanted = {t: first[t] if counts[first[t]] == 1 else _class_name(t, singular=False)
              for t in ordered}
    out: dict[str, str] = {}
    used: set[str] = set()
    for table in ordered:
        name, n = wanted[table], 1
        while name in used:
            n += 1
            name = f"{wanted[table]}{n}"
        used.add(name)
        out[table] = name
    return out


@functools.cache
def _reserved() -> frozenset[str]:
    # What an association must never shadow: Model's attributes (methods, class
    # settings, the metaclass's ``columns``/``c``...) and Python's keywords.
    return (frozenset(dir(Model)) | frozenset(dir(type(Model))) | frozenset(keyword.kwlist)
            | {"table_name", "primary_key", "readonly", "schema", "database", "abstract"})


def _mapped(name: str, infos: dict[str, TableInfo]) -> str | None:
    # The mapped table a foreign key's referred table means: the same name, else the
    # one table equal to it but for case (SQLite keeps REFERENCES as written).
    if name in infos:
        return name
    folded = [t for t in infos if t.lower() == name.lower()]
    return folded[0] if len(folded) == 1 else None


def _links(infos: dict[str, TableInfo]) -> list[Link]:
    out: set[Link] = set()
    for child, info in infos.items():
        for fk in info.foreign_keys:
            parent = _mapped(fk.referred_table, infos)
            if parent is None:
                continue
            referred = tuple(fk.referred_columns) or infos[parent].primary_key
            if referred and len(referred) == len(fk.columns):
                out.add(Link(child, parent, tuple(fk.columns), tuple(referred)))
    return sorted(out, key=lambda k: (k.child, k.columns, k.parent, k.referred))


class AutomapPlan:
    """The class names and associations automap gives ``infos`` (``{table:
    TableInfo}``), computed without building anything: ``classes`` (``{table: class
    name}``), ``links`` (every foreign key between mapped tables, as :class:`Link`)
    and ``declarations`` (:class:`Declaration`, in the order they are declared)."""

    def __init__(self, infos: dict[str, TableInfo]) -> None:
        self.infos = infos
        self.classes = class_names(infos)
        self.links = _links(infos)
        self._pairs = Counter((k.child, k.parent) for k in self.links)
        self._taken = {t: {c.name for c in info.columns} | _reserved()
                       for t, info in infos.items()}
        self.declarations: list[Declaration] = []
        belongs = {link: self._claim(link.child, self._stem(link), "_record")
                   for link in self.links}
        by_parent = sorted(self.links, key=lambda k: (k.parent, k.child, k.columns))
        has = {link: self._claim_has(link) for link in by_parent}
        for link in self.links:
            kind = "has_one" if self.unique(link) else "has_many"
            self.declarations.append(Declaration(link.child, belongs[link], "belongs_to",
                                                 link.parent, link, inverse=has[link]))
            self.declarations.append(Declaration(link.parent, has[link], kind, link.child,
                                                 link, inverse=belongs[link]))
        for table in sorted(infos):
            pair = self.join_pair(table)
            if pair is not None:
                self._many_to_many(table, *pair)
        self.declarations.sort(key=lambda d: (d.owner, _KINDS.index(d.kind), d.name))

    def _claim(self, table: str, name: str, suffix: str) -> str:
        # ``name``, else ``name + suffix``, else that with _2, _3...: the first free.
        taken = self._taken[table]
        for candidate in (name, name + suffix):
            if candidate not in taken:
                taken.add(candidate)
                return candidate
        n = 2
        while f"{name}{suffix}_{n}" in taken:
            n += 1
        taken.add(f"{name}{suffix}_{n}")
        return f"{name}{suffix}_{n}"

    def _stem(self, link: Link) -> str:
        """The foreign key's column without ``_id``/``Id``, underscored; the referred
        class underscored for a composite key or a column named ``id``."""
        if len(link.columns) == 1:
            bare = _KEY_SUFFIX.sub("", _identifier(link.columns[0]))
            stem = _identifier(inflection.underscore(bare))
            if stem and stem != "id":
                return stem if not stem[0].isdigit() else "fk_" + stem
        return inflection.underscore(self.classes[link.parent])

    def unique(self, link: Link) -> bool:
        """Whether ``link`` gives a has_one: its columns are the child's primary key or
        a unique, not partial, index of it, and the child has a primary key."""
        info = self.infos[link.child]
        cols = set(link.columns)
        if not info.primary_key:
            return False
        return cols == set(info.primary_key) or any(
            ix.unique and not ix.partial and set(ix.columns) == cols for ix in info.indexes)

    def _claim_has(self, link: Link) -> str:
        child = self.classes[link.child]
        base = inflection.underscore(child) if self.unique(link) else inflection.tableize(child)
        by = f"{base}_by_{self._stem(link)}"
        if link.child == link.parent or self._pairs[(link.child, link.parent)] > 1:
            return self._claim(link.parent, by, "_records")
        if base not in self._taken[link.parent]:
            return self._claim(link.parent, base, "")
        return self._claim(link.parent, by, "_records")

    def join_pair(self, table: str) -> tuple[Link, Link] | None:
        """The two keys of ``table`` when it is a pure join table (see the module
        doc), else None."""
        info = self.infos[table]
        keys = {(tuple(fk.columns), fk.referred_table) for fk in info.foreign_keys}
        links = [k for k in self.links if k.child == table]
        if len(keys) != 2 or len(links) != 2:
            return None
        first, second = links
        cols = set(first.columns) | set(second.columns)
        if set(first.columns) & set(second.columns):
            return None
        if info.primary_key and set(info.primary_key) != cols:
            return None
        others = [c.name for c in info.columns if c.name not in cols]
        if any(inflection.underscore(c) not in TIMESTAMP_COLUMNS for c in others):
            return None
        return first, second

    def _many_to_many(self, table: str, first: Link, second: Link) -> None:
        via = "_via_" + inflection.underscore(self.classes[table])
        for mine, theirs in ((first, second), (second, first)):
            base = inflection.tableize(self.classes[theirs.parent])
            if mine.parent == theirs.parent:
                base = f"{base}_by_{self._stem(theirs)}"
            name = self._claim(mine.parent, base, via)
            self.declarations.append(Declaration(mine.parent, name, "has_and_belongs_to_many",
                                                 theirs.parent, mine, other=theirs))


class Automap:
    """The models :func:`automap` made for one database.

    ``m.Artist`` and ``m["Artist"]`` by class name, ``m["artist"]`` by table name;
    iterating gives the classes in table-name order; ``len(m)``, ``"Artist" in m``
    (class or table name). Attributes: ``database``, ``models`` (``{class name:
    class}``), ``tables`` (``{table: class}``), ``plan`` (the :class:`AutomapPlan`).
    An unknown name raises UnknownModelError (an AttributeError and a KeyError)
    listing the class names."""

    def __init__(self, database: Database, tables: dict[str, type[Model]],
                 plan: AutomapPlan) -> None:
        self.database = database
        self.tables = dict(tables)
        self.models = {cls.__name__: cls for cls in tables.values()}
        self.plan = plan

    def _unknown(self, name: object) -> UnknownModelError:
        known = list(self.__dict__.get("models", {}))
        return UnknownModelError(
            f"automap of {self.database.name} has no model or table named {name!r}; "
            f"models: {', '.join(known) or 'none'}", name=str(name), known=known)

    def __getattr__(self, name: str) -> type[Model]:
        models = self.__dict__.get("models")
        if models is None or name not in models:
            raise self._unknown(name)
        found: type[Model] = models[name]
        return found

    def __getitem__(self, name: str) -> type[Model]:
        found = self.models.get(name) or self.tables.get(name)
        if found is None:
            raise self._unknown(name)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self.models or name in self.tables

    def __iter__(self) -> Iterator[type[Model]]:
        return iter(self.tables.values())

    def __len__(self) -> int:
        return len(self.tables)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self.models))

    def __repr__(self) -> str:
        return f"<Automap {self.database.name}: {', '.join(self.models)}>"


#: scope name -> the Database it was given to (so two databases never share one).
_SCOPES: dict[str, weakref.ref[Database]] = {}


def _scope(db: Database) -> str:
    scope, n = f"Automap[{db.name}]", 1
    while True:
        given = _SCOPES.get(scope)
        if given is None or given() is None or given() is db:
            _SCOPES[scope] = weakref.ref(db)
            return scope
        n += 1
        scope = f"Automap[{db.name}#{n}]"


def _table_names(db: Database, tables: Iterable[str] | None) -> list[str]:
    known = db.table_names()
    if tables is None:
        return known
    wanted = [tables] if isinstance(tables, str) else list(tables)
    for name in wanted:
        if not isinstance(name, str):
            raise TypeError(f"automap(tables=...) takes table names, not {name!r}")
        if name not in known and db.table_info(name) is None:
            raise TableNotFound(f"automap(tables=...): no table {name!r} in {db.name}; "
                                f"known tables: {', '.join(known) or 'none'}")
    return sorted(set(wanted))


def _model_class(name: str, table: str, info: TableInfo, db: Database,
                 scope: str) -> type[Model]:
    namespace: dict[str, Any] = {
        "__module__": __name__, "__qualname__": f"{scope}.{name}",
        "__doc__": f"The model automap made for table {table!r} of {db.name}.",
        "table_name": table, "database": db}
    if not info.primary_key:
        namespace["readonly"] = f"automap: table {table!r} has no primary key"
    return cast("type[Model]", ModelMeta(name, (Model,), namespace))


def _reflection(d: Declaration, target: type[Model]) -> Reflection:
    fk, pk = d.link.columns, d.link.referred
    if d.kind == "belongs_to":
        return belongs_to(target, foreign_key=fk, primary_key=pk, inverse_of=d.inverse)
    if d.kind == "has_one":
        return has_one(target, foreign_key=fk, primary_key=pk, inverse_of=d.inverse)
    if d.kind == "has_many":
        return has_many(target, foreign_key=fk, primary_key=pk, inverse_of=d.inverse)
    assert d.other is not None  # a many-to-many has both keys of its join table
    return has_and_belongs_to_many(target, join_table=d.link.child,
                                   foreign_key=d.link.columns,
                                   association_foreign_key=d.other.columns)


def automap(database: Database | str | None = None, *,
            tables: Iterable[str] | None = None) -> Automap:
    """Return an :class:`Automap` with one model class per table of ``database`` (a
    Database, a name given to ``connect(name=...)``, or None for the default one),
    bound to it (``database =``), with belongs_to / has_many / has_one from every
    foreign key and has_and_belongs_to_many for pure join tables, named by the rules
    of this module's doc (docs/associations.md, "Automap"). ``tables=`` maps only the
    tables named (exact names; views and ``"schema.table"`` too). The tables are
    introspected now (catalog queries only); cycles (``Employee.ReportsTo``) work.

    Raises ConnectionNotEstablished without a database, TableNotFound (listing the
    tables) for a name in ``tables`` that does not exist, TypeError for one that is no
    string.
    """
    db = database if isinstance(database, Database) else get_database(database)
    infos: dict[str, TableInfo] = {}
    for table in _table_names(db, tables):
        info = db.table_info(table)
        if info is None:  # dropped since it was listed
            raise TableNotFound(f"automap: table {table!r} of {db.name} disappeared "
                                f"while it was read")
        infos[table] = info
    plan = AutomapPlan(infos)
    scope = _scope(db)
    classes = {t: _model_class(plan.classes[t], t, infos[t], db, scope) for t in infos}
    for d in plan.declarations:
        owner, reflection = classes[d.owner], _reflection(d, classes[d.target])
        setattr(owner, d.name, reflection)
        reflection.__set_name__(owner, d.name)
    return Automap(db, classes, plan)
