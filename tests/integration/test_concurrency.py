"""Thread safety: lazy schema loading happens once; many threads share a small pool."""

from __future__ import annotations

import threading

import pytest

from activerecord import Model
from activerecord.connection.database import Database


def test_two_threads_load_a_model_schema_once(db, make_table):
    make_table("gadgets", id="pk", name="string(20)")
    loads = []
    real_loader = db.schema_cache._loader

    def counting_loader(table):  # instrument (not replace) the real introspection
        loads.append(table)
        return real_loader(table)

    db.schema_cache._loader = counting_loader
    try:
        class Gadget(Model):
            table_name = "gadgets"

        barrier = threading.Barrier(8)
        schemas = []

        def touch():
            barrier.wait()
            schemas.append(Gadget._load_schema())

        threads = [threading.Thread(target=touch) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        db.schema_cache._loader = real_loader
    assert loads == ["gadgets"]
    assert len({id(s) for s in schemas}) == 1


def test_twenty_threads_crud_through_a_pool_of_five(db, make_table):
    make_table("events", "UNIQUE (worker, seq)", id="pk", worker="int NOT NULL",
               seq="int NOT NULL", note="string(40)")
    pooled = Database(db.config.url, name=f"pool5-{db.name}", pool_size=5,
                      pool_timeout=30)

    class Event(Model):
        table_name = "events"
        database = pooled

    errors = []

    def work(worker):
        try:
            for seq in range(10):
                e = Event.create(worker=worker, seq=seq, note="new")
                e.update(note="saved")
                assert Event.find(e.id).note == "saved"
            Event.where(worker=worker, seq=9).first().destroy()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert Event.count() == 20 * 9
        rows = Event.pluck("worker", "seq")
        assert len(rows) == len(set(rows)) == 180  # every row written exactly once
        assert Event.where(note="saved").count() == 180
        stats = pooled.pool.stats()
        assert stats["in_use"] == 0 and stats["open"] <= 5
    finally:
        pooled.close()


def test_connection_is_returned_after_a_failing_statement(db):
    pooled = Database(db.config.url, name=f"leak-{db.name}", pool_size=1, pool_timeout=2)
    try:
        for _ in range(5):
            with pytest.raises(Exception):
                pooled.execute("SELECT * FROM table_that_is_not_there")
        assert pooled.pool.stats()["in_use"] == 0
        with pytest.raises(ZeroDivisionError):
            with pooled.transaction():
                1 / 0
        assert pooled.pool.stats()["in_use"] == 0
        assert pooled.execute("SELECT 1").rows[0][0] == 1
    finally:
        pooled.close()
