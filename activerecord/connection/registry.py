"""Which adapter class serves which URL scheme.

Built-in adapters are named as ``"module:Class"`` strings and imported only when a URL
of their scheme is connected, so the core never imports ``backends`` up front (and an
adapter module imports its driver only when it opens a connection). Third-party
adapters register through the ``activerecord.adapters`` entry-point group
(``name = "package.module:AdapterClass"``) or :func:`register_adapter`.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..errors import ConfigurationError
from .adapter import Adapter

__all__ = ["register_adapter", "adapter_class_for", "known_schemes", "ENTRY_POINT_GROUP"]

#: The entry-point group a third-party package registers its adapters in (one entry
#: per URL scheme, naming the adapter class; docs/adapters.md).
ENTRY_POINT_GROUP = "activerecord.adapters"

_ADAPTERS: dict[str, str | type] = {
    "sqlite": "backends.sqlite.adapter:SQLiteAdapter",
    "sqlite3": "backends.sqlite.adapter:SQLiteAdapter",
    "postgresql": "backends.postgresql.adapter:PostgreSQLAdapter",
    "postgres": "backends.postgresql.adapter:PostgreSQLAdapter",
    "mysql": "backends.mysql.adapter:MySQLAdapter",
    "mariadb": "backends.mysql.adapter:MySQLAdapter",
}


def register_adapter(scheme: str, target: str | type) -> None:
    """Serve URLs of ``scheme`` with ``target``, an adapter class or ``"module:Class"``."""
    _ADAPTERS[scheme.lower()] = target


def known_schemes() -> list[str]:
    """Return the sorted URL schemes that have an adapter (built-in and entry points)."""
    names = set(_ADAPTERS)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def adapter_class_for(scheme: str) -> type[Adapter]:
    """Return the adapter class for ``scheme``, importing it on first use.

    Raises:
        ConfigurationError: no adapter serves ``scheme``, or its module cannot be
            imported (for example the driver extra is not installed).
    """
    target = _ADAPTERS.get(scheme)
    if target is None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name == scheme:
                target = ep.value
                break
    if target is None:
        raise ConfigurationError(
            f"no adapter for scheme {scheme!r}; known schemes: {', '.join(known_schemes())}")
    if isinstance(target, type):
        return target
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(
            f"the adapter for {scheme!r} ({target}) cannot be imported: {exc}; "
            "is its driver installed (pip install 'activerecord[postgresql]' / '[mysql]')?"
        ) from exc
    cls: type[Adapter] = getattr(module, class_name)
    return cls
