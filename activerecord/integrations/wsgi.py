"""WSGI middleware: every request runs in ``Database.connection_scope()``, so it leaves
no connection checked out and no transaction open, whatever the framework.

::

    from activerecord import connect
    from activerecord.integrations.wsgi import ActiveRecordMiddleware

    connect("postgresql://app@db/app")
    application = ActiveRecordMiddleware(application)

The scope ends when the server closes the response (PEP 3333's ``close()``), after the
last byte was sent or when the client went away, as Rails' executor ends with the
response body (Rack's ``BodyProxy``); see docs/web.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wsgi import ClosingIterator

from ..connection.database import Database
from ._scope import resolve_database

__all__ = ["ActiveRecordMiddleware", "WSGIApp"]

#: A WSGI application: ``app(environ, start_response) -> iterable of bytes``.
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The ``environ`` key holding the request's ConnectionScope (its ``leaks`` are
#: filled when the response is closed).
ENVIRON_KEY = "activerecord.scope"


class ActiveRecordMiddleware:
    """Wrap a WSGI application so that each request runs in a connection scope of
    ``database``.

    Args:
        app: the WSGI application.
        database: a Database, the name of a registered one, or ``None`` for the
            default database at each request (``get_database()``).
        pin: check one connection out for each whole request (session state such as
            ``SET`` or temporary tables lasts between its statements).

    At the end of a request (the response closed, or the application raising), a
    transaction it left open is rolled back and its connection returned to the pool,
    logged at WARNING on ``activerecord.pool``. The request's
    :class:`~activerecord.connection.scope.ConnectionScope` is in
    ``environ["activerecord.scope"]``. Raises ``ConnectionNotEstablished`` at a
    request when no database is connected.
    """

    def __init__(self, app: WSGIApp, database: Database | str | None = None, *,
                 pin: bool = False):
        self.app = app
        self.database = database
        self.pin = pin

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Run the request in a connection scope; return the application's response,
        whose ``close()`` ends the scope."""
        manager = resolve_database(self.database).connection_scope(pin=self.pin)
        environ[ENVIRON_KEY] = manager.__enter__()
        try:
            body = self.app(environ, start_response)
        except BaseException:
            manager.__exit__(*sys.exc_info())
            raise
        def end() -> None:
            manager.__exit__(None, None, None)

        # werkzeug's ClosingIterator: the body's close(), then the scope's end.
        return ClosingIterator(body, end)
