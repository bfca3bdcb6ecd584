"""The record side of associations (Rails' ``Associations`` module): the registry of
a model's declared associations, ``reset_association``, the cache cleared by
``reload()``, and the joins ``Relation.joins("albums")`` asks the model for
(:meth:`AssociationsMixin._association_joins`). The declarations and readers live in
``activerecord/associations/`` (docs/associations.md, docs/architecture.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..associations import association as a
from ..associations import preloader
from ..associations.belongs_to import BelongsTo
from ..associations.has_many import TargetKeyed
from ..associations.reflection import Reflection, register_model
from ..errors import AssociationNotFoundError, InvalidAssociation
from ..sql import nodes as n
from .core import Core

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["AssociationsMixin"]


class AssociationsMixin(Core):
    """Declared associations of a model and their per-record cache."""

    #: name -> Reflection, set per class by the declarations' ``__set_name__``.
    _reflections: ClassVar[dict[str, Reflection]] = {}

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

    def save(self) -> bool:
        """Save the record (the layers below), first saving a new record assigned to
        one of its belongs_to associations and setting the foreign key to its key,
        as Rails' autosave of ``belongs_to`` (``AutosaveAssociation``); inside the
        record's transaction (TransactionsMixin wraps this layer)."""
        cache = self.__dict__.get("_association_cache")
        if cache:
            for name, (_, target) in list(cache.items()):
                reflection = type(self)._reflections.get(name)
                if isinstance(reflection, BelongsTo) and target is not None \
                        and target.new_record:
                    target.save()
                    reflection.__set__(self, target)
        return super().save()

    def destroy(self) -> Self:
        """Destroy the record (the layers below), first running the ``dependent=``
        rules of its has_many/has_one associations (Rails' ``dependent:``): every
        rule is checked before anything changes (``"restrict"`` raises
        DeleteRestrictionError), then each runs, inside the record's transaction
        (TransactionsMixin wraps this layer), so a failure rolls all of it back."""
        rules = [r for r in type(self)._reflections.values()
                 if r.dependent and isinstance(r, TargetKeyed)] if self.persisted else []
        for reflection in rules:
            reflection.check_dependent(self)
        for reflection in rules:
            reflection.apply_dependent(self)
        return super().destroy()

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
        associations loaded by one LEFT OUTER JOIN query (``join_dependency.py``)."""
        raise NotImplementedError("eager_load is being written")

    @classmethod
    def _mark_strict(cls, records: list[Any], mode: bool | str) -> None:
        """Mark ``records`` strict-loading (``mode`` True, False or ``"warn"``), as
        ``Relation.strict_loading`` asks (``association.py`` checks it on lazy loads)."""
        raise NotImplementedError("strict loading is being written")

    @classmethod
    def _association_joins(cls, path: Any, kind: str) -> list[tuple[n.Node, Any]]:
        """The joins of ``path`` for ``Relation.joins``: an association name, or a
        dict ``{name: nested path}`` / list of paths (Rails' ``joins(album:
        :artist)``). Returns ``[(Join node, joined model), ...]`` in order.
        Raises AssociationNotFoundError (before any SQL) for an unknown name."""
        if isinstance(path, str):
            return [cls._join_one(path, kind)]
        if isinstance(path, (list, tuple)):
            return [j for item in path for j in cls._association_joins(item, kind)]
        if isinstance(path, dict):
            out = []
            for name, nested in path.items():
                join = cls._join_one(name, kind)
                out.append(join)
                out += join[1]._association_joins(nested, kind)
            return out
        raise TypeError(f"joins() takes an association name, a dict or a list of them, "
                        f"not {path!r}")

    @classmethod
    def _join_one(cls, name: str, kind: str) -> tuple[n.Node, Any]:
        reflection = cls.reflect_on_association(name)
        target = reflection.target
        if target is cls:
            raise InvalidAssociation(f"{reflection!r} refers to its own table: joins() "
                                     f"by name of a self-reference needs a table alias,"
                                     f" not supported yet; join with on=...")
        return n.Join(target._load_schema().table_node, reflection.join_condition(),
                      kind), target
