"""The :class:`Database`: one configured database, its pool, its transactions.

A Database owns an adapter (chosen by URL scheme), a lazily created connection pool,
the schema cache and the transaction state. Connections are checked out per statement
or per transaction and returned at once. The open transaction of the current thread or
async task lives in a ``contextvars.ContextVar``, so each thread (and each task) has its
own and an async adapter can later reuse the same machinery.

``activerecord.connect()`` makes the first Database the default one that models use.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import os
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from ..errors import ConfigurationError, ConnectionNotEstablished, TransactionError
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


class _Tx:
    __slots__ = ("conn", "depth", "after_commit")

    def __init__(self, conn):
        self.conn = conn
        self.depth = 0
        self.after_commit: list = []


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
        """
        tx = self._tx.get()
        if tx is not None:
            return self._run_on(tx.conn, sql, params, in_tx=True)
        pool = self._pool or self._ready()
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
                raise
            try:
                self._run_on(conn, self.dialect.commit_sql, (), in_tx=True)
            except BaseException as exc:
                broken = self.adapter.is_disconnect(exc.__cause__ or exc) or \
                    not self._quiet(conn, self.dialect.rollback_sql)
                raise
        finally:
            self._tx.reset(token)
            pool.checkin(conn, broken)
        for callback in tx.after_commit:
            callback()

    def _savepoint(self, tx: _Tx):
        tx.depth += 1
        name = f"active_record_{tx.depth}"
        try:
            self._run_on(tx.conn, self.dialect.savepoint(name), (), in_tx=True)
            try:
                yield
            except BaseException:
                self._quiet(tx.conn, self.dialect.rollback_to_savepoint(name))
                self._quiet(tx.conn, self.dialect.release_savepoint(name))
                raise
            self._run_on(tx.conn, self.dialect.release_savepoint(name), (), in_tx=True)
        finally:
            tx.depth -= 1

    def _quiet(self, conn, sql) -> bool:
        # Rollback after a failure: the connection may be dead; report, don't mask.
        try:
            self._run_on(conn, sql, (), in_tx=True)
            return True
        except Exception:  # noqa: BLE001
            log.debug("ignored failure of %s", sql, exc_info=True)
            return False

    def after_commit(self, callback) -> None:
        """Call ``callback()`` after the current transaction commits (at once if none)."""
        tx = self._tx.get()
        if tx is None:
            callback()
        else:
            tx.after_commit.append(callback)

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
def connect(url: str | None = None, **options: Any) -> Database:
    """Create a :class:`Database` and register it; the first becomes the default.

    ``connect(url, name="x", default=True)`` registers it under ``name`` and makes it
    the default. See :class:`Database` for the arguments and errors. Nothing connects
    until the first query.
    """
    make_default = options.pop("default", None)
    db = Database(url, **options)
    with _registry_lock:
        _databases[db.name] = db
        if make_default or _default[0] is None or make_default is None and _default[0]._closed:
            _default[0] = db
    return db


def get_database(name: str | None = None) -> Database:
    """Return the database registered as ``name``, or the default one.

    Raises:
        ConnectionNotEstablished: nothing was connected (or no such name).
    """
    if name is None:
        db = _default[0]
        if db is None and os.environ.get("DATABASE_URL"):
            db = connect()
        if db is None:
            raise ConnectionNotEstablished(
                "no database connected: call activerecord.connect(url) or set DATABASE_URL")
        return db
    try:
        return _databases[name]
    except KeyError:
        raise ConnectionNotEstablished(
            f"no database named {name!r}; connected: {', '.join(sorted(_databases)) or 'none'}"
        ) from None


def set_default_database(db: Database) -> None:
    """Make ``db`` the database that models without a ``database`` attribute use."""
    with _registry_lock:
        _databases[db.name] = db
        _default[0] = db


def databases() -> dict[str, Database]:
    """Return the registered databases by name."""
    return dict(_databases)
