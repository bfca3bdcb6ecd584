"""Strict loading (Rails 6.1): a lazy load of an association of a strict record raises
StrictLoadingViolationError naming the model, the association and the caller's
file:line, or logs it in mode "warn"; preloaded associations never raise. Switches:
Relation.strict_loading, record.strict_loading, Model.strict_loading_by_default (a
model's, or activerecord.Model's for every model)."""

from __future__ import annotations

import inspect
import logging

import pytest

import activerecord
from activerecord import (
    ActiveRecordError,
    Model,
    StrictLoadingViolationError,
    belongs_to,
    has_and_belongs_to_many,
    has_many,
    has_one,
)
from activerecord.testing import assert_queries
from tests.integration.test_associations import _fk


def models(db, make_table):
    make_table("sl_artists", id="pk", name="string(20)")
    make_table("sl_albums", _fk(db, "artist_id", "sl_artists"), id="pk",
               title="string(20)", artist_id="int")
    make_table("sl_tracks", _fk(db, "album_id", "sl_albums"), id="pk", name="string(20)",
               album_id="int")
    make_table("sl_profiles", id="pk", artist_id="int", bio="string(20)")
    make_table("sl_tags", id="pk", name="string(20)")
    make_table("sl_albums_tags", album_id="int", tag_id="int")

    class Artist(Model):
        table_name = "sl_artists"
        albums = has_many("Album")
        tracks = has_many("Track", through="albums")
        profile = has_one("Profile")

    class Album(Model):
        table_name = "sl_albums"
        artist = belongs_to("Artist")
        tracks = has_many("Track")
        tags = has_and_belongs_to_many("Tag", join_table="sl_albums_tags")
        profile = has_one("Profile", through="artist")

    class Track(Model):
        table_name = "sl_tracks"
        album = belongs_to("Album")

    class Profile(Model):
        table_name = "sl_profiles"

    class Tag(Model):
        table_name = "sl_tags"

    artist = Artist.create(name="A")
    Profile.create(artist_id=artist.id, bio="b")
    tag = Tag.create(name="t")
    for title in ("x", "y"):
        album = Album.create(title=title, artist_id=artist.id)
        Track.create(name=title, album_id=album.id)
        album.tags.add(tag)
    return Artist, Album, Track


def _line(offset=0):
    caller = inspect.stack()[1]
    return f"{caller.filename}:{caller.lineno + offset}"


def test_every_lazy_load_of_a_strict_record_raises(db, make_table):
    Artist, Album, _ = models(db, make_table)
    album = Album.strict_loading().order("id").first()
    artist = Artist.all().strict_loading().first()
    assert album.strict_loading_mode is True and album.strict_loading_enabled
    cases = [(album, "artist", lambda: album.artist), (album, "tracks", lambda: list(album.tracks)),
             (album, "tags", lambda: list(album.tags)), (album, "profile", lambda: album.profile),
             (artist, "profile", lambda: artist.profile),
             (artist, "tracks", lambda: artist.tracks.to_list()),
             (artist, "albums", lambda: artist.albums[0])]
    for record, name, read in cases:
        with assert_queries(0), pytest.raises(StrictLoadingViolationError) as info:
            read()
        model = type(record).__name__
        assert f"{model} is marked for strict_loading" in str(info.value)
        assert f"{model}.{name}" in str(info.value)
        assert info.value.model is type(record) and info.value.association == name
        assert info.value.location.startswith(__file__ + ":")
        assert isinstance(info.value, ActiveRecordError)


def test_the_location_is_the_line_of_the_access(db, make_table):
    _, Album, _ = models(db, make_table)
    album = Album.strict_loading().first()
    with pytest.raises(StrictLoadingViolationError) as info:
        here = _line(1)
        album.artist
    assert info.value.location == here and here in str(info.value)


def test_sql_counts_and_writes_are_not_lazy_loads(db, make_table):
    Artist, Album, Track = models(db, make_table)
    artist = Artist.strict_loading().first()
    assert artist.albums.count() == 2 and artist.albums.size() == 2
    assert artist.albums.exists() and len(artist.albums.ids()) == 2
    assert sorted(artist.tracks.pluck("name")) == ["x", "y"]
    assert artist.albums.where(title="x").to_list()[0].title == "x"  # a new relation
    built = artist.albums.build(title="z")
    assert built.artist_id == artist.id
    created = artist.albums.create(title="w")
    assert Album.find(created.id).artist_id == artist.id
    new = Artist(name="new").strict_loading()
    assert new.albums.to_list() == [] and new.profile is None  # nothing to read
    orphan = Album.strict_loading().where(title="w").first()
    orphan.artist_id = None
    with assert_queries(0):
        assert orphan.artist is None  # a NULL key reads nothing


def test_preloaded_associations_never_raise_and_cascade(db, make_table):
    Artist, Album, _ = models(db, make_table)
    with assert_queries(1 + 1 + 1 + 2 + 2 + 1):  # artists albums tracks tags(2) tracks(2)
        artists = Artist.strict_loading().preload({"albums": ["tracks", "tags"]},
                                                  "tracks", "profile").to_list()
    with assert_queries(0):
        album = artists[0].albums[0]
        assert album.artist is artists[0]  # the inverse, set by the preload
        assert [t.name for t in album.tracks] and list(album.tags)
        assert len(artists[0].tracks) == 2 and artists[0].profile.bio == "b"
        assert album.strict_loading_mode is True  # preloaded from a strict owner
        track = artists[0].tracks[0]  # through: no inverse is set
        assert track.strict_loading_mode is True
        with pytest.raises(StrictLoadingViolationError, match="Track.album"):
            track.album
    plain = Album.preload("artist").first()
    assert plain.strict_loading_mode is False and plain.artist.strict_loading_mode is False


def test_per_record_switch_and_model_default(db, make_table, monkeypatch):
    Artist, Album, Track = models(db, make_table)
    album = Album.first()
    assert album.strict_loading() is album and album.strict_loading_enabled
    with pytest.raises(StrictLoadingViolationError):
        album.artist
    assert album.strict_loading(False).artist.name == "A"
    with pytest.raises(ValueError, match="True, False or 'warn'"):
        album.strict_loading("loud")
    with pytest.raises(ValueError, match="True, False or 'warn'"):
        Album.all().strict_loading(1)

    class StrictAlbum(Album):
        strict_loading_by_default = True

    class Child(StrictAlbum):
        pass

    for model in (StrictAlbum, Child):
        record = model.first()
        with pytest.raises(StrictLoadingViolationError, match=f"{model.__name__}.artist"):
            record.artist
        assert model.strict_loading(False).first().artist.name == "A"
        assert model.first().strict_loading(False).tracks.count() == 1
    assert Album.first().artist.name == "A"  # the parent model is not strict
    # the global switch: the base class's attribute, inherited by every model
    monkeypatch.setattr(activerecord.Model, "strict_loading_by_default", True)
    with pytest.raises(StrictLoadingViolationError, match="Track.album"):
        Track.first().album
    assert Track.strict_loading(False).first().album.title in ("x", "y")


def test_warn_mode_logs_and_loads(db, make_table, caplog):
    Artist, Album, _ = models(db, make_table)
    album = Album.strict_loading("warn").order("id").first()
    assert album.strict_loading_mode == "warn"
    with caplog.at_level(logging.WARNING, logger="activerecord.strict_loading"):
        here = _line(1)
        artist = album.artist
        tracks = list(album.tracks)
    assert artist.name == "A" and len(tracks) == 1
    messages = [r.getMessage() for r in caplog.records
                if r.name == "activerecord.strict_loading"]
    assert len(messages) == 2
    assert "Album is marked for strict_loading" in messages[0]
    assert "Album.artist" in messages[0] and here in messages[0]
    assert "Album.tracks" in messages[1]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="activerecord.strict_loading"):
        album.artist  # cached now: no load, no message
    assert not caplog.records


def test_eager_loaded_records_are_strict_too(db, make_table):
    Artist, Album, _ = models(db, make_table)
    with assert_queries(1):
        albums = Album.strict_loading().eager_load("artist", "tracks").order("id").to_list()
    with assert_queries(0):
        assert albums[0].artist.name == "A" and len(albums[0].tracks) == 1
        artist = albums[0].artist
        assert artist.strict_loading_mode is True
        assert albums[0].tracks[0].strict_loading_mode is True
        with pytest.raises(StrictLoadingViolationError, match="Artist.profile"):
            artist.profile
