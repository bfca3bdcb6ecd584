"""The SQLite adapter, on the standard library's ``sqlite3``.

Connections are opened with ``isolation_level=None`` (autocommit: the Database sends
BEGIN/COMMIT itself), ``check_same_thread=False`` (the pool hands a connection to one
thread at a time), foreign keys enforced (``PRAGMA foreign_keys = ON``, off by default
in SQLite) and a busy timeout so concurrent writers wait instead of failing at once.

``sqlite:///:memory:`` is one database per connection in SQLite, so its pool holds
exactly one shared connection: every caller sees the same database, one at a time.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Sequence
from typing import Any

from activerecord import errors
from activerecord.connection.adapter import Adapter
from activerecord.connection.features import Features
from activerecord.connection.introspection import ColumnInfo
from activerecord.connection.pool import ConnectionPool, Pool
from activerecord.types import Type

from .creation import SQLiteCreation
from .dialect import SQLiteDialect
from .introspection import SQLiteIntrospector
from .schema_editor import SQLiteSchemaEditor
from .types import type_for

__all__ = ["SQLiteAdapter"]


def _variable_limit(conn: Any, dbapi: Any, version: tuple[int, ...]) -> int:
    """The most ``?`` one statement may hold: the library's SQLITE_LIMIT_VARIABLE_NUMBER
    (builds raise it: Debian's is 250000), read with ``Connection.getlimit`` (Python
    3.11); else the default, 999 before SQLite 3.32.0 and 32766 since
    (https://www.sqlite.org/limits.html#max_variable_number)."""
    getlimit = getattr(conn, "getlimit", None)
    if getlimit is not None:
        return int(getlimit(dbapi.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 32766 if version >= (3, 32, 0) else 999


class SQLiteAdapter(Adapter):
    """Adapter for SQLite files and in-memory databases.

    Options: ``busy_timeout`` (seconds a statement waits for a lock, default 5.0),
    plus the pool options of :class:`~activerecord.connection.adapter.Adapter`.
    """

    name = "sqlite"
    driver = "sqlite3"
    dialect_class = SQLiteDialect
    introspector_class = SQLiteIntrospector
    schema_editor_class = SQLiteSchemaEditor
    creation_class = SQLiteCreation
    ping_connections = False  # a file does not go away between statements
    # OverflowError: sqlite3 cannot bind an int beyond 64 bits (raised client side).
    extra_driver_errors = (OverflowError,)

    @property
    def memory(self) -> bool:
        """Whether this is an in-memory database."""
        return self.config.database == ":memory:" or self.config.query.get("mode") == "memory"

    def connect(self) -> Any:
        sqlite3 = self.dbapi
        # The absolute path the URL named when parsed (its name), not the current folder's.
        path = self.config.path or self.config.database or ""
        if not self.memory:
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise errors.ConnectionError(
                    f"cannot open SQLite database {path!r}: folder {folder!r} does not exist")
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                   timeout=float(self.options.get("busy_timeout", 5.0)))
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise errors.ConnectionError(
                f"cannot open SQLite database {path!r}: {exc}") from exc
        return conn

    def create_pool(self) -> Pool:
        """The generic pool; for ``:memory:`` one connection for everyone, never
        recycled (that would drop the data)."""
        if not self.memory:
            return super().create_pool()
        return ConnectionPool(self.connect, **{**self.pool_options(), "size": 1,
                                               "recycle": None})

    def detect_features(self, conn: Any) -> Features:
        version = tuple(self.dbapi.sqlite_version_info)
        return Features(
            server_version=version,
            supports_returning=version >= (3, 35, 0),
            supports_update_returning=version >= (3, 35, 0),
            supports_savepoints=True,
            supports_transactional_ddl=True,
            supports_upsert=version >= (3, 24, 0),
            supports_nulls_ordering=version >= (3, 30, 0),
            supports_native_uuid=False,
            supports_native_boolean=False,
            max_parameters=_variable_limit(conn, self.dbapi, version),
        )

    def execute(self, conn: Any, sql: str, params: Sequence[Any]) -> Any:
        return conn.execute(sql, params)

    def type_for(self, column: ColumnInfo) -> Type:
        return type_for(column)

    def in_transaction(self, conn: Any) -> bool:
        """``sqlite3.Connection.in_transaction``: True between a BEGIN and its end
        (the connection is in autocommit mode, ``isolation_level=None``, so only an
        explicit BEGIN opens one; Python's sqlite3 documentation)."""
        return bool(conn.in_transaction)

    def transaction_probe(self) -> Callable[[Any], Any]:
        """``conn.in_transaction`` read in C (``operator.attrgetter``)."""
        return operator.attrgetter("in_transaction")

    def transaction_lost(self, conn: Any, exc: BaseException) -> bool:
        """``sqlite3.Connection.in_transaction`` is False: SQLite ended the transaction
        (a trigger's ``RAISE(ROLLBACK)``, some I/O and full-disk errors: "Response To
        Errors Within A Transaction" in the SQLite manual)."""
        return not conn.in_transaction

    def translate_error(self, exc: BaseException, sql: str | None = None,
                        params: Any = None) -> Exception:
        sqlite3 = self.dbapi
        msg = str(exc)
        low = msg.lower()
        kw = {"sql": sql, "params": params}
        if isinstance(exc, OverflowError):
            return errors.DataError(f"{msg}: SQLite integers are 64-bit "
                                    f"(-2**63..2**63-1)", **kw)
        if isinstance(exc, sqlite3.IntegrityError):
            if "unique constraint" in low or "primary key" in low:
                return errors.RecordNotUnique(msg, **kw)
            if "foreign key" in low:
                return errors.InvalidForeignKey(msg, **kw)
            if "not null" in low:
                return errors.NotNullViolation(msg, **kw)
            return errors.IntegrityError(msg, **kw)
        if "no such table" in low:
            table = msg.split(":", 1)[-1].strip()
            return errors.TableNotFound(
                f"table {table!r} does not exist in {self.describe()}", **kw)
        if "no such column" in low or "has no column named" in low:
            return errors.ColumnNotFound(msg, **kw)
        if isinstance(exc, sqlite3.ProgrammingError) and "closed" in low:
            return errors.ConnectionNotEstablished(f"{msg} ({self.describe()})", **kw)
        if isinstance(exc, sqlite3.OperationalError) and (
                "syntax error" in low or "no such function" in low):
            return errors.ProgrammingError(msg, **kw)
        return self.translate_by_driver_class(exc, kw, msg)
