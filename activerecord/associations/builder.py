"""The declaration functions: ``belongs_to``, ``has_many``, ``has_one`` (Rails'
``Associations::Builder``). Each returns a reflection, a descriptor named by
``__set_name__`` when assigned as a class attribute (docs/associations.md)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidAssociation
from .belongs_to import BelongsTo
from .habtm import HasAndBelongsToMany
from .has_many import HasMany
from .has_one import HasOne
from .through import HasManyThrough

__all__ = ["belongs_to", "has_many", "has_one", "has_and_belongs_to_many"]

Target = Any  # a model class or its name


def belongs_to(target: Target, *, foreign_key: str | tuple[str, ...] | None = None,
               primary_key: str | tuple[str, ...] | None = None,
               class_name: str | None = None, inverse_of: str | None = None) -> BelongsTo:
    """Declare that each record refers to one ``target`` record through a foreign key
    on its own table (Rails' ``belongs_to``). ``target`` is a model class or its name;
    keys default to the introspected constraint, then to the naming convention."""
    return BelongsTo(class_name or target, foreign_key=foreign_key,
                     primary_key=primary_key, inverse_of=inverse_of)


def has_many(target: Target, *, foreign_key: str | tuple[str, ...] | None = None,
             primary_key: str | tuple[str, ...] | None = None,
             class_name: str | None = None, inverse_of: str | None = None,
             dependent: str | None = None, through: str | None = None,
             source: str | None = None, distinct: bool = False) -> HasMany | HasManyThrough:
    """Declare that ``target`` records refer to each record through a foreign key on
    their table (Rails' ``has_many``); the reader returns a scoped collection.
    ``dependent=`` (``"destroy"``, ``"delete_all"``, ``"nullify"``, ``"restrict"``)
    says what destroying the owner does to them; InvalidAssociation for another.
    ``through=`` (an association of the owner) reads them through it (Rails'
    ``has_many :through``; ``source=``, ``distinct=``: ``associations/through.py``)."""
    if through is not None:
        if foreign_key or primary_key or inverse_of or dependent:
            raise InvalidAssociation("has_many(through=...) takes no foreign_key=, "
                                     "primary_key=, inverse_of= or dependent=")
        return HasManyThrough(class_name or target, through=through, source=source,
                              distinct=distinct)
    return HasMany(class_name or target, foreign_key=foreign_key,
                   primary_key=primary_key, inverse_of=inverse_of, dependent=dependent)


def has_one(target: Target, *, foreign_key: str | tuple[str, ...] | None = None,
            primary_key: str | tuple[str, ...] | None = None,
            class_name: str | None = None, inverse_of: str | None = None,
            dependent: str | None = None) -> HasOne:
    """Declare that one ``target`` record refers to each record (Rails' ``has_one``);
    the reader returns it or ``None``. ``dependent=`` as for :func:`has_many`."""
    return HasOne(class_name or target, foreign_key=foreign_key,
                  primary_key=primary_key, inverse_of=inverse_of, dependent=dependent)


def has_and_belongs_to_many(target: Target, *, join_table: str | None = None,
                            foreign_key: str | tuple[str, ...] | None = None,
                            association_foreign_key: str | tuple[str, ...] | None = None,
                            class_name: str | None = None) -> HasAndBelongsToMany:
    """Declare a many-to-many association over ``join_table``, a table without a
    model (Rails' ``has_and_belongs_to_many``); ``foreign_key=`` is its column
    referring to the owner, ``association_foreign_key=`` the one referring to the
    target (found from constraints, then the convention, when not given). The
    reader's ``add``/``remove``/``clear`` write and delete join rows only."""
    return HasAndBelongsToMany(class_name or target, join_table=join_table,
                               foreign_key=foreign_key,
                               association_foreign_key=association_foreign_key)
