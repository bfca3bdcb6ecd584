"""The MySQL/MariaDB adapter, on PyMySQL (pure Python, ``paramstyle = "format"``).

Connections: opened in autocommit mode (the Database sends BEGIN/COMMIT itself) with
``charset=utf8mb4`` unless the URL says otherwise, ``connect_timeout`` 5 s (option or
URL query ``connect_timeout``), and the ``FOUND_ROWS`` client flag so that an UPDATE
reports the rows it matched, not only those it changed, as SQLite and PostgreSQL do
(Django and Rails set it too; without it an UPDATE that writes the same value counts
0 rows). One session statement at connect (PyMySQL's ``init_command``):

* ``time_zone = '+00:00'``: TIMESTAMP values are converted from and to the session
  time zone (manual 13.2.2), so UTC here lets ``types.py`` store aware values as UTC
  and attach UTC on read, whatever the server's ``time_zone``;
* ``sql_mode``: the server's, plus ``STRICT_TRANS_TABLES`` when no strict mode is on,
  so bad values fail (``DataError``) instead of being truncated with a warning. The
  ``sql_mode`` option replaces it entirely.

Pooling: the core :class:`ConnectionPool`, pinging an idle connection with
``COM_PING`` (``conn.ping(reconnect=False)``: one packet, no statement) and recycling
connections after ``pool_recycle`` seconds (default 3600, below the server's default
``wait_timeout`` of 28800), so a connection the server closed (idle timeout, ``KILL``,
restart) is replaced rather than handed out.

Errors: translated by the server's error code (``exc.args[0]``), then by SQLSTATE
class, then by PyMySQL's exception class. "Server has gone away" (2006), "lost
connection" (2013, 2055), MySQL 8.0.24+'s idle disconnect notice (4031), MariaDB's
"connection was killed" (1927), server shutdown (1053) and PyMySQL's errors on a
closed connection become :class:`activerecord.errors.ConnectionError` and
:meth:`MySQLAdapter.is_disconnect` is true for them.

New keys: ``INSERT ... RETURNING`` on MariaDB >= 10.5, else ``cursor.lastrowid``
(``LAST_INSERT_ID()``: for a multi-row INSERT it is the *first* generated key).

The driver: ``pymysql`` is imported at the first connect (``Adapter.dbapi``), never when
this module is imported; the cursor class and the client flags are taken from it then.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from activerecord import errors
from activerecord.connection.adapter import Adapter
from activerecord.connection.features import Features
from activerecord.connection.introspection import ColumnInfo
from activerecord.connection.url import DatabaseConfig
from activerecord.types import Type

from .creation import MySQLCreation
from .dialect import MySQLDialect
from .introspection import MySQLIntrospector, parse_server_version
from .schema_editor import MySQLSchemaEditor
from .types import type_for

__all__ = ["MySQLAdapter"]


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


#: URL query keys (and options) passed to ``pymysql.connect``, with their converters.
DRIVER_OPTIONS: dict[str, Callable[[Any], Any]] = {
    "charset": str, "collation": str, "unix_socket": str, "connect_timeout": float,
    "read_timeout": float, "write_timeout": float, "init_command": str, "sql_mode": str,
    "ssl_ca": str, "ssl_cert": str, "ssl_key": str, "ssl_disabled": _flag,
    "ssl_verify_cert": _flag, "ssl_verify_identity": _flag, "program_name": str,
}
_URL_ONLY = frozenset({"host"})  # the core's url.py reads ?host= itself

# Session setup: UTC session time zone; keep the server's sql_mode but make it strict.
_SESSION_SQL = (
    "SET SESSION time_zone = '+00:00', SESSION sql_mode = "
    "IF(FIND_IN_SET('STRICT_TRANS_TABLES', @@SESSION.sql_mode) "
    "OR FIND_IN_SET('STRICT_ALL_TABLES', @@SESSION.sql_mode), @@SESSION.sql_mode, "
    "CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_TRANS_TABLES'))")

# -- error codes (MySQL 8.0 / MariaDB 10.11 error message references) -----------------
_DISCONNECT = frozenset({
    2006,  # CR_SERVER_GONE_ERROR: MySQL server has gone away
    2013,  # CR_SERVER_LOST: Lost connection to MySQL server during query
    2055,  # CR_SERVER_LOST_EXTENDED: Lost connection ... at '%s', system error
    4031,  # ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24+): disconnected for inactivity
    1927,  # ER_CONNECTION_KILLED (MariaDB): Connection was killed
    3169,  # ER_SESSION_WAS_KILLED (MySQL)
    1053,  # ER_SERVER_SHUTDOWN: Server shutdown in progress
    2002, 2003,  # CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR: cannot connect
})
_NOT_UNIQUE = frozenset({1062, 1022, 1169, 1586})
_FOREIGN_KEY = frozenset({1451, 1452, 1216, 1217})
_NOT_NULL = frozenset({1048, 1364, 1263})
_CHECK = frozenset({3819, 4025})  # MySQL / MariaDB CHECK constraint failed
_DATA = frozenset({1264, 1366, 1406, 1292, 1265, 1365, 1367, 1411, 1441, 1690, 3140,
                   4038})
_PROGRAMMING = frozenset({1064, 1149, 1050, 1051, 1052, 1060, 1061, 1091, 1109, 1110,
                          1054, 1146, 1305, 1318, 1630, 1142, 1143, 1044, 1049})
_TABLE_MSG = re.compile(r"Table '(.+)' doesn't exist")
_SQLSTATE_CLASSES = {"42": errors.ProgrammingError, "22": errors.DataError,
                     "23": errors.IntegrityError}
#: Error code -> class; later groups win where a code is in several (1054 is also a
#: programming error, but ColumnNotFound says more).
_BY_CODE: dict[int, type[errors.DatabaseError]] = {
    **dict.fromkeys(_PROGRAMMING, errors.ProgrammingError),
    **dict.fromkeys(_DATA, errors.DataError),
    **dict.fromkeys(_CHECK, errors.IntegrityError),
    1205: errors.OperationalError,  # lock wait timeout: the statement, not the transaction
    1213: errors.DeadlockError,
    1054: errors.ColumnNotFound,
    **dict.fromkeys(_NOT_NULL, errors.NotNullViolation),
    **dict.fromkeys(_FOREIGN_KEY, errors.InvalidForeignKey),
    **dict.fromkeys(_NOT_UNIQUE, errors.RecordNotUnique),
}


@functools.lru_cache(maxsize=1)
def _cursor_class(pymysql: Any) -> type:
    class _Cursor(pymysql.cursors.Cursor):
        """PyMySQL's buffered cursor, returning rows as a list (``Result.rows`` is a
        list of tuples on every backend; PyMySQL's own ``fetchall`` gives a tuple)."""

        def fetchall(self) -> list:
            return list(super().fetchall())

    return _Cursor


def _code(exc: BaseException) -> int | None:
    args: tuple = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _text(exc: BaseException, interface_error: type) -> str:
    args: tuple = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):
        if not args[1] and isinstance(exc, interface_error):
            return f"({args[0]}) the connection is closed"  # PyMySQL: InterfaceError(0, "")
        return f"({args[0]}) {args[1]}" if args[1] else f"({args[0]})"
    return str(exc) or type(exc).__name__


_SERVER_STATUS_IN_TRANS = 1  # pymysql.constants.SERVER_STATUS.SERVER_STATUS_IN_TRANS
_SERVER_STATUS_AUTOCOMMIT = 2  # pymysql.constants.SERVER_STATUS.SERVER_STATUS_AUTOCOMMIT
_ER_LOCK_DEADLOCK = 1213  # "Deadlock found when trying to get lock": the transaction is gone


class MySQLAdapter(Adapter):
    """Adapter for MySQL (>= 5.7) and MariaDB (>= 10.3) through PyMySQL.

    Options (keyword arguments of ``Database``/``connect`` or URL query keys):
    ``charset`` (default ``utf8mb4``), ``collation``, ``unix_socket``,
    ``connect_timeout`` (seconds, default 5), ``read_timeout``, ``write_timeout``,
    ``init_command``, ``sql_mode``, ``ssl_ca``/``ssl_cert``/``ssl_key``/``ssl_disabled``/
    ``ssl_verify_cert``/``ssl_verify_identity``, ``program_name``; pool options
    ``pool_size``, ``pool_timeout``, ``ping_interval`` (default 2 s), ``pool_recycle``
    (default 3600 s; ``None`` never recycles). An unknown URL query key is a
    ConfigurationError (a misspelled ``unix_socket`` must not silently mean TCP).
    """

    name = "mysql"
    driver = "pymysql"
    dialect_class = MySQLDialect
    introspector_class = MySQLIntrospector
    schema_editor_class = MySQLSchemaEditor
    creation_class = MySQLCreation
    introspector: MySQLIntrospector
    default_recycle = 3600.0  # below the server's default wait_timeout (28800 s)
    extra_driver_errors = (OSError,)  # a socket that died under PyMySQL

    @functools.cached_property
    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """PyMySQL's ``MySQLError`` (the base of its ``Error`` and ``Warning``) and
        ``OSError``."""
        return (self.dbapi.err.MySQLError, *self.extra_driver_errors)

    def __init__(self, config: DatabaseConfig, options: dict | None = None):
        super().__init__(config, options)
        unknown = sorted(set(config.query) - set(DRIVER_OPTIONS) - _URL_ONLY)
        if unknown:
            raise errors.ConfigurationError(
                f"unknown MySQL URL option(s) {', '.join(unknown)} in {config.safe_url()}; "
                f"known: {', '.join(sorted(DRIVER_OPTIONS))}")
        self.mariadb: bool | None = None
        self.server_version_text: str | None = None
        self._connect_args = self._driver_args()

    def _driver_args(self) -> dict:
        opts = {k: v for k, v in self.config.query.items() if k in DRIVER_OPTIONS}
        opts.update({k: v for k, v in self.options.items() if k in DRIVER_OPTIONS})
        try:
            opts = {k: DRIVER_OPTIONS[k](v) for k, v in opts.items() if v is not None}
        except (TypeError, ValueError) as exc:
            raise errors.ConfigurationError(
                f"bad MySQL option for {self.config.safe_url()}: {exc}") from None
        self._user_init = opts.pop("init_command", None)
        self._sql_mode = opts.pop("sql_mode", None)
        args = dict(host=self.config.host or "localhost", port=self.config.port or 3306,
                    user=self.config.user, password=self.config.password or "",
                    database=self.config.database, charset="utf8mb4",
                    connect_timeout=5.0, autocommit=True, init_command=_SESSION_SQL)
        args.update(opts)
        if self._sql_mode is not None:
            args["init_command"] = "SET SESSION time_zone = '+00:00'"
            args["sql_mode"] = self._sql_mode
        return args

    def setup(self) -> tuple:
        """The PyMySQL arguments with the defaults filled in (port 3306, host
        ``localhost``, ``charset=utf8mb4``, option values converted), and the other
        options: ``mysql://h/db`` and ``mysql://h/db?charset=utf8mb4`` are one setup."""
        rest = {k: v for k, v in self.options.items() if k not in DRIVER_OPTIONS}
        return self._connect_args, self._user_init, rest

    # -- connections ---------------------------------------------------------------
    def where(self) -> str:
        """Return where the server is, for messages: ``host:port`` or the socket."""
        args = self._connect_args
        if args.get("unix_socket"):
            return f"unix socket {args['unix_socket']}"
        return f"{args['host']}:{args['port']}"

    def connect(self) -> Any:
        pymysql = self.dbapi
        args = dict(self._connect_args, client_flag=pymysql.constants.CLIENT.FOUND_ROWS,
                    cursorclass=_cursor_class(pymysql))
        # PyMySQL's connect_timeout bounds only the TCP connect; the handshake and the
        # session setup then read with read_timeout (default: forever), so a server
        # that accepts but never answers would hang the checkout. Read with the
        # connect timeout until connected, then restore the configured read timeout
        # (PyMySQL re-applies `_read_timeout` before its next read: _read_bytes).
        read_timeout = args.get("read_timeout")
        limit = args["connect_timeout"]
        try:
            conn = pymysql.connect(**dict(args, read_timeout=min(read_timeout or limit, limit)))
            conn._read_timeout = read_timeout
        except pymysql.err.MySQLError as exc:
            # PyMySQL's messages never contain the password ("using password: YES").
            raise errors.ConnectionError(
                f"cannot connect to MySQL/MariaDB at {self.where()}, database "
                f"{self.config.database!r}, user {self.config.user!r}: "
                f"{_text(exc, pymysql.err.InterfaceError)}"
            ) from exc
        if self._user_init:
            try:
                cur = conn.cursor()
                cur.execute(self._user_init)  # no params: the user's text is sent as is
                cur.close()
            except pymysql.err.MySQLError as exc:
                self.close(conn)
                raise self.translate_error(exc, self._user_init) from exc
        return conn

    def ping(self, conn: Any) -> bool:
        """Return whether ``conn`` answers a ``COM_PING`` (never reconnects)."""
        try:
            conn.ping(reconnect=False)
            return True
        except Exception:  # noqa: BLE001 - any failure means "not usable"
            return False

    def detect_features(self, conn: Any) -> Features:
        cur = conn.cursor()
        cur.execute("SELECT VERSION()", ())
        text = cur.fetchone()[0]
        cur.close()
        mariadb, version = parse_server_version(text)
        self.mariadb, self.server_version_text = mariadb, text
        self.introspector.server = (mariadb, version)
        return Features(
            server_version=version,
            # MariaDB 10.5.0: INSERT ... RETURNING (MDEV-10014); MySQL has none.
            supports_returning=mariadb and version >= (10, 5),
            supports_update_returning=False,
            supports_savepoints=True,
            supports_transactional_ddl=False,  # DDL commits implicitly (manual 15.3.3)
            supports_upsert=True,              # INSERT ... ON DUPLICATE KEY UPDATE
            supports_nulls_ordering=False,
            supports_native_uuid=mariadb and version >= (10, 7),  # MDEV-4958
            supports_native_boolean=False,     # BOOLEAN is TINYINT(1)
            supports_lock_of=not mariadb and version >= (8, 0),  # MariaDB: no OF
            max_parameters=65535,              # the protocol's prepared-statement limit
        )

    # -- statements ----------------------------------------------------------------
    def execute(self, conn: Any, sql: str, params: Sequence[Any]) -> Any:
        cur = conn.cursor()
        # Always a sequence: PyMySQL applies `%` (and so unescapes `%%`) only then.
        cur.execute(sql, params if params is not None else ())
        return cur

    def type_for(self, column: ColumnInfo) -> Type:
        return type_for(column)

    # -- errors --------------------------------------------------------------------
    def in_transaction(self, conn: Any) -> bool:
        """The ``SERVER_STATUS_IN_TRANS`` flag of the server's last OK/EOF packet
        (``conn.server_status``, PyMySQL; the MySQL client/server protocol's status
        flags): set from a BEGIN until its COMMIT or ROLLBACK, no round trip."""
        return bool(conn.server_status & _SERVER_STATUS_IN_TRANS)

    def transaction_probe(self) -> Callable[[Any], Any]:
        """What the pool asks of a connection given back: inside a transaction, or
        with autocommit turned off (``SET autocommit=0`` sent by hand: its next
        user's writes would stay uncommitted); both are in the status flags."""
        def dirty(conn: Any) -> bool:
            status = conn.server_status
            return bool(status & _SERVER_STATUS_IN_TRANS or
                        not status & _SERVER_STATUS_AUTOCOMMIT)
        return dirty

    def reset(self, conn: Any) -> None:
        """Roll back an open transaction and turn autocommit back on (PyMySQL's
        ``rollback()`` and ``autocommit(True)``) before the pool takes ``conn``
        back. Raises the driver's error when either fails."""
        if self.in_transaction(conn):
            conn.rollback()
        if not conn.server_status & _SERVER_STATUS_AUTOCOMMIT:
            conn.autocommit(True)

    def transaction_lost(self, conn: Any, exc: BaseException) -> bool:
        """A deadlock (error 1213): InnoDB rolled the whole transaction back (the MySQL
        manual, "Deadlocks in InnoDB"); the error packet carries no status flags, so
        the error code tells."""
        args: tuple[Any, ...] = exc.args
        return bool(args) and args[0] == _ER_LOCK_DEADLOCK

    def is_disconnect(self, exc: BaseException) -> bool:
        err = self.dbapi.err
        if isinstance(exc, (err.InterfaceError, OSError)):
            return True  # PyMySQL: InterfaceError(0, '') on a closed connection
        if _code(exc) in _DISCONNECT:
            return True
        return isinstance(exc, err.Error) and str(exc) in (
            "Already closed", "('Already closed',)")

    def translate_error(self, exc: BaseException, sql: str | None = None,
                        params: Any = None) -> Exception:
        kw = {"sql": sql, "params": params}
        code, msg = _code(exc), _text(exc, self.dbapi.err.InterfaceError)
        if self.is_disconnect(exc):
            return errors.ConnectionError(
                f"lost the connection to {self.describe()}: {msg}", **kw)
        if code == 1146:
            return errors.TableNotFound(self._table_message(exc, msg), **kw)
        cls = _BY_CODE.get(code) if code is not None else None
        if cls is not None:
            return cls(msg, **kw)
        return self._by_class(exc, msg, kw)

    def _by_class(self, exc: BaseException, msg: str, kw: dict) -> Exception:
        state = getattr(exc, "sqlstate", None) or ""
        cls = _SQLSTATE_CLASSES.get(state[:2]) or (
            errors.SerializationFailure if state == "40001" else None)
        if cls is not None:
            return cls(msg, **kw)
        return self.translate_by_driver_class(exc, kw, msg)

    def _table_message(self, exc: BaseException, msg: str) -> str:
        m = _TABLE_MSG.search(str(exc.args[1]) if len(exc.args) > 1 else "")
        name, database = (m.group(1) if m else "?"), self.config.database
        if database and name.startswith(database + "."):
            name = name[len(database) + 1:]
        elif "." in name:
            database, name = name.split(".", 1)
        return (f"table {name!r} does not exist in database {database!r} "
                f"({self.describe()}): {msg}")
