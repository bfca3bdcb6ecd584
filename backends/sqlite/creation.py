"""Creating and dropping SQLite databases: the file (``activerecord db create|drop``).

``create`` makes an empty database file (and its folder); ``drop`` deletes the file
with its ``-wal``, ``-shm`` and ``-journal`` companions and the ``-migrations.lock``
file the migrations lock (``SQLiteSchemaEditor.migration_lock``). An in-memory
database (or a ``file:`` URI) has no file to make: both refuse it.
"""

from __future__ import annotations

import os

from activerecord import errors
from activerecord.connection.creation import DatabaseCreation
from activerecord.connection.url import DatabaseConfig

__all__ = ["SQLiteCreation"]

#: The files kept beside a database: SQLite's (write-ahead log, shared memory,
#: journal) and the migrations' lock file (backends/sqlite/schema_editor.py).
COMPANIONS = ("-wal", "-shm", "-journal", "-migrations.lock")


class SQLiteCreation(DatabaseCreation):
    """Makes and deletes SQLite database files."""

    def create(self, config: DatabaseConfig) -> None:
        """Create the empty database file of ``config`` (and its folders).

        Raises:
            activerecord.errors.DatabaseError: the file exists already.
            activerecord.errors.NotSupportedError: an in-memory database or URI.
            activerecord.errors.OperationalError: the file cannot be written.
        """
        path = self._path(config, "create")
        if os.path.exists(path):
            raise errors.DatabaseError(f"database {config.safe_url()} already exists "
                                       f"(the file {path})")
        sqlite3 = self.adapter.dbapi  # the driver, imported at first use
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            conn = sqlite3.connect(path)
            try:
                conn.execute("VACUUM")  # writes the file's header: a valid database
            finally:
                conn.close()
        except (OSError, sqlite3.Error) as exc:
            raise errors.OperationalError(f"cannot create SQLite database {path}: "
                                          f"{exc}") from exc

    def drop(self, config: DatabaseConfig) -> None:
        """Delete the database file of ``config`` and its companions.

        Raises:
            activerecord.errors.DatabaseError: there is no such file.
            activerecord.errors.NotSupportedError: an in-memory database or URI.
            activerecord.errors.OperationalError: the file cannot be deleted.
        """
        path = self._path(config, "drop")
        if not os.path.isfile(path):
            raise errors.DatabaseError(f"database {config.safe_url()} does not exist "
                                       f"(no file {path})")
        try:
            os.remove(path)
            for suffix in COMPANIONS:
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        except OSError as exc:
            raise errors.OperationalError(f"cannot delete SQLite database {path}: "
                                          f"{exc}") from exc

    def exists(self, config: DatabaseConfig) -> bool:
        """Return whether the database file exists (an in-memory one always does)."""
        if config.path is None:
            return True
        return os.path.isfile(config.path)

    @staticmethod
    def _path(config: DatabaseConfig, what: str) -> str:
        if config.path is None:
            raise errors.NotSupportedError(
                f"cannot {what} {config.safe_url()}: an in-memory database (or a file: "
                "URI) has no file to make or delete")
        return config.path
