"""``Relation.or_`` on every database: the two relations must be structurally
compatible (Rails' ``structurally_incompatible_values_for``): the same order, limit,
offset, select, group, joins and distinct, compared part by part (not as SQL text,
where two different LIMITs are both ``LIMIT ?``); only the conditions (WHERE and
HAVING) are OR-ed."""

from __future__ import annotations

import pytest

from activerecord.testing import capture_sql
from tests.support.query_data import QAlbum, QArtist, make_catalogue


@pytest.fixture
def catalogue(make_table, db):
    make_catalogue(make_table, db)
    return db


def ids(rel):
    return [r.id for r in rel]


US, TOP = {"country": "US"}, {"rating": 5}      # ids 3, 5, 8 and 1, 9


@pytest.mark.parametrize("part, left, right, named", [
    ("limit", lambda r: r.limit(2), lambda r: r.limit(5), "limit (2 and 5)"),
    ("limit", lambda r: r.limit(2), lambda r: r, "limit (2 and None)"),
    ("offset", lambda r: r.offset(1), lambda r: r.offset(2), "offset (1 and 2)"),
    ("order", lambda r: r.order("name"), lambda r: r.order("-name"), "order"),
    ("order", lambda r: r.order("name"), lambda r: r, "order"),
    ("order", lambda r: r.order("name", "id"), lambda r: r.order("id", "name"), "order"),
    ("select", lambda r: r.select("id"), lambda r: r.select("name"), "select"),
    ("group", lambda r: r.group("country"), lambda r: r.group("rating"), "group"),
    ("joins", lambda r: r.joins(QAlbum), lambda r: r, "joins"),
    ("joins", lambda r: r.joins(QAlbum), lambda r: r.left_joins(QAlbum), "joins"),
    ("distinct", lambda r: r.distinct(), lambda r: r, "distinct (True and False)"),
])
def test_incompatible_parts_are_refused_by_name(catalogue, part, left, right, named):
    mine, theirs = left(QArtist.where(**US)), right(QArtist.where(**TOP))
    with capture_sql() as sent:
        with pytest.raises(ValueError, match="structurally compatible") as info:
            mine.or_(theirs)
    message = str(info.value)
    assert message.endswith("incompatible: " + named), message
    assert "differ only in their conditions (where, having)" in message
    assert sent == []  # refused before any SQL


def test_different_limits_no_longer_keep_the_first(catalogue):
    # The SQL text of both sides is "... LIMIT ?": comparing text let this through.
    a = QArtist.where(**US).order("id").limit(2)
    b = QArtist.where(**TOP).order("id").limit(5)
    assert a.to_sql() == QArtist.where(**US).order("id").limit(5).to_sql()
    with pytest.raises(ValueError, match=r"incompatible: limit \(2 and 5\)"):
        a.or_(b)


def test_every_incompatible_part_is_named(catalogue):
    with pytest.raises(ValueError, match=r"incompatible: order, limit \(1 and None\), "
                                         r"distinct \(True and False\)$"):
        QArtist.where(**US).order("name").limit(1).distinct().or_(QArtist.where(**TOP))


def test_same_parts_combine(catalogue):
    def both(shape):
        return shape(QArtist.where(**US)).or_(shape(QArtist.where(**TOP)))

    assert ids(both(lambda r: r.order("id"))) == [1, 3, 5, 8, 9]
    assert ids(both(lambda r: r.order("-id").limit(2))) == [9, 8]
    assert ids(both(lambda r: r.order("id").limit(2).offset(1))) == [3, 5]
    assert ids(both(lambda r: r.order("id").order("id"))) == [1, 3, 5, 8, 9]
    rows = both(lambda r: r.select("id", "name").order("id")).to_list()
    assert [(a.id, a.name) for a in rows] == [(1, "AC/DC"), (3, "Aerosmith"),
                                               (5, "Alice In Chains"), (8, "audioslave"),
                                               (9, "Black Sabbath")]
    countries = both(lambda r: r.select("country").distinct().order("country"))
    assert [a.country for a in countries] == ["Australia", "UK", "US"]
    joined = both(lambda r: r.joins(QAlbum).where(QAlbum.c.year < 1990).order("id"))
    assert ids(joined) == [1, 1, 9, 9]  # AC/DC and Black Sabbath albums before 1990
    assert both(lambda r: r.group("country").order("country")).count() == \
        {"Australia": 1, "UK": 1, "US": 3}


def test_a_duplicated_order_counts_once(catalogue):
    # Rails compares the parts without repeats (``uniq``).
    rel = QArtist.where(**US).order("id", "id").or_(QArtist.where(**TOP).order("id"))
    assert ids(rel) == [1, 3, 5, 8, 9]


def test_conditions_and_having_are_ored(catalogue):
    many = QAlbum.group("artist_id").having("COUNT(*) > ?", 1)
    late = QAlbum.group("artist_id").having(QAlbum.c.year.max() > 1995)
    assert many.or_(late).count() == {1: 2, 2: 2, 7: 1, 8: 1, 9: 2}
    assert QAlbum.group("artist_id").or_(late).count() == \
        QAlbum.group("artist_id").count()  # a side without HAVING keeps every group
    assert ids(QArtist.where(**US).or_(QArtist.where(**TOP)).order("id")) == [1, 3, 5, 8, 9]
    assert ids(QArtist.all().or_(QArtist.where(**TOP)).order("id")) == list(range(1, 11))
    assert ids(QArtist.none().or_(QArtist.where(**TOP)).order("id")) == [1, 9]


def test_other_models_and_non_relations_are_a_type_error(catalogue):
    with pytest.raises(TypeError, match="relation of QArtist"):
        QArtist.where(**US).or_(QAlbum.all())
    with pytest.raises(TypeError, match="relation of QArtist"):
        QArtist.where(**US).or_("rating = 5")
