"""The Flask extension: ``ActiveRecord(app)`` (or ``ext.init_app(app)``) connects the
app's database, makes it the default one for models, and makes sure each request
leaves no connection checked out and no transaction open (``pip install
'activerecord[flask]'``; docs/web.md).

It follows Flask-SQLAlchemy's pattern (``init_app``, ``app.extensions``, cleanup at
app-context teardown) and Rails' executor, which returns a request's connections when
it completes:

* every app context (a request, a CLI command, ``with app.app_context()``) runs in
  ``Database.connection_scope()``; at its teardown a transaction left open (a raw
  ``BEGIN`` sent through ``Database.execute``, a ``transaction()`` context entered and
  never exited) is rolled back and its connection returned, the leak logged at
  WARNING on ``activerecord.pool`` (docs/architecture.md, "Connections and
  transactions");
* ``ACTIVERECORD_PIN_PER_REQUEST``: one connection for each whole request;
* ``X-Query-Count`` on each response when ``app.debug`` or
  ``ACTIVERECORD_QUERY_COUNT_HEADER``;
* ``error_handlers=True``: 404 for ``RecordNotFound``, 422 with the record's errors as
  JSON for ``RecordInvalid``, and for ``AttributeCastError`` (a value its column cannot
  take, such as ``year="abc"``);
* ``flask db migrate|rollback|redo|status|new`` (the ``activerecord`` command line's
  migration commands, on the app's database and ``db/migrate`` folder) and the models
  in ``flask shell``.
"""

from __future__ import annotations

import logging
import os
import weakref
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import click
from flask import (
    Flask,
    Response,
    appcontext_pushed,
    current_app,
    g,
    has_app_context,
    jsonify,
    request_started,
)
from flask.cli import with_appcontext
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from .. import cli as _cli
from ..associations import reflection as _reflection
from ..connection.database import Database
from ..connection.handling import connect
from ..connection.scope import ConnectionScope
from ..errors import (
    AttributeCastError,
    ConfigurationError,
    ConnectionError,
    DatabaseError,
    RecordInvalid,
    RecordNotFound,
)
from . import _scope

__all__ = ["ActiveRecord", "Settings", "SETTINGS", "db_command", "registered_models"]

log = logging.getLogger("activerecord.flask")

#: The ``app.config`` keys the extension reads, and what each means (docs/web.md).
SETTINGS: dict[str, str] = {
    "ACTIVERECORD_DATABASE_URL": "the database URL (else DATABASE_URL in app.config, "
                                 "else $DATABASE_URL)",
    "ACTIVERECORD_POOL_SIZE": "most connections open at once (default 5)",
    "ACTIVERECORD_POOL_TIMEOUT": "seconds a checkout waits for a free connection "
                                 "(default 5)",
    "ACTIVERECORD_SLOW_QUERY_MS": "statements slower than this are logged at WARNING "
                                  "(default 500; 0: off)",
    "ACTIVERECORD_CHECK_ON_START": "connect in ActiveRecord(app), so a wrong password or "
                                   "an unreachable server fails at start (default True)",
    "ACTIVERECORD_PIN_PER_REQUEST": "one connection for each whole request (default False)",
    "ACTIVERECORD_QUERY_COUNT_HEADER": "send X-Query-Count (default: app.debug)",
    "ACTIVERECORD_MIGRATIONS_PATH": "the migrations folder (default <root_path>/db/migrate)",
    "ACTIVERECORD_SCHEMA_PATH": "the schema file flask db writes (default "
                                "<root_path>/db/schema.py)",
}

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")
_G_SCOPES = "_activerecord_scopes"
_G_REQUEST = "_activerecord_request"


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Settings:
    """The extension's settings, read from ``app.config`` by :meth:`from_config` (the
    URL is left out of the repr: it may hold a password)."""

    url: str | None = field(repr=False)
    pool_size: int | None = None
    pool_timeout: float | None = None
    slow_query_ms: float | None = None
    check_on_start: bool = True
    pin_per_request: bool = False
    query_count_header: bool | None = None
    migrations_path: str = "db/migrate"
    schema_path: str = "db/schema.py"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], root_path: str = ".") -> Settings:
        """Read and check the ``ACTIVERECORD_*`` keys of ``config`` (see
        :data:`SETTINGS`); relative paths are taken from ``root_path``.

        Raises:
            ConfigurationError: an unknown ``ACTIVERECORD_`` key (naming the known
                ones) or a value of the wrong kind (naming the key), on one line.
        """
        unknown = sorted(k for k in config if isinstance(k, str)
                         and k.startswith("ACTIVERECORD_") and k not in SETTINGS)
        if unknown:
            raise ConfigurationError(f"unknown setting {', '.join(unknown)} in app.config; "
                                     f"known: {', '.join(SETTINGS)}")
        url = config.get("ACTIVERECORD_DATABASE_URL") or config.get("DATABASE_URL") \
            or os.environ.get("DATABASE_URL")
        if url is not None and not isinstance(url, str):
            raise ConfigurationError("ACTIVERECORD_DATABASE_URL must be a URL string such "
                                     f"as sqlite:///app.db, not {type(url).__name__}")
        header = config.get("ACTIVERECORD_QUERY_COUNT_HEADER")
        return cls(
            url=url,
            pool_size=_number(config, "ACTIVERECORD_POOL_SIZE", int, 1),
            pool_timeout=_number(config, "ACTIVERECORD_POOL_TIMEOUT", float, 0),
            slow_query_ms=_number(config, "ACTIVERECORD_SLOW_QUERY_MS", float, 0),
            check_on_start=_flag(config, "ACTIVERECORD_CHECK_ON_START", True),
            pin_per_request=_flag(config, "ACTIVERECORD_PIN_PER_REQUEST", False),
            query_count_header=None if header is None else
            _flag(config, "ACTIVERECORD_QUERY_COUNT_HEADER", False),
            migrations_path=_path(config, "ACTIVERECORD_MIGRATIONS_PATH", root_path,
                                  "db/migrate"),
            schema_path=_path(config, "ACTIVERECORD_SCHEMA_PATH", root_path,
                              "db/schema.py"))

    def connect_options(self) -> dict[str, Any]:
        """The keywords for ``connect()``: only the settings that were given (the
        others keep the URL's or the Database's defaults)."""
        given = {"pool_size": self.pool_size, "pool_timeout": self.pool_timeout,
                 "slow_query_ms": self.slow_query_ms}
        return {k: v for k, v in given.items() if v is not None}


def _number(config: Mapping[str, Any], key: str, kind: type, least: float) -> Any:
    value = config.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number < least:
        what = "a whole number" if kind is int else "a number"
        raise ConfigurationError(f"{key} must be {what} from {least:g}, not {value!r}")
    return number


def _flag(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ConfigurationError(f"{key} must be True or False (or one of "
                             f"{', '.join(_TRUE + _FALSE[:-1])}), not {value!r}")


def _path(config: Mapping[str, Any], key: str, root: str, default: str) -> str:
    value = config.get(key) or default
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigurationError(f"{key} must be a path, not {type(value).__name__}")
    return os.path.join(root, os.fspath(value))


@dataclass
class _Binding:
    # What the extension keeps for one app.
    database: Database
    settings: Settings


def start_database(settings: Settings) -> Database:
    """Connect the database of ``settings`` (registered and made the default one, as
    ``connect()`` does) and, with ``check_on_start``, open its first connection.

    Raises:
        ConfigurationError: no URL, a malformed one, an unknown scheme.
        ConnectionError: with ``check_on_start``, the server refused or cannot be
            reached (a wrong password, no server at that port, no such SQLite folder).

    Each message is one line and never holds the password.
    """
    if not settings.url:
        raise ConfigurationError("no database for the Flask app: set "
                                 "ACTIVERECORD_DATABASE_URL (or DATABASE_URL) in app.config, "
                                 "e.g. sqlite:///app.db")
    try:
        database = connect(settings.url, **settings.connect_options())
    except ConfigurationError as exc:
        raise ConfigurationError(_one_line(f"ACTIVERECORD_DATABASE_URL: {exc}")) from None
    if settings.check_on_start:
        try:
            database.pool  # noqa: B018 - opens the pool: one connection, its features read
        except DatabaseError as exc:
            database.close()
            raise ConnectionError(_one_line(
                f"the Flask app's database {database.name} cannot be used: {exc}")) from None
    log.info("activerecord: the Flask app's database is %s", database.name)
    return database


def registered_models() -> dict[str, type]:
    """Every model class defined so far (not abstract), by class name; a name defined
    in two places names the one defined last. What ``flask shell`` is given."""
    return _reflection.model_classes()


class ActiveRecord:
    """The Flask extension (Flask-SQLAlchemy's pattern): ``ActiveRecord(app)``, or
    ``ext = ActiveRecord()`` and later ``ext.init_app(app)`` in an app factory.

    Args:
        app: the Flask app to set up now, or None (call :meth:`init_app`).
        error_handlers: answer ``RecordNotFound`` with 404 (the app's own 404 handler
            when it has one) and ``RecordInvalid`` with 422 and
            ``{"errors": record.errors.as_dict()}``.

    Raises (in ``ActiveRecord(app)`` / ``init_app``): ``ConfigurationError`` for a
    missing or malformed URL or a bad setting, ``ConnectionError`` when the database
    cannot be reached and ``ACTIVERECORD_CHECK_ON_START`` is true (the default).
    """

    def __init__(self, app: Flask | None = None, *, error_handlers: bool = False):
        self.error_handlers = error_handlers
        self._bindings: weakref.WeakKeyDictionary[Flask, _Binding] = \
            weakref.WeakKeyDictionary()
        self._last: _Binding | None = None
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        return f"<ActiveRecord {self._last.database.name if self._last else 'unbound'}>"

    def init_app(self, app: Flask) -> None:
        """Connect ``app``'s database (``app.config``, see :data:`SETTINGS`), make it
        the default one, and register the extension as ``app.extensions["activerecord"]``
        with its teardown, signals, CLI group, shell context and error handlers.

        Raises:
            RuntimeError: the app has an ActiveRecord extension already.
            ConfigurationError, ConnectionError: see the class.
        """
        if "activerecord" in app.extensions:
            raise RuntimeError("an ActiveRecord extension is registered on this Flask app "
                               "already (app.extensions['activerecord'])")
        settings = Settings.from_config(app.config, app.root_path)
        binding = _Binding(start_database(settings), settings)
        self._bindings[app] = self._last = binding
        app.extensions["activerecord"] = self
        appcontext_pushed.connect(self._context_pushed, app)
        app.teardown_appcontext(self._context_teardown)
        request_started.connect(self._request_started, app)
        app.teardown_request(self._request_teardown)
        app.after_request(self._query_count_header)
        app.shell_context_processor(self._shell_context)
        app.cli.add_command(db_command)
        if self.error_handlers:
            app.register_error_handler(RecordNotFound, record_not_found)
            app.register_error_handler(RecordInvalid, record_invalid)
            app.register_error_handler(AttributeCastError, attribute_cast_error)

    # -- what the app uses ---------------------------------------------------------------
    @property
    def database(self) -> Database:
        """The Database of the current app (outside an app context: of the app set up
        last). Raises RuntimeError before :meth:`init_app`."""
        return self._binding().database

    @property
    def settings(self) -> Settings:
        """The :class:`Settings` read from the current app's config."""
        return self._binding().settings

    def _binding(self, app: Flask | None = None) -> _Binding:
        if app is None and has_app_context():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        binding = self._bindings.get(app) if app is not None else None
        binding = binding or self._last
        if binding is None:
            raise RuntimeError("ActiveRecord: call init_app(app) first")
        return binding

    # -- the scope of each app context and request --------------------------------------
    def _context_pushed(self, app: Flask, **_: Any) -> None:
        # appcontext_pushed: the app context (a request's, a CLI command's) runs in a
        # connection scope, closed at its teardown.
        self._enter(self._binding(app).database.connection_scope(), _G_SCOPES)

    def _context_teardown(self, exc: BaseException | None) -> None:
        self._leave(_G_SCOPES)

    def _request_started(self, app: Flask, **_: Any) -> None:
        # request_started (before any before_request function): the pinned connection
        # and the statement count, both ended at teardown_request.
        binding = self._binding(app)
        if binding.settings.pin_per_request:
            self._enter(binding.database.connection_scope(pin=True), _G_REQUEST)
        if self._counts(app, binding):
            g.setdefault(_G_REQUEST + "_count", _scope.start_counting(binding.database))

    def _request_teardown(self, exc: BaseException | None) -> None:
        token = g.pop(_G_REQUEST + "_count", None)
        if token is not None:
            _scope.stop_counting(token)
        self._leave(_G_REQUEST)

    @staticmethod
    def _enter(manager: AbstractContextManager[ConnectionScope], key: str) -> None:
        manager.__enter__()
        g.setdefault(key, []).append(manager)

    @staticmethod
    def _leave(key: str) -> None:
        managers = g.get(key) or []
        while managers:
            managers.pop().__exit__(None, None, None)

    @staticmethod
    def _counts(app: Flask, binding: _Binding) -> bool:
        header = binding.settings.query_count_header
        return bool(app.debug) if header is None else header

    def _query_count_header(self, response: Response) -> Response:
        counter = _scope.current_count()
        if counter is not None and g.get(_G_REQUEST + "_count") is not None:
            response.headers["X-Query-Count"] = str(counter.count)
        return response

    def _shell_context(self) -> dict[str, Any]:
        return {"db": self.database, **registered_models()}


# -- error handlers ------------------------------------------------------------------------
def record_not_found(error: RecordNotFound) -> ResponseReturnValue:
    """``RecordNotFound`` -> 404: handled as werkzeug's ``NotFound``, so the app's own
    404 handler (or page) answers, as Rails maps ``ActiveRecord::RecordNotFound``."""
    return current_app.handle_http_exception(NotFound())


def record_invalid(error: RecordInvalid) -> ResponseReturnValue:
    """``RecordInvalid`` -> 422 with ``{"errors": record.errors.as_dict()}`` (Rails'
    ``render json: {errors: record.errors}, status: :unprocessable_entity``)."""
    errors = error.errors.as_dict() if error.errors is not None else {}
    return jsonify(errors=errors), 422


def attribute_cast_error(error: AttributeCastError) -> ResponseReturnValue:
    """``AttributeCastError`` (a value its column's type cannot take, such as
    ``year="abc"`` for an integer column, assigned from a request) -> 422 with
    ``{"errors": {attribute: [message]}}`` (``"base"`` when no attribute is known), as
    an invalid record is answered; Rails answers a numericality error the same way."""
    return jsonify(errors={error.attribute or "base": [str(error)]}), 422


# -- flask db ------------------------------------------------------------------------------
@click.group("db", cls=_cli.Group)
@with_appcontext
@click.pass_context
def db_command(ctx: click.Context) -> None:
    """Migrations of the app's database (the activerecord command line's migrate,
    rollback, redo, status and new), in the app's db/migrate folder."""
    ext = current_app.extensions["activerecord"]
    database, settings = ext.database, ext.settings
    state = _cli.State(database.config.url, migrations=settings.migrations_path,
                       schema=settings.schema_path)
    state.opened[database.config.url] = database  # the app's own Database, never closed
    ctx.obj = state


for _command in (_cli.migrate, _cli.rollback, _cli.redo, _cli.status, _cli.new):
    db_command.add_command(_command)

