"""Introspection of MySQL/MariaDB tables made here: every column type, keys, indexes,
defaults in MariaDB's quoted spelling (and MySQL's unquoted one, by the parser)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backends.mysql.introspection import parse_default, parse_server_version
from backends.mysql.types import neutral_type, parse_enum_values


def q(db, name):
    return db.dialect.quote_identifier(name)


ALL_TYPES = """CREATE TABLE {t} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  flag TINYINT(1) NOT NULL DEFAULT 0,
  flag2 BOOLEAN,
  flag3 BIT(1),
  bits BIT(8),
  tiny TINYINT,
  small SMALLINT UNSIGNED,
  medium MEDIUMINT,
  num INT,
  big BIGINT UNSIGNED,
  yr YEAR,
  f FLOAT,
  d DOUBLE,
  price DECIMAL(10,2) DEFAULT 1.50,
  code CHAR(36),
  name VARCHAR(40) NOT NULL,
  body TEXT,
  mbody MEDIUMTEXT,
  lbody LONGTEXT,
  mood ENUM('happy','it''s ok','sad, really') DEFAULT 'happy',
  perms SET('r','w','X'),
  doc JSON,
  bin BINARY(16),
  vbin VARBINARY(64),
  blb BLOB,
  day DATE,
  clock TIME(3),
  seen DATETIME(6),
  stamp TIMESTAMP NULL DEFAULT NULL
)"""

EXPECTED = {
    # name: (sql_type, neutral type)
    "id": ("bigint(20) unsigned", "integer"), "flag": ("tinyint(1)", "boolean"),
    "flag2": ("tinyint(1)", "boolean"), "flag3": ("bit(1)", "boolean"),
    "bits": ("bit(8)", "integer"), "tiny": ("tinyint(4)", "integer"),
    "small": ("smallint(5) unsigned", "integer"), "medium": ("mediumint(9)", "integer"),
    "num": ("int(11)", "integer"), "big": ("bigint(20) unsigned", "integer"),
    "yr": ("year(4)", "integer"), "f": ("float", "float"), "d": ("double", "float"),
    "price": ("decimal(10,2)", "decimal"), "code": ("char(36)", "string"),
    "name": ("varchar(40)", "string"), "body": ("text", "string"),
    "mbody": ("mediumtext", "string"), "lbody": ("longtext", "string"),
    "mood": ("enum('happy','it''s ok','sad, really')", "string"),
    "perms": ("set('r','w','X')", "string"), "doc": (None, "json"),
    "bin": ("binary(16)", "binary"), "vbin": ("varbinary(64)", "binary"),
    "blb": ("blob", "binary"), "day": ("date", "date"), "clock": ("time(3)", "interval"),
    "seen": ("datetime(6)", "datetime"), "stamp": ("timestamp", "datetime"),
}


def _strip_widths(sql_type):
    # MySQL 8.0.19+ no longer reports integer display widths (except tinyint(1)).
    import re
    return re.sub(r"^(tinyint|smallint|mediumint|int|bigint|year)\(\d+\)", r"\1", sql_type)


def test_every_column_type(mdb, tables, mariadb):
    name = tables("types", ALL_TYPES)
    info = mdb.table_info(name)
    cols = {c.name: c for c in info.columns}
    assert [c.name for c in info.columns] == list(EXPECTED)  # ORDINAL_POSITION order
    for col, (sql_type, kind) in EXPECTED.items():
        assert cols[col].type == kind, col
        if sql_type is not None:
            assert _strip_widths(cols[col].sql_type) == _strip_widths(sql_type), col
    # MariaDB: JSON is LONGTEXT + CHECK (json_valid(doc)); MySQL: a native type.
    assert cols["doc"].sql_type == ("longtext" if mariadb else "json")
    assert cols["lbody"].type == "string"  # a LONGTEXT without the check stays text
    assert cols["mood"].enum_values == ("happy", "it's ok", "sad, really")
    assert cols["perms"].enum_values == ("r", "w", "X")  # members keep their case
    assert cols["name"].enum_values is None
    assert (cols["price"].precision, cols["price"].scale) == (10, 2)
    assert cols["name"].length == 40 and cols["code"].length == 36
    assert cols["vbin"].length == 64 and cols["bin"].length == 16
    assert cols["num"].precision is None and cols["num"].length is None
    assert cols["stamp"].timezone and not cols["seen"].timezone
    assert cols["id"].primary_key and cols["id"].auto_increment and not cols["id"].nullable
    assert not cols["num"].auto_increment and not cols["num"].primary_key
    assert not cols["name"].nullable and cols["body"].nullable
    assert info.primary_key == ("id",)


def test_native_uuid_on_mariadb_10_7(mdb, tables, mariadb):
    if not mdb.features.supports_native_uuid:
        pytest.skip("no native UUID type (features.supports_native_uuid)")
    name = tables("uuid", "CREATE TABLE {t} (id INT PRIMARY KEY, u UUID, c CHAR(36))")
    cols = {c.name: c for c in mdb.table_info(name).columns}
    assert (cols["u"].sql_type, cols["u"].type) == ("uuid", "uuid")
    assert cols["c"].type == "string"  # a char(36) holding UUIDs is still a string


def test_composite_primary_key_in_key_order(mdb, tables):
    name = tables("cpk", "CREATE TABLE {t} (a INT NOT NULL, b VARCHAR(5) NOT NULL, "
                         "c INT, PRIMARY KEY (b, a))")
    info = mdb.table_info(name)
    assert info.primary_key == ("b", "a")
    assert [c.name for c in info.columns if c.primary_key] == ["a", "b"]
    assert not any(c.auto_increment for c in info.columns)
    assert info.indexes == ()  # the primary key is not listed as an index


def test_foreign_keys_and_indexes(mdb, tables):
    parent = tables("parent", "CREATE TABLE {t} (a INT NOT NULL, b INT NOT NULL, "
                              "id INT NOT NULL UNIQUE, PRIMARY KEY (a, b)) ENGINE=InnoDB")
    child = tables("child", (
        "CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, pa INT, pb INT, pid INT, "
        "email VARCHAR(80), x INT, y INT, "
        "UNIQUE KEY uq_email (email), KEY ix_xy (y, x), "
        f"CONSTRAINT fk_pair FOREIGN KEY (pa, pb) REFERENCES {q(mdb, parent)} (a, b) "
        "ON DELETE CASCADE ON UPDATE SET NULL, "
        f"CONSTRAINT fk_id FOREIGN KEY (pid) REFERENCES {q(mdb, parent)} (id)"
        ") ENGINE=InnoDB"))
    info = mdb.table_info(child)
    fks = {fk.name: fk for fk in info.foreign_keys}
    assert set(fks) == {"fk_pair", "fk_id"}
    pair = fks["fk_pair"]
    assert (pair.columns, pair.referred_table, pair.referred_columns) == (
        ("pa", "pb"), parent, ("a", "b"))
    assert (pair.on_delete, pair.on_update) == ("CASCADE", "SET NULL")
    one = fks["fk_id"]
    assert (one.columns, one.referred_columns) == (("pid",), ("id",))
    assert one.on_delete in ("RESTRICT", "NO ACTION")
    indexes = {ix.name: ix for ix in info.indexes}
    assert indexes["uq_email"].columns == ("email",) and indexes["uq_email"].unique
    assert indexes["ix_xy"].columns == ("y", "x") and not indexes["ix_xy"].unique
    assert "PRIMARY" not in indexes
    # InnoDB adds an index for each foreign key that has none: fk_pair's columns.
    assert any(ix.columns == ("pa", "pb") for ix in info.indexes)
    parent_info = mdb.table_info(parent)
    assert parent_info.primary_key == ("a", "b")
    assert any(ix.unique and ix.columns == ("id",) for ix in parent_info.indexes)


DEFAULTS = r"""CREATE TABLE {t} (
  id INT AUTO_INCREMENT PRIMARY KEY,
  s VARCHAR(20) DEFAULT 'abc',
  quote VARCHAR(20) DEFAULT 'it''s',
  backslash VARCHAR(20) DEFAULT 'a\\b',
  null_text VARCHAR(20) DEFAULT 'NULL',
  empty VARCHAR(20) DEFAULT '',
  no_default VARCHAR(20),
  required INT NOT NULL,
  zero INT NOT NULL DEFAULT 0,
  negative INT DEFAULT -7,
  price DECIMAL(8,3) DEFAULT 1.5,
  ratio DOUBLE DEFAULT 2.5,
  flag TINYINT(1) DEFAULT 1,
  bits BIT(4) DEFAULT b'101',
  day DATE DEFAULT '2020-02-29',
  mood ENUM('a','b') DEFAULT 'b',
  created DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),
  stamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  computed INT DEFAULT (1 + 2)
)"""


def test_defaults_parsed_to_python_values(mdb, tables):
    name = tables("defaults", DEFAULTS)
    cols = {c.name: c for c in mdb.table_info(name).columns}
    got = {n: cols[n].default for n in cols}
    assert got == {
        "id": None, "s": "abc", "quote": "it's", "backslash": "a\\b",
        "null_text": "NULL", "empty": "", "no_default": None, "required": None,
        "zero": 0, "negative": -7, "price": Decimal("1.500"), "ratio": 2.5, "flag": 1,
        "bits": 5, "day": "2020-02-29", "mood": "b", "created": None, "stamp": None,
        "computed": None,
    }
    assert type(got["zero"]) is int and type(got["ratio"]) is float
    # Expressions: no Python value, the SQL text is kept (and the model re-reads them).
    assert cols["created"].default_sql.lower().startswith("current_timestamp")
    assert cols["stamp"].default_sql.lower().startswith("current_timestamp")
    assert cols["computed"].default_sql.replace(" ", "") in ("(1+2)", "1+2")
    assert cols["no_default"].default_sql is None and cols["required"].default_sql is None


def test_mariadb_reports_defaults_quoted(mdb, tables, mariadb):
    """Pin the catalog difference the parser handles: MariaDB >= 10.2.7 quotes string
    literals and writes NULL as text; MySQL gives the bare value and SQL NULL."""
    name = tables("rawdef", DEFAULTS)
    rows = mdb.run(
        "SELECT COLUMN_NAME, COLUMN_DEFAULT FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", [name]).rows
    raw = dict(rows)
    if mariadb and mdb.features.server_version >= (10, 2, 7):
        assert raw["s"] == "'abc'"
        assert raw["quote"] == "'it''s'"
        assert raw["null_text"] == "'NULL'"
        assert raw["no_default"] == "NULL"      # the text NULL: nullable, no default
        assert raw["required"] is None          # SQL NULL: NOT NULL, no default
        assert raw["created"] == "current_timestamp(6)"
    else:
        assert raw["s"] == "abc"
        assert raw["no_default"] is None


@pytest.mark.parametrize("text, sql_type, extra, quoted, expected", [
    # MariaDB >= 10.2.7 (quoted SQL)
    ("'abc'", "varchar(10)", "", True, ("abc", "'abc'")),
    ("'it''s'", "varchar(10)", "", True, ("it's", "'it''s'")),
    ("'a\\\\b'", "varchar(10)", "", True, ("a\\b", "'a\\\\b'")),
    ("'NULL'", "varchar(10)", "", True, ("NULL", "'NULL'")),
    ("NULL", "varchar(10)", "", True, (None, None)),
    ("1.50", "decimal(5,2)", "", True, (Decimal("1.50"), "1.50")),
    ("current_timestamp()", "timestamp", "", True, (None, "current_timestamp()")),
    ("(1 + 2)", "int(11)", "", True, (None, "(1 + 2)")),
    ("b'101'", "bit(3)", "", True, (5, "b'101'")),
    # MySQL (unquoted values; expressions flagged DEFAULT_GENERATED in 8.0.13+)
    ("abc", "varchar(10)", "", False, ("abc", "'abc'")),
    ("it's", "varchar(10)", "", False, ("it's", "'it''s'")),
    ("NULL", "varchar(10)", "", False, ("NULL", "'NULL'")),
    ("", "varchar(10)", "", False, ("", "''")),
    ("0", "int", "", False, (0, "0")),
    ("1.50", "decimal(5,2)", "", False, (Decimal("1.50"), "1.50")),
    ("2.5", "double", "", False, (2.5, "2.5")),
    ("2020-01-01", "date", "", False, ("2020-01-01", "'2020-01-01'")),
    ("CURRENT_TIMESTAMP", "timestamp", "DEFAULT_GENERATED", False,
     (None, "CURRENT_TIMESTAMP")),
    ("CURRENT_TIMESTAMP", "datetime", "", False, (None, "CURRENT_TIMESTAMP")),  # 5.7
    ("(1 + 2)", "int", "DEFAULT_GENERATED", False, (None, "(1 + 2)")),
    (None, "int", "", False, (None, None)),
])
def test_parse_default_both_spellings(text, sql_type, extra, quoted, expected):
    assert parse_default(text, sql_type, extra, quoted) == expected


def test_table_exists_is_exact(mdb, tables):
    name = tables("CaseT", "CREATE TABLE {t} (id INT PRIMARY KEY)")
    assert mdb.table_info(name) is not None
    if mdb.execute("SELECT @@lower_case_table_names").rows[0][0] == 0:
        assert mdb.table_info(name.lower()) is None
        assert mdb.table_info(name.upper()) is None
    assert name in mdb.table_names()
    assert mdb.table_info("ar_never_created_table") is None


def test_views_are_not_tables_but_can_be_read(mdb, tables):
    base = tables("vbase", "CREATE TABLE {t} (id INT PRIMARY KEY, n VARCHAR(5))")
    view = tables("view")
    mdb.run(f"CREATE VIEW {q(mdb, view)} AS SELECT id, n FROM {q(mdb, base)}", [])
    try:
        assert view not in mdb.table_names()
        assert [c.name for c in mdb.table_info(view).columns] == ["id", "n"]
    finally:
        mdb.run(f"DROP VIEW {q(mdb, view)}", [])


def test_percent_in_table_and_column_names(mdb, tables):
    name = tables("pct%")
    mdb.run(f"CREATE TABLE {q(mdb, name)} ({q(mdb, '50%')} INT PRIMARY KEY, "
            f"{q(mdb, 'a`b')} VARCHAR(3))", [])
    info = mdb.table_info(name)
    assert [c.name for c in info.columns] == ["50%", "a`b"]
    assert info.primary_key == ("50%",)


@pytest.mark.parametrize("text, expected", [
    ("10.11.19-MariaDB-0+deb12u1", (True, (10, 11, 19))),
    ("5.5.5-10.4.8-MariaDB-log", (True, (10, 4, 8))),
    ("8.0.36", (False, (8, 0, 36))),
    ("8.4.0-0ubuntu0.24.04.1", (False, (8, 4, 0))),
    ("5.7.44-log", (False, (5, 7, 44))),
])
def test_parse_server_version(text, expected):
    assert parse_server_version(text) == expected


@pytest.mark.parametrize("sql_type, kind", [
    ("tinyint(1)", "boolean"), ("tinyint(1) unsigned", "boolean"), ("tinyint(4)", "integer"),
    ("tinyint", "integer"), ("bigint(20) unsigned zerofill", "integer"), ("bool", "boolean"),
    ("double precision", "float"), ("numeric(5,0)", "decimal"), ("set('a')", "string"),
    ("longblob", "binary"), ("timestamp(6)", "datetime"), ("uuid", "uuid"), ("json", "json"),
    ("inet6", "string"), ("geometry", None),
])
def test_neutral_type(sql_type, kind):
    assert neutral_type(sql_type) == kind


def test_parse_enum_values_with_escapes():
    assert parse_enum_values("enum('a','it''s','x,y','back\\\\slash')") == (
        "a", "it's", "x,y", "back\\slash")
    assert parse_enum_values("varchar(3)") is None
