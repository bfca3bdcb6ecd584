"""Creating and dropping PostgreSQL databases (``activerecord db create|drop``).

The statements run on a connection to the maintenance database ``postgres`` (or
``template1`` when ``postgres`` cannot be reached, as Rails does), with the URL's
credentials and options; ``CREATE DATABASE`` and ``DROP DATABASE`` cannot run inside
a transaction, and the connection is in autocommit mode. Names are quoted
identifiers: ``"MyApp"`` keeps its case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from activerecord import errors
from activerecord.connection.adapter import Adapter
from activerecord.connection.creation import DatabaseCreation
from activerecord.connection.url import DatabaseConfig

__all__ = ["PostgreSQLCreation", "MAINTENANCE_DATABASES"]

#: The databases connected to for CREATE/DROP DATABASE, in the order tried.
MAINTENANCE_DATABASES = ("postgres", "template1")


class PostgreSQLCreation(DatabaseCreation):
    """``CREATE DATABASE "name"`` / ``DROP DATABASE "name"`` on the server."""

    def create(self, config: DatabaseConfig) -> None:
        """Create the database ``config`` names (the server's default template and
        encoding).

        Raises:
            activerecord.errors.DatabaseError: it already exists, or the server
                refuses (no CREATEDB privilege).
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self._maintenance(config) as (adapter, conn):
            if self._exists_on(adapter, conn, name):
                raise errors.DatabaseError(f"database {config.safe_url()} already exists")
            self.run(adapter, conn, f"CREATE DATABASE {adapter.dialect.quote_identifier(name)}")

    def drop(self, config: DatabaseConfig) -> None:
        """Drop the database ``config`` names.

        Raises:
            activerecord.errors.DatabaseError: it does not exist, or the server refuses
                (other sessions are connected to it: the message says so).
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self._maintenance(config) as (adapter, conn):
            if not self._exists_on(adapter, conn, name):
                raise errors.DatabaseError(f"database {config.safe_url()} does not exist")
            self.run(adapter, conn, f"DROP DATABASE {adapter.dialect.quote_identifier(name)}")

    def exists(self, config: DatabaseConfig) -> bool:
        """Return whether the database ``config`` names exists on the server.

        Raises:
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self._maintenance(config) as (adapter, conn):
            return self._exists_on(adapter, conn, name)

    # -- helpers -----------------------------------------------------------------------
    @contextmanager
    def _maintenance(self, config: DatabaseConfig) -> Iterator[tuple[Adapter, Any]]:
        # A connection to the first maintenance database that accepts it, closed after.
        failure: errors.ConnectionError | None = None
        for maintenance in MAINTENANCE_DATABASES:
            adapter = self.server_adapter(dataclasses.replace(config, database=maintenance))
            try:
                conn = adapter.connect()
            except errors.ConnectionError as exc:
                failure = failure or exc
                continue
            try:
                yield adapter, conn
            finally:
                adapter.close(conn)
            return
        assert failure is not None
        raise failure

    def _exists_on(self, adapter: Adapter, conn: Any, name: str) -> bool:
        rows = self.run(adapter, conn, "SELECT 1 FROM pg_catalog.pg_database "
                                       "WHERE datname = %s", (name,))
        return bool(rows)
