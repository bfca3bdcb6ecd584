"""The query interface's nodes compiled for SQLite, PostgreSQL and MySQL/MariaDB (no
server): arithmetic, LIKE escapes and ILIKE, NULLS ordering, derived tables, row
values, upserts and EXPLAIN."""

from __future__ import annotations

import pytest

from activerecord.connection.features import Features
from activerecord.sql import nodes as n
from activerecord.sql.compiler import Compiler
from backends.mysql.dialect import MySQLDialect
from backends.postgresql.dialect import PostgreSQLDialect
from backends.sqlite.dialect import SQLiteDialect

SQLITE = SQLiteDialect(Features(supports_returning=True, supports_nulls_ordering=True))
POSTGRESQL = PostgreSQLDialect(Features(supports_returning=True,
                                        supports_nulls_ordering=True))
MARIADB = MySQLDialect(Features(supports_returning=True))
MYSQL = MySQLDialect(Features(supports_returning=False))
DIALECTS = {"sqlite": SQLITE, "postgresql": POSTGRESQL, "mysql": MARIADB}


def sql(node, dialect):
    return Compiler(dialect).compile(node)


def select(where=None, **kw):
    return n.Select(n.Table("t"), (n.Column("a"),), where=where, **kw)


def where_sql(cond, dialect):
    text, params = sql(select(cond), dialect)
    return text.split(" WHERE ", 1)[1], params


A, B = n.Column("a", "t"), n.Column("b", "t")


@pytest.mark.parametrize("name, expected", [
    ("sqlite", '("t"."a" + ?) > ("t"."b" * ?)'),
    ("postgresql", '("t"."a" + %s) > ("t"."b" * %s)'),
    ("mysql", "(`t`.`a` + %s) > (`t`.`b` * %s)"),
])
def test_arithmetic(name, expected):
    assert where_sql((A + 1) > (B * 2), DIALECTS[name]) == (expected, [1, 2])


def test_reflected_arithmetic_keeps_operand_order():
    assert where_sql(n.Binary("=", A, 10 - B), SQLITE) == ('"t"."a" = (? - "t"."b")', [10])


@pytest.mark.parametrize("name, expected", [
    ("sqlite", "LOWER(\"t\".\"a\") LIKE LOWER(?) ESCAPE '!'"),
    ("postgresql", "\"t\".\"a\" ILIKE %s ESCAPE '!'"),
    ("mysql", "LOWER(`t`.`a`) LIKE LOWER(%s) ESCAPE '!'"),
])
def test_case_insensitive_contains_escapes_wildcards(name, expected):
    text, params = where_sql(A.contains("50%_off!", case_insensitive=True), DIALECTS[name])
    assert text == expected
    assert params == ["%50!%!_off!!%"]


def test_startswith_endswith_and_not_ilike():
    assert where_sql(A.startswith("a_b"), SQLITE) == ("\"t\".\"a\" LIKE ? ESCAPE '!'", ["a!_b%"])
    assert where_sql(A.endswith("x"), SQLITE)[1] == ["%x"]
    assert where_sql(A.not_ilike("x%"), POSTGRESQL) == ('"t"."a" NOT ILIKE %s', ["x%"])
    assert where_sql(A.not_ilike("x%"), MARIADB) == ("LOWER(`t`.`a`) NOT LIKE LOWER(%s)", ["x%"])


def test_bad_escape_character_is_refused():
    with pytest.raises(ValueError, match="escape"):
        sql(select(n.Like(A, n.Param("x"), escape="'")), SQLITE)


@pytest.mark.parametrize("name, expected", [
    ("sqlite", 'ORDER BY "a" ASC NULLS LAST, "b" DESC NULLS FIRST'),
    ("postgresql", 'ORDER BY "a" ASC NULLS LAST, "b" DESC NULLS FIRST'),
    ("mysql", "ORDER BY CASE WHEN `a` IS NULL THEN 1 ELSE 0 END ASC, `a` ASC, "
              "CASE WHEN `b` IS NULL THEN 1 ELSE 0 END DESC, `b` DESC"),
])
def test_nulls_ordering_is_portable(name, expected):
    order = (n.Column("a").asc(nulls="last"), n.Column("b").desc(nulls="first"))
    assert sql(select(order=order), DIALECTS[name])[0].endswith(expected)


def test_aggregate_helpers():
    cols = (A.count(), A.count(distinct=True), A.sum(), A.avg(), A.min(), A.max(),
            A.lower(), A.upper(), A.coalesce(0), n.COUNT_STAR)
    text, params = sql(n.Select(n.Table("t"), cols), SQLITE)
    assert text == ('SELECT COUNT("t"."a"), COUNT(DISTINCT "t"."a"), SUM("t"."a"), '
                    'AVG("t"."a"), MIN("t"."a"), MAX("t"."a"), LOWER("t"."a"), '
                    'UPPER("t"."a"), COALESCE("t"."a", ?), COUNT(*) FROM "t"')
    assert params == [0]


@pytest.mark.parametrize("name, q", [("sqlite", '"'), ("postgresql", '"'), ("mysql", "`")])
def test_derived_table_and_row_value_in(name, q):
    inner = n.Select(n.Table("t"), (n.Column("a", "t"), n.Column("b", "t")), limit=5)
    outer = n.Select(n.DerivedTable(inner, "sub"), (n.Column("a", "sub"), n.Column("b", "sub")))
    cond = n.In(n.Tuple((A, B)), outer)
    text, params = where_sql(cond, DIALECTS[name])
    ph = "?" if name == "sqlite" else "%s"
    expected = ('(\"t\".\"a\", \"t\".\"b\") IN (SELECT \"sub\".\"a\", \"sub\".\"b\" FROM '
                '(SELECT \"t\".\"a\", \"t\".\"b\" FROM \"t\" LIMIT ?) AS \"sub\")')
    assert text == expected.replace('"', q).replace("?", ph)
    assert params == [5]


def test_raw_does_not_expand_lists():
    # Database.execute("... VALUES (?)", [[1, 2]]) binds one value (a PostgreSQL array);
    # where() templates expand lists before the node is built (predicates.fragment).
    assert where_sql(n.Raw("a = ?", ([1, 2],)), SQLITE) == ("a = ?", [[1, 2]])


def test_raw_operand_is_parenthesized_and_raw_join_is_spliced():
    assert where_sql(A == n.Raw("? + 1", (1,)), SQLITE) == ('"t"."a" = (? + 1)', [1])
    node = n.Select(n.Table("t"), (A,), joins=(n.Raw('JOIN "u" ON "u"."id" = "t"."a"'),))
    assert sql(node, SQLITE)[0] == 'SELECT "t"."a" FROM "t" JOIN "u" ON "u"."id" = "t"."a"'


def _insert(conflict, returning=()):
    return n.Insert(n.Table("t"), ("id", "code", "v"), ((1, "a", 2),), returning, conflict)


@pytest.mark.parametrize("name, expected", [
    ("sqlite", 'INSERT INTO "t" ("id", "code", "v") VALUES (?, ?, ?) ON CONFLICT ("code") '
               'DO UPDATE SET "v" = excluded."v" RETURNING "id"'),
    ("postgresql", 'INSERT INTO "t" ("id", "code", "v") VALUES (%s, %s, %s) ON CONFLICT '
                   '("code") DO UPDATE SET "v" = excluded."v" RETURNING "id"'),
    ("mysql", "INSERT INTO `t` (`id`, `code`, `v`) VALUES (%s, %s, %s) ON DUPLICATE KEY "
              "UPDATE `v` = VALUES(`v`) RETURNING `id`"),
])
def test_upsert_spelling(name, expected):
    node = _insert(n.OnConflict(("code",), ("v",), "code"), returning=("id",))
    assert sql(node, DIALECTS[name]) == (expected, [1, "a", 2])


@pytest.mark.parametrize("name, target, expected", [
    ("sqlite", (), ' ON CONFLICT DO NOTHING'),
    ("sqlite", ("code",), ' ON CONFLICT ("code") DO NOTHING'),
    ("postgresql", ("code",), ' ON CONFLICT ("code") DO NOTHING'),
    ("mysql", ("code",), " ON DUPLICATE KEY UPDATE `id` = `id`"),
])
def test_insert_skipping_duplicates(name, target, expected):
    text = sql(_insert(n.OnConflict(target, (), "id")), DIALECTS[name])[0]
    assert text.endswith(expected)


def test_upsert_without_target_is_refused_where_a_target_is_needed():
    with pytest.raises(ValueError, match="unique columns"):
        sql(_insert(n.OnConflict((), ("v",), "id")), SQLITE)


def test_returning_only_where_supported():
    node = _insert(None, returning=("id",))
    assert "RETURNING" not in sql(node, MYSQL)[0]
    assert sql(node, MARIADB)[0].endswith(" RETURNING `id`")


@pytest.mark.parametrize("name, prefix", [
    ("sqlite", "EXPLAIN QUERY PLAN SELECT"), ("postgresql", "EXPLAIN SELECT"),
    ("mysql", "EXPLAIN SELECT"),
])
def test_explain(name, prefix):
    text, params = sql(n.Explain(select(n.Column("a") == 1)), DIALECTS[name])
    assert text.startswith(prefix) and params == [1]
