"""The adapter contract: what a backend must provide, on top of its PEP 249 driver.

One adapter instance serves one :class:`~activerecord.connection.database.Database`.
It opens raw driver connections (always in autocommit mode: the Database issues
``BEGIN``/``COMMIT``/``SAVEPOINT`` itself, so all three drivers behave alike), detects
the server's :class:`Features`, owns the :class:`Dialect`, the :class:`Introspector` and
the type mapping, and translates driver exceptions into ``activerecord.errors``.

Every extension point is declared here as a class attribute or a method with a default
(Django's ``BaseDatabaseWrapper`` declares its ``*_class`` attributes the same way):
``dialect_class``, ``introspector_class``, ``compiler_class``, ``schema_editor_class``,
``creation_class`` (creates and drops databases: ``connection/creation.py``),
``driver``, the pool
defaults ``ping_connections`` and ``default_recycle``, and ``extra_driver_errors``.

The driver module is imported when the first connection is opened (:attr:`Adapter.dbapi`),
never when the core, a backend package or a dialect is imported, so everything but
connecting works with only the standard library installed (docs/architecture.md,
"Adding a backend").
"""

from __future__ import annotations

import functools
import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, ClassVar

from .. import errors
from ..sql.compiler import Compiler
from ..types import Type
from .creation import DatabaseCreation
from .dialect import Dialect
from .features import Features
from .introspection import ColumnInfo, Introspector
from .pool import ConnectionPool, Pool
from .schema_editor import SchemaEditor
from .url import DatabaseConfig

__all__ = ["Adapter", "import_driver"]

#: PEP 249's exception classes (names every driver module exports) and ours, the
#: most specific first; what :meth:`Adapter.translate_by_driver_class` maps by.
_PEP249 = (
    ("IntegrityError", errors.IntegrityError),
    ("DataError", errors.DataError),
    ("ProgrammingError", errors.ProgrammingError),
    ("NotSupportedError", errors.NotSupportedError),
    ("OperationalError", errors.OperationalError),
    ("InterfaceError", errors.InterfaceError),
)


@functools.cache
def import_driver(name: str) -> ModuleType:
    """Import and return the driver module ``name`` (cached).

    Raises:
        ConfigurationError: it is not installed, naming the extra that installs it.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise errors.ConfigurationError(
            f"the database driver {name!r} cannot be imported: {exc}; is it installed "
            "(pip install 'activerecord[postgresql]' / 'activerecord[mysql]')?") from exc


class Adapter(ABC):
    """Base class of backend adapters.

    Class attributes a backend sets (the rest have defaults, documented below):
        name: ``"sqlite"``, ``"postgresql"``, ``"mysql"``.
        driver: the import name of its PEP 249 module (``"psycopg"``).
        dialect_class: its :class:`Dialect` subclass.
        introspector_class: its :class:`Introspector` subclass.

    Args:
        config: the parsed URL.
        options: connect options (``pool_size``, ``pool_timeout`` in seconds,
            ``ping_interval`` in seconds, ``pool_recycle`` in seconds, and
            backend-specific ones); unknown keys are ignored by the base class.
    """

    name: ClassVar[str] = "generic"
    driver: ClassVar[str] = ""
    dialect_class: ClassVar[type[Dialect]] = Dialect
    introspector_class: ClassVar[type[Introspector]]
    #: The :class:`~activerecord.sql.compiler.Compiler` (sub)class the Database
    #: compiles with, built with this adapter's dialect at the first connect.
    compiler_class: ClassVar[type[Compiler]] = Compiler
    #: The :class:`~activerecord.connection.schema_editor.SchemaEditor` (sub)class
    #: migrations change this backend's schema with.
    schema_editor_class: ClassVar[type[SchemaEditor]] = SchemaEditor
    #: The :class:`~activerecord.connection.creation.DatabaseCreation` (sub)class that
    #: creates and drops this backend's databases (``activerecord db create|drop``).
    creation_class: ClassVar[type[DatabaseCreation]] = DatabaseCreation
    #: Whether the pool pings a connection that was idle for ``ping_interval``
    #: seconds before handing it out (:meth:`ping`); SQLite's files need no ping.
    ping_connections: ClassVar[bool] = True
    #: Seconds after which the pool replaces a connection when the ``pool_recycle``
    #: option is not given; ``None`` never does (MySQL: 3600, below ``wait_timeout``).
    default_recycle: ClassVar[float | None] = None
    #: Exception classes besides the driver's ``Error`` that a statement may raise and
    #: :meth:`translate_error` translates (built-ins only: nothing of the driver is
    #: imported when the class is defined).
    extra_driver_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self, config: DatabaseConfig, options: dict | None = None):
        self.config = config
        self.options = dict(options or {})
        self.features: Features | None = None
        self.dialect: Dialect = self.dialect_class()
        self.introspector: Introspector = self.introspector_class()

    # -- connections ---------------------------------------------------------------
    @abstractmethod
    def connect(self) -> Any:
        """Open and return a new DB-API connection in autocommit mode.

        Raises:
            activerecord.errors.ConnectionError: the server cannot be reached or refuses
                the login; the message names host, port and database, never the password.
        """

    @abstractmethod
    def detect_features(self, conn: Any) -> Features:
        """Return the :class:`Features` of the server behind ``conn`` (version-based)."""

    @property
    def dbapi(self) -> ModuleType:
        """The driver module (:attr:`driver`), imported at first use: the first
        connect. Raises ConfigurationError when it is not installed."""
        return import_driver(self.driver)

    def pool_options(self) -> dict[str, Any]:
        """Return the keyword arguments of the :class:`ConnectionPool`: the options
        ``pool_size`` (5), ``pool_timeout`` (5 s), ``ping_interval`` (2 s, when
        :attr:`ping_connections`) and ``pool_recycle`` (:attr:`default_recycle`)."""
        ping = self.ping_connections
        return dict(size=int(self.options.get("pool_size", 5)),
                    timeout=float(self.options.get("pool_timeout", 5.0)),
                    close=self.close, ping=self.ping if ping else None,
                    ping_interval=self.options.get("ping_interval", 2.0) if ping else None,
                    recycle=self.options.get("pool_recycle", self.default_recycle),
                    describe=self.describe(), in_transaction=self.transaction_probe(),
                    rollback=self.reset)

    def create_pool(self) -> Pool:
        """Return the pool this adapter's Database uses: a :class:`ConnectionPool`
        over :meth:`connect` with :meth:`pool_options`."""
        return ConnectionPool(self.connect, **self.pool_options())

    def ping(self, conn: Any) -> bool:
        """Return whether ``conn`` still answers (runs ``SELECT 1``)."""
        try:
            cur = conn.cursor()
            cur.execute("SELECT 1")
            cur.fetchall()
            cur.close()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not usable"
            return False

    def close(self, conn: Any) -> None:
        """Close ``conn``, ignoring errors (it may already be dead)."""
        try:
            conn.close()
        except Exception:  # noqa: BLE001
            pass

    def describe(self) -> str:
        """Return the database's URL without the password, for messages."""
        return self.config.safe_url()

    def setup(self) -> tuple:
        """Return what this adapter connects to and with, compared (``==``) by
        ``connect()`` to reuse a registered Database for an equal setup: the URL's
        ``DatabaseConfig.identity`` and the options. A backend that knows its driver's
        defaults returns the arguments it actually connects with instead, so that an
        option spelled out at its default is no other setup (MySQL)."""
        return self.config.identity(), self.options

    # -- statements ----------------------------------------------------------------
    def execute(self, conn: Any, sql: str, params: Sequence[Any]) -> Any:
        """Run one statement on ``conn`` and return the open cursor.

        ``params`` is always a sequence (possibly empty) so that format-paramstyle
        drivers always unescape ``%%``. Driver errors propagate raw; the Database
        translates them with :meth:`translate_error`.
        """
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur

    def executemany(self, conn: Any, sql: str, seq_of_params: list) -> Any:
        """Run one statement once per parameter sequence; return the cursor."""
        cur = conn.cursor()
        cur.executemany(sql, seq_of_params)
        return cur

    def last_insert_id(self, cursor: Any) -> Any:
        """Return the key the last INSERT on ``cursor`` generated (``lastrowid``)."""
        return cursor.lastrowid

    # -- errors --------------------------------------------------------------------
    @functools.cached_property
    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """The exception classes the Database catches around a statement and hands to
        :meth:`translate_error`: the driver's PEP 249 ``Error`` plus
        :attr:`extra_driver_errors`. Read when a statement fails, so after the first
        connect imported the driver (computed once)."""
        return (self.dbapi.Error, *self.extra_driver_errors)

    def translate_by_driver_class(self, exc: BaseException, kw: dict[str, Any],
                                  message: str | None = None) -> errors.DatabaseError:
        """Return the ``activerecord.errors`` class of ``exc``'s PEP 249 class (the
        driver's ``IntegrityError`` -> :class:`~activerecord.errors.IntegrityError`,
        ``DataError``, ``ProgrammingError``, ``NotSupportedError``,
        ``OperationalError``, ``InterfaceError``), else ``DatabaseError``: the last
        resort of every :meth:`translate_error`, after codes and SQLSTATEs.

        ``kw`` holds the ``sql``/``params`` keywords of the error; ``message`` defaults
        to ``str(exc)``.
        """
        dbapi = self.dbapi
        text = str(exc) if message is None else message
        for name, ours in _PEP249:
            theirs = getattr(dbapi, name, None)
            if isinstance(theirs, type) and isinstance(exc, theirs):
                return ours(text, **kw)
        return errors.DatabaseError(text, **kw)

    @abstractmethod
    def translate_error(self, exc: BaseException, sql: str | None = None,
                        params: Any = None) -> Exception:
        """Return the ``activerecord.errors`` exception for driver error ``exc``.

        The Database raises the result ``from exc``. Unique, foreign-key and not-null
        violations map to RecordNotUnique, InvalidForeignKey and NotNullViolation; a
        missing table to TableNotFound (naming the table and the database); a lost
        connection to ConnectionError.
        """

    def is_disconnect(self, exc: BaseException) -> bool:
        """Return whether ``exc`` means the connection is dead and must be discarded."""
        return False

    def transaction_lost(self, conn: Any, exc: BaseException) -> bool:
        """Return whether ``conn`` is no longer inside the transaction it was in, a
        statement having just failed in it with ``exc`` (the driver's error): the
        database rolled the whole transaction back itself (MySQL/MariaDB on a
        deadlock; SQLite on a ``RAISE(ROLLBACK)``). False by default, and on
        PostgreSQL, whose failed transaction stays open until a ROLLBACK (see
        :meth:`transaction_aborted`)."""
        return False

    def transaction_aborted(self, conn: Any) -> bool:
        """Return whether ``conn``'s open transaction can no longer commit: an error
        inside it aborted it (PostgreSQL's "in failed transaction" state, where
        COMMIT answers ROLLBACK without an error). False where an error leaves the
        transaction usable (SQLite, MySQL/MariaDB), the default."""
        return False

    def in_transaction(self, conn: Any) -> bool:
        """Return whether the driver reports ``conn`` inside a transaction (a BEGIN
        not yet ended by COMMIT or ROLLBACK). The Database asks after a statement sent
        by hand (``execute("BEGIN")``) and keeps such a connection with its context
        until the transaction ends; the pool asks before taking a connection back.
        Each backend reads its driver's own flag, without a round trip; False here."""
        return False

    def transaction_probe(self) -> Callable[[Any], Any]:
        """Return the callable the pool asks, for each connection given back, whether
        the driver reports it inside a transaction (truthy: yes): :meth:`in_transaction`
        by default; a backend whose driver keeps the answer in one attribute returns an
        ``operator.attrgetter`` of it, which costs no Python call per check-in."""
        return self.in_transaction

    def reset(self, conn: Any) -> None:
        """Make ``conn`` fit to go back to the pool: roll back a transaction the
        driver reports open (:meth:`in_transaction`), so no connection is ever handed
        out inside one. Raises the driver's error when the ROLLBACK fails (the pool
        then discards the connection)."""
        if self.in_transaction(conn):
            conn.rollback()

    def schema_changed(self, pool: Pool) -> None:  # noqa: B027 - optional hook
        """Called after a migration changed the schema: forget what connections cached
        about it. Nothing by default; PostgreSQL deallocates the prepared statements of
        the idle pooled connections, so a prepared ``SELECT`` never fails with "cached
        plan must not change result type"."""

    # -- types ---------------------------------------------------------------------
    @abstractmethod
    def type_for(self, column: ColumnInfo) -> Type:
        """Return the attribute :class:`Type` for an introspected column."""
