"""has_many collection writers (add/remove/delete_all/destroy_all/clear/replace) and
the ``dependent=`` rules of has_many/has_one, on tables made per test (all three
databases), snake_case and PascalCase, nullable and NOT NULL foreign keys."""

from __future__ import annotations

import pytest

from activerecord import (
    AssociationTypeMismatch,
    DeleteRestrictionError,
    InvalidAssociation,
    Model,
    NotNullViolation,
    RecordNotSaved,
    RecordNotUnique,
    belongs_to,
    has_many,
    has_one,
)
from activerecord.testing import assert_queries
from tests.integration.test_associations import _fk


def make_models(db, make_table, dependent=None, profile_dependent=None, not_null=False):
    """wr_artists / wr_albums / wr_profiles; albums.artist_id NOT NULL when asked."""
    make_table("wr_artists", id="pk", name="string(50)")
    fk_spec = "int NOT NULL" if not_null else "int"
    make_table("wr_albums", _fk(db, "artist_id", "wr_artists"),
               id="pk", title="string(50)", artist_id=fk_spec)
    make_table("wr_profiles", _fk(db, "artist_id", "wr_artists"),
               id="pk", bio="string(50)", artist_id="int")

    class Artist(Model):
        table_name = "wr_artists"
        albums = has_many("Album", dependent=dependent)
        profile = has_one("Profile", dependent=profile_dependent)

    class Album(Model):
        table_name = "wr_albums"
        artist = belongs_to("Artist")

    class Profile(Model):
        table_name = "wr_profiles"
        artist = belongs_to("Artist")

    acdc, blur = Artist.create(name="AC/DC"), Artist.create(name="Blur")
    for title, artist in (("Back in Black", acdc), ("Powerage", acdc), ("Parklife", blur)):
        Album.create(title=title, artist_id=artist.id)
    Profile.create(bio="Sydney", artist_id=acdc.id)
    return Artist, Album, Profile


def titles(Album, artist_id):
    return sorted(a.title for a in Album.where(artist_id=artist_id))


# -- add --------------------------------------------------------------------------------
def test_add_sets_the_key_and_saves(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    acdc, blur = Artist.find_by(name="AC/DC"), Artist.find_by(name="Blur")
    parklife = Album.find_by(title="Parklife")
    loaded = list(acdc.albums)
    assert len(loaded) == 2
    assert acdc.albums.add(parklife, Album(title="Let There Be Rock")) is acdc.albums
    assert titles(Album, acdc.id) == ["Back in Black", "Let There Be Rock", "Parklife",
                                      "Powerage"]
    assert titles(Album, blur.id) == []
    assert len(acdc.albums) == 4 and parklife.artist is acdc  # loaded list and inverse
    acdc.albums.add([Album(title="High Voltage")])            # a list works too
    assert Album.where(artist_id=acdc.id).count() == 5


def test_add_checks_before_any_sql(db, make_table):
    Artist, Album, Profile = make_models(db, make_table)
    album = Album.find_by(title="Parklife")
    acdc = Artist.find_by(name="AC/DC")
    with assert_queries(0):
        with pytest.raises(RecordNotSaved, match="not saved"):
            Artist(name="New").albums.add(album)
        with pytest.raises(AssociationTypeMismatch, match="Profile"):
            acdc.albums.add(Profile(bio="x"))


def test_add_is_one_transaction(db, make_table):
    Artist, Album, _ = make_models(db, make_table, not_null=True)
    acdc = Artist.find_by(name="AC/DC")
    taken = Album.find_by(title="Parklife").id
    with pytest.raises(RecordNotUnique):  # the second insert fails on the database
        acdc.albums.add(Album(title="Good"), Album(id=taken, title="Dup"))
    assert titles(Album, acdc.id) == ["Back in Black", "Powerage"]


# -- remove -----------------------------------------------------------------------------
def test_remove_nullifies_only_that_key(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    acdc = Artist.find_by(name="AC/DC")
    powerage = Album.find_by(title="Powerage")
    parklife = Album.find_by(title="Parklife")
    powerage.title = "unsaved change"
    assert acdc.albums.remove(powerage, parklife) == [powerage]  # parklife is not acdc's
    assert powerage.artist_id is None
    assert Album.find(powerage.id).title == "Powerage"            # only the key written
    assert Album.find(powerage.id).artist_id is None
    assert Album.find(parklife.id).artist_id == Artist.find_by(name="Blur").id
    assert titles(Album, acdc.id) == ["Back in Black"]


def test_remove_with_a_not_null_key_says_so(db, make_table):
    Artist, Album, _ = make_models(db, make_table, not_null=True)
    acdc = Artist.find_by(name="AC/DC")
    album = Album.find_by(title="Powerage")
    with assert_queries(0):
        with pytest.raises(NotNullViolation, match="artist_id.*NOT NULL"):
            acdc.albums.remove(album)
        with pytest.raises(NotNullViolation, match="NOT NULL"):
            acdc.albums.clear()
    assert titles(Album, acdc.id) == ["Back in Black", "Powerage"]


def test_remove_follows_dependent_destroy(db, make_table):
    Artist, Album, _ = make_models(db, make_table, dependent="destroy", not_null=True)
    acdc = Artist.find_by(name="AC/DC")
    album = Album.find_by(title="Powerage")
    acdc.albums.remove(album)
    assert album.destroyed and titles(Album, acdc.id) == ["Back in Black"]


# -- delete_all / destroy_all / clear / replace -----------------------------------------
def test_delete_all_nullifies_by_default(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    acdc = Artist.find_by(name="AC/DC")
    with assert_queries(1):
        assert acdc.albums.delete_all() == 2
    assert Album.count() == 3 and titles(Album, acdc.id) == []
    assert list(acdc.albums) == []


def test_delete_all_deletes_with_dependent_delete_all(db, make_table):
    Artist, Album, _ = make_models(db, make_table, dependent="delete_all", not_null=True)
    acdc = Artist.find_by(name="AC/DC")
    assert acdc.albums.clear() is acdc.albums
    assert Album.count() == 1 and Album.first().title == "Parklife"


def test_destroy_all_destroys_each(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    acdc = Artist.find_by(name="AC/DC")
    gone = acdc.albums.destroy_all()
    assert sorted(a.title for a in gone) == ["Back in Black", "Powerage"]
    assert all(a.destroyed for a in gone)
    assert [a.title for a in Album.all()] == ["Parklife"] and len(acdc.albums) == 0


def test_replace(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    acdc = Artist.find_by(name="AC/DC")
    keep = Album.find_by(title="Powerage")  # another instance of a current record
    parklife = Album.find_by(title="Parklife")
    acdc.albums.replace([keep, parklife, Album(title="T.N.T.")])
    assert titles(Album, acdc.id) == ["Parklife", "Powerage", "T.N.T."]
    assert Album.find_by(title="Back in Black").artist_id is None
    assert sorted(a.title for a in acdc.albums) == ["Parklife", "Powerage", "T.N.T."]
    with assert_queries(0):
        with pytest.raises(AssociationTypeMismatch):
            acdc.albums.replace([acdc])


def test_unsaved_owner_writers(db, make_table):
    Artist, Album, _ = make_models(db, make_table)
    with assert_queries(0):  # replace on a new owner keeps them to save with it (Rails)
        assert Artist(name="x").albums.replace([Album(title="t")]).size() == 1
        assert Artist(name="x").albums.delete_all() == 0


# -- dependent= ---------------------------------------------------------------------------
def test_dependent_destroy(db, make_table):
    Artist, Album, Profile = make_models(db, make_table, dependent="destroy",
                                         profile_dependent="destroy", not_null=True)
    Artist.find_by(name="AC/DC").destroy()
    assert [a.title for a in Album.all()] == ["Parklife"] and Profile.count() == 0
    assert [a.name for a in Artist.all()] == ["Blur"]


def test_dependent_delete_all_and_nullify(db, make_table):
    Artist, Album, Profile = make_models(db, make_table, dependent="delete_all",
                                         profile_dependent="nullify")
    acdc = Artist.find_by(name="AC/DC")
    acdc.destroy()
    assert [a.title for a in Album.all()] == ["Parklife"]
    assert [(p.bio, p.artist_id) for p in Profile.all()] == [("Sydney", None)]


def test_dependent_nullify_has_many(db, make_table):
    Artist, Album, _ = make_models(db, make_table, dependent="nullify",
                                   profile_dependent="nullify")
    Artist.find_by(name="AC/DC").destroy()
    assert Album.count() == 3 and Album.where(artist_id=None).count() == 2


def test_dependent_restrict_changes_nothing(db, make_table):
    Artist, Album, Profile = make_models(db, make_table, dependent="nullify",
                                         profile_dependent="restrict")
    acdc = Artist.find_by(name="AC/DC")
    with pytest.raises(DeleteRestrictionError, match="profile") as info:
        acdc.destroy()
    assert info.value.association == "profile" and not acdc.destroyed
    assert Artist.count() == 2 and titles(Album, acdc.id) == ["Back in Black", "Powerage"]
    Artist.find_by(name="Blur").destroy()  # no profile: allowed
    assert Artist.count() == 1


def test_dependent_nullify_not_null_fails_before_sql(db, make_table):
    Artist, Album, _ = make_models(db, make_table, dependent="nullify", not_null=True)
    acdc = Artist.find_by(name="AC/DC")
    with assert_queries(0):
        with pytest.raises(NotNullViolation, match="NOT NULL"):
            acdc.destroy()
    assert Artist.count() == 2 and Album.count() == 3


def test_dependent_failure_rolls_back(db, make_table):
    Artist, Album, _ = make_models(db, make_table, dependent="delete_all")
    acdc = Artist.find_by(name="AC/DC")
    with pytest.raises(Exception):  # noqa: B017 - its profile still refers to it
        acdc.destroy()
    assert not acdc.destroyed and Album.count() == 3 and Artist.count() == 2


def test_unknown_dependent_rule():
    with pytest.raises(InvalidAssociation, match="'destroy', 'delete_all'"):
        has_many("Album", dependent="cascade")
