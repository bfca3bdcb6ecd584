"""The SQL each query-interface method sends, pinned for SQLite, PostgreSQL and
MySQL/MariaDB without a server: an in-memory SQLite database supplies the schema, then
the database's compiler is swapped for each dialect's and ``run`` records the SQL
instead of sending it. Also: SQL templates and conditions built without SQL."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest

from activerecord import Model, between
from activerecord.connection.database import Database, Result
from activerecord.connection.features import Features
from activerecord.relation.predicates import fragment
from activerecord.sql import nodes as n
from activerecord.sql.compiler import Compiler
from backends.mysql.dialect import MySQLDialect
from backends.postgresql.dialect import PostgreSQLDialect
from backends.sqlite.dialect import SQLiteDialect

DIALECTS = {
    "sqlite": SQLiteDialect(Features(supports_returning=True, supports_nulls_ordering=True,
                                     max_parameters=32766)),
    "postgresql": PostgreSQLDialect(Features(supports_returning=True,
                                             supports_nulls_ordering=True,
                                             max_parameters=65535)),
    "mysql": MySQLDialect(Features(supports_returning=True, max_parameters=65535)),
}


class Author(Model):
    table_name = "authors"


class Book(Model):
    table_name = "books"


@pytest.fixture(scope="module")
def database():
    db = Database("sqlite:///:memory:", name="unit-query-relation")
    db.execute("CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, "
               "born DATE, created_at DATETIME, updated_at DATETIME)")
    db.execute("CREATE TABLE books (id INTEGER PRIMARY KEY, title VARCHAR(80) NOT NULL "
               "UNIQUE, author_id INTEGER REFERENCES authors(id), price NUMERIC(8,2), "
               "pages INTEGER)")
    Author.database = db
    Book.database = db
    yield db
    for model in (Author, Book):
        model.reset_column_information()
        model.database = None
    db.close()


@contextmanager
def recording(db, name, rows=()):
    """Compile with ``name``'s dialect and record the statements instead of running them."""
    dialect = DIALECTS[name]
    sent = []
    saved = (db._compiler, db.run, db.adapter.features)
    db._compiler = Compiler(dialect)
    db.adapter.features = dialect.features

    def run(sql, params=(), *, read=False):
        sent.append((sql, list(params)))
        return Result([tuple(r) for r in rows], ["c"], 1, None)

    db.run = run
    try:
        yield sent
    finally:
        db._compiler, db.run, db.adapter.features = saved


def q(name, text):
    """Write a pin once with double quotes and ``?``; adapt it to ``name``'s dialect."""
    if name == "mysql":
        text = text.replace('"', "`")
    return text if name == "sqlite" else text.replace("?", "%s")


ALL = pytest.mark.parametrize("name", sorted(DIALECTS))
BOOK = '"books"."id", "books"."title", "books"."author_id", "books"."price", "books"."pages"'


@ALL
def test_where_hash_template_and_expression(database, name):
    rel = (Book.where(author_id=[1, 2], pages=None).where("pages > :p", p=10)
           .where(Book.c.price >= Decimal("9.5")).where_not(title="x"))
    with recording(database, name) as sent:
        rel.load()
    assert sent == [(q(name, f'SELECT {BOOK} FROM "books" WHERE "books"."author_id" IN (?, ?) '
                              'AND "books"."pages" IS NULL AND (pages > ?) AND '
                              '"books"."price" >= ? AND "books"."title" <> ?'),
                     [1, 2, 10, "9.5", "x"])]  # bound by the (SQLite) schema's types


@ALL
def test_order_nulls_limit_offset_page(database, name):
    rel = Book.order("title", Book.c.pages.desc(nulls="last")).page(3, per=10)
    with recording(database, name) as sent:
        rel.load()
    nulls = ('"books"."pages" DESC NULLS LAST' if name != "mysql" else
             'CASE WHEN "books"."pages" IS NULL THEN 1 ELSE 0 END ASC, "books"."pages" DESC')
    assert sent == [(q(name, f'SELECT {BOOK} FROM "books" ORDER BY "books"."title" ASC, '
                              f'{nulls} LIMIT ? OFFSET ?'), [10, 20])]


@ALL
def test_slicing_and_negative_index(database, name):
    with recording(database, name, rows=()) as sent:
        Book.order("id")[5:8]
        with pytest.raises(IndexError):
            Book.order("id")[-2]
    assert [s for s, _p in sent] == [
        q(name, f'SELECT {BOOK} FROM "books" ORDER BY "books"."id" ASC LIMIT ? OFFSET ?'),
        q(name, f'SELECT {BOOK} FROM "books" ORDER BY "books"."id" DESC LIMIT ? OFFSET ?')]
    assert [p for _s, p in sent] == [[3, 5], [1, 1]]


@ALL
def test_joins_group_having_select(database, name):
    rel = (Book.joins(Author).select("author_id", Book.c.id.count().label("n"))
           .group("author_id").having("COUNT(*) > ?", 2))
    with recording(database, name) as sent:
        rel.load()
    assert sent == [(q(name, 'SELECT "books"."author_id", COUNT("books"."id") AS "n" FROM '
                              '"books" INNER JOIN "authors" ON "books"."author_id" = '
                              '"authors"."id" GROUP BY "books"."author_id" HAVING '
                              'COUNT(*) > ?'), [2])]


@ALL
def test_subquery_with_limit_is_wrapped(database, name):
    rel = Book.where(author_id=Author.where(name="x").order("id").limit(3))
    with recording(database, name) as sent:
        rel.load()
    assert sent[0][0] == q(name, f'SELECT {BOOK} FROM "books" WHERE "books"."author_id" IN '
                                 '(SELECT "subquery"."id" FROM (SELECT "authors"."id" FROM '
                                 '"authors" WHERE "authors"."name" = ? ORDER BY "authors"."id" '
                                 'ASC LIMIT ?) AS "subquery")')


@ALL
def test_count_forms(database, name):
    with recording(database, name, rows=[(0, 0)]) as sent:
        Book.count()
        Book.count("pages", distinct=True)
        Book.order("id").limit(5).count()
        Book.select("author_id").distinct().count()
        Book.group("author_id").count()
    assert [s for s, _p in sent] == [q(name, s) for s in (
        'SELECT COUNT(*) FROM "books"',
        'SELECT COUNT(DISTINCT "books"."pages") FROM "books"',
        'SELECT COUNT(*) FROM (SELECT 1 AS "one" FROM "books" ORDER BY "books"."id" ASC '
        'LIMIT ?) AS "subquery"',
        'SELECT COUNT(*) FROM (SELECT DISTINCT "books"."author_id" FROM "books") AS '
        '"subquery"',
        'SELECT "books"."author_id", COUNT(*) FROM "books" GROUP BY "books"."author_id" '
        'ORDER BY "books"."author_id" ASC')]


@ALL
def test_average_is_sum_and_count(database, name):
    with recording(database, name, rows=[(Decimal("10.00"), 4)]) as sent:
        assert Book.average("price") == Decimal("2.5")
    assert sent[0][0] == q(name, 'SELECT SUM("books"."price"), COUNT("books"."price") '
                                 'FROM "books"')


@ALL
def test_exists_and_pluck(database, name):
    with recording(database, name) as sent:
        Book.where(pages=between(10, None)).exists()
        Book.order("title").pluck("title", "pages")
    assert sent == [
        (q(name, 'SELECT 1 AS "one" FROM "books" WHERE "books"."pages" >= ? LIMIT ?'), [10, 1]),
        (q(name, 'SELECT "books"."title", "books"."pages" FROM "books" ORDER BY '
                 '"books"."title" ASC'), [])]


@ALL
def test_batches_are_keyset_queries(database, name):
    with recording(database, name, rows=()) as sent:
        list(Book.where(pages=1).find_each(batch_size=50, start=7))
    assert sent == [(q(name, f'SELECT {BOOK} FROM "books" WHERE "books"."pages" = ? AND '
                              '"books"."id" >= ? ORDER BY "books"."id" ASC LIMIT ?'),
                     [1, 7, 50])]


@ALL
def test_update_and_delete_with_limit_use_a_key_subquery(database, name):
    with recording(database, name) as sent:
        Book.where(pages=1).update_all(pages=Book.c.pages + 1)
        Book.order("id").limit(2).delete_all()
    assert sent == [
        (q(name, 'UPDATE "books" SET "pages" = "books"."pages" + ? WHERE "books"."pages" = ?'),
         [1, 1]),
        (q(name, 'DELETE FROM "books" WHERE "books"."id" IN (SELECT "subquery"."id" FROM '
                 '(SELECT "books"."id" FROM "books" ORDER BY "books"."id" ASC LIMIT ?) AS '
                 '"subquery")'), [2])]


@pytest.mark.parametrize("name, tail", [
    ("sqlite", ' ON CONFLICT ("title") DO UPDATE SET "pages" = excluded."pages" '
               'RETURNING "id"'),
    ("postgresql", ' ON CONFLICT ("title") DO UPDATE SET "pages" = excluded."pages" '
                   'RETURNING "id"'),
    ("mysql", ' ON DUPLICATE KEY UPDATE "pages" = VALUES("pages") RETURNING "id"'),
])
def test_upsert_all(database, name, tail):
    with recording(database, name, rows=[(1,), (2,)]) as sent:
        got = Book.upsert_all([{"title": "a", "pages": 1}, {"title": "b", "pages": 2}],
                              unique_by="title", returning="id")
    assert got == [1, 2]
    assert sent == [(q(name, 'INSERT INTO "books" ("title", "pages") VALUES (?, ?), (?, ?)'
                       + tail), ["a", 1, "b", 2])]


@ALL
def test_insert_all_timestamps_and_skip(database, name):
    with recording(database, name) as sent:
        Author.insert_all([{"name": "x"}], on_conflict="ignore")
    sql, params = sent[0]
    skip = (' ON DUPLICATE KEY UPDATE "id" = "id"' if name == "mysql"
            else " ON CONFLICT DO NOTHING")
    assert sql == q(name, 'INSERT INTO "authors" ("name", "created_at", "updated_at") '
                          'VALUES (?, ?, ?)' + skip)
    assert params[0] == "x" and params[1] == params[2] and params[1] is not None


@ALL
def test_explain(database, name):
    with recording(database, name, rows=[("plan",)]) as sent:
        assert Book.where(id=1).explain() == "plan"
    prefix = "EXPLAIN QUERY PLAN " if name == "sqlite" else "EXPLAIN "
    assert sent[0][0] == prefix + q(name, f'SELECT {BOOK} FROM "books" WHERE "books"."id" = ?')


# -- SQL templates and conditions (no SQL at all) -----------------------------------------
def test_fragment_named_and_positional():
    assert fragment("a = :x AND b = :y OR c = :x", (), {"x": 1, "y": 2}).params == (1, 2, 1)
    assert fragment("a = :x AND b = :y OR c = :x", (), {"x": 1, "y": 2}).sql == \
        "a = ? AND b = ? OR c = ?"
    raw = fragment("a::int = :v AND b = ':not' AND \"c:d\" = :v", ({"v": 3},), {})
    assert raw.sql == "a::int = ? AND b = ':not' AND \"c:d\" = ?" and raw.params == (3, 3)
    assert fragment("a = ? AND b = '?'", (1,), {}).params == (1,)
    assert fragment("now()", (), {}).params == ()


def test_fragment_expands_lists():
    raw = fragment("a IN (?) AND b = ? AND c IN (?)", ([1, 2, 3], "x", []), {})
    assert (raw.sql, raw.params) == ("a IN (?, ?, ?) AND b = ? AND c IN (NULL)",
                                     (1, 2, 3, "x"))
    raw = fragment("a IN (:ids) OR b = ':ids'", (), {"ids": {3, 1}})
    assert (raw.sql, raw.params) == ("a IN (?, ?) OR b = ':ids'", (1, 3))


def test_hash_conditions_build_nodes(database):
    rel = Book.where(title=("a", "b", None))
    assert isinstance(rel._where[0].node, n.Or)
    assert isinstance(Book.where(pages=range(1, 1))._where[0].node, n.In)
    assert Book.where(title="a").scope_attributes() == {"title": "a"}
    assert Book.where(title=["a"]).scope_attributes() == {}


@ALL
def test_or_not_rewhere_unscope(database, name):
    rels = [
        Book.where(pages=1).or_(Book.where(author_id=2).where(price=None)),
        Book.where_not(pages=[1, 2], author_id=None),
        Book.where(pages=1).where(Book.c.pages > 0).rewhere(pages=5),
        Book.where(pages=1, title="x").order("id").unscope(where="pages").unscope("order"),
    ]
    with recording(database, name) as sent:
        for rel in rels:
            rel.load()
    where = [s.split(" WHERE ", 1)[1] for s, _p in sent]
    assert where == [q(name, s) for s in (
        '"books"."pages" = ? OR ("books"."author_id" = ? AND "books"."price" IS NULL)',
        'NOT ("books"."pages" IN (?, ?) AND "books"."author_id" IS NULL)',
        '"books"."pages" = ?',
        '"books"."title" = ?')]
    assert [p for _s, p in sent] == [[1, 2], [1, 2], [5], ["x"]]


@ALL
def test_left_joins_reverse_order_and_joined_columns(database, name):
    with recording(database, name) as sent:
        Author.left_joins(Book).where(Book.c.id.is_null()).reverse_order().load()
        Book.joins(Author).order("authors.name").pluck("authors.name", "title")
    assert [s for s, _p in sent] == [q(name, s) for s in (
        'SELECT "authors"."id", "authors"."name", "authors"."born", "authors"."created_at", '
        '"authors"."updated_at" FROM "authors" LEFT OUTER JOIN "books" ON "books"."author_id" '
        '= "authors"."id" WHERE "books"."id" IS NULL ORDER BY "authors"."id" DESC',
        'SELECT "authors"."name", "books"."title" FROM "books" INNER JOIN "authors" ON '
        '"books"."author_id" = "authors"."id" ORDER BY "authors"."name" ASC')]


@ALL
def test_sum_minimum_maximum_pick_ids(database, name):
    with recording(database, name, rows=[(3,)]) as sent:
        assert Book.sum("pages") == 3
        Book.where(author_id=1).minimum("price")
        Book.maximum(Book.c.pages * 2)
        Book.order("-pages").pick("title")
        Book.where(pages=2).ids()
    assert [s for s, _p in sent] == [q(name, s) for s in (
        'SELECT SUM("books"."pages") FROM "books"',
        'SELECT MIN("books"."price") FROM "books" WHERE "books"."author_id" = ?',
        'SELECT MAX("books"."pages" * ?) FROM "books"',
        'SELECT "books"."title" FROM "books" ORDER BY "books"."pages" DESC LIMIT ?',
        'SELECT "books"."id" FROM "books" WHERE "books"."pages" = ?')]


@ALL
def test_in_batches_plucks_keys_then_yields_relations(database, name):
    with recording(database, name, rows=[(4,), (9,)]) as sent:
        batches = iter(Book.where(pages=1).in_batches(of=2))
        sent.append(next(batches).sql_and_params())
    assert [s for s, _p in sent] == [q(name, s) for s in (
        'SELECT "books"."id" FROM "books" WHERE "books"."pages" = ? ORDER BY "books"."id" '
        'ASC LIMIT ?',
        f'SELECT {BOOK} FROM "books" WHERE "books"."pages" = ? AND "books"."id" IN (?, ?)')]
    assert [p for _s, p in sent] == [[1, 2], [1, 4, 9]]


def test_composite_keyset_condition():
    from activerecord.relation.batches import _after

    class Fake:
        def _schema(self):
            class S:
                table = "t"
                pk = ("a", "b")
                types = {"a": _Plain(), "b": _Plain()}
            return S()

    cond = _after(Fake(), (3, 7), "asc")
    text, params = Compiler(DIALECTS["sqlite"]).compile(n.Select(n.Table("t"), (n.Column("a"),),
                                                                 where=cond))
    assert text.endswith('WHERE "t"."a" > ? OR ("t"."a" = ? AND "t"."b" > ?)')
    assert params == [3, 3, 7]


class _Plain:
    def serialize(self, value):
        return value
