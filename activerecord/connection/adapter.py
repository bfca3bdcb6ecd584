"""The adapter contract: what a backend must provide, on top of its PEP 249 driver.

One adapter instance serves one :class:`~activerecord.connection.database.Database`.
It opens raw driver connections (always in autocommit mode: the Database issues
``BEGIN``/``COMMIT``/``SAVEPOINT`` itself, so all three drivers behave alike), detects
the server's :class:`Features`, owns the :class:`Dialect`, the :class:`Introspector` and
the type mapping, and translates driver exceptions into ``activerecord.errors``.

The driver module is imported inside :meth:`Adapter.connect` (or the backend package's
``adapter.py``), never by the core.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from ..types import Type
from .dialect import Dialect
from .features import Features
from .introspection import ColumnInfo, Introspector
from .pool import ConnectionPool, Pool
from .url import DatabaseConfig

__all__ = ["Adapter"]


class Adapter(ABC):
    """Base class of backend adapters.

    Class attributes a backend sets:
        name: ``"sqlite"``, ``"postgresql"``, ``"mysql"``.
        dialect_class: its :class:`Dialect` subclass.
        introspector_class: its :class:`Introspector` subclass.

    Args:
        config: the parsed URL.
        options: connect options (``pool_size``, ``pool_timeout`` in seconds,
            ``ping_interval`` in seconds, ``pool_recycle`` in seconds, and
            backend-specific ones); unknown keys are ignored by the base class.
    """

    name: ClassVar[str] = "generic"
    dialect_class: ClassVar[type[Dialect]] = Dialect
    introspector_class: ClassVar[type[Introspector]]

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

    def create_pool(self) -> Pool:
        """Return the pool this adapter's Database uses (generic :class:`ConnectionPool`)."""
        return ConnectionPool(
            self.connect, size=int(self.options.get("pool_size", 5)),
            timeout=float(self.options.get("pool_timeout", 5.0)),
            close=self.close, ping=self.ping,
            ping_interval=self.options.get("ping_interval", 2.0),
            recycle=self.options.get("pool_recycle"), describe=self.describe())

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

    # -- statements ----------------------------------------------------------------
    def execute(self, conn: Any, sql: str, params: tuple | list) -> Any:
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
    #: The driver's base exception class(es); the Database catches these.
    driver_errors: tuple[type[BaseException], ...] = ()

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

    # -- types ---------------------------------------------------------------------
    @abstractmethod
    def type_for(self, column: ColumnInfo) -> Type:
        """Return the attribute :class:`Type` for an introspected column."""
