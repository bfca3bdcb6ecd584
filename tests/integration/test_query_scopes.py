"""Named scopes, default scopes and creation through relations on every database:
find_or_create_by, find_or_initialize_by, create_or_find_by (race-safe)."""

from __future__ import annotations

import threading

import pytest

from activerecord import Model, RecordNotUnique, default_scope, scope, transaction
from tests.support.query_data import make_catalogue


class Artist(Model):
    table_name = "q_artists"

    @scope
    def from_country(rel, country):
        return rel.where(country=country)

    @scope
    def rated(rel, at_least=4):
        return rel.where(Artist.c.rating >= at_least)

    @scope
    def by_name(rel):
        return rel.order("name")

    @scope
    def noop(rel):
        return None


class RatedArtist(Model):
    """Only artists with a rating, best first."""

    table_name = "q_artists"

    @default_scope
    def _rated(rel):
        return rel.where(RatedArtist.c.rating.is_not_null()).order("-rating", "id")


class UKArtist(RatedArtist):
    @default_scope
    def _uk(rel):
        return rel.where(country="UK")


class Tag(Model):
    table_name = "q_tags"


@pytest.fixture
def catalogue(make_table, db):
    make_catalogue(make_table, db)
    return db


@pytest.fixture
def tags(make_table, db):
    make_table("q_tags", id="pk", name="string(40) NOT NULL UNIQUE", uses="int DEFAULT 0")
    return db


# -- named scopes ----------------------------------------------------------------------
def test_scopes_chain_with_each_other_and_finders(catalogue):
    assert [a.id for a in Artist.from_country("US").by_name()] == [3, 5, 8]
    assert [a.id for a in Artist.rated().from_country("US").order("id")] == [3, 5]
    assert [a.id for a in Artist.where(country="US").rated(at_least=3).order("id")] == \
        [3, 5, 8]
    assert Artist.from_country("UK").rated(5).count() == 1
    assert Artist.rated().by_name().first().name == "AC/DC"
    assert Artist.by_name().limit(2).rated().pluck("id") == [1, 3]
    assert Artist.noop().count() == 10 and Artist.where(id=1).noop().count() == 1


def test_scope_errors(catalogue):
    with pytest.raises(AttributeError, match="no attribute or scope 'unknown'"):
        Artist.where(id=1).unknown()
    with pytest.raises(AttributeError):  # scopes are for classes and relations
        Artist.find(1).rated()

    class Bad(Model):
        table_name = "q_artists"

        @scope
        def broken(rel):
            return 42

    with pytest.raises(TypeError, match="must return a relation"):
        Bad.broken()
    with pytest.raises(TypeError):
        scope(3)


# -- default scopes ----------------------------------------------------------------------
def test_default_scope_applies_to_every_query(catalogue):
    assert RatedArtist.count() == 8
    assert [a.id for a in RatedArtist.all()] == [1, 9, 3, 5, 2, 8, 7, 10]
    assert RatedArtist.first().id == 1
    assert RatedArtist.where(country="US").pluck("id") == [3, 5, 8]
    assert RatedArtist.exists(4) is False
    with pytest.raises(Exception):
        RatedArtist.find(4)                       # rating is NULL: outside the scope
    assert RatedArtist.find(9).name == "Black Sabbath"
    assert RatedArtist.sum("rating") == 27


def test_unscoped_rewhere_and_unscope(catalogue):
    assert RatedArtist.unscoped().count() == 10
    assert RatedArtist.unscoped().find(4).name == "Alanis Morissette"
    assert RatedArtist.where(country="UK").unscoped().count() == 10
    assert RatedArtist.unscope(where="rating").count() == 10
    assert RatedArtist.unscope("order").order("id").pluck("id")[:3] == [1, 2, 3]
    assert RatedArtist.reorder("name").first().name == "AC/DC"


def test_default_scopes_are_inherited(catalogue):
    assert [a.id for a in UKArtist.all()] == [9]
    assert UKArtist.unscope(where="country").count() == 8
    assert UKArtist.rewhere(country="US").pluck("id") == [3, 5, 8]
    assert UKArtist.unscoped().count() == 10


def test_creating_through_relations_assigns_their_equalities(catalogue):
    blur = UKArtist.all().create(name="Blur", rating=4)
    assert (blur.country, blur.rating) == ("UK", 4)
    assert UKArtist.pluck("name") == ["Black Sabbath", "Blur"]
    draft = Artist.from_country("Iceland").new(name="Björk")
    assert draft.new_record and draft.country == "Iceland"
    assert Artist.where(country="US", rating=[1, 2]).new().country == "US"
    assert Artist.where(country="US").scope_attributes() == {"country": "US"}
    assert Artist.where(country="US").build(country="CA").country == "CA"


# -- find_or_create_by and friends -------------------------------------------------------
def test_find_or_create_and_initialize(tags):
    first = Tag.find_or_create_by(name="rock")
    assert first.persisted
    assert Tag.find_or_create_by(name="rock") == first and Tag.count() == 1
    fresh = Tag.find_or_initialize_by(name="jazz")
    assert fresh.new_record and fresh.name == "jazz"
    assert Tag.find_or_initialize_by(name="rock") == first
    scoped = Tag.where(uses=7).find_or_create_by(name="blues")
    assert scoped.uses == 7 and Tag.where(name="blues").pick("uses") == 7


def test_create_or_find_by_returns_the_existing_row_on_collision(tags):
    existing = Tag.create(name="rock", uses=3)
    found = Tag.create_or_find_by(name="rock")
    assert found == existing and found.uses == 3
    made = Tag.create_or_find_by(name="pop")
    assert made.persisted and Tag.count() == 2
    with transaction():  # the collision happens in a savepoint: the transaction survives
        assert Tag.create_or_find_by(name="rock") == existing
        Tag.create(name="metal")
    assert Tag.count() == 3
    # a collision on another key than the attributes given is not hidden
    with pytest.raises(RecordNotUnique):
        Tag.create_or_find_by(id=existing.id, name="other")


def test_create_or_find_by_is_race_safe(tags, db):
    barrier = threading.Barrier(4)
    found, errors = [], []

    def worker():
        try:
            barrier.wait()
            found.append(Tag.create_or_find_by(name="contested").id)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(found)) == 1
    assert Tag.where(name="contested").count() == 1
