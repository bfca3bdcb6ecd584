"""The documentation site (mkdocs.yml, docs/): every public name has a docstring, every
public module has an API page, and ``mkdocs build --strict`` (what ``make docs`` runs)
succeeds, so no link, anchor or docstring of the site is broken.

A public module is a package or module under ``activerecord/`` or ``backends/`` whose
dotted path has no part starting with ``_`` and that defines ``__all__``. For each name
in its ``__all__``: a class, function or module needs a non-empty docstring of its own;
a data value (a constant, an alias) needs a documented attribute, a ``#:`` comment
right above its assignment or a string right below it (what mkdocstrings shows), in
the module that assigns it, unless it is listed in ``UNDOCUMENTED_DATA`` with the
reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import click
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"

#: ``(module, name)`` of data values in an ``__all__`` that need no documentation, and why.
UNDOCUMENTED_DATA: dict[tuple[str, str], str] = {
    ("activerecord.relation.contract", "M"): "a TypeVar of the Protocols' signatures",
}


def public_modules() -> list[str]:
    """The dotted names of the public modules, packages first, sorted."""
    names = []
    for base in ("activerecord", "backends"):
        for path in sorted((ROOT / base).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if any(part.startswith("_") for part in parts):
                continue
            name = ".".join(parts)
            if hasattr(importlib.import_module(name), "__all__"):
                names.append(name)
    return names


MODULES = public_modules()


@cache
def _tree(module: str) -> tuple[ast.Module, list[str]]:
    source = inspect.getsource(importlib.import_module(module))
    return ast.parse(source), source.splitlines()


def _assigned(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.Assign):  # ``A = ...`` or ``A, B = ...``
        names = [n for t in node.targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])]
        return any(isinstance(n, ast.Name) and n.id == name for n in names)
    return isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
        and node.target.id == name


def _attribute_doc(module: str, name: str) -> str:
    """The ``#:`` comment above, or the string below, the top-level assignment of
    ``name``, following ``from x import name`` to the module that assigns it."""
    tree, lines = _tree(module)
    for index, node in enumerate(tree.body):
        if _assigned(node, name):
            comment = []
            for line in reversed(lines[:node.lineno - 1]):
                if not line.startswith("#:"):
                    break
                comment.append(line[2:].strip())
            after = tree.body[index + 1] if index + 1 < len(tree.body) else None
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) \
                    and isinstance(after.value.value, str):
                comment.append(after.value.value)
            return " ".join(comment).strip()
        if isinstance(node, ast.ImportFrom) and any(a.name == name and a.asname in (None, name)
                                                    for a in node.names):
            package = module if hasattr(importlib.import_module(module), "__path__") \
                else module.rpartition(".")[0]
            source = importlib.util.resolve_name("." * node.level + (node.module or ""),
                                                 package) if node.level else node.module
            return _attribute_doc(source, name)
    return ""


def _undocumented(module: str) -> list[str]:
    loaded = importlib.import_module(module)
    missing = []
    for name in loaded.__all__:
        value = getattr(loaded, name)
        if inspect.isclass(value) or inspect.isroutine(value) or inspect.ismodule(value):
            documented = bool((value.__doc__ or "").strip())
        elif isinstance(value, click.Command):  # its help is its documentation
            documented = bool((value.help or "").strip())
        else:
            documented = (module, name) in UNDOCUMENTED_DATA or bool(_attribute_doc(module, name))
        if not documented:
            missing.append(f"{module}.{name}")
    return missing


def test_the_public_modules_are_found():
    assert {"activerecord", "activerecord.base", "activerecord.model.core",
            "activerecord.connection.adapter", "backends.sqlite.adapter"} <= set(MODULES)
    assert not any("._" in name for name in MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_has_a_docstring(module):
    assert (importlib.import_module(module).__doc__ or "").strip(), f"{module}: no module doc"
    assert not _undocumented(module), f"without a docstring: {', '.join(_undocumented(module))}"


def test_the_undocumented_data_list_holds_only_live_names():
    for module, name in UNDOCUMENTED_DATA:
        assert name in importlib.import_module(module).__all__, (module, name)


def _nav_pages(nav) -> list[str]:
    pages = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_every_public_module_has_an_api_page_in_the_nav():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = set(_nav_pages(config["nav"]))
    for module in MODULES:
        page = API / f"{module}.md"
        assert page.is_file(), f"no API page {page.relative_to(ROOT)} for {module}"
        directives = [line.split()[1] for line in page.read_text(encoding="utf-8").splitlines()
                      if line.startswith("::: ")]
        assert module in directives, f"{page.relative_to(ROOT)} has no '::: {module}'"
        assert f"api/{module}.md" in nav, f"api/{module}.md is not in the nav of mkdocs.yml"
    stale = {p.stem for p in API.glob("*.md")} - set(MODULES) - {"index"}
    assert not stale, f"API pages of no public module: {sorted(stale)}"


def test_the_site_builds_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                          str(tmp_path / "site")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "WARNING" not in run.stderr, run.stderr[-4000:]
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "activerecord.base.html").is_file()
