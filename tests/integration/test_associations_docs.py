"""docs/associations.md is runnable: its ```python blocks (but those whose first line is
``# not run``) run in order, in one namespace, and each top-level ``expr  # => value``
must give ``value`` (equal, same type) and ``expr  # raises Name`` must raise that
error (the instrumentation of tests/integration/test_readme.py).

The page brings its own databases: its first block makes a small Chinook-shaped
in-memory SQLite database that the sections up to many-to-many share, and each later
section's block connects an in-memory SQLite database of its own (there are no
migrations, and the page's DDL is SQLite's). The same behaviour runs on PostgreSQL
and MariaDB in tests/integration/test_associations*.py. The registered databases, the
default one and the class-name registry of associations are restored afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_readme import (
    _check,
    _raises,
    blocks,
    instrument,
    restored_models,  # noqa: F401 - a fixture
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "associations.md"

#: How many blocks of the page run: a block turned into ``# not run`` (or lost) fails.
RUNNABLE_BLOCKS = 17
#: How many ``# =>`` / ``# raises`` lines are checked, at least.
CHECKED_LINES = 108


@pytest.mark.usefixtures("restored_registry", "restored_models")
def test_every_block_of_associations_md_runs_and_gives_what_it_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing the page does may land in the repository
    checked = [0]

    def check(thunk, expected_text: str) -> None:
        checked[0] += 1
        _check(thunk, expected_text)

    def raises(error: str):
        checked[0] += 1
        return _raises(error)

    namespace = {"__name__": "associations_md", "_check": check, "_raises": raises}
    found = blocks(PAGE.read_text(encoding="utf-8"))
    for first_line, code in found:
        source = "\n" * (first_line - 1) + instrument(code)
        exec(compile(source, str(PAGE), "exec"), namespace)  # noqa: S102 - our own page
    assert len(found) >= RUNNABLE_BLOCKS, \
        f"only {len(found)} blocks of docs/associations.md ran; {RUNNABLE_BLOCKS} should"
    assert checked[0] >= CHECKED_LINES, f"only {checked[0]} lines were checked"
    assert not list(ROOT.glob("*.db")), "the page wrote a database into the repository"
