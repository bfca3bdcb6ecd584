"""Transactions: the module-level :func:`transaction` and ``Model.transaction()``.

``with transaction():`` commits when the block ends normally and rolls back whole when
it raises (the exception is re-raised). Nested blocks become savepoints, so an inner
failure undoes only the inner block. ``save()``/``destroy()`` join an open transaction
and never commit it (see ``Database.transaction``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from .connection.database import Database, get_database

__all__ = ["transaction", "TransactionsMixin"]


@contextmanager
def transaction(database: Database | str | None = None,
                requires_new: bool = True) -> Iterator[Database]:
    """Run the block in a transaction on ``database`` (default: the default database).

    Yields the Database. Nested blocks become savepoints unless ``requires_new=False``.
    Raises what the block raises (after rolling back), or the translated error of a
    failed COMMIT.
    """
    db = database if isinstance(database, Database) else get_database(database)
    with db.transaction(requires_new=requires_new):
        yield db


class TransactionsMixin:
    """``Model.transaction()``: a transaction on the model's database."""

    @classmethod
    def transaction(cls, requires_new: bool = True):
        """Return a context manager running its block in a transaction on the
        model's database (see :func:`transaction`)."""
        return cls._database().transaction(requires_new=requires_new)
