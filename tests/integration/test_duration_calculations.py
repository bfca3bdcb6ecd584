"""sum/average/minimum/maximum of a duration column (PostgreSQL ``interval``, MySQL's
``TIME``, SQLite's ``INTERVAL`` stored as seconds) are ``timedelta`` on every database,
also grouped, with ``distinct``, through a derived table (``limit``) and with fractions
of a second and negative durations (MySQL's own SUM of a TIME adds HHMMSS numbers)."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import Model

TD = dt.timedelta


class Span(Model):
    table_name = "dur_spans"


@pytest.fixture
def spans(db, make_table):
    kind = "TIME(6)" if db.adapter.name == "mysql" else "INTERVAL"
    make_table("dur_spans", id="pk", g="string(4)", d=kind)
    for g, d in (("a", TD(hours=30)), ("a", TD(hours=1, minutes=30, microseconds=250_000)),
                 ("b", TD(microseconds=-500_000)), ("b", TD(hours=30)), ("b", None)):
        Span.create(g=g, d=d)
    return Span


def test_sum_average_minimum_maximum(spans):
    total = TD(hours=61, minutes=30, microseconds=-250_000)
    assert Span.sum("d") == total
    assert Span.average("d") == total / 4
    assert Span.minimum("d") == TD(microseconds=-500_000)
    assert Span.maximum("d") == TD(hours=30)
    assert Span.sum("d", distinct=True) == total - TD(hours=30)
    assert Span.average("d", distinct=True) == (total - TD(hours=30)) / 3


def test_no_rows_and_only_nulls(spans):
    for rel in (Span.where(id=0), Span.where(d=None)):
        assert rel.sum("d") == TD(0) and isinstance(rel.sum("d"), TD)
        assert rel.average("d") is None
        assert rel.minimum("d") is None and rel.maximum("d") is None


def test_grouped_and_through_a_derived_table(spans):
    assert Span.group("g").sum("d") == {"a": TD(hours=31, minutes=30, microseconds=250_000),
                                        "b": TD(hours=30, microseconds=-500_000)}
    assert Span.group("g").average("d") == {
        "a": TD(hours=31, minutes=30, microseconds=250_000) / 2,
        "b": TD(hours=30, microseconds=-500_000) / 2}
    assert Span.group("g").maximum("d") == {"a": TD(hours=30), "b": TD(hours=30)}
    first_two = Span.order("id").limit(2)
    assert first_two.sum("d") == TD(hours=31, minutes=30, microseconds=250_000)
    assert first_two.average("d") == TD(hours=31, minutes=30, microseconds=250_000) / 2
