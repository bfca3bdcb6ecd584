"""``assert_queries(n)`` and ``assert_no_queries()``: count the SQL statements the ORM
sends inside a block, and ``capture_sql()``: collect them.

They subscribe to the ``"sql"`` event (``activerecord.events``), which the Database
sends for each statement it ran (or that failed), so they see exactly what reached the
driver, from every thread, and they leave the ``activerecord.sql`` logger alone. As in
Rails' ``assert_queries_count``/``assert_no_queries``, transaction control (BEGIN,
COMMIT, ROLLBACK, SAVEPOINT, RELEASE) and the schema's catalog reads are not counted
unless asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .. import events

__all__ = ["assert_queries", "assert_no_queries", "capture_sql", "is_transaction_control"]

#: The first word of a transaction-control statement sent by hand (``db.execute``).
_TX = frozenset({"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START"})


def is_transaction_control(event: events.SQLEvent) -> bool:
    """Whether ``event`` is transaction control: sent by the transaction machinery
    (``kind == "transaction"``), or a statement sent by hand whose first word is BEGIN,
    START, COMMIT, ROLLBACK, SAVEPOINT or RELEASE."""
    if event.kind == "transaction":
        return True
    words = event.sql.split(None, 1)
    return bool(words) and words[0].upper() in _TX


@contextmanager
def capture_sql(*, include_schema: bool = False) -> Iterator[list[str]]:
    """Yield a list that fills with the SQL text of each statement run inside the
    block, in order (transaction control included; the schema's catalog reads only
    with ``include_schema=True``)."""
    statements: list[str] = []

    def collect(event: events.SQLEvent) -> None:
        if include_schema or event.kind != "schema":
            statements.append(event.sql)

    with events.subscribe("sql", collect):
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

    def collect(event: events.SQLEvent) -> None:
        if event.kind == "schema" and not include_schema:
            return
        if include_transaction or not is_transaction_control(event):
            counted.append(event.sql)

    with events.subscribe("sql", collect):
        yield counted
    assert len(counted) == expected, (
        f"expected {expected} queries, ran {len(counted)}:\n" + "\n".join(counted))


@contextmanager
def assert_no_queries(*, include_transaction: bool = False,
                      include_schema: bool = False) -> Iterator[list[str]]:
    """``assert_queries(0)``: fail, listing them, when any statement (counted as
    :func:`assert_queries` counts) runs inside the block (Rails' ``assert_no_queries``)."""
    with assert_queries(0, include_transaction=include_transaction,
                        include_schema=include_schema) as counted:
        yield counted
