"""Sakila, a second schema nobody here wrote, on every database: introspection and
reads through models, with the engines' differences pinned (ENUM on MySQL and
PostgreSQL, plain VARCHAR on SQLite; YEAR on MySQL/PostgreSQL, VARCHAR(4) on SQLite)."""

from __future__ import annotations

import decimal

import pytest

from activerecord import Model
from activerecord.connection.database import Database
from activerecord.connection.handling import set_default_database
from tests.support import datasets

_opened: dict[str, Database] = {}


@pytest.fixture
def sakila(db, tmp_path_factory):
    backend = db.adapter.name
    if backend not in _opened:
        if backend == "sqlite":
            path = str(tmp_path_factory.mktemp("sakila") / "sakila.db")
            datasets.load_sakila_sqlite(path)
            url = f"sqlite:///{path}"
        elif backend == "postgresql":
            datasets.load_sakila_postgresql(datasets.postgresql_params_from_env())
            url = datasets.dataset_url(db.config, "sakila")
        else:
            datasets.load_sakila_mysql(datasets.mysql_params_from_env())
            url = datasets.dataset_url(db.config, "sakila")
        _opened[backend] = Database(url, name=f"sakila-{backend}")
    set_default_database(_opened[backend])
    yield _opened[backend]
    set_default_database(db)


def test_core_tables_exist(sakila):
    assert {"actor", "address", "category", "city", "country", "customer", "film",
            "film_actor", "film_category", "inventory", "language", "payment", "rental",
            "staff", "store"} <= set(sakila.table_names())


def test_film_columns(sakila):
    cols = {c.name: c for c in sakila.table_info("film").columns}
    assert cols["film_id"].primary_key and cols["film_id"].type == "integer"
    assert (cols["title"].type, cols["title"].length, cols["title"].nullable) == (
        "string", 255, False)
    rate = cols["rental_rate"]
    assert (rate.type, rate.precision, rate.scale, rate.default) == (
        "decimal", 4, 2, decimal.Decimal("4.99"))
    assert cols["rental_duration"].default == 3
    assert cols["rating"].type == "string" and cols["rating"].default == "G"
    if sakila.adapter.name == "sqlite":
        assert cols["rating"].enum_values is None            # VARCHAR(10) there
        assert cols["release_year"].type == "string"         # VARCHAR(4)
    else:
        assert cols["rating"].enum_values == ("G", "PG", "PG-13", "R", "NC-17")
        assert cols["release_year"].type == "integer"        # YEAR (a domain on PG)


def test_composite_key_and_foreign_keys(sakila):
    info = sakila.table_info("film_actor")
    assert info.primary_key == ("actor_id", "film_id")
    refs = {fk.columns: (fk.referred_table, fk.referred_columns) for fk in info.foreign_keys}
    assert refs == {("actor_id",): ("actor", ("actor_id",)),
                    ("film_id",): ("film", ("film_id",))}


def test_read_through_models(sakila):
    class Film(Model):
        table_name = "film"

    class FilmActor(Model):
        table_name = "film_actor"

    class Payment(Model):
        table_name = "payment"

    assert Film.count() == 1000
    film = Film.find(1)
    assert film.title == "ACADEMY DINOSAUR"
    assert isinstance(film.rental_rate, decimal.Decimal)
    assert FilmActor.find((1, 1)).film_id == 1
    assert FilmActor.where(actor_id=1).count() == 19
    assert Payment.where(customer_id=1).count() == 32
    assert Film.where(rating="PG-13").count() == 223
