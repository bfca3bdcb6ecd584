"""Associations (belongs_to, has_many, has_one) on tables made per test: PascalCase and
snake_case schemas, with and without foreign-key constraints, a self-reference."""

from __future__ import annotations

import dataclasses

import pytest

from activerecord import (
    AssociationNotFoundError,
    AssociationTypeMismatch,
    InvalidAssociation,
    MissingAttributeError,
    Model,
    RecordNotSaved,
    belongs_to,
    has_many,
    has_one,
)
from activerecord.associations.reflection import resolve_class
from activerecord.relation import Relation
from activerecord.testing import assert_queries
from tests.integration.test_chinook import chinook  # noqa: F401 - the fixture, used here
from tests.integration.test_chinook import name as cname
from tests.support.schema import foreign_key as _fk


def snake_models(db, make_table, constraints=True):
    """as_artists / as_albums / as_tracks / as_profiles, keys named ``artist_id``."""
    make_table("as_artists", id="pk", name="string(50)")
    make_table("as_albums", *([_fk(db, "artist_id", "as_artists")] if constraints else []),
               id="pk", title="string(50)", artist_id="int")
    make_table("as_tracks", *([_fk(db, "album_id", "as_albums")] if constraints else []),
               id="pk", name="string(50)", album_id="int")
    make_table("as_profiles", *([_fk(db, "artist_id", "as_artists")] if constraints else []),
               id="pk", bio="string(50)", artist_id="int")

    class Artist(Model):
        table_name = "as_artists"
        albums = has_many("Album")
        profile = has_one("Profile")

    class Album(Model):
        table_name = "as_albums"
        artist = belongs_to("Artist")
        tracks = has_many("Track")

    class Track(Model):
        table_name = "as_tracks"
        album = belongs_to(Album)

    class Profile(Model):
        table_name = "as_profiles"
        artist = belongs_to("Artist")

    acdc = Artist.create(name="AC/DC")
    blur = Artist.create(name="Blur")
    for title, artist in (("Back in Black", acdc), ("Powerage", acdc), ("Parklife", blur)):
        album = Album.create(title=title, artist_id=artist.id)
        for i in range(2):
            Track.create(name=f"{title} {i}", album_id=album.id)
    Profile.create(bio="Sydney", artist_id=acdc.id)
    return Artist, Album, Track, Profile


@pytest.fixture(params=[True, False], ids=["constraints", "convention"])
def snake(request, db, make_table):
    return snake_models(db, make_table, constraints=request.param)


def test_belongs_to_reads_once_and_caches(snake):
    Artist, Album, _, _ = snake
    album = Album.find_by(title="Powerage")
    with assert_queries(1):
        assert album.artist.name == "AC/DC"
        assert album.artist is album.artist
    assert Album.artist.foreign_key == ("artist_id",)
    assert Album.artist.primary_key == ("id",)


def test_belongs_to_writer_sets_and_clears_the_key(snake):
    Artist, Album, _, _ = snake
    album = Album.find_by(title="Powerage")
    blur = Artist.find_by(name="Blur")
    with assert_queries(0):
        album.artist = blur
        assert album.artist_id == blur.id and album.artist is blur
    album.save()
    assert Album.find(album.id).artist.name == "Blur"
    album.artist = None
    assert album.artist_id is None and album.artist is None
    album.artist_id = Artist.find_by(name="AC/DC").id  # a changed key loads again
    assert album.artist.name == "AC/DC"


def test_a_new_target_is_saved_with_the_record(snake):
    Artist, Album, _, _ = snake
    album = Album.find_by(title="Parklife")
    album.artist = Artist(name="Gorillaz")
    assert album.artist_id is None
    album.save()
    gorillaz = Artist.find_by(name="Gorillaz")
    assert album.artist is not None and album.artist.id == gorillaz.id
    assert Album.find(album.id).artist_id == gorillaz.id


def test_an_unselected_key_is_reported_not_read_as_null(snake):
    _, Album, _, _ = snake
    album = Album.select("id", "title").first()
    with pytest.raises(MissingAttributeError, match="artist_id"):
        album.artist


def test_wrong_class_raises_type_mismatch(snake):
    Artist, Album, Track, _ = snake
    album = Album.first()
    with pytest.raises(AssociationTypeMismatch, match="takes a Artist record, not Track"):
        album.artist = Track.first()  # a Track, not an Artist
    assert isinstance(AssociationTypeMismatch("x"), TypeError)


def test_has_many_is_a_chainable_relation(snake):
    Artist, Album, _, _ = snake
    acdc = Artist.find_by(name="AC/DC")
    assert isinstance(acdc.albums, Relation)
    assert sorted(a.title for a in acdc.albums) == ["Back in Black", "Powerage"]
    assert acdc.albums.where(title="Powerage").count() == 1
    assert [a.title for a in acdc.albums.order("title")] == ["Back in Black", "Powerage"]
    assert acdc.albums.where(Album.c.title.like("B%")).order("title").count() == 1
    assert sorted(acdc.albums.ids()) == sorted(Album.where(artist_id=acdc.id).ids())
    assert acdc.albums.exists() and not Artist.create(name="Nobody").albums.exists()


def test_inverse_is_set_without_a_query(snake):
    Artist, _, _, _ = snake
    acdc = Artist.find_by(name="AC/DC")
    albums = acdc.albums
    albums.load()
    with assert_queries(0):
        assert albums[0].artist is acdc
        assert all(a.artist is acdc for a in acdc.albums)
        assert acdc.albums is albums


def test_count_size_and_the_cache(snake):
    Artist, Album, _, _ = snake
    acdc = Artist.find_by(name="AC/DC")
    with assert_queries(1):
        assert acdc.albums.size() == 2  # not loaded: COUNT
    acdc.albums.load()
    with assert_queries(0):
        assert acdc.albums.size() == 2 and len(acdc.albums) == 2
    with assert_queries(1):
        assert acdc.albums.count() == 2  # always SQL
    Album.create(title="High Voltage", artist_id=acdc.id)
    assert len(acdc.albums) == 2  # cached
    assert len(acdc.reset_association("albums").albums) == 3
    Album.create(title="T.N.T.", artist_id=acdc.id)
    assert len(acdc.reload().albums) == 4
    with pytest.raises(AssociationNotFoundError, match="known associations: albums, profile"):
        acdc.reset_association("songs")


def test_build_and_create(snake):
    Artist, Album, _, _ = snake
    blur = Artist.find_by(name="Blur")
    blur.albums.load()
    with assert_queries(0):
        built = blur.albums.build(title="13")
    assert built.new_record and built.artist_id == blur.id and built.artist is blur
    assert built in blur.albums.to_list()
    made = blur.albums.create(title="Think Tank")
    assert not made.new_record and made.artist is blur
    assert Album.where(artist_id=blur.id).count() == 2  # the built one is not saved
    fresh = Artist(name="New")
    assert fresh.albums.count() == 0 and fresh.albums.to_list() == []
    with pytest.raises(RecordNotSaved, match="not saved"):
        fresh.albums.create(title="x")
    assert fresh.albums.build(title="y").artist_id is None


def test_has_one_and_its_inverse(snake):
    Artist, _, _, Profile = snake
    acdc = Artist.find_by(name="AC/DC")
    with assert_queries(1):
        assert acdc.profile.bio == "Sydney"
        assert acdc.profile.artist is acdc
    assert Artist.find_by(name="Blur").profile is None


def test_joins_by_association_name(snake):
    Artist, Album, Track, _ = snake
    assert Album.joins("artist").where(Artist.c.name == "AC/DC").count() == 2
    assert Artist.joins("albums").where(Album.c.title == "Parklife").pluck("name") == \
        ["Blur"]
    nested = Track.joins({"album": "artist"}).where(Artist.c.name == "AC/DC")
    assert nested.count() == 4
    assert Artist.joins({"albums": ["tracks"]}).where(Track.c.name == "Parklife 1") \
        .pluck("name") == ["Blur"]
    assert Album.left_joins("tracks").where(Track.c.id.is_null()).count() == 0


def test_unknown_association_in_joins_raises_before_sql(snake):
    Artist, Album, _, _ = snake
    with assert_queries(0), pytest.raises(AssociationNotFoundError) as err:
        Album.joins("artists")
    assert err.value.known == ["artist", "tracks"]
    with assert_queries(0), pytest.raises(AssociationNotFoundError, match="'nope'"):
        Album.joins({"artist": "nope"})


def test_pascal_case_by_constraint_and_by_convention(db, make_table):
    q = db.dialect.quote_name
    make_table("AsGenre", GenreId="pk", Name="string(20)")
    make_table("AsBand", BandId="pk", Name="string(20)")
    make_table("AsRecord", f"FOREIGN KEY ({q('BandRef')}) REFERENCES {q('AsBand')} "
               f"({q('BandId')})", RecordId="pk", Title="string(20)", BandRef="int",
               GenreId="int")

    class AsGenre(Model):
        table_name = "AsGenre"
        records = has_many("AsRecord")

    class AsBand(Model):
        table_name = "AsBand"
        records = has_many("AsRecord")

    class AsRecord(Model):
        table_name = "AsRecord"
        band = belongs_to(AsBand)       # by the constraint: BandRef -> BandId
        genre = belongs_to("AsGenre")   # no constraint: GenreId by convention

    band = AsBand.create(Name="Queen")
    rock = AsGenre.create(Name="Rock")
    AsRecord.create(Title="Jazz", BandRef=band.BandId, GenreId=rock.GenreId)
    record = AsRecord.first()
    assert (record.band.Name, record.genre.Name) == ("Queen", "Rock")
    assert AsRecord.band.foreign_key == ("BandRef",)
    assert AsRecord.genre.foreign_key == ("GenreId",)
    assert [r.Title for r in band.records] == ["Jazz"] == [r.Title for r in rock.records]
    assert AsRecord.joins("genre").where(AsGenre.c.Name == "Rock").count() == 1


def test_two_constraints_to_one_table(db, make_table):
    make_table("as_people", id="pk", name="string(20)")
    make_table("as_books", _fk(db, "author_id", "as_people"),
               _fk(db, "editor_id", "as_people"), id="pk", author_id="int", editor_id="int")

    class Person(Model):
        table_name = "as_people"
        books = has_many("Book")
        edited = has_many("Book", foreign_key="editor_id")

    class Book(Model):
        table_name = "as_books"
        author = belongs_to("Person")   # the convention picks author_id
        editor = belongs_to("Person")
        writer = belongs_to("Person")

    ann, bob = Person.create(name="Ann"), Person.create(name="Bob")
    Book.create(author_id=ann.id, editor_id=bob.id)
    book = Book.first()
    assert (book.author.name, book.editor.name) == ("Ann", "Bob")
    assert [b.id for b in bob.edited] == [book.id]
    with pytest.raises(InvalidAssociation, match=r"author_id and editor_id.*foreign_key="):
        book.writer
    with pytest.raises(InvalidAssociation, match=r"author_id and editor_id.*foreign_key="):
        ann.books.to_list()


def test_self_reference(db, make_table):
    make_table("as_staff", _fk(db, "manager_id", "as_staff"), id="pk", name="string(20)",
               manager_id="int")

    class Staff(Model):
        table_name = "as_staff"
        manager = belongs_to("Staff")              # the one constraint
        reports = has_many("Staff", foreign_key="manager_id")

    boss = Staff.create(name="Boss")
    Staff.create(name="Ann", manager_id=boss.id)
    Staff.create(name="Bob", manager_id=boss.id)
    ann = Staff.find_by(name="Ann")
    assert ann.manager.name == "Boss" and boss.manager is None
    assert sorted(s.name for s in boss.reports) == ["Ann", "Bob"]
    assert all(s.manager is boss for s in boss.reports)
    # joins by name alias the second as_staff (tests/integration/test_associations_joins.py)
    assert Staff.joins("manager").where(manager={"name": "Boss"}).order("name") \
        .pluck("name") == ["Ann", "Bob"]


def test_missing_key_names_what_was_tried(db, make_table):
    make_table("as_lonely", id="pk")
    make_table("as_things", id="pk")

    class Thing(Model):
        table_name = "as_things"

    class Lonely(Model):
        table_name = "as_lonely"
        thing = belongs_to("Thing")
        other = belongs_to(Thing, foreign_key="nope")

    lonely = Lonely.create()
    with pytest.raises(InvalidAssociation, match=r"thing_id, ThingId.*foreign_key="):
        lonely.thing
    with pytest.raises(InvalidAssociation, match="'as_lonely' has no column 'nope'"):
        lonely.other


def test_class_names_resolve_in_the_module_then_everywhere():
    class Owner(Model):
        table_name = "x"

    class Duplicate(Model):
        table_name = "x"

    assert resolve_class(Owner, "Duplicate") is Duplicate
    with pytest.raises(InvalidAssociation, match="no model class named 'Nope'"):
        resolve_class(Owner, "Nope")
    first = _elsewhere()
    both = r"ambiguous: .*<locals>.Duplicate and .*_elsewhere.<locals>.Duplicate"
    with pytest.raises(InvalidAssociation, match=both):
        resolve_class(_other_owner(), "Duplicate")
    assert first.__name__ == "Duplicate"


def _elsewhere():
    class Duplicate(Model):
        table_name = "y"

    return Duplicate


def _other_owner():
    class Other(Model):
        table_name = "z"

    return Other


def test_declarations_take_a_class_or_a_name():
    with pytest.raises(TypeError, match="model class or its name"):
        has_many(42)


# -- Chinook: a schema nobody here wrote (snake_case on PostgreSQL) --------------------
def chinook_models(db):
    class Artist(Model):
        table_name = cname(db, "Artist")
        albums = has_many("Album")

    class Album(Model):
        table_name = cname(db, "Album")
        artist = belongs_to("Artist")
        tracks = has_many("Track")

    class Track(Model):
        table_name = cname(db, "Track")
        album = belongs_to("Album")

    class Employee(Model):
        table_name = cname(db, "Employee")
        manager = belongs_to("Employee")
        reports = has_many("Employee")
        customers = has_many("Customer")

    class Customer(Model):
        table_name = cname(db, "Customer")
        support_rep = belongs_to(Employee)

    return Artist, Album, Track, Employee, Customer


def test_chinook_needs_no_options(chinook):  # noqa: F811 - the fixture
    Artist, Album, Track, Employee, _ = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    assert Album.artist.foreign_key == (n("ArtistId"),)
    assert Album.artist.primary_key == (n("ArtistId"),)
    album = Album.find(1)
    assert album.artist[n("Name")] == "AC/DC"
    acdc = album.artist
    assert sorted(a[n("Title")] for a in acdc.albums) == [
        "For Those About To Rock We Salute You", "Let There Be Rock"]
    with assert_queries(0):
        assert acdc.albums[0].artist is acdc
    assert album.tracks.count() == 10
    assert album.tracks.where(Track.c[n("Milliseconds")] > 300_000).count() == 1


def test_chinook_joins_by_name(chinook):  # noqa: F811 - the fixture
    Artist, Album, Track, _, _ = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    assert Album.joins("artist").where(Artist.c[n("Name")] == "AC/DC").count() == 2
    assert Track.joins({"album": "artist"}).where(Artist.c[n("Name")] == "AC/DC") \
        .count() == 18
    assert Artist.joins({"albums": "tracks"}).where(Track.c[n("TrackId")] == 1) \
        .pluck(n("Name")) == ["AC/DC"]


def test_chinook_self_reference_and_a_second_key(chinook):  # noqa: F811 - the fixture
    _, _, _, Employee, Customer = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    boss = Employee.find(1)
    assert boss.manager is None
    assert sorted(e[n("FirstName")] for e in boss.reports) == ["Michael", "Nancy"]
    jane = Employee.find(3)
    assert jane.manager[n("FirstName")] == "Nancy"
    assert jane.customers.count() == 21
    assert Customer.find(1).support_rep[n("FirstName")] == "Jane"


# -- preload / includes ------------------------------------------------------------------
def test_preload_has_many_one_query_per_level(snake):
    Artist, Album, Track, _ = snake
    with assert_queries(3):
        artists = Artist.order("name").preload({"albums": "tracks"}).to_list()
    with assert_queries(0):
        assert [len(a.albums) for a in artists] == [2, 1]
        assert sorted(t.name for t in artists[1].albums[0].tracks) == \
            ["Parklife 0", "Parklife 1"]
        assert all(al.artist is ar for ar in artists for al in ar.albums)
        assert all(t.album is al for ar in artists for al in ar.albums for t in al.tracks)


def test_preload_belongs_to_shares_one_record_per_row(snake):
    Artist, Album, Track, Profile = snake
    with assert_queries(3):
        tracks = Track.includes({"album": "artist"}).to_list()
    with assert_queries(0):
        by_album = {}
        for t in tracks:
            by_album.setdefault(t.album_id, set()).add(id(t.album))
        assert all(len(ids) == 1 for ids in by_album.values())
        assert {t.album.artist.name for t in tracks} == {"AC/DC", "Blur"}
        acdc = {id(t.album.artist) for t in tracks if t.album.artist.name == "AC/DC"}
        assert len(acdc) == 1
    with assert_queries(3):
        artists = Artist.preload("profile", "albums").where(name="Blur").to_list()
    with assert_queries(0):
        assert artists[0].profile is None and len(artists[0].albums) == 1


def test_preload_checks_names_before_sql_and_handles_empty(snake):
    Artist, Album, _, _ = snake
    with assert_queries(0), pytest.raises(AssociationNotFoundError, match="'nope'"):
        Artist.preload({"albums": "nope"})
    with assert_queries(1):
        assert Artist.where(name="Nobody").preload("albums").to_list() == []
    ids = [Album.create(title="Orphan").id, Album.find_by(title="Parklife").id]
    with assert_queries(2):  # the orphan's NULL key is not queried
        albums = Album.where(id=ids).preload("artist").order("title").to_list()
    with assert_queries(0):
        assert [a.artist.name if a.artist else None for a in albums] == [None, "Blur"]


def test_preload_splits_keys_into_statements_that_fit(db, make_table, monkeypatch):
    make_table("as_parents", id="pk", a="int", b="int")
    make_table("as_children", id="pk", parent_id="int", a="int", b="int")

    class Parent(Model):
        table_name = "as_parents"
        children = has_many("Child")
        pair = has_many("Child", foreign_key=("a", "b"), primary_key=("a", "b"))

    class Child(Model):
        table_name = "as_children"
        parent = belongs_to(Parent)

    Parent.insert_all([{"id": i, "a": i % 7, "b": i} for i in range(1, 101)])
    Child.insert_all([{"parent_id": i, "a": i % 7, "b": i} for i in range(1, 101, 2)])
    small = dataclasses.replace(db.features, max_parameters=30)  # 10 keys a statement
    monkeypatch.setattr(db.adapter, "features", small)
    monkeypatch.setattr(db.dialect, "features", small)
    with assert_queries(1 + 10):
        parents = Parent.preload("children").to_list()
    assert sum(len(p.children) for p in parents) == 50
    assert all(c.parent is p for p in parents for c in p.children)
    with assert_queries(1 + 20):  # two columns a key: 5 keys a statement
        parents = Parent.preload("pair").to_list()
    with assert_queries(0):
        assert sorted(c.b for p in parents for c in p.pair) == list(range(1, 101, 2))
    with assert_queries(1 + 5):  # 50 distinct parent ids
        children = Child.preload("parent").to_list()
    assert all(c.parent.id == c.parent_id for c in children)
