"""eager_load, includes and references (``associations/join_dependency.py``) on every
database: one LEFT OUTER JOIN query folded into records (two with a limit and a
collection), the same values as the lazy readers, nothing queried afterwards; the
choice ``includes`` makes; counts; errors before any SQL; and the Chinook acceptance
check (100 albums with artist and tracks: 3 queries by includes, 1 or 2 by
eager_load); nested through associations on Sakila."""

from __future__ import annotations

import pytest

from activerecord import (
    AssociationNotFoundError,
    EagerLoadPolymorphicError,
    Model,
    StrictLoadingViolationError,
    has_many,
)
from activerecord.testing import assert_queries, capture_sql
from tests.integration.test_associations import chinook_models
from tests.integration.test_associations_joins import music_models
from tests.integration.test_associations_nested import (
    ACTORS_OF,
    CATEGORIES_OF,
    FILMS_OF,
    ids,
    sakila_models,
)
from tests.integration.test_chinook import chinook  # noqa: F401 - the fixture, used here
from tests.integration.test_chinook import name as cname
from tests.integration.test_sakila import sakila  # noqa: F401 - the fixture, used here


@pytest.fixture
def m(db, make_table):
    return music_models(db, make_table)


def artist_values(artists):
    """What the readers give, read the lazy way or from the caches."""
    return [(a.name, a.profile.bio if a.profile else None,
             sorted((al.title, sorted(t.name for t in al.tracks)) for al in a.albums),
             sorted(t.name for t in a.tracks), sorted({p.name for p in a.playlists}))
            for a in artists]


def test_eager_load_is_one_query_with_the_lazy_values(m):
    lazy = artist_values(m.Artist.order("name"))
    with assert_queries(1):
        artists = m.Artist.eager_load({"albums": "tracks"}, "profile", "tracks",
                                      "playlists").order("name").to_list()
    with assert_queries(0):
        assert artist_values(artists) == lazy
        assert all(al.artist is ar for ar in artists for al in ar.albums)  # inverses
        assert all(t.album is al for ar in artists for al in ar.albums for t in al.tracks)
        assert artists[0].profile.artist is artists[0]
    assert [a.name for a in artists] == ["AC/DC", "Blur", "Nobody"]
    # as Rails, a through collection is folded by key: each playlist once (the reader
    # keeps one per path unless distinct=True)
    assert sorted(p.name for p in artists[0].playlists) == ["Mixed", "Rock"]
    assert sorted(p.name for p in m.Artist.find_by(name="AC/DC").playlists) == \
        ["Mixed", "Rock", "Rock"]


def test_every_column_is_aliased_and_tables_twice_are_aliased(m):
    with capture_sql() as sql:
        m.Staff.eager_load("manager", "reports").to_list()
    text = sql[-1].replace("`", '"')
    assert '"jd_staff"."id" AS "t0_r0"' in text and 'AS "t2_r2"' in text
    assert 'LEFT OUTER JOIN "jd_staff" "managers_jd_staff"' in text
    assert 'LEFT OUTER JOIN "jd_staff" "reports_jd_staff"' in text


def test_self_reference_many_to_many_and_through(m):
    lazy = [(s.name, s.manager.name if s.manager else None, sorted(r.name for r in s.reports))
            for s in m.Staff.order("name")]
    with assert_queries(1):
        staff = m.Staff.eager_load({"manager": "manager"}, "reports").order("name").to_list()
    with assert_queries(0):
        assert [(s.name, s.manager.name if s.manager else None,
                 sorted(r.name for r in s.reports)) for s in staff] == lazy
        cid = staff[-1]
        assert cid.manager.manager.name == "Boss"
    lazy = [(p.name, sorted(t.name for t in p.tracks), sorted(t.name for t in p.items))
            for p in m.Playlist.order("name")]
    with assert_queries(1):
        playlists = m.Playlist.eager_load("tracks", "items").order("name").to_list()
    with assert_queries(0):
        assert [(p.name, sorted(t.name for t in p.tracks), sorted(t.name for t in p.items))
                for p in playlists] == lazy
        assert playlists[0].name == "Empty" and playlists[0].tracks.size() == 0


def test_one_record_per_row_and_no_duplicates(m):
    with assert_queries(1):
        tracks = m.Track.eager_load({"album": "artist"}).to_list()
    with assert_queries(0):
        by_album = {}
        for t in tracks:
            by_album.setdefault(t.album_id, set()).add(id(t.album))
        assert all(len(ids) == 1 for ids in by_album.values())
        assert len({id(t.album.artist) for t in tracks if t.album.artist.name == "AC/DC"}) == 1
    assert len(tracks) == 5
    with assert_queries(1):  # albums x tracks rows: each collection holds each once
        acdc = m.Artist.eager_load("albums", "tracks").where(name="AC/DC").to_list()
    with assert_queries(0):
        assert len(acdc) == 1 and len(acdc[0].albums) == 2 and len(acdc[0].tracks) == 3


def test_where_order_and_joins_apply(m):
    with assert_queries(1):
        found = m.Artist.eager_load("albums").where(albums={"year": 1980}).to_list()
    with assert_queries(0):  # as Rails: the condition filters the loaded albums too
        assert [(a.name, [al.title for al in a.albums]) for a in found] == \
            [("AC/DC", ["Back in Black"])]
    with assert_queries(1):
        ordered = m.Artist.eager_load("albums").order("jd_albums.year nulls last", "name") \
            .to_list()
    assert [a.name for a in ordered] == ["AC/DC", "Blur", "Nobody"]
    assert [al.title for al in ordered[0].albums] == ["Powerage", "Back in Black"]
    with assert_queries(1):
        joined = m.Artist.joins("profile").eager_load("albums", "profile").to_list()
    with assert_queries(0):
        assert [(a.name, a.profile.bio, len(a.albums)) for a in joined] == \
            [("AC/DC", "Sydney", 2)]
    with assert_queries(1):  # a condition on an aliased eager table, by association
        staff = m.Staff.eager_load("manager").where(manager={"name": "Boss"}) \
            .order("name").to_list()
    assert [(s.name, s.manager.name) for s in staff] == [("Ann", "Boss"), ("Bob", "Boss")]


def test_limit_with_a_collection_takes_two_statements(m):
    latest = m.Album.c.year.desc(nulls="last")
    with assert_queries(2):  # ordered by a joined column: each artist's latest album
        page = m.Artist.eager_load("albums").order(latest).limit(2).to_list()
    with assert_queries(0):
        assert [(a.name, sorted(al.title for al in a.albums)) for a in page] == \
            [("Blur", ["Parklife"]), ("AC/DC", ["Back in Black", "Powerage"])]
    with assert_queries(2):  # ordered by the parent's column, with an offset
        page = m.Artist.eager_load("albums", "profile").order("name").limit(2).offset(1) \
            .to_list()
    assert [(a.name, len(a.albums), a.profile) for a in page] == \
        [("Blur", 1, None), ("Nobody", 0, None)]
    with assert_queries(2):
        page = m.Artist.eager_load({"albums": "tracks"}).order("-name").limit(1).to_list()
    assert [a.name for a in page] == ["Nobody"]
    with assert_queries(1):  # no row in the page: the second statement is not sent
        assert m.Artist.eager_load("albums").where(name="x").limit(5).to_list() == []
    with assert_queries(1):  # only belongs_to: one statement, the LIMIT as it is
        albums = m.Album.eager_load("artist").order("title").limit(2).to_list()
    assert [(a.title, a.artist and a.artist.name) for a in albums] == \
        [("Back in Black", "AC/DC"), ("Orphan", None)]
    assert m.Artist.eager_load("albums").order("name").first().name == "AC/DC"


def test_a_composite_key_page(m):
    class Entry(Model):
        table_name = "jd_playlist_tracks"
        songs = has_many(m.Track, foreign_key="id", primary_key="track_id")

    with capture_sql() as sql:
        page = Entry.eager_load("songs").order("-playlist_id", "track_id").limit(3) \
            .offset(1).to_list()
    assert len(sql) == 2
    expected = Entry.order("-playlist_id", "track_id").limit(3).offset(1).to_list()
    with assert_queries(0):
        assert [(e.playlist_id, e.track_id, [s.id for s in e.songs]) for e in page] == \
            [(e.playlist_id, e.track_id, [e.track_id]) for e in expected]


def test_count_counts_distinct_records(m):
    assert m.Artist.eager_load("albums").count() == 3
    assert m.Artist.eager_load({"albums": "tracks"}).where(m.Track.c.ms > 300).count() == 1
    assert m.Artist.eager_load("albums").limit(2).count() == 2
    assert m.Artist.eager_load("albums").offset(2).count() == 1
    assert m.Artist.eager_load("albums").count("jd_albums.id") == 3  # a column: as it is
    assert m.Artist.includes("albums").where(albums={"year": 1994}).count() == 1
    assert m.Artist.includes("albums").count() == 3
    assert m.PlaylistTrack.eager_load("track").where(track={"name": "Hells Bells"}) \
        .count() == 2  # a composite key
    assert m.Artist.includes("albums").where(albums={"year": 1978}).pluck("name") == \
        ["AC/DC"]
    assert m.Artist.includes("albums").where(albums={"year": 1978}).exists()
    assert not m.Artist.eager_load("albums").where(albums={"year": 1}).exists()


def test_includes_preloads_unless_a_table_is_named(m):
    with assert_queries(2):
        m.Artist.includes("albums").to_list()
    referenced = [
        m.Artist.includes("albums").references("albums"),
        m.Artist.includes("albums").references("jd_albums"),
        m.Artist.includes("albums").where(albums={"year": 1980}),
        m.Artist.includes("albums").where(m.Album.c.year == 1980),
        m.Artist.includes("albums").where(**{"jd_albums.year": 1980}),
        m.Artist.includes("albums").order("jd_albums.year"),
        m.Artist.where(albums={"year": 1980}).includes("albums"),
        m.Artist.includes({"albums": "tracks"}).where(m.Track.c.name == "Riff Raff"),
        m.Artist.includes("profile").eager_load("albums"),
    ]
    for rel in referenced:
        with assert_queries(1):
            records = rel.to_list()
        with assert_queries(0):
            for a in records:
                a.albums.to_list() if "albums" in str(rel._includes) else a.profile
    # a table joined by joins() is not a reason to JOIN again: preloaded
    with assert_queries(2):
        found = m.Artist.joins("albums").where(m.Album.c.year == 1994).includes("albums") \
            .to_list()
    assert [(a.name, len(a.albums)) for a in found] == [("Blur", 1)]
    with assert_queries(1):  # a self-reference: the condition follows the alias
        staff = m.Staff.includes("manager").where(manager={"name": "Ann"}).to_list()
    assert [(s.name, s.manager.name) for s in staff] == [("Cid", "Ann")]


def test_errors_before_any_sql(m):
    with assert_queries(0):
        with pytest.raises(AssociationNotFoundError, match="'nope'.*albums"):
            m.Artist.eager_load("nope")
        with pytest.raises(AssociationNotFoundError, match="'nope'"):
            m.Artist.eager_load({"albums": "nope"})
        with pytest.raises(AssociationNotFoundError, match="'nope'"):
            m.Artist.includes("nope")
        with pytest.raises(EagerLoadPolymorphicError, match="commentable"):
            m.Comment.eager_load("commentable")
        with pytest.raises(TypeError, match="association names"):
            m.Artist.eager_load(42)
        with pytest.raises(TypeError, match="references"):
            m.Artist.references(42)
        with pytest.raises(ValueError, match="select"):
            m.Artist.select("name").eager_load("albums").to_list()
        with pytest.raises(EagerLoadPolymorphicError):
            m.Comment.includes("commentable").eager_load("commentable")
    with assert_queries(2):  # a polymorphic one is preloaded by includes
        comments = m.Comment.includes("commentable").where(commentable_type="Album") \
            .to_list()
    assert [c.commentable.title for c in comments] == ["Parklife"]


def test_strict_loading_marks_the_eager_loaded_records(m):
    artists = m.Artist.eager_load("albums").strict_loading().order("name").to_list()
    assert [al.title for al in artists[1].albums] == ["Parklife"]
    with pytest.raises(StrictLoadingViolationError):
        artists[1].albums[0].tracks.to_list()


# -- Chinook: the acceptance check -------------------------------------------------------
def album_values(albums, n):
    return [(getattr(a, n("Title")), getattr(a.artist, n("Name")),
             sorted(getattr(t, n("TrackId")) for t in a.tracks)) for a in albums]


def test_chinook_100_albums_with_artist_and_tracks(chinook):  # noqa: F811 - the fixture
    _, Album, _, _, _ = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731
    lazy = album_values(Album.order(n("AlbumId")).limit(100), n)
    assert len(lazy) == 100 and sum(len(v[2]) for v in lazy) > 100
    with assert_queries(3):
        albums = Album.includes("artist", "tracks").order(n("AlbumId")).limit(100).to_list()
    with assert_queries(0):
        assert album_values(albums, n) == lazy
    with assert_queries(1):
        albums = Album.eager_load("artist", "tracks").order(n("AlbumId")).to_list()
    with assert_queries(0):
        assert album_values(albums[:100], n) == lazy
        assert all(t.album is a for a in albums for t in a.tracks)
    assert len(albums) == Album.count()
    with assert_queries(2):
        albums = Album.eager_load("artist", "tracks").order(n("AlbumId")).limit(100) \
            .to_list()
    with assert_queries(0):
        assert album_values(albums, n) == lazy


def test_chinook_employees_eager(chinook):  # noqa: F811 - the fixture
    _, _, _, Employee, _ = chinook_models(chinook)
    n = lambda c: cname(chinook, c)  # noqa: E731

    def values(staff):
        return [(getattr(e, n("FirstName")),
                 getattr(e.manager, n("FirstName")) if e.manager else None,
                 sorted(getattr(r, n("FirstName")) for r in e.reports),
                 e.customers.size()) for e in staff]
    lazy = values(Employee.order(n("EmployeeId")))
    with assert_queries(1):
        staff = Employee.eager_load("manager", "reports", "customers") \
            .order(n("EmployeeId")).to_list()
    with assert_queries(0):
        assert values(staff) == lazy
    assert Employee.joins("manager").where(manager={n("FirstName"): "Nancy"}) \
        .count() == 3


# -- Sakila: nested through associations (associations/through.py's chains) --------------
def test_sakila_nested_through_joins_and_eager_load(sakila):  # noqa: F811 - the fixture
    Customer, _, _, Actor = sakila_models()
    wanted = [1, 2, 148]
    for customer_id in wanted:
        assert Customer.joins("films").where(customer_id=customer_id).count() == \
            len(ids(sakila, FILMS_OF, customer_id))  # one row per path, as the reader
        assert Customer.joins("actors").where(customer_id=customer_id).count() == \
            len(ids(sakila, ACTORS_OF, customer_id))
    lazy = {c.customer_id: (sorted({f.film_id for f in c.films}),
                            sorted({a.actor_id for a in c.actors}),
                            c.country.country_id, c.city.city_id)
            for c in Customer.where(customer_id=wanted)}
    with assert_queries(1):
        customers = Customer.eager_load("films", "actors", "country", "city") \
            .where(customer_id=wanted).order("customer_id").to_list()
    with assert_queries(0):
        assert {c.customer_id: (sorted(f.film_id for f in c.films),
                                sorted(a.actor_id for a in c.actors),
                                c.country.country_id, c.city.city_id)
                for c in customers} == lazy
    with assert_queries(2):
        page = Customer.eager_load({"rentals": {"inventory": "film"}}) \
            .order("customer_id").limit(3).to_list()
    films_of_1 = ids(sakila, FILMS_OF, 1)
    with assert_queries(0):
        assert [c.customer_id for c in page] == [1, 2, 3]
        assert sorted(r.inventory.film.film_id for r in page[0].rentals) == films_of_1
    actor = Actor.eager_load("categories").find(1)
    assert sorted({c.category_id for c in actor.categories}) == \
        sorted(set(ids(sakila, CATEGORIES_OF, 1)))
    assert Customer.where_missing("rentals").count() == 0
