"""The per-database schema cache: per-table clearing, dump and load."""

from __future__ import annotations

from activerecord import Model


def test_clear_one_table_keeps_the_others(db, make_table):
    make_table("alphas", id="pk", a="int")
    make_table("betas", id="pk", b="int")
    alpha, beta = db.table_info("alphas"), db.table_info("betas")
    db.schema_cache.clear("alphas")
    assert db.table_info("betas") is beta
    assert db.table_info("alphas") is not alpha
    assert db.table_info("alphas") == alpha


def test_dump_and_load_by_version(db, make_table, tmp_path):
    db.schema_cache.clear()  # only this test's table (others may have read the catalog)
    make_table("gammas", id="pk", label="string(20) DEFAULT 'g'", price="decimal(6,2) DEFAULT 2.5")
    info = db.table_info("gammas")
    path = str(tmp_path / "schema.json")
    db.schema_cache.dump(path, version="20260101")
    db.schema_cache.clear()
    assert db.schema_cache.load(path, version="20260102") is False
    assert db.schema_cache.tables() == []
    assert db.schema_cache.load(path, version="20260101") is True
    assert db.schema_cache.tables() == ["gammas"]
    assert db.table_info("gammas") == info

    class Gamma(Model):
        table_name = "gammas"

    assert Gamma.create(label="x").label == "x"


def test_disconnect_then_use_again(db, make_table):
    make_table("deltas", id="pk", d="int")

    class Delta(Model):
        table_name = "deltas"

    Delta.create(d=1)
    db.disconnect()
    assert Delta.count() == 1
