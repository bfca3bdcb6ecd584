"""Helpers for testing code that uses activerecord (the project's own tests use them
too; docs/testing.md): :func:`assert_queries` pins how many statements a block sends,
:func:`assert_no_queries` that it sends none, and :func:`capture_sql` collects them;
:class:`ModelFactory` is the factory_boy base for models, :func:`load_fixtures` loads
YAML/JSON fixture files; :func:`rolled_back` and :func:`cleaned` are the machinery of
the pytest plugin's ``db`` and ``db_commit`` fixtures (``activerecord.testing.plugin``).

The factories and fixtures modules are imported at first use (factory_boy and PyYAML
stay unloaded in a test run that does not use them: pytest loads this package in every
run, through the plugin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .assertions import assert_no_queries, assert_queries, capture_sql
from .transactions import CleanedDatabase, RolledBackDatabase, cleaned, rolled_back

if TYPE_CHECKING:  # pragma: no cover - imported lazily below
    from .factories import ModelFactory
    from .fixtures import FixtureError, FixtureSet, load_fixtures

__all__ = ["assert_queries", "assert_no_queries", "capture_sql", "ModelFactory",
           "load_fixtures", "FixtureSet", "FixtureError", "rolled_back", "cleaned",
           "RolledBackDatabase", "CleanedDatabase"]

_LAZY = {"ModelFactory": "factories", "load_fixtures": "fixtures",
         "FixtureSet": "fixtures", "FixtureError": "fixtures"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'activerecord.testing' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
