"""Instance state, identity, equality, copies and ``repr`` of records.

A record keeps its column values in ``self._attrs`` (name -> Python value) and, for
dirty tracking, the value each column had before its first change in
``self._changed_from`` (created on first write; see ``attributes.py``) and copies of
mutable values in ``self._originals``. ``_new_record`` and ``_destroyed`` are
class-level ``False`` defaults that ``__init__`` and ``dup`` (new records) and the
write override per instance, so a record built from a row holds one attribute,
``_attrs``, set without materializing its ``__dict__`` (the row-loading hot path;
``persistence.row_builder``).

``copy.copy(record)`` is the same record (same state, same key) with its own attribute
storage; ``copy.deepcopy`` and ``pickle`` also copy the values; :meth:`Core.dup` is a
new, unsaved record with the same values (Rails' ``dup``).

:class:`Core` is also the base every model mixin subclasses (``model/*.py``), so that
the mixins share one ``self`` for type checkers: under ``TYPE_CHECKING`` it declares
what a mixin reaches through ``self`` that another mixin defines (as Rails' modules
reach each other through ``self``). The list is the written contract between them;
``activerecord.base.Model`` composes the implementations (docs/architecture.md).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import UnknownPrimaryKey

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Concatenate, Literal, ParamSpec, TypeVar

    from typing_extensions import Self

    from ..connection.database import Database
    from .schema import ModelSchema

    _P = ParamSpec("_P")
    _T = TypeVar("_T")

__all__ = ["Core"]


class Core:
    """Identity, state flags, equality, hashing, copies and ``repr`` of a record; the
    base of every model mixin (see the module doc)."""

    _new_record = False  # True from __init__/dup: a record built from a row is saved
    _destroyed = False
    _changed_from: dict | None = None
    _originals: dict | None = None
    #: ``{column: value}``, set per instance (``__init__``, ``_instantiate``).
    _attrs: dict[str, Any]
    #: The chains of callbacks and validations by name, and what they imply, set per
    #: class by CallbacksMixin (callbacks.py) from the declarations.
    _lifecycle: ClassVar[dict[str, tuple]] = {}
    _load_callbacks: ClassVar[tuple] = ()  # after_find + after_initialize (from rows)
    _init_callbacks: ClassVar[tuple] = ()  # after_initialize (Model(...))
    _saves_unchanged: ClassVar[bool] = False  # an unchanged save still runs the chains
    _fills_before_write: ClassVar[bool] = False  # before_* callbacks run before the write
    _save_may_halt: ClassVar[bool] = False  # save callbacks that may Abort after writing
    _destroy_may_halt: ClassVar[bool] = False  # the same for destroy
    _virtual_attributes: ClassVar[frozenset[str]] = frozenset()  # acceptance/confirmation
    _reflections: ClassVar[dict[str, Any]] = {}  # the associations (AssociationsMixin)
    _association_cache: Any = None  # their loaded values, per record (associations.py)

    # Hooks of the lower layers that upper ones reach through ``self`` (defaults).
    def _validate_associations(self) -> None:
        """Add the associations' validation errors to ``self.errors``
        (AssociationsMixin)."""

    def _validate_before_write(self, schema: Any) -> None:
        """The checks due right before the write (ValidationsMixin)."""

    def _destroys_dependents(self) -> bool:
        """Whether a destroy runs ``dependent=`` rules first (AssociationsMixin)."""
        return False

    def _holds_unsaved(self) -> bool:
        """Whether the record holds associated records its save would save
        (AssociationsMixin)."""
        return False

    def _supplied_by_association(self, column: str) -> bool:
        """Whether an association sets ``column`` on save (AssociationsMixin)."""
        return False

    if TYPE_CHECKING:  # pragma: no cover - what the mixins reach through ``self``
        def __init__(self, /, **attrs: Any) -> None: ...

        # SchemaMixin (schema.py)
        @classmethod
        def _load_schema(cls) -> ModelSchema: ...
        @classmethod
        def _database(cls) -> Database: ...
        @classmethod
        def reset_column_information(cls) -> None: ...
        @classmethod
        def _read_fresh(cls, read: Callable[Concatenate[ModelSchema, _P], _T], /,
                        *args: _P.args, **kwargs: _P.kwargs) -> _T: ...

        # AttributesMixin (attributes.py)
        def write_attribute(self, name: str, value: Any) -> None: ...
        def _write_computed(self, name: str, value: Any) -> None: ...
        def assign_attributes(self, params: Mapping[str, Any] | None = None, /, *,
                              permit: Iterable[str] | None = None, **attrs: Any) -> None: ...
        def _assign_association(self, name: str, value: Any) -> None: ...
        @classmethod
        def _permitted(cls, values: Mapping[str, Any], permit: Iterable[str]) -> None: ...
        def _hand_out_mutables(self, schema: ModelSchema) -> None: ...
        def _dirty(self) -> dict[str, Any]: ...
        @property
        def has_changes(self) -> bool: ...
        @property
        def changed(self) -> list[str]: ...
        def _changed_in_place(self) -> set[str]: ...
        def _changes_applied(self, schema: ModelSchema) -> None: ...
        def _forget_changes(self) -> None: ...

        # ValidationsMixin (validations.py), reached by the validators and autosave
        def _valid_as_child(self, exempt: Iterable[str]) -> bool: ...
        @property
        def errors(self) -> Any: ...

        # CallbacksMixin (callbacks.py), reached by ValidationsMixin and Persistence
        def _run_validation_callbacks(self, context: str,
                                      validate: Callable[[], None]) -> None: ...
        @classmethod
        def _after_load(cls, records: Iterable[Any]) -> None: ...
        def _after_initialize(self) -> None: ...

        # PersistenceMixin (persistence.py), wrapped by the layers above it
        @classmethod
        def _instantiate(cls, row: Sequence[Any], schema: ModelSchema) -> Self: ...
        def save(self, **options: Any) -> bool: ...
        def destroy(self) -> Self | Literal[False]: ...
        def _delete_instance(self) -> Self: ...
        def _delete_row(self, action: str = "delete") -> int: ...
        def _insert_record(self, schema: ModelSchema) -> None: ...
        def _update_record(self, schema: ModelSchema) -> None: ...
        def _check_save(self, schema: ModelSchema) -> bool: ...
        def _needs_save(self) -> bool: ...
        def _check_key(self, schema: ModelSchema, action: str) -> None: ...
        def reload(self) -> Self: ...

    @property
    def new_record(self) -> bool:
        """True until the record is saved (INSERTed) for the first time."""
        return self._new_record

    @property
    def persisted(self) -> bool:
        """True when the record exists in the database (saved and not destroyed)."""
        return not self._new_record and not self._destroyed

    @property
    def destroyed(self) -> bool:
        """True after ``destroy()`` or ``delete()``."""
        return self._destroyed

    @property
    def id(self) -> Any:
        """The primary key value: a tuple for a composite key, ``None`` when new.

        ``id`` always means the primary key (as in Rails), whatever the key column is
        called; a non-key column named ``id`` is ``record["id"]``. On a table without
        a primary key, ``id`` is its column named ``id`` if it has one, else ``None``.
        """
        pk = type(self)._load_schema().pk
        attrs = self._attrs
        if len(pk) == 1:
            return attrs.get(pk[0])
        if not pk:
            return attrs.get("id")
        return tuple(attrs.get(c) for c in pk)

    @id.setter
    def id(self, value: Any) -> None:
        """Assign the primary key (a tuple for a composite key). On a persisted record
        the next save UPDATEs the row where the old key matched (as Rails does).

        Raises:
            ValueError: a composite key given something else than a tuple/list of as
                many values as it has columns.
            UnknownPrimaryKey: the table has no primary key (and no column ``id``).
        """
        schema = type(self)._load_schema()
        pk = schema.pk
        if not pk:
            if "id" not in schema.name_set:
                raise UnknownPrimaryKey(
                    f"{type(self).__name__} has no primary key (table {schema.table!r} "
                    f"declares none, and it has no column 'id') to assign",
                    model=type(self), table=schema.table)
            pk = ("id",)
        if len(pk) == 1:
            self.write_attribute(pk[0], value)
            return
        if not isinstance(value, (tuple, list)) or len(value) != len(pk):
            raise ValueError(f"{type(self).__name__} has the composite primary key {pk}: "
                             f"assign a tuple of {len(pk)} values, not {value!r}")
        for column, item in zip(pk, value):
            self.write_attribute(column, item)

    def _identity(self) -> Any:
        pk = type(self)._load_schema().pk
        attrs = self._attrs
        if len(pk) == 1:
            return attrs.get(pk[0])
        if not pk:
            return None  # no key: a record equals only itself
        ident = tuple(attrs.get(c) for c in pk)
        return None if None in ident else ident

    def __eq__(self, other: object) -> bool:
        """Records are equal when they share a class (or table) and a primary key;
        a new record equals only itself (as in Rails' ``Core#==``)."""
        if self is other:
            return True
        if not isinstance(other, Core):
            return NotImplemented
        mine = self._identity()
        if mine is None or self._new_record or other._new_record:
            return False
        related = isinstance(other, type(self)) or isinstance(self, type(other))
        return related and mine == other._identity()

    def __hash__(self) -> int:
        ident = None if self._new_record else self._identity()
        if ident is None:
            return id(self)
        return hash((type(self)._load_schema().table, ident))

    # -- copies --------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """The state ``pickle`` and ``copy.deepcopy`` keep: the instance attributes,
        with ``_new_record`` always written out, so a pickle never depends on the
        class-level default (a record built from a row holds none)."""
        state = dict(self.__dict__)
        state["_new_record"] = self._new_record
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore :meth:`__getstate__`'s state. A state without ``_new_record`` was
        pickled when the class-level default was True (new records held no flag):
        it is a new record, and a later ``save()`` INSERTs it."""
        if "_new_record" not in state:
            state = {**state, "_new_record": True}
        self.__dict__.update(state)

    def __copy__(self) -> Self:
        """``copy.copy``: the same record (state, key, pending changes) with its own
        attribute storage; the values themselves are shared, as a shallow copy's are."""
        cls = type(self)
        if "_attrs" in self.__dict__:
            self._hand_out_mutables(cls._load_schema())  # both copies track in place
        state = dict(self.__dict__)
        state.pop("_errors", None)  # the copy's validation errors are its own (none yet)
        for key in ("_attrs", "_changed_from", "_originals", "_virtual"):
            if state.get(key) is not None:
                state[key] = dict(state[key])
        if state.get("_assigned") is not None:
            state["_assigned"] = set(state["_assigned"])
        twin = cls.__new__(cls)
        twin.__dict__.update(state)
        return twin

    def dup(self) -> Self:
        """Return a new, unsaved record with this record's values (mutable ones
        copied), as Rails' ``dup`` (``Core#initialize_dup``, ``Timestamp``,
        ``Locking::Optimistic``): the primary key, ``created_at``/``updated_at`` and
        the ``lock_version`` are cleared, and the columns whose value differs from the
        column default count as assigned, so ``save()`` INSERTs a new row. Generated
        columns are never assigned.
        """
        cls = type(self)
        schema = cls._load_schema()
        defaults = schema.defaults
        attrs = dict(defaults)
        attrs.update(self.__dict__["_attrs"])
        for name in schema.mutable:
            if attrs[name] is not None:
                attrs[name] = copy.deepcopy(attrs[name])
        lock = (schema.lock_column,) if schema.lock_column else ()
        for name in schema.pk + schema.timestamps + lock:  # a new row: version 0 again
            attrs[name] = None
        changed = {c: defaults[c] for c in schema.writable if not _same(attrs[c], defaults[c])}
        record = cls.__new__(cls)
        d = record.__dict__
        d["_attrs"] = attrs
        d["_new_record"] = True
        d["_changed_from"] = changed
        d["_assigned"] = set(changed)
        if cls._init_callbacks:  # after_initialize, as Rails' initialize_dup
            record._after_initialize()
        return record

    def __repr__(self) -> str:
        attrs = getattr(self, "_attrs", None)
        if attrs is None:
            return f"<{type(self).__name__} (no attributes)>"
        parts = []
        for name, value in attrs.items():
            text = repr(value)
            if len(text) > 50:
                text = text[:47] + "..."
            parts.append(f"{name}={text}")
        state = " new" if self._new_record else (" destroyed" if self._destroyed else "")
        return f"<{type(self).__name__}{state} {', '.join(parts)}>"


def _same(a: Any, b: Any) -> bool:
    # Equal values, with a bool never equal to a number, also inside dicts and lists
    # (JSON ``true`` is not ``1``): dirty tracking, ``dup`` and rollbacks compare so.
    if a is b:
        return True
    ta, tb = type(a), type(b)
    if ta is not tb:
        if ta is bool or tb is bool:
            return False
    elif ta is dict:
        return len(a) == len(b) and all(k in b and _same(v, b[k]) for k, v in a.items())
    elif ta is list or ta is tuple:
        return len(a) == len(b) and all(map(_same, a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - incomparable values are different
        return False
