"""Batches on every database: find_each / find_in_batches / in_batches keyed on the
primary key (keyset, never OFFSET), with limits, start/finish, descending order,
composite keys, bulk work per batch, and memory that does not grow with the table."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import pytest

from activerecord import Model
from activerecord.testing import capture_sql
from tests.support.query_data import QArtist, make_catalogue


class Numbered(Model):
    table_name = "q_numbered"


class Pair(Model):
    table_name = "q_pairs"


@pytest.fixture
def catalogue(make_table, db):
    make_catalogue(make_table, db)
    return db


@pytest.fixture
def numbered(make_table, db):
    make_table("q_numbered", id="pk", n="int NOT NULL", label="string(20)")
    Numbered.insert_all([{"n": i % 7, "label": f"row {i}"} for i in range(1, 2501)])
    return db


def test_find_each_visits_every_row_once_in_key_order(numbered):
    with capture_sql() as statements:
        seen = [r.id for r in Numbered.find_each(batch_size=1000)]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 2500
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 3
    assert all("OFFSET" not in s for s in selects)  # keyset, not OFFSET pagination
    assert ">" in selects[1] and "ORDER BY" in selects[1]


def test_find_in_batches_sizes_conditions_limit_start_finish(numbered):
    rel = Numbered.where(n=3)
    total = rel.count()
    sizes = [len(b) for b in rel.find_in_batches(batch_size=100)]
    assert sum(sizes) == total and max(sizes) == 100
    ids = Numbered.order("id").ids()
    assert [r.id for r in Numbered.limit(250).find_each(batch_size=100)] == ids[:250]
    assert [r.id for r in Numbered.order("-n").find_each(batch_size=7, start=ids[10],
                                                          finish=ids[30])] == ids[10:31]
    assert [r.id for r in Numbered.find_each(batch_size=300, order="desc")] == ids[::-1]
    assert [r.id for r in Numbered.find_each(batch_size=5, order="desc", start=ids[20],
                                             finish=ids[3])] == ids[3:21][::-1]
    assert list(Numbered.where(n=99).find_in_batches()) == []


def test_batches_refuse_what_they_cannot_honour(numbered):
    for bad in (lambda: Numbered.offset(5).find_each(),
                lambda: Numbered.all().find_each(batch_size=0),
                lambda: Numbered.all().find_each(order="sideways"),
                lambda: Numbered.select("n").find_each(),
                lambda: Numbered.all().in_batches(of=-1)):
        with pytest.raises(ValueError):
            list(bad())


def test_in_batches_yields_relations_and_bulk_methods(numbered):
    batches = list(Numbered.where(n=[1, 2]).in_batches(of=200))
    counts = [b.count() for b in batches]
    assert sum(counts) == Numbered.where(n=[1, 2]).count() and max(counts) == 200
    assert Numbered.where(n=1).in_batches(of=150).update_all(label="one") == \
        Numbered.where(n=1).count()
    assert Numbered.where(label="one").count() == Numbered.where(n=1).count()
    records = list(Numbered.where(n=2).in_batches(of=64).each_record())
    assert len(records) == Numbered.where(n=2).count()
    deleted = Numbered.where(n=0).in_batches(of=100).delete_all()
    assert deleted > 0 and Numbered.where(n=0).count() == 0


def test_batches_over_a_composite_key(make_table, db):
    make_table("q_pairs", "PRIMARY KEY (a, b)", a="int NOT NULL", b="int NOT NULL",
               v="string(10)")
    Pair.insert_all([{"a": a, "b": b, "v": f"{a}-{b}"} for a in range(1, 8) for b in (3, 1, 2)])
    assert Pair.exists((3, 1)) and not Pair.exists((9, 9))
    keys = [(r.a, r.b) for r in Pair.find_each(batch_size=4)]
    assert keys == sorted(keys) and len(keys) == 21
    assert [(r.a, r.b) for r in Pair.find_each(batch_size=5, order="desc")] == keys[::-1]
    assert sum(b.count() for b in Pair.in_batches(of=4)) == 21
    assert Pair.where(a=3).in_batches(of=2).delete_all() == 3
    assert Pair.count() == 18
    with pytest.raises(ValueError, match="single-column"):
        list(Pair.find_each(start=(1, 1)))


def test_find_each_on_the_catalogue_ignores_the_relation_order(catalogue):
    assert [a.id for a in QArtist.order("-name").find_each(batch_size=3)] == list(range(1, 11))


def _peak_kib(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def test_find_each_memory_does_not_grow_with_the_table(make_table, db):
    make_table("q_numbered", id="pk", n="int NOT NULL", label="string(20)")
    Numbered.insert_all([{"n": i, "label": f"row {i}"} for i in range(2000)])

    def walk():
        count = 0
        for _ in Numbered.find_each(batch_size=500):
            count += 1
        return count

    small = _peak_kib(walk)
    Numbered.insert_all([{"n": i, "label": f"row {i}"} for i in range(2000, 40000)])
    large = _peak_kib(walk)
    assert Numbered.count() == 40000
    # 20x the rows, the same batches in memory: the peak may not grow with the table
    assert large < small * 2 + 256, (small, large)
    loaded = _peak_kib(lambda: Numbered.all().to_list())
    assert loaded > large * 5, (loaded, large)


@pytest.mark.databases("sqlite")
def test_find_each_over_a_million_rows_in_constant_memory(make_table, db):
    make_table("q_numbered", id="pk", n="int NOT NULL", label="string(20)")
    Numbered.insert_all(({"n": i, "label": "x"} for i in range(1_000_000)),
                        record_timestamps=False)
    assert Numbered.count() == 1_000_000
    gc.collect()
    samples, count, last = [], 0, None
    for record in Numbered.find_each(batch_size=5000):
        count += 1
        last = record.id
        if count % 50_000 == 0:  # one sample per 10 batches, each with a batch loaded
            samples.append(sys.getallocatedblocks())
    assert (count, last) == (1_000_000, 1_000_000)
    # Anything kept per row (a growing list, a cache) would add >= 1 block per row:
    # 1e6 rows would show as ~1e6 more blocks between the first and the last sample.
    assert max(samples) - min(samples) < 5_000, samples
