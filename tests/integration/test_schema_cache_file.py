"""``connect(url, schema_cache=path)``: models boot from ``db/schema_cache.json``
without reading the catalogs, when the file's version is the database's latest applied
migration; a file of another version is ignored with a warning."""

from __future__ import annotations

import json
import warnings

import pytest

from activerecord import events
from activerecord.connection.database import Database, SchemaCacheWarning
from activerecord.migration import Migrator
from activerecord.migration.schema_dump import dump_cache
from tests.support.migrations import drop_all, private_database

MIGRATION = '''
from activerecord.migration import Migration


class CreateScfItems(Migration):
    def change(self):
        with self.create_table("scf_items") as t:
            t.string("name", null=False, limit=40)
            t.integer("qty", default=0)
'''


@pytest.fixture
def migrated(db, tmp_path):
    """The ``scf_items`` table made by a migration on the private migration database
    of ``db``'s backend (tests/support/migrations.py), and its schema cache file."""
    target = private_database(db)
    drop_all(target)
    folder = tmp_path / "db" / "migrate"
    folder.mkdir(parents=True)
    (folder / "20260101000000_create_scf_items.py").write_text(MIGRATION)
    Migrator(str(folder), target, schema_path=None).migrate()
    path = str(tmp_path / "db" / "schema_cache.json")
    dump_cache(target, path)
    yield target, path
    drop_all(target)


def _catalog_reads(fn):
    seen = []
    def listen(event):
        if event.kind == "schema":
            seen.append(event.sql)
    with events.subscribed("sql", listen):
        fn()
    return seen


def test_models_boot_from_the_file_without_catalog_queries(migrated):
    db, migrated = migrated
    data = json.load(open(migrated))
    assert data["version"] == "20260101000000"
    assert "scf_items" in data["tables"]
    fresh = _reopen(db, schema_cache=migrated)
    try:
        # The very first lookup (it opens the pool, which boots the cache from the file).
        reads = _catalog_reads(lambda: fresh.table_info("scf_items"))
        assert reads == []  # served by the file
        cols = [c.name for c in fresh.table_info("scf_items").columns]
        assert cols == ["id", "name", "qty"]
    finally:
        fresh.close()


def test_a_file_of_another_version_is_ignored_with_a_warning(migrated):
    db, migrated = migrated
    data = json.load(open(migrated))
    data["version"] = "19990101000000"
    json.dump(data, open(migrated, "w"))
    fresh = _reopen(db, schema_cache=migrated)
    try:
        with pytest.warns(SchemaCacheWarning, match="another schema version"):
            fresh.execute("SELECT 1")
        reads = _catalog_reads(lambda: fresh.table_info("scf_items"))
        assert reads  # the catalogs, since the file was refused
    finally:
        fresh.close()


def test_an_unreadable_file_is_ignored_with_a_warning(migrated, tmp_path):
    db, _path = migrated
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    fresh = _reopen(db, schema_cache=str(bad))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fresh.execute("SELECT 1")
        assert any(issubclass(w.category, SchemaCacheWarning) for w in caught)
        assert fresh.table_info("scf_items") is not None
    finally:
        fresh.close()


def _reopen(db: Database, **options) -> Database:
    """A new Database on the same URL as ``db`` (the fixture's), with ``options``."""
    return Database(db.config.url, name=f"scf-{db.adapter.name}", **options)
