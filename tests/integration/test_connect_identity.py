"""connect() compares URLs by what they mean (``DatabaseConfig.identity``): spellings of
one URL share one Database and pool; other options under the same name replace it, as
Rails' ``establish_connection`` does, and the replaced Database says so when used."""

from __future__ import annotations

import pytest

import activerecord
from activerecord import ConnectionNotEstablished, databases


def _url(db, tmp_path) -> str:
    if db.adapter.name == "sqlite":
        return f"sqlite:///{tmp_path}/ident.db"
    return db.config.url  # the test URL, with its password


def test_spellings_share_one_database_and_pool(db, restored_registry, tmp_path):
    url = _url(db, tmp_path)
    a = activerecord.connect(url)
    a.execute("SELECT 1")
    pool = a.pool
    spellings = [url + ("&" if "?" in url else "?"), url.replace("://", "+driver://", 1)]
    if db.adapter.name == "sqlite":
        spellings.append(url.replace("/ident.db", "/../" + tmp_path.name + "/ident.db"))
    for spelling in spellings:
        assert activerecord.connect(spelling) is a, spelling
    assert a.pool is pool and not a._closed
    assert [d for d in databases().values() if d is a] == [a]
    assert a.execute("SELECT 1").rows == [(1,)]


def test_other_options_replace_and_the_old_database_says_so(db, restored_registry,
                                                             tmp_path):
    url = _url(db, tmp_path)
    old = activerecord.connect(url, pool_size=2)
    old.execute("SELECT 1")
    new = activerecord.connect(url, pool_size=3)
    assert new is not old and databases()[new.name] is new
    with pytest.raises(ConnectionNotEstablished, match="replaced") as info:
        old.execute("SELECT 1")
    assert new.name in str(info.value) and "disconnected" in str(info.value)
    assert new.execute("SELECT 1").rows == [(1,)]
