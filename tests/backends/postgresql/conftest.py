"""Fixtures for the PostgreSQL-only tests (real server, no mocks).

The server is ``$AR_TEST_POSTGRESQL_URL`` (default: the one scripts/pg-up.sh starts,
``postgresql://orm:orm@127.0.0.1:56432/orm_test``). These tests run when ``postgresql``
is among ``AR_TEST_DATABASES`` or ``AR_TEST_POSTGRESQL_URL`` is set (``make test`` sets
the first); otherwise they are skipped with that reason. A server that was asked for and
cannot be reached fails the run: it is never skipped.
"""

from __future__ import annotations

import os
import uuid

import pytest

from activerecord.connection import Database
from tests.support.schema import checked_database

DEFAULT_URL = "postgresql://orm:orm@127.0.0.1:56432/orm_test"


def postgresql_url() -> str:
    """The test server's URL (with its password)."""
    return os.environ.get("AR_TEST_POSTGRESQL_URL") or DEFAULT_URL


def _requested() -> bool:
    names = {s.strip() for s in os.environ.get("AR_TEST_DATABASES", "sqlite").split(",")}
    return "postgresql" in names or bool(os.environ.get("AR_TEST_POSTGRESQL_URL"))


@pytest.fixture(scope="module")
def pg():
    """One Database on the test server for the module, checked reachable."""
    if not _requested():
        pytest.skip("PostgreSQL not requested (AR_TEST_DATABASES lacks postgresql and "
                    "AR_TEST_POSTGRESQL_URL is unset)")
    database = checked_database("postgresql", postgresql_url())
    yield database
    database.close()


@pytest.fixture
def pg_url(pg) -> str:
    return postgresql_url()


@pytest.fixture
def open_db(pg):
    """``open_db(url=None, **options)``: a new Database with its own pool, closed after
    the test."""
    opened: list[Database] = []

    def make(url: str | None = None, **options) -> Database:
        database = Database(url or postgresql_url(), **options)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.close()


@pytest.fixture
def tables(pg):
    """``tables("label", "CREATE TABLE {t} (...)")``: a uniquely named table (or type,
    with ``kind="TYPE"``) made here and dropped after the test with CASCADE; ``{t}`` is the
    quoted name, ready for ``Database.run`` (compiled SQL, ``%`` already escaped).
    Returns the bare name."""
    made: list[tuple[str, str]] = []

    def make(label: str, ddl: str | None = None, kind: str = "TABLE") -> str:
        name = f"ar_{label}_{uuid.uuid4().hex[:8]}"
        made.append((kind, name))
        if ddl is not None:
            pg.run(ddl.replace("{t}", pg.dialect.quote_identifier(name)), [])
        return name

    yield make
    for kind, name in reversed(made):
        pg.run(f"DROP {kind} IF EXISTS {pg.dialect.quote_identifier(name)} CASCADE", [])
        pg.schema_cache.clear(name)
