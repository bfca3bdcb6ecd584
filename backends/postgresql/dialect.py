"""PostgreSQL's spelling of the dialect hooks.

PostgreSQL quotes identifiers with double quotes (section 4.1.1 of the manual). psycopg's
paramstyle is ``format`` (``%s``), so the base Dialect writes a literal ``%`` in names and
raw fragments as ``%%``; the adapter always hands psycopg a parameter sequence (possibly
empty), which is what makes psycopg turn ``%%`` back into ``%``. Case-insensitive LIKE is
the native ``ILIKE`` (section 9.7.1), which also uses a trigram index where one exists,
unlike ``LOWER(x) LIKE LOWER(y)``. ``NULLS FIRST/LAST``, ``RETURNING``, standard
savepoints and ``INSERT ... DEFAULT VALUES`` need nothing beyond the base class. A
model's ``"schema.table"`` name is split into ``"schema"."table"`` (section 5.9).
Arrays have the containment operators ``@>``/``<@``/``&&`` (``Column.contains([...])``).
A row-value IN (composite keys) is written ``IN (VALUES ...)``, as on SQLite.
"""

from __future__ import annotations

from activerecord.connection.dialect import Dialect
from activerecord.errors import ConfigurationError

__all__ = ["PostgreSQLDialect"]

_CONTAINMENT = {"contains": "@>", "contained_by": "<@", "overlaps": "&&"}


class PostgreSQLDialect(Dialect):
    """Dialect hooks for PostgreSQL."""

    name = "postgresql"
    paramstyle = "format"
    quote_char = '"'
    supports_schemas = True

    def begin_isolated(self, level: str) -> tuple[str, ...]:
        # BEGIN takes the level itself (manual, "BEGIN" and "SET TRANSACTION");
        # READ UNCOMMITTED behaves as READ COMMITTED there (section 13.2).
        return (f"BEGIN ISOLATION LEVEL {level.upper()}",)

    def split_table_name(self, name: str) -> tuple[str | None, str]:
        """Split ``"schema.table"`` at the first dot, as Rails' PostgreSQL
        ``Utils.extract_schema_qualified_name`` does; an unqualified name is found along
        the ``search_path``. Raises ConfigurationError for an empty part (``"s."``)."""
        schema, dot, table = name.partition(".")
        if not dot:
            return None, name
        if not schema or not table:
            raise ConfigurationError(
                f"table name {name!r}: give it as 'schema.table' (both parts non-empty)")
        return schema, table

    #: ``bigint`` is the widest integer type (section 8.1.1); there is no unsigned one.
    integer_range = (-2**63, 2**63 - 1)

    #: "NULLS FIRST is the default for DESC order, and NULLS LAST otherwise" (manual,
    #: SELECT, "ORDER BY Clause"): NULL sorts above every value.
    nulls_sort_high = True

    def ilike(self, left: str, right: str, negate: bool = False) -> str:
        return f"{left} {'NOT ILIKE' if negate else 'ILIKE'} {right}"

    def row_in(self, left: str, rows: list[str], negate: bool = False) -> str:
        """``(a, b) [NOT] IN (VALUES (?, ?), ...)``. PostgreSQL turns a row-value IN
        *list* into a nested OR of row comparisons, which near 10,000 rows exceeds
        ``max_stack_depth`` ("stack depth limit exceeded"); a VALUES list is a table
        (manual, "VALUES"), read row by row and joined as a hashed semi-join. Its column
        types come from its rows (section 10.5): ``ModelSchema.rows_in`` casts the first
        row where a text parameter would not do (``Type.values_cast``). A one-column
        IN list becomes ``= ANY(array)``, which has no such depth."""
        return f"{left} {'NOT IN' if negate else 'IN'} (VALUES {', '.join(rows)})"

    def containment(self, kind: str, left: str, right: str) -> str:
        """The array operators ``@>``, ``<@`` and ``&&`` (section 9.19, "Array
        Functions and Operators"; ``jsonb`` has ``@>``/``<@`` too, section 9.16)."""
        return f"{left} {_CONTAINMENT[kind]} {right}"
