"""One database, one identity: spellings of a URL that name the same database with the
same options parse to equal configs with one name; anything that may reach another
database, another login or other options does not (no server)."""

from __future__ import annotations

import os

import pytest

from activerecord.connection.registry import known_schemes
from activerecord.connection.url import parse_url

PG = "postgresql://app:pw@db.example:6543/shop"


def config(url):
    return parse_url(url, known_schemes())


@pytest.mark.parametrize("a, b", [
    (PG, PG + "?"),
    (PG, PG + "?&"),
    (PG + "?sslmode=require&connect_timeout=5", PG + "?connect_timeout=5&sslmode=require"),
    (PG + "?a=1&b=2&c=3", PG + "?c=3&&a=1&b=2&"),
    (PG, "postgresql://%61pp:p%77@DB.Example:6543/sh%6Fp"),
    ("mysql://u:pw@h/app?charset=utf8mb4", "mysql+pymysql://u:pw@h/app?charset=utf8mb4&"),
])
def test_spellings_of_one_server_database(a, b):
    assert config(a) == config(b) and hash(config(a)) == hash(config(b))
    assert config(a).identity() == config(b).identity()
    assert config(a).safe_url() == config(b).safe_url()


@pytest.mark.parametrize("a, b", [
    (PG, PG.replace("pw", "other")),                       # another password
    (PG, PG.replace(":6543", "")),                         # implied port: PGPORT may say
    ("postgresql://app@h/shop", "postgresql://app@h:5432/shop"),
    (PG + "?sslmode=require", PG + "?sslmode=disable"),    # other options
    (PG + "?sslmode=require", PG),
    (PG, PG.replace("/shop", "/Shop")),                    # database names are exact
    (PG, PG.replace("app:", "App:")),
])
def test_what_may_be_another_database_or_setup_differs(a, b):
    assert config(a) != config(b)


def test_sqlite_paths_are_absolute_and_normal(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spellings = ["sqlite:///app.db", "sqlite:///./app.db", "sqlite:///sub/../app.db",
                 f"sqlite:///{tmp_path}/app.db", f"sqlite:///{tmp_path}//./app.db?"]
    configs = [config(u) for u in spellings]
    assert all(c == configs[0] for c in configs)
    assert {c.safe_url() for c in configs} == {f"sqlite:///{tmp_path / 'app.db'}"}
    assert configs[0].database == "app.db" and configs[0].path == str(tmp_path / "app.db")
    # The path is resolved when the URL is parsed: another folder, another file.
    os.chdir(tmp_path.parent)
    assert config("sqlite:///app.db") != configs[0]
    assert config("sqlite:///other.db") != configs[0]


def test_sqlite_memory_and_uris_are_kept_as_given():
    memory = config("sqlite:///:memory:")
    assert memory.path is None and memory.safe_url() == "sqlite:///:memory:"
    assert memory == config("sqlite:///:memory:?")
    uri = config("sqlite:///file:data.db")
    assert uri.path is None and uri.database == "file:data.db"
    assert config("sqlite:///file:data.db?mode=ro") != uri
