"""Helpers for testing code that uses activerecord (the project's own tests use them
too): :func:`assert_queries` pins how many statements a block sends, and
:func:`capture_sql` collects them."""

from __future__ import annotations

from .assertions import assert_queries, capture_sql

__all__ = ["assert_queries", "capture_sql"]
