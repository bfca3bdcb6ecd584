"""Hash conditions by a belongs_to name (``relation/association_query.py``), on every
database, on tables made per test: ``Album.where(artist=acdc)`` is the foreign key
(Rails' ``where(artist: acdc)``), with lists, ``None``, relations, ``where_not``,
``rewhere`` and ``new``/``create`` from the scope; a composite foreign key, a
polymorphic belongs_to, a PascalCase schema, and bad input refused before any SQL."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from activerecord import (
    AssociationTypeMismatch,
    AttributeCastError,
    Model,
    UnknownAttributeError,
    belongs_to,
    has_many,
)
from activerecord.testing import assert_queries, capture_sql
from tests.integration.test_associations_review import _fk


@pytest.fixture
def music(db, make_table):
    """AC/DC: Back in Black, Powerage; Blur: Parklife; Orphan (no artist); Nobody."""
    make_table("ac_artists", id="pk", name="string(40)")
    make_table("ac_albums", *[_fk(db, "artist_id", "ac_artists")], id="pk",
               title="string(40)", artist_id="int")
    make_table("ac_tracks", *[_fk(db, "album_id", "ac_albums")], id="pk",
               name="string(40)", album_id="int")

    class Artist(Model):
        table_name = "ac_artists"
        albums = has_many("Album")
        tracks = has_many("Track", through="albums")

    class Album(Model):
        table_name = "ac_albums"
        artist = belongs_to("Artist")
        tracks = has_many("Track")

    class Track(Model):
        table_name = "ac_tracks"
        album = belongs_to("Album")

    acdc, blur = Artist.create(name="AC/DC"), Artist.create(name="Blur")
    nobody = Artist.create(name="Nobody")
    for title, artist in (("Back in Black", acdc), ("Powerage", acdc), ("Parklife", blur),
                          ("Orphan", None)):
        album = Album.create(title=title, artist=artist)
        Track.create(name=f"{title} 1", album=album)
    return SimpleNamespace(Artist=Artist, Album=Album, Track=Track, acdc=acdc, blur=blur,
                           nobody=nobody, db=db)


def titles(relation):
    return sorted(a.title for a in relation)


def test_a_record_is_its_foreign_key(music):
    m = music
    rel = m.Album.where(artist=m.acdc)
    assert titles(rel) == ["Back in Black", "Powerage"]
    sql, params = rel.sql_and_params()
    assert "artist_id" in sql and params == [m.acdc.id]
    assert m.Album.where(artist=m.acdc).sql_and_params() == \
        m.Album.where(artist_id=m.acdc.id).sql_and_params()
    assert m.Album.find_by(artist=m.blur).title == "Parklife"
    assert m.Album.exists(artist=m.blur) and not m.Album.exists(artist=m.nobody)
    assert m.Album.where(artist=m.acdc).count() == 2
    assert m.Album.where(artist=m.acdc.id).count() == 2  # a key works too (Rails: ids)
    assert m.Track.where(album=m.Album.find_by(title="Parklife")).pluck("name") == \
        ["Parklife 1"]
    assert m.Album.where(artist=2**70).to_list() == []  # no integer of the database


def test_lists_none_and_sets(music):
    m = music
    assert titles(m.Album.where(artist=[m.acdc, m.blur])) == \
        ["Back in Black", "Parklife", "Powerage"]
    assert titles(m.Album.where(artist={m.blur, m.nobody})) == ["Parklife"]
    assert titles(m.Album.where(artist=(m.blur,))) == ["Parklife"]
    assert titles(m.Album.where(artist=[m.blur, None])) == ["Orphan", "Parklife"]
    assert titles(m.Album.where(artist=None)) == ["Orphan"]
    assert "IS NULL" in m.Album.where(artist=None).to_sql()
    assert m.Album.where(artist=[]).to_list() == []
    assert titles(m.Album.where(artist=[m.blur.id, m.acdc])) == \
        ["Back in Black", "Parklife", "Powerage"]


def test_where_not_and_rewhere(music):
    m = music
    # NULL keys match no negated comparison (SQL, as Rails): not the orphan
    assert titles(m.Album.where_not(artist=m.acdc)) == ["Parklife"]
    assert titles(m.Album.where_not(artist=[m.acdc, m.blur])) == []
    assert titles(m.Album.where_not(artist=None)) == \
        ["Back in Black", "Parklife", "Powerage"]
    assert titles(m.Album.where(artist=m.acdc).rewhere(artist=m.blur)) == ["Parklife"]
    assert titles(m.Album.where(artist_id=m.acdc.id).rewhere(artist=None)) == ["Orphan"]
    assert titles(m.Album.where(artist=[m.acdc]).rewhere(artist_id=m.blur.id)) == \
        ["Parklife"]
    assert titles(m.Album.where(artist=m.acdc).unscope(where="artist_id")) == \
        ["Back in Black", "Orphan", "Parklife", "Powerage"]


def test_new_and_create_from_the_scope(music):
    m = music
    with assert_queries(0):
        built = m.Album.where(artist=m.blur).new(title="Leisure")
    assert built.artist_id == m.blur.id and built.new_record
    made = m.Album.where(artist=m.acdc, title="High Voltage").create()
    assert (made.title, made.artist) == ("High Voltage", m.acdc)
    assert m.Album.find(made.id).artist_id == m.acdc.id
    assert m.Album.where(artist=None).new().artist_id is None
    found = m.Album.where(artist=m.blur).find_or_create_by(title="Parklife")
    assert found.id == m.Album.find_by(title="Parklife").id
    assert m.Album.where(artist=m.blur).find_or_create_by(title="Blur").artist_id == \
        m.blur.id
    assert m.Album.where(artist=[m.acdc, m.blur]).new().artist_id is None  # not one value


def test_a_relation_of_the_target_is_a_subquery(music):
    m = music
    blurs = m.Artist.where(name="Blur")
    assert titles(m.Album.where(artist=blurs)) == ["Parklife"]
    assert "IN (SELECT" in m.Album.where(artist=blurs).to_sql()
    # with a limit: a derived table (MySQL refuses LIMIT inside IN)
    first = m.Artist.order("name").limit(1)
    assert titles(m.Album.where(artist=first)) == ["Back in Black", "Powerage"]
    assert titles(m.Album.where_not(artist=first)) == ["Parklife"]
    # its own select is used when it has one (Rails)
    assert titles(m.Album.where(artist=m.Artist.where(name="AC/DC").select("id"))) == \
        ["Back in Black", "Powerage"]


def test_bad_values_raise_before_any_sql(music):
    m = music
    track = m.Track.first()
    with assert_queries(0):
        with pytest.raises(AssociationTypeMismatch, match=r"where\(artist=\.\.\.\).*Track"):
            m.Album.where(artist=track)
        with pytest.raises(AssociationTypeMismatch):
            m.Album.where(artist=[m.acdc, track])
        with pytest.raises(AssociationTypeMismatch, match="Track"):
            m.Album.where(artist=m.Track.all())
        with pytest.raises(ValueError, match="no key yet.*save it first"):
            m.Album.where(artist=m.Artist(name="New"))
        with pytest.raises(ValueError, match="no key yet"):
            m.Album.where(artist=[m.acdc, m.Artist(name="New")])
        with pytest.raises(AttributeCastError, match="artist_id"):
            m.Album.where(artist="AC/DC")  # a key value the column cannot take
        with pytest.raises(ValueError, match="selects 2 column"):
            m.Album.where(artist=m.Artist.select("id", "name"))


def test_other_association_kinds_and_unknown_names_raise_clearly(music):
    m = music
    album = m.Album.first()
    with assert_queries(0):
        with pytest.raises(UnknownAttributeError, match="'albums' is a has_many") as info:
            m.Artist.where(albums=album)
        assert "where_associated('albums')" in str(info.value)
        with pytest.raises(UnknownAttributeError, match="has_many"):
            m.Artist.where_not(tracks=[1])  # a through one
        with pytest.raises(UnknownAttributeError, match="known columns: id, name$"):
            m.Artist.where(nope=1)


def test_a_column_named_as_an_association_wins(db, make_table, music):
    make_table("ac_notes", id="pk", artist="string(40)", artist_id="int")

    class Note(Model):
        table_name = "ac_notes"
        artist = belongs_to(music.Artist, foreign_key="artist_id")

    note = Note(artist_id=music.blur.id)
    note.write_attribute("artist", "AC/DC")
    note.save()
    assert Note.where(artist="AC/DC").count() == 1  # the column, not the association
    assert Note.where(artist="Blur").count() == 0
    assert Note.where_not(artist="AC/DC").count() == 0


# -- a composite foreign key --------------------------------------------------------------
@pytest.fixture
def editions(db, make_table):
    """Editions (111, 1) First, (111, 2) Second, (222, 1) Third; reviews of 5 and 4
    stars for Second, 3 for Third, 1 without an edition."""
    q = db.dialect.quote_name
    make_table("ac_editions", f"PRIMARY KEY ({q('isbn')}, {q('version')})",
               isbn="string(20) NOT NULL", version="int NOT NULL", title="string(40)")
    make_table("ac_reviews", _fk(db, ("edition_isbn", "edition_version"), "ac_editions",
                                 ("isbn", "version")),
               id="pk", stars="int", edition_isbn="string(20)", edition_version="int")

    class Edition(Model):
        table_name = "ac_editions"
        reviews = has_many("Review")

    class Review(Model):
        table_name = "ac_reviews"
        edition = belongs_to("Edition")

    first = Edition.create(isbn="111", version=1, title="First")
    second = Edition.create(isbn="111", version=2, title="Second")
    third = Edition.create(isbn="222", version=1, title="Third")
    for stars, edition in ((5, second), (4, second), (3, third), (1, None)):
        Review.create(stars=stars, edition=edition)
    return SimpleNamespace(Edition=Edition, Review=Review, first=first, second=second,
                           third=third)


def stars(relation):
    return sorted(r.stars for r in relation)


def test_composite_foreign_key_conditions(editions):
    e = editions
    assert e.Review.edition.foreign_key == ("edition_isbn", "edition_version")
    assert stars(e.Review.where(edition=e.second)) == [4, 5]
    assert stars(e.Review.where(edition=e.first)) == []
    assert stars(e.Review.where(edition=[e.second, e.third])) == [3, 4, 5]  # row values
    assert stars(e.Review.where(edition=[e.first, e.third, None])) == [1, 3]
    assert stars(e.Review.where(edition=None)) == [1]
    assert stars(e.Review.where(edition=("111", 2))) == [4, 5]  # a key value
    assert stars(e.Review.where(edition=[("222", 1), e.second])) == [3, 4, 5]
    assert stars(e.Review.where_not(edition=e.second)) == [3]
    assert stars(e.Review.where(edition=e.second).rewhere(edition=e.third)) == [3]
    assert stars(e.Review.where(edition=e.Edition.where(isbn="111"))) == [4, 5]
    assert stars(e.Review.where(edition=e.Edition.order("isbn", "version").limit(2))) \
        == [4, 5]
    built = e.Review.where(edition=e.third).new(stars=2)
    assert (built.edition_isbn, built.edition_version) == ("222", 1)
    assert e.Review.where(edition=e.second).create(stars=2).edition == e.second
    with assert_queries(0), pytest.raises(ValueError, match="tuple of 2 values"):
        e.Review.where(edition="111")


# -- polymorphic --------------------------------------------------------------------------
@pytest.fixture
def comments(db, make_table):
    """A post and a photo with the same id; comments on each, and one on nothing."""
    make_table("ac_posts", id="pk", title="string(40)")
    make_table("ac_photos", id="pk", url="string(40)")
    make_table("ac_comments", id="pk", body="string(40)", commentable_type="string(40)",
               commentable_id="int")

    class Post(Model):
        table_name = "ac_posts"
        comments = has_many("Comment", as_="commentable")

    class Photo(Model):
        table_name = "ac_photos"
        comments = has_many("Comment", as_="commentable")

    class Comment(Model):
        table_name = "ac_comments"
        commentable = belongs_to(polymorphic=True)

    post, photo = Post.create(title="Hello"), Photo.create(url="a.png")
    other = Post.create(title="Other")
    assert post.id == photo.id  # only the type tells them apart
    for body, on in (("p1", post), ("p2", post), ("ph", photo), ("o", other),
                     ("none", None)):
        Comment.create(body=body, commentable=on)
    return SimpleNamespace(Post=Post, Photo=Photo, Comment=Comment, post=post,
                           photo=photo, other=other)


def bodies(relation):
    return sorted(c.body for c in relation)


def test_polymorphic_conditions_name_the_type_and_the_key(comments):
    c = comments
    rel = c.Comment.where(commentable=c.post)
    assert bodies(rel) == ["p1", "p2"]
    assert rel.sql_and_params()[1] == ["Post", c.post.id]
    assert bodies(c.Comment.where(commentable=c.photo)) == ["ph"]
    assert bodies(c.Comment.where(commentable=[c.post, c.photo])) == ["p1", "p2", "ph"]
    assert bodies(c.Comment.where(commentable=[c.post, c.other, c.photo, None])) == \
        ["none", "o", "p1", "p2", "ph"]
    with capture_sql() as sql:
        c.Comment.where(commentable=[c.photo, c.post, c.other]).to_list()
    assert len(re.findall(r"commentable_type\W? = ", sql[0])) == 2  # a group per class
    assert bodies(c.Comment.where(commentable=None)) == ["none"]
    assert bodies(c.Comment.where(commentable=[])) == []
    assert bodies(c.Comment.where_not(commentable=c.post)) == ["o", "ph"]
    assert bodies(c.Comment.where(commentable=c.post).rewhere(commentable=c.photo)) == \
        ["ph"]
    assert bodies(c.Comment.where(commentable=c.post).rewhere(commentable=None)) == \
        ["none"]
    assert bodies(c.Comment.where(commentable=c.Post.where(title="Other"))) == ["o"]
    assert bodies(c.Comment.where(commentable=[c.photo, c.Post.where(title="Other")])) \
        == ["o", "ph"]
    built = c.Comment.where(commentable=c.photo).new(body="new")
    assert (built.commentable_type, built.commentable_id) == ("Photo", c.photo.id)
    assert built.commentable is not None and built.commentable.url == "a.png"


def test_polymorphic_bad_values_raise_before_any_sql(comments):
    c = comments

    class Post(Model):  # "Post" means the fixture's class for Comment, not this one
        table_name = "ac_posts"

    stranger = Post.find(c.post.id)
    with assert_queries(0):
        with pytest.raises(AssociationTypeMismatch, match="Post"):
            c.Comment.where(commentable=stranger)
        with pytest.raises(AssociationTypeMismatch, match="Post"):
            c.Comment.where(commentable=[c.photo, Post.all()])
        with pytest.raises(AssociationTypeMismatch, match="commentable_type=.*commentable_id"):
            c.Comment.where(commentable=c.post.id)  # a key alone: which class?
        with pytest.raises(AssociationTypeMismatch):
            c.Comment.where(commentable=[c.post, "Post"])
        with pytest.raises(ValueError, match="no key yet"):
            c.Comment.where(commentable=c.Post(title="new"))


# -- a PascalCase schema ------------------------------------------------------------------
def test_pascal_case_schema(db, make_table):
    make_table("AcArtist", ArtistId="pk", Name="string(40)")
    make_table("AcAlbum", _fk(db, "ArtistId", "AcArtist", "ArtistId"), AlbumId="pk",
               Title="string(40)", ArtistId="int")

    class AcArtist(Model):
        table_name = "AcArtist"
        albums = has_many("AcAlbum")

    class AcAlbum(Model):
        table_name = "AcAlbum"
        artist = belongs_to("AcArtist")

    acdc, accept = AcArtist.create(Name="AC/DC"), AcArtist.create(Name="Accept")
    for title, artist in (("Let There Be Rock", acdc), ("Balls to the Wall", accept),
                          ("Restless and Wild", accept)):
        AcAlbum.create(Title=title, artist=artist)
    assert AcAlbum.where(artist=acdc).pluck("Title") == ["Let There Be Rock"]
    assert sorted(AcAlbum.where(artist=[accept]).pluck("Title")) == \
        ["Balls to the Wall", "Restless and Wild"]
    assert AcAlbum.where_not(artist=accept).count() == 1
    assert AcAlbum.where(artist=acdc).new().ArtistId == acdc.ArtistId
    assert AcAlbum.where(artist=AcArtist.where(Name="Accept")).count() == 2
