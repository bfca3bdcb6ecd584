"""Dialect hooks: the small pieces of SQL text that differ between databases.

The neutral compiler (``activerecord.sql.compiler``, through its ``DialectHooks``
protocol) asks its dialect for quoting, placeholders, LIMIT/OFFSET, RETURNING,
case-insensitive LIKE, NULLS ordering, the upsert clause, EXPLAIN, row-value IN and
array tests; the transaction objects ask it for the BEGIN/COMMIT/savepoint statements.
The defaults here are standard SQL; each backend subclasses :class:`Dialect` and
overrides only what its database spells differently.
"""

from __future__ import annotations

from ..errors import NotSupportedError
from .features import Features

__all__ = ["Dialect", "ISOLATION_LEVELS"]

#: The transaction isolation levels ``transaction(isolation=...)`` takes, as the SQL
#: standard names them (Rails' ``:read_uncommitted`` ... ``:serializable``).
ISOLATION_LEVELS = ("read uncommitted", "read committed", "repeatable read", "serializable")


class Dialect:
    """Standard-SQL spelling; backends override what differs.

    Attributes:
        name: the backend name (``"sqlite"``, ``"postgresql"``, ``"mysql"``).
        paramstyle: the driver's PEP 249 paramstyle, ``"qmark"`` (``?``) or
            ``"format"`` (``%s``; literal ``%`` must then be written ``%%``).
        quote_char: the identifier quote character.
        supports_schemas: whether a table name ``"schema.table"`` names a table of
            another schema (PostgreSQL); elsewhere the dot is part of the name.
        binary_type: the type both sides of a comparison are cast to for it to be
            case-sensitive where the default collations are not (MySQL/MariaDB:
            ``BINARY``, as Rails' ``case_sensitive_comparison``); None where ``=``
            already compares case-sensitively (SQLite, PostgreSQL).
        features: the connected server's :class:`Features` (defaults until connect).
    """

    name = "generic"
    paramstyle = "qmark"
    quote_char = '"'
    supports_schemas = False
    binary_type: str | None = None

    def __init__(self, features: Features | None = None):
        self.features = features or Features()
        self.placeholder = "%s" if self.paramstyle == "format" else "?"
        self.escape_percent = self.paramstyle in ("format", "pyformat")

    # -- identifiers and text ------------------------------------------------------
    def quote_name(self, name: str) -> str:
        """Return ``name`` quoted as one identifier (inner quotes doubled), as plain SQL
        text: use it in SQL given to ``Database.execute``, which escapes ``%`` itself.

        Raises ValueError for an empty name or one containing a NUL character.
        """
        if not isinstance(name, str) or not name or "\x00" in name:
            raise ValueError(f"invalid identifier: {name!r}")
        q = self.quote_char
        return q + name.replace(q, q + q) + q

    def split_table_name(self, name: str) -> tuple[str | None, str]:
        """Return ``(schema, table)`` for a model's table name; ``schema`` is ``None``
        for an unqualified one. Here (no schemas) the whole name is the table."""
        return None, name

    def quote_identifier(self, name: str) -> str:
        """Return ``name`` quoted and ready for the driver: like :meth:`quote_name`,
        with ``%`` doubled for format-paramstyle drivers (what the compiler emits)."""
        return self.escape_text(self.quote_name(name))

    def escape_text(self, text: str) -> str:
        """Return SQL text safe for the driver's paramstyle (``%`` -> ``%%`` for format)."""
        return text.replace("%", "%%") if self.escape_percent else text

    # -- clauses -------------------------------------------------------------------
    def limit_offset(self, limit: int | None, offset: int | None) -> tuple[str, list]:
        """Return the LIMIT/OFFSET clause (leading space) and its bound parameters."""
        sql, params = "", []
        if limit is not None:
            sql += f" LIMIT {self.placeholder}"
            params.append(limit)
        if offset:
            sql += f" OFFSET {self.placeholder}"
            params.append(offset)
        return sql, params

    def returning(self, columns_sql: list[str]) -> str:
        """Return a RETURNING clause (leading space) for already quoted columns."""
        return " RETURNING " + ", ".join(columns_sql)

    def insert_default_values(self, table_sql: str) -> str:
        """Return an INSERT of one row of all defaults into the quoted table."""
        return f"INSERT INTO {table_sql} DEFAULT VALUES"

    def ilike(self, left: str, right: str, negate: bool = False) -> str:
        """Return a case-insensitive LIKE of two compiled operands."""
        op = "NOT LIKE" if negate else "LIKE"
        return f"LOWER({left}) {op} LOWER({right})"

    #: Whether NULL sorts above every value when an order says nothing of NULLs
    #: (PostgreSQL: "NULLS LAST is the default for ASC"); SQLite and MySQL sort it
    #: below (first ascending).
    nulls_sort_high = False

    def order_nulls(self, expr: str, direction: str, nulls: str | None) -> str:
        """Return one ORDER BY item; ``nulls`` is ``"first"``, ``"last"`` or ``None``.

        Emulated portably as ``(expr IS NULL) DESC|ASC, expr dir`` unless the server
        supports ``NULLS FIRST/LAST`` natively (``features.supports_nulls_ordering``).
        """
        if nulls is None:
            return f"{expr} {direction}"
        if self.features.supports_nulls_ordering:
            return f"{expr} {direction} NULLS {nulls.upper()}"
        flag = "DESC" if nulls == "first" else "ASC"
        return f"CASE WHEN {expr} IS NULL THEN 1 ELSE 0 END {flag}, {expr} {direction}"

    def upsert_clause(self, target: list[str], update: list[str],
                      noop: str | None = None) -> str:
        """Return what follows ``INSERT ... VALUES (...)`` to resolve a unique-key
        collision (leading space): update the ``update`` columns from the proposed row,
        or skip the row when ``update`` is empty. Names are already quoted.

        The default is the standard form SQLite (>= 3.24) and PostgreSQL (>= 9.5)
        share: ``ON CONFLICT (target) DO UPDATE SET c = excluded.c`` or
        ``ON CONFLICT [(target)] DO NOTHING``. ``noop`` (a key column) is for dialects
        that have no "do nothing" (MySQL assigns it to itself).
        """
        conflict = f" ON CONFLICT ({', '.join(target)})" if target else " ON CONFLICT"
        if not update:
            return conflict + " DO NOTHING"
        if not target:
            raise ValueError("an upsert that updates needs the unique columns (unique_by)")
        return conflict + " DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in update)

    def explain(self, sql: str) -> str:
        """Return the statement that shows the query plan of ``sql`` (``EXPLAIN sql``;
        SQLite overrides it with ``EXPLAIN QUERY PLAN``)."""
        return "EXPLAIN " + sql

    # -- conditions ----------------------------------------------------------------
    #: The smallest and largest integer any integer column of the database holds
    #: (default: 64-bit, up to MySQL's ``BIGINT UNSIGNED``). An int outside it cannot
    #: equal a stored value, so a condition with it is decided without binding it
    #: (SQLite's driver cannot even bind one: ``OverflowError``).
    integer_range: tuple[int, int] = (-2**63, 2**64 - 1)

    def row_in(self, left: str, rows: list[str], negate: bool = False) -> str:
        """Return ``left [NOT] IN (rows)`` for a compiled row value ``(a, b)`` and
        compiled rows ``(?, ?)`` (standard SQL row-value IN; SQLite takes ``VALUES``)."""
        return f"{left} {'NOT IN' if negate else 'IN'} ({', '.join(rows)})"

    def containment(self, kind: str, left: str, right: str) -> str:
        """Return the array test ``kind`` (``"contains"``, ``"contained_by"``,
        ``"overlaps"``) of two compiled operands. Only databases with array operators
        (PostgreSQL's ``@>``, ``<@``, ``&&``) override it.

        Raises NotSupportedError, naming the database."""
        raise NotSupportedError(
            f"{kind}() of a list compares arrays, which {self.name} does not have "
            "(PostgreSQL does); compare with in_()/where(col=[...]) instead")

    # -- transactions --------------------------------------------------------------
    begin_sql = "BEGIN"
    commit_sql = "COMMIT"
    rollback_sql = "ROLLBACK"

    def lock_clause(self, share: bool, nowait: bool, skip_locked: bool,
                    of: tuple[str, ...]) -> str:
        """Return the row-locking clause ending a SELECT: ``FOR UPDATE`` or ``FOR
        SHARE``, ``OF`` the quoted tables ``of``, then ``NOWAIT`` or ``SKIP LOCKED``,
        as PostgreSQL writes it (manual, SELECT, "The Locking Clause") and MySQL 8.

        Raises NotSupportedError for ``of`` where ``features.supports_lock_of`` is
        false (before any SQL)."""
        sql = "FOR SHARE" if share else "FOR UPDATE"
        if of:
            if not self.features.supports_lock_of:
                raise NotSupportedError(
                    f"{self.name} ({'.'.join(map(str, self.features.server_version))}) "
                    "has no FOR UPDATE OF: lock the rows of every table of the query")
            sql += " OF " + ", ".join(of)
        if nowait:
            sql += " NOWAIT"
        elif skip_locked:
            sql += " SKIP LOCKED"
        return sql

    def begin_isolated(self, level: str) -> tuple[str, ...]:
        """Return the statements that begin a transaction at isolation ``level``, one
        of :data:`ISOLATION_LEVELS` (checked by the caller): the SQL standard's ``SET
        TRANSACTION ISOLATION LEVEL`` for the next transaction, then ``BEGIN`` (MySQL
        and MariaDB: it applies to the next transaction only). PostgreSQL and SQLite
        override it."""
        return (f"SET TRANSACTION ISOLATION LEVEL {level.upper()}", self.begin_sql)

    def savepoint(self, name: str) -> str:
        """Return the statement that sets savepoint ``name``."""
        return f"SAVEPOINT {self.quote_identifier(name)}"

    def release_savepoint(self, name: str) -> str:
        """Return the statement that releases savepoint ``name``."""
        return f"RELEASE SAVEPOINT {self.quote_identifier(name)}"

    def rollback_to_savepoint(self, name: str) -> str:
        """Return the statement that rolls back to savepoint ``name``."""
        return f"ROLLBACK TO SAVEPOINT {self.quote_identifier(name)}"
