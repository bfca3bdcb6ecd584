"""Fixtures for the MySQL/MariaDB-only tests (real server, no mocks).

The server is ``$AR_TEST_MYSQL_URL`` (default: the one scripts/mariadb-up.sh starts).
These tests run when ``mysql`` is among ``AR_TEST_DATABASES`` or ``AR_TEST_MYSQL_URL`` is
set (``make test`` sets both); otherwise they are skipped with that reason. A server that
was asked for and cannot be reached fails the run: it is never skipped.
"""

from __future__ import annotations

import os
import uuid

import pytest

from activerecord.connection import Database
from tests.support.schema import checked_database

DEFAULT_URL = "mysql://orm:orm@127.0.0.1:33706/orm_test?charset=utf8mb4"


def _mysql_url() -> str:
    return os.environ.get("AR_TEST_MYSQL_URL") or DEFAULT_URL


def _requested() -> bool:
    names = {s.strip() for s in os.environ.get("AR_TEST_DATABASES", "sqlite").split(",")}
    return "mysql" in names or bool(os.environ.get("AR_TEST_MYSQL_URL"))


@pytest.fixture(scope="module")
def mdb():
    """One Database for the module, checked reachable."""
    if not _requested():
        pytest.skip("MySQL/MariaDB not requested (AR_TEST_DATABASES lacks mysql and "
                    "AR_TEST_MYSQL_URL is unset)")
    database = checked_database("mysql", _mysql_url())
    yield database
    database.close()


@pytest.fixture
def mysql_url(mdb) -> str:
    """The test server's URL (with its password)."""
    return _mysql_url()


@pytest.fixture
def open_db(mdb):
    """``open_db(**options)``: a new Database on the test server with its own pool,
    closed after the test."""
    opened: list[Database] = []

    def make(**options) -> Database:
        database = Database(_mysql_url(), **options)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.close()


@pytest.fixture
def mariadb(mdb):
    """Whether the server is MariaDB (and its version tuple)."""
    mdb.features  # connects and detects
    return mdb.adapter.mariadb


def drop_tables(db: Database, *names: str) -> None:
    """Drop the tables of ``names`` that exist, whatever foreign keys point at them (the
    schema editor's ``drop_tables``)."""
    existing = set(db.table_names())
    db.adapter.schema_editor_class(db).drop_tables([n for n in names if n in existing])
    for name in names:
        db.schema_cache.clear(name)


@pytest.fixture
def tables(mdb):
    """``tables("label", "CREATE TABLE {t} (...)")``: a uniquely named table, made here
    and dropped after the test; ``{t}`` is the backquoted name, ready for the driver
    (run through ``Database.run``). Returns the bare name."""
    made: list[str] = []

    def make(label: str, ddl: str | None = None) -> str:
        name = f"ar_{label}_{uuid.uuid4().hex[:8]}"
        made.append(name)
        if ddl is not None:
            mdb.run(ddl.replace("{t}", mdb.dialect.quote_identifier(name)), [])
        return name

    yield make
    if made:
        drop_tables(mdb, *made)
