"""``assert_queries(n)``: count the SQL statements the ORM sends inside a block.

It listens on the ``activerecord.sql`` logger (the Database logs every statement at
DEBUG level), so it sees exactly what reached the adapter. Test code only.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

_TX = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record):
        self.statements.append(str(record.args[0]) if record.args else record.getMessage())


@contextmanager
def capture_sql():
    """Yield a list that fills with the SQL statements run inside the block."""
    logger = logging.getLogger("activerecord.sql")
    handler = _Collector()
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


@contextmanager
def assert_queries(expected: int, *, include_transaction: bool = False):
    """Fail unless exactly ``expected`` statements (not counting BEGIN/COMMIT/...,
    unless asked) run inside the block."""
    with capture_sql() as statements:
        yield statements
    counted = [s for s in statements
               if include_transaction or not s.lstrip().upper().startswith(_TX)]
    assert len(counted) == expected, (
        f"expected {expected} queries, ran {len(counted)}:\n" + "\n".join(counted))
