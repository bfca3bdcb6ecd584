"""Running the ```python blocks of a documentation page (tests/integration/test_readme.py).

A page's blocks run in order, in one namespace. In the code, ``expr  # => value`` must
give ``value`` (equal and of the same type; text after two spaces following the value
is a remark) and ``expr  # raises Name`` must raise the error of that name (one line,
so a statement such as ``x.a = b  # raises E`` works too). A block's first line may
mark it:

- ``# file: PATH``: the block is written to PATH, in the page's temporary working
  directory, instead of being run (a migration file, a module of a small project).
- ``# server: postgresql`` (or ``mysql``): the block uses what only that database has
  (PostgreSQL's arrays); it is left out of the page's run and runs on that server
  alone, in a namespace of its own, so it must be self-contained.

The pages connect to ``"sqlite:///app.db"``: that URL is replaced by the test
database's. Test code only.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import activerecord

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_RESULT = re.compile(r"^(?P<expr>\S.*?)\s+# => (?P<expected>.+)$")
_RAISES = re.compile(r"^(?P<expr>\S.*?)\s+# raises (?P<error>\w+)\s*$")
_FILE = re.compile(r"^# file: (\S+)\n")
_SERVER = re.compile(r"^# server: (postgresql|mysql)\b")
APP_URL = '"sqlite:///app.db"'


@dataclass(frozen=True)
class Block:
    """One ```python block: the page line its code starts at, the code, and the server
    it is limited to (``None``: a block of the page's run)."""

    line: int
    code: str
    server: str | None = None


def all_blocks(text: str) -> list[Block]:
    """Every ```python block of a page, in order."""
    found = []
    for m in _BLOCK.finditer(text):
        server = _SERVER.match(m.group(1))
        found.append(Block(text.count("\n", 0, m.start(1)) + 1, m.group(1),
                           server.group(1) if server else None))
    return found


def blocks(text: str) -> list[tuple[int, str]]:
    """The blocks of a page's run (not those marked ``# server:``) with the line number
    each starts at."""
    return [(b.line, b.code) for b in all_blocks(text) if b.server is None]


def instrument(code: str) -> str:
    """Turn ``expr  # => value`` and ``expr  # raises Name`` lines into checks (the line
    numbers stay those of the page)."""
    lines = []
    for line in code.splitlines():
        result, raises = _RESULT.match(line), _RAISES.match(line)
        if result:
            expected = re.split(r"\s{2,}", result.group("expected").strip())[0]
            line = f"_check(lambda: ({result.group('expr')}), {expected!r})"
        elif raises:
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


def run_blocks(path: Path, found: list[tuple[int, str]], url: str, workdir: Path) -> None:
    """Run (or write, for ``# file:``) the blocks ``found`` of the page at ``path``, in
    one namespace, with ``"sqlite:///app.db"`` replaced by ``url``."""
    namespace = {"__name__": f"docs_{path.stem}", "_check": _check, "_raises": _raises}
    for first_line, code in found:
        written = _FILE.match(code)
        if written:
            target = workdir / written.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code)
            continue
        source = instrument(code).replace(APP_URL, repr(url))
        exec(compile("\n" * (first_line - 1) + source, str(path), "exec"), namespace)


def make_tables(make_table, tables: dict) -> None:
    """Make the tables of a page: ``{name: {column: spec}}`` or ``{name: ({column:
    spec}, *constraints)}`` (the specs of tests/support/schema.py)."""
    for name, spec in tables.items():
        columns, *constraints = spec if isinstance(spec, tuple) else (spec,)
        make_table(name, *constraints, **columns)
