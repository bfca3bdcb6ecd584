"""Creating and dropping the database a URL names (``activerecord db create|drop``).

Each backend subclasses :class:`DatabaseCreation` in its ``creation.py`` (Django's
``BaseDatabaseCreation``, Rails' ``DatabaseTasks``) and names it as its adapter's
``creation_class``: SQLite makes and deletes the file, PostgreSQL and MySQL/MariaDB
send ``CREATE DATABASE``/``DROP DATABASE`` on a connection to the server that names no
database (PostgreSQL's maintenance database ``postgres``). The server backends open
that connection with an adapter of their own class (same credentials, options and
timeouts), so connection errors read as everywhere else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, DatabaseError, NotSupportedError

if TYPE_CHECKING:
    from .adapter import Adapter
    from .url import DatabaseConfig

__all__ = ["DatabaseCreation", "ServerDatabaseCreation"]


class DatabaseCreation:
    """Creates, drops and looks for one backend's databases.

    Args:
        adapter: an adapter of the backend (its class and connect options are used to
            reach the server; its own database is not connected).

    The base class supports nothing: every method raises NotSupportedError naming the
    adapter.
    """

    def __init__(self, adapter: Adapter):
        self.adapter = adapter

    def create(self, config: DatabaseConfig) -> None:
        """Create the database ``config`` names.

        Raises:
            activerecord.errors.DatabaseError: it already exists (the message says so)
                or the server refuses.
            NotSupportedError: the backend cannot create databases.
        """
        raise self._unsupported("create")

    def drop(self, config: DatabaseConfig) -> None:
        """Drop the database ``config`` names, and all its data.

        Raises:
            activerecord.errors.DatabaseError: it does not exist (the message says so),
                or the server refuses (PostgreSQL: other sessions are connected to it).
            NotSupportedError: the backend cannot drop databases.
        """
        raise self._unsupported("drop")

    def exists(self, config: DatabaseConfig) -> bool:
        """Return whether the database ``config`` names exists.

        Raises:
            NotSupportedError: the backend cannot tell.
        """
        raise self._unsupported("look for")

    # -- helpers for the server backends --------------------------------------------
    @staticmethod
    def database_name(config: DatabaseConfig) -> str:
        """The database ``config`` names. Raises ConfigurationError when it names none."""
        if not config.database:
            raise ConfigurationError(f"the URL {config.safe_url()} names no database")
        return config.database

    def _unsupported(self, what: str) -> NotSupportedError:
        return NotSupportedError(f"the {self.adapter.name} adapter cannot {what} "
                                 "databases")

    def server_adapter(self, config: DatabaseConfig) -> Adapter:
        """An adapter of this backend's class for ``config`` (a config naming the
        maintenance database, or none), with the adapter's options."""
        return type(self.adapter)(config, self.adapter.options)

    @contextmanager
    def server_connection(self, config: DatabaseConfig) -> Iterator[tuple[Adapter, Any]]:
        """Yield ``(adapter, connection)``: an autocommit driver connection opened by
        :meth:`server_adapter` for ``config``, closed afterwards.

        Raises:
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        adapter = self.server_adapter(config)
        conn = adapter.connect()
        try:
            yield adapter, conn
        finally:
            adapter.close(conn)

    @staticmethod
    def run(adapter: Adapter, conn: Any, sql: str, params: tuple = ()) -> list[tuple]:
        """Run ``sql`` on ``conn`` (the driver's placeholders) and return its rows;
        a driver error is raised as ``adapter.translate_error`` makes it."""
        try:
            cur = adapter.execute(conn, sql, params)
            try:
                return [tuple(r) for r in cur.fetchall()] if cur.description else []
            finally:
                cur.close()
        except adapter.driver_errors as exc:
            raise adapter.translate_error(exc, sql, params) from exc


class ServerDatabaseCreation(DatabaseCreation):
    """Creation for a database server: ``CREATE DATABASE``/``DROP DATABASE`` (the name
    a quoted identifier) on a connection that names no database of the URL, after
    looking the name up in the server's catalog (Rails' ``DatabaseTasks``).

    What a backend declares:
        exists_sql: the catalog query (one ``%s``: the name) answering a row when the
            database exists.
        maintenance(config): the connection to send them on (default: the URL without
            its database, through :meth:`server_connection`).
        create_options(config): text after ``CREATE DATABASE name`` (default none).
    """

    exists_sql: str = ""

    @contextmanager
    def maintenance(self, config: DatabaseConfig) -> Iterator[tuple[Adapter, Any]]:
        """Yield ``(adapter, connection)`` for the statements, closed afterwards.

        Raises:
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        with self.server_connection(dataclasses.replace(config, database=None)) as pair:
            yield pair

    def create_options(self, config: DatabaseConfig) -> str:
        """The text after ``CREATE DATABASE "name"`` (a leading space), or ``""``."""
        return ""

    def create(self, config: DatabaseConfig) -> None:
        """Create the database ``config`` names.

        Raises:
            activerecord.errors.DatabaseError: it already exists, or the server refuses.
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self.maintenance(config) as (adapter, conn):
            if self._exists_on(adapter, conn, name):
                raise DatabaseError(f"database {config.safe_url()} already exists")
            self.run(adapter, conn, f"CREATE DATABASE {adapter.dialect.quote_identifier(name)}"
                                    f"{self.create_options(config)}")

    def drop(self, config: DatabaseConfig) -> None:
        """Drop the database ``config`` names, and all its data.

        Raises:
            activerecord.errors.DatabaseError: it does not exist, or the server refuses
                (PostgreSQL: other sessions are connected to it; the message says so).
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self.maintenance(config) as (adapter, conn):
            if not self._exists_on(adapter, conn, name):
                raise DatabaseError(f"database {config.safe_url()} does not exist")
            self.run(adapter, conn, f"DROP DATABASE {adapter.dialect.quote_identifier(name)}")

    def exists(self, config: DatabaseConfig) -> bool:
        """Return whether the database ``config`` names exists on the server.

        Raises:
            activerecord.errors.ConnectionError: the server cannot be reached.
        """
        name = self.database_name(config)
        with self.maintenance(config) as (adapter, conn):
            return self._exists_on(adapter, conn, name)

    def _exists_on(self, adapter: Adapter, conn: Any, name: str) -> bool:
        return bool(self.run(adapter, conn, self.exists_sql, (name,)))
