"""Conditions and keys bound the way assignment casts, on every database: uncastable
values refused before SQL (or not found, for keys), out-of-range integers, generators,
``IN`` with ``None``, blank templates, many keys (chunked ``IN``, row values), the
bind-parameter limit, tables without a primary key, batches by a cursor, and copies of
relations."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from decimal import Decimal

import pytest

from activerecord import Model, between, scope
from activerecord.errors import (
    AttributeCastError,
    InvalidForeignKey,
    NotSupportedError,
    ProgrammingError,
    RecordNotFound,
    UnknownAttributeError,
    UnknownPrimaryKey,
)
from activerecord.sql import nodes as n
from activerecord.testing import capture_sql
from tests.support.query_data import QAlbum, QArtist, make_catalogue

HUGE = 2**70


class Item(Model):
    table_name = "cd_items"

    @scope
    def small(rel):
        return rel.where(Item.c.n < 2)


class Pair(Model):
    table_name = "cd_pairs"


class Log(Model):
    table_name = "cd_log"


class Child(Model):
    table_name = "cd_children"


@pytest.fixture
def items(make_table, db):
    make_table("cd_items", id="pk", n="int", label="string(20)", price="decimal(8,2)",
               day="date")
    Item.insert_all([{"n": i % 3, "label": f"L{i}", "price": Decimal(i),
                      "day": dt.date(2024, 1, i)} for i in range(1, 11)])
    Item.create(n=None, label=None)  # id 11: NULLs
    return db


@pytest.fixture
def log(make_table, db):
    # no primary key; n is the unique NOT NULL column batches use as their cursor
    make_table("cd_log", "UNIQUE (n)", n="int NOT NULL", msg="string(20)")
    Log.insert_all([{"n": i, "msg": f"m{i}"} for i in range(1, 8)])
    return db


def raises_before_sql(exc_type, fn, match=None):
    """Check ``fn()`` raises ``exc_type`` without sending any SQL; return the error."""
    with capture_sql() as statements, pytest.raises(exc_type, match=match) as info:
        fn()
    assert statements == [], statements
    return info.value


# -- 5. values cast like assignment ---------------------------------------------------
def test_uncastable_hash_condition_raises_before_sql(items):
    # MariaDB compared 'x' as 0 and returned the n = 0 rows.
    err = raises_before_sql(AttributeCastError, lambda: Item.where(n="x").to_list())
    assert "cd_items.n" in str(err) and "integer" in str(err) and "'x'" in str(err)
    raises_before_sql(AttributeCastError, lambda: Item.where(n=["1", "x"]).to_list())
    raises_before_sql(AttributeCastError, lambda: Item.where(price="cheap").count())
    raises_before_sql(AttributeCastError, lambda: Item.where(day="someday").count())
    raises_before_sql(AttributeCastError, lambda: Item.where(n=between("a", 3)).count())
    raises_before_sql(AttributeCastError, lambda: Item.where_not(n="x").count())
    assert Item.where(n="2").count() == 3 and Item.where(n=[" 1 ", 2.0]).count() == 7


def test_uncastable_column_expressions_raise_before_sql(items):
    c = Item.c
    for cond in (lambda: c.n > "x", lambda: c.n.in_(["1", "x"]),
                 lambda: c.n.not_in(["x"]), lambda: c.n.between("x", 5),
                 lambda: "x" <= c.n, lambda: c.day == "not a date"):
        raises_before_sql(AttributeCastError, lambda cond=cond: Item.where(cond()).count())
    raises_before_sql(AttributeCastError, lambda: Item.group("n").having(c.n > "x").count())
    assert Item.where(c.n >= "2").count() == 3


def test_uncastable_keys_are_not_found(items):
    # MariaDB found record 1 for "1abc"; PostgreSQL raised DataError for "abc".
    for key in ("1abc", "abc", 1.5, None, "", b"1"):
        raises_before_sql(RecordNotFound, lambda key=key: Item.find(key))
        raises_before_sql(RecordNotFound, lambda key=key: Item.all().find(key))
    assert Item.find("3").id == 3 and Item.find(" 3 ").id == 3
    with pytest.raises(RecordNotFound) as info:
        Item.find([2, "abc", 3])
    assert info.value.key == "abc"
    assert Item.find_by(id="abc") is None and Item.find_by(id=["abc", 4]).id == 4
    assert Item.find_by(id="4").id == 4
    with pytest.raises(AttributeCastError):  # not a key column: a mistake, not a miss
        Item.find_by(n="x")
    assert Item.exists(4) and not Item.exists(1.5) and not Item.exists(b"x")
    assert Item.delete(["abc", HUGE]) == 0 and Item.count() == 11


def test_generators_and_views_are_refused(items):
    kinds = (lambda: (i for i in [1, 2]), lambda: {1: "a"}.keys(),
             lambda: {1: "a"}.values(), lambda: iter([1]), lambda: map(int, "12"))
    for make in kinds:
        with pytest.raises(TypeError, match="cd_items.n.*list, tuple, set"):
            Item.where(n=make())
        with pytest.raises(TypeError, match="list, tuple, set"):
            Item.where(Item.c.n.in_(make()))
        with pytest.raises(TypeError, match="cd_items.n"):
            Item.where(Item.c.n == make())
        with pytest.raises(TypeError):
            Item.where("n IN (?)", make())
        with pytest.raises(TypeError):
            Item.find(make())
        with pytest.raises(TypeError, match="cd_items.n"):
            Item.where(id=1).update_all(n=make())
    with pytest.raises(TypeError, match="list, tuple, set"):
        Item.where(Item.c.label.in_("abc"))  # a string is not a list of characters
    assert Item.where(n=range(1, 3)).count() == 7 and Item.where(n={1, 2}).count() == 7
    assert Item.where("n IN (?)", range(1, 3)).count() == 7


def test_records_and_json_values_still_work(make_table, db):
    make_catalogue(make_table, db)
    acdc = QArtist.find(1)
    assert sorted(a.id for a in QAlbum.where(artist_id=acdc)) == [1, 2]
    assert sorted(a.id for a in QAlbum.where(artist_id=[acdc, QArtist.find(2)])) == [1, 2, 3, 4]
    assert QAlbum.where(QAlbum.c.artist_id.in_([acdc])).count() == 2
    make_table("cd_docs", id="pk", doc="json")

    class Doc(Model):
        table_name = "cd_docs"

    Doc.create(doc={"a": 1})
    assert Doc.where(doc={"a": 1}).count() == 1


def test_update_all_and_batch_bounds_are_cast(items):
    raises_before_sql(AttributeCastError, lambda: Item.update_all(n="x"), match="assign")
    raises_before_sql(AttributeCastError, lambda: Item.update_all(n=HUGE), match="integers")
    assert Item.where(n=None).count() == 1  # nothing was written
    assert Item.where(id=1).update_all(n="7") == 1 and Item.find(1).n == 7
    with pytest.raises(AttributeCastError):
        list(Item.find_each(start="x"))
    with pytest.raises(AttributeCastError):
        list(Item.in_batches(finish="x"))
    assert [r.id for r in Item.find_each(start="9")] == [9, 10, 11]
    assert [r.id for r in Item.find_each(finish=HUGE, start=10)] == [10, 11]


# -- out-of-range integers ------------------------------------------------------------
def test_integers_beyond_the_database_are_no_match(items, db):
    # SQLite raised a raw OverflowError binding them.
    low, high = db.dialect.integer_range  # MariaDB: up to BIGINT UNSIGNED
    for key in (HUGE, -HUGE, high + 1, low - 1):
        raises_before_sql(RecordNotFound, lambda key=key: Item.find(key))
        assert Item.find_by(id=key) is None and not Item.exists(key)
    assert Item.where(id=HUGE).count() == 0
    assert Item.where(id=[1, HUGE, -HUGE]).count() == 1
    assert Item.where_not(id=[HUGE]).count() == 11
    c = Item.c
    assert Item.where(c.n < HUGE).count() == 10      # every non-NULL n
    assert Item.where(c.n > -HUGE).count() == 10
    assert Item.where(c.n > HUGE).count() == 0
    assert Item.where(c.n != HUGE).count() == 10
    assert Item.where(c.n.between(1, HUGE)).count() == 7
    assert Item.where(c.n.between(-HUGE, HUGE)).count() == 10
    assert Item.where(~c.n.between(HUGE, HUGE + 1)).count() == 10  # non-NULL n
    assert Item.where(~c.n.between(-HUGE, HUGE)).count() == 0
    assert Item.where(c.n.in_([HUGE])).count() == 0
    assert Item.where(c.n.not_in([HUGE, 1])).count() == 6
    assert Item.where(id=range(5, HUGE)).count() == 7
    assert Item.where(id=between(-HUGE, 2)).count() == 2


# -- IN with None, blank templates ----------------------------------------------------
def test_in_with_none_matches_null(items):
    c = Item.c
    assert Item.where(c.label.in_([None, "L1"])).count() == 2   # was IN (NULL, ?): 1
    assert Item.where(c.label.in_([None])).count() == 1
    assert Item.where(c.label.not_in([None, "L1"])).count() == 9
    assert Item.where(~c.label.in_([None, "L1"])).count() == 9
    assert Item.where(c.n.not_in([None])).count() == 10
    assert Item.where(c.label.in_([None, "L1"])).count() == \
        Item.where(label=[None, "L1"]).count()
    assert Item.where_not(label=[None, "L1"]).count() == 9


def test_blank_templates_are_no_conditions(items):
    # where("") reached the database as a syntax error.
    for blank in ("", "   ", "\n"):
        assert Item.where(blank).count() == 11
        assert Item.where(blank).to_sql() == Item.all().to_sql()
        assert Item.where_not(blank).count() == 11
        assert Item.group("n").having(blank).count() == {None: 1, 0: 3, 1: 4, 2: 3}
        assert Item.find_by(blank) is not None
        assert not Item.exists(blank)  # one string is a key there, as Rails' exists?
    with pytest.raises(ValueError):
        Item.where("", 1)  # values without placeholders: still a mistake


# -- 9/11. many keys, the parameter limit ---------------------------------------------
def test_find_and_delete_thousands_of_keys(items, db):
    # SQLite: the OR chain failed from about 1000 keys ("Expression tree is too large").
    Item.insert_all([{"n": 5, "label": "bulk"} for _ in range(2500)])
    keys = Item.where(label="bulk").order("-id").ids()
    found = Item.find(keys)
    assert [r.id for r in found] == keys
    assert [r.id for r in Item.where(n=5).find(*keys[:1500])] == keys[:1500]
    with pytest.raises(RecordNotFound) as info:
        Item.find(keys + [99_999, 99_998])
    assert info.value.key == [99_999, 99_998]
    assert Item.delete(keys[:2000] + ["x"]) == 2000
    assert Item.where(label="bulk").count() == 500


def test_keys_beyond_the_parameter_limit_are_chunked(make_table, db):
    make_table("cd_items", id="pk", n="int", label="string(20)", price="decimal(8,2)",
               day="date")
    make_table("cd_children", id="pk", item_id="int REFERENCES cd_items(id)")
    limit = db.features.max_parameters
    Item.insert_all([{"n": 1} for _ in range(limit + 10)])
    keys = Item.order("id").ids()[::-1]
    with capture_sql() as statements:
        found = Item.find(keys)
    assert [r.id for r in found] == keys
    assert len([s for s in statements if s.startswith("SELECT")]) == 2
    # All or nothing: the last chunk's DELETE fails, the first one is rolled back.
    child = Child.create(item_id=keys[-1])
    with pytest.raises(InvalidForeignKey):
        Item.delete(keys)
    assert Item.count() == limit + 10
    child.destroy()
    with capture_sql() as statements:
        assert Item.delete(keys) == limit + 10
    deletes = [s for s in statements if s.startswith("DELETE")]
    assert len(deletes) == 2 and any(s.startswith("BEGIN") for s in statements)
    assert Item.count() == 0


def test_a_list_beyond_the_limit_is_a_clear_error(items, db):
    limit = db.features.max_parameters
    err = raises_before_sql(ProgrammingError,
                            lambda: Item.where(id=list(range(limit + 1))).count())
    assert str(limit) in str(err) and str(limit + 1) in str(err)
    assert Item.where(id=list(range(limit))).count() == 11  # up to the limit: fine
    with db.transaction(), pytest.raises(ProgrammingError, match=str(limit)):
        db.execute("SELECT 1 WHERE 1 IN (" + ", ".join("?" * (limit + 1)) + ")",
                   [1] * (limit + 1))
    assert Item.count() == 11


def test_composite_keys_use_row_values(make_table, db):
    make_table("cd_pairs", "PRIMARY KEY (a, b)", a="int NOT NULL", b="int NOT NULL",
               v="string(10)")
    Pair.insert_all([{"a": a, "b": b, "v": f"{a}-{b}"} for a in range(60) for b in range(30)])
    keys = [(a, b) for a in range(59, -1, -1) for b in range(29, -1, -1)]
    with capture_sql() as statements:
        found = Pair.find(keys)
    assert [(r.a, r.b) for r in found] == keys
    assert " IN (" in statements[-1] and " OR " not in statements[-1]
    assert Pair.find((3, "4")).v == "3-4"
    for bad in ((3, "x"), (HUGE, 1), (None, 1)):
        with pytest.raises(RecordNotFound):
            Pair.find(bad)
    with pytest.raises(ValueError, match="composite primary key"):
        Pair.find(3)
    assert Pair.exists((1, 1)) and not Pair.exists((1, "x"))
    assert Pair.delete(keys[:1500] + [(1, "x")]) == 1500
    assert Pair.count() == 1800 - 1500


# -- 1. tables without a primary key --------------------------------------------------
def test_a_table_without_a_key_says_so(log):
    cases = {
        "find()": lambda: Log.find(1),
        "find() ": lambda: Log.where(n=1).find(1, 2),
        "exists(key)": lambda: Log.exists(1),
        "delete(key)": lambda: Log.delete([1, 2]),
        "ids()": lambda: Log.ids(),
        "first()": lambda: Log.first(),
        "last()": lambda: Log.last(),
        "last() ": lambda: Log.limit(2).last(),
        "reverse_order()": lambda: Log.all().reverse_order(),
        "reverse_order() ": lambda: Log.all()[-1],
        "subquery": lambda: Log.where(n=Log.where(n=1)).to_list(),
    }
    for what, fn in cases.items():
        err = raises_before_sql(UnknownPrimaryKey, fn)
        assert "Log" in str(err) and "cd_log" in str(err), what
        assert err.model is Log and err.table == "cd_log"
    assert Log.count() == 7 and Log.where(n=[1, 2]).pluck("msg") == ["m1", "m2"]
    assert Log.order("n").first().n == 1 and Log.order("n").last().n == 7
    assert Log.order("-n").reverse_order().first().n == 1
    assert Log.take() is not None and len(Log.where(Log.c.n > 3).to_list()) == 4
    assert Log.find_by(n=3).msg == "m3" and Log.exists(n=3)
    assert Log.where(n=1).delete_all() == 1


# -- 12. batches by a cursor ----------------------------------------------------------
def test_batches_without_a_key_need_a_cursor(log):
    for fn in (lambda: list(Log.find_each()), lambda: list(Log.find_in_batches()),
               lambda: list(Log.in_batches())):
        err = raises_before_sql(UnknownPrimaryKey, fn, match="cursor")
        assert err.table == "cd_log"
    assert [r.n for r in Log.find_each(batch_size=3, cursor="n")] == list(range(1, 8))
    assert [r.n for r in Log.find_each(batch_size=2, key="n", order="desc")] == \
        list(range(7, 0, -1))
    assert [len(b) for b in Log.find_in_batches(batch_size=3, cursor=("n",))] == [3, 3, 1]
    assert [b.pluck("n") for b in Log.in_batches(of=4, cursor="n")] == [[1, 2, 3, 4],
                                                                       [5, 6, 7]]
    assert Log.in_batches(of=3, cursor="n").update_all(msg="x") == 7
    assert [r.n for r in Log.find_each(cursor="n", start=3, finish=5)] == [3, 4, 5]
    with pytest.raises(UnknownAttributeError):
        list(Log.find_each(cursor="nope"))
    with pytest.raises(TypeError):
        list(Log.find_each(cursor="n", key="n"))
    with pytest.raises(ValueError, match="cursor"):
        list(Log.select("msg").find_each(cursor="n"))


def test_batches_over_a_view_by_cursor(items, db):
    q = db.dialect.quote_name
    db.execute(f"DROP VIEW IF EXISTS {q('cd_item_view')}")
    db.execute(f"CREATE VIEW {q('cd_item_view')} AS SELECT id, n, label FROM "
               f"{q('cd_items')}")

    class ItemView(Model):
        table_name = "cd_item_view"

    try:
        with pytest.raises(UnknownPrimaryKey):
            list(ItemView.find_each())  # was IndexError
        # A view shows no keys: its cursor is refused unless the caller vouches for it.
        with pytest.raises(ValueError, match="assume_unique"):
            list(ItemView.find_each(cursor="id"))
        assert [r.id for r in ItemView.find_each(batch_size=4, cursor="id",
                                                 assume_unique=True)] == list(range(1, 12))
        pairs = [(r.n, r.id) for r in ItemView.where(ItemView.c.n.is_not_null())
                 .find_each(batch_size=3, cursor=("n", "id"), assume_unique=True)]
        assert pairs == sorted(pairs) and len(pairs) == 10
        labelled = ItemView.where(ItemView.c.label.is_not_null())
        assert sum(b.count() for b in labelled.in_batches(of=3, key=("label", "id"),
                                                          assume_unique=True)) == 10
    finally:
        ItemView.reset_column_information()
        db.execute(f"DROP VIEW {q('cd_item_view')}")


def test_in_batches_refuses_batches_beyond_the_parameter_limit(items, db):
    limit = db.features.max_parameters
    with pytest.raises(ValueError, match=str(limit)):
        Item.in_batches(of=limit + 1)
    assert sum(b.count() for b in Item.in_batches(of=limit - 1)) == 11


# -- 13. copies and pickles of relations ----------------------------------------------
def test_relations_copy_and_pickle_unloaded(items):
    rel = Item.where(n=1, label=["L1", "L4"]).where(Item.c.price > 0).order("-id").small()
    rel.load()
    expected = rel.sql_and_params()
    for other in (copy.copy(rel), copy.deepcopy(rel), pickle.loads(pickle.dumps(rel))):
        assert other._records is None and other is not rel
        assert other.sql_and_params() == expected
        assert [r.id for r in other] == [4, 1]
        assert other.small().count() == 2  # named scopes still chain
    scoped = pickle.loads(pickle.dumps(Item.where(n=1, label=["a"])))
    assert scoped.scope_attributes() == {"n": 1}
    assert copy.deepcopy(Item.none()).count() == 0


# -- 14. arrays are PostgreSQL's ------------------------------------------------------
@pytest.mark.databases("sqlite", "mysql")
def test_array_operators_are_not_supported_elsewhere(items, db):
    c = Item.c
    for cond in (c.label.contains(["a"]), c.label.overlaps(["a"]),
                 c.label.contained_by(["a"]), c.label.contains({"a": 1})):
        with pytest.raises(NotSupportedError, match="PostgreSQL"):
            db.compile(n.Select(n.Table("cd_items"), (c.id,), where=cond))
    with pytest.raises(AttributeCastError):  # bound first: a string column takes no list
        Item.where(c.label.contains(["a"]))
    assert Item.where(c.label.contains("1")).count() == 2  # text: LIKE, as before
