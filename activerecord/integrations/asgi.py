"""ASGI middleware (Starlette, FastAPI): every HTTP or WebSocket connection runs in
``Database.connection_scope()``, so it leaves no connection checked out and no
transaction open.

::

    from starlette.applications import Starlette
    from activerecord import connect
    from activerecord.integrations.asgi import ActiveRecordMiddleware

    connect("postgresql://app@db/app")
    app = ActiveRecordMiddleware(Starlette(routes=routes))

The ORM is synchronous: use it from sync endpoints (``def``, not ``async def``), which
Starlette and FastAPI run in a thread pool with a copy of the request's context; what
such an endpoint leaves open in its worker thread is released by the request's scope
all the same (docs/web.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..connection.database import Database
from ._scope import resolve_database

__all__ = ["ActiveRecordMiddleware", "ASGIApp"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
#: An ASGI 3 application: ``await app(scope, receive, send)``.
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The ASGI scope key holding the request's ConnectionScope.
SCOPE_KEY = "activerecord.scope"


class ActiveRecordMiddleware:
    """Wrap an ASGI application so that each ``http`` and ``websocket`` connection
    runs in a connection scope of ``database`` (``lifespan`` passes straight through).

    Args:
        app: the ASGI application.
        database: a Database, the name of a registered one, or ``None`` for the
            default database at each request (``get_database()``).
        pin: check one connection out for each whole request (session state lasts
            between its statements). The checkout happens on the event loop, so with
            every connection busy it blocks the loop up to ``pool_timeout``.

    When the request ends (its response sent, it raised, or it was cancelled because
    the client went away), a transaction it left open, in the event loop or in the
    worker thread of a sync endpoint, is rolled back and its connection returned to
    the pool, logged at WARNING on ``activerecord.pool``. The
    :class:`~activerecord.connection.scope.ConnectionScope` is in
    ``scope["activerecord.scope"]``. Rails' executor and Django's request-finished
    handling do the same; raises ``ConnectionNotEstablished`` at a request when no
    database is connected.
    """

    def __init__(self, app: ASGIApp, database: Database | str | None = None, *,
                 pin: bool = False):
        self.app = app
        self.database = database
        self.pin = pin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run one ASGI connection, in a connection scope unless it is ``lifespan``."""
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with resolve_database(self.database).connection_scope(pin=self.pin) as held:
            scope[SCOPE_KEY] = held
            await self.app(scope, receive, send)
