"""Real HTTP for the tests (test code only): the example Flask app loaded from its
folder, a WSGI app served by waitress on a loopback port in a background thread, and a
bounded load run whose figures are kept in :data:`LOAD_RESULTS` for the terminal
summary (tests/conftest.py prints them: pytest captures the tests' stdout).
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx
import waitress
from waitress import wasyncore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP_DIR = os.path.join(ROOT, "examples", "flask_app")
MIGRATIONS = os.path.join(APP_DIR, "db", "migrate")

#: One line per load run, in the order they ran (printed in the terminal summary).
LOAD_RESULTS: list[str] = []


def example_app() -> ModuleType:
    """The example app's ``app.py`` as a module (loaded once). Its folder goes on
    ``sys.path`` first, as ``flask --app examples/flask_app/app.py`` does, so its
    ``import models`` finds ``models.py``."""
    name = "examples_flask_app"
    if name in sys.modules:
        return sys.modules[name]
    if APP_DIR not in sys.path:
        sys.path.insert(0, APP_DIR)
    spec = importlib.util.spec_from_file_location(name, os.path.join(APP_DIR, "app.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class LiveServer:
    """``app`` served by waitress on ``127.0.0.1`` (a free port) in a daemon thread
    until :meth:`stop`; ``url`` is its base URL."""

    def __init__(self, app: Callable[..., Any], threads: int = 8):
        self.server: Any = waitress.create_server(
            app, host="127.0.0.1", port=0, threads=threads, connection_limit=200,
            channel_timeout=30, clear_untrusted_proxy_headers=True)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.port = int(self.server.effective_port)
        self._stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="waitress", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        # waitress's loop, one poll (at most 50 ms) at a time, so that stop() ends it in
        # this thread: its sockets are closed where they are polled.
        adj = self.server.adj
        while not self._stopping.is_set():
            wasyncore.loop(timeout=0.05, use_poll=adj.asyncore_use_poll,
                           map=self.server._map, count=1)
        wasyncore.close_all(self.server._map)

    def client(self, **options: Any) -> httpx.Client:
        """An HTTP client of the server (keep-alive; 15 s timeout unless given)."""
        return httpx.Client(base_url=self.url, timeout=options.pop("timeout", 15.0),
                            **options)

    def stop(self) -> None:
        """Let the running requests end (5 s at most), then close every socket and
        wait for the server's thread."""
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        self._stopping.set()
        self.thread.join(10)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` every 10 ms until it is true (True) or ``timeout`` (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


# -- the load run ----------------------------------------------------------------------
@dataclass
class LoadResult:
    """What a load run measured."""

    database: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    errors: list[str] = field(default_factory=list)
    max_in_use: int = 0
    max_waiting: int = 0
    final_in_use: int = -1
    pool_size: int = 0
    samples: int = 0
    unfinished: int = 0  # client threads still running at the overall timeout

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def percentile_ms(self, p: int) -> float:
        """The ``p``-th percentile latency in milliseconds."""
        if len(self.latencies) < 2:
            return 1000 * (self.latencies[0] if self.latencies else 0.0)
        return 1000 * statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    def line(self) -> str:
        """The one-line summary printed at the end of the run."""
        return (f"{self.database:>10}: {self.clients} clients x {self.seconds:.1f} s: "
                f"{self.requests} requests, {self.requests / self.seconds:.0f} req/s, "
                f"p50 {self.percentile_ms(50):.1f} ms, p99 {self.percentile_ms(99):.1f} ms, "
                f"errors {len(self.errors)}, in_use max {self.max_in_use}/{self.pool_size} "
                f"(waiting max {self.max_waiting}), final {self.final_in_use}")


def run_load(server: LiveServer, step: Callable[[httpx.Client, int, int], str | None],
             stats: Callable[[], dict[str, int]], *, database: str, clients: int = 50,
             seconds: float = 10.0) -> LoadResult:
    """Run ``clients`` threads, each with its own HTTP client, calling
    ``step(client, worker, i)`` (i = 0, 1, ...) until ``seconds`` have passed; a step
    returns None, or the text of an error. ``stats`` (the pool's) is sampled every
    5 ms meanwhile. Every client stops at the deadline; the run waits at most 30 s more
    for them (``unfinished`` counts those still running)."""
    result = LoadResult(database, clients, seconds, pool_size=stats()["size"])
    lock, done = threading.Lock(), threading.Event()
    deadline = time.monotonic() + seconds

    def client_loop(worker: int) -> None:
        with server.client() as http:
            i = 0
            while time.monotonic() < deadline:
                start = time.perf_counter()
                try:
                    error = step(http, worker, i)
                except Exception as exc:  # noqa: BLE001 - a failed request is counted
                    error = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - start
                with lock:
                    result.latencies.append(elapsed)
                    if error is not None:
                        result.errors.append(error)
                i += 1

    sampler = threading.Thread(target=_sample, args=(stats, result, done), daemon=True)
    threads = [threading.Thread(target=client_loop, args=(w,), daemon=True)
               for w in range(clients)]
    sampler.start()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline + 30 - time.monotonic()))
    result.seconds = time.monotonic() - started
    result.unfinished = sum(t.is_alive() for t in threads)
    done.set()
    sampler.join(5)
    result.final_in_use = stats()["in_use"]
    LOAD_RESULTS.append(result.line())
    print(result.line())
    return result


def _sample(stats: Callable[[], dict[str, int]], result: LoadResult,
            done: threading.Event) -> None:
    while not done.is_set():
        now = stats()
        result.max_in_use = max(result.max_in_use, now["in_use"])
        result.max_waiting = max(result.max_waiting, now["waiting"])
        result.samples += 1
        done.wait(0.005)
