"""``automap``: models for every table of Chinook, Sakila and schemas made here, with
every foreign key an association (the expected set computed from introspection),
the naming rules (docs/associations.md, "Automap"), read-only models for tables
without a primary key, cycles, and two databases mapped side by side."""

from __future__ import annotations

import pytest

from activerecord import (
    Model,
    ReadOnlyRecord,
    TableNotFound,
    automap,
    has_many,
)
from activerecord.associations.reflection import resolve_class
from activerecord.automap import UnknownModelError
from activerecord.testing import assert_queries, capture_sql
from tests.integration.test_chinook import SCHEMA as CHINOOK
from tests.integration.test_chinook import chinook  # noqa: F401 - the fixture, used here
from tests.integration.test_chinook import name as cname
from tests.integration.test_sakila import sakila  # noqa: F401 - the fixture, used here
from tests.support.schema import foreign_key

MANY_TO_MANY = "has_and_belongs_to_many"


def foreign_keys(db, tables):
    """Every foreign key among ``tables``, from introspection:
    ``(child, columns, parent, referred columns)``."""
    out = set()
    for table in tables:
        for fk in db.table_info(table).foreign_keys:
            if fk.referred_table in tables:
                out.add((table, fk.columns, fk.referred_table, fk.referred_columns))
    return out


def mapped_keys(m):
    """The foreign keys the automapped associations stand for, per side."""
    belongs, has = set(), set()
    for cls in m:
        for r in cls.reflect_on_all_associations():
            if r.macro == "belongs_to":
                belongs.add((cls.table_name, r.foreign_key, r.target.table_name,
                             r.primary_key))
            elif r.macro in ("has_many", "has_one"):
                has.add((r.target.table_name, r.foreign_key, cls.table_name, r.primary_key))
    return belongs, has


def check_every_key_is_an_association(db, m):
    keys = foreign_keys(db, set(m.tables))
    belongs, has = mapped_keys(m)
    assert belongs == keys and has == keys
    for cls in m:  # no association shadows a column, each one resolves its keys
        names = [r.name for r in cls.reflect_on_all_associations()]
        assert len(names) == len(set(names))
        assert not set(names) & set(cls.column_names)
        for r in cls.reflect_on_all_associations():
            assert r.foreign_key and r.primary_key


def q(db, name):
    return db.dialect.quote_name(name)


def reflection(cls, name):
    return cls.reflect_on_association(name)


# -- Chinook ----------------------------------------------------------------------------
def test_chinook_every_table_a_model_every_key_an_association(chinook):  # noqa: F811
    m = automap(chinook)
    for table in CHINOOK:  # class names: singular CamelCase on every naming of the tables
        assert m[table].table_name == cname(chinook, table)
        assert m[cname(chinook, table)] is m[table] is getattr(m, table)
        assert m[table].database is chinook
    assert set(m.tables) == set(chinook.table_names())
    check_every_key_is_an_association(chinook, m)
    assert reflection(m.Track, "media_type").target is m.MediaType
    assert reflection(m.Playlist, "tracks").macro == MANY_TO_MANY
    assert reflection(m.Track, "playlists").macro == MANY_TO_MANY
    assert reflection(m.Playlist, "tracks").join_table == cname(chinook, "PlaylistTrack")
    assert reflection(m.Playlist, "playlist_tracks").target is m.PlaylistTrack
    assert reflection(m.Customer, "support_rep").target is m.Employee
    assert reflection(m.Employee, "customers").target is m.Customer
    assert len(m) == len(list(m)) == len(m.models)


def test_chinook_navigation(chinook):  # noqa: F811
    m = automap(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731 - column names by engine
    artist = m.Artist.find(1)
    rows = chinook.execute(f"SELECT {q(chinook, n('Title'))} FROM {q(chinook, n('Album'))} "
                           f"WHERE {q(chinook, n('ArtistId'))} = ?", [1]).rows
    albums = artist.albums.to_list()
    assert sorted(a[n("Title")] for a in albums) == sorted(r[0] for r in rows)
    with assert_queries(0):  # the inverse was declared: no query back to the artist
        assert albums[0].artist is artist
    album = m.Album.first()
    assert album.artist[n("ArtistId")] == album[n("ArtistId")]
    assert album.tracks.count() == chinook.execute(
        f"SELECT COUNT(*) FROM {q(chinook, n('Track'))} "
        f"WHERE {q(chinook, n('AlbumId'))} = ?", [album[n("AlbumId")]]).rows[0][0]
    track = album.tracks.first()
    assert track.genre[n("GenreId")] == track[n("GenreId")]
    assert track.media_type[n("MediaTypeId")] == track[n("MediaTypeId")]


def test_chinook_self_reference_and_many_to_many(chinook):  # noqa: F811
    m = automap(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    # PostgreSQL's Chinook has a column reports_to: the belongs_to does not shadow it.
    up = "reports_to_record" if chinook.adapter.name == "postgresql" else "reports_to"
    assert reflection(m.Employee, up).target is m.Employee
    nancy = m.Employee.find(2)
    assert getattr(nancy, up)[n("EmployeeId")] == nancy[n("ReportsTo")] == 1
    reports = chinook.execute(f"SELECT {q(chinook, n('EmployeeId'))} FROM "
                              f"{q(chinook, n('Employee'))} WHERE "
                              f"{q(chinook, n('ReportsTo'))} = ?", [1]).rows
    boss = m.Employee.find(1)
    assert sorted(boss.employees_by_reports_to.ids()) == sorted(r[0] for r in reports)
    assert getattr(boss, up) is None
    playlist = m.Playlist.first()
    rows = chinook.execute(f"SELECT {q(chinook, n('TrackId'))} FROM "
                           f"{q(chinook, n('PlaylistTrack'))} WHERE "
                           f"{q(chinook, n('PlaylistId'))} = ?",
                           [playlist[n("PlaylistId")]]).rows
    assert sorted(playlist.tracks.ids()) == sorted(r[0] for r in rows)
    track = m.Track.first()
    rows = chinook.execute(f"SELECT {q(chinook, n('PlaylistId'))} FROM "
                           f"{q(chinook, n('PlaylistTrack'))} WHERE "
                           f"{q(chinook, n('TrackId'))} = ?", [track[n("TrackId")]]).rows
    assert sorted(track.playlists.ids()) == sorted(r[0] for r in rows)


def test_default_database_and_unknown_names(chinook):  # noqa: F811
    m = automap()  # the fixture made Chinook the default
    assert m.database is chinook and "Artist" in m and cname(chinook, "Artist") in m
    for ask in (lambda: m.Artists, lambda: m["Nope"]):
        with pytest.raises(UnknownModelError, match="Nope|Artists") as err:
            ask()
        assert "Album, Artist" in str(err.value) and "InvoiceLine" in err.value.known
    assert not hasattr(m, "Nope")  # an AttributeError, so hasattr works
    with pytest.raises(KeyError):
        m["Nope"]
    with pytest.raises(TableNotFound, match=r"'nope'.*known tables: .*(Track|track)"):
        automap(chinook, tables=["nope"])
    with pytest.raises(TypeError, match="table names"):
        automap(chinook, tables=[1])


# -- Sakila -----------------------------------------------------------------------------
def test_sakila_every_table_a_model_every_key_an_association(sakila):  # noqa: F811
    m = automap(sakila)
    assert set(m.tables) == set(sakila.table_names())
    assert not [t for t in m.tables if t.startswith("payment_p")]  # PostgreSQL partitions
    assert (m.FilmActor.table_name, m.Category.table_name) == ("film_actor", "category")
    check_every_key_is_an_association(sakila, m)
    language = reflection(m.Film, "language")
    assert (language.target, language.foreign_key) == (m.Language, ("language_id",))
    original = reflection(m.Film, "original_language")
    assert original.foreign_key == ("original_language_id",)
    assert reflection(m.Language, "films_by_language").foreign_key == ("language_id",)
    assert reflection(m.Language, "films_by_original_language").inverse is original
    assert reflection(m.Film, "actors").macro == MANY_TO_MANY
    assert reflection(m.Actor, "films").macro == MANY_TO_MANY
    assert reflection(m.Film, "categories").macro == MANY_TO_MANY


def test_sakila_navigation(sakila):  # noqa: F811
    m = automap(sakila)
    film = m.Film.find(1)
    rows = sakila.execute("SELECT actor_id FROM film_actor WHERE film_id = ?", [1]).rows
    assert sorted(film.actors.ids()) == sorted(r[0] for r in rows)
    assert film.language.language_id == film.language_id
    assert m.Actor.find(1).films.count() == sakila.execute(
        "SELECT COUNT(*) FROM film_actor WHERE actor_id = ?", [1]).rows[0][0]
    english = m.Language.find(1)
    for assoc, col in (("films_by_language", "language_id"),
                       ("films_by_original_language", "original_language_id")):
        assert getattr(english, assoc).count() == sakila.execute(
            f"SELECT COUNT(*) FROM film WHERE {col} = ?", [1]).rows[0][0]
    customer = m.Customer.find(1)
    titles = sorted(r.inventory.film.title for r in customer.rentals)
    rows = sakila.execute("SELECT f.title FROM rental r JOIN inventory i ON "
                          "i.inventory_id = r.inventory_id JOIN film f ON "
                          "f.film_id = i.film_id WHERE r.customer_id = ?", [1]).rows
    assert titles == sorted(r[0] for r in rows) and len(titles) > 10


def test_two_databases_keep_their_own_class_names(chinook, sakila):  # noqa: F811
    mc, ms = automap(chinook), automap(sakila)
    assert mc.Customer is not ms.Customer
    assert resolve_class(mc.Invoice, "Customer") is mc.Customer
    assert resolve_class(ms.Payment, "Customer") is ms.Customer
    assert mc.Customer.__module__ == ms.Customer.__module__ == "activerecord.automap"
    assert mc.Customer.__qualname__ != ms.Customer.__qualname__
    assert reflection(mc.Invoice, "customer").target is mc.Customer
    assert resolve_class(ms.Customer, "Store") is ms.Store  # the siblings come first


# -- a schema of our own ----------------------------------------------------------------
def own_schema(db, make_table):
    """snake_case and PascalCase tables: a composite key, a table without a primary
    key, a column named like its association, a has_one, a self-reference with two
    keys, a pure join table with a timestamp and one with a payload column."""
    make_table("am_artists", id="pk", name="string(50)")
    make_table("am_albums", foreign_key(db, ["artist_id"], "am_artists", ["id"]),
               id="pk", title="string(50)", artist_id="int", artist="string(50)")
    make_table("am_profiles", foreign_key(db, ["artist_id"], "am_artists", ["id"]),
               id="pk", artist_id="int UNIQUE", bio="string(50)")
    make_table("am_people", foreign_key(db, ["manager_id"], "am_people", ["id"]),
               foreign_key(db, ["mentor_id"], "am_people", ["id"]),
               id="pk", name="string(50)", manager_id="int", mentor_id="int")
    make_table("am_parts", "PRIMARY KEY (maker, code)",
               maker="int NOT NULL", code="string(10) NOT NULL", label="string(50)")
    make_table("am_uses",
               foreign_key(db, ["part_maker", "part_code"], "am_parts", ["maker", "code"]),
               id="pk", part_maker="int", part_code="string(10)")
    make_table("am_logs", foreign_key(db, ["artist_id"], "am_artists", ["id"]),
               message="string(50)", artist_id="int")
    make_table("am_tags", id="pk", name="string(50)")
    make_table("am_album_tags", foreign_key(db, ["album_id"], "am_albums", ["id"]),
               foreign_key(db, ["tag_id"], "am_tags", ["id"]), "PRIMARY KEY (album_id, tag_id)",
               album_id="int NOT NULL", tag_id="int NOT NULL", created_at="datetime")
    make_table("am_ratings", foreign_key(db, ["album_id"], "am_albums", ["id"]),
               foreign_key(db, ["tag_id"], "am_tags", ["id"]), "PRIMARY KEY (album_id, tag_id)",
               album_id="int NOT NULL", tag_id="int NOT NULL", score="int")
    make_table("AmGenre", GenreId="pk", Name="string(50)")
    make_table("AmSong", foreign_key(db, ["GenreId"], "AmGenre", ["GenreId"]),
               foreign_key(db, ["ParentSongId"], "AmSong", ["SongId"]),
               SongId="pk", Title="string(50)", GenreId="int", Genre="string(50)",
               ParentSongId="int")
    return ["am_artists", "am_albums", "am_profiles", "am_people", "am_parts", "am_uses",
            "am_logs", "am_tags", "am_album_tags", "am_ratings", "AmGenre", "AmSong"]


def names_of(cls):
    return {r.name: (r.macro, r.target.__name__) for r in cls.reflect_on_all_associations()}


def test_own_schema_names(db, make_table):
    tables = own_schema(db, make_table)
    m = automap(db, tables=tables)
    assert sorted(m.models) == sorted([
        "AmAlbum", "AmAlbumTag", "AmArtist", "AmGenre", "AmLog", "AmPart", "AmPerson",
        "AmProfile", "AmRating", "AmSong", "AmTag", "AmUse"])
    check_every_key_is_an_association(db, m)
    assert names_of(m.AmArtist) == {
        "am_albums": ("has_many", "AmAlbum"), "am_profile": ("has_one", "AmProfile"),
        "am_logs": ("has_many", "AmLog")}
    assert names_of(m.AmAlbum) == {  # the column "artist" keeps its name
        "artist_record": ("belongs_to", "AmArtist"),
        "am_album_tags": ("has_many", "AmAlbumTag"), "am_ratings": ("has_many", "AmRating"),
        "am_tags": (MANY_TO_MANY, "AmTag")}
    assert names_of(m.AmTag) == {
        "am_album_tags": ("has_many", "AmAlbumTag"), "am_ratings": ("has_many", "AmRating"),
        "am_albums": (MANY_TO_MANY, "AmAlbum")}
    assert names_of(m.AmPerson) == {
        "manager": ("belongs_to", "AmPerson"), "mentor": ("belongs_to", "AmPerson"),
        "am_people_by_manager": ("has_many", "AmPerson"),
        "am_people_by_mentor": ("has_many", "AmPerson")}
    assert names_of(m.AmUse) == {"am_part": ("belongs_to", "AmPart")}
    assert reflection(m.AmUse, "am_part").foreign_key == ("part_maker", "part_code")
    assert names_of(m.AmPart) == {"am_uses": ("has_many", "AmUse")}
    assert names_of(m.AmSong) == {  # "Genre" is a column, "genre" the association
        "genre": ("belongs_to", "AmGenre"), "parent_song": ("belongs_to", "AmSong"),
        "am_songs_by_parent_song": ("has_many", "AmSong")}
    assert names_of(m.AmGenre) == {"am_songs": ("has_many", "AmSong")}
    assert names_of(m.AmLog) == {"artist": ("belongs_to", "AmArtist")}


def test_own_schema_navigation(db, make_table):
    m = automap(db, tables=own_schema(db, make_table))
    acdc = m.AmArtist.create(name="AC/DC")
    album = m.AmAlbum.create(title="Powerage", artist_id=acdc.id, artist="text")
    assert album.artist == "text" and album.artist_record == acdc
    m.AmProfile.create(artist_id=acdc.id, bio="Sydney")
    assert acdc.am_profile.bio == "Sydney"
    boss = m.AmPerson.create(name="boss")
    staff = m.AmPerson.create(name="staff", manager_id=boss.id, mentor_id=boss.id)
    assert staff.manager == boss and staff.mentor == boss
    assert boss.am_people_by_manager.to_list() == [staff]
    m.AmPart.create(maker=1, code="x", label="bolt")
    use = m.AmUse.create(part_maker=1, part_code="x")
    assert use.am_part.label == "bolt" and m.AmPart.find((1, "x")).am_uses.ids() == [use.id]
    tag = m.AmTag.create(name="rock")
    album.am_tags.add(tag)
    assert [t.name for t in album.am_tags] == ["rock"]
    assert tag.am_albums.ids() == [album.id]
    rock = m.AmGenre.create(Name="rock")
    song = m.AmSong.create(Title="a", GenreId=rock.GenreId, Genre="text")
    cover = m.AmSong.create(Title="b", ParentSongId=song.SongId)
    assert song.genre == rock and song.Genre == "text" and cover.parent_song == song
    assert song.am_songs_by_parent_song.ids() == [cover.SongId]


def test_table_without_primary_key_is_read_only(db, make_table):
    m = automap(db, tables=own_schema(db, make_table))
    acdc = m.AmArtist.create(name="AC/DC")
    q_ = q(db, "am_logs")
    db.execute(f"INSERT INTO {q_} (message, artist_id) VALUES (?, ?)", ["hi", acdc.id])
    [log] = m.AmLog.where(message="hi").to_list()
    assert log.artist == acdc and [x.message for x in acdc.am_logs] == ["hi"]
    log.message = "changed"
    writes = [lambda: m.AmLog.create(message="x"), lambda: m.AmLog(message="x").save(),
              log.save, log.destroy, log.delete, lambda: log.update(message="y"),
              lambda: m.AmLog.where(message="hi").update_all(message="y"),
              lambda: m.AmLog.delete_all(), lambda: m.AmLog.where(message="hi").delete_all(),
              lambda: m.AmLog.insert_all([{"message": "x"}]),
              lambda: m.AmLog.upsert_all([{"message": "x"}]),
              lambda: acdc.am_logs.create(message="x")]
    for write in writes:
        with capture_sql() as sql, pytest.raises(ReadOnlyRecord, match="AmLog is read-only"):
            write()
        assert sql == []
    assert db.execute(f"SELECT message FROM {q_}").rows == [("hi",)]


def test_unfiltered_automap_of_a_database_with_our_tables(db, make_table):
    tables = own_schema(db, make_table)
    m = automap(db)
    assert set(tables) <= set(m.tables)
    assert m["am_people"] is m.AmPerson and m.AmPerson.reflect_on_association("manager")


def test_models_automap_makes_are_models(db, make_table):
    m = automap(db, tables=own_schema(db, make_table))

    class Mine(m.AmArtist):  # subclassing and declaring more works as for any model
        table_name = "am_artists"
        albums = has_many(m.AmAlbum, foreign_key="artist_id")

    acdc = Mine.create(name="AC/DC")
    m.AmAlbum.create(title="t", artist_id=acdc.id)
    assert [a.title for a in acdc.albums] == ["t"]


def test_a_model_may_declare_itself_read_only(db, make_table):
    make_table("am_archive", id="pk", title="string(50)", readonly="int")
    db.execute(f"INSERT INTO {q(db, 'am_archive')} (title, readonly) VALUES (?, ?)", ["a", 7])

    class Archive(Model):
        table_name = "am_archive"
        readonly = "archived rows"

    class Plain(Model):  # a column named readonly stays a column elsewhere
        table_name = "am_archive"

    record = Archive.find_by(title="a")
    assert record.title == "a" and Plain.find_by(title="a").readonly == 7
    record.title = "b"
    for write in (record.save, record.destroy, record.delete, lambda: Archive.delete(1),
                  lambda: Archive.create(title="c"), lambda: Archive.update_all(title="d")):
        with capture_sql() as sql, pytest.raises(ReadOnlyRecord, match="archived rows") as e:
            write()
        assert sql == [] and (e.value.model, e.value.table) == (Archive, "am_archive")
    plain = Plain.find_by(title="a")
    plain.update(title="e")  # the same table through a writable model
    assert Plain.find_by(title="e").readonly == 7
