"""The :class:`Database`: one configured database, its pool, its transactions.

A Database owns an adapter (chosen by URL scheme), a lazily created connection pool,
the schema cache and the transaction state. Connections are checked out per statement
or per transaction and returned at once. The open transaction of the current thread or
async task lives in a ``contextvars.ContextVar``, so each thread (and each task) has its
own and an async adapter can later reuse the same machinery.

``activerecord.connect()`` registers a Database by name; the last one connected without
``name=`` is the default that models use (see :func:`connect`).
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import os
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ..errors import ConfigurationError, ConnectionNotEstablished
from ..sql import nodes as n
from ..sql.compiler import Compiler
from .features import Features
from .registry import adapter_class_for, known_schemes
from .schema_cache import SchemaCache
from .url import parse_url

__all__ = ["Database", "Result", "connect", "get_database", "databases", "set_default_database"]

log = logging.getLogger("activerecord.sql")

_databases: dict[str, "Database"] = {}
_default: list = [None]
_registry_lock = threading.Lock()
_ids = itertools.count(1)
#: Bumped whenever the default or a registered name changes: a model's cached schema
#: remembers the value it was resolved at and re-resolves its database when it moved.
_epoch = [0]


class Result:
    """What a statement returned: ``rows`` (list of tuples, empty for writes),
    ``columns`` (names, or ``None`` when no result set), ``rowcount`` and ``lastrowid``."""

    __slots__ = ("rows", "columns", "rowcount", "lastrowid")

    def __init__(self, rows, columns, rowcount, lastrowid):
        self.rows = rows
        self.columns = columns
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def __repr__(self) -> str:
        return f"<Result rows={len(self.rows)} rowcount={self.rowcount}>"


class _Level:
    """One level of an open transaction (the outer transaction or one savepoint): the
    records written in it, each with its state when first written at this level, and
    the callbacks to run after the outer COMMIT."""

    __slots__ = ("callbacks", "records")

    def __init__(self):
        self.records: dict = {}  # id(record) -> (record, its remembered state)
        self.callbacks: list = []

    def absorb(self, child: "_Level") -> None:
        # A released savepoint hands its records and callbacks to its parent; a
        # record already written here keeps the parent's (earlier) state.
        for key, entry in child.records.items():
            self.records.setdefault(key, entry)
        self.callbacks.extend(child.callbacks)

    def restore(self) -> None:
        # Rolled back: every record written at this level gets its state back. This
        # runs while the rollback's cause propagates: a failure is logged, not raised
        # over it.
        for record, state in reversed(list(self.records.values())):
            try:
                record._restore_transaction_record_state(state)
            except Exception:  # never mask the error being propagated
                log.exception("could not restore the state of %r after a rollback", record)


class _Tx:
    """The open transaction of one thread or task (kept in ``Database._tx``, a
    ContextVar): its pinned connection and a stack of levels, the outer transaction
    first, then one per open savepoint (Rails' TransactionManager, Django's
    savepoint-aware ``on_commit``)."""

    __slots__ = ("conn", "levels")

    def __init__(self, conn):
        self.conn = conn
        self.levels: list[_Level] = [_Level()]

    @property
    def depth(self) -> int:
        """The number of open savepoints."""
        return len(self.levels) - 1

    def release(self) -> None:
        """The innermost savepoint was released: its parent level takes its state."""
        child = self.levels.pop()
        self.levels[-1].absorb(child)

    def roll_back(self, outer: bool = False) -> None:
        """The innermost savepoint (or, with ``outer``, the whole transaction) was
        rolled back: restore the records written there and drop its callbacks."""
        while self.levels:
            level = self.levels.pop()
            level.callbacks.clear()
            level.restore()
            if not outer:
                return


class Database:
    """A database reached through one adapter and one pool.

    Args:
        url: ``scheme://...`` (see ``activerecord.connection.url``); default
            ``$DATABASE_URL``.
        pool_size: most connections open at once (default 5).
        pool_timeout: seconds a checkout waits before ``ConnectionTimeoutError``.
        name: a name for :func:`get_database` (default: the URL without password).
        **options: passed to the adapter (``ping_interval``, ``pool_recycle``, driver
            options such as ``connect_timeout``).

    Raises:
        ConfigurationError: no URL, a malformed one, or an unknown scheme.
    """

    def __init__(self, url: str | None = None, *, pool_size: int = 5,
                 pool_timeout: float = 5.0, name: str | None = None, **options: Any):
        url = url or os.environ.get("DATABASE_URL")
        if not url:
            raise ConfigurationError(
                "no database URL: pass one to connect() or set DATABASE_URL "
                f"(known schemes: {', '.join(known_schemes())})")
        self.config = parse_url(url, known_schemes())
        options.update(pool_size=pool_size, pool_timeout=pool_timeout)
        self.adapter = adapter_class_for(self.config.scheme)(self.config, options)
        self.dialect = self.adapter.dialect
        self.name = name or self.config.safe_url()
        self.schema_cache = SchemaCache(self._introspect_table)
        self._pool = None
        self._compiler: Compiler | None = None
        self._lock = threading.Lock()
        self._tx: contextvars.ContextVar[_Tx | None] = contextvars.ContextVar(
            f"activerecord_tx_{next(_ids)}", default=None)
        self._closed = False

    def __repr__(self) -> str:
        return f"<Database {self.name}>"

    # -- pool and features ---------------------------------------------------------
    def _ready(self):
        if self._pool is None:
            with self._lock:
                if self._closed:
                    raise ConnectionNotEstablished(f"database {self.name} is disconnected")
                if self._pool is None:
                    pool = self.adapter.create_pool()
                    conn = pool.checkout()
                    try:
                        features = self.adapter.detect_features(conn)
                    finally:
                        pool.checkin(conn)
                    self.adapter.features = features
                    self.dialect.features = features
                    self._compiler = getattr(self.adapter, "compiler_class", Compiler)(self.dialect)
                    self._pool = pool
        return self._pool

    @property
    def features(self) -> Features:
        """The server's :class:`Features` (connects on first use)."""
        self._ready()
        return self.adapter.features

    @property
    def compiler(self) -> Compiler:
        """The SQL compiler for this database's dialect (connects on first use)."""
        if self._compiler is None:
            self._ready()
        return self._compiler

    @property
    def pool(self):
        """The connection pool (created and connected on first use)."""
        return self._ready()

    def disconnect(self) -> None:
        """Close every pooled connection. Later use opens new ones."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def close(self) -> None:
        """Disconnect and refuse further use (``ConnectionNotEstablished``)."""
        self._closed = True
        self.disconnect()

    # -- statements ----------------------------------------------------------------
    def compile(self, node: n.Node) -> tuple[str, list]:
        """Return ``(sql, params)`` for a node tree, in this database's dialect."""
        return self.compiler.compile(node)

    def execute(self, sql: str, params: tuple | list = ()) -> Result:
        """Run a SQL string written with ``?`` placeholders; values stay bound.

        Returns a :class:`Result`. Raises the ``activerecord.errors`` translation of
        any driver error (e.g. ``ProgrammingError``, ``RecordNotUnique``).
        """
        compiled, bound = self.compile(n.Raw(sql, tuple(params)))
        return self.run(compiled, bound)

    def run(self, sql: str, params: list | tuple = (), *, read: bool = False) -> Result:
        """Run already compiled SQL (dialect placeholders) and return a :class:`Result`.

        ``read=True`` marks an idempotent read the ORM built itself: when it fails
        because the connection was lost outside a transaction, it is retried once on
        a fresh connection (as Rails 7.1 does). Writes are never retried.

        Raises ProgrammingError, before sending anything, when ``params`` hold more
        values than one statement may carry (``features.max_parameters``), naming the
        limit and the count: PostgreSQL's driver would fail as if the connection were
        lost, SQLite's with "too many SQL variables". The ORM chunks the lists it
        builds itself (``find``, ``delete``, ``insert_all``) below the limit.
        """
        tx = self._tx.get()
        pool = None if tx is not None else (self._pool or self._ready())
        limit = self.adapter.features.max_parameters
        if len(params) > limit:
            from ..errors import ProgrammingError
            raise ProgrammingError(
                f"the statement has {len(params)} bound parameters; {self.adapter.name} "
                f"takes at most {limit} in one statement (features.max_parameters): "
                "split the values over several statements, or select them from a table",
                sql=sql, params=None)
        if tx is not None:
            return self._run_on(tx.conn, sql, params, in_tx=True)
        attempts = 2 if read else 1
        for attempt in range(attempts):
            conn = pool.checkout()
            broken = False
            try:
                return self._run_on(conn, sql, params, in_tx=False)
            except _Disconnected as exc:
                broken = True
                if attempt + 1 >= attempts:
                    raise exc.error from exc.error.__cause__
            finally:
                pool.checkin(conn, broken)
        raise AssertionError("unreachable")

    def _run_on(self, conn, sql, params, in_tx) -> Result:
        adapter = self.adapter
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %r", sql, params)
        try:
            cur = adapter.execute(conn, sql, params)
            desc = cur.description
            rows = cur.fetchall() if desc is not None else []
            result = Result(rows, [d[0] for d in desc] if desc else None,
                            cur.rowcount, adapter.last_insert_id(cur))
            cur.close()
            return result
        except adapter.driver_errors as exc:
            err = adapter.translate_error(exc, sql, params)
            if adapter.is_disconnect(exc):
                err.__cause__ = exc
                if in_tx:
                    raise err from exc
                raise _Disconnected(err) from exc
            raise err from exc

    def select_rows(self, node: n.Node) -> list[tuple]:
        """Compile and run a SELECT built by the ORM; return its rows (retried once
        on a lost connection outside a transaction)."""
        sql, params = self.compiler.compile(node)
        return self.run(sql, params, read=True).rows

    # -- transactions --------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        """Whether the current thread/task has an open transaction on this database."""
        return self._tx.get() is not None

    @contextmanager
    def transaction(self, requires_new: bool = True) -> Iterator[None]:
        """Run the block in a transaction: COMMIT on success, ROLLBACK on any
        exception (re-raised). Nested blocks become savepoints (``requires_new=True``,
        the default) or join the open transaction (``requires_new=False``, what
        ``save()`` uses, as Rails does).

        A rollback (of a savepoint or of the whole transaction) gives every record
        written at that level its state back (see :meth:`add_transaction_record`) and
        drops the :meth:`after_commit` callbacks registered there. The state lives in
        a ContextVar: each thread and each task has its own transaction (a task created
        inside an open transaction shares it, as contextvars copy the context).
        """
        tx = self._tx.get()
        if tx is None:
            yield from self._outer_transaction()
        elif requires_new and self.features.supports_savepoints:
            yield from self._savepoint(tx)
        else:
            yield

    def _outer_transaction(self):
        pool = self._pool or self._ready()
        conn = pool.checkout()
        broken = False
        tx = _Tx(conn)
        token = self._tx.set(tx)
        try:
            try:
                self._run_on(conn, self.dialect.begin_sql, (), in_tx=True)
            except BaseException as exc:
                broken = self.adapter.is_disconnect(exc.__cause__ or exc)
                raise
            try:
                yield
            except BaseException:
                broken = not self._quiet(conn, self.dialect.rollback_sql)
                tx.roll_back(outer=True)
                raise
            try:
                self._run_on(conn, self.dialect.commit_sql, (), in_tx=True)
            except BaseException as exc:
                broken = self.adapter.is_disconnect(exc.__cause__ or exc) or \
                    not self._quiet(conn, self.dialect.rollback_sql)
                tx.roll_back(outer=True)
                raise
        finally:
            self._tx.reset(token)
            pool.checkin(conn, broken)
        for callback in tx.levels[0].callbacks:
            callback()

    def _savepoint(self, tx: _Tx):
        tx.levels.append(_Level())
        name = f"active_record_{tx.depth}"
        try:
            self._run_on(tx.conn, self.dialect.savepoint(name), (), in_tx=True)
        except BaseException:
            tx.levels.pop()  # never opened: nothing was written at this level
            raise
        try:
            yield
        except BaseException:
            self._quiet(tx.conn, self.dialect.rollback_to_savepoint(name))
            self._quiet(tx.conn, self.dialect.release_savepoint(name))
            tx.roll_back()
            raise
        try:
            self._run_on(tx.conn, self.dialect.release_savepoint(name), (), in_tx=True)
        finally:
            tx.release()  # even when RELEASE failed: the outer rollback restores them

    def _quiet(self, conn, sql) -> bool:
        # Rollback after a failure: the connection may be dead; report, don't mask.
        try:
            self._run_on(conn, sql, (), in_tx=True)
            return True
        except Exception:  # noqa: BLE001
            log.debug("ignored failure of %s", sql, exc_info=True)
            return False

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Call ``callback()`` after the current transaction commits (at once if none).

        A callback registered inside a savepoint that is rolled back is dropped, and
        so are all of them when the transaction rolls back (Rails' ``after_commit``,
        Django's ``on_commit``).
        """
        tx = self._tx.get()
        if tx is None:
            callback()
        else:
            tx.levels[-1].callbacks.append(callback)

    def add_transaction_record(self, record: Any) -> None:
        """Remember that ``record`` is written in the current transaction level, so a
        rollback can give it back its state (Rails' ``add_transaction_record``).

        Outside a transaction this does nothing. The first time a record is added at
        a level, ``record._remember_transaction_record_state()`` is called and its
        result kept; when that level (a savepoint, or the whole transaction) is rolled
        back, ``record._restore_transaction_record_state(state)`` is called. A released
        savepoint hands its records to the enclosing level (which keeps its own,
        earlier state of a record written in both); a commit forgets them. The model
        layer implements both methods (``activerecord/transactions.py``).
        """
        tx = self._tx.get()
        if tx is not None:
            records = tx.levels[-1].records
            if id(record) not in records:
                records[id(record)] = (record, record._remember_transaction_record_state())

    # -- schema --------------------------------------------------------------------
    def _introspect_table(self, table: str):
        tx = self._tx.get()
        if tx is not None:
            return self.adapter.introspector.table_info(tx.conn, table)
        return self._with_checkout(lambda conn: self.adapter.introspector.table_info(conn, table))

    def _with_checkout(self, fn):
        # Catalog reads are ORM-built reads: retried once on a fresh connection when
        # the first one turns out to be dead; errors are translated.
        pool = self._ready()
        for attempt in (1, 2):
            conn = pool.checkout()
            broken = False
            try:
                return fn(conn)
            except self.adapter.driver_errors as exc:
                broken = self.adapter.is_disconnect(exc)
                if broken and attempt == 1:
                    continue
                raise self.adapter.translate_error(exc) from exc
            finally:
                pool.checkin(conn, broken)

    def table_info(self, table: str):
        """Return the cached :class:`TableInfo` of ``table``, or ``None`` if missing."""
        return self.schema_cache.get(table)

    def table_names(self) -> list[str]:
        """Return the names of the user tables in this database, sorted."""
        return self._with_checkout(self.adapter.introspector.table_names)


class _Disconnected(Exception):
    """Internal: a statement failed because the connection died (carries the
    translated error)."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


# -- the default database and named databases ---------------------------------------
def connect(url: str | None = None, *, name: str | None = None,
            default: bool | None = None, **options: Any) -> Database:
    """Create (or reuse) a :class:`Database`, register it and return it.

    Args:
        url: ``scheme://...``; default ``$DATABASE_URL``.
        name: the name models give as ``database = "name"`` and :func:`get_database`
            takes; default the URL without its password.
        default: ``True`` makes it the default database, ``False`` never does; ``None``
            (the default) makes a connect *without* ``name=`` the default -- the last
            one wins, as Rails' ``ActiveRecord::Base.establish_connection`` does -- and a
            named one only when there is no (open) default yet.
        **options: see :class:`Database` (``pool_size``, ``pool_timeout``, ...).

    A second connect under a name already registered (the same URL without ``name=``
    is the same name) reuses the registered Database, pool and all, when URL and
    options are equal; otherwise the old one is closed and replaced (and when it was
    the default, the new one is). Rails' ``ConnectionHandler#establish_connection``
    does the same: an equal config keeps its pool, another removes it. Models
    without a ``database`` attribute follow the default from their next query on.

    Raises:
        ConfigurationError: no URL, a malformed one, or an unknown scheme (nothing is
            registered then). Nothing connects until the first query.
    """
    db = Database(url, name=name, **options)
    with _registry_lock:
        old = _databases.get(db.name)
        replaced = None
        if old is not None and not old._closed and _same_setup(old, db):
            db = old
        else:
            replaced = old if old is not None and not old._closed else None
            _databases[db.name] = db
        current = _default[0]
        if default is None:
            default = name is None or current is None or current._closed
        if default or (replaced is not None and current is replaced):
            _default[0] = db
        _epoch[0] += 1  # models re-resolve their database at their next use
    if replaced is not None:
        replaced.close()
    return db


def _same_setup(a: Database, b: Database) -> bool:
    return a.config == b.config and a.adapter.options == b.adapter.options


def get_database(name: str | None = None) -> Database:
    """Return the database registered as ``name``, or the default one.

    Without a default, ``$DATABASE_URL`` (when set) is connected and becomes it.

    Raises:
        ConnectionNotEstablished: nothing was connected, no such name, or the database
            was closed (``Database.close()``), naming what is connected.
    """
    if name is None:
        db = _default[0]
        if db is None and os.environ.get("DATABASE_URL"):
            db = connect()
        if db is None:
            raise ConnectionNotEstablished(
                "no database connected: call activerecord.connect(url) or set DATABASE_URL")
        if db._closed:
            raise ConnectionNotEstablished(
                f"the default database {db.name} was closed: connect() or "
                f"set_default_database() another; connected: {_open_names()}")
        return db
    db = _databases.get(name)
    if db is None or db._closed:
        state = "was closed" if db is not None else "is not connected"
        raise ConnectionNotEstablished(
            f"database {name!r} {state}; connected: {_open_names()}") from None
    return db


def _open_names() -> str:
    return ", ".join(sorted(k for k, v in _databases.items() if not v._closed)) or "none"


def set_default_database(db: "Database | str | None") -> None:
    """Make ``db`` (a :class:`Database`, or the name of a registered one) the database
    that models without a ``database`` attribute use, from their next query on;
    ``None`` forgets the default. A Database is registered under its ``name``
    (replacing the entry, which is not closed: the caller owns both objects).

    Raises:
        ConnectionNotEstablished: ``db`` is a name that is not registered or closed.
    """
    if isinstance(db, str):
        db = get_database(db)
    with _registry_lock:
        moved = _default[0] is not db
        if db is not None and _databases.get(db.name) is not db:
            _databases[db.name] = db
            moved = True
        if moved:
            _default[0] = db
            _epoch[0] += 1


def databases() -> dict[str, Database]:
    """Return the registered, open databases by name (closed ones are left out)."""
    return {k: v for k, v in _databases.items() if not v._closed}
