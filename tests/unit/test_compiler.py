"""The neutral compiler with the base and SQLite dialects (no server). The PostgreSQL
and MySQL spellings are pinned in tests/unit/test_compiler_dialects.py."""

from __future__ import annotations

import pytest

from activerecord.connection.dialect import Dialect
from activerecord.connection.features import Features
from activerecord.sql import nodes as n
from activerecord.sql.compiler import Compiler, split_placeholders
from backends.sqlite.dialect import SQLiteDialect


def compile_(node, dialect=None):
    return Compiler(dialect or SQLiteDialect(Features(supports_returning=True,
                                                      supports_nulls_ordering=True))
                    ).compile(node)


def test_select_lists_columns_and_binds_values():
    node = n.Select(n.Table("Artist"), (n.Column("ArtistId"), n.Column("Name")),
                    where=n.Column("Name") == "AC/DC", limit=5)
    assert compile_(node) == (
        'SELECT "ArtistId", "Name" FROM "Artist" WHERE "Name" = ? LIMIT ?', ["AC/DC", 5])


def test_select_without_columns_is_refused():
    with pytest.raises(ValueError, match="list its columns"):
        compile_(n.Select(n.Table("t"), ()))


def test_identifiers_are_quoted_and_inner_quotes_doubled():
    sql, _ = compile_(n.Select(n.Table('a"b'), (n.Column("x y", "a\"b"),)))
    assert sql == 'SELECT "a""b"."x y" FROM "a""b"'


def test_conditions_nest_with_parentheses():
    a, b, c = n.Column("a"), n.Column("b"), n.Column("c")
    cond = (a == 1) & ((b > 2) | c.is_null()) & ~(a.in_([1, 2]))
    sql, params = compile_(n.Select(n.Table("t"), (a,), where=cond))
    assert sql.endswith('WHERE "a" = ? AND ("b" > ? OR "c" IS NULL) AND NOT ("a" IN (?, ?))')
    assert params == [1, 2, 1, 2]


def test_empty_in_matches_nothing():
    a = n.Column("a")
    assert compile_(n.Select(n.Table("t"), (a,), where=a.in_([])))[0].endswith("WHERE 1=0")
    assert compile_(n.Select(n.Table("t"), (a,), where=a.not_in([])))[0].endswith("WHERE 1=1")


def test_raw_fragment_placeholders_and_quoted_question_marks():
    raw = n.Raw("name = ? AND note = '?' AND \"odd?\" = ?", ("x", 2))
    sql, params = compile_(n.Select(n.Table("t"), (n.Column("a"),), where=raw))
    assert sql.endswith("WHERE name = ? AND note = '?' AND \"odd?\" = ?")
    assert params == ["x", 2]
    assert len(split_placeholders("a = ? or b = '?'")) == 2


def test_raw_fragment_with_wrong_parameter_count_is_an_error():
    with pytest.raises(ValueError, match="2 '\\?' placeholder"):
        compile_(n.Select(n.Table("t"), (n.Column("a"),), where=n.Raw("a=? and b=?", (1,))))


def test_insert_update_delete():
    ins = n.Insert(n.Table("t"), ("a", "b"), ((1, 2),), returning=("id",))
    assert compile_(ins) == ('INSERT INTO "t" ("a", "b") VALUES (?, ?) RETURNING "id"', [1, 2])
    no_returning = SQLiteDialect(Features(supports_returning=False))
    assert compile_(ins, no_returning)[0] == 'INSERT INTO "t" ("a", "b") VALUES (?, ?)'
    assert compile_(n.Insert(n.Table("t"), (), ((),)))[0] == 'INSERT INTO "t" DEFAULT VALUES'
    upd = n.Update(n.Table("t"), (("a", 1),), n.Column("id") == 5)
    assert compile_(upd) == ('UPDATE "t" SET "a" = ? WHERE "id" = ?', [1, 5])
    assert compile_(n.Delete(n.Table("t")))[0] == 'DELETE FROM "t"'


def test_sqlite_offset_without_limit():
    node = n.Select(n.Table("t"), (n.Column("a"),), offset=10)
    assert compile_(node) == ('SELECT "a" FROM "t" LIMIT -1 OFFSET ?', [10])


def test_nulls_ordering_native_and_emulated():
    order = (n.Column("a").desc(nulls="last"),)
    native = compile_(n.Select(n.Table("t"), (n.Column("a"),), order=order))[0]
    assert native.endswith('ORDER BY "a" DESC NULLS LAST')
    emulated = compile_(n.Select(n.Table("t"), (n.Column("a"),), order=order), Dialect())[0]
    assert emulated.endswith('ORDER BY CASE WHEN "a" IS NULL THEN 1 ELSE 0 END ASC, "a" DESC')


def test_functions_are_whitelisted():
    sql, _ = compile_(n.Select(n.Table("t"), (n.Func("count", (n.Star(),)),)))
    assert sql == 'SELECT COUNT(*) FROM "t"'
    with pytest.raises(ValueError, match="unknown SQL function"):
        compile_(n.Select(n.Table("t"), (n.Func("pg_sleep", (n.Param(1),)),)))


def test_format_paramstyle_escapes_percent():
    class Fmt(Dialect):
        paramstyle = "format"

    sql, params = compile_(n.Select(n.Table("50%"), (n.Column("a"),),
                                    where=n.Raw("a LIKE '%x' AND b = ?", (1,))), Fmt())
    assert sql == 'SELECT "a" FROM "50%%" WHERE a LIKE \'%%x\' AND b = %s' and params == [1]


def test_expressions_have_no_truth_value():
    with pytest.raises(TypeError, match="no truth value"):
        bool(n.Column("a") == 1)
