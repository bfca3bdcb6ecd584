"""Introspection and read/write on Chinook, a real schema nobody here wrote.

Chinook's scripts name things by engine: PascalCase on SQLite and MySQL (``Track``,
``UnitPrice``), snake_case on PostgreSQL (``track``, ``unit_price``). The expected
schema is written once in PascalCase and mapped with :func:`name`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from activerecord import Model, RecordNotFound, transaction
from activerecord.connection.database import Database
from activerecord.connection.handling import set_default_database
from tests.support import datasets

S, I, D, T = "string", "integer", "decimal", "datetime"  # noqa: E741 - a column-type table
# table -> [(column, neutral type, nullable)], primary key, foreign keys
SCHEMA = {
    "Album": ([("AlbumId", I, False), ("Title", S, False), ("ArtistId", I, False)],
              ("AlbumId",), {("ArtistId",): ("Artist", ("ArtistId",))}),
    "Artist": ([("ArtistId", I, False), ("Name", S, True)], ("ArtistId",), {}),
    "Customer": ([("CustomerId", I, False), ("FirstName", S, False), ("LastName", S, False),
                  ("Company", S, True), ("Address", S, True), ("City", S, True),
                  ("State", S, True), ("Country", S, True), ("PostalCode", S, True),
                  ("Phone", S, True), ("Fax", S, True), ("Email", S, False),
                  ("SupportRepId", I, True)],
                 ("CustomerId",), {("SupportRepId",): ("Employee", ("EmployeeId",))}),
    "Employee": ([("EmployeeId", I, False), ("LastName", S, False), ("FirstName", S, False),
                  ("Title", S, True), ("ReportsTo", I, True), ("BirthDate", T, True),
                  ("HireDate", T, True), ("Address", S, True), ("City", S, True),
                  ("State", S, True), ("Country", S, True), ("PostalCode", S, True),
                  ("Phone", S, True), ("Fax", S, True), ("Email", S, True)],
                 ("EmployeeId",), {("ReportsTo",): ("Employee", ("EmployeeId",))}),
    "Genre": ([("GenreId", I, False), ("Name", S, True)], ("GenreId",), {}),
    "Invoice": ([("InvoiceId", I, False), ("CustomerId", I, False), ("InvoiceDate", T, False),
                 ("BillingAddress", S, True), ("BillingCity", S, True),
                 ("BillingState", S, True), ("BillingCountry", S, True),
                 ("BillingPostalCode", S, True), ("Total", D, False)],
                ("InvoiceId",), {("CustomerId",): ("Customer", ("CustomerId",))}),
    "InvoiceLine": ([("InvoiceLineId", I, False), ("InvoiceId", I, False),
                     ("TrackId", I, False), ("UnitPrice", D, False), ("Quantity", I, False)],
                    ("InvoiceLineId",), {("InvoiceId",): ("Invoice", ("InvoiceId",)),
                                         ("TrackId",): ("Track", ("TrackId",))}),
    "MediaType": ([("MediaTypeId", I, False), ("Name", S, True)], ("MediaTypeId",), {}),
    "Playlist": ([("PlaylistId", I, False), ("Name", S, True)], ("PlaylistId",), {}),
    "PlaylistTrack": ([("PlaylistId", I, False), ("TrackId", I, False)],
                      ("PlaylistId", "TrackId"),
                      {("PlaylistId",): ("Playlist", ("PlaylistId",)),
                       ("TrackId",): ("Track", ("TrackId",))}),
    "Track": ([("TrackId", I, False), ("Name", S, False), ("AlbumId", I, True),
               ("MediaTypeId", I, False), ("GenreId", I, True), ("Composer", S, True),
               ("Milliseconds", I, False), ("Bytes", I, True), ("UnitPrice", D, False)],
              ("TrackId",), {("AlbumId",): ("Album", ("AlbumId",)),
                             ("GenreId",): ("Genre", ("GenreId",)),
                             ("MediaTypeId",): ("MediaType", ("MediaTypeId",))}),
}

_opened: dict[str, Database] = {}


@pytest.fixture
def chinook(db, tmp_path_factory):
    """The Chinook database on the same server as ``db``, made the default."""
    backend = db.adapter.name
    if backend not in _opened:
        if backend == "sqlite":
            path = str(tmp_path_factory.mktemp("chinook") / "chinook.db")
            datasets.load_chinook_sqlite(path)
            url = f"sqlite:///{path}"
        elif backend == "postgresql":
            datasets.load_chinook_postgresql(datasets.postgresql_params_from_env())
            url = datasets.dataset_url(db.config, "chinook")
        else:
            datasets.load_chinook_mysql(datasets.mysql_params_from_env())
            url = datasets.dataset_url(db.config, "Chinook")
        _opened[backend] = Database(url, name=f"chinook-{backend}")
    chinook_db = _opened[backend]
    set_default_database(chinook_db)
    yield chinook_db
    set_default_database(db)


def name(db, pascal: str) -> str:
    """``InvoiceLine`` -> ``invoice_line`` on PostgreSQL, unchanged elsewhere."""
    if db.adapter.name == "postgresql":
        return re.sub(r"(?<!^)(?=[A-Z])", "_", pascal).lower()
    return pascal


def test_every_table_is_found(chinook):
    assert chinook.table_names() == sorted(name(chinook, t) for t in SCHEMA)


@pytest.mark.parametrize("table", sorted(SCHEMA))
def test_columns_types_keys_and_foreign_keys(chinook, table):
    columns, pk, fks = SCHEMA[table]
    info = chinook.table_info(name(chinook, table))
    got = [(c.name, c.type, c.nullable) for c in info.columns]
    assert got == [(name(chinook, c), t, nullable) for c, t, nullable in columns]
    assert info.primary_key == tuple(name(chinook, c) for c in pk)
    found = {fk.columns: (fk.referred_table, fk.referred_columns) for fk in info.foreign_keys}
    expected = {tuple(name(chinook, c) for c in cols):
                (name(chinook, ref), tuple(name(chinook, c) for c in ref_cols))
                for cols, (ref, ref_cols) in fks.items()}
    assert found == expected
    decimals = [c for c in info.columns if c.type == "decimal"]
    assert all((c.precision, c.scale) == (10, 2) for c in decimals)
    indexed = {ix.columns for ix in info.indexes}
    for cols in expected:  # Chinook indexes every foreign key column
        assert cols in indexed


def _models(db):
    class Track(Model):
        table_name = name(db, "Track")

    class PlaylistTrack(Model):
        table_name = name(db, "PlaylistTrack")

    class Invoice(Model):
        table_name = name(db, "Invoice")

    return Track, PlaylistTrack, Invoice


def test_read_records_through_models(chinook):
    Track, PlaylistTrack, Invoice = _models(chinook)
    n = lambda c: name(chinook, c)  # noqa: E731
    assert Track.count() == 3503
    track = Track.find(1)
    assert track[n("Name")] == "For Those About To Rock (We Salute You)"
    assert track[n("UnitPrice")] == Decimal("0.99")
    assert Track.where(**{n("AlbumId"): 1}).count() == 10
    assert PlaylistTrack.primary_key == (n("PlaylistId"), n("TrackId"))
    assert PlaylistTrack.find((1, 3402))[n("TrackId")] == 3402
    invoice = Invoice.find(1)
    assert invoice[n("InvoiceDate")] == dt.datetime(2021, 1, 1)
    assert invoice[n("Total")] == Decimal("1.98")
    assert invoice[n("BillingCity")] == "Stuttgart"
    with pytest.raises(RecordNotFound):
        Track.find(99999)


def test_write_records_through_models_and_roll_back(chinook):
    Track, PlaylistTrack, Invoice = _models(chinook)
    n = lambda c: name(chinook, c)  # noqa: E731

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback):
        with transaction(chinook):
            t = Track.create(**{n("TrackId"): 5000, n("Name"): "New Song",
                                n("MediaTypeId"): 1, n("Milliseconds"): 1000,
                                n("UnitPrice"): Decimal("1.29")})
            assert Track.find(5000)[n("Name")] == "New Song"
            t[n("Composer")] = "Somebody"
            t.save()
            assert Track.find(5000)[n("Composer")] == "Somebody"
            PlaylistTrack.create(**{n("PlaylistId"): 1, n("TrackId"): 5000})
            assert PlaylistTrack.find((1, 5000)) is not None
            PlaylistTrack.find((1, 5000)).destroy()
            t.destroy()
            assert not Track.exists(**{n("TrackId"): 5000})
            old = Invoice.find(1)
            old.update(**{n("Total"): Decimal("2.50")})
            assert Invoice.find(1)[n("Total")] == Decimal("2.50")
            raise Rollback
    assert Track.count() == 3503
    assert Invoice.find(1)[n("Total")] == Decimal("1.98")
