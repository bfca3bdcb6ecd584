"""Which PostgreSQL columns the first row of a row-value ``IN (VALUES ...)`` casts its
values for (``Type.values_cast``): the ones whose values psycopg binds as untyped text
and that do not compare as text, to their type without modifiers (no server)."""

from __future__ import annotations

import pytest

from activerecord.connection.introspection import ColumnInfo
from backends.postgresql.types import type_for, values_cast


@pytest.mark.parametrize("sql_type, kind, enum, cast", [
    ("integer", "integer", None, None),           # bound typed: a cast could overflow
    ("numeric(6,2)", "decimal", None, None),
    ("date", "date", None, None),
    ("uuid", "uuid", None, None),
    ("timestamp(3) without time zone", "datetime", None, None),
    ("text", "string", None, None),               # text = text either way
    ("character varying(8)", "string", None, None),
    ("character(4)", "string", None, "bpchar"),   # not character: char(1) would cut
    ("mood", "string", ("sad", "ok"), "mood"),    # enum: mood = text does not exist
    ("public.mood", "string", ("sad",), "public.mood"),
    ("citext", "string", None, "citext"),
    ("email_domain", "string", None, None),       # a domain over text: compared as text
    ("inet", "value", None, "inet"),
    ("bit(3)", "value", None, "varbit"),          # not bit: bit(1)
    ("bit varying(5)", "value", None, "bit varying"),
    ("integer[]", "value", None, None),           # arrays are cast already (sql_cast)
])
def test_values_cast(sql_type, kind, enum, cast):
    column = ColumnInfo(name="c", sql_type=sql_type, type=kind, enum_values=enum)
    assert values_cast(column) == cast
    assert type_for(column).values_cast == cast or sql_type.endswith("]")
