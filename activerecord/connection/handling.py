"""Which Database a name (or a model without a ``database`` attribute) means.

``connect()`` creates and registers a :class:`~activerecord.connection.database.Database`
by name; the last one connected without ``name=`` is the default that models use.
:func:`get_database`, :func:`databases` and :func:`set_default_database` read and move
that registry. This is Rails' ``ConnectionHandler``; it will grow roles and shards
(``connected_to(role=, shard=)``, docs/architecture.md).

The registry is module state guarded by one lock. ``_epoch[0]`` is bumped whenever the
default or a registered name changes: a model's cached schema remembers the value it was
resolved at and re-resolves its database when it moved (``model/schema.py``).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from ..errors import ConnectionNotEstablished
from .database import Database

__all__ = ["connect", "get_database", "databases", "set_default_database"]

_databases: dict[str, Database] = {}
_default: list[Database | None] = [None]
_registry_lock = threading.Lock()
#: Bumped whenever the default or a registered name changes (read on the hot path of
#: ``Model._load_schema``: one list index).
_epoch = [0]


def connect(url: str | None = None, *, name: str | None = None,
            default: bool | None = None, **options: Any) -> Database:
    """Create (or reuse) a :class:`Database`, register it and return it.

    Args:
        url: ``scheme://...``; default ``$DATABASE_URL``.
        name: the name models give as ``database = "name"`` and :func:`get_database`
            takes; default the URL without its password.
        default: ``True`` makes it the default database, ``False`` never does; ``None``
            (the default) makes a connect *without* ``name=`` the default -- the last
            one wins, as Rails' ``ActiveRecord::Base.establish_connection`` does -- and a
            named one only when there is no (open) default yet.
        **options: see :class:`Database` (``pool_size``, ``pool_timeout``, ...).

    A second connect under a name already registered (the same URL without ``name=``
    is the same name: the URL without password and query, one spelling per database,
    ``DatabaseConfig.safe_url``) reuses the registered Database, pool and all, when URL
    and options are equal (``DatabaseConfig.identity``: the query's order, an empty
    query or ``./`` in a SQLite path do not count); otherwise the old one is closed and
    replaced (and when it was the default, the new one is), so no pool is left open
    unregistered. Rails' ``ConnectionHandler#establish_connection`` does the same: an
    equal config keeps its pool, another disconnects and removes it. A Database the
    caller still holds then raises ``ConnectionNotEstablished`` saying it was replaced.
    Models without a ``database`` attribute follow the default from their next query on.

    Raises:
        ConfigurationError: no URL, a malformed one, or an unknown scheme (nothing is
            registered then). Nothing connects until the first query.
    """
    db, replaced = _register(Database(url, name=name, **options), name, default)
    if replaced is not None:
        replaced._closed_why = (
            ": connect() replaced it, connecting the same name with another URL or "
            f"options; use the Database it returned (get_database({db.name!r}))")
        replaced.close()
    return db


def _register(db: Database, name: str | None,
              default: bool | None) -> tuple[Database, Database | None]:
    # Returns the Database now registered under db.name and the open one it replaced.
    with _registry_lock:
        old = _databases.get(db.name)
        replaced = None
        if old is not None and not old._closed and _same_setup(old, db):
            db = old
        else:
            replaced = old if old is not None and not old._closed else None
            _databases[db.name] = db
        current = _default[0]
        if default is None:
            default = name is None or current is None or current._closed
        if default or (replaced is not None and current is replaced):
            _default[0] = db
        _epoch[0] += 1  # models re-resolve their database at their next use
    return db, replaced


def _same_setup(a: Database, b: Database) -> bool:
    # The same adapter with an equal Adapter.setup(): the URL's identity and options.
    return type(a.adapter) is type(b.adapter) and a.adapter.setup() == b.adapter.setup()


def get_database(name: str | None = None) -> Database:
    """Return the database registered as ``name``, or the default one.

    Without a default, ``$DATABASE_URL`` (when set) is connected and becomes it.

    Raises:
        ConnectionNotEstablished: nothing was connected, no such name, or the database
            was closed (``Database.close()``), naming what is connected.
    """
    if name is None:
        db = _default[0]
        if db is None and os.environ.get("DATABASE_URL"):
            db = connect()
        if db is None:
            raise ConnectionNotEstablished(
                "no database connected: call activerecord.connect(url) or set DATABASE_URL")
        if db._closed:
            raise ConnectionNotEstablished(
                f"the default database {db.name} was closed: connect() or "
                f"set_default_database() another; connected: {_open_names()}")
        return db
    found = _databases.get(name)
    if found is None or found._closed:
        state = "was closed" if found is not None else "is not connected"
        raise ConnectionNotEstablished(
            f"database {name!r} {state}; connected: {_open_names()}") from None
    return found


def _open_names() -> str:
    return ", ".join(sorted(k for k, v in _databases.items() if not v._closed)) or "none"


def set_default_database(db: Database | str | None) -> None:
    """Make ``db`` (a :class:`Database`, or the name of a registered one) the database
    that models without a ``database`` attribute use, from their next query on;
    ``None`` forgets the default. A Database is registered under its ``name``
    (replacing the entry, which is not closed: the caller owns both objects).

    Raises:
        ConnectionNotEstablished: ``db`` is a name that is not registered or closed.
    """
    if isinstance(db, str):
        db = get_database(db)
    with _registry_lock:
        moved = _default[0] is not db
        if db is not None and _databases.get(db.name) is not db:
            _databases[db.name] = db
            moved = True
        if moved:
            _default[0] = db
            _epoch[0] += 1


def databases() -> dict[str, Database]:
    """Return the registered, open databases by name (closed ones are left out)."""
    return {k: v for k, v in _databases.items() if not v._closed}
