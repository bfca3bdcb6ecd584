"""PostgreSQL conditions: array columns compare with arrays (``=``, ``@>``, ``<@``,
``&&``) and refuse strings; more than 65535 parameters is a client-side error on a
healthy connection, never a lost connection."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from activerecord import Model
from activerecord.errors import AttributeCastError, ConnectionError, ProgrammingError
from activerecord.testing import capture_sql
from backends.postgresql.types import parse_array


@pytest.fixture
def posts(pg, tables):
    mood = tables("mood", "CREATE TYPE {t} AS ENUM ('sad', 'happy')", kind="TYPE")
    q = pg.dialect.quote_identifier
    table = tables("posts", f"""CREATE TABLE {{t}} (id serial PRIMARY KEY, tags text[],
        names varchar(20)[], nums integer[], bigs bigint[], grid integer[][],
        moods {q(mood)}[], doc jsonb)""")

    class Post(Model):
        database = pg
        table_name = table

    Post.create(tags=["a", "b"], names=["x"], nums=[1, 2], bigs=[2**40], grid=[[1, 2], [3, 4]],
                moods=["sad"], doc={"k": [1, 2]})
    Post.create(tags=["c"], names=["x", "y"], nums=[3], bigs=[1], grid=[[5, 6]],
                moods=["happy", "sad"], doc={"k": [3]})
    Post.create(tags=[], nums=[], moods=[])
    yield Post
    Post.reset_column_information()


def ids(rel):
    return sorted(r.id for r in rel)


def test_a_list_is_the_array_value(posts):
    # where(tags=[...]) raised IndexError from the array parser (a list meant IN).
    assert ids(posts.where(tags=["a", "b"])) == [1]
    assert ids(posts.where(tags=["b", "a"])) == []       # arrays are ordered
    assert ids(posts.where(nums=[1, 2])) == [1]          # integer[] = smallint[] had no =
    assert ids(posts.where(nums=("1", "2"))) == [1]      # items cast as the column's
    assert ids(posts.where(bigs=[2**40])) == [1]
    assert ids(posts.where(grid=[[5, 6]])) == [2]
    assert ids(posts.where(moods=["happy", "sad"])) == [2]
    assert ids(posts.where(names=["x", "y"])) == [2]
    assert ids(posts.where(nums=[])) == [3]
    assert posts.find_by(tags=["c"]).id == 2
    assert posts.find_by(tags=["zz"]) is None
    assert ids(posts.where_not(tags=["c"])) == [1, 3]
    assert ids(posts.where(posts.c.nums == [3])) == [2]
    assert ids(posts.where(posts.c.nums.in_([[1, 2], [3]]))) == [1, 2]
    assert posts.where(tags=["z"]).new().tags == ["z"]


def test_containment_operators(posts):
    c = posts.c
    assert ids(posts.where(c.tags.contains(["a"]))) == [1]
    assert ids(posts.where(c.nums.contains([1, 2]))) == [1]
    assert ids(posts.where(c.nums.contains(["3"]))) == [2]
    assert ids(posts.where(c.nums.overlaps([2, 3]))) == [1, 2]
    assert ids(posts.where(c.moods.overlaps(["happy"]))) == [2]
    assert ids(posts.where(c.names.contained_by(["x", "y", "z"]))) == [1, 2]
    assert ids(posts.where(c.nums.contained_by({1, 2, 3}))) == [1, 2, 3]
    assert ids(posts.where(c.doc.contains({"k": [1]}))) == [1]
    assert ids(posts.where(~c.tags.contains(["a"]))) == [2, 3]
    assert "@>" in posts.where(c.tags.contains(["a"])).to_sql()


def test_values_an_array_cannot_take_are_cast_errors(posts):
    c = posts.c
    for bad in (lambda: posts(tags="a"), lambda: posts(tags="{a,b}"),
                lambda: posts.where(tags="a"), lambda: posts.where(nums=["x"]),
                lambda: posts.where(c.nums.contains(["x"])),
                lambda: posts.where(c.nums.overlaps([[1], "x"]))):
        with pytest.raises(AttributeCastError, match="array|int"):
            bad()
    record = posts.find(1)
    with pytest.raises(AttributeCastError, match="give a list"):
        record.tags = "c"
    assert record.tags == ["a", "b"]


def test_a_string_or_a_ragged_list_is_no_array_value(posts):
    # contains("a") was LIKE on text[] and overlaps("a") a TypeError; a ragged nested
    # list reached the server (DataError).
    c = posts.c
    for bad in (lambda: posts.where(c.tags.contains("a")).count(),
                lambda: posts.where(c.tags.like("a%")).count(),
                lambda: posts.where(c.tags.overlaps("a")).count(),
                lambda: posts.where(c.nums.contained_by(3)).count(),
                lambda: posts.where(~c.tags.contains("a")).count()):
        with capture_sql() as sql, pytest.raises(AttributeCastError, match="list of items"):
            bad()
        assert sql == []
    for ragged in ([[1], [2, 3]], [[1, 2], 3], [1, [2]], [[[1]], [[1, 2]]], [[]], [[], []]):
        with capture_sql() as sql, pytest.raises(AttributeCastError, match="array"):
            posts.where(grid=ragged).count()
        assert sql == []
        with pytest.raises(AttributeCastError, match="rectangular|empty"):
            posts(grid=ragged)
    with pytest.raises(AttributeCastError, match="rectangular"):
        posts.where(posts.c.grid.contains([[1], [2, 3]])).count()
    assert ids(posts.where(grid=[[1, 2], [3, 4]])) == [1]
    assert ids(posts.where(c.grid.contains([[1, 2]]))) == [1]
    assert posts.create(grid=[[None, 1]], nums=[None]).grid == [[None, 1]]
    with pytest.raises(AttributeCastError, match="names"):  # varchar[]: an array too
        posts.where(c.names.contains("x")).count()


def test_array_text_parser_refuses_malformed_text():
    assert parse_array('{a,"b c",NULL,{1,2}}') == ["a", "b c", None, ["1", "2"]]
    for text in ("a", "{a", "a}", "{a}}", "{a}b", "", "}{"):
        with pytest.raises(ValueError, match="malformed array"):
            parse_array(text)


def test_too_many_parameters_is_not_a_disconnect(pg):
    # psycopg reports it without SQLSTATE, as a lost connection was: the read was
    # retried and a healthy pooled connection discarded.
    sql = "SELECT 1 WHERE 1 IN (" + ", ".join(["%s"] * 70000) + ")"
    conn = pg.pool.checkout()
    try:
        with pytest.raises(psycopg.Error) as info:
            pg.adapter.execute(conn, sql, [1] * 70000)
        assert info.value.sqlstate is None
        assert not pg.adapter.is_disconnect(info.value)
        assert not isinstance(pg.adapter.translate_error(info.value), ConnectionError)
        assert pg.adapter.execute(conn, "SELECT 2", []).fetchall() == [(2,)]
    finally:
        pg.pool.checkin(conn)


def test_too_many_parameters_keeps_the_pooled_connection(open_db):
    db = open_db(pool_size=1)
    pid = db.execute("SELECT pg_backend_pid()").rows[0][0]
    sql = "SELECT 1 WHERE 1 IN (" + ", ".join(["?"] * 70000) + ")"
    with pytest.raises(ProgrammingError, match="65535"):
        db.execute(sql, [1] * 70000)   # refused by Database.run, before the driver
    # A Database whose limit claims more still reaches psycopg: no disconnect either.
    db.adapter.features = dataclasses.replace(db.adapter.features, max_parameters=10**6)
    with pytest.raises(ProgrammingError) as info:
        db.run(sql.replace("?", "%s"), [1] * 70000, read=True)
    assert not isinstance(info.value, ConnectionError)
    assert "lost the connection" not in str(info.value)
    assert db.execute("SELECT pg_backend_pid()").rows[0][0] == pid  # not discarded
