"""What a connected database can do, as a frozen set of ``supports_*`` flags.

Each adapter fills a :class:`Features` at connect time from the server version (see
``Adapter.detect_features``). The core consults these flags instead of asking which
vendor it talks to (docs/architecture.md: "first a features flag, then a dialect hook").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Features"]


@dataclass(frozen=True)
class Features:
    """Capabilities of one database server.

    Attributes:
        server_version: the server's version as a tuple of ints, e.g. ``(3, 40, 1)``.
        supports_returning: ``INSERT ... RETURNING`` (SQLite >= 3.35, PostgreSQL,
            MariaDB >= 10.5; not MySQL).
        supports_update_returning: ``UPDATE/DELETE ... RETURNING``.
        supports_savepoints: ``SAVEPOINT`` / ``ROLLBACK TO SAVEPOINT``.
        supports_transactional_ddl: DDL can be rolled back (PostgreSQL, SQLite; not MySQL).
        supports_upsert: an ``ON CONFLICT`` / ``ON DUPLICATE KEY`` form exists.
        supports_nulls_ordering: ``ORDER BY x NULLS FIRST/LAST`` is native.
        supports_native_uuid: a UUID column type exists (PostgreSQL).
        supports_native_boolean: a real boolean type exists.
        supports_lock_of: ``FOR UPDATE OF table`` (PostgreSQL, MySQL 8; not MariaDB).
        max_parameters: the most bound parameters one statement may carry.
    """

    server_version: tuple[int, ...] = ()
    supports_returning: bool = False
    supports_update_returning: bool = False
    supports_savepoints: bool = True
    supports_transactional_ddl: bool = False
    supports_upsert: bool = True
    supports_nulls_ordering: bool = False
    supports_native_uuid: bool = False
    supports_native_boolean: bool = False
    supports_lock_of: bool = False
    max_parameters: int = 999
