"""Sakila on PostgreSQL (a schema nobody here wrote): an enum with a default, a domain,
``text[]``, ``tsvector``, a partitioned table, composite keys, ON UPDATE CASCADE / ON
DELETE RESTRICT foreign keys, and models reading it. The dataset goes into its own
database ``sakila``, loaded once by ``tests.support.datasets`` (it needs the server's
superuser, AR_PG_SUPERUSER/AR_PG_SUPERPASSWORD, default postgres/postgres)."""

from __future__ import annotations

import datetime as dt
import decimal
import urllib.parse

import pytest

from activerecord import Model
from activerecord.connection import Database
from tests.support import datasets


@pytest.fixture(scope="module")
def sakila(pg):
    c = pg.config
    params = {"host": c.host, "port": c.port, "user": c.user, "password": c.password,
              "dbname": c.database}
    datasets.load_sakila_postgresql(params)
    auth = f"{urllib.parse.quote(c.user, safe='')}:{urllib.parse.quote(c.password, safe='')}"
    database = Database(f"postgresql://{auth}@{c.host}:{c.port}/sakila")
    yield database
    database.close()


def test_tables(sakila):
    names = sakila.table_names()
    assert {"actor", "film", "film_actor", "payment", "rental", "customer"} <= set(names)
    assert "actor_info" not in names and sakila.table_info("actor_info") is not None  # view


def test_film_columns(sakila):
    c = {col.name: col for col in sakila.table_info("film").columns}
    assert c["film_id"].auto_increment and c["film_id"].primary_key
    assert (c["title"].sql_type, c["title"].length, c["title"].nullable) == (
        "character varying(255)", 255, False)
    assert c["release_year"].sql_type == "year" and c["release_year"].type == "integer"
    assert (c["rental_rate"].precision, c["rental_rate"].scale,
            c["rental_rate"].default) == (4, 2, decimal.Decimal("4.99"))
    assert c["rental_duration"].default == 3
    assert c["rating"].type == "string" and c["rating"].default == "G"
    assert c["rating"].enum_values == ("G", "PG", "PG-13", "R", "NC-17")
    assert c["special_features"].sql_type == "text[]"
    assert c["fulltext"].sql_type == "tsvector" and c["fulltext"].type == "value"
    assert c["last_update"].default is None and c["last_update"].default_sql == "now()"


def test_keys(sakila):
    assert sakila.table_info("film_actor").primary_key == ("actor_id", "film_id")
    fks = {f.name: f for f in sakila.table_info("payment").foreign_keys}
    rental = fks["payment_rental_id_fkey"]
    assert (rental.referred_table, rental.referred_columns) == ("rental", ("rental_id",))
    assert (rental.on_delete, rental.on_update) == ("SET NULL", "CASCADE")
    assert fks["payment_customer_id_fkey"].on_delete == "RESTRICT"
    idx = {i.name: i for i in sakila.table_info("rental").indexes}
    assert any(i.unique and i.columns == ("rental_date", "inventory_id", "customer_id")
               for i in idx.values())


def test_models_read_sakila(sakila):
    class Film(Model):
        database = sakila
        table_name = "film"

    class FilmActor(Model):
        database = sakila
        table_name = "film_actor"

    film = Film.find(1)
    assert film.title == "ACADEMY DINOSAUR"
    assert film.rating in ("G", "PG", "PG-13", "R", "NC-17")
    assert isinstance(film.special_features, list)
    assert isinstance(film.rental_rate, decimal.Decimal)
    assert isinstance(film.last_update, dt.datetime) and film.last_update.tzinfo is None
    assert Film.where(rating="NC-17").count() == sakila.execute(
        "SELECT count(*) FROM film WHERE rating = 'NC-17'").rows[0][0]
    assert FilmActor.primary_key == ("actor_id", "film_id")
    assert FilmActor.where(film_id=1).count() > 0
