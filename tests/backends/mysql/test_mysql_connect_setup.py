"""MySQL: connect() compares what PyMySQL is given, defaults filled in
(``MySQLAdapter.setup``): an option spelled out at its default (``charset=utf8mb4``,
``connect_timeout=5``) is the same setup, so the registered Database is reused, not
replaced; another value is another setup."""

from __future__ import annotations

import pytest

import activerecord
from activerecord import ConnectionNotEstablished


@pytest.fixture
def plain(mysql_url, restored_registry):
    return mysql_url.split("?", 1)[0]


def test_options_at_their_default_are_the_same_setup(plain):
    a = activerecord.connect(plain)
    a.execute("SELECT 1")
    for same in (plain + "?charset=utf8mb4", plain + "?connect_timeout=5.0&charset=utf8mb4",
                 plain + "?connect_timeout=5"):
        assert activerecord.connect(same) is a, same
    assert activerecord.connect(plain, connect_timeout=5) is a
    assert a.execute("SELECT 1").rows == [(1,)]


def test_another_value_is_another_setup(plain):
    a = activerecord.connect(plain)
    b = activerecord.connect(plain + "?connect_timeout=7")
    assert b is not a
    with pytest.raises(ConnectionNotEstablished, match="replaced"):
        a.execute("SELECT 1")
    assert b.execute("SELECT 1").rows == [(1,)]
