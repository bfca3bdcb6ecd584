"""MySQL's and MariaDB's spelling of the dialect hooks.

* Identifiers are quoted with backquotes (manual 11.2 "Schema Object Names"; the
  ``ANSI_QUOTES`` sql_mode is not assumed).
* PyMySQL's paramstyle is ``format`` (``%s``): it interpolates the escaped values into
  the statement with Python's ``%`` operator whenever it is given parameters, so a
  literal ``%`` in SQL text is written ``%%`` (the base Dialect's ``escape_text``) and
  the adapter always passes a parameter sequence, even an empty one.
* There is no ``OFFSET`` without ``LIMIT``: the manual (13.2.13 "SELECT Statement")
  says to use a very large row count; the manual's 18446744073709551615 (2**64 - 1)
  overflows when MariaDB adds the offset to it, which empties a grouped, LEFT JOINed
  derived table inside ``IN`` (10.11: ``x IN (SELECT ... FROM (SELECT ... LEFT JOIN
  ... GROUP BY ... LIMIT 18446744073709551615 OFFSET 1) t)`` matches nothing, the
  page of an ``eager_load``), so the largest BIGINT, 2**63 - 1, is used.
* An INSERT of all defaults is ``INSERT INTO t () VALUES ()`` (no ``DEFAULT VALUES``).
* ``LIKE`` follows the column collation (case-insensitive for ``*_ci``, sensitive for
  ``*_bin`` and binary strings), so ``ilike`` keeps the base ``LOWER() LIKE LOWER()``.
* No ``NULLS FIRST/LAST``: the base emulation with ``CASE`` is used.
* ``INSERT ... RETURNING`` exists on MariaDB >= 10.5 only (``features``); savepoints
  are standard SQL (``SAVEPOINT``, ``RELEASE SAVEPOINT``, ``ROLLBACK TO SAVEPOINT``).
* Upserts are ``ON DUPLICATE KEY UPDATE c = VALUES(c)`` (manual 13.2.7.2): there is no
  conflict target (any unique key triggers it) and no ``DO NOTHING``, so skipping a
  duplicate assigns a key column to itself, as Rails does (``INSERT IGNORE`` would also
  turn other errors into warnings). ``VALUES()`` is what MariaDB documents; MySQL
  8.0.20+ deprecates it in favour of a row alias but still accepts it.
"""

from __future__ import annotations

from activerecord.connection.dialect import Dialect

__all__ = ["MySQLDialect", "MAX_LIMIT"]

#: "LIMIT with no limit" in MySQL: the largest BIGINT (2**63 - 1), so that adding an
#: offset cannot overflow MariaDB's unsigned 64-bit row count (see the module doc).
MAX_LIMIT = 9223372036854775807


class MySQLDialect(Dialect):
    """Dialect hooks for MySQL >= 5.7 and MariaDB >= 10.3."""

    name = "mysql"
    paramstyle = "format"
    quote_char = "`"
    begin_sql = "BEGIN"
    binary_type = "BINARY"  # the *_ci collations compare case-insensitively

    def limit_offset(self, limit: int | None, offset: int | None) -> tuple[str, list]:
        if limit is None and offset:
            return f" LIMIT {MAX_LIMIT} OFFSET %s", [offset]
        return super().limit_offset(limit, offset)

    def lock_clause(self, share: bool, nowait: bool, skip_locked: bool,
                    of: tuple[str, ...]) -> str:
        # MariaDB has no FOR SHARE: LOCK IN SHARE MODE (which MySQL 8 still accepts),
        # followed by NOWAIT / SKIP LOCKED as for FOR UPDATE (MariaDB 10.3 / 10.6,
        # MySQL 8.0; manual "SELECT", "Locking Reads").
        if not share:
            return super().lock_clause(share, nowait, skip_locked, of)
        sql = super().lock_clause(share, nowait, skip_locked, of)
        return sql.replace("FOR SHARE", "LOCK IN SHARE MODE", 1)

    def insert_default_values(self, table_sql: str) -> str:
        return f"INSERT INTO {table_sql} () VALUES ()"

    def upsert_clause(self, target: list[str], update: list[str],
                      noop: str | None = None) -> str:
        if not update:
            return f" ON DUPLICATE KEY UPDATE {noop} = {noop}"
        return " ON DUPLICATE KEY UPDATE " + ", ".join(f"{c} = VALUES({c})" for c in update)
