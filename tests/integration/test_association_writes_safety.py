"""Data safety of the association writers (issue 9): a failed multi-row write rolls
back whole, in the database and in memory, also inside a caller's transaction; no
writer touches rows the association does not show. All three databases."""

from __future__ import annotations

import pytest

from activerecord import (
    Model,
    RecordNotUnique,
    belongs_to,
    default_scope,
    has_and_belongs_to_many,
    has_many,
    has_one,
    transaction,
)
from tests.integration.test_associations import _fk


def make_models(db, make_table, dependent=None, counter=False):
    """ws_artists / ws_albums (title NOT NULL UNIQUE) / ws_tags + ws_albums_tags."""
    make_table("ws_artists", id="pk", name="string(50)", albums_count="int DEFAULT 0")
    make_table("ws_albums", _fk(db, "artist_id", "ws_artists"), id="pk",
               title="string(50) NOT NULL UNIQUE", artist_id="int",
               hidden="int DEFAULT 0")

    class Artist(Model):
        table_name = "ws_artists"
        albums = has_many("Album", dependent=dependent)

    class Album(Model):
        table_name = "ws_albums"
        artist = belongs_to("Artist", counter_cache=counter)

    acdc, blur = Artist.create(name="AC/DC"), Artist.create(name="Blur")
    for title, artist in (("Back in Black", acdc), ("Powerage", acdc), ("Parklife", blur)):
        Album.create(title=title, artist_id=artist.id)
    return Artist, Album


def titles(Album, artist_id):
    return sorted(a.title for a in Album.unscoped().where(artist_id=artist_id))


def test_add_in_a_callers_transaction_leaves_no_half_rows(db, make_table):
    Artist, Album = make_models(db, make_table)
    acdc = Artist.find_by(name="AC/DC")
    good, bad = Album(title="Good"), Album(title="Parklife")
    with transaction():
        with pytest.raises(RecordNotUnique):
            acdc.albums.add(good, bad)
        Artist.create(name="after")  # the caller goes on
    assert titles(Album, acdc.id) == ["Back in Black", "Powerage"]
    assert good.new_record and good.id is None
    assert Artist.where(name="after").count() == 1


def test_replace_failure_keeps_memory(db, make_table):
    Artist, Album = make_models(db, make_table)
    acdc = Artist.find_by(name="AC/DC")
    loaded = list(acdc.albums)
    with pytest.raises(RecordNotUnique):
        acdc.albums.replace([Album(title="Parklife")])
    assert titles(Album, acdc.id) == ["Back in Black", "Powerage"]
    assert sorted(a.title for a in acdc.albums) == ["Back in Black", "Powerage"]
    assert all(a.artist_id == acdc.id for a in loaded)


def test_default_scope_limits_delete_all(db, make_table):
    Artist, Album = make_models(db, make_table, dependent="delete_all")

    class Visible(Model):
        table_name = "ws_albums"

        @default_scope
        def shown(cls):
            return cls.where(hidden=0)

    class Owner(Model):
        table_name = "ws_artists"
        albums = has_many("Visible", foreign_key="artist_id", dependent="delete_all")
        nulls = has_many("Visible", foreign_key="artist_id")

    acdc = Owner.find_by(name="AC/DC")
    Album.where(title="Powerage").update_all(hidden=1)
    assert acdc.albums.count() == 1
    assert acdc.nulls.delete_all() == 1
    assert Album.find_by(title="Powerage").artist_id == acdc.id
    Album.where(title="Back in Black").update_all(artist_id=acdc.id)
    assert acdc.albums.delete_all() == 1
    assert Album.find_by(title="Powerage") is not None  # hidden by the scope: kept


def test_counter_cache_memory_after_rollback(db, make_table):
    Artist, Album = make_models(db, make_table, counter=True)
    acdc = Artist.find_by(name="AC/DC")
    with pytest.raises(RuntimeError):
        with transaction():
            Album.create(title="New", artist=acdc)
            raise RuntimeError
    assert Artist.find(acdc.id).albums_count == acdc.albums_count


def test_failed_destroy_keeps_the_loaded_many_to_many(db, make_table):
    make_table("ws_tags", id="pk", name="string(20)")
    make_table("ws_posts", id="pk", title="string(20)")
    make_table("ws_posts_tags", post_id="int NOT NULL", tag_id="int NOT NULL")
    make_table("ws_notes", _fk(db, "post_id", "ws_posts"), id="pk", post_id="int")

    class Tag(Model):
        table_name = "ws_tags"

    class Post(Model):
        table_name = "ws_posts"
        tags = has_and_belongs_to_many("Tag", join_table="ws_posts_tags")

    post, tag = Post.create(title="p"), Tag.create(name="t")
    post.tags.add(tag)
    db.execute("INSERT INTO ws_notes (post_id) VALUES (?)", [post.id])  # blocks the DELETE
    assert [t.name for t in post.tags] == ["t"]
    with pytest.raises(Exception):  # noqa: B017 - the backend's foreign-key error
        post.destroy()
    assert db.execute("SELECT COUNT(*) FROM ws_posts_tags").rows[0][0] == 1
    assert [t.name for t in post.tags] == ["t"] and post.persisted


def test_has_one_assignment_in_a_callers_transaction_leaves_no_half_write(db, make_table):
    make_table("ws_people", id="pk", name="string(50)")
    make_table("ws_passports", id="pk", number="string(20) NOT NULL UNIQUE",
               person_id="int")

    class Person(Model):
        table_name = "ws_people"
        passport = has_one("Passport", foreign_key="person_id")

    class Passport(Model):
        table_name = "ws_passports"

    ann, bob = Person.create(name="Ann"), Person.create(name="Bob")
    old = Passport.create(number="A1", person_id=ann.id)
    Passport.create(number="B1", person_id=bob.id)
    with transaction():
        with pytest.raises(RecordNotUnique):
            ann.passport = Passport(number="B1")  # the old one detached, then this fails
        Person.create(name="after")  # the caller goes on
    assert Passport.find(old.id).person_id == ann.id  # not left detached
    assert Passport.count() == 2 and Person.where(name="after").count() == 1
