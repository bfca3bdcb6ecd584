"""The record side of associations (Rails' ``Associations`` module): the registry of
a model's declared associations, ``reset_association``, the cache cleared by
``reload()``, and the joins ``Relation.joins("albums")`` asks the model for
(:meth:`AssociationsMixin._association_joins`). The declarations and readers live in
``activerecord/associations/`` (docs/associations.md, docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..associations import association as a
from ..associations import autosave, join_dependency, preloader
from ..associations.reflection import Reflection, register_model
from ..errors import AssociationNotFoundError
from ..sql import nodes as n
from .core import Core

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from .schema import ModelSchema

__all__ = ["AssociationsMixin", "StrictLoadingSwitch"]


class StrictLoadingSwitch:
    """``strict_loading`` on a model: on a record, ``record.strict_loading(mode=True)``
    sets its mode (True, False or ``"warn"``) and returns the record (Rails'
    ``strict_loading!``); on the class, ``Model.strict_loading(mode=True)`` returns
    ``Model.all().strict_loading(mode)``. ValueError for another mode."""

    def __get__(self, record: Any, owner: type | None = None) -> Callable[..., Any]:
        if record is None:
            model: Any = owner

            def relation(mode: bool | str = True) -> Any:
                """``Model.all().strict_loading(mode)`` (see Relation.strict_loading)."""
                return model.all().strict_loading(mode)
            return relation

        def switch(mode: bool | str = True) -> Any:
            """Set this record's strict-loading mode; return the record."""
            record.__dict__["_strict_loading"] = check_mode(mode)
            return record
        return switch


def check_mode(mode: Any) -> bool | str:
    """``mode`` when it is True, False or ``"warn"``; ValueError otherwise."""
    if isinstance(mode, bool) or mode == "warn":
        return mode
    raise ValueError(f"strict_loading takes True, False or 'warn', not {mode!r}")


class AssociationsMixin(Core):
    """Declared associations of a model and their per-record cache."""

    #: name -> Reflection, set per class by the declarations' ``__set_name__``.
    _reflections: ClassVar[dict[str, Reflection]] = {}
    #: The loaded associations (``associations/association.py``); set per record on
    #: first use, read as an attribute so a record's ``__dict__`` stays unmaterialized.
    _association_cache: dict | None = None
    #: The record's own strict-loading mode (None: its model's default); see
    #: ``associations/association.py``.
    _strict_loading: bool | str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_model(cls)

    @classmethod
    def reflect_on_association(cls, name: str) -> Reflection:
        """Return the association ``name``; AssociationNotFoundError (listing the
        known names) when the model declares none of that name."""
        found = cls._reflections.get(name)
        if found is None:
            raise AssociationNotFoundError(cls.__name__, name, list(cls._reflections))
        return found

    @classmethod
    def reflect_on_all_associations(cls) -> list[Reflection]:
        """Return the model's associations in declaration order."""
        return list(cls._reflections.values())

    def reset_association(self, name: str) -> Self:
        """Forget the loaded value of association ``name`` (the next read queries);
        AssociationNotFoundError for an unknown name. Returns self."""
        type(self).reflect_on_association(name)
        a.forget(self, name)
        return self

    # -- saving and destroying with the associations (associations/autosave.py) ----
    def _needs_save(self) -> bool:
        # A saved record without changes still saves the new records it holds.
        return super()._needs_save() or autosave.has_unsaved(self)

    def _check_save(self, schema: ModelSchema) -> bool:
        """PersistenceMixin's checks, then, before any SQL, the belongs_to ones
        (``autosave.check_save``: InvalidAssociation for a missing counter_cache/
        touch column)."""
        needed = super()._check_save(schema)
        if needed and type(self)._reflections:
            autosave.check_save(self)
        return needed

    def _validate_associations(self) -> None:
        """Add "<Association> must exist" (type ``"required"``, Rails' belongs_to
        presence validation) for each required belongs_to without a parent, and
        "<Associations> is invalid" for each has_many holding an invalid new record
        (Rails' default ``validate: true``)."""
        model = type(self)
        if not model._reflections:
            return
        if autosave.belongs_to_of(model):
            for reflection in autosave.missing_required(self):
                self.errors.add(reflection.name, "required")
        if self.__dict__.get("_association_cache"):  # records held: new children?
            for name in autosave.invalid_collections(self):
                self.errors.add(name, "invalid")

    def _destroys_dependents(self) -> bool:
        """Whether the model has ``dependent=`` rules (a destroy in a caller's
        transaction then runs in a savepoint: a halted dependent undoes them all)."""
        return any(r.dependent for r in type(self)._reflections.values())

    def _holds_unsaved(self) -> bool:
        """Whether a save may save associated records it holds
        (``autosave.may_save_associated``)."""
        return bool(type(self)._reflections) and autosave.may_save_associated(self)

    def _supplied_by_association(self, column: str) -> bool:
        """Whether a belongs_to answers for ``column`` (``autosave.supplies``: it holds
        a parent, or is required and reports its own error); the inferred NOT NULL
        validation does not count it blank then."""
        return bool(type(self)._reflections) and autosave.supplies(self, column)

    def save(self, **options: Any) -> bool:
        """Save the record (the layers below) with its associations, as Rails'
        ``AutosaveAssociation`` (``associations/autosave.py``): first a new record
        assigned to a belongs_to (the foreign key set to its key), then the record,
        then the records kept in its has_many/has_one (built or assigned; the
        foreign key set), then counter caches and touches; all inside the record's
        transaction (TransactionsMixin wraps this layer), so a failure rolls all of
        it back."""
        model = type(self)
        if not model._reflections or (not self.__dict__.get("_association_cache")
                                      and not autosave.writers(model)):
            return super().save(**options)  # no associated record held, no counter/touch
        autosave.save_parents(self)
        was_new = self._new_record
        super().save(**options)
        # the old values of what the UPDATE changed, taken right before it (after
        # the before_update callbacks, so a key they move is counted)
        before = self.__dict__.pop("_written_from", None)
        autosave.save_children(self, was_new)
        autosave.after_write(self, was_new, before)
        return True

    def destroy(self) -> Self | Literal[False]:
        """Destroy the record (the layers below), first running the ``dependent=``
        rules of its has_many/has_one associations (Rails' ``dependent:``): every
        rule is checked before anything changes (``"restrict"`` raises
        DeleteRestrictionError), then each runs, then its rows in the join tables of
        its has_and_belongs_to_many associations are deleted (Rails'
        ``destroy_associations``); afterwards the counter caches and touches of its
        belongs_to associations; all inside the record's transaction
        (TransactionsMixin wraps this layer), so a failure rolls all of it back."""
        if not type(self)._reflections:
            return super().destroy()
        autosave.destroy_dependents(self)
        parents = autosave.before_destroy(self)
        super().destroy()
        if self.__dict__.pop("_rows_deleted", 0):  # as Rails: only for a deleted row
            autosave.after_destroy(self, parents)
        return self

    def _update_record(self, schema: ModelSchema) -> None:
        if type(self)._reflections:
            self.__dict__["_written_from"] = autosave.before_write(self)
        super()._update_record(schema)

    def _delete_row(self, action: str = "delete") -> int:
        # The destroy's DELETE: how many rows it deleted decides the counter caches
        # and touches (a row already gone, or a new record, changes no parent).
        count = super()._delete_row(action)
        if action == "destroy":
            self.__dict__["_rows_deleted"] = count
        return count

    def _assign_association(self, name: str, value: Any) -> None:
        """``Model(artist=artist)``, ``update(albums=[...])``: a keyword that names
        an association is assigned through it (its writer); another raises as
        AttributesMixin does (UnknownAttributeError listing the columns)."""
        reflection: Any = type(self)._reflections.get(name)  # a descriptor: __set__
        if reflection is None:
            super()._assign_association(name, value)
        else:
            reflection.__set__(self, value)

    def reload(self) -> Self:
        """Read the row again (PersistenceMixin.reload) and forget every loaded
        association, as Rails' ``reload``."""
        super().reload()
        a.forget(self)
        return self

    def __copy__(self) -> Self:
        twin = super().__copy__()
        twin.__dict__.pop("_association_cache", None)  # the copy loads its own
        return twin

    @classmethod
    def _preload(cls, records: list[Any], paths: tuple[Any, ...]) -> None:
        """Load the association ``paths`` of ``records`` (for ``Relation.preload``;
        ``associations/preloader.py``). With no records, only checks the names:
        AssociationNotFoundError before any SQL."""
        preloader.preload(cls, records, list(paths))

    @classmethod
    def _eager_load_records(cls, relation: Any) -> list[Any]:
        """The records of ``relation`` (its ``eager_load`` paths set) with those
        associations loaded by one LEFT OUTER JOIN query (two with a limit and a
        collection; ``associations/join_dependency.py``)."""
        return join_dependency.eager_load(relation)

    @classmethod
    def _mark_strict(cls, records: list[Any], mode: bool | str) -> None:
        """Mark ``records`` strict-loading (``mode`` True, False or ``"warn"``), as
        ``Relation.strict_loading`` asks, and the records of their loaded
        associations (an eager_load's), as Rails; ``association.py`` checks it on
        lazy loads."""
        a.mark_strict(records, mode)

    # -- strict loading (Rails 6.1; associations/association.py) --------------------
    #: True (or ``"warn"``): the model's records refuse lazy loads of associations
    #: unless told otherwise (Rails' ``strict_loading_by_default``). Inherited: set
    #: on ``activerecord.Model`` it is the global switch, on a model for its records.
    strict_loading_by_default: ClassVar[bool | str] = False

    #: ``record.strict_loading(mode=True)`` sets the record's mode and returns it
    #: (Rails' ``strict_loading!``); ``Model.strict_loading(mode=True)`` is
    #: ``Model.all().strict_loading(mode)`` (Rails' ``strict_loading`` query method).
    strict_loading = StrictLoadingSwitch()

    @property
    def strict_loading_mode(self) -> bool | str:
        """The record's strict-loading mode: True (lazy loads raise
        StrictLoadingViolationError), ``"warn"`` (they are logged) or False; its own
        (``strict_loading(...)``, or the relation that loaded it), else the model's
        ``strict_loading_by_default``."""
        return a.strict_mode(self)

    @property
    def strict_loading_enabled(self) -> bool:
        """Whether lazy loads of the record's associations are refused or logged
        (Rails' ``strict_loading?``)."""
        return bool(a.strict_mode(self))

    # -- joins and eager loading (associations/join_dependency.py) -------------------
    @classmethod
    def _association_joins(cls, path: Any, kind: str,
                           joins: Sequence[tuple[n.Node, Any]] = ()
                           ) -> list[tuple[n.Node, Any]]:
        """The joins of ``path`` for ``Relation.joins``/``left_joins`` (``kind``
        ``"INNER"``/``"LEFT"``): an association name, a dict ``{name: nested path}`` or
        a list of them (Rails' ``joins(album: :artist)``), after the relation's
        ``joins``. Returns ``[(Join node, joined model), ...]`` in order. Raises
        AssociationNotFoundError / EagerLoadPolymorphicError before any SQL."""
        return join_dependency.association_joins(cls, path, kind, joins)

    @classmethod
    def _association_targets(cls, paths: tuple[Any, ...], joinable: bool = False
                             ) -> list[tuple[tuple[str, ...], Any]]:
        """``[(path, target model), ...]`` of the associations of ``paths``; raises
        AssociationNotFoundError (and, ``joinable``, EagerLoadPolymorphicError) before
        any SQL."""
        return join_dependency.targets(cls, paths, joinable)

    @classmethod
    def _resolve_includes(cls, relation: Any) -> Any:
        """``relation`` with its ``includes`` paths preloaded, or eager_loaded when
        it names their tables (Rails' ``eager_loading?``)."""
        return join_dependency.resolve_includes(relation)

    @classmethod
    def _eager_joined(cls, relation: Any) -> tuple[Any, bool]:
        """``relation`` with its eager-loaded paths LEFT JOINed (for calculations), and
        whether any was."""
        return join_dependency.eager_joined(relation)
