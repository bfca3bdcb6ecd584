"""has_many through (a has_many or a belongs_to) on Chinook and on tables made per
test: artist -> albums -> tracks, Playlist <-> Track through the PlaylistTrack join
model, duplicates kept unless distinct=True, source=, and the errors."""

from __future__ import annotations

import pytest

from activerecord import (
    InvalidAssociation,
    Model,
    RecordNotSaved,
    belongs_to,
    has_and_belongs_to_many,
    has_many,
)
from activerecord.relation import Relation
from activerecord.testing import assert_queries
from tests.integration.test_associations import _fk
from tests.integration.test_chinook import chinook  # noqa: F401 - the fixture, used here
from tests.integration.test_chinook import name as cname


def chinook_models(db):
    class Artist(Model):
        table_name = cname(db, "Artist")
        albums = has_many("Album")
        tracks = has_many("Track", through="albums")

    class Album(Model):
        table_name = cname(db, "Album")
        artist = belongs_to("Artist")
        tracks = has_many("Track")

    class Track(Model):
        table_name = cname(db, "Track")
        album = belongs_to("Album")
        playlist_tracks = has_many("PlaylistTrack")
        playlists = has_many("Playlist", through="playlist_tracks")
        album_tracks = has_many("Track", through="album", source="tracks")

    class PlaylistTrack(Model):
        table_name = cname(db, "PlaylistTrack")
        playlist = belongs_to("Playlist")
        track = belongs_to("Track")

    class Playlist(Model):
        table_name = cname(db, "Playlist")
        playlist_tracks = has_many("PlaylistTrack")
        tracks = has_many("Track", through="playlist_tracks")

    return Artist, Album, Track, PlaylistTrack, Playlist


def test_artist_albums_tracks(chinook):  # noqa: F811 - the fixture
    Artist, Album, Track, _, _ = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    acdc = Artist.find_by(**{n("Name"): "AC/DC"})
    tracks = acdc.tracks
    assert isinstance(tracks, Relation)
    expected = sorted(getattr(t, n("TrackId")) for album in acdc.albums
                      for t in album.tracks)
    with assert_queries(1):
        got = sorted(getattr(t, n("TrackId")) for t in tracks)
    assert got == expected and len(got) == 18
    assert tracks.count() == 18
    assert tracks.where(getattr(Track.c, n("Name")).like("T%")).count() == \
        sum(1 for t in Track.where(**{n("TrackId"): expected})
            if getattr(t, n("Name")).startswith("T"))
    assert Artist().tracks.to_list() == []


def test_playlist_tracks_through_the_join_model(chinook):  # noqa: F811 - the fixture
    _, _, Track, PlaylistTrack, Playlist = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    playlist = Playlist.find(18)  # "On-The-Go 1"
    ids = sorted(getattr(pt, n("TrackId")) for pt in playlist.playlist_tracks)
    assert sorted(getattr(t, n("TrackId")) for t in playlist.tracks) == ids and ids
    track = Track.find(ids[0])
    assert playlist.id in [p.id for p in track.playlists]
    # Track 1 is on several playlists, two of them named "Music": kept twice, as Rails
    names = [getattr(p, n("Name")) for p in Track.find(1).playlists]
    assert names.count("Music") == 2


def test_through_a_belongs_to_with_source(chinook):  # noqa: F811 - the fixture
    _, Album, Track, _, _ = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    track = Track.find(1)
    siblings = sorted(getattr(t, n("TrackId")) for t in track.album_tracks)
    album_id = getattr(track, n("AlbumId"))
    assert siblings == sorted(Track.where(**{n("AlbumId"): album_id}).ids())


def dup_models(db, make_table, distinct):
    make_table("th_artists", id="pk", name="string(50)")
    make_table("th_albums", _fk(db, "artist_id", "th_artists"), id="pk",
               artist_id="int")
    make_table("th_genres", id="pk", name="string(50)")
    make_table("th_tracks", _fk(db, "album_id", "th_albums"),
               _fk(db, "genre_id", "th_genres"), id="pk", album_id="int", genre_id="int")

    class Artist(Model):
        table_name = "th_artists"
        albums = has_many("Album")

    class Album(Model):
        table_name = "th_albums"
        tracks = has_many("Track")
        genres = has_many("Genre", through="tracks", source="genre", distinct=distinct)

    class Track(Model):
        table_name = "th_tracks"
        genre = belongs_to("Genre")

    class Genre(Model):
        table_name = "th_genres"

    rock, jazz = Genre.create(name="Rock"), Genre.create(name="Jazz")
    artist = Artist.create(name="A")
    Track.create(album_id=Album.create(artist_id=artist.id).id, genre_id=rock.id)
    album = Album.create(artist_id=artist.id)
    for genre in (rock, rock, jazz):
        Track.create(album_id=album.id, genre_id=genre.id)
    return Artist, Album, Genre, artist, album


@pytest.mark.parametrize("distinct", [False, True])
def test_duplicates_kept_unless_distinct(db, make_table, distinct):
    Artist, Album, Genre, artist, album = dup_models(db, make_table, distinct)
    names = sorted(g.name for g in album.genres)  # through a has_many, source belongs_to
    assert names == (["Jazz", "Rock"] if distinct else ["Jazz", "Rock", "Rock"])
    assert album.genres.count() == (2 if distinct else 3)


def test_source_not_found_names_what_it_looked_for(db, make_table):
    _, Album, *_ = dup_models(db, make_table, False)

    class Label(Model):
        table_name = "th_artists"
        albums = has_many(Album, foreign_key="artist_id")
        things = has_many("Genre", through="albums")
        other = has_many("Genre", through="nope")

    label = Label.first()
    with assert_queries(0):
        with pytest.raises(InvalidAssociation, match="'things' or 'thing' on Album.*"
                                                    "known associations of Album: "
                                                    "genres, tracks"):
            label.things
        with pytest.raises(InvalidAssociation, match="through='nope'.*albums, things"):
            label.other
    with pytest.raises(InvalidAssociation, match="no foreign_key"):
        has_many("Genre", through="albums", foreign_key="x")


# -- has_and_belongs_to_many -------------------------------------------------------------
class _Undo(Exception):
    pass


def habtm_chinook(db):
    class Track(Model):
        table_name = cname(db, "Track")

    class Playlist(Model):
        table_name = cname(db, "Playlist")
        tracks = has_and_belongs_to_many("Track", join_table=cname(db, "PlaylistTrack"))

    return Track, Playlist


def test_habtm_chinook_reads_and_writes_join_rows_only(chinook):  # noqa: F811
    Track, Playlist = habtm_chinook(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    join = n("PlaylistTrack")
    playlist = Playlist.find(18)
    rows = chinook.execute(f"SELECT {chinook.dialect.quote_name(n('TrackId'))} FROM "
                           f"{chinook.dialect.quote_name(join)} WHERE "
                           f"{chinook.dialect.quote_name(n('PlaylistId'))} = ?", [18]).rows
    assert sorted(t.id for t in playlist.tracks) == sorted(r[0] for r in rows)
    assert Playlist.tracks.foreign_key == (n("PlaylistId"),)
    tracks_before = Track.count()
    with pytest.raises(_Undo):
        with chinook.transaction():
            one, two = Track.find(1), Track.find(2)
            playlist.tracks.add(one, two)
            assert playlist.tracks.count() == len(rows) + 2
            assert playlist.tracks.remove(one) == [one]
            assert sorted(t.id for t in playlist.tracks.reset()) == \
                sorted([r[0] for r in rows] + [2])
            assert Track.count() == tracks_before  # tracks untouched
            playlist.tracks.clear()
            assert playlist.tracks.count() == 0 and Track.count() == tracks_before
            raise _Undo
    assert playlist.tracks.reset().count() == len(rows)


def test_habtm_conventions_and_options(db, make_table):
    make_table("hb_tags", id="pk", name="string(20)")
    make_table("hb_posts", id="pk", title="string(20)")
    make_table("hb_posts_tags", post_id="int NOT NULL", tag_ref="int NOT NULL")

    class Tag(Model):
        table_name = "hb_tags"

    class Post(Model):
        table_name = "hb_posts"
        tags = has_and_belongs_to_many(Tag, join_table="hb_posts_tags",
                                       association_foreign_key="tag_ref")
        bad = has_and_belongs_to_many(Tag, join_table="hb_posts_tags")
        missing = has_and_belongs_to_many(Tag, join_table="hb_nope")

    post = Post.create(title="p")
    red, blue = Tag.create(name="red"), Tag.create(name="blue")
    post.tags.add([red, blue, Tag(name="new")])
    assert sorted(t.name for t in Post.find(post.id).tags) == ["blue", "new", "red"]
    post.tags.replace([blue])
    assert [t.name for t in Post.find(post.id).tags] == ["blue"]
    assert Tag.count() == 3
    with assert_queries(0):
        with pytest.raises(InvalidAssociation, match="hb_posts_tags.*post_id, tag_ref"):
            post.bad
        with pytest.raises(InvalidAssociation, match="no table named 'hb_nope'"):
            post.missing
        with pytest.raises(RecordNotSaved):
            Post(title="x").tags.add(red)
