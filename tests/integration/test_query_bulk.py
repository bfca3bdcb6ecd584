"""Bulk writes on every database: update_all / delete_all (also through joins, order
and limit), insert_all and upsert_all (conflicts, timestamps, chunking under the
parameter limit, RETURNING)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from activerecord import (
    AttributeCastError,
    Model,
    NotSupportedError,
    RecordNotUnique,
    UnknownAttributeError,
    transaction,
)
from activerecord.testing import capture_sql
from tests.support.query_data import QAlbum, QArtist, make_catalogue


class Product(Model):
    table_name = "q_products"


@pytest.fixture
def catalogue(make_table, db):
    make_catalogue(make_table, db)
    return db


@pytest.fixture
def products(make_table, db):
    make_table("q_products", id="pk", sku="string(20) NOT NULL UNIQUE",
               name="string(60) NOT NULL", price="decimal(10,2)", stock="int DEFAULT 0",
               created_at="datetime", updated_at="datetime")
    return db


def _insert_statements(statements):
    return [s for s in statements if s.lstrip().upper().startswith("INSERT")]


# -- update_all / delete_all -----------------------------------------------------------
def test_update_all_values_and_expressions(catalogue):
    assert QArtist.where(country="US").update_all(rating=1, country="USA") == 3
    assert QArtist.where(country="USA").pluck("rating") == [1, 1, 1]
    assert QAlbum.where(artist_id=1).update_all(year=QAlbum.c.year + 100) == 2
    assert sorted(QAlbum.where(artist_id=1).pluck("year")) == [2077, 2081]
    assert QAlbum.where(id=1).update_all(price=Decimal("1.50"), released=None) == 1
    assert QAlbum.where(id=1).pick("price", "released") == (Decimal("1.50"), None)
    assert QArtist.where(id=0).update_all(rating=2) == 0
    with pytest.raises(ValueError):
        QArtist.update_all()


def test_update_all_counts_matched_rows_even_when_unchanged(catalogue):
    # MySQL reports changed rows unless the client asks for matched ones (FOUND_ROWS)
    assert QArtist.where(rating=5).update_all(rating=5) == 2


def test_update_and_delete_through_joins_order_and_limit(catalogue):
    uk_albums = QAlbum.joins(QArtist).where(QArtist.c.country == "UK")
    assert uk_albums.update_all(price=Decimal("1.00")) == 2
    assert QAlbum.where(price=Decimal("1.00")).count() == 2
    oldest_two = QAlbum.order("year").limit(2)
    assert sorted(oldest_two.pluck("id")) == [11, 12]
    assert oldest_two.update_all(title="old") == 2
    assert sorted(QAlbum.where(title="old").ids()) == [11, 12]
    assert QAlbum.order("-year").limit(3).delete_all() == 3
    assert 10 not in QAlbum.ids() and QAlbum.count() == 9
    assert QAlbum.joins(QArtist).where(QArtist.c.country == "Germany").delete_all() == 2
    assert QAlbum.count() == 7
    with pytest.raises(ValueError, match="grouped"):
        QAlbum.group("artist_id").delete_all()


def test_delete_all(catalogue):
    assert QAlbum.where(artist_id=9).delete_all() == 2
    assert QAlbum.count() == 10
    assert QAlbum.delete_all() == 10 and QAlbum.count() == 0


# -- insert_all --------------------------------------------------------------------------
def test_insert_all_sets_timestamps_and_defaults(products):
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    assert Product.insert_all([
        {"sku": "A1", "name": "Anvil", "price": Decimal("9.50")},
        {"sku": "B2", "name": "Bucket", "price": "3.25"},
    ]) is None
    rows = Product.order("sku").to_list()
    assert [(p.sku, p.name, p.price, p.stock) for p in rows] == [
        ("A1", "Anvil", Decimal("9.50"), 0), ("B2", "Bucket", Decimal("3.25"), 0)]
    assert rows[0].created_at == rows[0].updated_at == rows[1].created_at
    assert rows[0].created_at >= before - dt.timedelta(seconds=1)
    stamp = dt.datetime(2020, 5, 6, 7, 8, 9)
    Product.insert_all([{"sku": "C3", "name": "Crate", "created_at": stamp}])
    assert Product.find_by(sku="C3").created_at == stamp
    Product.insert_all([{"sku": "D4", "name": "Drum"}], record_timestamps=False)
    assert Product.find_by(sku="D4").created_at is None
    assert Product.insert_all([]) is None


def test_insert_all_duplicates_raise_or_are_skipped(products):
    Product.insert_all([{"sku": "A1", "name": "Anvil"}])
    with pytest.raises(RecordNotUnique):
        Product.insert_all([{"sku": "Z9", "name": "Zither"}, {"sku": "A1", "name": "Again"}])
    assert Product.count() == 1  # all or nothing
    Product.insert_all([{"sku": "A1", "name": "Again"}, {"sku": "B2", "name": "Bucket"}],
                       on_conflict="ignore")
    assert Product.order("sku").pluck("sku", "name") == [("A1", "Anvil"), ("B2", "Bucket")]
    Product.insert_all([{"sku": "B2", "name": "Again"}], on_conflict="ignore", unique_by="sku")
    assert Product.find_by(sku="B2").name == "Bucket"


def test_insert_all_is_chunked_under_the_parameter_limit(products, db, monkeypatch):
    small = dataclasses.replace(db.features, max_parameters=20)
    monkeypatch.setattr(db.adapter, "features", small)
    monkeypatch.setattr(db.dialect, "features", small)
    rows = [{"sku": f"S{i:03}", "name": f"item {i}", "price": Decimal(i)} for i in range(23)]
    with capture_sql() as statements:
        Product.insert_all(rows)  # 3 + 2 timestamps = 5 values a row: 4 rows a statement
    assert len(_insert_statements(statements)) == 6
    assert Product.count() == 23 and Product.sum("price") == Decimal(sum(range(23)))


def test_insert_all_returning(products, db):
    if not db.features.supports_returning:
        with pytest.raises(NotSupportedError):
            Product.insert_all([{"sku": "A1", "name": "Anvil"}], returning=True)
        return
    ids = Product.insert_all([{"sku": "A1", "name": "Anvil"}, {"sku": "B2", "name": "Bucket"}],
                             returning=True)
    assert ids == Product.order("id").ids() and all(isinstance(i, int) for i in ids)
    rows = Product.insert_all([{"sku": "C3", "name": "Crate", "price": "2.5"}],
                              returning=("id", "price", "created_at"))
    assert rows[0][1] == Decimal("2.50") and isinstance(rows[0][2], dt.datetime)
    assert Product.insert_all([], returning="id") == []


def test_skipped_rows_in_returning_differ_on_mariadb(products, db):
    # With on_conflict="ignore", SQLite and PostgreSQL return only the inserted rows;
    # MariaDB (ON DUPLICATE KEY UPDATE id = id ... RETURNING) also returns the row that
    # was kept, with its stored values.
    Product.insert_all([{"sku": "A1", "name": "Anvil"}])
    got = Product.insert_all([{"sku": "A1", "name": "Again"}, {"sku": "B2", "name": "Bucket"}],
                             on_conflict="ignore", returning=("sku", "name"))
    expected = [("B2", "Bucket")]
    if db.adapter.name == "mysql":
        expected = [("A1", "Anvil"), ("B2", "Bucket")]
    assert got == expected


def test_insert_all_bad_input(products):
    Product.columns
    with capture_sql() as statements:
        with pytest.raises(UnknownAttributeError):
            Product.insert_all([{"sku": "A1", "nope": 1}])
        with pytest.raises(ValueError, match="same keys"):
            Product.insert_all([{"sku": "A1", "name": "a"}, {"sku": "B2"}])
        with pytest.raises(ValueError, match="on_conflict"):
            Product.insert_all([{"sku": "A1", "name": "a"}], on_conflict="update")
        with pytest.raises(ValueError, match="not a unique key"):
            Product.insert_all([{"sku": "A1", "name": "a"}], on_conflict="ignore",
                               unique_by="name")
        with pytest.raises(TypeError):
            Product.insert_all([("A1", "a")])
    assert _insert_statements(statements) == []
    with pytest.raises(AttributeCastError, match="price"):
        Product.insert_all([{"sku": "A1", "name": "a", "price": "cheap"}])
    assert Product.count() == 0


# -- upsert_all --------------------------------------------------------------------------
def test_upsert_all_inserts_and_updates(products, db):
    old = dt.datetime(2020, 1, 1)
    Product.insert_all([{"sku": "A1", "name": "Anvil", "price": Decimal("9.50"), "stock": 5,
                         "created_at": old, "updated_at": old}])
    Product.upsert_all([{"sku": "A1", "name": "Anvil II", "price": Decimal("10.00")},
                        {"sku": "B2", "name": "Bucket", "price": Decimal("3.00")}],
                       unique_by="sku")
    a1, b2 = Product.order("sku").to_list()
    assert (a1.name, a1.price, a1.stock) == ("Anvil II", Decimal("10.00"), 5)
    assert a1.created_at == old and a1.updated_at > old      # created_at is kept
    assert (b2.name, b2.price, b2.stock) == ("Bucket", Decimal("3.00"), 0)
    assert Product.count() == 2


def test_upsert_all_by_primary_key_update_only_and_returning(products, db):
    Product.insert_all([{"id": 1, "sku": "A1", "name": "Anvil", "price": 1},
                        {"id": 2, "sku": "B2", "name": "Bucket", "price": 2}])
    Product.upsert_all([{"id": 1, "sku": "A1", "name": "Renamed", "price": 100}],
                       update_only=["price"])
    assert Product.where(id=1).pick("name", "price") == ("Anvil", Decimal("100.00"))
    if db.features.supports_returning:
        got = Product.upsert_all([{"id": 2, "sku": "B2", "name": "B", "price": 5},
                                  {"id": 3, "sku": "C3", "name": "C", "price": 6}],
                                 returning=("id", "name"))
        assert sorted(got) == [(2, "B"), (3, "C")]
    else:
        Product.upsert_all([{"id": 2, "sku": "B2", "name": "B", "price": 5},
                            {"id": 3, "sku": "C3", "name": "C", "price": 6}])
    assert Product.order("id").pluck("id", "name") == [(1, "Anvil"), (2, "B"), (3, "C")]


def test_upsert_all_inside_a_transaction_and_bad_keys(products):
    with transaction():
        Product.upsert_all([{"sku": "A1", "name": "one"}], unique_by="sku")
        Product.upsert_all([{"sku": "A1", "name": "two"}], unique_by="sku")
    assert Product.pluck("name") == ["two"]
    with pytest.raises(ValueError, match="not a unique key"):
        Product.upsert_all([{"sku": "A1", "name": "x"}], unique_by=("name",))
    with pytest.raises(UnknownAttributeError):
        Product.upsert_all([{"sku": "A1", "name": "x"}], unique_by="sku", update_only=["nope"])
