"""URL parsing and adapter lookup (no server)."""

from __future__ import annotations

import pytest

import activerecord
from activerecord import ConfigurationError
from activerecord.connection.registry import adapter_class_for, known_schemes
from activerecord.connection.url import parse_url


@pytest.mark.parametrize("url,path", [
    ("sqlite:///relative.db", "relative.db"),
    ("sqlite:////abs/path.db", "/abs/path.db"),
    ("sqlite:///:memory:", ":memory:"),
    ("sqlite:///dir/with%20space.db", "dir/with space.db"),
])
def test_sqlite_urls(url, path):
    config = parse_url(url, known_schemes())
    assert config.scheme == "sqlite" and config.database == path


def test_postgresql_url_with_options_and_encoded_password():
    config = parse_url("postgresql://app:p%40ss%2Fw%3Ard@db.example:6543/shop?sslmode=require",
                       known_schemes())
    assert (config.scheme, config.user, config.password) == ("postgresql", "app", "p@ss/w:rd")
    assert (config.host, config.port, config.database) == ("db.example", 6543, "shop")
    assert config.query == {"sslmode": "require"}
    assert "p@ss" not in config.safe_url() and "p%40ss" not in config.safe_url()
    assert "p@ss" not in repr(config)


def test_mysql_url_with_driver_suffix_and_socket():
    config = parse_url("mysql+pymysql://u:pw@localhost/app?charset=utf8mb4"
                       "&unix_socket=/run/mysqld.sock", known_schemes())
    assert config.scheme == "mysql" and config.port is None
    assert config.query["unix_socket"] == "/run/mysqld.sock"


def test_postgresql_socket_in_query():
    config = parse_url("postgresql://u@/db?host=/run/postgresql", known_schemes())
    assert config.host == "/run/postgresql" and config.database == "db"


@pytest.mark.parametrize("url,words", [
    ("", ["no database URL"]),
    ("app.db", ["malformed", "sqlite"]),
    ("oracle://u:secret@h/db", ["unknown", "oracle", "sqlite", "postgresql", "mysql"]),
    ("sqlite://host/x.db", ["malformed SQLite URL"]),
    ("sqlite:///", ["no file name"]),
    ("postgresql://u@h:notaport/db", ["port"]),
])
def test_bad_urls_say_what_is_wrong(url, words):
    with pytest.raises(ConfigurationError) as exc:
        activerecord.Database(url)
    for word in words:
        assert word in str(exc.value)
    assert "secret" not in str(exc.value)


def test_missing_url_mentions_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        activerecord.Database()


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    db = activerecord.Database()
    assert db.execute("SELECT 1").rows == [(1,)]
    db.close()


def test_registry_resolves_builtin_and_registered_adapters():
    from backends.sqlite.adapter import SQLiteAdapter
    assert adapter_class_for("sqlite") is SQLiteAdapter
    with pytest.raises(ConfigurationError, match="known schemes"):
        adapter_class_for("nosuchdb")
    from activerecord.connection.registry import register_adapter
    register_adapter("mysqlite", SQLiteAdapter)
    assert adapter_class_for("mysqlite") is SQLiteAdapter


def test_memory_database_is_shared_by_every_caller():
    db = activerecord.Database("sqlite:///:memory:")
    db.execute("CREATE TABLE t (x INTEGER)")
    db.execute("INSERT INTO t VALUES (1)")
    import threading
    seen = []
    thread = threading.Thread(target=lambda: seen.append(db.execute("SELECT x FROM t").rows))
    thread.start()
    thread.join()
    assert seen == [[(1,)]]
    db.close()


def test_sqlite_file_in_missing_folder_fails_clearly(tmp_path):
    db = activerecord.Database(f"sqlite:///{tmp_path}/nope/app.db")
    with pytest.raises(activerecord.ConnectionError, match="does not exist"):
        db.execute("SELECT 1")
