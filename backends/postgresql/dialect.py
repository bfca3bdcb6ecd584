"""PostgreSQL's spelling of the dialect hooks.

PostgreSQL quotes identifiers with double quotes (section 4.1.1 of the manual). psycopg's
paramstyle is ``format`` (``%s``), so the base Dialect writes a literal ``%`` in names and
raw fragments as ``%%``; the adapter always hands psycopg a parameter sequence (possibly
empty), which is what makes psycopg turn ``%%`` back into ``%``. Case-insensitive LIKE is
the native ``ILIKE`` (section 9.7.1), which also uses a trigram index where one exists,
unlike ``LOWER(x) LIKE LOWER(y)``. ``NULLS FIRST/LAST``, ``RETURNING``, standard
savepoints and ``INSERT ... DEFAULT VALUES`` need nothing beyond the base class.
"""

from __future__ import annotations

from activerecord.connection.dialect import Dialect

__all__ = ["PostgreSQLDialect"]


class PostgreSQLDialect(Dialect):
    """Dialect hooks for PostgreSQL."""

    name = "postgresql"
    paramstyle = "format"
    quote_char = '"'

    def ilike(self, left: str, right: str, negate: bool = False) -> str:
        return f"{left} {'NOT ILIKE' if negate else 'ILIKE'} {right}"
