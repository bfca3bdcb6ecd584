"""Thread-safe connection pools.

:class:`Pool` is the interface the :class:`~activerecord.connection.database.Database`
uses; :class:`ConnectionPool` is the generic implementation over any DB-API ``connect``
function (SQLite and MySQL use it; PostgreSQL may wrap ``psycopg_pool``).

Lessons from other ORMs' trackers (docs/architecture.md): connections are checked out for one
statement or one transaction and returned at once; a connection idle for longer than
``ping_interval`` seconds is pinged before reuse and replaced when dead; a connection
older than ``recycle`` seconds is replaced (keep it below MySQL's ``wait_timeout``); a
checkout that times out says how many connections are in use and where the longest
holder checked out.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import sys
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from types import FrameType
from typing import Any

from .. import events
from ..errors import ConnectionTimeoutError

__all__ = ["Pool", "ConnectionPool", "user_frame", "caller"]

log = logging.getLogger("activerecord.pool")
_CHECKOUT = events.POOL_CHECKOUT


class Pool(ABC):
    """What the Database needs from a pool. All methods are thread-safe."""

    size: int
    timeout: float

    @abstractmethod
    def checkout(self) -> Any:
        """Return an open DB-API connection; raise ConnectionTimeoutError after
        ``timeout`` seconds when all ``size`` connections are in use."""

    @abstractmethod
    def checkin(self, conn: Any, broken: bool = False) -> None:
        """Give ``conn`` back; ``broken=True`` closes and forgets it instead."""

    @abstractmethod
    def close(self) -> None:
        """Close idle connections now and in-use ones when they come back."""

    def refresh_idle(self, fn: Callable[[Any], Any]) -> int:
        """Call ``fn(conn)`` on each idle connection; returns how many (none here)."""
        return 0

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Return the pool's counts, read at one instant:

        * ``size``: most connections open at once;
        * ``in_use``: checked out now;
        * ``idle``: open and waiting in the pool;
        * ``waiting``: threads (or tasks) waiting for a free connection;
        * ``open``: open connections (``in_use + idle``, plus any being opened).
        """


class ConnectionPool(Pool):
    """A bounded LIFO pool over a ``connect()`` callable.

    Args:
        connect: opens a new DB-API connection (called outside the pool's lock).
        size: most connections open at once (>= 1).
        timeout: seconds a checkout waits for a free connection.
        close: closes a connection (default ``conn.close()``, errors ignored).
        ping: returns whether a connection is alive (default: assume alive).
        ping_interval: seconds of idleness after which a connection is pinged on
            checkout (``0`` pings every time, ``None`` never).
        recycle: seconds after which a connection is replaced on checkout, or ``None``.
        describe: text naming the database, for error messages (no password).
        in_transaction: returns whether the driver reports a connection inside a
            transaction (``Adapter.in_transaction``); such a connection coming back
            is rolled back (``rollback``) before anyone else gets it, or discarded
            when that fails, and a WARNING is logged on ``activerecord.pool``.
        rollback: rolls a connection's transaction back (``Adapter.reset``).
    """

    def __init__(self, connect: Callable[[], Any], *, size: int = 5, timeout: float = 5.0,
                 close: Callable[[Any], None] | None = None,
                 ping: Callable[[Any], bool] | None = None,
                 ping_interval: float | None = 2.0, recycle: float | None = None,
                 describe: str = "",
                 in_transaction: Callable[[Any], bool] | None = None,
                 rollback: Callable[[Any], None] | None = None):
        if size < 1:
            raise ValueError("pool size must be at least 1")
        self.size = size
        self.timeout = timeout
        self._connect = connect
        self._close_fn = close or _close_quietly
        self._ping = ping
        self._ping_interval = ping_interval
        self._recycle = recycle
        self._describe = describe
        self._dirty = in_transaction
        self._rollback = rollback
        self._waiting = 0
        self._cond = threading.Condition(threading.Lock())
        self._idle: deque = deque()          # (conn, created_at, returned_at)
        # id(conn) -> (conn, created_at, since, thread, (holder frame, its line))
        self._in_use: dict[int, tuple] = {}
        self._open = 0
        self._closed = False

    def checkout(self, _report: bool = True) -> Any:
        """Return a connection (see :meth:`Pool.checkout`); reports the
        ``"pool.checkout"`` event when anyone listens."""
        if _report and _CHECKOUT.subscribers:
            return self._checkout_reported()
        deadline = None
        with self._cond:
            while True:
                if self._closed:
                    raise ConnectionTimeoutError(f"the pool for {self._describe} is closed")
                if self._idle:
                    conn, created, returned = self._idle.pop()
                    if not self._due_for_check(created, returned):
                        # Fast path: a recently used connection, one lock round trip.
                        self._in_use[id(conn)] = (conn, created, time.monotonic(),
                                                  threading.current_thread(), _holder())
                        return conn
                    break
                if self._open < self.size:
                    self._open += 1
                    conn = None
                    break
                if deadline is None:
                    deadline = time.monotonic() + self.timeout
                remaining = deadline - time.monotonic()
                self._waiting += 1
                try:
                    woken = remaining > 0 and self._cond.wait(remaining)
                finally:
                    self._waiting -= 1
                if not woken:
                    if not self._idle and self._open >= self.size:
                        raise ConnectionTimeoutError(self._timeout_message())
        if conn is None:
            conn, created = self._open_new()
        else:
            conn, created = self._verify(conn, created, returned)
        holder = _holder()
        with self._cond:
            self._in_use[id(conn)] = (conn, created, time.monotonic(),
                                      threading.current_thread(), holder)
        return conn

    def _checkout_reported(self) -> Any:
        start = time.perf_counter()
        conn = self.checkout(False)
        wait_ms = (time.perf_counter() - start) * 1000.0
        events.instrument("pool.checkout", events.PoolCheckoutEvent(
            "pool.checkout", self._describe, wait_ms, len(self._in_use), self.size))
        return conn

    def _due_for_check(self, created: float, returned: float) -> bool:
        if self._recycle is None and (self._ping is None or self._ping_interval is None):
            return False
        now = time.monotonic()
        if self._recycle is not None and now - created >= self._recycle:
            return True
        return (self._ping is not None and self._ping_interval is not None
                and now - returned >= self._ping_interval)

    def _open_new(self) -> tuple[Any, float]:
        try:
            conn = self._connect()
        except BaseException:
            with self._cond:
                self._open -= 1
                self._cond.notify()
            raise
        return conn, time.monotonic()

    def _verify(self, conn: Any, created: float, returned: float) -> tuple[Any, float]:
        now = time.monotonic()
        stale = self._recycle is not None and now - created >= self._recycle
        if not stale and self._ping is not None and self._ping_interval is not None \
                and now - returned >= self._ping_interval:
            stale = not self._ping(conn)
        if not stale:
            return conn, created
        self._close_fn(conn)
        return self._open_new()

    def checkin(self, conn: Any, broken: bool = False) -> None:
        """Give ``conn`` back (see :meth:`Pool.checkin`); one the driver reports
        inside a transaction is rolled back first, or discarded when that fails."""
        if not broken and self._dirty is not None and self._dirty(conn):
            broken = not self._reset(conn)
        with self._cond:
            entry = self._in_use.pop(id(conn), None)
            if entry is None:
                return
            if broken or self._closed:
                self._open -= 1
                discard = True
            else:
                self._idle.append((conn, entry[1], time.monotonic()))
                discard = False
            self._cond.notify()
        if discard:
            self._close_fn(conn)

    def _reset(self, conn: Any) -> bool:
        # A connection coming back inside a transaction (the caller's bug): rolled
        # back while it is still checked out, so no other thread can have it.
        with self._cond:
            entry = self._in_use.get(id(conn))
        if entry is None:
            return True  # not ours (given back twice): left alone, checkin ignores it
        frame, line = entry[4]
        if line == 0:  # an ORM function still running (it is giving the connection back)
            frame = user_frame(frame)
            line = frame.f_lineno if frame is not None else 0
        where = _where(frame, line)
        try:
            if self._rollback is not None:
                self._rollback(conn)
            clean = not self._dirty(conn) if self._dirty is not None else True
        except Exception:  # noqa: BLE001 - a connection that cannot roll back is discarded
            clean = False
        if clean:
            log.warning("a connection to %s came back to the pool inside a transaction "
                        "or with its session changed (checked out at %s); it was rolled "
                        "back and reset", self._describe, where)
        else:
            log.info("a connection to %s came back broken or inside a transaction it "
                     "cannot roll back (checked out at %s); it was discarded",
                     self._describe, where)
        return clean

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = list(self._idle), deque()
            self._open -= len(idle)
            self._cond.notify_all()
        for conn, _, _ in idle:
            self._close_fn(conn)

    def reopen(self) -> None:
        """Allow checkouts again after :meth:`close` (new connections are opened lazily)."""
        with self._cond:
            self._closed = False

    def refresh_idle(self, fn: Callable[[Any], Any]) -> int:
        """Call ``fn(conn)`` on every idle connection (taken out of the pool while it
        runs, so no thread can check it out meanwhile); a connection on which ``fn``
        raises is closed. Returns how many were refreshed. Used after a schema change
        (PostgreSQL forgets its prepared statements)."""
        with self._cond:
            idle, self._idle = list(self._idle), deque()
            for conn, created, _ in idle:
                self._in_use[id(conn)] = (conn, created, time.monotonic(),
                                          threading.current_thread(), ("refresh", 0))
        done = 0
        for conn, _, _ in idle:
            try:
                fn(conn)
                done += 1
                self.checkin(conn)
            except Exception:  # noqa: BLE001 - a connection that fails is replaced
                self.checkin(conn, True)
        return done

    def stats(self) -> dict[str, int]:
        """Return ``{"size", "in_use", "idle", "waiting", "open"}`` (see
        :meth:`Pool.stats`), read under the pool's lock."""
        with self._cond:
            return {"size": self.size, "in_use": len(self._in_use),
                    "idle": len(self._idle), "waiting": self._waiting,
                    "open": self._open}

    def _timeout_message(self) -> str:
        msg = (f"could not get a connection to {self._describe} within {self.timeout:g}s: "
               f"all {self.size} of {self.size} connections are in use")
        if not self._in_use:
            return msg
        _, _, since, thread, (frame, line) = min(self._in_use.values(), key=lambda e: e[2])
        now = user_frame(sys._current_frames().get(thread.ident))
        if line == 0:  # an ORM frame of a call still running: its user caller is live
            frame = user_frame(frame) or now
            line = frame.f_lineno if frame is not None else 0
        msg += (f"; the longest holder (thread {thread.name!r}, for "
                f"{time.monotonic() - since:.1f}s) checked out at {_where(frame, line)}")
        if now is not None and (now is not frame or now.f_lineno != line):
            msg += f"; it is now at {_where(now, now.f_lineno)}"
        if frame is not None and frame.f_back is not None:
            stack = "".join(traceback.format_stack(frame.f_back, limit=6))
            msg += f"; it checked out when called from:\n{stack}"
        return msg


# Frames of these files are the ORM's own (and contextlib's, for ``with transaction()``);
# the holder is the first frame outside them: the user's code.
_ORM = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL = (_ORM + os.sep, os.path.join(os.path.dirname(_ORM), "backends") + os.sep,
             os.path.abspath(contextlib.__file__))
_internal_files: dict[str, bool] = {}  # co_filename -> internal (str hashes are cached)
_SUSPENDS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _internal(frame: FrameType) -> bool:
    file = frame.f_code.co_filename
    internal = _internal_files.get(file)
    if internal is None:
        internal = _internal_files[file] = file.startswith(_INTERNAL)
    return internal


def _holder() -> tuple:
    # ``(frame, line)`` of checkout()'s caller, as cheaply as is still right later:
    # - user code calling checkout() itself: that frame and its line now (it moves on);
    # - an ORM function: the frame alone, line 0; the connection comes back before the
    #   call returns, so at a timeout its stack is live and walked then;
    # - an ORM generator (a transaction): it keeps the connection across ``yield``,
    #   after which its callers are unreachable, so the user's frame is found now.
    frame = sys._getframe(2)  # _holder <- checkout <- its caller
    code = frame.f_code
    internal = _internal_files.get(code.co_filename)
    if internal is None:
        internal = _internal(frame)
    if not internal:
        return frame, frame.f_lineno
    if not code.co_flags & _SUSPENDS:
        return frame, 0
    user = user_frame(frame)
    return (user, user.f_lineno) if user is not None else (None, -1)


def user_frame(frame: FrameType | None) -> FrameType | None:
    """The first of ``frame`` and its callers that is not the ORM's own code (the
    activerecord and backends packages, contextlib): the user's, or None when there
    is none. What the pool's timeout message and the strict-loading error name."""
    while frame is not None and _internal(frame):
        frame = frame.f_back
    return frame


def caller(frame: FrameType | None = None) -> str:
    """``"path/file.py:123"`` of the first frame outside activerecord (see
    :func:`user_frame`), from ``frame`` (default: the caller's) outwards; a path under
    the working directory is given relative to it; ``""`` when there is no such frame."""
    user = user_frame(frame if frame is not None else sys._getframe(1))
    if user is None:
        return ""
    file = user.f_code.co_filename
    cwd = _cwd()
    if file.startswith(cwd):
        file = file[len(cwd):]
    return f"{file}:{user.f_lineno}"


def _cwd() -> str:
    try:
        return os.getcwd() + os.sep
    except OSError:  # the working directory was removed
        return os.sep + os.sep


def _where(frame: FrameType | None, line: int) -> str:
    if frame is None:
        return "an unknown place (no caller outside activerecord)"
    return f"{frame.f_code.co_filename}:{line} in {frame.f_code.co_name}"


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - a dead connection may fail to close; it is gone anyway
        pass
