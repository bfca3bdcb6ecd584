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
from activerecord.connection.creation import ServerDatabaseCreation
from activerecord.connection.url import DatabaseConfig

__all__ = ["PostgreSQLCreation", "MAINTENANCE_DATABASES"]

#: The databases connected to for CREATE/DROP DATABASE, in the order tried.
MAINTENANCE_DATABASES = ("postgres", "template1")


class PostgreSQLCreation(ServerDatabaseCreation):
    """``CREATE DATABASE "name"`` / ``DROP DATABASE "name"`` on the server (its default
    template and encoding), from a maintenance database."""

    exists_sql = "SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s"

    @contextmanager
    def maintenance(self, config: DatabaseConfig) -> Iterator[tuple[Adapter, Any]]:
        """A connection to the first of :data:`MAINTENANCE_DATABASES` that accepts it,
        closed afterwards (Rails falls back to ``template1`` the same way).

        Raises:
            activerecord.errors.ConnectionError: none of them can be reached.
        """
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
