"""The one neutral SQL compiler: node tree -> ``(sql, params)`` for a dialect.

Every SQL string the ORM sends is assembled here; the dialect supplies quoting,
placeholders, LIMIT/OFFSET, RETURNING, case-insensitive LIKE, NULLS ordering, the
upsert clause, EXPLAIN, row-value IN and array tests. What it asks of a dialect is
written down once, as the :class:`DialectHooks` protocol: the compiler (floor 1) never
imports ``connection/``, where ``Dialect`` implements it.
A backend that needs more may subclass :class:`Compiler` and name it as its adapter's
``compiler_class`` (docs/architecture.md), but the visitors below are standard SQL that
SQLite, PostgreSQL and MariaDB all accept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from . import nodes as n

__all__ = ["Compiler", "DialectHooks", "FUNCTIONS", "split_placeholders"]


class FeatureFlags(Protocol):
    """The server capabilities the compiler reads (``connection.features.Features``)."""

    @property
    def supports_returning(self) -> bool:
        """Whether ``INSERT ... RETURNING`` exists; without it the clause is left out."""


class DialectHooks(Protocol):
    """What the compiler asks of its dialect: the written contract between the two.

    ``connection.dialect.Dialect`` implements it in standard SQL and each backend
    overrides what its database spells differently (see that class for each hook's
    meaning). The compiler (floor 1) knows the dialect (floor 2) only through this
    interface, as SQLAlchemy's compiler knows ``engine.interfaces.Dialect``.
    """

    @property
    def placeholder(self) -> str:
        """The driver's bound-parameter marker (``?`` or ``%s``)."""

    @property
    def features(self) -> FeatureFlags:
        """The connected server's capabilities."""

    def quote_identifier(self, name: str) -> str:
        """``name`` quoted as one identifier, escaped for the driver."""

    def escape_text(self, text: str) -> str:
        """SQL text made safe for the driver's paramstyle (``%`` -> ``%%``)."""

    def lock_clause(self, share: bool, nowait: bool, skip_locked: bool,
                    of: tuple[str, ...]) -> str: ...

    def limit_offset(self, limit: int | None, offset: int | None) -> tuple[str, list]:
        """The LIMIT/OFFSET clause (leading space) and its bound parameters."""

    def returning(self, columns_sql: list[str]) -> str:
        """A RETURNING clause (leading space) for quoted columns."""

    def insert_default_values(self, table_sql: str) -> str:
        """An INSERT of one row of defaults into the quoted table."""

    def ilike(self, left: str, right: str, negate: bool = False) -> str:
        """A case-insensitive [NOT] LIKE of two compiled operands."""

    def order_nulls(self, expr: str, direction: str, nulls: str | None) -> str:
        """One ORDER BY item, NULLS FIRST/LAST native or emulated."""

    def upsert_clause(self, target: list[str], update: list[str],
                      noop: str | None = None) -> str:
        """What follows ``INSERT ... VALUES`` to resolve a unique-key collision."""

    def explain(self, sql: str) -> str:
        """The statement showing the query plan of ``sql``."""

    def row_in(self, left: str, rows: list[str], negate: bool = False) -> str:
        """A row-value ``(a, b) [NOT] IN (...)`` test."""

    def containment(self, kind: str, left: str, right: str) -> str:
        """An array test (contains, contained_by, overlaps); NotSupportedError where
        the database has no arrays."""

#: Functions a Func node may name (anything else is refused, so a user string can
#: never become a function call). ``TIME_TO_SEC`` is MySQL's, for ``Type.sum_function``.
FUNCTIONS = frozenset({"COUNT", "SUM", "AVG", "MIN", "MAX", "LOWER", "UPPER",
                       "COALESCE", "LENGTH", "ABS", "TIME_TO_SEC"})
_OPERATORS = frozenset({"=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/"})
_CONTAINMENT = frozenset({"contains", "contained_by", "overlaps"})
# A type name as catalogs spell it: integer[], character varying(20)[], "my type"[]
# (quoted parts, or words, spaces, dots, commas, parentheses and brackets only).
_TYPE_NAME = re.compile(r'^(?:"(?:[^"]|"")*"|[\w$ .,()\[\]])+$')

# A '?' placeholder outside single-quoted strings, double-quoted or backquoted names.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|\?")


def split_placeholders(sql: str) -> list[str]:
    """Split a fragment at its ``?`` placeholders (quoted text is left alone).

    Returns the text pieces: ``len(pieces) - 1`` is the number of placeholders.
    """
    pieces, last = [], 0
    for m in _TOKEN.finditer(sql):
        if m.group() == "?":
            pieces.append(sql[last:m.start()])
            last = m.end()
    pieces.append(sql[last:])
    return pieces


class Compiler:
    """Compiles nodes for one dialect (any :class:`DialectHooks`). Stateless apart
    from the dialect; safe to share between threads."""

    def __init__(self, dialect: DialectHooks):
        self.dialect = dialect
        self.q = dialect.quote_identifier
        self.ph = dialect.placeholder
        self._dispatch: dict[type, Callable[[Any, list], str]] = {}

    def compile(self, node: n.Node) -> tuple[str, list]:
        """Return ``(sql, params)`` for ``node``.

        Raises:
            ValueError: a fragment's ``?`` count differs from its parameters, an
                unknown function or operator, or a SELECT without columns.
        """
        params: list = []
        return self.visit(node, params), params

    def visit(self, node: n.Node, params: list) -> str:
        """Append ``node``'s bound values to ``params`` and return its SQL text."""
        method = self._dispatch.get(type(node))
        if method is None:
            method = getattr(self, "visit_" + type(node).__name__, None)
            if method is None:
                raise TypeError(f"cannot compile {type(node).__name__}")
            self._dispatch[type(node)] = method
        return method(node, params)

    # -- expressions ---------------------------------------------------------------
    def visit_Column(self, node: n.Column, params: list) -> str:
        if node.table:
            return f"{self.q(node.table)}.{self.q(node.name)}"
        return self.q(node.name)

    def visit_Param(self, node: n.Param, params: list) -> str:
        params.append(node.value)
        return self.ph

    def visit_Raw(self, node: n.Raw, params: list) -> str:
        pieces = split_placeholders(node.sql)
        if len(pieces) - 1 != len(node.params):
            raise ValueError(
                f"SQL fragment {node.sql!r} has {len(pieces) - 1} '?' placeholder(s) "
                f"but {len(node.params)} parameter(s) were given")
        esc = self.dialect.escape_text
        out = [esc(pieces[0])]
        for value, piece in zip(node.params, pieces[1:]):
            out.append(self.visit(n.wrap(value), params))
            out.append(esc(piece))
        return "".join(out)

    def visit_Star(self, node: n.Star, params: list) -> str:
        return "*"

    def visit_Func(self, node: n.Func, params: list) -> str:
        name = node.name.upper()
        if name not in FUNCTIONS:
            raise ValueError(f"unknown SQL function {node.name!r}; known: {sorted(FUNCTIONS)}")
        args = ", ".join(self.visit(a, params) for a in node.args)
        return f"{name}({'DISTINCT ' if node.distinct else ''}{args})"

    def visit_Case(self, node: n.Case, params: list) -> str:
        parts = [f"WHEN {self.visit(cond, params)} THEN {self.visit(value, params)}"
                 for cond, value in node.whens]
        if node.default is not None:
            parts.append(f"ELSE {self.visit(node.default, params)}")
        return f"CASE {' '.join(parts)} END"

    def visit_Alias(self, node: n.Alias, params: list) -> str:
        return f"{self.visit(node.expr, params)} AS {self.q(node.name)}"

    def visit_Binary(self, node: n.Binary, params: list) -> str:
        if node.op not in _OPERATORS:
            raise ValueError(f"unknown operator {node.op!r}")
        return f"{self._operand(node.left, params)} {node.op} {self._operand(node.right, params)}"

    def _operand(self, node: n.Node, params: list) -> str:
        sql = self.visit(node, params)
        if isinstance(node, (n.Binary, n.And, n.Or, n.Select, n.Raw)):
            return f"({sql})"
        return sql

    def visit_Tuple(self, node: n.Tuple, params: list) -> str:
        return "(" + ", ".join(self.visit(i, params) for i in node.items) + ")"

    def visit_And(self, node: n.And, params: list) -> str:
        if not node.items:
            return "1=1"
        return " AND ".join(self._group(i, params, n.Or) for i in node.items)

    def visit_Or(self, node: n.Or, params: list) -> str:
        if not node.items:
            return "1=0"
        return " OR ".join(self._group(i, params, n.And) for i in node.items)

    def _group(self, item: n.Node, params: list, parenthesize: type) -> str:
        sql = self.visit(item, params)
        return f"({sql})" if isinstance(item, (parenthesize, n.Raw)) else sql

    def visit_Not(self, node: n.Not, params: list) -> str:
        return f"NOT ({self.visit(node.item, params)})"

    def visit_In(self, node: n.In, params: list) -> str:
        left = self.visit(node.expr, params)
        if isinstance(node.values, n.Select):
            inner = self.visit(node.values, params)
        elif not node.values:
            # IN () is invalid SQL; an empty list matches nothing (NOT IN: everything).
            return "1=1" if node.negate else "1=0"
        elif isinstance(node.expr, n.Tuple):  # row values: (a, b) IN ((?, ?), ...)
            rows = [self.visit(v, params) for v in node.values]
            return self.dialect.row_in(left, rows, node.negate)
        else:
            values = node.values
            param = n.Param
            if all(type(v) is param for v in values):  # visit_Param, once for the list
                params.extend([v.value for v in values])
                inner = ", ".join([self.ph] * len(values))
            else:
                inner = ", ".join([self.visit(v, params) for v in values])
        return f"{left} {'NOT IN' if node.negate else 'IN'} ({inner})"

    def visit_Containment(self, node: n.Containment, params: list) -> str:
        if node.kind not in _CONTAINMENT:
            raise ValueError(f"unknown array test {node.kind!r}; known: {sorted(_CONTAINMENT)}")
        return self.dialect.containment(node.kind, self._operand(node.expr, params),
                                        self._operand(node.value, params))

    def visit_Cast(self, node: n.Cast, params: list) -> str:
        if not _TYPE_NAME.match(node.type_name):
            raise ValueError(f"invalid SQL type name {node.type_name!r}")
        expr = self.visit(node.expr, params)
        return f"CAST({expr} AS {self.dialect.escape_text(node.type_name)})"

    def visit_Between(self, node: n.Between, params: list) -> str:
        op = "NOT BETWEEN" if node.negate else "BETWEEN"
        return (f"{self.visit(node.expr, params)} {op} {self.visit(node.low, params)} "
                f"AND {self.visit(node.high, params)}")

    def visit_IsNull(self, node: n.IsNull, params: list) -> str:
        return f"{self.visit(node.expr, params)} IS {'NOT NULL' if node.negate else 'NULL'}"

    def visit_Like(self, node: n.Like, params: list) -> str:
        left, right = self.visit(node.expr, params), self.visit(node.pattern, params)
        if node.case_insensitive:
            sql = self.dialect.ilike(left, right, node.negate)
        else:
            sql = f"{left} {'NOT LIKE' if node.negate else 'LIKE'} {right}"
        if node.escape is not None:
            if len(node.escape) != 1 or node.escape in "'\\%_":
                raise ValueError(f"invalid LIKE escape character {node.escape!r}")
            sql += f" ESCAPE '{node.escape}'"
        return sql

    def visit_Ordering(self, node: n.Ordering, params: list) -> str:
        direction = "DESC" if node.direction.upper() == "DESC" else "ASC"
        nulls = node.nulls.lower() if node.nulls else None
        if nulls not in (None, "first", "last"):
            raise ValueError(f"nulls must be 'first' or 'last', not {node.nulls!r}")
        return self.dialect.order_nulls(self.visit(node.expr, params), direction, nulls)

    def visit_Table(self, node: n.Table, params: list) -> str:
        sql = self.q(node.name)
        if node.schema is not None:  # "schema"."table", as Rails' PostgreSQL quote_table_name
            sql = f"{self.q(node.schema)}.{sql}"
        return f"{sql} {self.q(node.alias)}" if node.alias else sql

    def visit_DerivedTable(self, node: n.DerivedTable, params: list) -> str:
        return f"({self.visit(node.select, params)}) AS {self.q(node.alias)}"

    def visit_Join(self, node: n.Join, params: list) -> str:
        kind = "LEFT OUTER" if node.kind.upper() == "LEFT" else "INNER"
        return f" {kind} JOIN {self.visit(node.table, params)} ON {self.visit(node.on, params)}"

    # -- statements ----------------------------------------------------------------
    def visit_Select(self, node: n.Select, params: list) -> str:
        if not node.columns:
            raise ValueError("a SELECT must list its columns")
        cols = ", ".join(self.visit(c, params) for c in node.columns)
        distinct = "DISTINCT " if node.distinct else ""
        sql = f"SELECT {distinct}{cols} FROM {self.visit(node.table, params)}"
        for join in node.joins:
            sql += (" " + self.visit(join, params)) if isinstance(join, n.Raw) \
                else self.visit(join, params)
        if node.where is not None:
            sql += " WHERE " + self.visit(node.where, params)
        if node.group:
            sql += " GROUP BY " + ", ".join(self.visit(g, params) for g in node.group)
        if node.having is not None:
            sql += " HAVING " + self.visit(node.having, params)
        if node.order:
            sql += " ORDER BY " + ", ".join(self.visit(o, params) for o in node.order)
        if node.limit is not None or node.offset:
            clause, extra = self.dialect.limit_offset(node.limit, node.offset)
            sql += clause
            params.extend(extra)
        if node.lock is not None:
            lock = node.lock
            clause = self.dialect.lock_clause(lock.share, lock.nowait, lock.skip_locked,
                                              tuple(self.q(t) for t in lock.of))
            if clause:
                sql += " " + clause
        return sql

    def visit_Insert(self, node: n.Insert, params: list) -> str:
        table = self.visit(node.table, params)
        if not node.columns:
            sql = self.dialect.insert_default_values(table)
        else:
            cols = ", ".join(self.q(c) for c in node.columns)
            rows = []
            for row in node.rows:
                rows.append("(" + ", ".join(self.visit(n.wrap(v), params) for v in row) + ")")
            sql = f"INSERT INTO {table} ({cols}) VALUES {', '.join(rows)}"
        if node.on_conflict is not None:
            oc = node.on_conflict
            sql += self.dialect.upsert_clause([self.q(c) for c in oc.target],
                                              [self.q(c) for c in oc.update],
                                              self.q(oc.noop) if oc.noop else None)
        if node.returning and self.dialect.features.supports_returning:
            sql += self.dialect.returning([self.q(c) for c in node.returning])
        return sql

    def visit_Explain(self, node: n.Explain, params: list) -> str:
        return self.dialect.explain(self.visit(node.statement, params))

    def visit_Update(self, node: n.Update, params: list) -> str:
        sets = ", ".join(f"{self.q(col)} = {self.visit(n.wrap(val), params)}"
                         for col, val in node.values)
        sql = f"UPDATE {self.visit(node.table, params)} SET {sets}"
        if node.where is not None:
            sql += " WHERE " + self.visit(node.where, params)
        return sql

    def visit_Delete(self, node: n.Delete, params: list) -> str:
        sql = f"DELETE FROM {self.visit(node.table, params)}"
        if node.where is not None:
            sql += " WHERE " + self.visit(node.where, params)
        return sql
