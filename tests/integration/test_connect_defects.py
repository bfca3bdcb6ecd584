"""connect() and the default database (the last connect() without ``name=`` is the
default, as Rails' ``establish_connection``; a second connect to the same name reuses
or replaces, never leaks a pool; models follow the default after loading their schema;
``close()`` of the default), and the pool-timeout message naming the holder's
file:line for a plain statement, inside ``transaction()`` and inside a savepoint.

Each test runs on every requested database, with a second, empty database of the same
backend (a SQLite file; ``<test database>_second`` on PostgreSQL and MariaDB).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from pathlib import Path

import pytest

import activerecord
from activerecord import (
    ConnectionNotEstablished,
    ConnectionTimeoutError,
    Model,
    connect,
    databases,
    get_database,
    set_default_database,
)
from activerecord.connection.database import Database
from tests.support.schema import create_table, drop_table

TABLE = "connect_things"


class Thing(Model):
    table_name = TABLE


# -- fixtures ----------------------------------------------------------------------------
_made: set[tuple[str, str]] = set()


def _ensure_server_database(db, name: str) -> None:
    if (db.adapter.name, name) in _made:
        return
    if db.adapter.name == "postgresql":
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = ?", (name,)).rows:
            db.execute(f"CREATE DATABASE {db.dialect.quote_name(name)}")
    else:
        db.execute(f"CREATE DATABASE IF NOT EXISTS {db.dialect.quote_name(name)}")
    _made.add((db.adapter.name, name))


@pytest.fixture
def urls(db, tmp_path):
    """``(url_a, url_b)``: two different databases of ``db``'s backend, each holding an
    empty ``connect_things`` table (dropped after the test)."""
    if db.adapter.name == "sqlite":
        pair = (f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}")
    else:
        second = f"{db.config.database}_second"
        _ensure_server_database(db, second)
        parts = urllib.parse.urlsplit(db.config.url)
        pair = (db.config.url, urllib.parse.urlunsplit(parts._replace(path="/" + second)))
    setup = [Database(url, name=f"setup-{i}") for i, url in enumerate(pair)]
    for d in setup:
        create_table(d, TABLE, id="pk", label="string(40)")
    yield pair
    for d in setup:
        drop_table(d, TABLE)
        d.close()


def labels(url: str) -> list[str]:
    """The labels stored in ``url``'s table, read through a Database of its own."""
    d = Database(url, name="reader")
    try:
        return [r[0] for r in d.execute(f"SELECT label FROM {TABLE} ORDER BY id").rows]
    finally:
        d.close()


pytestmark = pytest.mark.usefixtures("db", "restored_registry")


# -- which database is the default ----------------------------------------------------
def test_the_last_connect_without_a_name_becomes_the_default(urls):
    url_a, url_b = urls
    a = connect(url_a)
    b = connect(url_b)
    assert get_database() is b and a is not b
    Thing.create(label="goes to b")
    assert labels(url_b) == ["goes to b"] and labels(url_a) == []


def test_a_model_that_loaded_its_schema_follows_a_new_default(urls):
    url_a, url_b = urls
    connect(url_a)
    Thing.create(label="in a")
    assert Thing.count() == 1  # the schema is cached now, with Database a in it
    connect(url_b)
    Thing.create(label="in b")
    Thing.where(label="in b").update_all(label="still b")
    assert labels(url_a) == ["in a"] and labels(url_b) == ["still b"]
    assert Thing.pluck("label") == ["still b"]
    set_default_database(get_database(Database(url_a).name))
    assert Thing.pluck("label") == ["in a"]


def test_a_named_connect_keeps_the_default(urls):
    url_a, url_b = urls
    a = connect(url_a)
    archive = connect(url_b, name="archive")
    assert get_database() is a and get_database("archive") is archive

    class Archived(Model):
        table_name = TABLE
        database = "archive"

    Archived.create(label="old")
    Thing.create(label="new")
    assert labels(url_a) == ["new"] and labels(url_b) == ["old"]
    assert connect(url_b, name="archive", default=True) is archive
    assert get_database() is archive


def test_a_named_connect_is_the_default_when_there_is_none(urls):
    url_a, url_b = urls
    set_default_database(None)
    with pytest.raises(ConnectionNotEstablished):
        get_database()
    only = connect(url_b, name="only")
    assert get_database() is only
    side = connect(url_a, default=False)
    assert get_database() is only and databases()[side.name] is side


# -- connecting twice -----------------------------------------------------------------
def test_connecting_twice_to_the_same_url_reuses_the_database_and_its_pool(urls):
    url_a, _ = urls
    first = connect(url_a)
    Thing.create(label="x")
    pool = first.pool
    again = connect(url_a)
    assert again is first and again.pool is pool
    assert databases()[first.name] is first and not first._closed
    assert Thing.count() == 1


def test_connecting_again_with_other_options_closes_the_old_pool(urls):
    url_a, _ = urls
    old = connect(url_a, pool_size=2)
    Thing.create(label="x")
    old_pool = old.pool
    assert old_pool.stats()["open"] >= 1
    new = connect(url_a, pool_size=3)
    assert new is not old and get_database() is new
    assert old_pool.stats()["open"] == 0  # closed, not orphaned with its connections
    with pytest.raises(ConnectionNotEstablished, match="disconnected"):
        old.execute("SELECT 1")
    Thing.create(label="y")  # the model's cached schema held the old Database
    assert Thing.count() == 2 and new.pool.stats()["open"] >= 1


def test_a_name_connected_to_another_url_is_replaced(urls):
    url_a, url_b = urls

    class Named(Model):
        table_name = TABLE
        database = "shop"

    old = connect(url_a, name="shop")
    Named.create(label="in a")
    new = connect(url_b, name="shop")
    assert get_database("shop") is new
    Named.create(label="in b")
    assert labels(url_a) == ["in a"] and labels(url_b) == ["in b"]
    with pytest.raises(ConnectionNotEstablished):
        old.execute("SELECT 1")


def test_a_model_given_a_database_object_stays_on_it(urls):
    url_a, url_b = urls
    a = connect(url_a)

    class Pinned(Model):
        table_name = TABLE
        database = a

    Pinned.create(label="pinned")
    connect(url_b)
    Pinned.create(label="still pinned")
    assert labels(url_a) == ["pinned", "still pinned"] and labels(url_b) == []


# -- closing the default ---------------------------------------------------------------
def test_closing_the_default_database(urls):
    url_a, url_b = urls
    a = connect(url_a)
    Thing.create(label="x")
    a.close()
    with pytest.raises(ConnectionNotEstablished, match="was closed"):
        get_database()
    with pytest.raises(ConnectionNotEstablished):
        Thing.count()
    assert a.name not in databases()
    with pytest.raises(ConnectionNotEstablished, match="was closed"):
        get_database(a.name)
    connect(url_b)
    assert Thing.count() == 0
    Thing.create(label="y")
    assert labels(url_b) == ["y"]


def test_set_default_database_takes_a_name(urls):
    _, url_b = urls
    other = connect(url_b, name="other", default=False)
    activerecord.set_default_database("other")
    assert get_database() is other
    with pytest.raises(ConnectionNotEstablished, match="no_such"):
        set_default_database("no_such")


# -- who holds the connection: the pool-timeout message --------------------------------
def _line(marker: str) -> int:
    for number, text in enumerate(Path(__file__).read_text().splitlines(), 1):
        if text.rstrip().endswith(f"# {marker}"):
            return number
    raise AssertionError(marker)


def _hold_plain(model, done):
    model.where(id=1).update_all(label="holder")  # holder: plain
    done.set()


def _hold_transaction(model, ready, release):
    with model.transaction():  # holder: transaction
        model.create(label="t")
        ready.set()
        release.wait(10)


def _hold_savepoint(model, ready, release):
    with model.transaction():  # holder: savepoint
        model.create(label="outer")
        with model.transaction():
            model.create(label="inner")
            ready.set()
            release.wait(10)


def _timeout_message(small: Database) -> str:
    with pytest.raises(ConnectionTimeoutError) as info:
        small.execute("SELECT 1")
    return str(info.value)


@pytest.fixture
def small(db, make_table):
    """A Database on the test database with one connection and a short pool timeout,
    and a model ``Small`` on it over a one-row table."""
    make_table("pool_things", id="pk", label="string(40)")
    db.execute("INSERT INTO pool_things (label) VALUES ('row')")
    database = Database(db.config.url, name="small", pool_size=1, pool_timeout=0.2)

    class Small(Model):
        table_name = "pool_things"

    Small.database = database
    yield database, Small
    database.close()


def _wait_until_held(database: Database) -> None:
    deadline = time.monotonic() + 10
    while database.pool.stats()["in_use"] < 1:
        assert time.monotonic() < deadline, "the holder never checked out"
        time.sleep(0.005)


def test_timeout_names_a_plain_statement_holder(db, small):
    database, Small = small
    Small.count()  # load the schema now, so the holder runs one statement only
    done = threading.Event()
    with db.transaction():  # takes the row's write lock; the holder's UPDATE waits
        db.execute("UPDATE pool_things SET label = 'blocker' WHERE id = 1")
        holder = threading.Thread(target=_hold_plain, args=(Small, done))
        holder.start()
        _wait_until_held(database)
        msg = _timeout_message(database)
    holder.join(10)
    assert done.is_set()
    assert "1 of 1 connections are in use" in msg
    assert f"test_connect_defects.py:{_line('holder: plain')} in _hold_plain" in msg


@pytest.mark.parametrize("hold, marker", [(_hold_transaction, "holder: transaction"),
                                          (_hold_savepoint, "holder: savepoint")])
def test_timeout_names_a_holder_inside_a_transaction(db, small, hold, marker):
    database, Small = small
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold, args=(Small, ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        msg = _timeout_message(database)
    finally:
        release.set()
        holder.join(10)
    assert f"test_connect_defects.py:{_line(marker)} in {hold.__name__}" in msg
    assert "checked out at an unknown place" not in msg
    assert database.execute("SELECT COUNT(*) FROM pool_things").rows[0][0] >= 2
