"""What a relation needs of the layers it does not import, written as Protocols.

The relation sits on floor 2 (docs/architecture.md): it never imports the model (floor
4) nor ``connection`` (its sibling on floor 2). It reaches the model only through
``self.model`` and the table through ``self._schema()``; these Protocols are that
interface, for type checkers and readers alike:

* :class:`ModelClass` -- the model class as relations call it (``_load_schema``,
  ``_instantiate``, ``_find_scope``, ``_read_fresh``, the constructor);
* :class:`TableSchema` -- ``ModelSchema`` (``activerecord/model/schema.py``): the
  table's columns, types, key rules, name check (``column``) and row loaders
  (``loaders_for``);
* :class:`DatabaseLike` -- the ``Database`` (``activerecord/connection/database.py``)
  a schema belongs to: compile, run, select rows, transactions;
* :class:`ReflectionLike`, :class:`BelongsToLike` -- a declared association
  (``activerecord/associations/``), for conditions by its name.

``M`` is the record type: ``Relation[Artist]`` yields ``Artist`` records. Nothing here
runs at query time; the module holds only declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from ..sql import nodes as n
from ..types import Type

__all__ = ["M", "ModelClass", "TableSchema", "DatabaseLike", "Loader", "Scope",
           "ReflectionLike", "BelongsToLike"]

#: The record type of a relation (the instances of its model class).
M = TypeVar("M")
M_co = TypeVar("M_co", covariant=True)
T = TypeVar("T")
P = ParamSpec("P")

#: One step of a row-loading plan: ``(index in the row, attribute name, deserialize)``
#: (built by ``TableSchema.loaders_for``).
Loader = tuple[int, str, Callable[[Any], Any]]


class ResultLike(Protocol):
    """What a statement returned (``connection.database.Result``)."""

    @property
    def rows(self) -> list[tuple]: ...
    @property
    def columns(self) -> list[str] | None: ...
    @property
    def rowcount(self) -> int: ...


class FeaturesLike(Protocol):
    """The flags of ``connection.features.Features`` that relations read."""

    @property
    def max_parameters(self) -> int: ...
    @property
    def supports_returning(self) -> bool: ...


class DialectLike(Protocol):
    """The part of ``connection.dialect.Dialect`` that relations read."""

    #: ``(lowest, highest)`` integer the database's integer columns hold.
    @property
    def integer_range(self) -> tuple[int, int]: ...


class DatabaseLike(Protocol):
    """The ``Database`` of a model's table, as relations use it."""

    @property
    def name(self) -> str: ...
    @property
    def features(self) -> FeaturesLike: ...
    @property
    def dialect(self) -> DialectLike: ...
    @property
    def in_transaction(self) -> bool: ...

    def compile(self, node: n.Node) -> tuple[str, list]: ...
    def run(self, sql: str, params: list | tuple = (), *,
            read: bool = False) -> ResultLike: ...
    def select_rows(self, node: n.Node) -> list[tuple]: ...
    def transaction(self, requires_new: bool = True) -> AbstractContextManager[None]: ...


class TableSchema(Protocol):
    """``ModelSchema``: what a model knows about its table (see
    ``activerecord/model/schema.py`` for each member's contract; mypy checks there
    that ``ModelSchema`` is one)."""

    @property
    def db(self) -> DatabaseLike: ...
    @property
    def info(self) -> Any: ...  # connection.introspection.TableInfo (foreign keys, indexes)
    @property
    def key(self) -> str: ...
    @property
    def table(self) -> str: ...
    @property
    def table_node(self) -> n.Table: ...
    @property
    def pk(self) -> tuple[str, ...]: ...
    @property
    def names(self) -> tuple[str, ...]: ...
    @property
    def types(self) -> Mapping[str, Type]: ...
    @property
    def columns(self) -> Mapping[str, Any]: ...
    @property
    def select_columns(self) -> tuple[n.Column, ...]: ...
    @property
    def timestamps(self) -> tuple[str, ...]: ...

    def column(self, model: Any, name: str) -> tuple[n.Column, Type]: ...
    def loaders_for(self, columns: Sequence[str],
                    types: Sequence[Type | None] | None = None) -> tuple[Loader, ...]: ...
    def load_values(self, loaders: tuple[Loader, ...], row: Sequence[Any]) -> tuple: ...
    def check_writable(self, model: Any, names: Any) -> None: ...
    def no_primary_key(self, model: Any, what: str,
                       hint: str | None = None) -> Exception: ...
    def key_text(self) -> str: ...
    def key_values(self, key: Any, limits: tuple = ...) -> tuple | None: ...
    def keys_condition(self, rows: list) -> n.Node: ...
    def rows_in(self, columns: Sequence[str], rows: list) -> n.In: ...
    def key_chunks(self, rows: list, reserve: int = 0) -> list: ...


class ReflectionLike(Protocol):
    """One declared association of the model (``associations/reflection.py``'s
    ``Reflection``), as hash conditions by its name read it
    (``relation/association_query.py``)."""

    @property
    def name(self) -> str: ...
    @property
    def macro(self) -> str: ...  # "belongs_to", "has_many", "has_one", ...
    @property
    def polymorphic(self) -> bool: ...


class BelongsToLike(ReflectionLike, Protocol):
    """A belongs_to (``associations/belongs_to.py``): the owner's foreign-key columns,
    every column naming the parent (the type column too, when polymorphic), and
    ``target_key(model)``: ``({column: value} the class fixes, the columns of
    ``model`` the key refers to)``, AssociationTypeMismatch for another class."""

    @property
    def foreign_key(self) -> tuple[str, ...]: ...
    @property
    def snapshot_columns(self) -> tuple[str, ...]: ...
    def target_key(self, model: Any) -> tuple[dict[str, Any], tuple[str, ...]]: ...


class Scope(Protocol):
    """A named scope of the model (``model/scoping.scope``)."""

    def apply(self, relation: Any, *args: Any, **kwargs: Any) -> Any: ...


class ModelClass(Protocol[M_co]):
    """A model class as relations call it; its instances are ``M_co`` records."""

    __name__: str

    def __call__(self, **attrs: Any) -> M_co: ...
    def _load_schema(self) -> TableSchema: ...
    # ``schema``: the one ``_load_schema`` returned (the model's own ModelSchema).
    def _instantiate(self, row: Sequence[Any], schema: Any) -> M_co: ...
    def _instantiate_rows(self, rows: Sequence[Sequence[Any]], schema: Any,
                          names: Sequence[str] | None = None,
                          loaders: tuple | None = None) -> Sequence[M_co]: ...
    def _instantiate_grouped(self, rows: Sequence[Sequence[Any]], schema: Any,
                             column: str, caches: dict) -> tuple[Sequence[M_co], dict]: ...
    def _find_scope(self, name: str) -> Scope | None: ...
    # The association ``name`` (AssociationNotFoundError listing the known ones).
    def reflect_on_association(self, name: str) -> ReflectionLike: ...
    # The joins of an association path (``associations/join_dependency.py``): (node,
    # model) pairs, after the relation's ``joins`` (their tables' names are taken and an
    # association joined already is not joined again).
    def _association_joins(self, path: Any, kind: str,
                           joins: Sequence[tuple[n.Node, Any]] = ()
                           ) -> list[tuple[n.Node, Any]]: ...
    # ``(path, target model)`` of every association of ``paths`` (checked before any
    # SQL: AssociationNotFoundError; ``joinable``: EagerLoadPolymorphicError, else
    # polymorphic ones are skipped).
    def _association_targets(self, paths: tuple[Any, ...], joinable: bool = False
                             ) -> list[tuple[tuple[str, ...], Any]]: ...
    # The relation with its ``includes`` paths moved to preload or eager_load (Rails'
    # ``eager_loading?``).
    def _resolve_includes(self, relation: Any) -> Any: ...
    # The relation with its eager_load (and referenced includes) paths LEFT JOINed,
    # for calculations; the flag says whether any was.
    def _eager_joined(self, relation: Any) -> tuple[Any, bool]: ...
    # Load association paths into the records' caches (``Relation.preload``).
    def _preload(self, records: list[Any], paths: tuple[Any, ...]) -> None: ...
    # Load the records of a relation with eager_load paths: one LEFT OUTER JOIN query
    # (``associations/join_dependency.py``), associations folded into the caches.
    def _eager_load_records(self, relation: Any) -> Sequence[M_co]: ...
    # Mark loaded records strict (``Relation.strict_loading``): True, False or "warn".
    def _mark_strict(self, records: list[Any], mode: bool | str) -> None: ...
    def _read_fresh(self, read: Callable[Concatenate[TableSchema, P], T], /,
                    *args: P.args, **kwargs: P.kwargs) -> T: ...
