"""Creating and dropping MySQL/MariaDB databases (``activerecord db create|drop``).

The statements run on a connection that names no database, with the URL's
credentials and options: ``CREATE DATABASE `name` CHARACTER SET utf8mb4`` (the URL's
``charset``/``collation`` when it gives them) and ``DROP DATABASE `name```.
"""

from __future__ import annotations

import re

from activerecord import errors
from activerecord.connection.creation import ServerDatabaseCreation
from activerecord.connection.url import DatabaseConfig

__all__ = ["MySQLCreation"]

_WORD = re.compile(r"^[A-Za-z0-9_]+$")  # a charset or collation name


class MySQLCreation(ServerDatabaseCreation):
    """``CREATE DATABASE`` / ``DROP DATABASE`` on a MySQL or MariaDB server (a
    connection naming no database), in ``utf8mb4`` or the URL's ``charset`` and
    ``collation``."""

    exists_sql = ("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                  "WHERE SCHEMA_NAME = %s")

    def create_options(self, config: DatabaseConfig) -> str:
        """`` CHARACTER SET x [COLLATE y]`` from the URL (``utf8mb4`` by default).

        Raises:
            activerecord.errors.ConfigurationError: a charset or collation that is not
                a plain name.
        """
        charset = config.query.get("charset") or "utf8mb4"
        collation = config.query.get("collation")
        for word in (charset, collation):
            if word is not None and not _WORD.match(word):
                raise errors.ConfigurationError(f"bad charset or collation {word!r} in "
                                                f"{config.safe_url()}")
        return f" CHARACTER SET {charset}" + (f" COLLATE {collation}" if collation else "")
