"""The PostgreSQL adapter, on psycopg 3.

Connections
    ``psycopg.connect`` with ``autocommit=True`` (the Database sends BEGIN/COMMIT itself)
    and a ``connect_timeout`` (default 5 s) so an unreachable server fails promptly. The
    URL's query options other than ours (``sslmode``, ``sslrootcert``, ``application_name``,
    ``host=/socket/dir``, ``options``, ``target_session_attrs``...) are passed through to
    libpq as keyword arguments. Each new connection sets its session ``TimeZone`` to UTC
    (option ``timezone``; ``None`` keeps the server's), as Rails and Django do, so
    ``timestamptz`` values load with ``tzinfo=UTC`` and ``now()::timestamp`` is UTC.
    ``TimeZone`` is a reported parameter, so PgBouncer restores it per client.

Binding and prepared statements
    Server-side binding (psycopg's default cursor): values travel apart from the SQL text,
    binary-safe, never quoted into it, and repeated statements can be prepared. psycopg
    prepares a statement on a connection after ``prepare_threshold`` executions (default
    5, kept); measured on a loopback server, a prepared point query took about 123 us
    against 157 us unprepared and 152 us with client-side binding. The ORM caches compiled
    SQL per shape, so its statements repeat byte for byte and get prepared.
    Prepared statements live in a server session: behind PgBouncer in transaction or
    statement pooling mode *before 1.21* (or with ``max_prepared_statements = 0``) a
    later execution may reach another server connection and fail with "prepared
    statement does not exist". Such deployments set ``prepare_threshold=None`` (URL
    ``?prepare_threshold=none`` or ``connect(..., prepare_threshold=None)``).
    ``binding="client"`` selects psycopg's ``ClientCursor`` (values quoted into the text
    by psycopg, as psycopg2 did) for statements where PostgreSQL refuses parameters, such
    as ``SET x = ?`` or ``? IS NULL`` with an untyped NULL.
    A prepared SELECT whose result columns change type after another connection ran
    ``ALTER TABLE`` fails with "cached plan must not change result type" (0A000); outside
    a transaction :meth:`PostgreSQLAdapter.execute` then sends ``DEALLOCATE ALL`` (psycopg
    forgets its own prepared statements when it sees that command) and runs the statement
    once more, as Rails' PostgreSQL adapter does. Nothing was executed the first time.

Many parameters
    psycopg parses the ``%s`` placeholders of every statement in Python, and caches
    the result only for statements with at most 50 parameters. A statement with more
    (an IN list of 1000 keys: a preload, ``where(id=[...])``) is translated here to
    PostgreSQL's native ``$1, $2...`` (``%%`` back to ``%``) and sent through
    psycopg's ``RawCursor`` (psycopg >= 3.2, "Raw query cursors" in its docs), which
    passes the text through untouched; binding stays server-side. Measured on loopback,
    1000 keys and 5000 rows: 2.9 ms instead of 5.3 ms. Statements with another ``%``
    form, and ``binding="client"``, keep psycopg's own parsing.

Pool: the core :class:`~activerecord.connection.pool.ConnectionPool`, not psycopg_pool
    Both were tried. The core pool is kept because (1) it opens connections in the
    caller's thread, so a wrong password, a missing database or a dead server raise
    ``ConnectionError`` at once with libpq's reason, while psycopg_pool connects in
    worker threads that retry with backoff for ``reconnect_timeout`` (5 min) and the
    caller only gets ``PoolTimeout: couldn't get a connection after N sec``; (2) its
    timeout message already says how many connections are in use and where the longest
    holder checked out (docs/architecture.md); (3) it pings only a connection idle for
    ``ping_interval`` seconds (default 2; psycopg_pool's ``check`` runs on every
    checkout, a round trip each time) and replaces connections older than
    ``pool_recycle``; (4) it starts no threads, so it survives ``fork`` (gunicorn
    ``--preload``); (5) a checkout plus checkin measured 5.4 us against 8.8 us for
    ``getconn``/``putconn``; (6) SQLite and MySQL use it, so pool options mean the same on
    every backend. A connection killed by ``pg_terminate_backend`` is replaced: either
    the idle ping finds it dead, or the statement fails with AdminShutdown (57P01), which
    :meth:`is_disconnect` reports, so the Database discards it (and retries an ORM-built
    read once on a fresh connection). Not provided: psycopg_pool's ``min_size`` prefill
    and ``max_idle`` shrinking.

Keys
    New keys come back through ``INSERT ... RETURNING`` (``features.supports_returning``);
    psycopg cursors have no ``lastrowid``, so :meth:`last_insert_id` returns ``None``.

Errors
    Translated by SQLSTATE (Appendix A of the manual); see :meth:`translate_error`.
    psycopg's own errors have no SQLSTATE: they are a lost connection only when the
    connection is closed or broken afterwards (``conn.closed``/``conn.broken``, checked
    in :meth:`execute`); a statement libpq refuses before sending it (more than 65535
    parameters, the protocol's Int16 count) is an ordinary error on a healthy
    connection, neither retried nor discarded from the pool.

The driver
    ``psycopg`` is imported at the first connect (``Adapter.dbapi``), never when this
    module is imported: the libpq keywords, ``ClientCursor`` and the error classes are
    looked up on the module then, and errors are recognised by SQLSTATE.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from activerecord import errors
from activerecord.connection.adapter import Adapter
from activerecord.connection.features import Features
from activerecord.connection.introspection import ColumnInfo
from activerecord.connection.pool import Pool
from activerecord.types import Type

from .creation import PostgreSQLCreation
from .dialect import PostgreSQLDialect
from .introspection import PostgreSQLIntrospector
from .schema_editor import PostgreSQLSchemaEditor
from .types import type_for

__all__ = ["PostgreSQLAdapter", "deallocate_all"]

_deallocations = itertools.count(1)


def deallocate_all(conn: Any) -> None:
    """Send ``DEALLOCATE ALL`` on ``conn``. psycopg forgets its own prepared statements
    when it sees the command, but only in a statement text it has not counted yet (a
    text it saw while nothing was prepared is not checked again): each text is made
    new with a numbered comment, else psycopg would go on naming statements the server
    no longer has ("prepared statement does not exist")."""
    conn.execute(f"DEALLOCATE ALL /* activerecord {next(_deallocations)} */", prepare=False)


#: Options this adapter (or the pool) reads; every other URL query option goes to libpq.
_OWN_OPTIONS = frozenset({
    "pool_size", "pool_timeout", "ping_interval", "pool_recycle", "connect_timeout",
    "prepare_threshold", "binding", "timezone", "host", "port",
})

#: Above this many parameters psycopg no longer caches its parsing of ``%s`` (its
#: ``MAX_CACHED_STATEMENT_PARAMS``): such statements go through ``RawCursor``.
_NATIVE_FROM = 50
#: ``("$1", "$2", ...)``, grown by replacing the whole tuple (safe across threads).
_DOLLARS: list[tuple[str, ...]] = [()]


def native_placeholders(sql: str, count: int) -> str | None:
    """Return ``sql`` (written for psycopg's ``%s`` style: ``%s`` a parameter, ``%%``
    a literal ``%``) in PostgreSQL's own style, ``$1``, ``$2``... and ``%``, or None
    when it holds another ``%`` form (``%(name)s``, ``%b``, ``%t``) or not exactly
    ``count`` placeholders: psycopg's own parsing then handles (or refuses) it.

    ``%s`` inside a quoted literal counts as a placeholder, as psycopg counts it."""
    chunks = sql.split("%%")
    if any("%" in chunk.replace("%s", "") for chunk in chunks):
        return None
    if sum(chunk.count("%s") for chunk in chunks) != count:
        return None
    dollars = _DOLLARS[0]
    if len(dollars) < count:
        dollars = _DOLLARS[0] = tuple(f"${i}" for i in range(1, max(count, 1024) + 1))
    out, used = [], 0
    for chunk in chunks:
        pieces = chunk.split("%s")
        parts: list[str] = [""] * (2 * len(pieces) - 1)
        parts[0::2] = pieces
        parts[1::2] = dollars[used:used + len(pieces) - 1]
        used += len(pieces) - 1
        out.append("".join(parts))
    return "%".join(out)


#: SQLSTATE -> error class, checked before the two-character class table below.
_STATES = {
    "23505": errors.RecordNotUnique,
    "23503": errors.InvalidForeignKey,
    "23502": errors.NotNullViolation,
    "42P01": errors.TableNotFound,
    "42703": errors.ColumnNotFound,
    "40P01": errors.DeadlockError,
    "40001": errors.SerializationFailure,
    "57P01": errors.ConnectionError,  # admin_shutdown: pg_terminate_backend
    "57P02": errors.ConnectionError,  # crash_shutdown
    "57P03": errors.ConnectionError,  # cannot_connect_now
    "57P04": errors.ConnectionError,  # database_dropped
    "57P05": errors.ConnectionError,  # idle_session_timeout (PostgreSQL 14)
    "25P03": errors.ConnectionError,  # idle_in_transaction_session_timeout
    "0A000": errors.NotSupportedError,
}
_CLASSES = {
    "08": errors.ConnectionError,     # connection_exception
    "22": errors.DataError,
    "23": errors.IntegrityError,
    "42": errors.ProgrammingError,
    "40": errors.OperationalError,    # transaction_rollback
    "53": errors.OperationalError,    # insufficient_resources
    "55": errors.OperationalError,    # object_not_in_prerequisite_state (lock_not_available)
    "57": errors.OperationalError,    # operator_intervention (query_canceled)
    "28": errors.ConnectionError,     # invalid_authorization_specification
    "3D": errors.ConnectionError,     # invalid_catalog_name (database dropped)
}
#: Errors after which the server has closed the session (FATAL).
_DISCONNECT_STATES = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05", "25P03"})
_RELATION = re.compile(r'relation "(.+)" does not exist')
#: The other 42P01 (undefined_table) messages: a table the SQL names but does not read
#: (not in FROM, not joined), or names by its table name where FROM gives it an alias.
_FROM_ENTRY = re.compile(r'(missing|invalid reference to) FROM-clause entry for table "(.+)"')
#: Set on a psycopg error without SQLSTATE after which the connection was still healthy.
_CLIENT_SIDE = "_activerecord_client_side"
_STALE_PLAN = "cached plan must not change result type"
_FEATURE_NOT_SUPPORTED = "0A000"
_INVALID_PARAMETER_VALUE = "22023"
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open on the connection
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction open
_INERROR = 3  # psycopg.pq.TransactionStatus.INERROR: the open transaction failed


@functools.lru_cache(maxsize=1)
def _libpq_keywords(psycopg: Any) -> frozenset:
    return frozenset(d.keyword.decode() for d in psycopg.pq.Conninfo.get_defaults())


def _option(value: Any, kind: type) -> Any:
    # URL query values are strings: "none"/"null"/"" mean None.
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none",
                                                                              "null")):
        return None
    return kind(value)


class PostgreSQLAdapter(Adapter):
    """Adapter for PostgreSQL (>= 12) through psycopg 3.

    Options (keyword arguments of ``connect()`` or URL query options):
        connect_timeout: seconds to wait for a connection (default 5).
        prepare_threshold: executions before psycopg prepares a statement (default 5;
            ``None`` never prepares, for PgBouncer < 1.21 in transaction mode).
        binding: ``"server"`` (default) or ``"client"`` (psycopg ``ClientCursor``).
        timezone: the session ``TimeZone`` (default ``"UTC"``; ``None``: the server's).
    plus the pool options of :class:`~activerecord.connection.adapter.Adapter`. Other
    URL query options, and options that are libpq keywords, are passed to libpq
    (``sslmode="require"``, ``application_name``...).
    """

    name = "postgresql"
    driver = "psycopg"
    dialect_class = PostgreSQLDialect
    introspector_class = PostgreSQLIntrospector
    schema_editor_class = PostgreSQLSchemaEditor
    creation_class = PostgreSQLCreation

    def __init__(self, config: Any, options: dict | None = None):
        super().__init__(config, options)
        binding = str(self._setting("binding", "server")).lower()
        if binding not in ("server", "client"):
            raise errors.ConfigurationError(
                f"binding must be 'server' or 'client', not {binding!r}")
        self._client_binding = binding == "client"
        self._kwargs: dict | None = None  # built at the first connect (needs psycopg)
        self._timezone = _option(self._setting("timezone", "UTC"), str)

    def _setting(self, key: str, default: Any) -> Any:
        # Explicit connect() options win over the URL's query string.
        if key in self.options:
            return self.options[key]
        return self.config.query.get(key, default)

    def _connect_kwargs(self, psycopg: Any) -> dict:
        cfg = self.config
        kwargs = {k: v for k, v in cfg.query.items() if k not in _OWN_OPTIONS}
        # connect(url, sslmode="require", ...): libpq keywords among the options.
        keywords = _libpq_keywords(psycopg)
        kwargs.update((k, v) for k, v in self.options.items()
                      if k in keywords and k not in _OWN_OPTIONS)
        for key, value in (("host", cfg.host), ("port", cfg.port or cfg.query.get("port")),
                           ("user", cfg.user), ("password", cfg.password),
                           ("dbname", cfg.database)):
            if value is not None:
                kwargs[key] = value
        timeout = _option(self._setting("connect_timeout", 5), float)
        if timeout is not None:
            kwargs["connect_timeout"] = max(1, round(timeout))
        kwargs["prepare_threshold"] = _option(self._setting("prepare_threshold", 5), int)
        if self._client_binding:
            kwargs["cursor_factory"] = psycopg.ClientCursor
        kwargs["autocommit"] = True
        return kwargs

    def _where(self) -> str:
        cfg = self.config
        host = cfg.host or "the default socket"
        port = cfg.port or cfg.query.get("port") or 5432
        return (f"database {cfg.database or cfg.user or '?'!r} on {host}:{port}"
                + (f" as user {cfg.user!r}" if cfg.user else ""))

    def _connect_failure(self, exc: BaseException) -> errors.ConnectionError:
        reason = str(exc).strip()
        if reason.startswith("connection failed: "):
            reason = reason[len("connection failed: "):]
        pw = self.config.password
        if pw and len(pw) >= 3:  # libpq never prints it; stay safe anyway
            reason = reason.replace(pw, "***")
        return errors.ConnectionError(
            f"cannot connect to PostgreSQL {self._where()}: {reason}")

    # -- connections ---------------------------------------------------------------
    def connect(self) -> Any:
        psycopg = self.dbapi
        if self._kwargs is None:
            self._kwargs = self._connect_kwargs(psycopg)
        try:
            conn = psycopg.connect(**self._kwargs)
        except psycopg.ProgrammingError as exc:  # e.g. invalid connection option "x"
            raise errors.ConfigurationError(
                f"bad PostgreSQL connection options for {self.describe()}: {exc}") from exc
        except psycopg.Error as exc:
            raise self._connect_failure(exc) from exc
        if self._timezone is not None:
            try:
                conn.execute("SELECT set_config('TimeZone', %s, false)", (self._timezone,),
                             prepare=False)
            except psycopg.Error as exc:
                self.close(conn)
                if exc.sqlstate == _INVALID_PARAMETER_VALUE:
                    raise errors.ConfigurationError(
                        f"invalid timezone option {self._timezone!r}: {exc}") from exc
                raise self._connect_failure(exc) from exc
        return conn

    def in_transaction(self, conn: Any) -> bool:
        """``conn.info.transaction_status`` is INTRANS or INERROR (libpq's
        ``PQtransactionStatus``: a transaction block is open, failed or not); ACTIVE
        (a command running) and UNKNOWN (a bad connection) count as open too, so such
        a connection is rolled back or discarded, never handed out."""
        return conn.info.transaction_status != _IDLE

    def transaction_probe(self) -> Callable[[Any], Any]:
        """``conn.info.transaction_status`` read in C (``operator.attrgetter``): any
        status but IDLE (0) is truthy."""
        return operator.attrgetter("info.transaction_status")

    def transaction_aborted(self, conn: Any) -> bool:
        """``conn.info.transaction_status`` is INERROR: a statement failed inside the
        transaction (PostgreSQL manual, "Transactions": every later command, COMMIT
        included, is refused or answered with ROLLBACK)."""
        return conn.info.transaction_status == _INERROR

    def ping(self, conn: Any) -> bool:
        # conn.closed/broken are known without a round trip; an empty query is the
        # cheapest one (what psycopg_pool's check_connection sends).
        if conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != _IDLE:
            return False
        try:
            conn.execute("", prepare=False)
            return True
        except Exception:  # noqa: BLE001 - any failure means "not usable"
            return False

    def detect_features(self, conn: Any) -> Features:
        num = conn.info.server_version  # server_version_num, e.g. 150004
        version = ((num // 10000, num % 10000) if num >= 100000
                   else (num // 10000, num // 100 % 100, num % 100))
        return Features(
            server_version=version,
            supports_returning=True,
            supports_update_returning=True,
            supports_savepoints=True,
            supports_transactional_ddl=True,
            supports_upsert=num >= 90500,          # INSERT ... ON CONFLICT: 9.5
            supports_nulls_ordering=True,          # NULLS FIRST/LAST: 8.3
            supports_native_uuid=True,
            supports_native_boolean=True,
            supports_lock_of=True,                 # FOR UPDATE OF (SELECT, "The Locking Clause")
            max_parameters=65535,                  # the protocol's Int16 parameter count
        )

    # -- statements ----------------------------------------------------------------
    def execute(self, conn: Any, sql: str, params: Sequence[Any]) -> Any:
        # Always a sequence, even empty: only then does psycopg turn %% back into %.
        params = () if params is None else params
        cur = None
        if len(params) > _NATIVE_FROM and not self._client_binding:
            native = native_placeholders(sql, len(params))
            if native is not None:  # see the module doc, "Many parameters"
                sql, cur = native, self.dbapi.RawCursor(conn)
        if cur is None:
            cur = conn.cursor()
        try:
            self._send(conn, cur, sql, params)
        except self.dbapi.Error as exc:
            if exc.sqlstate is None and not (conn.closed or conn.broken):
                # psycopg refused it before the server saw it (more than 65535
                # parameters...): the connection is fine, not lost (is_disconnect).
                setattr(exc, _CLIENT_SIDE, True)
            raise
        return cur

    def _send(self, conn: Any, cur: Any, sql: str, params: Sequence[Any]) -> None:
        try:
            cur.execute(sql, params)
        except self.dbapi.Error as exc:
            if exc.sqlstate != _FEATURE_NOT_SUPPORTED or _STALE_PLAN not in str(exc) or \
                    conn.info.transaction_status != _IDLE:
                raise
            deallocate_all(conn)
            cur.execute(sql, params)

    def schema_changed(self, pool: Pool) -> None:
        """``DEALLOCATE ALL`` on each idle pooled connection, so no prepared statement
        outlives a change of its table's types ("cached plan must not change result
        type"); see :func:`deallocate_all`."""
        pool.refresh_idle(deallocate_all)

    def last_insert_id(self, cursor: Any) -> Any:
        return None  # psycopg has no lastrowid; keys come back through RETURNING

    def type_for(self, column: ColumnInfo) -> Type:
        return type_for(column)

    # -- errors --------------------------------------------------------------------
    def is_disconnect(self, exc: BaseException) -> bool:
        psycopg = self.dbapi
        if not isinstance(exc, psycopg.Error):
            return False
        state = exc.sqlstate
        if state is None:
            # Raised by psycopg itself: "the connection is closed", "server closed the
            # connection unexpectedly", "consuming input failed"... -- unless execute()
            # saw the connection still healthy afterwards: then the client refused the
            # statement ("number of parameters must be between 0 and 65535"), and the
            # read must not be retried nor the pooled connection discarded.
            return isinstance(exc, psycopg.OperationalError) and \
                not getattr(exc, _CLIENT_SIDE, False)
        return state.startswith("08") or state in _DISCONNECT_STATES

    def _undefined_table(self, exc: BaseException, msg: str,
                         kw: dict[str, Any]) -> errors.ProgrammingError:
        """The error for SQLSTATE 42P01 (undefined_table), which PostgreSQL raises for
        three things (its messages, read from ``diag.message_primary``):
        ``relation "x" does not exist`` -- TableNotFound naming the table and the
        database; ``missing FROM-clause entry for table "x"`` -- a ProgrammingError
        saying the SQL names ``x`` (``x.col``) without reading it: it is not in the
        FROM clause, not joined; ``invalid reference to FROM-clause entry for table
        "x"`` -- the SQL names ``x`` where its FROM clause calls it by an alias.
        Another (translated) message: TableNotFound with the server's text."""
        diag = getattr(exc, "diag", None)
        primary = (diag and diag.message_primary) or msg
        m = _FROM_ENTRY.search(primary)
        if m and m.group(1) == "missing":
            return errors.ProgrammingError(
                f"table {m.group(2)!r} is referenced in the SQL but is not in its FROM "
                f"clause: it is not joined (join it, or name a table the query reads) "
                f"({msg})", **kw)
        if m:
            return errors.ProgrammingError(
                f"table {m.group(2)!r} is referenced by its name, but the FROM clause "
                f"gives it an alias: name it by the alias ({msg})", **kw)
        m = _RELATION.search(primary)
        if m:
            return errors.TableNotFound(
                f"table {m.group(1)!r} does not exist in {self.describe()} ({msg})", **kw)
        return errors.TableNotFound(
            f"a table the SQL names does not exist in {self.describe()} or is not in its "
            f"FROM clause ({msg})", **kw)

    def translate_error(self, exc: BaseException, sql: str | None = None,
                        params: Any = None) -> Exception:
        kw = {"sql": sql, "params": params}
        msg = str(exc).strip()
        state = getattr(exc, "sqlstate", None)
        if self.is_disconnect(exc):
            return errors.ConnectionError(
                f"lost the connection to {self.describe()}: {msg}", **kw)
        if isinstance(exc, self.dbapi.OperationalError) and getattr(exc, _CLIENT_SIDE, False):
            # PEP 249 files "wrong number of parameters" under ProgrammingError.
            return errors.ProgrammingError(
                f"{msg} (refused by psycopg before sending; the connection to "
                f"{self.describe()} is fine)", **kw)
        cls = _STATES.get(state or "") or _CLASSES.get((state or "")[:2])
        if cls is errors.TableNotFound:
            return self._undefined_table(exc, msg, kw)
        if cls is errors.ConnectionError:
            return errors.ConnectionError(f"{msg} ({self.describe()})", **kw)
        if cls is None:
            return self.translate_by_driver_class(exc, kw, msg)
        return cls(msg, **kw)
