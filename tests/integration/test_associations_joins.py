"""Joins by association name (``associations/join_dependency.py``) on tables made per
test, on every database: each kind (belongs_to, has_many, has_one, through, nested
through, many-to-many, polymorphic has_many), nested paths, self-references under
aliases, hash conditions on joined tables, ``where_missing``/``where_associated``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from activerecord import (
    AssociationNotFoundError,
    ColumnNotFound,
    EagerLoadPolymorphicError,
    InvalidAssociation,
    Model,
    ProgrammingError,
    UnknownAttributeError,
    belongs_to,
    has_and_belongs_to_many,
    has_many,
    has_one,
)
from activerecord.testing import assert_queries, capture_sql
from tests.integration.test_associations import _fk


def music_models(db, make_table):
    """jd_* tables (constraints declared) and their models, with rows:

    AC/DC: Back in Black (Hells Bells, Shoot to Thrill), Powerage (Riff Raff); profile.
    Blur: Parklife (Girls & Boys, Tracy Jacks). Nobody: no album. Orphan: no artist.
    Playlists: Rock (Hells Bells, Riff Raff), Mixed (Hells Bells, Girls & Boys), Empty.
    Staff: Boss <- Ann <- Cid, Boss <- Bob. Comments on albums (polymorphic).
    """
    q = db.dialect.quote_name
    make_table("jd_artists", id="pk", name="string(40)")
    make_table("jd_albums", _fk(db, "artist_id", "jd_artists"), id="pk",
               title="string(40)", year="int", artist_id="int")
    make_table("jd_tracks", _fk(db, "album_id", "jd_albums"), id="pk", name="string(40)",
               ms="int", album_id="int")
    make_table("jd_profiles", _fk(db, "artist_id", "jd_artists"), id="pk",
               bio="string(40)", artist_id="int")
    make_table("jd_playlists", id="pk", name="string(40)")
    make_table("jd_playlist_tracks", _fk(db, "playlist_id", "jd_playlists"),
               _fk(db, "track_id", "jd_tracks"),
               f"PRIMARY KEY ({q('playlist_id')}, {q('track_id')})",
               playlist_id="int NOT NULL", track_id="int NOT NULL")
    make_table("jd_staff", _fk(db, "manager_id", "jd_staff"), id="pk", name="string(40)",
               manager_id="int")
    make_table("jd_comments", id="pk", body="string(40)", commentable_type="string(40)",
               commentable_id="int")

    class Artist(Model):
        table_name = "jd_artists"
        albums = has_many("Album")
        profile = has_one("Profile")
        tracks = has_many("Track", through="albums")
        playlists = has_many("Playlist", through="tracks")  # through a through

    class Album(Model):
        table_name = "jd_albums"
        artist = belongs_to("Artist")
        tracks = has_many("Track")
        comments = has_many("Comment", as_="commentable")

    class Track(Model):
        table_name = "jd_tracks"
        album = belongs_to("Album")
        playlist_tracks = has_many("PlaylistTrack")
        playlists = has_many("Playlist", through="playlist_tracks")
        lists = has_and_belongs_to_many("Playlist", join_table="jd_playlist_tracks")

    class Profile(Model):
        table_name = "jd_profiles"
        artist = belongs_to("Artist")

    class PlaylistTrack(Model):
        table_name = "jd_playlist_tracks"
        playlist = belongs_to("Playlist")
        track = belongs_to("Track")

    class Playlist(Model):
        table_name = "jd_playlists"
        tracks = has_and_belongs_to_many("Track", join_table="jd_playlist_tracks")
        playlist_tracks = has_many("PlaylistTrack")
        items = has_many("Track", through="playlist_tracks", source="track")

    class Staff(Model):
        table_name = "jd_staff"
        manager = belongs_to("Staff")
        reports = has_many("Staff", foreign_key="manager_id")

    class Comment(Model):
        table_name = "jd_comments"
        commentable = belongs_to(polymorphic=True)

    acdc, blur = Artist.create(name="AC/DC"), Artist.create(name="Blur")
    Artist.create(name="Nobody")
    Profile.create(bio="Sydney", artist_id=acdc.id)
    tracks = {}
    for title, year, artist, songs in (
            ("Back in Black", 1980, acdc, [("Hells Bells", 312), ("Shoot to Thrill", 317)]),
            ("Powerage", 1978, acdc, [("Riff Raff", 312)]),
            ("Parklife", 1994, blur, [("Girls & Boys", 290), ("Tracy Jacks", 260)])):
        album = Album.create(title=title, year=year, artist_id=artist.id)
        for name, ms in songs:
            tracks[name] = Track.create(name=name, ms=ms, album_id=album.id)
    Album.create(title="Orphan", year=2000)
    for name, songs in (("Rock", ["Hells Bells", "Riff Raff"]),
                        ("Mixed", ["Hells Bells", "Girls & Boys"]), ("Empty", [])):
        playlist = Playlist.create(name=name)
        for song in songs:
            PlaylistTrack.create(playlist_id=playlist.id, track_id=tracks[song].id)
    boss = Staff.create(name="Boss")
    ann = Staff.create(name="Ann", manager_id=boss.id)
    Staff.create(name="Bob", manager_id=boss.id)
    Staff.create(name="Cid", manager_id=ann.id)
    parklife = Album.find_by(title="Parklife")
    Comment.create(body="great", commentable_type="Album", commentable_id=parklife.id)
    Comment.create(body="not an album", commentable_type="Track",
                   commentable_id=parklife.id)
    return SimpleNamespace(Artist=Artist, Album=Album, Track=Track, Profile=Profile,
                           PlaylistTrack=PlaylistTrack, Playlist=Playlist, Staff=Staff,
                           Comment=Comment)


@pytest.fixture
def m(db, make_table):
    return music_models(db, make_table)


def names(rel, column="name"):
    return sorted(rel.pluck(column))


# -- each kind ---------------------------------------------------------------------------
def test_belongs_to_has_many_has_one(m):
    assert m.Album.joins("artist").where(m.Artist.c.name == "AC/DC").count() == 2
    assert names(m.Artist.joins("albums").where(m.Album.c.year > 1979)) == \
        ["AC/DC", "Blur"]
    assert names(m.Artist.joins("profile")) == ["AC/DC"]
    assert m.Artist.left_joins("profile").count() == 3
    assert m.Album.left_joins("artist").count() == 4 and m.Album.joins("artist").count() == 3
    assert m.Artist.left_joins("albums").where("jd_albums.id IS NULL").pluck("name") == \
        ["Nobody"]
    sql = m.Album.joins("artist").to_sql()
    assert 'INNER JOIN "jd_artists" ON' in sql.replace("`", '"')


def test_nested_dicts_and_lists(m):
    assert m.Track.joins({"album": "artist"}).where(m.Artist.c.name == "Blur").count() == 2
    assert names(m.Artist.joins({"albums": ["tracks"]}).where(m.Track.c.ms > 300)
                 .distinct()) == ["AC/DC"]
    assert names(m.Artist.joins(["profile", {"albums": "tracks"}]).distinct()) == ["AC/DC"]
    both = m.Artist.left_joins({"albums": "tracks"}).where("jd_tracks.id IS NULL")
    assert names(both) == ["Nobody"]


def test_through_habtm_and_nested_through(m):
    acdc = m.Artist.find_by(name="AC/DC")
    # has_many through a has_many: one row per track
    assert m.Artist.joins("tracks").where(id=acdc.id).count() == 3
    # through a join model, and the many-to-many over the same table
    assert names(m.Track.joins("playlists").where(m.Playlist.c.name == "Rock")) == \
        ["Hells Bells", "Riff Raff"]
    assert names(m.Track.joins("lists").where(m.Playlist.c.name == "Mixed")) == \
        ["Girls & Boys", "Hells Bells"]
    assert names(m.Playlist.joins("tracks").distinct()) == ["Mixed", "Rock"]
    assert names(m.Playlist.joins("items").where(m.Track.c.ms < 300)) == ["Mixed"]
    # a through whose source is itself a through: artist -> albums -> tracks -> playlists
    assert sorted(m.Artist.joins("playlists").where(id=acdc.id)
                  .pluck(m.Playlist.c.name)) == ["Mixed", "Rock", "Rock"]
    left = m.Artist.left_joins("playlists")  # a NULL row per path ending early
    assert left.count() == 7 and left.where("jd_playlists.id IS NULL").count() == 3


def test_polymorphic_has_many_joins_with_its_type(m):
    assert m.Album.joins("comments").pluck("title") == ["Parklife"]
    with assert_queries(0), pytest.raises(EagerLoadPolymorphicError,
                                          match="Comment.commentable.*polymorphic"):
        m.Comment.joins("commentable")
    assert issubclass(EagerLoadPolymorphicError, InvalidAssociation)


# -- aliases -----------------------------------------------------------------------------
def test_self_reference_is_aliased(m):
    rel = m.Staff.joins("manager")
    assert '"managers_jd_staff"' in rel.to_sql().replace("`", '"')
    assert names(rel) == ["Ann", "Bob", "Cid"]
    # conditions on the aliased table: by association name, alias or path string
    assert names(rel.where(manager={"name": "Boss"})) == ["Ann", "Bob"]
    assert names(rel.where(**{"manager.name": "Ann"})) == ["Cid"]
    assert names(rel.where(managers_jd_staff={"name": "Ann"})) == ["Cid"]
    assert rel.order("manager.name", "name").pluck("name") == ["Cid", "Ann", "Bob"]
    assert names(m.Staff.joins("reports").distinct()) == ["Ann", "Boss"]
    assert names(m.Staff.left_joins("reports").where(reports={"id": None})) == \
        ["Bob", "Cid"]


def test_a_table_three_times_and_chained_joins(m):
    rel = m.Staff.joins({"manager": "manager"})
    sql = rel.to_sql().replace("`", '"')
    assert '"managers_jd_staff"' in sql and '"managers_jd_staff_2"' in sql
    assert rel.pluck("name") == ["Cid"]
    assert rel.where(**{"manager.manager.name": "Boss"}).pluck("name") == ["Cid"]
    chained = m.Staff.joins("manager").joins("reports")
    assert '"reports_jd_staff"' in chained.to_sql().replace("`", '"')
    assert names(chained.distinct()) == ["Ann"]
    # a condition given before the join is requalified by the alias the join gets
    early = m.Staff.where(manager={"name": "Boss"}).joins("manager")
    assert names(early) == ["Ann", "Bob"]
    assert names(m.Staff.order("manager.name").joins("manager")) == ["Ann", "Bob", "Cid"]
    assert m.Album.where(artist={"name": "Blur"}).joins("artist").pluck("title") == \
        ["Parklife"]
    # never joined: the database refuses it; it never means the staff table itself
    # (PostgreSQL: "missing FROM-clause entry", a ProgrammingError saying "not joined")
    with pytest.raises((ColumnNotFound, ProgrammingError), match="manager"):
        m.Staff.where(manager={"name": "Boss"}).to_list()


def test_one_association_is_joined_once(m):
    rel = m.Album.joins("artist").joins("artist").left_joins("artist")
    assert len(rel._joins) == 1 and rel.count() == 3
    nested = m.Track.joins("album").joins({"album": "artist"})
    assert len(nested._joins) == 2 and nested.count() == 5


# -- hash conditions ------------------------------------------------------------------------
def test_hash_conditions_on_joined_tables(m):
    rel = m.Album.joins("artist")
    assert names(rel.where(artist={"name": "AC/DC"}), "title") == \
        ["Back in Black", "Powerage"]
    assert names(rel.where(jd_artists={"name": ["Blur", "Nobody"]}), "title") == \
        ["Parklife"]
    acdc = m.Artist.find_by(name="AC/DC")
    assert rel.where(artist={"id": str(acdc.id)}).count() == 2  # cast by the joined type
    assert rel.where(**{"jd_artists.name": "Blur"}).pluck("title") == ["Parklife"]
    assert rel.where_not(artist={"name": "AC/DC"}).pluck("title") == ["Parklife"]
    nested = m.Track.joins({"album": "artist"})
    assert names(nested.where(album={"artist": {"name": "Blur"}})) == \
        ["Girls & Boys", "Tracy Jacks"]


def test_hash_condition_errors_before_sql(m):
    rel = m.Album.joins("artist")
    with assert_queries(0), pytest.raises(UnknownAttributeError) as err:
        rel.where(artist={"nope": 1})
    assert "nope" in str(err.value) and "name" in str(err.value)
    with assert_queries(0), pytest.raises(AssociationNotFoundError,
                                          match=r"'singer'.*artist, comments, tracks"):
        rel.where(singer={"name": "x"})
    with assert_queries(0), pytest.raises(UnknownAttributeError):
        rel.where(**{"jd_artists.nope": 1})


# -- where_missing / where_associated --------------------------------------------------------
def test_where_missing_and_associated(m):
    assert m.Album.where_missing("artist").pluck("title") == ["Orphan"]
    assert names(m.Album.where_associated("artist"), "title") == \
        ["Back in Black", "Parklife", "Powerage"]
    assert m.Artist.where_missing("albums").pluck("name") == ["Nobody"]
    assert names(m.Artist.where_missing("profile")) == ["Blur", "Nobody"]
    assert m.Artist.where_associated("profile").pluck("name") == ["AC/DC"]
    assert m.Artist.where_missing("tracks").pluck("name") == ["Nobody"]
    assert m.Playlist.where_missing("tracks").pluck("name") == ["Empty"]
    assert m.Playlist.where_missing("items").pluck("name") == ["Empty"]
    assert m.Staff.where_missing("manager").pluck("name") == ["Boss"]
    assert names(m.Staff.where_missing("reports")) == ["Bob", "Cid"]
    assert names(m.Staff.where_associated("manager", "reports")) == ["Ann"]
    assert names(m.Artist.where_missing("profile", "albums")) == ["Nobody"]
    assert m.Album.where_missing("tracks", "artist").pluck("title") == ["Orphan"]
    assert names(m.Track.where_associated("lists").distinct()) == \
        ["Girls & Boys", "Hells Bells", "Riff Raff"]
    assert names(m.Album.where_missing("comments"), "title") == \
        ["Back in Black", "Orphan", "Powerage"]


def test_where_missing_checks_before_sql(m):
    with assert_queries(0):
        with pytest.raises(AssociationNotFoundError, match="'nope'"):
            m.Album.where_missing("nope")
        with pytest.raises(ValueError, match="needs association names"):
            m.Album.where_associated()
        with pytest.raises(TypeError, match="association names"):
            m.Album.where_missing({"artist": "albums"})
        with pytest.raises(EagerLoadPolymorphicError):
            m.Comment.where_missing("commentable")


def test_joined_sql_names_each_table_once_or_aliased(m):
    with capture_sql() as sql:
        m.Artist.joins("playlists").where(name="AC/DC").to_list()
    text = sql[-1].replace("`", '"')
    assert text.count('JOIN "jd_albums"') == 1 and text.count('JOIN "jd_playlists"') == 1
