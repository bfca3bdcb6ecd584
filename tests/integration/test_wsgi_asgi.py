"""The WSGI and ASGI middleware (activerecord/integrations/wsgi.py, asgi.py) on every
database: a bare WSGI callable through werkzeug's test client, a Starlette app with sync
endpoints (run in Starlette's thread pool) through its TestClient, and a raw ASGI
application cancelled mid-request. After each request nothing is checked out and
nothing of an unfinished transaction is written; each leak is logged.

Each test's middleware runs on a Database of its own on the ``db`` fixture's URL, so
what a request committed is read back through ``db``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from werkzeug.test import Client

from activerecord import Database, connect, transaction
from activerecord.integrations import asgi, wsgi
from tests.support.pinning import session_rows


@pytest.fixture
def gadgets(db, make_table):
    make_table("mw_gadgets", id="pk", name="string(40)")
    yield db


@pytest.fixture
def own(gadgets) -> Iterator[Database]:
    """A Database of the test's own on the test database (the middleware's)."""
    database = Database(gadgets.config.url, name=f"middleware-{uuid.uuid4().hex[:6]}")
    yield database
    assert database.pool.stats()["in_use"] == 0
    database.close()


def names(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM mw_gadgets ORDER BY name").rows]


def insert(database: Database, name: str) -> None:
    database.execute("INSERT INTO mw_gadgets (name) VALUES (?)", (name,))


def leaks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "activerecord.pool"
            and r.levelno == logging.WARNING and "connection leak" in r.getMessage()]


def leave_open(database: Database, how: str, kept: list[Any]) -> None:
    """Begin a transaction and leave it open: ``raw`` (BEGIN sent by hand) or
    ``abandoned`` (a transaction() context entered and never exited)."""
    if how == "raw":
        database.execute("BEGIN")
    else:
        block = transaction(database)
        kept.append(block)
        block.__enter__()
    insert(database, how)


# -- WSGI ----------------------------------------------------------------------------------
def served(app: Any) -> Client:
    """A werkzeug test client that reads and closes each response, as a server does."""
    client = Client(app)
    plain = client.open

    def open_buffered(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return plain(*args, **kwargs)

    client.open = open_buffered  # type: ignore[method-assign]
    return client


def bare_wsgi(database: Database, kept: list[Any]) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ["PATH_INFO"]
        if path in ("/raw", "/abandoned"):
            leave_open(database, path[1:], kept)
        elif path == "/raises":
            leave_open(database, "abandoned", kept)
            raise RuntimeError("the app failed mid-transaction")
        elif path == "/stream":
            database.execute("BEGIN")
            insert(database, "streamed")
            start_response("200 OK", [("Content-Type", "text/plain")])
            return (chunk for chunk in (b"first\n", b"never read\n"))
        elif path == "/pinned":
            rows = session_rows(database)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [repr(rows).encode()]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(database.pool.stats()["in_use"]).encode()]

    return app


@pytest.mark.parametrize("path", ["/raw", "/abandoned"])
def test_wsgi_rolls_back_what_a_request_left_open(gadgets, own, caplog, path):
    caplog.set_level(logging.WARNING, logger="activerecord.pool")
    client = served(wsgi.ActiveRecordMiddleware(bare_wsgi(own, []), own))
    response = client.get(path)
    assert response.status_code == 200 and response.text == "1"  # held inside
    assert own.pool.stats()["in_use"] == 0
    assert names(gadgets) == []
    assert len(leaks(caplog)) == 1 and "rolled back" in leaks(caplog)[0]


def test_wsgi_app_raising_mid_transaction_writes_nothing(gadgets, own):
    client = served(wsgi.ActiveRecordMiddleware(bare_wsgi(own, []), own))
    with pytest.raises(RuntimeError, match="mid-transaction"):
        client.get("/raises")
    assert own.pool.stats()["in_use"] == 0
    assert names(gadgets) == []


def test_wsgi_scope_ends_when_the_server_closes_the_response(gadgets, own):
    client = served(wsgi.ActiveRecordMiddleware(bare_wsgi(own, []), own))
    response = client.get("/stream", buffered=False)  # read by hand below
    assert next(iter(response.response)) == b"first\n"
    assert own.pool.stats()["in_use"] == 1  # the response is still being sent
    response.close()  # the client went away: the server closes the body
    assert own.pool.stats()["in_use"] == 0
    assert names(gadgets) == []


def test_wsgi_default_database_and_the_scope_in_environ(gadgets, restored_registry):
    database = connect(gadgets.config.url, name="wsgi-default", default=True)
    seen: list[Any] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        seen.append(environ["activerecord.scope"])
        database.execute("BEGIN")
        start_response("204 No Content", [])
        return []

    client = served(wsgi.ActiveRecordMiddleware(app))  # the default database
    assert client.get("/").status_code == 204
    assert seen[0].database is database and len(seen[0].leaks) == 1
    assert database.pool.stats()["in_use"] == 0
    by_name = served(wsgi.ActiveRecordMiddleware(app, "wsgi-default"))
    assert by_name.get("/").status_code == 204 and seen[1].database is database


def test_wsgi_pin_runs_a_request_on_one_connection(gadgets, own):
    pinned = served(wsgi.ActiveRecordMiddleware(bare_wsgi(own, []), own, pin=True))
    assert pinned.get("/pinned").text == "[(7,)]"
    assert pinned.get("/").text == "1"  # the pinned connection, held all along
    unpinned = served(wsgi.ActiveRecordMiddleware(bare_wsgi(own, []), own))
    assert unpinned.get("/").text == "0"


# -- ASGI ----------------------------------------------------------------------------------
def starlette_app(database: Database, threads: list[int], kept: list[Any],
                  pin: bool = False) -> Any:
    def leave(request: Any) -> PlainTextResponse:  # sync: run in the thread pool
        threads.append(threading.get_ident())
        leave_open(database, request.path_params["how"], kept)
        return PlainTextResponse(str(database.pool.stats()["in_use"]))

    def fail(request: Any) -> PlainTextResponse:
        leave_open(database, "abandoned", kept)
        raise RuntimeError("the endpoint failed mid-transaction")

    def session(request: Any) -> JSONResponse:
        return JSONResponse({"rows": [list(r) for r in session_rows(database)],
                             "in_use": database.pool.stats()["in_use"]})

    routes = [Route("/leave/{how}", leave), Route("/fail", fail), Route("/session", session)]
    return asgi.ActiveRecordMiddleware(Starlette(routes=routes), database, pin=pin)


@pytest.mark.parametrize("how", ["raw", "abandoned"])
def test_asgi_releases_what_a_sync_endpoint_left_in_its_worker_thread(gadgets, own, caplog,
                                                                      how):
    caplog.set_level(logging.WARNING, logger="activerecord.pool")
    threads: list[int] = []
    with TestClient(starlette_app(own, threads, [])) as client:
        response = client.get(f"/leave/{how}")
        assert response.status_code == 200 and response.text == "1"
        assert threads and threads[0] != threading.get_ident()  # a worker thread
        assert own.pool.stats()["in_use"] == 0
    assert names(gadgets) == []
    assert len(leaks(caplog)) == 1


def test_asgi_endpoint_raising_mid_transaction_writes_nothing(gadgets, own):
    client = TestClient(starlette_app(own, [], []), raise_server_exceptions=False)
    assert client.get("/fail").status_code == 500
    assert own.pool.stats()["in_use"] == 0
    assert names(gadgets) == []


def test_asgi_pin_keeps_session_state_in_a_sync_endpoint(gadgets, own):
    client = TestClient(starlette_app(own, [], [], pin=True))
    assert client.get("/session").json() == {"rows": [[7]], "in_use": 1}
    assert own.pool.stats()["in_use"] == 0


def test_asgi_request_cancelled_when_the_client_goes_away(gadgets, own):
    started = threading.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await anyio.to_thread.run_sync(lambda: leave_open(own, "raw", []))
        started.set()
        await asyncio.Event().wait()  # waits for the client, which is gone

    async def serve() -> None:
        task = asyncio.ensure_future(asgi.ActiveRecordMiddleware(app, own)(
            {"type": "http", "path": "/"}, _never, _discard))
        while not started.is_set():
            await asyncio.sleep(0.01)
        assert own.pool.stats()["in_use"] == 1
        task.cancel()  # what the server does on a disconnect
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(serve())
    assert own.pool.stats()["in_use"] == 0
    assert names(gadgets) == []


def test_asgi_lifespan_passes_through(gadgets, own):
    events: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan" and "activerecord.scope" not in scope
        message = await receive()
        events.append(message["type"])
        await send({"type": "lifespan.startup.complete"})
        events.append((await receive())["type"])
        await send({"type": "lifespan.shutdown.complete"})

    with TestClient(asgi.ActiveRecordMiddleware(app, own)):
        pass
    assert events == ["lifespan.startup", "lifespan.shutdown"]


async def _never() -> dict[str, Any]:
    await asyncio.Event().wait()
    return {}


async def _discard(message: Any) -> None:
    return None
