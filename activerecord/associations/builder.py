"""The declaration functions: ``belongs_to``, ``has_many``, ``has_one`` (Rails'
``Associations::Builder``). Each returns a reflection, a descriptor named by
``__set_name__`` when assigned as a class attribute (docs/associations.md)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidAssociation
from .belongs_to import BelongsTo, PolymorphicBelongsTo
from .habtm import HasAndBelongsToMany
from .has_many import HasMany
from .has_one import HasOne
from .through import HasManyThrough, HasOneThrough

__all__ = ["belongs_to", "has_many", "has_one", "has_and_belongs_to_many"]

Target = Any  # a model class or its name


def belongs_to(target: Target = None, *, foreign_key: str | tuple[str, ...] | None = None,
               primary_key: str | tuple[str, ...] | None = None,
               class_name: str | None = None, inverse_of: str | None = None,
               polymorphic: bool = False, foreign_type: str | None = None,
               touch: bool | str = False, counter_cache: bool | str = False,
               optional: bool | None = None) -> BelongsTo:
    """Declare that each record refers to one ``target`` record through a foreign key
    on its own table (Rails' ``belongs_to``). ``target`` is a model class or its name;
    keys default to the introspected constraint, then to the naming convention.

    ``polymorphic=True`` (no target): the class is named per record by a type column
    (``foreign_type=``, default ``<name>_type``/``<Name>Type``). ``touch=`` (True or
    a column), ``counter_cache=`` (True or the parent's column) and ``optional=``
    (default: from the schema) act when records are saved (``associations/
    autosave.py``). InvalidAssociation for options that do not fit together."""
    options: dict[str, Any] = dict(foreign_key=foreign_key, primary_key=primary_key,
                                   inverse_of=inverse_of, touch=touch,
                                   counter_cache=counter_cache, optional=optional)
    if polymorphic:
        if target is not None or class_name is not None:
            raise InvalidAssociation("belongs_to(polymorphic=True) takes no target or "
                                     "class_name=: the type column names the class")
        return PolymorphicBelongsTo(foreign_type=foreign_type, **options)
    if foreign_type is not None:
        raise InvalidAssociation("belongs_to: foreign_type= goes with polymorphic=True")
    if target is None and class_name is None:
        raise TypeError("belongs_to() takes a model class or its name (or "
                        "polymorphic=True)")
    return BelongsTo(class_name or target, **options)


def has_many(target: Target, *, foreign_key: str | tuple[str, ...] | None = None,
             primary_key: str | tuple[str, ...] | None = None,
             class_name: str | None = None, inverse_of: str | None = None,
             dependent: str | None = None, through: str | None = None,
             source: str | None = None, distinct: bool = False, as_: str | None = None,
             foreign_type: str | None = None) -> HasMany | HasManyThrough:
    """Declare that ``target`` records refer to each record through a foreign key on
    their table (Rails' ``has_many``); the reader returns a scoped collection.
    ``dependent=`` (``"destroy"``, ``"delete_all"``, ``"nullify"``, ``"restrict"``)
    says what destroying the owner does to them; InvalidAssociation for another.
    ``through=`` (an association of the owner) reads them through it (Rails'
    ``has_many :through``; ``source=``, ``distinct=``: ``associations/through.py``).
    ``as_=`` names the target's polymorphic belongs_to (Rails' ``as:``; the type
    column is its, or ``foreign_type=``)."""
    if through is not None:
        if foreign_key or primary_key or inverse_of or dependent or as_ or foreign_type:
            raise InvalidAssociation("has_many(through=...) takes no foreign_key=, "
                                     "primary_key=, inverse_of=, dependent=, as_= or "
                                     "foreign_type=")
        return HasManyThrough(class_name or target, through=through, source=source,
                              distinct=distinct)
    return HasMany(class_name or target, foreign_key=foreign_key,
                   primary_key=primary_key, inverse_of=inverse_of, dependent=dependent,
                   as_=as_, foreign_type=foreign_type)


def has_one(target: Target, *, foreign_key: str | tuple[str, ...] | None = None,
            primary_key: str | tuple[str, ...] | None = None,
            class_name: str | None = None, inverse_of: str | None = None,
            dependent: str | None = None, as_: str | None = None,
            foreign_type: str | None = None, through: str | None = None,
            source: str | None = None) -> HasOne | HasOneThrough:
    """Declare that one ``target`` record refers to each record (Rails' ``has_one``);
    the reader returns it or ``None``. ``dependent=``, ``as_=`` and
    ``foreign_type=`` as for :func:`has_many`. ``through=`` (a belongs_to or has_one
    of the owner, or a through one made of those) reads it through that association
    (Rails' ``has_one :through``; ``source=``: ``associations/through.py``)."""
    if through is not None:
        if foreign_key or primary_key or inverse_of or dependent or as_:
            raise InvalidAssociation("has_one(through=...) takes no foreign_key=, "
                                     "primary_key=, inverse_of=, dependent= or as_=")
        return HasOneThrough(class_name or target, through=through, source=source)
    return HasOne(class_name or target, foreign_key=foreign_key,
                  primary_key=primary_key, inverse_of=inverse_of, dependent=dependent,
                  as_=as_, foreign_type=foreign_type)


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
