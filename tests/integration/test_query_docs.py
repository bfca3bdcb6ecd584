"""docs/querying.md is runnable: every ```python block (but those starting with
``# server:``, which tests/integration/test_readme.py runs on their server) runs, in
order, on Chinook, and each top-level line ``expr  # => value`` must produce ``value``
(equal and of the same types). Text after two spaces following the value is a remark.
Runs on SQLite and MariaDB, whose Chinook has the PascalCase names the page uses
(PostgreSQL's is snake_case); everything is rolled back.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from activerecord.connection.database import Database
from activerecord.connection.handling import set_default_database
from tests.support import datasets

DOC = Path(__file__).resolve().parents[2] / "docs" / "querying.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_RESULT = re.compile(r"^(?P<expr>\S.*?)\s+# => (?P<expected>.+)$")

_opened: dict[str, Database] = {}


def blocks(text: str) -> list[tuple[int, str]]:
    """The runnable blocks of the page with the line number each starts at."""
    out = []
    for m in _BLOCK.finditer(text):
        code = m.group(1)
        if not code.lstrip().startswith("# server:"):  # run by test_readme.py
            out.append((text.count("\n", 0, m.start(1)) + 1, code))
    return out


def instrument(code: str, first_line: int) -> str:
    """Turn each ``expr  # => value`` line into a call of ``_check``."""
    lines = []
    for offset, line in enumerate(code.splitlines()):
        m = _RESULT.match(line)
        if m:
            expected = re.split(r"\s{2,}", m.group("expected").strip())[0]
            line = (f"_check(({m.group('expr')}), {expected!r}, {first_line + offset})")
        lines.append(line)
    return "\n".join(lines)


def typed(value):
    if isinstance(value, dict):
        return {typed(k): typed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(typed(v) for v in value)
    return (type(value).__name__, value)


@pytest.fixture
def chinook(db, tmp_path_factory):
    backend = db.adapter.name
    if backend not in _opened:
        if backend == "sqlite":
            path = str(tmp_path_factory.mktemp("chinook-docs") / "chinook.db")
            datasets.load_chinook_sqlite(path)
            url = f"sqlite:///{path}"
        else:
            datasets.load_chinook_mysql(datasets.mysql_params_from_env())
            c = db.config
            auth = f"{quote(c.user or '', safe='')}:{quote(c.password or '', safe='')}"
            url = f"mysql://{auth}@{c.host}:{c.port}/Chinook?charset=utf8mb4"
        _opened[backend] = Database(url, name=f"chinook-docs-{backend}")
    database = _opened[backend]
    set_default_database(database)
    yield database
    set_default_database(db)


class _Rollback(Exception):
    pass


@pytest.mark.databases("sqlite", "mysql")
def test_every_example_of_querying_md_runs_and_returns_what_it_says(chinook):
    text = DOC.read_text(encoding="utf-8")
    failures: list[str] = []

    def check(value, expected_src, line):
        expected = eval(expected_src, namespace)  # noqa: S307 - our own documentation
        if typed(value) != typed(expected):
            failures.append(f"docs/querying.md:{line}: got {value!r}, the page says "
                            f"{expected_src}")

    namespace = {"_check": check, "datetime": datetime, "Decimal": Decimal,
                 "__name__": "querying_md"}
    ran = 0
    with pytest.raises(_Rollback):
        with chinook.transaction():
            for first_line, code in blocks(text):
                exec(compile(instrument(code, first_line), f"docs/querying.md:{first_line}",
                             "exec"), namespace)  # noqa: S102
                ran += 1
            raise _Rollback
    assert ran >= 20
    assert not failures, "\n".join(failures)
