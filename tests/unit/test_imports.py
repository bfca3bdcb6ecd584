"""Imports: every module of ``activerecord`` and ``backends`` imports alone in a fresh
interpreter (no import circle hides behind the order other tests import things in),
and with psycopg and PyMySQL made unimportable every module, every dialect and the
compiler still work and the unit tests pass: a driver is imported when connecting,
never when a backend package or dialect is imported (docs/architecture.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = ("psycopg", "pymysql")

# A meta-path finder, installed by sitecustomize before anything else is imported.
_BLOCKER = textwrap.dedent(f"""
    import sys

    class _NoDrivers:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in {DRIVERS!r}:
                raise ImportError(f"{{name}} is made unimportable for this test")
            return None

    sys.meta_path.insert(0, _NoDrivers())
""")

_WORK = textwrap.dedent("""
    import importlib, sys
    from activerecord.sql import nodes as n
    from activerecord.sql.compiler import Compiler

    for name in sys.argv[1:]:
        importlib.import_module(name)
    from backends.mysql.dialect import MySQLDialect
    from backends.postgresql.dialect import PostgreSQLDialect
    from backends.sqlite.dialect import SQLiteDialect

    t = n.Table("t")
    node = n.Select(t, (n.Column("a", "t"),), where=n.Column("a", "t") == 1, limit=2)
    for dialect in (SQLiteDialect(), PostgreSQLDialect(), MySQLDialect()):
        print(Compiler(dialect).compile(node))
    import activerecord
    for url in ("postgresql://u@127.0.0.1:1/db", "mysql://u@127.0.0.1:1/db"):
        db = activerecord.Database(url)  # no driver needed until it connects
        try:
            db.execute("SELECT 1")
        except activerecord.ConfigurationError as exc:
            assert "cannot be imported" in str(exc), exc
        else:
            raise AssertionError("connected without a driver")
    db = activerecord.Database("sqlite:///:memory:")
    print(db.execute("SELECT 1").rows)
    loaded = sorted(m for m in sys.modules if m.partition(".")[0] in ("psycopg", "pymysql"))
    assert not loaded, loaded
""")


def _modules() -> list[str]:
    names = []
    for package in ("activerecord", "backends"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


def _python(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_the_module_list_covers_the_packages():
    names = _modules()
    assert "activerecord.connection.transaction" in names and "backends.mysql" in names
    assert "activerecord.events" in names and len(names) > 40


def test_every_module_imports_alone_in_a_fresh_interpreter():
    names = _modules()
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda m: (m, _python(["-c", f"import {m}"])), names))
    failed = {m: r.stderr.strip().splitlines()[-1] for m, r in results if r.returncode}
    assert failed == {}


@pytest.fixture
def no_drivers(tmp_path) -> dict[str, str]:
    """The environment of an interpreter in which psycopg and pymysql cannot be imported."""
    (tmp_path / "sitecustomize.py").write_text(_BLOCKER)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path}


def test_the_blocker_blocks(no_drivers):
    result = _python(["-c", "import psycopg"], no_drivers)
    assert result.returncode and "made unimportable" in result.stderr


def test_everything_but_connecting_works_without_the_drivers(no_drivers):
    result = _python(["-c", _WORK, *_modules()], no_drivers)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[:3] == [
        """('SELECT "t"."a" FROM "t" WHERE "t"."a" = ? LIMIT ?', [1, 2])""",
        """('SELECT "t"."a" FROM "t" WHERE "t"."a" = %s LIMIT %s', [1, 2])""",
        """('SELECT `t`.`a` FROM `t` WHERE `t`.`a` = %s LIMIT %s', [1, 2])"""]
    assert out[3] == "[(1,)]"


def test_the_unit_tests_pass_without_the_drivers(no_drivers):
    # pytest-postgresql's plugin imports psycopg: it is left out (-p no:postgresql).
    result = _python(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:postgresql",
                      "-W", "ignore::pytest.PytestConfigWarning",
                      str(ROOT / "tests" / "unit"), "--ignore", __file__], no_drivers)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.splitlines()[-1]
