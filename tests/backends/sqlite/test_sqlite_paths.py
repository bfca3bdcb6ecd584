"""A SQLite URL names its file by the absolute path it had when connect() parsed it:
a relative path and its absolute spelling are one Database, and the file opened is that
one even when the current folder changes before the first query."""

from __future__ import annotations

import activerecord


def test_a_relative_path_is_the_file_it_named_at_connect(tmp_path, monkeypatch,
                                                          restored_registry):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    monkeypatch.chdir(one)
    rel = activerecord.connect("sqlite:///rel.db")
    assert rel.name == f"sqlite:///{one / 'rel.db'}"
    assert activerecord.connect(f"sqlite:///{one}/./rel.db") is rel
    monkeypatch.chdir(two)  # before the first query: nothing is open yet
    rel.execute("CREATE TABLE t (x integer)")
    assert (one / "rel.db").exists() and not (two / "rel.db").exists()
    other = activerecord.connect("sqlite:///rel.db")  # now two/rel.db: another database
    assert other is not rel and other.name == f"sqlite:///{two / 'rel.db'}"
    assert rel.execute("SELECT COUNT(*) FROM t").rows == [(0,)]
