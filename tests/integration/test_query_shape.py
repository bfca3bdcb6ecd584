"""Shape of a query on every database: order (NULLS FIRST/LAST portable), reorder,
reverse_order, limit/offset/page, select/distinct/group/having, joins/left_joins, and
indexing/slicing compiled to LIMIT/OFFSET."""

from __future__ import annotations

import pytest

from activerecord import AssociationNotFoundError, MissingAttributeError, UnknownAttributeError
from activerecord.testing import assert_queries, capture_sql
from tests.support.query_data import QAlbum, QArtist, make_catalogue


@pytest.fixture
def catalogue(make_table, db):
    make_catalogue(make_table, db)
    return db


def names(rel):
    return [r.name for r in rel]


# -- order -----------------------------------------------------------------------------
def test_order_spellings(catalogue):
    c = QArtist.c
    by_rating = QArtist.where(QArtist.c.rating.is_not_null())
    expected = [1, 9, 3, 5, 2, 8, 7, 10]
    assert [a.id for a in by_rating.order("-rating", "id")] == expected
    assert [a.id for a in by_rating.order("rating DESC", "id asc")] == expected
    assert [a.id for a in by_rating.order(c.rating.desc(), c.id.asc())] == expected
    assert [a.id for a in by_rating.order(rating="desc", id="asc")] == expected
    assert [a.id for a in by_rating.order(rating="DESC").order("id")] == expected
    assert [a.id for a in QAlbum.joins(QArtist).order("q_artists.name", "-year")][:4] == \
        [1, 2, 3, 4]


def test_null_ordering_default_differs_and_explicit_is_portable(catalogue, db):
    # Without NULLS FIRST/LAST, SQLite and MySQL put NULLs first in ascending order and
    # PostgreSQL last (its NULLs sort as larger than any value). Say which you want.
    default = QArtist.order("rating", "id").pluck("id")
    nulls_first = [4, 6, 10, 7, 2, 8, 3, 5, 1, 9]
    nulls_last = [10, 7, 2, 8, 3, 5, 1, 9, 4, 6]
    assert default == (nulls_last if db.adapter.name == "postgresql" else nulls_first)
    assert QArtist.order(QArtist.c.rating.asc(nulls="first"), "id").pluck("id") == nulls_first
    assert QArtist.order(QArtist.c.rating.asc(nulls="last"), "id").pluck("id") == nulls_last
    assert QArtist.order("rating asc nulls last", "id").pluck("id") == nulls_last
    assert QArtist.order("id").reorder(rating="desc nulls last", id="asc").pluck("id") == \
        [1, 9, 3, 5, 2, 8, 7, 10, 4, 6]
    assert QArtist.order(QArtist.c.rating.desc(nulls="first"), "id").pluck("id")[:4] == \
        [4, 6, 1, 9]


def test_reorder_and_reverse_order(catalogue):
    rel = QArtist.where(country="US").order("name")
    assert names(rel) == ["Aerosmith", "Alice In Chains", "audioslave"]
    assert names(rel.reorder("-id")) == ["audioslave", "Alice In Chains", "Aerosmith"]
    assert names(rel.reverse_order()) == ["audioslave", "Alice In Chains", "Aerosmith"]
    assert [a.id for a in QArtist.where(country="US").reverse_order()] == [8, 5, 3]
    flipped = QArtist.order(QArtist.c.rating.asc(nulls="first"), "id").reverse_order()
    assert flipped.pluck("id") == [9, 1, 5, 3, 8, 2, 7, 10, 6, 4]


def test_user_supplied_sort_is_validated(catalogue):
    QArtist.columns
    with capture_sql() as statements:
        for bad in ("name; DROP TABLE q_artists", "name DESC, id", "1", "name sideways",
                    "-name desc", "(SELECT 1)"):
            with pytest.raises((ValueError, UnknownAttributeError)):
                QArtist.order(bad)
        with pytest.raises(ValueError):
            QArtist.order(name="up")
        with pytest.raises(TypeError):
            QArtist.order(3)
    assert statements == []


# -- limit, offset, page ---------------------------------------------------------------
def test_limit_offset_page(catalogue):
    rel = QArtist.order("id")
    assert [a.id for a in rel.limit(3)] == [1, 2, 3]
    assert [a.id for a in rel.offset(8)] == [9, 10]
    assert [a.id for a in rel.limit(2).offset(4)] == [5, 6]
    assert [a.id for a in rel.page(1, per=4)] == [1, 2, 3, 4]
    assert [a.id for a in rel.page(3, per=4)] == [9, 10]
    assert rel.page(4, per=4).to_list() == []
    assert rel.limit(0).to_list() == []
    for bad in (lambda: rel.limit(-1), lambda: rel.offset(-1), lambda: rel.page(0),
                lambda: rel.page(1, per=0), lambda: rel.limit("3"), lambda: rel.limit(True)):
        with pytest.raises(ValueError):
            bad()


def test_indexing_and_slicing_compile_to_limit_offset(catalogue):
    rel = QArtist.order("id")
    with capture_sql() as statements:
        assert rel[0].id == 1
        assert rel[4].id == 5
        assert rel[-1].id == 10
        assert rel[-3].id == 8
        assert [a.id for a in rel[2:5]] == [3, 4, 5]
        assert [a.id for a in rel[8:]] == [9, 10]
        assert [a.id for a in rel[:2]] == [1, 2]
        assert [a.id for a in rel.offset(2)[1:3]] == [4, 5]
        assert [a.id for a in rel.limit(4)[2:10]] == [3, 4]
    assert len(statements) == 9, statements
    assert all("LIMIT" in s or "OFFSET" in s for s in statements), statements
    with pytest.raises(IndexError):
        rel[10]
    with pytest.raises(IndexError):
        rel.limit(2)[2]
    with pytest.raises(IndexError):
        rel[-11]
    loaded = rel.load()
    with assert_queries(0):
        assert loaded[3].id == 4 and [a.id for a in loaded[::4]] == [1, 5, 9]


# -- select, distinct, group, having ---------------------------------------------------
def test_select_loads_only_those_attributes(catalogue):
    artist = QArtist.select("id", "name").order("id").first()
    assert artist.to_dict() == {"id": 1, "name": "AC/DC"}
    assert artist.name == "AC/DC" and artist.persisted
    with pytest.raises(MissingAttributeError, match="country"):
        artist.country
    albums = QAlbum.select("id", QAlbum.c.price, "released").where(id=1).to_list()
    assert [(a.id, a.price, a.released) for a in albums] == \
        [(1, QAlbum.find(1).price, QAlbum.find(1).released)]
    assert QArtist.select("name").reselect("id").order("id").first().to_dict() == {"id": 1}


def test_distinct(catalogue):
    assert QArtist.select("country").distinct().order("country nulls first").pluck("country") == \
        [None, "Australia", "Brazil", "Canada", "Finland", "Germany", "UK", "US"]
    assert len(QArtist.select("country").distinct().to_list()) == 8
    assert QArtist.distinct().distinct(False).count() == 10


def test_group_and_having(catalogue):
    rows = (QAlbum.select("artist_id", QAlbum.c.id.count().label("albums"))
            .group("artist_id").having("COUNT(*) > ?", 1).order("artist_id").to_list())
    assert [(r.artist_id, r.albums) for r in rows] == [(1, 2), (2, 2), (9, 2)]
    expr = (QAlbum.select("artist_id").group("artist_id")
            .having(QAlbum.c.year.min() < 1975).order("artist_id"))
    assert [r.artist_id for r in expr] == [9]
    with pytest.raises(ValueError):
        QAlbum.group()
    with pytest.raises(ValueError):
        QAlbum.having()


# -- joins ---------------------------------------------------------------------------
def test_joins_on_the_foreign_key_and_explicit_conditions(catalogue):
    c = QArtist.c
    inferred = QAlbum.joins(QArtist).where(c.country == "UK").order("id")
    explicit = QAlbum.joins(QArtist, on=QAlbum.c.artist_id == c.id).where(c.country == "UK")
    template = QAlbum.joins(QArtist, on="q_artists.id = q_albums.artist_id") \
        .where(c.country == "UK")
    raw = QAlbum.joins("INNER JOIN q_artists ON q_artists.id = q_albums.artist_id") \
        .where("q_artists.country = ?", "UK")
    for rel in (inferred, explicit, template, raw):
        assert sorted(a.title for a in rel) == ["Black Sabbath Vol. 4", "Paranoid"]
    # the other direction, with DISTINCT to count each artist once
    with_albums_after_1990 = QArtist.joins(QAlbum).where(QAlbum.c.year > 1990).distinct()
    assert sorted(a.id for a in with_albums_after_1990) == [3, 4, 6, 7, 8]
    assert with_albums_after_1990.count() == 5
    assert QArtist.joins(QAlbum).where(QAlbum.c.year > 1990).count() == 5


def test_left_joins_keep_rows_without_match(catalogue):
    lonely = QArtist.left_joins(QAlbum).where(QAlbum.c.id.is_null())
    assert [a.id for a in lonely] == [10]
    per_artist = QArtist.left_joins(QAlbum).group("q_artists.id").count("q_albums.id")
    assert per_artist == {1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 2, 10: 0}
    assert QArtist.left_outer_joins(QAlbum).where(id=10).pluck("q_albums.title") == [None]


def test_joined_columns_in_pluck_order_and_group(catalogue):
    rel = QAlbum.joins(QArtist).where(QArtist.c.country == "US")
    assert rel.order("q_artists.name", "title").pluck("q_artists.name", "title") == [
        ("Aerosmith", "Big Ones"), ("Alice In Chains", "Facelift"),
        ("audioslave", "Audioslave")]
    assert QAlbum.joins(QArtist).group("q_artists.country").count() == {
        "Australia": 2, "Brazil": 1, "Canada": 1, "Finland": 1, "Germany": 2, "UK": 2,
        "US": 3}


def test_bad_joins(catalogue):
    with pytest.raises(AssociationNotFoundError, match="no association named 'q_artists'"):
        QAlbum.joins("q_artists")
    with pytest.raises(TypeError):
        QAlbum.joins(42)
    with pytest.raises(ValueError, match="foreign keys link"):
        QAlbum.joins(QAlbum)
