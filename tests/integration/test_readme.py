"""The documentation runs: README.md and every page of the site (the nav of mkdocs.yml).
Each page's ```python blocks run, in order, in one namespace per page, on SQLite; the
pages of ``EVERY_DATABASE`` run on PostgreSQL and MariaDB too; a block marked
``# server: postgresql`` runs alone on PostgreSQL. docs/querying.md and
docs/associations.md have runners of their own (``OWN_RUNNERS``). The markers, the
``# => value`` and ``# raises Name`` checks and the URL replaced are those of
tests/support/docs_runner.py; a Flask block uses ``app.test_client()`` itself.

The tables the examples use are made first (dropped after): ``TABLES`` per page, none
for a page whose own blocks make them. Relative SQLite files (``archive.db``) land in
a temporary working directory, never in the repository. The registered databases, the
default and the class-name registry of associations are restored afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from activerecord.associations import reflection
from tests.support.docs_runner import (  # noqa: F401 - re-exported for the other runners
    _check,
    _raises,
    all_blocks,
    blocks,
    instrument,
    make_tables,
    run_blocks,
)
from tests.support.migrations import drop_all, private_database

ROOT = Path(__file__).resolve().parents[2]

#: The tables each page's examples use, as make_table specs: ``{column: spec}``, or
#: ``({column: spec}, *constraints)``; ``{}`` for a page that makes its own.
TABLES = {
    "README.md": {"artists": dict(id="pk", name="string(120)", country="string(60)",
                                  created_at="datetime", updated_at="datetime"),
                  "albums": (dict(id="pk", title="string(160) NOT NULL",
                                  artist_id="int NOT NULL"),
                             "FOREIGN KEY (artist_id) REFERENCES artists (id)")},
    "docs/index.md": {"notes": dict(id="pk", text="string(80)")},
    "docs/getting-started.md": {},  # its migration makes the tables
    "docs/models.md": {
        "products": dict(id="pk", name="string(80) NOT NULL", price="decimal(8,2)",
                         released_on="date", created_at="datetime", updated_at="datetime"),
        "orders": dict(id="pk", total="int"),
        "tickets": dict(id="pk", status="int NOT NULL DEFAULT 0")},
    "docs/guide.md": {"orders": dict(id="pk", total="int")},
    "docs/lifecycle.md": {
        "customers": (dict(id="pk", email="string(60) NOT NULL",
                           first_name="string(40) NOT NULL", last_name="string(40)",
                           company="string(60)", age="int"), "UNIQUE (email)"),
        "posts": dict(id="pk", title="string(40) NOT NULL", slug="string(60)")},
    "docs/migrations.md": {},  # its migrations make the tables
    "docs/cli.md": {},
    "docs/stubs.md": {},  # its blocks make an in-memory SQLite database
    "docs/web.md": {},
    "docs/testing.md": {"authors": dict(id="pk", name="string(80) NOT NULL"),
                        "books": (dict(id="pk", title="string(80) NOT NULL",
                                       author_id="int"),
                                  "FOREIGN KEY (author_id) REFERENCES authors (id)")},
    "docs/instrumentation.md": {},  # its blocks make the users table (SQLite's DDL)
    "docs/adapters.md": {},
}
#: The pages that run on every requested database; the others run on SQLite.
EVERY_DATABASE = {"README.md", "docs/getting-started.md", "docs/models.md", "docs/guide.md",
                  "docs/lifecycle.md", "docs/migrations.md", "docs/testing.md"}
#: Pages run on a database of their own (``private_database``), emptied before and after.
PRIVATE = {"docs/migrations.md", "docs/getting-started.md"}
#: Pages whose blocks another test runs (on Chinook, or on databases they make).
OWN_RUNNERS = {"docs/querying.md": "tests/integration/test_query_docs.py",
               "docs/associations.md": "tests/integration/test_associations_docs.py"}
#: The tables the ``# server: postgresql`` blocks of each page use.
SERVER_TABLES = {"docs/querying.md": {"posts": dict(id="pk", title="string(40)",
                                                    tags="text[]")}}


def site_pages() -> list[str]:
    """README.md and every page of the nav of mkdocs.yml but the API reference."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def walk(nav) -> list[str]:
        pages = []
        for entry in nav:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            pages += walk(value) if isinstance(value, list) else [value]
        return pages
    return ["README.md"] + [f"docs/{p}" for p in walk(config["nav"]) if not p.startswith("api/")]


@pytest.fixture
def restored_models():
    """Forget, afterwards, the model classes a page defined: class names resolve among
    every model, and a page's ``Artist`` must not become a candidate in other tests."""
    saved = {name: dict(classes) for name, classes in reflection._MODELS.items()}
    yield
    reflection._MODELS.clear()
    reflection._MODELS.update(saved)


def test_every_page_of_the_site_runs_somewhere():
    for page in site_pages():
        text = (ROOT / page).read_text(encoding="utf-8")
        assert "# not run" not in text, f"{page}: every python block runs (see this module)"
        if all_blocks(text):
            assert page in TABLES or page in OWN_RUNNERS, f"{page} is run by no test"
    for page, runner in OWN_RUNNERS.items():
        assert page in (ROOT / runner).read_text(encoding="utf-8"), (page, runner)
    assert set(TABLES) <= set(site_pages())


@pytest.mark.databases("sqlite")
@pytest.mark.parametrize("page", sorted(set(TABLES) - EVERY_DATABASE))
def test_page_runs_on_sqlite(db, make_table, tmp_path, monkeypatch, restored_registry,
                             restored_models, page):
    monkeypatch.chdir(tmp_path)
    _run_page(db, make_table, tmp_path, page)


@pytest.mark.parametrize("page", sorted(EVERY_DATABASE))
def test_page_runs(db, make_table, tmp_path, monkeypatch, restored_registry,
                   restored_models, page):
    monkeypatch.chdir(tmp_path)
    if page in PRIVATE:  # its migrations dump and load whole schemas: a database of its own
        target = private_database(db)
        drop_all(target)
        try:
            _run_page(target, make_table, tmp_path, page)
        finally:
            drop_all(target)
    else:
        _run_page(db, make_table, tmp_path, page)


def _run_page(db, make_table, tmp_path, page):
    make_tables(make_table, TABLES[page])
    found = blocks((ROOT / page).read_text(encoding="utf-8"))
    if page != "docs/web.md":  # being written: it may have no block yet
        assert found, f"{page} has no python blocks"
    run_blocks(ROOT / page, found, db.config.url, tmp_path)
    assert not list(ROOT.glob("*.db")), "a page's example wrote a database into the repo"


@pytest.mark.databases("postgresql")
@pytest.mark.parametrize("page", sorted(SERVER_TABLES))
def test_server_blocks_run(db, make_table, tmp_path, monkeypatch, restored_registry,
                           restored_models, page):
    monkeypatch.chdir(tmp_path)
    make_tables(make_table, SERVER_TABLES[page])
    found = [b for b in all_blocks((ROOT / page).read_text(encoding="utf-8"))
             if b.server == db.adapter.name]
    assert found, f"{page} has no '# server: {db.adapter.name}' block"
    for block in found:
        run_blocks(ROOT / page, [(block.line, block.code)], db.config.url, tmp_path)
