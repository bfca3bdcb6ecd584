"""Queries chained on a collection (Rails' ``AssociationRelation``) set the owner as
the inverse of the records they load, but only of those that still refer to it; and
a has_one of a table without a primary key preloads, unordered, as it reads."""

from __future__ import annotations

from activerecord import Model, belongs_to, has_many, has_one
from activerecord.associations.collection import AssociationRelation
from activerecord.testing import assert_queries


class ArArtist(Model):
    table_name = "arr_artists"
    albums = has_many("ArAlbum", foreign_key="artist_id")
    note = has_one("ArNote", foreign_key="artist_id")


class ArAlbum(Model):
    table_name = "arr_albums"
    artist = belongs_to("ArArtist", foreign_key="artist_id")


class ArNote(Model):
    table_name = "arr_notes"  # no primary key


def _schema(make_table):
    make_table("arr_artists", id="pk", name="string(20)")
    make_table("arr_albums", id="pk", title="string(20)", artist_id="int")
    make_table("arr_notes", text="string(20)", artist_id="int")
    a, b = ArArtist.create(name="A"), ArArtist.create(name="B")
    for title, owner in (("a2", a), ("a1", a), ("b1", b)):
        ArAlbum.create(title=title, artist_id=owner.id)
    ArNote.insert_all([{"text": "about A", "artist_id": a.id}])
    return a, b


def test_a_chained_collection_query_sets_the_inverse(db, make_table):
    a, _ = _schema(make_table)
    rel = a.albums.where(ArAlbum.c.title.like("a%")).order("title")
    assert isinstance(rel, AssociationRelation)
    assert isinstance(rel.limit(5), AssociationRelation)
    with assert_queries(1):
        albums = rel.to_list()
        assert [x.title for x in albums] == ["a1", "a2"]
        assert all(x.artist is a for x in albums)


def test_records_that_no_longer_refer_to_the_owner_keep_their_own(db, make_table):
    a, b = _schema(make_table)
    every = a.albums.unscope(where="artist_id").order("title").to_list()
    assert [x.title for x in every] == ["a1", "a2", "b1"]
    with assert_queries(1):  # only b1's artist is read: a1 and a2 have theirs
        owners = [x.artist.name for x in every]
    assert owners == ["A", "A", "B"]


def test_has_one_of_a_keyless_table_preloads_as_it_reads(db, make_table):
    a, b = _schema(make_table)
    with assert_queries(2):
        artists = ArArtist.preload("note").order("id").to_list()
        assert [x.note.text if x.note else None for x in artists] == ["about A", None]
    assert ArArtist.find(a.id).note.text == "about A"


def test_two_records_of_one_row_preload_collections_of_their_own(db, make_table):
    a, _ = _schema(make_table)
    twice = ArArtist.joins("albums").where(id=a.id).preload("albums").to_list()
    assert len(twice) == 2 and twice[0] is not twice[1]  # one row per album joined
    first, second = twice[0].albums, twice[1].albums
    assert sorted(x.title for x in first) == sorted(x.title for x in second) == ["a1", "a2"]
    first.build(title="new")
    assert len(first) == 3 and len(second) == 2
