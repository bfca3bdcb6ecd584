"""Conditions of the query interface on every database: hash conditions, SQL templates,
column expressions, negation, or_, rewhere/unscope, and bad input refused before SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from activerecord import UnknownAttributeError, between
from activerecord.testing import capture_sql
from tests.support.query_data import QAlbum, QArtist, make_catalogue


@pytest.fixture
def catalogue(make_table, db):
    make_catalogue(make_table, db)
    return db


def ids(rel):
    return sorted(r.id for r in rel)


# -- hash conditions -----------------------------------------------------------------
def test_equality_in_and_null(catalogue):
    assert ids(QArtist.where(country="US")) == [3, 5, 8]
    assert ids(QArtist.where(country=["UK", "Brazil"])) == [6, 9]
    assert ids(QArtist.where(country=("UK",))) == [9]
    assert ids(QArtist.where(country={"Germany", "Finland"})) == [2, 7]
    assert ids(QArtist.where(country=None)) == [10]
    assert ids(QArtist.where(rating=[5, None])) == [1, 4, 6, 9]
    assert ids(QArtist.where(country=[])) == []
    assert ids(QArtist.where(country="US", rating=4)) == [3, 5]


def test_values_are_cast_to_the_column_type(catalogue):
    assert ids(QArtist.where(rating="5")) == [1, 9]
    assert ids(QAlbum.where(price=Decimal("9.99"))) == [1, 11]
    assert ids(QAlbum.where(price="9.99")) == [1, 11]
    assert ids(QAlbum.where(released=dt.date(1970, 9, 18))) == [11]


def test_ranges_and_between(catalogue):
    assert ids(QAlbum.where(year=range(1990, 1995))) == [5, 7, 8]   # 1990..1994
    assert ids(QAlbum.where(year=range(5, 5))) == []
    assert ids(QAlbum.where(year=between(1990, 1994))) == [5, 7, 8]
    assert ids(QAlbum.where(year=between(1996, None))) == [9, 10]
    assert ids(QAlbum.where(year=between(None, 1972))) == [11, 12]
    assert ids(QAlbum.where(released=between(dt.date(1990, 1, 1), dt.date(1995, 12, 31)))) \
        == [5, 6, 7]
    assert ids(QAlbum.where(price=between(Decimal("10"), Decimal("12")))) == [5, 6, 9]
    with pytest.raises(ValueError, match="step 1"):
        QAlbum.where(year=range(1990, 2000, 2))
    with pytest.raises(ValueError, match="at least one bound"):
        between(None, None)


def test_relations_as_subqueries(catalogue):
    us = QArtist.where(country="US")
    assert ids(QAlbum.where(artist_id=us)) == [5, 7, 10]
    assert ids(QAlbum.where(QAlbum.c.artist_id.in_(us))) == [5, 7, 10]
    assert ids(QAlbum.where(QAlbum.c.artist_id.not_in(us))) == [1, 2, 3, 4, 6, 8, 9, 11, 12]
    # a LIMIT inside IN is refused by MySQL/MariaDB: a derived table makes it portable
    first_two = QArtist.order("name").limit(2)
    assert ids(QAlbum.where(artist_id=first_two)) == [1, 2, 3, 4]
    names = QArtist.where(country="UK").select("name")
    assert ids(QArtist.where(name=names)) == [9]


def test_a_record_as_value_means_its_key(catalogue):
    acdc = QArtist.find(1)
    assert ids(QAlbum.where(artist_id=acdc)) == [1, 2]
    assert ids(QAlbum.where(artist_id=[acdc, QArtist.find(9)])) == [1, 2, 11, 12]


# -- SQL templates ---------------------------------------------------------------------
def test_positional_and_named_templates(catalogue):
    assert ids(QArtist.where("rating > ? AND country = ?", 3, "US")) == [3, 5]
    assert ids(QArtist.where("rating > :r AND country = :c", r=3, c="US")) == [3, 5]
    assert ids(QArtist.where("rating > :r AND country = :c", {"r": 3, "c": "US"})) == [3, 5]
    assert ids(QArtist.where("rating = :r OR id = :r", r=2)) == [2, 7]
    assert ids(QArtist.where("id IN (?)", [1, 2, 3])) == [1, 2, 3]
    assert ids(QArtist.where("id IN (?)", [])) == []
    assert ids(QArtist.where("name = 'it''s ?' OR id = ?", 4)) == [4]


def test_template_mismatches_fail_before_any_sql(catalogue):
    QArtist.columns  # schema loaded: nothing below should reach the database
    with capture_sql() as statements:
        with pytest.raises(ValueError, match="1 '\\?' placeholder"):
            QArtist.where("rating > ?")
        with pytest.raises(ValueError, match="2 '\\?' placeholder"):
            QArtist.where("rating > ? AND id < ?", 1)
        with pytest.raises(ValueError, match="no value for c"):
            QArtist.where("rating > :r AND country = :c", r=1)
        with pytest.raises(ValueError, match="does not use"):
            QArtist.where("rating > :r", r=1, x=2)
        with pytest.raises(ValueError, match="mixes"):
            QArtist.where("rating > :r AND id = ?", 1, r=1)
        with pytest.raises(TypeError, match="no ':name' placeholders"):
            QArtist.where("rating > ?", 1, country="US")
        with pytest.raises(TypeError):
            QArtist.where(42)
    assert statements == []


def test_unknown_columns_fail_before_any_sql(catalogue):
    QArtist.columns
    with capture_sql() as statements:
        for call in (lambda: QArtist.where(nope=1), lambda: QArtist.order("nope"),
                     lambda: QArtist.order(nope="desc"), lambda: QArtist.pluck("nope"),
                     lambda: QArtist.select("nope"), lambda: QArtist.group("nope"),
                     lambda: QArtist.where_not(nope=1), lambda: QArtist.c.nope,
                     lambda: QArtist.unscope(where="nope"),
                     lambda: QArtist.where(country="x").rewhere(nope=1),
                     lambda: QArtist.order("q_albums.title"),
                     lambda: QArtist.update_all(nope=1), lambda: QArtist.sum("nope")):
            with pytest.raises(UnknownAttributeError) as exc:
                call()
            assert "nope" in str(exc.value) or "q_albums" in str(exc.value)
    assert statements == []


# -- column expressions ----------------------------------------------------------------
def test_comparison_operators(catalogue):
    c = QArtist.c
    assert ids(QArtist.where(c.rating == 4)) == [3, 5]
    assert ids(QArtist.where(c.rating != 4)) == [1, 2, 7, 8, 9, 10]   # NULLs excluded
    assert ids(QArtist.where(c.rating < 3)) == [7, 10]
    assert ids(QArtist.where(c.rating <= 3)) == [2, 7, 8, 10]
    assert ids(QArtist.where(c.rating > 4)) == [1, 9]
    assert ids(QArtist.where(c.rating >= 4)) == [1, 3, 5, 9]
    assert ids(QArtist.where(c.rating == None)) == [4, 6]  # noqa: E711 - builds IS NULL
    assert ids(QArtist.where(c.rating.is_null())) == [4, 6]
    assert ids(QArtist.where(c.country.is_not_null() & (c.rating.between(2, 3)))) == [2, 7, 8]


def test_boolean_combinations(catalogue):
    c = QArtist.c
    assert ids(QArtist.where((c.country == "US") | (c.country == "UK"))) == [3, 5, 8, 9]
    assert ids(QArtist.where((c.country == "US") & ~(c.rating == 4))) == [8]
    assert ids(QArtist.where(~c.country.in_(["US", "UK"]))) == [1, 2, 4, 6, 7]
    assert ids(QArtist.where(c.id.not_in([1, 2]) & c.rating.in_([5]))) == [9]


def test_expression_values_are_bound_through_column_types(catalogue):
    c = QAlbum.c
    assert ids(QAlbum.where(c.price > Decimal("11"))) == [5, 6, 10]
    assert ids(QAlbum.where(c.released < dt.date(1980, 1, 1))) == [2, 11, 12]
    assert ids(QAlbum.where(c.price.in_([Decimal("9.99"), "5.00"]))) == [1, 8, 11]
    assert ids(QAlbum.where(c.released.between(dt.date(1990, 1, 1), dt.date(1994, 12, 31)))) \
        == [5, 7]


def test_like_is_case_sensitive_only_on_postgresql(catalogue, db):
    # LIKE follows each database: SQLite folds ASCII case, MariaDB's utf8mb4_general_ci
    # folds case, PostgreSQL does not. ilike() is the portable case-insensitive match.
    expected = {"sqlite": [1, 2], "mysql": [1, 2], "postgresql": []}
    assert ids(QArtist.where(QArtist.c.name.like("ac%"))) == expected[db.adapter.name]
    assert ids(QArtist.where(QArtist.c.name.ilike("ac%"))) == [1, 2]
    assert ids(QArtist.where(QArtist.c.name.ilike("AUDIO%"))) == [8]
    assert ids(QArtist.where(QArtist.c.name.not_ilike("a%"))) == [9, 10]


def test_ilike_beyond_ascii_differs_on_sqlite(catalogue, db):
    # SQLite's LOWER() and LIKE fold ASCII letters only (lang_corefunc.html#lower).
    expected = [] if db.adapter.name == "sqlite" else [6]
    assert ids(QArtist.where(QArtist.c.name.ilike("%ANTÔNIO%"))) == expected
    assert ids(QArtist.where(QArtist.c.name.ilike("%antônio%"))) == [6]


def test_contains_startswith_endswith_match_wildcards_literally(catalogue):
    c = QArtist.c
    assert ids(QArtist.where(c.name.contains("50%"))) == [10]
    assert ids(QArtist.where(c.name.contains("_"))) == [10]
    assert ids(QArtist.where(c.name.like("%_%"))) == list(range(1, 11))
    assert ids(QArtist.where(c.name.startswith("Al"))) == [4, 5]
    assert ids(QArtist.where(c.name.endswith("slave", case_insensitive=True))) == [8]
    assert ids(QArtist.where(c.name.startswith("AC/", case_insensitive=True))) == [1]


# -- negation, or_, rewhere, unscope -----------------------------------------------------
def test_where_not(catalogue):
    assert ids(QArtist.where_not(country="US")) == [1, 2, 4, 6, 7, 9]  # NULL excluded
    assert ids(QArtist.where_not(country=None)) == list(range(1, 10))
    assert ids(QArtist.where_not(country=["US", "UK"])) == [1, 2, 4, 6, 7]
    assert ids(QArtist.where_not(country="US", rating=4)) == [1, 2, 4, 6, 7, 8, 9, 10]  # NAND
    assert ids(QArtist.not_(rating=between(2, 4))) == [1, 9, 10]
    assert ids(QArtist.where_not("rating > ?", 3)) == [2, 7, 8, 10]
    assert ids(QArtist.where_not(QArtist.c.name.ilike("a%"))) == [9, 10]
    with pytest.raises(ValueError):
        QArtist.where_not()


def test_or_combines_two_relations(catalogue):
    us = QArtist.where(country="US")
    top = QArtist.where(rating=5)
    assert ids(us.or_(top)) == [1, 3, 5, 8, 9]
    assert ids(us.where(rating=4).or_(QArtist.where(country="UK"))) == [3, 5, 9]
    assert ids(QArtist.where(country="US").order("name").or_(
        QArtist.where(rating=1).order("name"))) == [3, 5, 8, 10]
    assert ids(QArtist.all().or_(top)) == list(range(1, 11))


def test_or_refuses_incompatible_relations(catalogue):
    with pytest.raises(ValueError, match="differ only in their conditions"):
        QArtist.where(country="US").limit(2).or_(QArtist.where(rating=5))
    with pytest.raises(ValueError):
        QArtist.where(country="US").order("name").or_(QArtist.where(rating=5))
    with pytest.raises(TypeError):
        QArtist.where(country="US").or_(QAlbum.all())


def test_rewhere_and_unscope(catalogue):
    rel = QArtist.where(country="US").where(QArtist.c.rating > 3).order("name").limit(1)
    assert ids(rel.rewhere(country="UK")) == [9]
    assert ids(rel.rewhere(rating=3)) == [8]            # drops the expression on rating
    assert ids(rel.unscope(where="rating")) == [3]      # Aerosmith, by name
    assert ids(rel.unscope("limit")) == [3, 5]
    assert ids(rel.unscope("where", "limit")) == list(range(1, 11))
    assert rel.unscope("order").to_sql().count("ORDER BY") == 0
    with pytest.raises(ValueError, match="unscope"):
        rel.unscope("bogus")


def test_none_matches_nothing(catalogue):
    assert QArtist.none().to_list() == []
    assert QArtist.where(country="US").none().count() == 0
    assert QArtist.none().or_(QArtist.where(rating=5)).count() == 2
