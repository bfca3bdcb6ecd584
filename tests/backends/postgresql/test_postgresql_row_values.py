"""PostgreSQL: many keys in one statement. A composite key list is written ``(a, b) IN
(VALUES ...)`` (an IN *list* of rows nests one OR per row and exceeds max_stack_depth
near 10,000 rows); the VALUES list's first row is cast where a text parameter would
change the comparison (enum, ``char(n)``), and never to a type with modifiers, which
would cut or round a key into a false match. A one-column key list is ``= ANY``."""

from __future__ import annotations

import datetime as dt
import uuid

from activerecord import Model
from activerecord.testing import capture_sql


def model(db, table):
    return type("M_" + table, (Model,), {"table_name": table, "database": db})


def _key(i: int) -> tuple:
    return (i, f"k{i % 7}", dt.date(2020, 1, 1) + dt.timedelta(days=i % 400),
            uuid.UUID(int=i * 7919))


def test_ten_thousand_keys_of_integer_text_date_and_uuid(pg, tables):
    name = tables("rowkeys", "CREATE TABLE {t} (i integer, s varchar(8), d date, u uuid, "
                             "v integer, PRIMARY KEY (i, s, d, u))")
    Keyed = model(pg, name)
    keys = [_key(i) for i in range(10_000)]
    Keyed.insert_all([dict(zip("isdu", k), v=k[0]) for k in keys])
    wanted = keys[::-3]
    with capture_sql() as sql:
        found = Keyed.find(wanted)
    assert [r.id for r in found] == wanted and [r.v for r in found] == [k[0] for k in wanted]
    assert any("IN (VALUES" in s for s in sql)
    # A key that differs from a stored one only beyond varchar(8) matches nothing: the
    # VALUES column is not cast to varchar(8) (which would cut it to the stored value).
    stored = (1, "abcdefgh", dt.date(2021, 5, 5), uuid.UUID(int=1))
    Keyed.insert_all([dict(zip("isdu", stored), v=-1)])
    longer = (1, "abcdefghX", dt.date(2021, 5, 5), uuid.UUID(int=1))
    assert Keyed.delete([longer] + keys[:2]) == 2
    assert Keyed.where(v=-1).count() == 1
    assert Keyed.delete(keys) == 9_998 and Keyed.pluck("v") == [-1]


def test_enum_and_char_keys_keep_their_own_comparison(pg, tables):
    mood = tables("mood", kind="TYPE")
    pg.run(f"CREATE TYPE {pg.dialect.quote_identifier(mood)} AS ENUM ('sad', 'ok', 'happy')")
    name = tables("moodkeys", f"CREATE TABLE {{t}} (m {mood}, c char(4), n integer, "
                              "PRIMARY KEY (m, c))")
    Felt = model(pg, name)
    rows = [{"m": m, "c": c, "n": i}
            for i, (m, c) in enumerate((m, c) for m in ("sad", "ok", "happy")
                                       for c in ("a", "bb", "ccc"))]
    Felt.insert_all(rows)
    # char(4) loads padded ("bb  "), and a padded key equals the stored value only as
    # bpchar, which ignores trailing spaces (as text, the column reads "bb").
    keys = [("happy", "bb  "), ("sad", "a   "), ("ok", "ccc "), ("ok", "zz  ")]
    assert [r.n for r in Felt.find(keys[:3])] == [7, 0, 5]
    assert Felt.delete(keys) == 3 and Felt.count() == 6
    many = [(r["m"], r["c"]) for r in rows] * 1500  # 13,500 keys, one statement
    assert Felt.delete(many) == 6 and Felt.count() == 0


def test_sixty_thousand_single_keys(pg, tables):
    name = tables("single", "CREATE TABLE {t} (id integer PRIMARY KEY)")
    Single = model(pg, name)
    Single.insert_all([{"id": i} for i in range(60_000)])
    ids = list(range(60_000))[::-1]
    with capture_sql() as sql:
        assert [r.id for r in Single.find(ids)] == ids
    assert len([s for s in sql if s.lstrip().upper().startswith("SELECT")]) == 1
    assert Single.delete(ids) == 60_000 and Single.count() == 0


def test_batches_of_an_enum_and_char_key_touch_every_row(pg, tables):
    mood = tables("bmood", kind="TYPE")
    pg.run(f"CREATE TYPE {pg.dialect.quote_identifier(mood)} AS ENUM ('sad', 'ok', 'happy')")
    name = tables("bmoodkeys", f"CREATE TABLE {{t}} (m {mood}, c char(4), v integer, "
                               "PRIMARY KEY (m, c))")
    Felt = model(pg, name)
    Felt.insert_all([{"m": m, "c": c, "v": 0} for m in ("sad", "ok", "happy")
                     for c in ("a", "bb", "ccc")])
    # Each batch is its keys as rows: the char(4) values come back padded ("a   ").
    assert sum(b.update_all(v=1) for b in Felt.in_batches(of=4)) == 9
    assert Felt.where(v=1).count() == 9
