"""The :class:`Database`: one configured database, its adapter and its pool.

A Database owns an adapter (chosen by URL scheme), a lazily created connection pool,
the compiler of its dialect and the schema cache. Connections are checked out per
statement or per transaction and returned at once. :meth:`Database.run` sends compiled
SQL (retrying an ORM-built read once on a lost connection), translates driver errors
and reports each statement as the ``"sql"`` event (``activerecord.events``).

The transaction machinery (``BEGIN``/``COMMIT``, savepoints, the records and callbacks
of each level) lives in ``transaction.py``, and the registry of named databases
(``connect``, ``get_database``, ``set_default_database``) in ``handling.py``; see
docs/architecture.md ("Connections and transactions").
"""

from __future__ import annotations

import contextvars
import dataclasses
import math
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from .. import events
from ..errors import ConfigurationError, ConnectionNotEstablished, DatabaseError, ProgrammingError
from ..sql import nodes as n
from ..sql.compiler import Compiler
from .features import Features
from .introspection import TableInfo
from .pool import Pool, caller
from .registry import adapter_class_for, known_schemes
from .schema_cache import SchemaCache
from .scope import ConnectionScope, HeldConnection
from .transaction import TransactionManager, doomed_error, released_error
from .url import parse_url

__all__ = ["Database", "Result", "SchemaCacheWarning", "SCHEMA_VERSIONS"]

#: The table of applied migration versions (Rails' ``schema_migrations``).
SCHEMA_VERSIONS = "schema_migrations"


class SchemaCacheWarning(UserWarning):
    """A schema cache file was not used: its version is not the database's, or it
    cannot be read (``connect(url, schema_cache=path)``)."""

_SQL = events.SQL
_clock = time.perf_counter


class Result:
    """What a statement returned: ``rows`` (list of tuples, empty for writes),
    ``columns`` (names, or ``None`` when no result set), ``rowcount`` and ``lastrowid``."""

    __slots__ = ("rows", "columns", "rowcount", "lastrowid")

    def __init__(self, rows: list[tuple], columns: list[str] | None, rowcount: int,
                 lastrowid: Any):
        self.rows = rows
        self.columns = columns
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def __repr__(self) -> str:
        return f"<Result rows={len(self.rows)} rowcount={self.rowcount}>"


class Database:
    """A database reached through one adapter and one pool.

    Args:
        url: ``scheme://...`` (see ``activerecord.connection.url``); default
            ``$DATABASE_URL``.
        pool_size: most connections open at once (default: the URL's
            ``?pool_size=``, else 5).
        pool_timeout: seconds a checkout waits before ``ConnectionTimeoutError``
            (default: the URL's ``?pool_timeout=``, else 5).
        name: a name for :func:`get_database` (default: the URL without password).
        slow_query_ms: statements slower than this many milliseconds are logged at
            WARNING on ``activerecord.sql`` with their redacted parameters (reported,
            never run again); default the URL's ``?slow_query_ms=``, else 500; ``0``
            or ``None`` turns it off.
        schema_cache: the path of a schema cache file (``db/schema_cache.json``,
            written by ``activerecord schema cache dump``): at the first connection its
            tables fill the schema cache, so models boot without reading the catalogs,
            when its version is the database's latest applied migration; otherwise it
            is ignored with a warning (:class:`SchemaCacheWarning`). Rails'
            ``config.active_record.use_schema_cache_dump``.
        **options: passed to the adapter (``ping_interval``, ``pool_recycle``, driver
            options such as ``connect_timeout``).

    Raises:
        ConfigurationError: no URL, a malformed one, or an unknown scheme.
    """

    def __init__(self, url: str | None = None, *, pool_size: int | None = None,
                 pool_timeout: float | None = None, name: str | None = None,
                 schema_cache: str | None = None, slow_query_ms: float | None = -1.0,
                 **options: Any):
        url = url or os.environ.get("DATABASE_URL")
        if not url:
            raise ConfigurationError(
                "no database URL: pass one to connect() or set DATABASE_URL "
                f"(known schemes: {', '.join(known_schemes())})")
        config = parse_url(url, known_schemes())
        # The pool's settings may come in the URL (``?pool_size=10&pool_timeout=2``,
        # as a DATABASE_URL carries them); a keyword wins. The driver never sees them.
        query = dict(config.query)
        pool_size = _pool_option(query, "pool_size", pool_size, int, 5)
        pool_timeout = _pool_option(query, "pool_timeout", pool_timeout, float, 5.0)
        slow = query.pop("slow_query_ms", None)
        if slow_query_ms is not None and slow_query_ms < 0:
            slow_query_ms = _slow_option(slow)
        #: Milliseconds over which a statement is logged as slow (None: never).
        self.slow_query_ms: float | None = slow_query_ms or None
        self._slow_s = slow_query_ms / 1000.0 if slow_query_ms else math.inf
        self.config = dataclasses.replace(config, query=query)
        options.update(pool_size=pool_size, pool_timeout=pool_timeout)
        self.adapter = adapter_class_for(self.config.scheme)(self.config, options)
        self.dialect = self.adapter.dialect
        self.name = name or self.config.safe_url()
        self.adapter.introspector.database_name = self.name
        self.schema_cache = SchemaCache(self._introspect_table)
        self.schema_cache_file = schema_cache
        self._pool: Pool | None = None
        self._compiler: Compiler | None = None
        self._lock = threading.Lock()
        #: The transactions of this database (``transaction.py``); ``_tx`` is its
        #: ContextVar, read by every statement.
        self.transaction_manager = TransactionManager(self)
        self._tx = self.transaction_manager.var
        #: The connection this context holds past its statements (scope.py), and
        #: the request scope it runs in.
        self._held: contextvars.ContextVar[HeldConnection | None] = \
            contextvars.ContextVar(f"activerecord_held_{id(self)}", default=None)
        self._scope: contextvars.ContextVar[ConnectionScope | None] = \
            contextvars.ContextVar(f"activerecord_scope_{id(self)}", default=None)
        self._closed = False
        #: Why it was closed, for the error a further use raises ("": ``close()``).
        self._closed_why = ""

    def __repr__(self) -> str:
        return f"<Database {self.name}>"

    # -- pool and features ---------------------------------------------------------
    def _ready(self) -> Pool:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._closed:
                    raise ConnectionNotEstablished(
                        f"database {self.name} is disconnected{self._closed_why}")
                pool = self._pool
                if pool is None:
                    pool = self._open_pool()
        return pool

    def _open_pool(self) -> Pool:
        # Under self._lock: the first connection detects the features, which the
        # dialect (and so the compiler) reads.
        pool = self.adapter.create_pool()
        conn = pool.checkout()
        try:
            features = self.adapter.detect_features(conn)
        finally:
            pool.checkin(conn)
        self.adapter.features = features
        self.dialect.features = features
        self._compiler = self.adapter.compiler_class(self.dialect)
        if self.schema_cache_file:
            self._boot_schema_cache(pool, self.schema_cache_file)
        self._pool = pool
        return pool

    def _boot_schema_cache(self, pool: Pool, path: str) -> None:
        # The file's tables, when its version is the latest applied migration (read
        # with one query on schema_migrations, not the catalogs); else a warning.
        conn = pool.checkout()
        try:
            try:
                rows = self._run_on(conn, f"SELECT MAX({self.dialect.quote_name('version')}) "
                                          f"FROM {self.dialect.quote_name(SCHEMA_VERSIONS)}",
                                    (), read=True).rows
                version = None if rows[0][0] is None else str(rows[0][0])
            except DatabaseError:
                version = None  # no schema_migrations table: no migration applied
        finally:
            pool.checkin(conn)
        try:
            loaded = self.schema_cache.load(path, version)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            warnings.warn(f"schema cache file {path!r} cannot be read ({exc}); the "
                          "catalogs are read instead", SchemaCacheWarning, stacklevel=4)
            return
        if not loaded:
            warnings.warn(f"schema cache file {path!r} is for another schema version than "
                          f"{self.name}'s ({version or 'no migration applied'}); it is "
                          "ignored and the catalogs are read instead (`activerecord schema "
                          "cache dump` writes it again)", SchemaCacheWarning, stacklevel=4)

    @property
    def features(self) -> Features:
        """The server's :class:`Features` (connects on first use)."""
        self._ready()
        return self.dialect.features

    @property
    def compiler(self) -> Compiler:
        """The SQL compiler for this database's dialect (connects on first use)."""
        compiler = self._compiler
        if compiler is None:
            self._ready()
            compiler = self._compiler
            assert compiler is not None  # set by _ready() with the pool
        return compiler

    @property
    def pool(self) -> Pool:
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
        if tx is not None and tx.closed:  # a context copied inside a transaction
            if tx.released:  # its request scope ended it: nothing more may run in it
                raise released_error()
            tx = None
        pool = None if tx is not None else (self._pool or self._ready())
        if len(params) > self.dialect.features.max_parameters:
            raise self._too_many_parameters(sql, params)
        if tx is not None:
            if tx.pending is not None:  # a lazy transaction's first statement
                self.transaction_manager.begin_pending(tx)
            if tx.doomed is not None:  # the database ended it after an error
                raise doomed_error(tx.doomed)
            tx.busy += 1  # (a request scope ending meanwhile leaves the rollback to us)
            try:
                if tx.released:
                    raise released_error()
                return self._run_on(tx.conn, sql, params, read)
            except DatabaseError as exc:
                self.transaction_manager.statement_failed(tx, exc)
                raise
            finally:
                tx.busy -= 1
                if tx.released and not tx.busy:
                    self.transaction_manager.finish_released(tx)
        held = self._held.get()
        if held is not None and not held.released:
            return self._run_held(held, sql, params, read)
        assert pool is not None
        return self._run_checked_out(pool, sql, params, read)

    def _run_checked_out(self, pool: Pool, sql: str, params: Sequence[Any],
                         read: bool) -> Result:
        # One statement on a connection checked out for it (an ORM-built read once
        # more on a fresh one after a lost connection).
        attempts = 2 if read else 1
        for attempt in range(attempts):
            conn = pool.checkout()
            broken = kept = False
            try:
                result = self._run_on(conn, sql, params, read)
                # A statement sent by hand that began a transaction (BEGIN, START
                # TRANSACTION): the connection stays with this context until it ends.
                if not read and self.adapter.in_transaction(conn):
                    kept = self._hold(conn, pinned=False)
                return result
            except DatabaseError as exc:
                # Translated from the driver's error (its __cause__): a lost connection
                # is discarded, and an ORM-built read is sent once more on a new one.
                cause = exc.__cause__
                broken = cause is not None and self.adapter.is_disconnect(cause)
                if not broken or attempt + 1 >= attempts:
                    raise
            finally:
                if not kept:
                    pool.checkin(conn, broken)
        raise AssertionError("unreachable")

    # -- connections held with a context (scope.py) ----------------------------------
    def _run_held(self, held: HeldConnection, sql: str, params: Sequence[Any],
                  read: bool) -> Result:
        # A statement on the connection this context holds; a COMMIT or ROLLBACK that
        # ends a raw transaction gives the connection back, and so does its loss.
        try:
            result = self._run_on(held.conn, sql, params, read)
        except DatabaseError as exc:
            cause = exc.__cause__
            if cause is not None and self.adapter.is_disconnect(cause):
                self._release_held(held, broken=True)
            raise
        if not held.pinned and not self.adapter.in_transaction(held.conn):
            self._release_held(held)
        return result

    def _hold(self, conn: Any, pinned: bool) -> bool:
        held = HeldConnection(conn, pinned, caller())
        self._held.set(held)
        scope = self._scope.get()
        if scope is not None and not scope.closed:
            held.scope = scope
            scope.held.append(held)
        return True

    def _held_connection(self) -> HeldConnection | None:
        """The connection this context holds (a pinned one, or one a raw BEGIN left
        inside a transaction), or None."""
        held = self._held.get()
        return held if held is not None and not held.released else None

    def _release_held(self, held: HeldConnection, *, broken: bool = False,
                      rollback: bool = False) -> None:
        # Give a held connection back (rolled back first when asked and needed; a
        # connection that refuses the ROLLBACK is discarded); the context forgets it.
        if held.released:
            return
        held.released = True
        if self._held.get() is held:
            self._held.set(None)
        if rollback and not broken and self.adapter.in_transaction(held.conn):
            try:
                self.adapter.reset(held.conn)
            except Exception:  # noqa: BLE001 - a connection that cannot roll back goes
                broken = True
        pool = self._pool
        if pool is not None:
            pool.checkin(held.conn, broken)

    @contextmanager
    def connection_scope(self, pin: bool = False) -> Iterator[ConnectionScope]:
        """Run a block (one web request) so that it leaves nothing held on this
        Database: at its end a transaction still open in it (an abandoned
        ``transaction()`` context, a raw ``BEGIN`` not ended) is rolled back and its
        connection returned to the pool, each leak logged at WARNING on
        ``activerecord.pool`` and listed in the yielded scope's ``leaks``.

        ``pin=True`` checks one connection out for the whole block: every statement
        and transaction in it runs on that connection (session state such as ``SET``
        or temporary tables lasts between statements); it goes back at the end,
        rolled back first if a transaction is open on it.

        Code in a copy of the block's context (a thread pool running a sync
        endpoint) is covered too. Yields the :class:`~activerecord.connection.scope.
        ConnectionScope`. Raises ConnectionTimeoutError when ``pin`` finds no free
        connection. Rails' executor and Django's request-finished handling do the same
        at the end of a request (docs/web.md).
        """
        scope = ConnectionScope(self, pin)
        stale = self._held_connection()
        if stale is not None and not stale.pinned and (stale.scope is None
                                                       or stale.scope.closed):
            # A raw BEGIN sent outside any scope (a streamed response's generator after
            # its request ended) left this thread holding a transaction: released now.
            scope.leak(f"a transaction begun by a statement sent by hand outside any "
                       f"request scope (at {stale.since or '?'}) was still open at the "
                       "start of the next one: it was rolled back")
            self._release_held(stale, rollback=True)
        token = self._scope.set(scope)
        held_token = None
        try:
            if pin:
                pool = self._ready()
                held = HeldConnection(pool.checkout(), True, caller())
                scope.held.append(held)
                held_token = self._held.set(held)
            yield scope
        finally:
            try:
                scope.close()
            finally:
                if held_token is not None:
                    _reset_var(self._held, held_token)
                _reset_var(self._scope, token)

    def _too_many_parameters(self, sql: str, params: Sequence[Any]) -> ProgrammingError:
        limit = self.dialect.features.max_parameters
        return ProgrammingError(
            f"the statement has {len(params)} bound parameters; {self.adapter.name} "
            f"takes at most {limit} in one statement (features.max_parameters): "
            "split the values over several statements, or select them from a table",
            sql=sql, params=None)

    def _run_on(self, conn: Any, sql: str, params: Sequence[Any], read: bool = False,
                kind: str = "query") -> Result:
        """Send one statement on ``conn``; the one place every statement goes through.

        Reports it as the ``"sql"`` event when anyone listens, and logs it at WARNING
        when it took longer than :attr:`slow_query_ms` (whoever listens): the hot path
        costs two clock reads and two tests. Raises the adapter's translation of a
        driver error, ``from`` the driver's exception."""
        adapter = self.adapter
        start = _clock()
        try:
            cur = adapter.execute(conn, sql, params)
            desc = cur.description
            rows = cur.fetchall() if desc is not None else []
            result = Result(rows, [d[0] for d in desc] if desc else None,
                            cur.rowcount, adapter.last_insert_id(cur))
            cur.close()
        except adapter.driver_errors as exc:
            error = adapter.translate_error(exc, sql, params)
            if params:
                _scrub(error, exc, sql, params)
            elapsed = _clock() - start
            if _SQL.subscribers or elapsed >= self._slow_s:
                self._report(sql, params, read, kind, elapsed, None, error)
            raise error from exc
        elapsed = _clock() - start
        if _SQL.subscribers or elapsed >= self._slow_s:
            self._report(sql, params, read, kind, elapsed,
                         len(rows) if desc is not None else result.rowcount, None)
        return result

    def _report(self, sql: str, params: Sequence[Any], read: bool, kind: str,
                elapsed: float, rowcount: int | None, error: BaseException | None) -> None:
        # The "sql" event and the slow-query warning, with redacted parameters.
        event = events.SQLEvent("sql", sql, events.redacted_params(sql, params),
                                elapsed * 1000.0, rowcount, self.name, caller(), kind,
                                read, error)
        if elapsed >= self._slow_s:
            events.log_slow(event, self.slow_query_ms or 0.0)
        if _SQL.subscribers:
            events.instrument("sql", event)

    def select_rows(self, node: n.Node) -> list[tuple]:
        """Compile and run a SELECT built by the ORM; return its rows (retried once
        on a lost connection outside a transaction)."""
        sql, params = self.compiler.compile(node)
        return self.run(sql, params, read=True).rows

    # -- transactions (transaction.py) ----------------------------------------------
    @property
    def in_transaction(self) -> bool:
        """Whether the current thread/task has an open transaction on this database."""
        tx = self._tx.get()
        if tx is not None and tx.released:
            raise released_error()
        return tx is not None and not tx.closed

    def transaction(self, requires_new: bool = True, *,
                    isolation: str | None = None) -> AbstractContextManager[None]:
        """Return a context manager running its block in a transaction: COMMIT on
        success, ROLLBACK on any exception (re-raised). Nested blocks become
        savepoints (``requires_new=True``, the default) or join the open transaction
        (``requires_new=False``, what ``save()`` uses, as Rails does).

        ``isolation``: ``"read uncommitted"``, ``"read committed"``, ``"repeatable
        read"`` or ``"serializable"`` (``_`` for spaces, any case) for the outermost
        block: PostgreSQL begins with ``BEGIN ISOLATION LEVEL``, MySQL/MariaDB send
        ``SET TRANSACTION ISOLATION LEVEL`` before ``BEGIN``; SQLite transactions are
        serializable whatever is asked (every level is accepted). ValueError for an
        unknown level; :class:`~activerecord.errors.TransactionIsolationError` inside
        an open transaction (before any SQL).

        Raising :class:`~activerecord.errors.Rollback` in the block rolls its level
        back (the transaction, or the savepoint of a nested block) and is not
        re-raised; in a block that joined the open transaction it rolls back the
        level it joined.

        A rollback (of a savepoint or of the whole transaction) gives every record
        written at that level its state back (see :meth:`add_transaction_record`) and
        drops the :meth:`after_commit` callbacks registered there; a released
        savepoint hands both to the enclosing level. After the COMMIT every callback
        runs (see :meth:`after_commit`). The state lives in a ContextVar: each thread
        and each task has its own transaction (a task created inside an open
        transaction shares it, as contextvars copy the context).

        Raises what the block raises (after rolling back), the translated error of a
        failed BEGIN/COMMIT, or :class:`~activerecord.errors.AfterCommitError` when
        after-commit callbacks failed (the transaction stays committed).
        """
        return self.transaction_manager.transaction(requires_new, isolation)

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Call ``callback()`` after the current transaction commits (at once if none).

        A callback registered inside a savepoint that is rolled back is dropped (it
        never fires, even when the outer transaction commits), and so are all of them
        when the transaction rolls back (Rails' ``after_commit``, Django's savepoint-
        aware ``on_commit``). After the COMMIT every callback runs in the order of
        registration, even when an earlier one raises; each failure is logged (logger
        ``activerecord.transaction``) and, once all ran, they are raised together as
        :class:`~activerecord.errors.AfterCommitError` (``errors``). Outside a
        transaction the callback runs at once and its exception propagates as is.
        """
        self.transaction_manager.after_commit(callback)

    def add_transaction_record(self, record: Any) -> None:
        """Remember that ``record`` is written in the current transaction level, so a
        rollback can give it back its state (Rails' ``add_transaction_record``).

        Outside a transaction this does nothing. The first time a record is added at
        a level, ``record._remember_transaction_record_state()`` is called and its
        result kept; when that level (a savepoint, or the whole transaction) is rolled
        back, ``record._restore_transaction_record_state(state)`` is called. A released
        savepoint hands its records to the enclosing level (which keeps its own,
        earlier state of a record written in both); a commit forgets them. The model
        layer implements both methods (``activerecord/model/transactions.py``).
        """
        self.transaction_manager.add_record(record)

    def add_transaction_callbacks(self, record: Any, action: str) -> None:
        """Register ``record``'s ``after_commit``/``after_rollback`` callbacks in the
        current transaction, once per record (Rails de-duplicates them the same way),
        for ``action`` (``"create"``, ``"update"`` or ``"destroy"``: what the record's
        write just did). After the outermost COMMIT, ``record.
        _run_transaction_callbacks("commit", actions)`` runs once, in the order the
        records were first written, among the :meth:`after_commit` callbacks; when the
        level it was written at rolls back, ``("rollback", actions)`` runs once when
        the outermost transaction ends (after the record's state was restored), and no
        commit callbacks unless it is written, and committed, again. Outside a
        transaction the commit callbacks run at once. The model layer implements the
        method (``activerecord/model/callbacks.py``).
        """
        self.transaction_manager.add_record_callbacks(record, action)

    # -- schema --------------------------------------------------------------------
    def _introspect_table(self, table: str) -> TableInfo | None:
        if self._pool is None and self.schema_cache_file:
            # The first lookup opens the pool, which boots the cache from its file.
            self._ready()
            booted = self.schema_cache.peek(table)
            if booted is not None:
                return booted
        return self._on_own_connection(
            lambda conn: self.adapter.introspector.table_info(conn, table))

    def _on_own_connection(self, fn: Callable[[Any], Any]) -> Any:
        # A catalog read: on the open transaction's connection (it sees the tables
        # the transaction made, and a one-connection pool has no other), errors
        # translated; outside one, on a checked-out connection (retried once).
        tx = self.transaction_manager.current
        conn = tx.conn if tx is not None else None
        if conn is None:
            held = self._held_connection()
            if held is None:
                return self._with_checkout(fn)
            conn = held.conn
        try:
            return fn(conn)
        except self.adapter.driver_errors as exc:
            raise self.adapter.translate_error(exc) from exc

    def _with_checkout(self, fn: Callable[[Any], Any]) -> Any:
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
        raise AssertionError("unreachable")

    def table_info(self, table: str) -> TableInfo | None:
        """Return the cached :class:`TableInfo` of ``table``, or ``None`` if missing."""
        return self.schema_cache.get(table)

    def table_names(self) -> list[str]:
        """Return the names of the user tables in this database, sorted."""
        names: list[str] = self._on_own_connection(self.adapter.introspector.table_names)
        return names


def _scrub(error: BaseException, exc: BaseException, sql: str,
           params: Sequence[Any]) -> None:
    """Take the values bound to sensitive columns (``events.redacted_params``) out of
    a failed statement's error and of the driver's exception it is raised from: a
    driver quotes the offending value ("Key (api_token)=(...) already exists",
    "Duplicate entry '...'"), and an error's text reaches logs and tracebacks."""
    redacted = events.redacted_params(sql, params)
    secrets = [str(v) for v, r in zip(params, redacted)
               if r is events.REDACTED and v is not None and len(str(v)) >= 3]
    if not secrets:
        return

    def clean(text: Any) -> Any:
        if isinstance(text, str):
            for secret in secrets:
                text = text.replace(secret, events.REDACTED)
        return text

    for target in (error, exc):
        try:
            target.args = tuple(clean(a) for a in target.args)
        except (AttributeError, TypeError):  # an exception whose args are read-only
            pass
    if hasattr(error, "params"):
        error.params = redacted


def _reset_var(var: contextvars.ContextVar[Any], token: contextvars.Token) -> None:
    try:
        var.reset(token)
    except ValueError:  # the scope ended in another context than it began in
        var.set(None)


def _slow_option(text: str | None) -> float | None:
    """``slow_query_ms`` from the URL's query (a number of ms, ``0`` for off), or the
    default 500. Raises ConfigurationError for anything else."""
    if text is None:
        return 500.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0 or math.isnan(value):
        raise ConfigurationError(f"slow_query_ms={text!r} in the database URL: a number "
                                 "of milliseconds (0 turns the slow-query log off) is needed")
    return value


def _pool_option(query: dict, name: str, given: Any, kind: type, default: Any) -> Any:
    """The pool option ``name``: ``given`` (a keyword), else the URL's (taken out of
    ``query``), else ``default``. Raises ConfigurationError for a URL value that is
    not a positive number."""
    text = query.pop(name, None)
    if given is not None:
        return given
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise ConfigurationError(f"{name}={text!r} in the database URL: a positive "
                                 f"{'whole number' if kind is int else 'number'} is needed")
    return value
