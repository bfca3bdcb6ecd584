# Developer entry points. `make test` is what CI runs (through .ci/run).
#   make test                      all three databases (starts/stops PostgreSQL and MariaDB)
#   make test DB=sqlite            only SQLite; DB is a space-separated list
#   make test PYTEST_ARGS='-x -k "find and not slow"'
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
DB ?= sqlite postgresql mysql
PYTEST_ARGS ?=
DEMO_DB := /tmp/activerecord-demo.db

.PHONY: venv test demo bench clean servers-up servers-down lint docs

venv: $(VENV)/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project metadata changes; the stamp records the last install.
$(VENV)/.installed: pyproject.toml $(wildcard setup.cfg) | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install -q -e '.[postgresql,mysql,flask,wsgi,testing,docs,dev]'
	touch $@

test: venv
	DB='$(DB)' PYTHON=$(VENV)/bin/python scripts/run-tests.sh $(PYTEST_ARGS)

# The demo's schema comes from examples/db/migrate/, run by the command line first.
demo: venv
	rm -f $(DEMO_DB)
	cd examples && DATABASE_URL=sqlite:///$(DEMO_DB) ../$(VENV)/bin/activerecord migrate
	DATABASE_URL=sqlite:///$(DEMO_DB) $(VENV)/bin/python examples/quickstart.py

# The documentation site (MkDocs Material); --strict fails on a broken link or page.
docs: venv
	$(VENV)/bin/mkdocs build --strict --site-dir build/site

# Speed as a ratio to the raw driver (SQLite by default; start servers for the others:
#   make servers-up && make bench BENCH_DB=sqlite,postgresql,mysql).
BENCH_DB ?= sqlite
bench: venv
	$(VENV)/bin/python bench/bench.py --backends $(BENCH_DB) --reps 5

# Servers for working by hand; servers-down stops only what the up scripts started.
servers-up:
	scripts/pg-up.sh
	scripts/mariadb-up.sh

servers-down:
	scripts/mariadb-down.sh
	scripts/pg-down.sh

clean:
	rm -rf $(VENV) build dist .eggs *.egg-info .pytest_cache .mypy_cache .ruff_cache \
	       .coverage .coverage.* htmlcov $(DEMO_DB)
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Static checks: ruff (style, imports, bugbear), mypy (types: py.typed is a promise),
# import-linter (the layers of docs/architecture.md: no upward import, no circle).
lint: venv
	$(VENV)/bin/ruff check activerecord backends tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
