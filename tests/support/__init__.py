"""Helpers for the test suite that do not use the ORM under test.

``tests.support.datasets`` loads the sample databases of ``tests/fixtures`` (Chinook,
Sakila) into SQLite files and the PostgreSQL and MariaDB servers that
``scripts/pg-up.sh`` and ``scripts/mariadb-up.sh`` start.
"""
