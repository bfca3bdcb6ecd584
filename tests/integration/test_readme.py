"""README.md, docs/guide.md, docs/lifecycle.md and docs/migrations.md are runnable: their
```python blocks run, in order, in one namespace per page, on every requested database
(blocks whose first line is ``# not run`` are left out). In the code, ``expr  # => value``
must give ``value`` (equal and of the same type; text after two spaces following the
value is a remark) and ``expr  # raises Name`` must raise the error of that name.

The pages connect to ``sqlite:///app.db``: that URL is replaced by the test database's,
and the tables the examples use are made first (dropped after). Relative SQLite files
(``archive.db``) land in a temporary working directory, never in the repository. The
registered databases, the default and the class-name registry of associations are
restored afterwards.
"""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest

import activerecord
from activerecord.associations import reflection
from tests.support.migrations import drop_all, private_database

ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_RESULT = re.compile(r"^(?P<expr>\S.*?)\s+# => (?P<expected>.+)$")
_RAISES = re.compile(r"^(?P<expr>\S.*?)\s+# raises (?P<error>\w+)\s*$")
_APP_URL = '"sqlite:///app.db"'

#: The tables each page's examples use, as make_table specs: ``{column: spec}``, or
#: ``({column: spec}, *constraints)``.
TABLES = {
    "README.md": {"artists": dict(id="pk", name="string(120)", country="string(60)",
                                  created_at="datetime", updated_at="datetime"),
                  "albums": (dict(id="pk", title="string(160) NOT NULL",
                                  artist_id="int NOT NULL"),
                             "FOREIGN KEY (artist_id) REFERENCES artists (id)")},
    "docs/guide.md": {"orders": dict(id="pk", total="int"),
                      "tickets": dict(id="pk", status="int NOT NULL DEFAULT 0")},
    "docs/lifecycle.md": {
        "customers": (dict(id="pk", email="string(60) NOT NULL",
                           first_name="string(40) NOT NULL", last_name="string(40)",
                           company="string(60)", age="int"), "UNIQUE (email)"),
        "posts": dict(id="pk", title="string(40) NOT NULL", slug="string(60)")},
    "docs/migrations.md": {},  # its migrations make the tables
}
#: Pages run on a database of their own (``private_database``), emptied before and after.
PRIVATE = {"docs/migrations.md"}
#: A block whose first line is ``# file: PATH`` is written to PATH (in the temporary
#: working directory) instead of being run: the migration files of docs/migrations.md.
_FILE = re.compile(r"^# file: (\S+)\n")


def blocks(text: str) -> list[tuple[int, str]]:
    """The runnable blocks of a page with the line number each starts at."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _BLOCK.finditer(text)
            if not m.group(1).lstrip().startswith("# not run")]


def instrument(code: str) -> str:
    """Turn ``expr  # => value`` and ``expr  # raises Name`` lines into checks (the line
    numbers stay those of the page)."""
    lines = []
    for line in code.splitlines():
        result, raises = _RESULT.match(line), _RAISES.match(line)
        if result:
            expected = re.split(r"\s{2,}", result.group("expected").strip())[0]
            line = f"_check(lambda: ({result.group('expr')}), {expected!r})"
        elif raises:  # one line, so a statement (``x.a = b  # raises E``) works too
            line = f"with _raises({raises.group('error')!r}): {raises.group('expr')}"
        lines.append(line)
    return "\n".join(lines)


def _check(thunk, expected_text: str) -> None:
    got, expected = thunk(), eval(expected_text, {})  # our own docs: trusted text
    assert (type(got), got) == (type(expected), expected), \
        f"got {got!r}, the page says {expected_text}"


def _raises(error: str):
    """A ``pytest.raises`` of the error named ``error`` (activerecord's or a builtin)."""
    return pytest.raises(getattr(activerecord, error, None) or getattr(builtins, error))


@pytest.fixture
def restored_models():
    """Forget, afterwards, the model classes a page defined: class names resolve among
    every model, and a page's ``Artist`` must not become a candidate in other tests."""
    saved = {name: dict(classes) for name, classes in reflection._MODELS.items()}
    yield
    reflection._MODELS.clear()
    reflection._MODELS.update(saved)


@pytest.mark.parametrize("page", list(TABLES))
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
    for name, spec in TABLES[page].items():
        columns, *constraints = spec if isinstance(spec, tuple) else (spec,)
        make_table(name, *constraints, **columns)
    text = (ROOT / page).read_text(encoding="utf-8")
    found = blocks(text)
    assert found, f"{page} has no python blocks"
    namespace = {"__name__": f"docs_{page}", "_check": _check, "_raises": _raises}
    for first_line, code in found:
        written = _FILE.match(code)
        if written:
            target = tmp_path / written.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code)
            continue
        source = instrument(code).replace(_APP_URL, repr(db.config.url))
        exec(compile("\n" * (first_line - 1) + source, str(ROOT / page), "exec"), namespace)
    assert not list(ROOT.glob("*.db")), "a page's example wrote a database into the repo"
