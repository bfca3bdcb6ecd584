"""``assert_queries(n)``: count the SQL statements the ORM sends inside a block, and
``capture_sql()``: collect them.

Both subscribe to the ``"sql"`` event (``activerecord.events``), which the Database
sends for each statement it ran (or that failed), so they see exactly what reached the
driver, from every thread, and they leave the ``activerecord.sql`` logger alone. As in
Rails' ``assert_queries_count``, transaction control (BEGIN, COMMIT, ROLLBACK,
SAVEPOINT, RELEASE) and the schema's catalog reads are not counted unless asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .. import events

__all__ = ["assert_queries", "capture_sql"]

#: The first word of a transaction-control statement sent by hand (``db.execute``).
_TX = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START"})


def _is_transaction(payload: Mapping[str, Any]) -> bool:
    if payload.get("kind") == "transaction":
        return True
    words = str(payload["sql"]).split(None, 1)
    return bool(words) and words[0].upper() in _TX


@contextmanager
def capture_sql(*, include_schema: bool = False) -> Iterator[list[str]]:
    """Yield a list that fills with the SQL text of each statement run inside the
    block, in order (transaction control included; the schema's catalog reads only
    with ``include_schema=True``)."""
    statements: list[str] = []

    def collect(name: str, payload: Mapping[str, Any]) -> None:
        if include_schema or payload.get("kind") != "schema":
            statements.append(payload["sql"])

    with events.subscribed("sql", collect):
        yield statements


@contextmanager
def assert_queries(expected: int, *, include_transaction: bool = False,
                   include_schema: bool = False) -> Iterator[list[str]]:
    """Fail (AssertionError, listing them) unless exactly ``expected`` statements
    run inside the block.

    Counted: every statement but BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE
    (``include_transaction=True`` counts them) and the catalog reads of introspection
    (``include_schema=True``). Yields the list of the counted statements.
    """
    counted: list[str] = []

    def collect(name: str, payload: Mapping[str, Any]) -> None:
        if payload.get("kind") == "schema" and not include_schema:
            return
        if include_transaction or not _is_transaction(payload):
            counted.append(payload["sql"])

    with events.subscribed("sql", collect):
        yield counted
    assert len(counted) == expected, (
        f"expected {expected} queries, ran {len(counted)}:\n" + "\n".join(counted))
