"""Creating and dropping MySQL/MariaDB databases (``activerecord db create|drop``).

The statements run on a connection that names no database, with the URL's
credentials and options: ``CREATE DATABASE `name` CHARACTER SET utf8mb4`` (the URL's
``charset``/``collation`` when it gives them) and ``DROP DATABASE `name```.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from activerecord import errors
from activerecord.connection.adapter import Adapter
from activerecord.connection.creation import DatabaseCreation
from activerecord.connection.url import DatabaseConfig

__all__ = ["MySQLCreation"]

_WORD = re.compile(r"^[A-Za-z0-9_]+$")  # a charset or collation name


class MySQLCreation(DatabaseCreation):
    """``CREATE DATABASE`` / ``DROP DATABASE`` on a MySQL or MariaDB server."""

    def create(self, config: DatabaseConfig) -> None:
        """Create the database ``config`` names, in ``utf8mb4`` (or the URL's
        ``charset``, and its ``collation`` when given).

        Raises:
            activerecord.errors.DatabaseError: it already exists, or the server refuses.
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self.server_connection(self._server(config)) as (adapter, conn):
            if self._exists_on(adapter, conn, name):
                raise errors.DatabaseError(f"database {config.safe_url()} already exists")
            self.run(adapter, conn, f"CREATE DATABASE {adapter.dialect.quote_identifier(name)}"
                                    f"{self._charset(config)}")

    def drop(self, config: DatabaseConfig) -> None:
        """Drop the database ``config`` names.

        Raises:
            activerecord.errors.DatabaseError: it does not exist, or the server refuses.
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self.server_connection(self._server(config)) as (adapter, conn):
            if not self._exists_on(adapter, conn, name):
                raise errors.DatabaseError(f"database {config.safe_url()} does not exist")
            self.run(adapter, conn, f"DROP DATABASE {adapter.dialect.quote_identifier(name)}")

    def exists(self, config: DatabaseConfig) -> bool:
        """Return whether the database ``config`` names exists on the server.

        Raises:
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self.server_connection(self._server(config)) as (adapter, conn):
            return self._exists_on(adapter, conn, name)

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _server(config: DatabaseConfig) -> DatabaseConfig:
        return dataclasses.replace(config, database=None)

    @staticmethod
    def _charset(config: DatabaseConfig) -> str:
        charset = config.query.get("charset") or "utf8mb4"
        collation = config.query.get("collation")
        for word in (charset, collation):
            if word is not None and not _WORD.match(word):
                raise errors.ConfigurationError(f"bad charset or collation {word!r} in "
                                                f"{config.safe_url()}")
        return f" CHARACTER SET {charset}" + (f" COLLATE {collation}" if collation else "")

    def _exists_on(self, adapter: Adapter, conn: Any, name: str) -> bool:
        rows = self.run(adapter, conn, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                                       "WHERE SCHEMA_NAME = %s", (name,))
        return bool(rows)
