"""Test configuration: the ``db`` fixture runs each integration test on every database
named in ``AR_TEST_DATABASES`` (comma list; default ``sqlite``; ``make test`` sets all
three). A database that was asked for and cannot be reached fails the run: it is never
skipped. PostgreSQL is reached through pytest-postgresql's ``noproc`` fixture (the
server is started by scripts/pg-up.sh, see setup.cfg for host/port/user).
"""

from __future__ import annotations

import os
import re
import sys
import urllib.parse

import pytest

from activerecord import Model
from activerecord.connection import handling as _registry
from activerecord.connection.database import Database
from activerecord.connection.handling import set_default_database
from activerecord.testing import rolled_back
from tests.support.schema import create_table, drop_table

KNOWN = ("sqlite", "postgresql", "mysql")


def requested_databases() -> list[str]:
    names = [s.strip() for s in os.environ.get("AR_TEST_DATABASES", "sqlite").split(",")
             if s.strip()]
    unknown = [s for s in names if s not in KNOWN]
    if unknown:
        raise pytest.UsageError(f"AR_TEST_DATABASES names {unknown}; known: {KNOWN}")
    return names


def pytest_generate_tests(metafunc):
    if "db" in metafunc.fixturenames:
        wanted = requested_databases()
        marker = metafunc.definition.get_closest_marker("databases")
        if marker is not None:
            wanted = [d for d in wanted if d in marker.args]
        metafunc.parametrize("db", wanted, indirect=True)


try:
    from pytest_postgresql import factories as _pg_factories
    postgresql_server = _pg_factories.postgresql_noproc()
except ImportError:  # pragma: no cover - the dev extra installs it
    postgresql_server = None


def _url_for(name: str, request, tmp_path_factory) -> str:
    env = os.environ.get(f"AR_TEST_{name.upper()}_URL")
    if env:
        return env
    if name == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "test.db")
    if name == "postgresql":
        if postgresql_server is None:
            pytest.fail("pytest-postgresql is not installed (pip install -e '.[dev]')")
        proc = request.getfixturevalue("postgresql_server")
        pw = urllib.parse.quote(proc.password or "", safe="")
        return f"postgresql://{proc.user}:{pw}@{proc.host}:{proc.port}/{proc.dbname}"
    host = os.environ.get("MYSQL_HOST", "127.0.0.1")
    port = os.environ.get("MYSQL_PORT", "33706")
    user = os.environ.get("MYSQL_USER", "orm")
    pw = urllib.parse.quote(os.environ.get("MYSQL_PASSWORD", "orm"), safe="")
    dbname = os.environ.get("MYSQL_DATABASE", "orm_test")
    return f"mysql://{user}:{pw}@{host}:{port}/{dbname}?charset=utf8mb4"


_opened: dict[str, Database] = {}


@pytest.fixture
def db(request):
    """A :class:`Database` for one of the requested backends, made the default; tables
    made with ``make_table`` are dropped and model schemas reset afterwards."""
    name = request.param
    database = _get(request, name)
    set_default_database(database)
    reset_models()
    yield database
    reset_models()


def _get(request, name):
    if name not in _opened:
        url = _url_for(name, request, request.getfixturevalue("tmp_path_factory"))
        database = Database(url, name=f"test-{name}", pool_size=5, pool_timeout=10)
        try:
            database.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{name} was asked for (AR_TEST_DATABASES) but cannot be used: "
                        f"{exc}", pytrace=False)
        _opened[name] = database
    return _opened[name]


def reset_models() -> None:
    """Forget every model's loaded schema (models are reused across databases)."""
    stack = list(Model.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "_schema" in cls.__dict__:
            cls.reset_column_information()


@pytest.fixture
def make_table(db):
    """``make_table(name, *constraints, **columns)``: create a table for this test
    (portable specs, see tests/support/schema.py); dropped after the test."""
    made: list[str] = []

    def make(name, /, *constraints, **columns):
        create_table(db, name, *constraints, **columns)
        made.append(name)
        return name

    yield make
    for name in reversed(made):
        drop_table(db, name)


@pytest.fixture
def ar_database(db):
    """The plugin's test database (``activerecord.testing.plugin``) is the parametrized
    ``db``: its ``db_commit`` and ``fixtures`` fixtures run on every backend here."""
    return db


@pytest.fixture
def db_rollback(db):
    """The plugin's ``db`` under another name (this suite's ``db`` is the parametrized
    Database): the test runs in a transaction rolled back at its end, with
    ``run_commit_callbacks()`` (``activerecord.testing.rolled_back``)."""
    with rolled_back(db) as handle:
        yield handle


@pytest.fixture
def mig(db, tmp_path):
    """A ``db/migrate`` folder for the test (tests/support/migrations.py) on the private
    migration database of ``db``'s backend: no table before, none left after."""
    from tests.support.migrations import fresh

    yield from fresh(db, tmp_path)


@pytest.fixture
def restored_registry():
    """Restore the registered databases and the default after the test, closing the
    Databases the test connected (for tests that call ``activerecord.connect``)."""
    saved, default = dict(_registry._databases), _registry._default[0]
    yield
    for name, d in list(_registry._databases.items()):
        if saved.get(name) is not d:
            d.close()
    _registry._databases.clear()
    _registry._databases.update(saved)
    set_default_database(default)


@pytest.fixture(scope="session", autouse=True)
def _close_databases():
    yield
    for database in _opened.values():
        database.close()


# -- per-database counts in the summary ------------------------------------------------
_PARAM = re.compile(r"\[(sqlite|postgresql|mysql)(?:[\]-])")
_BACKEND_DIR = re.compile(r"tests/backends/(sqlite|postgresql|mysql)/")


def pytest_terminal_summary(terminalreporter):
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome == "passed":
                continue
            nodeid = getattr(report, "nodeid", "")
            m = _PARAM.search(nodeid) or _BACKEND_DIR.match(nodeid)
            key = m.group(1) if m else "no database"
            counts.setdefault(key, {}).setdefault(outcome, 0)
            counts[key][outcome] += 1
    http_app = sys.modules.get("tests.support.http_app")  # the load tests' figures
    if http_app is not None and http_app.LOAD_RESULTS:
        terminalreporter.section("load test (example Flask app over real HTTP)")
        for line in http_app.LOAD_RESULTS:
            terminalreporter.write_line(line)
    if not counts:
        return
    terminalreporter.section("tests per database")
    for key in [*KNOWN, "no database"]:
        if key in counts:
            c = counts[key]
            terminalreporter.write_line(
                f"{key:>12}  passed {c.get('passed', 0)}, failed {c.get('failed', 0)}, "
                f"errors {c.get('error', 0)}, skipped {c.get('skipped', 0)}")


def pytest_ignore_collect(collection_path, config):
    """Leave out tests/backends/<name>/ when <name> was not asked for (not a skip: the
    run simply does not cover that database, and the summary says which ran)."""
    parts = collection_path.parts
    if "backends" in parts and parts[parts.index("backends") - 1] == "tests":
        i = parts.index("backends")
        if len(parts) > i + 1 and parts[i + 1] in KNOWN:
            explicit = os.environ.get(f"AR_TEST_{parts[i + 1].upper()}_URL")
            if parts[i + 1] not in requested_databases() and not explicit:
                return True
    return None
