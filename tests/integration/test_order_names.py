"""``order`` by column names with spaces: the whole string is a column name first,
then a column name followed by a direction and NULLS clause; SQL text stays refused."""

from __future__ import annotations

import pytest

from activerecord import Model, UnknownAttributeError
from activerecord.testing import capture_sql


class Sheet(Model):
    table_name = "on_sheets"


@pytest.fixture
def sheets(make_table):
    make_table("on_sheets", id="pk", **{"Line No": "int", "x desc": "int", "desc": "int"})
    for line, x in ((2, 1), (None, 3), (1, 2)):
        Sheet.create(**{"Line No": line, "x desc": x, "desc": -x})


def lines(rel):
    return [r["Line No"] for r in rel]


def test_directions_and_nulls_after_a_name_with_spaces(db, sheets):
    assert lines(Sheet.order("Line No nulls first")) == [None, 1, 2]
    assert lines(Sheet.order(" Line No  DESC  NULLS LAST ")) == [2, 1, None]
    assert lines(Sheet.order(**{"Line No": "asc nulls last"})) == [1, 2, None]
    assert lines(Sheet.order("on_sheets.Line No desc nulls last")) == [2, 1, None]
    # A column whose name ends like a direction is that column, not a direction.
    assert [r["x desc"] for r in Sheet.order("x desc")] == [1, 2, 3]
    assert [r["x desc"] for r in Sheet.order("-x desc")] == [3, 2, 1]
    assert [r["x desc"] for r in Sheet.order("x desc desc")] == [3, 2, 1]
    assert [r["desc"] for r in Sheet.order("desc")] == [-3, -2, -1]


def test_what_is_no_column_is_still_refused_before_sql(db, sheets):
    with capture_sql() as sql:
        for bad in ("Line No; DROP TABLE on_sheets", "Line Nox", "Line No sideways",
                    "-Line No desc", "Line No, id"):
            with pytest.raises(ValueError):
                Sheet.order(bad)
        with pytest.raises(UnknownAttributeError):
            Sheet.order("Line")
        with pytest.raises(UnknownAttributeError):
            Sheet.order("nope desc")
        with pytest.raises(UnknownAttributeError):
            Sheet.order(**{"Line Nox": "desc"})
        with pytest.raises(ValueError):
            Sheet.order(**{"Line No": "desc; DROP TABLE on_sheets"})
    assert sql == []
