"""Instrumentation: named events, their subscribers, redaction and the ``activerecord.sql`` log.

``handle = subscribe(name, fn)`` calls ``fn(event)`` for every event ``name`` from then
on, with one frozen record (a dataclass below); ``handle.unsubscribe()`` stops it, and
the handle is a context manager that unsubscribes at the end of its block. It is the
shape of Rails' ``ActiveSupport::Notifications`` (``sql.active_record``,
``instantiation.active_record``, ``transaction.active_record``) with SQLAlchemy's
``after_cursor_execute`` information; docs/architecture.md ("Events") and
docs/instrumentation.md list the events:

``"sql"`` (:class:`SQLEvent`)
    after each statement ran, or failed: its text, its parameters (redacted), its
    duration in ms, the rowcount, the database's name and the user's line that sent it.
``"transaction"`` (:class:`TransactionEvent`)
    when an outermost transaction began, and when it committed or rolled back.
``"instantiation"`` (:class:`InstantiationEvent`)
    after a query's rows became records.
``"pool.checkout"`` (:class:`PoolCheckoutEvent`)
    after a connection was checked out of a pool, with how long it waited.

Nothing is measured or built when nobody listens: an emitter asks
``channel(name).subscribers`` (an attribute holding a tuple, empty by default) first.
Subscribing and unsubscribing are thread-safe; they replace the tuple, so an emit running
at the same time sees the old or the new set, never a torn one.

**Redaction.** A parameter is replaced by :data:`REDACTED` where it binds to a column
whose name contains (case-insensitively) ``password``, ``passwd``, ``secret``, ``token``,
``api_key`` or ``apikey``, or a fragment added with :func:`redact`: in the ORM's
statements (``INSERT`` column lists, ``SET col = ?``), hash conditions (``"col" = ?``,
``"col" IN (?, ?)``) and SQL written by hand (``WHERE password = ?``), because
:func:`redacted_params` reads the statement's text: each placeholder binds to the column
named last before it (a name followed by ``(`` is a function, not a column), and an
``INSERT``'s ``VALUES`` bind by position. The event's ``params``, the log lines and the
slow-query warnings carry only redacted values.

**The ``activerecord.sql`` logger** is one subscriber (:func:`log_sql`): every statement
at DEBUG with its duration in ms and its redacted parameters. It is subscribed only
while that logger is enabled for DEBUG, so a program that never turns it on pays
nothing per statement; ``logging.getLogger("activerecord.sql").setLevel(logging.DEBUG)``
(or a DEBUG root logger, ``basicConfig``, ``dictConfig``, ``logging.disable``) takes
effect at once. How: every level change made through :mod:`logging` clears each
logger's cache of "enabled for level" answers, so this module stands a watching dict in
for that cache of the ``activerecord.sql`` logger and re-checks the level when it is
cleared. Where the logger has no such cache (another Python implementation), the
subscriber stays subscribed and checks the level for each statement. Statements slower
than the Database's ``slow_query_ms`` are logged at WARNING by the Database itself
(:func:`log_slow`), whoever listens.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = ["Event", "SQLEvent", "TransactionEvent", "InstantiationEvent",
           "PoolCheckoutEvent", "SchemaChangedEvent", "Subscription", "Subscriber",
           "Channel", "channel",
           "subscribe", "unsubscribe", "subscribed", "instrument", "listening", "redact",
           "redacted_names", "is_sensitive", "redacted_params", "REDACTED", "log_sql",
           "log_slow", "SQL", "TRANSACTION", "INSTANTIATION", "POOL_CHECKOUT"]

#: A subscriber: called as ``fn(event)`` with the event's frozen record; its return
#: value is ignored.
Subscriber = Callable[[Any], Any]

#: What a redacted parameter is replaced by, in events and log lines.
REDACTED = "[REDACTED]"

_lock = threading.Lock()
_channels: dict[str, Channel] = {}


# -- the event records -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Event:
    """The base of every event record: ``name`` is the event's name (``"sql"``)."""

    name: str


@dataclass(frozen=True, slots=True)
class SQLEvent(Event):
    """One statement that ran (or failed): the ``"sql"`` event.

    Attributes:
        sql: the text as sent, in the dialect's placeholders (``?`` or ``%s``).
        params: the bound values (a tuple), redacted (:data:`REDACTED`) where they bind
            to a sensitive column (see the module's docstring).
        duration_ms: how long the driver took to run it and return its rows (ms).
        rowcount: the driver's rowcount (None when the statement failed).
        database: the Database's name (its URL without password, or ``name=``).
        caller: ``"path/to/file.py:123"``, the first frame outside activerecord (the
            user's line that sent it), or ``""`` when there is none.
        kind: ``"query"``; ``"transaction"`` for BEGIN/COMMIT/ROLLBACK/SAVEPOINT/
            RELEASE sent by the transaction machinery; ``"schema"`` for the catalog
            reads of introspection.
        read: whether it is an ORM-built read (retried once on a lost connection).
        exception: the translated error (``activerecord.errors``) when it failed.
    """

    sql: str
    params: tuple
    duration_ms: float
    rowcount: int | None
    database: str
    caller: str
    kind: str = "query"
    read: bool = False
    exception: BaseException | None = None


@dataclass(frozen=True, slots=True)
class TransactionEvent(Event):
    """An outermost transaction began (``outcome="begin"``, ``duration_ms`` 0) or
    ended: ``"commit"`` or ``"rollback"``, with ``duration_ms`` from its BEGIN to its
    end (Rails' ``transaction.active_record``). Savepoints send no event.

    Attributes:
        database: the Database's name.
        outcome: ``"begin"``, ``"commit"`` or ``"rollback"``.
        duration_ms: milliseconds since the transaction began (0 for ``"begin"``).
        caller: the user's line, as in :class:`SQLEvent`.
    """

    database: str
    outcome: str
    duration_ms: float
    caller: str = ""


@dataclass(frozen=True, slots=True)
class InstantiationEvent(Event):
    """A query's rows became records (Rails' ``instantiation.active_record``).

    Attributes:
        model: the model class's name.
        record_count: how many records were built.
        duration_ms: how long building them took (ms), callbacks included.
    """

    model: str
    record_count: int
    duration_ms: float


@dataclass(frozen=True, slots=True)
class PoolCheckoutEvent(Event):
    """A connection was checked out of a pool.

    Attributes:
        database: the pool's database (its description: URL without password).
        wait_ms: how long the checkout took (ms): waiting for a free connection,
            opening a new one or pinging an idle one.
        in_use: connections checked out after this one, this one included.
        size: the pool's size.
    """

    database: str
    wait_ms: float
    in_use: int
    size: int


@dataclass(frozen=True, slots=True)
class SchemaChangedEvent(Event):
    """A migration or schema editor changed tables (``"schema_changed"``): loaded
    models reading them forget their columns.

    Attributes:
        database: the Database object whose schema changed.
        tables: the names of the changed tables (empty: any table may have changed).
    """

    database: Any
    tables: tuple[str, ...]


# -- channels and subscriptions ----------------------------------------------------
class Channel:
    """One named event and its subscribers.

    Attributes:
        name: the event's name (``"sql"``).
        subscribers: a tuple of the subscribed functions, in subscription order (empty
            when nobody listens: emitters check it before building a record).
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


class Subscription:
    """The handle :func:`subscribe` returns.

    ``unsubscribe()`` stops the calls (True the first time, False after); the handle is
    also a context manager whose block ends the subscription, and calling it is
    ``unsubscribe()``.

    Attributes:
        name: the event's name.
        fn: the subscriber.
    """

    __slots__ = ("name", "fn", "_active")

    def __init__(self, name: str, fn: Subscriber):
        self.name = name
        self.fn = fn
        self._active = True

    def unsubscribe(self) -> bool:
        """Stop calling :attr:`fn`; return whether this handle was still subscribed."""
        if not self._active:
            return False
        self._active = False
        return unsubscribe(self.name, self.fn)

    __call__ = unsubscribe

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.unsubscribe()

    def __repr__(self) -> str:
        state = "active" if self._active else "ended"
        return f"<Subscription {self.name!r} {self.fn!r} {state}>"


def subscribe(name: str, fn: Subscriber) -> Subscription:
    """Call ``fn(event)`` for every event ``name`` from now on; return the
    :class:`Subscription` (``.unsubscribe()``, or use it as a context manager). A
    function subscribed twice is called twice.

    Raises TypeError when ``fn`` is not callable, ValueError for an empty name (before
    anything is subscribed).
    """
    if not callable(fn):
        raise TypeError(f"a subscriber of {name!r} must be callable, not {fn!r}")
    ch = channel(name)
    with _lock:
        ch.subscribers = (*ch.subscribers, fn)
    return Subscription(name, fn)


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
    with subscribe(name, fn):
        yield fn


def listening(name: str) -> bool:
    """Return whether event ``name`` has any subscriber."""
    return bool(channel(name).subscribers)


def instrument(name: str, event: Any) -> None:
    """Call each subscriber of event ``name`` with ``event``, in order.

    Every subscriber runs even when an earlier one raises; then the first exception
    is re-raised (the others are logged on the ``activerecord.events`` logger), as
    Rails' ``Fanout`` does. Does nothing when nobody listens.
    """
    ch = _channels.get(name)
    subs = ch.subscribers if ch is not None else ()
    if subs:
        _call_each(subs, name, event)


def _call_each(subs: tuple[Subscriber, ...], name: str, event: Any) -> None:
    first: BaseException | None = None
    for fn in subs:
        try:
            fn(event)
        except Exception as exc:  # noqa: BLE001 - the others still run; re-raised below
            if first is None:
                first = exc
            else:
                _events_log.exception("a subscriber of %r failed", name)
    if first is not None:
        raise first


#: The channel of the ``"sql"`` event (the Database's hot path reads its subscribers).
SQL = channel("sql")
#: The channel of the ``"transaction"`` event.
TRANSACTION = channel("transaction")
#: The channel of the ``"instantiation"`` event.
INSTANTIATION = channel("instantiation")
#: The channel of the ``"pool.checkout"`` event.
POOL_CHECKOUT = channel("pool.checkout")


# -- redaction -----------------------------------------------------------------------
_SENSITIVE: list[str] = ["password", "passwd", "secret", "token", "api_key", "apikey"]
_positions: dict[str, frozenset[int]] = {}  # sql text -> indexes of redacted parameters
_POSITIONS_KEPT = 4096

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^']|'')*')
  | (?P<name>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
  | (?P<ph>\?|%s|%\(\w+\)s)
  | (?P<pct>%%)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<other>.)
""", re.X | re.S)
#: Words after which a placeholder no longer binds to the column named before them.
_RESET = frozenset("""WHERE AND OR SET ON LIMIT OFFSET ORDER GROUP BY HAVING SELECT FROM
    JOIN VALUES WHEN THEN ELSE END CASE RETURNING UNION INTO UPDATE DELETE INSERT FETCH
    FOR USING WITH""".split())
#: Words that name no column (operators and literals between a column and its value).
_KEYWORDS = frozenset("""NOT IN LIKE ILIKE IS NULL ESCAPE COLLATE DISTINCT AS ASC DESC
    TRUE FALSE ANY ALL SOME EXISTS BINARY GLOB REGEXP SIMILAR TO BETWEEN NOCASE""".split())


def redact(*names: str) -> None:
    """Also redact the values bound to columns whose name contains any of ``names``
    (case-insensitively), from the next statement on, in events and log lines.

    Raises ValueError for an empty name, TypeError for a non-string (nothing added)."""
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"redact() takes column-name fragments (str), not {name!r}")
        if not name.strip():
            raise ValueError("redact() takes non-empty column-name fragments")
    with _lock:
        for name in names:
            if name.lower() not in _SENSITIVE:
                _SENSITIVE.append(name.lower())
        _positions.clear()


def redacted_names() -> tuple[str, ...]:
    """The column-name fragments whose values are redacted (lowercase)."""
    return tuple(_SENSITIVE)


def is_sensitive(column: str) -> bool:
    """Whether values bound to ``column`` are redacted (its name, unquoted, contains a
    fragment of :func:`redacted_names`, case-insensitively)."""
    low = column.lower()
    return any(fragment in low for fragment in _SENSITIVE)


def redacted_params(sql: str, params: Sequence[Any]) -> tuple:
    """Return ``params`` as a tuple with :data:`REDACTED` in place of each value bound
    to a sensitive column of ``sql`` (see the module's docstring); the positions are
    worked out once per statement text."""
    positions = _positions.get(sql)
    if positions is None:
        positions = _sensitive_positions(sql)
        if len(_positions) >= _POSITIONS_KEPT:
            _positions.clear()
        _positions[sql] = positions
    if not positions:
        return tuple(params)
    return tuple(REDACTED if i in positions else v for i, v in enumerate(params))


def _unquote(text: str) -> str:
    return text[1:-1] if text[:1] in "\"`[" else text


def _sensitive_positions(sql: str) -> frozenset[int]:
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(sql) if m.lastgroup != "ws"]
    columns, first, last_col = _insert_columns(tokens)
    found: set[int] = set()
    index = 0          # the placeholder's position among the parameters
    last = None        # the column named last (None after a resetting word)
    between = False    # inside "BETWEEN ? AND ?": that AND resets nothing
    depth = 0
    mode = ""          # "values"/"select": an INSERT's rows, bound by position
    slot = 0
    for i, (kind, text) in enumerate(tokens):
        if first <= i <= last_col:
            continue  # the INSERT's column list
        if i == last_col + 1 and columns:
            mode, slot = "pending", 0
        if kind == "ph":
            column = columns[slot] if mode in ("values", "select") and columns \
                and slot < len(columns) else last
            if column is not None and is_sensitive(column):
                found.add(index)
            index += 1
        elif kind == "open":
            depth += 1
            if mode == "values" and depth == 1:
                slot = 0
        elif kind == "close":
            depth -= 1
        elif kind == "comma" and (mode == "values" and depth == 1 or
                                  mode == "select" and depth == 0):
            slot += 1
        elif kind == "word":
            mode, last, between = _word(text.upper(), tokens, i, mode, depth, last, between)
        elif kind == "name" and not _is_call(tokens, i):
            last = _unquote(text)
    return frozenset(found)


def _word(upper: str, tokens: list, i: int, mode: str, depth: int, last: str | None,
          between: bool) -> tuple[str, str | None, bool]:
    # A word's effect on the scan: (mode, the column named last, inside BETWEEN).
    if mode == "pending":
        mode = {"VALUES": "values", "SELECT": "select"}.get(upper, "")
    elif depth == 0 and (mode == "values" and upper != "VALUES"
                         or mode == "select" and upper in _RESET):
        mode = ""
    if upper == "BETWEEN":
        return mode, last, True
    if upper == "AND" and between:
        return mode, last, False
    if upper in _RESET:
        return mode, None, between
    if upper not in _KEYWORDS and not _is_call(tokens, i):
        return mode, tokens[i][1], between
    return mode, last, between


def _is_call(tokens: list, i: int) -> bool:
    return i + 1 < len(tokens) and tokens[i + 1][0] == "open"


def _insert_columns(tokens: list) -> tuple[list[str] | None, int, int]:
    # An INSERT/REPLACE's column list (also after a WITH's CTEs) and the indexes of
    # its "(" and ")", or (None, -1, -2).
    depth = 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and text.upper() in ("INSERT", "REPLACE"):
            for j in range(i + 1, len(tokens)):
                if tokens[j][0] == "open":
                    names: list[str] = []
                    for k in range(j + 1, len(tokens)):
                        kind_k, text_k = tokens[k]
                        if kind_k == "close":
                            return names, j, k
                        if kind_k in ("name", "word"):
                            names.append(_unquote(text_k))
                    break
                if tokens[j][0] == "word" and tokens[j][1].upper() in (
                        "VALUES", "SELECT", "DEFAULT"):
                    break
            break
    return None, -1, -2


# -- the activerecord.sql logger -----------------------------------------------------
_sql_log = logging.getLogger("activerecord.sql")
_events_log = logging.getLogger("activerecord.events")


def log_sql(event: SQLEvent) -> None:
    """The ``activerecord.sql`` logger's subscriber of ``"sql"``: logs
    ``(1.23 ms) SQL [params]`` at DEBUG (catalog reads prefixed ``SCHEMA``), with the
    redacted parameters and, for a failed statement, its error class."""
    if _sql_log.isEnabledFor(logging.DEBUG):
        prefix = "SCHEMA " if event.kind == "schema" else ""
        failed = f" -> {type(event.exception).__name__}" if event.exception else ""
        _sql_log.debug("(%.2f ms) %s%s %r%s", event.duration_ms, prefix, event.sql,
                       list(event.params), failed)


def log_slow(event: SQLEvent, threshold_ms: float) -> None:
    """Log a statement slower than ``threshold_ms`` at WARNING on ``activerecord.sql``:
    its duration, text, redacted parameters, database and caller. It is reported only,
    never run again."""
    _sql_log.warning("slow query (%.1f ms, over slow_query_ms=%g) on %s at %s: %s %r",
                     event.duration_ms, threshold_ms, event.database,
                     event.caller or "?", event.sql, list(event.params))


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
