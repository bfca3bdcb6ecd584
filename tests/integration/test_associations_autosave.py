"""Writing through associations: has_one/has_many assignment, association names in
the constructor/``create``/``update``, autosave of new owners' records (one
transaction), ``touch=``, ``counter_cache=`` and ``optional=`` on belongs_to; on
tables made per test (all three databases)."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import (
    AssociationTypeMismatch,
    InvalidAssociation,
    Model,
    NotNullViolation,
    RecordInvalid,
    belongs_to,
    has_many,
    has_one,
)
from activerecord.testing import assert_queries
from tests.integration.test_associations import _fk

OLD = dt.datetime(2001, 1, 1, 12, 0, 0)


def make_models(db, make_table, *, album_fk="int", profile_fk="int", profile_dependent=None,
                touch=False, counter_cache=False, optional=None):
    """au_artists / au_albums (title NOT NULL) / au_profiles."""
    make_table("au_artists", id="pk", name="string(50)", albums_count="int DEFAULT 0",
               updated_at="datetime")
    make_table("au_albums", _fk(db, "artist_id", "au_artists"), id="pk",
               title="string(50) NOT NULL", artist_id=album_fk)
    make_table("au_profiles", _fk(db, "artist_id", "au_artists"), id="pk",
               bio="string(50)", artist_id=profile_fk)

    class Artist(Model):
        table_name = "au_artists"
        albums = has_many("Album")
        profile = has_one("Profile", dependent=profile_dependent)

    class Album(Model):
        table_name = "au_albums"
        artist = belongs_to("Artist", touch=touch, counter_cache=counter_cache,
                            optional=optional)

    class Profile(Model):
        table_name = "au_profiles"
        artist = belongs_to("Artist")

    return Artist, Album, Profile


def age(Artist, *artists):
    """Set the artists' updated_at (and counter) to known values, in the rows only."""
    Artist.where(id=[a.id for a in artists]).update_all(updated_at=OLD)


def stamp(Artist, artist):
    return Artist.find(artist.id).updated_at


# -- the constructor and create take association names ------------------------------------
def test_constructor_and_create_take_associations(db, make_table):
    Artist, Album, Profile = make_models(db, make_table)
    acdc = Artist.create(name="AC/DC")
    album = Album(artist=acdc, title="Powerage")
    assert album.artist_id == acdc.id and album.artist is acdc
    album.save()
    assert Album.find(album.id).artist_id == acdc.id
    made = Album.create(title="Highway", artist=acdc)
    assert Album.find(made.id).artist == acdc
    assert Album(title="x", artist=None).artist_id is None
    with assert_queries(0):
        with pytest.raises(AssociationTypeMismatch, match="Artist"):
            Album(title="x", artist=Profile(bio="no"))
        with pytest.raises(AttributeError, match="unknown attribute 'nope'"):
            Album(title="x", nope=1)
    made.update(artist=Artist.create(name="Blur"))
    assert Album.find(made.id).artist.name == "Blur"


def test_constructor_takes_has_many_and_has_one(db, make_table):
    Artist, Album, Profile = make_models(db, make_table)
    with assert_queries(0):
        artist = Artist(name="Blur", albums=[Album(title="Parklife"), Album(title="13")],
                        profile=Profile(bio="London"))
    artist.save()
    assert sorted(a.title for a in Album.where(artist_id=artist.id)) == ["13", "Parklife"]
    assert Profile.find_by(artist_id=artist.id).bio == "London"
    other = Artist.create(name="Oasis", profile=Profile(bio="Manchester"))
    assert Artist.find(other.id).profile.bio == "Manchester"
    with pytest.raises(AssociationTypeMismatch, match="list"):
        Artist(name="x", albums=Album(title="one"))


# -- autosave --------------------------------------------------------------------------------
def test_a_new_owner_saves_its_new_records_in_one_transaction(db, make_table):
    Artist, Album, Profile = make_models(db, make_table)
    artist = Artist(name="Blur")
    first = artist.albums.build(title="Parklife")
    artist.albums.build(title="Leisure")
    artist.profile = Profile(bio="London")
    with assert_queries(6, include_transaction=True) as sql:  # BEGIN, 4 INSERTs, COMMIT
        artist.save()
    assert sum(s.startswith("INSERT") for s in sql) == 4
    assert sorted(a.title for a in Album.where(artist_id=artist.id)) == ["Leisure",
                                                                          "Parklife"]
    assert Profile.find_by(artist_id=artist.id).bio == "London"
    assert first.persisted and first.artist_id == artist.id and first.artist is artist
    assert artist.albums[0] is first and len(artist.albums) == 2  # the same records
    assert artist.profile.artist is artist


def test_a_failure_rolls_the_whole_save_back(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    artist = Artist(name="Blur")
    good = artist.albums.build(title="Parklife")
    bad = artist.albums.build()  # title is NOT NULL
    with assert_queries(0, include_transaction=True):  # validated before any SQL
        assert artist.save() is False
    assert artist.errors.details == {"albums": [{"error": "invalid"}]}
    assert bad.errors.full_messages == ["Title can't be blank"]
    with pytest.raises(RecordInvalid, match="Albums is invalid"):
        artist.save(raise_on_invalid=True)
    assert Artist.count() == 0 and Album.count() == 0
    assert artist.new_record and artist.id is None and good.new_record
    # validate=False skips the owner's validations, not its children's (Rails'
    # insert_record validates them): the owner's INSERT is rolled back too
    assert artist.save(validate=False) is False
    assert artist.errors.details == {"albums": [{"error": "invalid"}]}
    assert Artist.count() == 0 and Album.count() == 0
    assert artist.new_record and artist.id is None and good.new_record
    bad.title = "Leisure"
    artist.save()  # the records are still kept: a retry saves them all
    assert Album.where(artist_id=artist.id).count() == 2 and Artist.count() == 1


def test_a_saved_owner_saves_the_new_records_it_holds(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    artist = Artist.create(name="Blur")
    Album.create(title="Parklife", artist=artist)
    built = artist.albums.build(title="13")  # not loaded: kept until it loads
    with assert_queries(1):  # no change of its own: only the INSERT
        artist.save()
    assert built.persisted and built.artist_id == artist.id
    assert sorted(a.title for a in artist.albums) == ["13", "Parklife"]
    assert any(a is built for a in artist.albums)
    loaded = artist.albums.build(title="Leisure")  # loaded now
    assert len(artist.albums) == 3
    artist.save()
    assert loaded.persisted and Album.where(artist_id=artist.id).count() == 3
    with assert_queries(0):
        artist.save()  # nothing left to save


# -- has_many / has_one assignment --------------------------------------------------------
def test_has_many_assignment_replaces(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    artist = Artist.create(name="Blur")
    keep, drop = Album.create(title="Parklife", artist=artist), \
        Album.create(title="Leisure", artist=artist)
    artist.albums = [keep, Album(title="13")]
    assert sorted(a.title for a in Album.where(artist_id=artist.id)) == ["13", "Parklife"]
    assert Album.find(drop.id).artist_id is None
    with pytest.raises(AssociationTypeMismatch):
        artist.albums = [artist]


def test_has_one_assignment_nullifies_the_previous_one(db, make_table):
    Artist, _, Profile = make_models(db, make_table)
    artist = Artist.create(name="Blur")
    old = Profile.create(bio="old", artist=artist)
    new = Profile(bio="new")
    artist.profile = new  # saved at once (Rails), in one transaction
    assert new.persisted and new.artist_id == artist.id and new.artist is artist
    assert Profile.find(old.id).artist_id is None and old.artist_id is None
    assert Artist.find(artist.id).profile == new
    artist.profile = None
    assert Profile.find(new.id).artist_id is None and artist.profile is None
    other = Artist.create(name="Oasis")
    other.profile = old  # a saved record moves
    assert Profile.find(old.id).artist_id == other.id


@pytest.mark.parametrize("rule", ["destroy", "delete_all"])
def test_has_one_assignment_follows_dependent(db, make_table, rule):
    Artist, _, Profile = make_models(db, make_table, profile_dependent=rule)
    artist = Artist.create(name="Blur")
    old = Profile.create(bio="old", artist=artist)
    artist.profile = Profile(bio="new")
    assert [p.bio for p in Profile.all()] == ["new"] and old.destroyed


def test_has_one_assignment_over_a_not_null_key_changes_nothing(db, make_table):
    Artist, _, Profile = make_models(db, make_table, profile_fk="int NOT NULL")
    artist = Artist.create(name="Blur")
    old = Profile.create(bio="old", artist=artist)
    with pytest.raises(NotNullViolation, match="NOT NULL"):
        artist.profile = Profile(bio="new")
    assert [(p.bio, p.artist_id) for p in Profile.all()] == [("old", artist.id)]
    assert Artist.find(artist.id).profile == old


# -- touch -----------------------------------------------------------------------------------
def test_touch_updates_the_parent(db, make_table):
    Artist, Album, _ = make_models(db, make_table, touch=True)
    acdc, blur = Artist.create(name="AC/DC"), Artist.create(name="Blur")
    age(Artist, acdc, blur)
    album = Album.create(title="Powerage", artist_id=acdc.id)  # INSERT + one UPDATE
    assert stamp(Artist, acdc) > OLD and stamp(Artist, blur) == OLD
    age(Artist, acdc)
    with assert_queries(0):
        album.save()  # no change: no touch
    album.title = "Highway"
    with assert_queries(2):
        album.save()
    assert stamp(Artist, acdc) > OLD
    age(Artist, acdc)
    album.artist = blur
    album.save()  # moved: both parents touched
    assert stamp(Artist, acdc) > OLD and stamp(Artist, blur) > OLD
    age(Artist, acdc, blur)
    Album.find(album.id).destroy()
    assert stamp(Artist, blur) > OLD and stamp(Artist, acdc) == OLD


def test_touch_keeps_the_cached_parent_in_step(db, make_table):
    Artist, Album, _ = make_models(db, make_table, touch=True)
    artist = Artist.create(name="AC/DC")
    age(Artist, artist)
    artist.reload()
    artist.name = "unsaved change"
    Album.create(title="Powerage", artist=artist)
    assert artist.updated_at == stamp(Artist, artist) > OLD
    assert artist.changed == ["name"]  # the touch is no change of the parent
    assert Artist.find(artist.id).name == "AC/DC"  # nothing else written


def test_touch_with_a_column_and_without_one(db, make_table):
    make_table("au_bands", id="pk", name="string(20)", seen_at="datetime")
    make_table("au_gigs", id="pk", band_id="int")

    class Band(Model):
        table_name = "au_bands"

    class Gig(Model):
        table_name = "au_gigs"
        band = belongs_to("Band", touch="seen_at")

    class Bad(Model):
        table_name = "au_gigs"
        band = belongs_to("Band", touch=True)  # au_bands has no updated_at

    band = Band.create(name="x")
    Gig.create(band=band)
    assert Band.find(band.id).seen_at is not None
    with assert_queries(0):
        with pytest.raises(InvalidAssociation, match="updated_at"):
            Bad.create(band_id=band.id)
    assert Gig.count() == 1


# -- counter_cache -----------------------------------------------------------------------
def test_counter_cache_follows_creates_moves_and_destroys(db, make_table):
    Artist, Album, _ = make_models(db, make_table, counter_cache=True)
    acdc, blur = Artist.create(name="AC/DC"), Artist.create(name="Blur")

    def counts():
        return [Artist.find(a.id).albums_count for a in (acdc, blur)]

    with assert_queries(2) as sql:  # the INSERT, one UPDATE ... + 1
        album = Album.create(title="Powerage", artist=acdc)
    assert "COALESCE" in sql[1] and counts() == [1, 0]
    assert acdc.albums_count == 1  # the cached parent follows
    Album.create(title="Highway", artist_id=acdc.id)
    Album.create(title="no artist")
    assert counts() == [2, 0]
    album.artist = blur
    with assert_queries(3):  # UPDATE album, - 1, + 1
        album.save()
    assert counts() == [1, 1]
    album.title = "renamed"
    with assert_queries(1):
        album.save()  # the key did not change
    album.destroy()
    assert counts() == [1, 0]


def test_counter_cache_column_by_name_and_missing(db, make_table):
    make_table("au_shops", id="pk", name="string(20)", n_items="int")
    make_table("au_items", id="pk", shop_id="int")

    class Shop(Model):
        table_name = "au_shops"

    class Item(Model):
        table_name = "au_items"
        shop = belongs_to("Shop", counter_cache="n_items")

    class Stray(Model):
        table_name = "au_items"
        shop = belongs_to("Shop", counter_cache=True)

    shop = Shop.create(name="s")  # n_items NULL: COALESCE starts at 0
    Item.create(shop=shop)
    Item.create(shop=shop)
    assert Shop.find(shop.id).n_items == 2
    with assert_queries(0):
        with pytest.raises(InvalidAssociation, match="strays_count or StraysCount"):
            Stray.create(shop_id=shop.id)
    assert Item.count() == 2


# -- optional ---------------------------------------------------------------------------------
def test_a_not_null_key_makes_the_parent_required(db, make_table):
    Artist, Album, _ = make_models(db, make_table, album_fk="int NOT NULL")
    assert Album.artist.required()
    with assert_queries(0, include_transaction=True):
        with pytest.raises(RecordInvalid, match="Artist must exist"):
            Album.create(title="orphan")
    album = Album(title="later", artist=Artist(name="new"))  # a new parent will do
    album.save()
    assert Album.find(album.id).artist.name == "new"
    album.artist_id = None
    assert album.save() is False
    assert album.errors.full_messages == ["Artist must exist"]  # not "can't be blank" too
    with pytest.raises(RecordInvalid, match="Artist must exist"):
        album.save(raise_on_invalid=True)
    assert Album.find(album.id).artist_id is not None and Album.count() == 1


def test_a_nullable_key_makes_it_optional_and_options_override(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    assert not Album.artist.required()
    assert Album.create(title="solo").artist_id is None
    _, Strict, _ = make_models(db, make_table, optional=False)
    with assert_queries(0):
        with pytest.raises(RecordInvalid, match="Artist must exist"):
            Strict.create(title="orphan")
    _, Loose, _ = make_models(db, make_table, album_fk="int NOT NULL", optional=True)
    with assert_queries(0):  # optional, but the NOT NULL column is validated
        with pytest.raises(RecordInvalid, match="Artist can't be blank"):
            Loose.create(title="orphan")
    Loose.infer_validations = False
    with pytest.raises(NotNullViolation):  # not checked: the database refuses it
        Loose.create(title="orphan")


def test_a_key_naming_no_row_makes_a_required_parent_missing(db, make_table):
    make_table("au_owners", id="pk")
    make_table("au_things", id="pk", owner_id="int NOT NULL")  # no constraint

    class Owner(Model):
        table_name = "au_owners"

    class Thing(Model):
        table_name = "au_things"
        owner = belongs_to("Owner")

    with pytest.raises(RecordInvalid, match="Owner must exist"):  # Rails loads it
        Thing.create(owner_id=999)
    owner = Owner.create()
    thing = Thing.create(owner_id=owner.id)
    with assert_queries(0):  # the key did not change: not checked again (Rails 7.1)
        assert thing.valid()
    thing.owner_id = 999
    assert not thing.valid() and thing.errors.details == {"owner": [{"error": "required"}]}
    assert Thing.count() == 1
    with pytest.raises(InvalidAssociation):
        belongs_to("Owner", optional="yes")


def test_has_one_assignment_of_the_same_record_sends_nothing(db, make_table):
    Artist, _, Profile = make_models(db, make_table)
    artist = Artist.create(name="Blur")
    profile = Profile.create(bio="London", artist=artist)
    twin = Profile.find(profile.id)  # another instance of the same row
    with assert_queries(0, include_transaction=True):
        artist.profile = profile
        artist.profile = twin
    assert artist.profile is twin
    assert artist.profile.bio == "London" and Profile.find(profile.id).artist_id == artist.id
