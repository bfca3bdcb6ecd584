"""Instrumentation: named events, their subscribers, and the ``activerecord.sql`` log.

``subscribe(name, fn)`` registers ``fn(name, payload)``; ``instrument(name, payload)``
calls every subscriber of ``name`` in the order they subscribed. It is the shape of
Rails' ``ActiveSupport::Notifications`` (``"sql.active_record"``) and SQLAlchemy's
``before/after_cursor_execute``; docs/architecture.md ("Events") lists the events:

``"sql"``
    Sent by the Database after each statement ran (or failed), with the payload keys
    ``sql`` (the text as sent, in the dialect's placeholders), ``params``, ``database``
    (the Database's name), ``read`` (an ORM-built read that may be retried), ``kind``
    (``"query"``; ``"transaction"`` for BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE;
    ``"schema"`` for the catalog reads of introspection), ``duration`` (seconds, a
    float) and ``exception`` (the driver's exception, or ``None``).

Nothing is measured or built when nobody listens: the emitter asks
``channel(name).subscribers`` (an attribute holding a tuple, empty by default) before it
reads the clock. Subscribing and unsubscribing are thread-safe; they replace the tuple,
so an instrument call running at the same time sees the old or the new set, never a
torn one.

The ``activerecord.sql`` logger is one subscriber (:func:`log_sql`). It is subscribed
only while that logger is enabled for DEBUG, so a program that never turns it on pays
nothing per statement; ``logging.getLogger("activerecord.sql").setLevel(logging.DEBUG)``
(or a DEBUG root logger, ``basicConfig``, ``dictConfig``, ``logging.disable``) takes
effect at once, at any time. How: every level change made through :mod:`logging` clears
each logger's cache of "enabled for level" answers, so this module stands a watching
dict in for that cache of the ``activerecord.sql`` logger and re-checks the level when
it is cleared. Where the logger has no such cache (another Python implementation), the
subscriber stays subscribed and checks the level for each statement.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["Channel", "Subscriber", "channel", "subscribe", "unsubscribe", "subscribed",
           "instrument", "timed", "listening", "log_sql", "SQL"]

#: A subscriber: called as ``fn(name, payload)``; its return value is ignored.
Subscriber = Callable[[str, Mapping[str, Any]], Any]

_T = TypeVar("_T")
_clock = time.perf_counter
_lock = threading.Lock()
_channels: dict[str, Channel] = {}


class Channel:
    """One named event and its subscribers.

    Attributes:
        name: the event's name (``"sql"``).
        subscribers: a tuple of the subscribed functions, in subscription order (empty
            when nobody listens: emitters check it before building a payload).
    """

    __slots__ = ("name", "subscribers")

    def __init__(self, name: str):
        self.name = name
        self.subscribers: tuple[Subscriber, ...] = ()

    def __repr__(self) -> str:
        return f"<Channel {self.name!r} subscribers={len(self.subscribers)}>"


def channel(name: str) -> Channel:
    """Return the :class:`Channel` of event ``name`` (created empty at first use).

    Raises ValueError for an empty or non-string name."""
    ch = _channels.get(name)
    if ch is None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"an event name is a non-empty string, not {name!r}")
        with _lock:
            ch = _channels.setdefault(name, Channel(name))
    return ch


def subscribe(name: str, fn: Subscriber) -> Callable[[], bool]:
    """Call ``fn(name, payload)`` for every event ``name`` from now on.

    Returns the unsubscribe handle: calling it is :func:`unsubscribe(name, fn)
    <unsubscribe>`. A function subscribed twice is called twice.

    Raises TypeError when ``fn`` is not callable (before anything is subscribed).
    """
    if not callable(fn):
        raise TypeError(f"a subscriber of {name!r} must be callable, not {fn!r}")
    ch = channel(name)
    with _lock:
        ch.subscribers = (*ch.subscribers, fn)
    return lambda: unsubscribe(name, fn)


def unsubscribe(name: str, fn: Subscriber) -> bool:
    """Stop calling ``fn`` for event ``name`` (its latest subscription, when it
    subscribed more than once). Returns whether it was subscribed."""
    ch = channel(name)
    with _lock:
        subs = list(ch.subscribers)
        for i in range(len(subs) - 1, -1, -1):
            if subs[i] is fn or subs[i] == fn:
                del subs[i]
                ch.subscribers = tuple(subs)
                return True
    return False


@contextmanager
def subscribed(name: str, fn: Subscriber) -> Iterator[Subscriber]:
    """Subscribe ``fn`` to event ``name`` for the duration of the block; yield ``fn``."""
    unsubscribe_fn = subscribe(name, fn)
    try:
        yield fn
    finally:
        unsubscribe_fn()


def listening(name: str) -> bool:
    """Return whether event ``name`` has any subscriber."""
    return bool(channel(name).subscribers)


def instrument(name: str, payload: Mapping[str, Any]) -> None:
    """Call each subscriber of event ``name`` with ``(name, payload)``, in order.

    Every subscriber runs even when an earlier one raises; then the first exception
    is re-raised (the others are logged on the ``activerecord.events`` logger), as
    Rails' ``Fanout`` does. Does nothing when nobody listens.
    """
    subs = _channels[name].subscribers if name in _channels else ()
    if subs:
        _call_each(subs, name, payload)


def timed(name: str, payload: dict[str, Any], fn: Callable[..., _T], *args: Any) -> _T:
    """Return ``fn(*args)``, then instrument event ``name`` with ``payload`` plus
    ``duration`` (seconds, ``time.perf_counter``) and ``exception`` (what ``fn``
    raised, re-raised after the subscribers ran, or ``None``). Callers check
    ``channel(name).subscribers`` first, so that nobody listening costs nothing."""
    start = _clock()
    error: BaseException | None = None
    try:
        return fn(*args)
    except BaseException as exc:
        error = exc
        raise
    finally:
        payload["duration"] = _clock() - start
        payload["exception"] = error
        instrument(name, payload)


def _call_each(subs: tuple[Subscriber, ...], name: str, payload: Mapping[str, Any]) -> None:
    first: BaseException | None = None
    for fn in subs:
        try:
            fn(name, payload)
        except Exception as exc:  # noqa: BLE001 - the others still run; re-raised below
            if first is None:
                first = exc
            else:
                _events_log.exception("a subscriber of %r failed", name)
    if first is not None:
        raise first


#: The channel of the ``"sql"`` event (the Database's hot path reads it directly).
SQL = channel("sql")

# -- the activerecord.sql logger as a subscriber --------------------------------------
_sql_log = logging.getLogger("activerecord.sql")
_events_log = logging.getLogger("activerecord.events")


def log_sql(name: str, payload: Mapping[str, Any]) -> None:
    """The ``activerecord.sql`` logger's subscriber of ``"sql"``: logs ``sql params``
    at DEBUG (schema reads prefixed ``SCHEMA``), the line the Database always wrote."""
    if _sql_log.isEnabledFor(logging.DEBUG):
        if payload.get("kind") == "schema":
            _sql_log.debug("SCHEMA %s %r", payload["sql"], payload["params"])
        else:
            _sql_log.debug("%s %r", payload["sql"], payload["params"])


def _logger_wants_debug() -> bool:
    # The level alone (not ``disabled``, which dictConfig sets without clearing the
    # cache): a wrong "yes" costs a subscriber call, a wrong "no" would lose log lines.
    return (_sql_log.getEffectiveLevel() <= logging.DEBUG
            and _sql_log.manager.disable < logging.DEBUG)


def _sync_log_subscriber() -> None:
    wanted = _logger_wants_debug()
    with _lock:
        subs = SQL.subscribers
        if wanted and log_sql not in subs:
            SQL.subscribers = (*subs, log_sql)
        elif not wanted and log_sql in subs:
            SQL.subscribers = tuple(fn for fn in subs if fn is not log_sql)


class _LevelWatch(dict):
    """Stands in for the ``activerecord.sql`` logger's level cache: :mod:`logging`
    clears it on every level change anywhere, which is when the subscriber is synced."""

    def clear(self) -> None:
        super().clear()
        _sync_log_subscriber()


def _watch_logger() -> None:
    if isinstance(getattr(_sql_log, "_cache", None), dict):
        _sql_log._cache = _LevelWatch(_sql_log._cache)  # type: ignore[attr-defined]  # CPython
        _sync_log_subscriber()
    else:  # no level cache to watch: stay subscribed, log_sql checks the level itself
        subscribe("sql", log_sql)


_watch_logger()
