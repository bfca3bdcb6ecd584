"""SQLite's spelling of the dialect hooks.

SQLite quotes identifiers with double quotes and takes ``?`` placeholders (sqlite3's
paramstyle is ``qmark``). ``OFFSET`` needs a ``LIMIT``; ``LIMIT -1`` means no limit
(https://www.sqlite.org/lang_select.html#limitoffset). NULLS FIRST/LAST exist since
3.30.0, RETURNING since 3.35.0 (flags in ``Features``). A plain ``EXPLAIN`` shows the
bytecode; the plan is ``EXPLAIN QUERY PLAN`` (https://www.sqlite.org/eqp.html).
Row values (``(a, b) IN (VALUES (?, ?), ...)``, for composite keys) need 3.15.
"""

from __future__ import annotations

from activerecord.connection.dialect import Dialect

__all__ = ["SQLiteDialect"]


class SQLiteDialect(Dialect):
    """Dialect hooks for SQLite 3."""

    name = "sqlite"
    paramstyle = "qmark"
    quote_char = '"'
    begin_sql = "BEGIN IMMEDIATE"  # take the write lock at BEGIN: no upgrade deadlocks

    def lock_clause(self, share: bool, nowait: bool, skip_locked: bool,
                    of: tuple[str, ...]) -> str:
        # SQLite has no row locks: the database file's lock serializes writers, and
        # every transaction here begins with BEGIN IMMEDIATE (the write lock), so a
        # locking read inside a transaction already holds the database (a no-op).
        return ""

    def begin_isolated(self, level: str) -> tuple[str, ...]:
        # SQLite transactions are serializable whatever is asked
        # (https://www.sqlite.org/isolation.html; READ UNCOMMITTED needs a shared cache,
        # which this adapter never opens): every level begins as any transaction.
        return (self.begin_sql,)

    def limit_offset(self, limit: int | None, offset: int | None) -> tuple[str, list]:
        if limit is None and offset:
            return " LIMIT -1 OFFSET ?", [offset]
        return super().limit_offset(limit, offset)

    #: INTEGER is a signed 64-bit value (https://www.sqlite.org/datatype3.html); the
    #: sqlite3 module cannot bind a larger Python int (OverflowError).
    integer_range = (-2**63, 2**63 - 1)

    def explain(self, sql: str) -> str:
        return "EXPLAIN QUERY PLAN " + sql

    def row_in(self, left: str, rows: list[str], negate: bool = False) -> str:
        # "the right-hand side of a row-value IN must be a subquery"
        # (https://www.sqlite.org/rowvalue.html): VALUES is one.
        return f"{left} {'NOT IN' if negate else 'IN'} (VALUES {', '.join(rows)})"
