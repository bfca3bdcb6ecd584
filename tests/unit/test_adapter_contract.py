"""The adapter contract's declarations (no server): pool defaults and the compiler as
class attributes, the PEP 249 error fallback and the type-argument parser written once,
the untyped neutral type listed, and each backend's pool built from the same options."""

from __future__ import annotations

import sqlite3

import pytest

from activerecord import errors
from activerecord.connection.adapter import Adapter
from activerecord.connection.introspection import NEUTRAL_TYPES, UNTYPED, parse_type_args
from activerecord.connection.registry import adapter_class_for
from activerecord.connection.url import parse_url
from activerecord.sql import nodes as n
from activerecord.sql.compiler import Compiler, DialectHooks
from backends.mysql.types import neutral_type as mysql_neutral
from backends.postgresql.types import neutral_type as pg_neutral
from backends.sqlite.types import neutral_type as sqlite_neutral


def adapter(url: str, **options) -> Adapter:
    config = parse_url(url)
    return adapter_class_for(config.scheme)(config, options)


def test_the_pool_defaults_are_class_attributes():
    sqlite, pg, mysql = (adapter_class_for(s) for s in ("sqlite", "postgresql", "mysql"))
    assert (sqlite.ping_connections, pg.ping_connections, mysql.ping_connections) == (
        False, True, True)
    assert (sqlite.default_recycle, pg.default_recycle, mysql.default_recycle) == (
        None, None, 3600.0)
    assert all(cls.compiler_class is Compiler for cls in (sqlite, pg, mysql))
    assert (sqlite.driver, pg.driver, mysql.driver) == ("sqlite3", "psycopg", "pymysql")


def test_pool_options_follow_the_class_defaults_and_the_options():
    mysql = adapter("mysql://u@127.0.0.1/db")
    assert mysql.pool_options()["recycle"] == 3600.0
    opts = adapter("mysql://u@127.0.0.1/db", pool_recycle=60, pool_size=3).pool_options()
    assert opts["recycle"] == 60 and opts["size"] == 3 and opts["ping"] is not None
    pg = adapter("postgresql://u@127.0.0.1/db", ping_interval=0.5).pool_options()
    assert pg["recycle"] is None and pg["ping_interval"] == 0.5
    lite = adapter("sqlite:///x.db", pool_size=4).pool_options()
    assert lite["ping"] is None and lite["ping_interval"] is None and lite["size"] == 4


def test_an_in_memory_sqlite_pool_is_one_connection_never_recycled():
    pool = adapter("sqlite:///:memory:", pool_size=5, pool_recycle=1).create_pool()
    try:
        assert pool.size == 1
        first = pool.checkout()
        pool.checkin(first)
        assert pool.checkout() is first
        pool.checkin(first)
    finally:
        pool.close()


@pytest.mark.parametrize(("driver_error", "ours"), [
    (sqlite3.IntegrityError("x"), errors.IntegrityError),
    (sqlite3.DataError("x"), errors.DataError),
    (sqlite3.ProgrammingError("x"), errors.ProgrammingError),
    (sqlite3.NotSupportedError("x"), errors.NotSupportedError),
    (sqlite3.OperationalError("x"), errors.OperationalError),
    (sqlite3.InterfaceError("x"), errors.InterfaceError),
    (sqlite3.InternalError("x"), errors.DatabaseError),
    (ValueError("x"), errors.DatabaseError),
])
def test_the_pep_249_fallback_maps_by_the_drivers_classes(driver_error, ours):
    err = adapter("sqlite:///x.db").translate_by_driver_class(
        driver_error, {"sql": "SELECT 1", "params": [2]}, "the message")
    assert type(err) is ours and str(err) == "the message"
    assert err.sql == "SELECT 1" and err.params == [2]


def test_driver_errors_are_the_drivers_error_and_the_extras():
    lite = adapter("sqlite:///x.db")
    assert lite.driver_errors == (sqlite3.Error, OverflowError)
    assert lite.dbapi is sqlite3


@pytest.mark.parametrize(("sql_type", "args"), [
    ("decimal(10,2)", (10, 2)), ("numeric( 12 , 0 )", (12, 0)), ("varchar(20)", (20, None)),
    ("integer", (None, None)), ("datetime(6)", (6, None)), ("bigint(20) unsigned", (20, None)),
])
def test_type_arguments_are_parsed_in_one_place(sql_type, args):
    assert parse_type_args(sql_type) == args


def test_the_untyped_neutral_type_is_listed():
    assert UNTYPED == "value" and UNTYPED in NEUTRAL_TYPES
    samples = {
        sqlite_neutral: ["INTEGER", "varchar(20)", "BLOB", "JSON", "numeric(3,1)", "DATE"],
        pg_neutral: ["integer", "text", "jsonb", "uuid", "interval", "bytea", "boolean"],
        mysql_neutral: ["int(11)", "tinyint(1)", "varchar(5)", "json", "time", "blob"],
    }
    for neutral, types in samples.items():
        assert {neutral(t) for t in types} <= NEUTRAL_TYPES


def test_every_dialect_provides_what_the_compiler_asks_for():
    members = [m for m in vars(DialectHooks) if not m.startswith("_")]
    assert {"quote_identifier", "placeholder", "limit_offset", "upsert_clause",
            "features", "row_in", "containment"} <= set(members)
    for scheme in ("sqlite", "postgresql", "mysql"):
        dialect = adapter_class_for(scheme).dialect_class()
        missing = [m for m in members if not hasattr(dialect, m)]
        assert missing == [], (scheme, missing)
        sql, params = Compiler(dialect).compile(n.Column("a", "t") == 1)
        assert params == [1] and sql.endswith(dialect.placeholder)
