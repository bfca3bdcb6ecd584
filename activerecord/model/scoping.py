"""Named scopes and default scopes (Rails' ``scope`` and ``default_scope``).

A named scope is a reusable piece of a query, declared on the model with
:func:`scope`. The decorated function takes the relation built so far (and any
arguments) and returns a relation; it is callable on the class and on any relation of
the model, so scopes chain with each other and with the finders::

    class Track(Model):
        @scope
        def short(rel, ms=180_000):
            return rel.where(Track.c.Milliseconds < ms)

        @scope
        def rock(rel):
            return rel.where(GenreId=1)

    Track.short().rock().order("Name").limit(5)
    Track.where(AlbumId=1).short(ms=300_000).count()

A scope that returns ``None`` leaves the relation unchanged (Rails returns ``all``).

A default scope, declared with :func:`default_scope`, applies to every relation the
model starts (``Model.all()``, ``Model.where(...)``, ``Model.find(...)``, counts...).
Several default scopes (also inherited ones, base classes first) all apply, as in
Rails. ``Model.unscoped()`` starts a relation without them; ``rewhere`` and
``unscope(where="col")`` drop one of their conditions. Equality conditions of the
relation are assigned by ``Model.all().new(...)``/``create(...)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .core import Core

__all__ = ["scope", "default_scope", "find_scope", "default_scopes", "ScopingMixin"]


def _wraps(wrapper: Any, func: Callable) -> None:
    # functools.update_wrapper for a descriptor object, which is no function itself.
    for name in functools.WRAPPER_ASSIGNMENTS:
        if hasattr(func, name):
            setattr(wrapper, name, getattr(func, name))
    wrapper.__dict__.update(getattr(func, "__dict__", {}))
    wrapper.__wrapped__ = func


class scope:  # noqa: N801 - used as a decorator, like property
    """Declare a named scope (see the module doc). ``func(relation, *args, **kwargs)``
    must return a Relation of the same model (or ``None``).

    Accessing the scope on the model class returns a function that applies it to
    ``Model.all()``; on a relation, one that applies it to that relation.
    """

    def __init__(self, func: Callable):
        if not callable(func):
            raise TypeError(f"@scope decorates a function, not {func!r}")
        self.func = func
        self.name = getattr(func, "__name__", "scope")
        _wraps(self, func)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, cls: type | None = None) -> Callable[..., Any]:
        if obj is not None:
            raise AttributeError(f"{self.name} is a scope of {type(obj).__name__}: call "
                                 f"it on the class or a relation, not on a record")
        return functools.partial(_apply_to_all, self, cls)

    def apply(self, relation: Any, *args: Any, **kwargs: Any) -> Any:
        """Return the scope applied to ``relation`` with these arguments.

        Raises TypeError when the scope function returns something else than a
        Relation of the same model (or None).
        """
        result = self.func(relation, *args, **kwargs)
        if result is None:
            return relation
        if getattr(result, "model", None) is not relation.model or \
                not hasattr(result, "to_select_node"):
            raise TypeError(f"scope {self.name!r} must return a relation of "
                            f"{relation.model.__name__}, not {result!r}")
        return result

    def __repr__(self) -> str:
        return f"<scope {self.name}>"


def _apply_to_all(sc: scope, cls: Any, *args: Any, **kwargs: Any) -> Any:
    return sc.apply(cls.all(), *args, **kwargs)


class default_scope:  # noqa: N801 - a decorator
    """Declare a default scope: ``func(relation)`` returns the relation every query of
    the model starts from (see the module doc)."""

    def __init__(self, func: Callable):
        if not callable(func):
            raise TypeError(f"@default_scope decorates a function, not {func!r}")
        self.func = func
        _wraps(self, func)

    def __get__(self, obj: object, cls: type | None = None) -> default_scope:
        return self  # not callable on records; the class keeps the declaration

    def apply(self, relation: Any) -> Any:
        """Return ``relation`` with this default scope applied (TypeError if the
        function returns something else than a relation of the model)."""
        result = self.func(relation)
        if result is None:
            return relation
        if getattr(result, "model", None) is not relation.model:
            raise TypeError(f"default scope {self.func.__name__!r} must return a relation "
                            f"of {relation.model.__name__}, not {result!r}")
        return result


def find_scope(model: type, name: str) -> scope | None:
    """Return the named scope ``name`` declared on ``model`` or a base, or None."""
    for klass in model.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found if isinstance(found, scope) else None
    return None


def default_scopes(model: type) -> tuple[default_scope, ...]:
    """Return the default scopes of ``model``, base classes' first (cached per class:
    they are declared in class bodies)."""
    cached = model.__dict__.get("_ar_default_scopes")
    if cached is None:
        found: list[default_scope] = []
        for klass in reversed(model.__mro__):
            found.extend(v for v in klass.__dict__.values() if isinstance(v, default_scope))
        cached = tuple(found)
        type.__setattr__(model, "_ar_default_scopes", cached)
    return cached


class ScopingMixin(Core):
    """The model side of scopes: what relations ask the model through ``self.model``
    (they never import this module)."""

    @classmethod
    def _find_scope(cls, name: str) -> scope | None:
        """Return the named scope ``name`` of this model (or a base), or None."""
        return find_scope(cls, name)

    @classmethod
    def _default_scopes(cls) -> tuple[default_scope, ...]:
        """Return this model's default scopes, base classes' first."""
        return default_scopes(cls)
