"""The SQL of conditions whose values are decided or reshaped before binding, pinned for
each dialect without a server: ``IN`` with ``None``, row-value ``IN`` for composite
keys, array containment and casts, integers beyond the database, blank templates and
the statements ``find``/``delete`` send for many keys (an in-memory SQLite schema)."""

from __future__ import annotations

import pytest

from activerecord import Model
from activerecord.connection.database import Database
from activerecord.connection.features import Features
from activerecord.errors import AttributeCastError, NotSupportedError, RecordNotFound
from activerecord.relation import predicates as p
from activerecord.sql import nodes as n
from activerecord.sql.compiler import Compiler
from activerecord.testing import capture_sql
from activerecord.types import IntegerType, StringType
from backends.mysql.dialect import MySQLDialect
from backends.postgresql.dialect import PostgreSQLDialect
from backends.sqlite.dialect import SQLiteDialect

DIALECTS = {"sqlite": SQLiteDialect(Features()), "postgresql": PostgreSQLDialect(Features()),
            "mysql": MySQLDialect(Features())}
ALL = pytest.mark.parametrize("name", sorted(DIALECTS))
X, A, B = n.Column("x", "t"), n.Column("a", "t"), n.Column("b", "t")


def where_sql(name, cond):
    sql, params = Compiler(DIALECTS[name]).compile(n.Select(n.Table("t"), (X,), where=cond))
    text = sql.split(" WHERE ", 1)[1]
    if name == "mysql":
        text = text.replace("`", '"')
    return text.replace("%s", "?"), params


@ALL
def test_in_with_none_tests_null(name):
    assert where_sql(name, X.in_([None, "a"])) == ('"t"."x" IN (?) OR "t"."x" IS NULL', ["a"])
    assert where_sql(name, X.not_in(["a", None])) == (
        '"t"."x" NOT IN (?) AND "t"."x" IS NOT NULL', ["a"])
    assert where_sql(name, X.in_([None])) == ('"t"."x" IS NULL', [])
    assert where_sql(name, X.not_in([None])) == ('"t"."x" IS NOT NULL', [])
    assert where_sql(name, ~X.in_([None, 1])) == ('NOT ("t"."x" IN (?) OR "t"."x" IS NULL)',
                                                  [1])
    assert where_sql(name, X.in_({3, 1, 2}))[1] == [1, 2, 3]  # sets: a stable order
    for bad in ("abc", (i for i in [1]), {1: 2}.keys(), 5):
        with pytest.raises(TypeError, match="list, tuple, set"):
            X.in_(bad)


def test_row_values_in_each_dialect():
    rows = (n.Tuple((n.Param(1), n.Param(2))), n.Tuple((n.Param(3), n.Param(4))))
    cond = n.In(n.Tuple((A, B)), rows)
    # SQLite needs a subquery; PostgreSQL would nest a list into one OR per row.
    for name in ("sqlite", "postgresql"):
        assert where_sql(name, cond) == ('("t"."a", "t"."b") IN (VALUES (?, ?), (?, ?))',
                                         [1, 2, 3, 4])
    assert where_sql("mysql", cond) == ('("t"."a", "t"."b") IN ((?, ?), (?, ?))',
                                        [1, 2, 3, 4])
    negated = n.In(n.Tuple((A, B)), rows, negate=True)
    assert where_sql("postgresql", negated)[0].startswith('("t"."a", "t"."b") NOT IN')


def test_containment_and_casts():
    cond = n.Containment("contains", X, n.Cast(n.Param([1]), "integer[]"))
    assert where_sql("postgresql", cond) == ('"t"."x" @> CAST(? AS integer[])', [[1]])
    assert where_sql("postgresql", X.overlaps(["a"]))[0] == '"t"."x" && ?'
    assert where_sql("postgresql", X.contained_by({"b", "a"})) == ('"t"."x" <@ ?', [["a", "b"]])
    assert where_sql("postgresql", X.contains("50%"))[0].startswith('"t"."x" LIKE')
    for name in ("sqlite", "mysql"):
        with pytest.raises(NotSupportedError, match=name):
            where_sql(name, X.contains([1]))
    assert where_sql("postgresql", X == n.Cast(n.Param(1), '"my type"[]'))[0] == \
        '"t"."x" = CAST(? AS "my type"[])'
    with pytest.raises(ValueError, match="type name"):
        where_sql("postgresql", X == n.Cast(n.Param(1), "int); DROP TABLE t; --"))
    with pytest.raises(ValueError, match="array test"):
        where_sql("postgresql", n.Containment("inside", X, n.Param([1])))


@ALL
def test_integers_no_column_holds_decide_the_condition(name):
    limits = DIALECTS[name].integer_range
    huge, typ = 2**70, IntegerType()

    def cond(op, value):
        return where_sql(name, p.compare(op, X, value, typ, limits))

    assert cond("=", huge) == ('"t"."x" <> "t"."x"', [])     # false, NULL for NULL
    assert cond("<", huge) == ('"t"."x" = "t"."x"', [])      # true for every value
    assert cond(">", -huge) == ('"t"."x" = "t"."x"', [])
    assert cond(">=", huge) == ('"t"."x" <> "t"."x"', [])
    assert cond("=", limits[1]) == ('"t"."x" = ?', [limits[1]])
    assert where_sql(name, p.hash_condition(X, [1, huge], typ, limits=limits)) == \
        ('"t"."x" IN (?)', [1])
    assert where_sql(name, p.hash_condition(X, p.between(0, huge), typ, limits=limits)) == \
        ('"t"."x" >= ?', [0])
    assert where_sql(name, p.hash_condition(X, "x", typ, limits=limits, lenient=True)) == \
        ('"t"."x" <> "t"."x"', [])
    with pytest.raises(AttributeCastError, match="t.x .integer. with 'x'"):
        p.hash_condition(X, "x", typ, limits=limits)
    assert DIALECTS["sqlite"].integer_range == (-2**63, 2**63 - 1)
    assert DIALECTS["mysql"].integer_range == (-2**63, 2**64 - 1)


def test_bind_types_refuses_what_the_column_cannot_take():
    types = {"x": IntegerType(), "a": StringType()}

    def bind(node):
        return p.bind_types(node, lambda c: types.get(c.name))

    with pytest.raises(AttributeCastError, match="cannot compare t.x"):
        bind(X > "many")
    with pytest.raises(AttributeCastError):
        bind(A.contains([1]))
    flipped = bind(n.Binary("<", n.Param("3"), X))
    assert where_sql("sqlite", flipped) == ('"t"."x" > ?', [3])
    with pytest.raises(TypeError, match="generator"):
        bind(X == (i for i in [1]))


class Item(Model):
    table_name = "items"


class Pair(Model):
    table_name = "pairs"


@pytest.fixture(scope="module")
def database():
    db = Database("sqlite:///:memory:", name="unit-condition-sql", pool_size=1)
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER)")
    db.execute("CREATE TABLE pairs (a INTEGER, b INTEGER, PRIMARY KEY (a, b))")
    Item.database = Pair.database = db
    yield db
    for model in (Item, Pair):
        model.reset_column_information()
        model.database = None
    db.close()


def test_find_and_delete_send_in_lists(database):
    with capture_sql() as sent:
        assert Item.where(id=[1, 2]).to_list() == []
        with pytest.raises(RecordNotFound):
            Item.find([3, 1, 2])
        with pytest.raises(RecordNotFound):
            Pair.find([(1, 2), (3, 4)])
        Pair.delete([(1, 2), (3, "x"), (3, 4)])
        Item.delete(5)
    wheres = [s.split(" WHERE ", 1)[1] for s in sent]
    assert wheres == [
        '"items"."id" IN (?, ?)',
        '"items"."id" IN (?, ?, ?)',
        '("pairs"."a", "pairs"."b") IN (VALUES (?, ?), (?, ?))',
        '("pairs"."a", "pairs"."b") IN (VALUES (?, ?), (?, ?))',
        '"items"."id" = ?']


def test_blank_templates_add_nothing(database):
    assert Item.where("").to_sql() == Item.all().to_sql() == Item.where(" ").to_sql()
    assert Item.where("").where(n=1).to_sql() == Item.where(n=1).to_sql()
    assert Item.where_not("\t").to_sql() == Item.all().to_sql()
