"""The pytest plugin for users' test suites, registered through the ``pytest11`` entry
point (docs/testing.md); pytest loads it in every run, so it does nothing costly until a
test asks for one of its fixtures.

Options: ``--ar-database-url URL`` (else ``$ACTIVERECORD_TEST_DATABASE_URL``, else
``$DATABASE_URL``) names the test database; ``--ar-no-strict-loading`` lets lazy loads
of associations happen (by default every test runs with
``Model.strict_loading_by_default = True``: a lazy load raises
StrictLoadingViolationError).

Fixtures, after pytest-django's:

* ``ar_database`` (session): the test database, connected (``activerecord.connect``)
  and made the default one at its first use; a suite may override it;
* ``db``: the test runs in a transaction rolled back at its end
  (:func:`activerecord.testing.transactions.rolled_back`); ``db.run_commit_callbacks()``;
* ``db_commit``: the test commits for real; the tables it wrote to are emptied at its
  end (:func:`activerecord.testing.transactions.cleaned`);
* ``fixtures``: the records of the fixture files named by the test's
  ``@pytest.mark.fixtures("file.yml", ...)`` markers (paths relative to the test's
  file), loaded in the test's ``db`` transaction (or under ``db_commit``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..connection.database import Database
from ..errors import ActiveRecordError
from .transactions import CleanedDatabase, RolledBackDatabase, cleaned, rolled_back

__all__ = ["database_url", "open_database", "MISSING_URL", "ENV_VARS"]

#: The environment variables naming the test database, in order of precedence.
ENV_VARS = ("ACTIVERECORD_TEST_DATABASE_URL", "DATABASE_URL")

#: The one-line error of a test asking for the database when none is configured.
MISSING_URL = ("activerecord: no test database configured: pass --ar-database-url URL, "
               "or set ACTIVERECORD_TEST_DATABASE_URL or DATABASE_URL")
_BOTH = ("activerecord: a test uses db (a transaction rolled back) or db_commit (real "
         "commits, outside any transaction), not both")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--ar-database-url`` and ``--ar-no-strict-loading``."""
    group = parser.getgroup("activerecord", "activerecord test database")
    group.addoption("--ar-database-url", dest="ar_database_url", default=None,
                    metavar="URL",
                    help="the test database (default: $ACTIVERECORD_TEST_DATABASE_URL, "
                         "then $DATABASE_URL)")
    group.addoption("--ar-no-strict-loading", dest="ar_no_strict_loading",
                    action="store_true", default=False,
                    help="let tests load associations lazily (by default a lazy load "
                         "raises StrictLoadingViolationError)")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``fixtures`` marker."""
    config.addinivalue_line(
        "markers", "fixtures(*paths): fixture files (YAML/JSON) the 'fixtures' fixture "
                   "loads for the test (activerecord)")


def database_url(config: pytest.Config) -> str | None:
    """Return the test database's URL: ``--ar-database-url``, else the first of
    :data:`ENV_VARS` that is set and not empty, else None."""
    url = config.getoption("ar_database_url", default=None)
    if url:
        return str(url)
    for name in ENV_VARS:
        if os.environ.get(name):
            return os.environ[name]
    return None


def open_database(url: str, **options: Any) -> Database:
    """Return the Database of ``url``, made the default database and checked with
    ``SELECT 1``: the one the suite's code already connected to that database (under
    any name and options), else a new one from ``activerecord.connect(url,
    **options)``. Fails the test (one line: the database and the error) when the URL
    is malformed or the database cannot be reached."""
    from ..connection.handling import connect, databases, set_default_database

    try:
        wanted = Database(url, **options).config.identity()
        same = [d for d in databases().values() if d.config.identity() == wanted]
        database = same[0] if same else connect(url, default=True, **options)
        set_default_database(database)
        database.execute("SELECT 1")
    except ActiveRecordError as exc:
        pytest.fail(f"activerecord: the test database cannot be used: {exc}", pytrace=False)
    return database


@pytest.fixture(scope="session")
def ar_database(request: pytest.FixtureRequest) -> Database:
    """The test database (see :func:`database_url`), connected at its first use and
    made the default database; fails the asking test with :data:`MISSING_URL` when
    none is configured."""
    url = database_url(request.config)
    if url is None:
        pytest.fail(MISSING_URL, pytrace=False)
    return open_database(url)


@pytest.fixture
def db(request: pytest.FixtureRequest, ar_database: Database) -> Iterator[RolledBackDatabase]:
    """The test database, the test running in one transaction rolled back at its end
    (``save()`` joins it, a ``transaction()`` block is a savepoint; after-commit
    callbacks wait for ``db.run_commit_callbacks()``). pytest-django's ``db``. Fails
    the test when it uses ``db_commit`` too."""
    if "db_commit" in request.fixturenames:
        pytest.fail(_BOTH, pytrace=False)
    with rolled_back(ar_database) as handle:
        yield handle


@pytest.fixture
def db_commit(ar_database: Database) -> Iterator[CleanedDatabase]:
    """The test database with real commits; the tables the test wrote to are
    emptied at its end. Fails the test when a transaction is open already (with
    ``db``, the test would not commit). pytest-django's ``transactional_db``."""
    if ar_database.in_transaction:
        pytest.fail(_BOTH, pytrace=False)
    with cleaned(ar_database) as handle:
        yield handle


@pytest.fixture
def fixtures(request: pytest.FixtureRequest, ar_database: Database) -> Any:
    """The records of the fixture files the test's ``fixtures`` markers name (paths
    relative to the test's file), loaded in its ``db`` transaction (or with
    ``db_commit``); a ``FixtureSet``: ``fixtures["authors"]["tolkien"]``. Rails'
    ``fixtures``. Fails the test without a marker."""
    from .fixtures import load_fixtures

    paths = [arg for mark in request.node.iter_markers("fixtures") for arg in mark.args]
    if not paths:
        pytest.fail("activerecord: the fixtures fixture loads the files named by "
                    "@pytest.mark.fixtures('file.yml', ...); the test has none",
                    pytrace=False)
    if "db_commit" not in request.fixturenames:
        request.getfixturevalue("db")
        if not ar_database.in_transaction:
            pytest.fail("activerecord: fixtures are loaded in the test's transaction; "
                        "this test has none (use db or db_commit)", pytrace=False)
    base = Path(request.path).parent
    return load_fixtures([base / str(p) for p in paths], database=ar_database)


@pytest.fixture(autouse=True)
def _ar_strict_loading(request: pytest.FixtureRequest) -> Iterator[None]:
    # Every test runs with strict loading raising, unless --ar-no-strict-loading:
    # Model.strict_loading_by_default (the global switch) is set, then restored.
    if request.config.getoption("ar_no_strict_loading", default=False):
        yield
        return
    from ..base import Model

    saved = Model.__dict__.get("strict_loading_by_default", False)
    Model.strict_loading_by_default = True
    try:
        yield
    finally:
        Model.strict_loading_by_default = saved
