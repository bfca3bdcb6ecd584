"""What the Flask extension and the WSGI/ASGI middleware share: the Database a
request runs against, and the count of the statements a request ran (the Flask
extension's ``X-Query-Count`` header).

Each request runs inside ``Database.connection_scope()`` (docs/architecture.md,
"Connections and transactions"): at its end whatever the request still holds on the
Database is rolled back and returned to the pool, each leak logged at WARNING on
``activerecord.pool``.
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass

from .. import events
from ..connection.database import Database
from ..connection.handling import get_database
from ..testing.assertions import is_transaction_control

__all__ = ["resolve_database", "QueryCount", "start_counting", "stop_counting"]


def resolve_database(database: Database | str | None) -> Database:
    """The Database a request runs against: ``database`` itself, the one registered
    under that name, or (``None``) the default one at this moment.

    Raises:
        ConnectionNotEstablished: no such database, or no default one.
    """
    if isinstance(database, Database):
        return database
    return get_database(database)


@dataclass
class QueryCount:
    """The statements one request ran on one Database: ``database`` (its name) and
    ``count``, counted as ``activerecord.testing.assert_queries`` counts them (not
    BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, nor the schema's catalog reads)."""

    database: str
    count: int = 0


_current: contextvars.ContextVar[QueryCount | None] = contextvars.ContextVar(
    "activerecord_query_count", default=None)
_subscribed: list[events.Subscription] = []
_lock = threading.Lock()


def _count(event: events.SQLEvent) -> None:
    # The "sql" subscriber: runs in the context of the statement's caller, so a thread
    # running in a copy of the request's context counts into the request's QueryCount.
    counter = _current.get()
    if counter is None or event.database != counter.database or event.kind == "schema":
        return
    if not is_transaction_control(event):
        counter.count += 1


def start_counting(database: Database) -> contextvars.Token[QueryCount | None]:
    """Count the statements this context (and copies of it) runs on ``database``
    from now on; returns the token :func:`stop_counting` takes. The first call
    subscribes one ``"sql"`` subscriber for the life of the process (a statement
    then builds its event record, as it does for any listener)."""
    if not _subscribed:
        with _lock:
            if not _subscribed:
                _subscribed.append(events.subscribe("sql", _count))
    return _current.set(QueryCount(database.name))


def current_count() -> QueryCount | None:
    """The :class:`QueryCount` this context counts into, or None."""
    return _current.get()


def stop_counting(token: contextvars.Token[QueryCount | None]) -> None:
    """Stop the count :func:`start_counting` began (in this context or, when the
    request ended in another one, wherever it is read next)."""
    try:
        _current.reset(token)
    except ValueError:  # ended in another context than it began in
        _current.set(None)
