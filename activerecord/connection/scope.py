"""Connections held with a context, and the scope that releases them: what keeps a web
request from leaking a connection or leaving a transaction open.

The Database checks a connection out per statement or per transaction. Two things keep
one checked out longer, with the context (thread or task) that asked:

* a statement sent by hand that leaves the driver inside a transaction
  (``db.execute("BEGIN")``): the connection stays with the context, which sends its
  next statements on it, until a COMMIT or ROLLBACK ends the transaction;
* a pinned scope (``db.connection_scope(pin=True)``): one connection for every
  statement and transaction of the scope, for session state (``SET``, temporary
  tables).

:class:`ConnectionScope` is what a request runs in (the Flask extension and the
WSGI/ASGI middleware open one per request). At its end it releases whatever is still
held on its Database: a transaction left open (a ``transaction()`` context entered and
never exited, a raw BEGIN) is rolled back, its records get their state back, and its
connection goes back to the pool; each such leak is logged at WARNING on the
``activerecord.pool`` logger and listed in :attr:`ConnectionScope.leaks`. The scope is
found through a ContextVar that holds the scope object itself, so code running in a
copy of the request's context (a thread pool running a sync endpoint, as Starlette
does) registers what it holds in the same scope. This follows Rails' executor, which
returns the connections of a request when it completes, and Django's
``close_old_connections`` at the end of a request (docs/architecture.md,
"Connections and transactions").
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .database import Database
    from .transaction import Transaction

__all__ = ["HeldConnection", "ConnectionScope"]

log = logging.getLogger("activerecord.pool")


class HeldConnection:
    """A connection kept with a context past its statement.

    Attributes:
        conn: the DB-API connection (checked out of the Database's pool).
        pinned: True for a pinned scope's connection, False for one kept because a
            statement sent by hand left it inside a transaction.
        since: where it began to be held (``"file.py:12"``, the user's line).
        released: set once it went back to the pool: a context still holding the
            object (a copied one) then uses the pool again.
    """

    __slots__ = ("conn", "pinned", "since", "released", "scope")

    def __init__(self, conn: Any, pinned: bool, since: str):
        self.conn = conn
        self.pinned = pinned
        self.since = since
        self.released = False
        #: the scope it was registered with (None: held outside any scope).
        self.scope: ConnectionScope | None = None

    def __repr__(self) -> str:
        state = "released" if self.released else "held"
        return f"<HeldConnection {'pinned' if self.pinned else 'in transaction'} {state}>"


class ConnectionScope:
    """What one request (or any unit of work) holds on one Database; made by
    :meth:`Database.connection_scope`, closed at its end.

    Attributes:
        database: the Database.
        pinned: whether every statement of the scope runs on one connection.
        leaks: after :meth:`close`, a description of each thing it had to release
            (empty when the request left nothing open).
    """

    def __init__(self, database: Database, pinned: bool = False):
        self.database = database
        self.pinned = pinned
        self.held: list[HeldConnection] = []
        self.transactions: list[Transaction] = []
        self.leaks: list[str] = []
        self.closed = False

    def __repr__(self) -> str:
        return (f"<ConnectionScope {self.database.name} held={len(self.held)} "
                f"transactions={len(self.transactions)} leaks={len(self.leaks)}>")

    def close(self) -> list[str]:
        """Release what the scope still holds (see the module's docstring) and return
        :attr:`leaks`. Closing twice does nothing more."""
        if self.closed:
            return self.leaks
        self.closed = True
        db = self.database
        for tx in list(self.transactions):
            if not tx.closed:
                where = f" (begun at {tx.caller})" if tx.caller else ""
                self.leak(f"a transaction left open{where} was rolled back")
                db.transaction_manager.abandon(tx)
        self.transactions.clear()
        for held in list(self.held):
            if held.released:
                continue
            if not held.pinned:
                self.leak(f"a transaction begun by a statement sent by hand (at "
                           f"{held.since or '?'}) was left open: it was rolled back")
                db._release_held(held, rollback=True)
            else:
                if db.adapter.in_transaction(held.conn):
                    self.leak("the pinned connection was left inside a transaction: "
                               "it was rolled back")
                db._release_held(held, rollback=True)
        self.held.clear()
        return self.leaks

    def leak(self, what: str) -> None:
        """Record (in :attr:`leaks`) and log at WARNING one thing released for its
        holder; ``what`` says what it was and what was done."""
        message = f"{self.database.name}: {what} at the end of its scope"
        self.leaks.append(message)
        log.warning("connection leak: %s", message)
