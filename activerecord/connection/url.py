"""Parsing database URLs into a :class:`DatabaseConfig`.

Forms (SQLAlchemy- and Rails-style):
``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite:///:memory:``,
``postgresql://user:pass@host:port/db?sslmode=require``,
``mysql://user:pass@host:port/db?charset=utf8mb4``. A ``+driver`` suffix on the scheme
(``mysql+pymysql``) is accepted and ignored. User names and passwords are
percent-decoded, so ``p%40ss`` means ``p@ss``. A Unix socket is given as the ``host``
query parameter (``postgresql://u@/db?host=/run/pg``) or, for MySQL,
``unix_socket=/path``.

One database has one identity however its URL is spelled (:meth:`DatabaseConfig.identity`,
what ``connect()`` names and compares registered databases by): the query's order and
an empty query (``url?``) do not count, nor does percent-encoding, the host's case or a
``+driver`` suffix, and a SQLite file is named by its absolute, normalized path
(``./app.db``, ``app.db`` and ``/srv/app.db`` run from ``/srv`` are one file). An implied
port is not taken to be the default one: libpq reads ``PGPORT`` (and a service file), so
``host/db`` and ``host:5432/db`` may be two servers and stay two names.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from ..errors import ConfigurationError

__all__ = ["DatabaseConfig", "parse_url"]


@dataclass(frozen=True, eq=False)
class DatabaseConfig:
    """A parsed database URL.

    Attributes:
        scheme: the scheme without driver suffix, lower case (``"postgresql"``).
        host, port, user, password, database: the URL's parts (``None`` when absent).
        query: the query-string options, as a dict of str.
        url: the URL as given (it may hold a password: use :meth:`safe_url` in messages).
        path: for a SQLite file, its path made absolute and normal when the URL was
            parsed (from the current directory then), which names the database and is
            the file opened; ``None`` otherwise (``:memory:``, ``file:`` URIs, servers).

    Two configs are equal when their :meth:`identity` is: the same database and
    options, however the URL spelled them.
    """

    scheme: str
    database: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    query: dict = field(default_factory=dict)
    url: str = field(default="", repr=False)
    path: str | None = None

    def identity(self) -> tuple:
        """Return what every spelling of this URL shares: scheme, host, port, user,
        password, database (a SQLite file's :attr:`path`) and the query options sorted
        (an empty query is none). See the module doc for what is not folded."""
        return (self.scheme, self.host, self.port, self.user, self.password,
                self.path or self.database, tuple(sorted(self.query.items())))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DatabaseConfig):
            return NotImplemented
        return self.identity() == other.identity()

    def __hash__(self) -> int:
        return hash(self.identity())

    def safe_url(self) -> str:
        """Return the URL without the password and the query options, in one spelling
        per database (a SQLite file by its absolute path): the default name a Database
        is registered under, and what logs and error messages show."""
        auth = f"{self.user}@" if self.user else ""
        hostport = self.host or ""
        if self.port:
            hostport += f":{self.port}"
        if self.scheme == "sqlite":
            return f"sqlite:///{self.path or self.database}"
        return f"{self.scheme}://{auth}{hostport}/{self.database or ''}"


def parse_url(url: str, known_schemes: list[str] | None = None) -> DatabaseConfig:
    """Parse ``url`` into a :class:`DatabaseConfig`.

    Raises:
        ConfigurationError: the URL is empty, has no scheme, a bad port, or (when
            ``known_schemes`` is given) an unknown scheme; the message names the
            problem and the known schemes.
    """
    known = ", ".join(known_schemes or [])
    if not isinstance(url, str) or "://" not in url:
        raise ConfigurationError(
            f"malformed database URL {url!r}: expected scheme://..., e.g. "
            f"sqlite:///app.db (known schemes: {known})")
    parts = urlsplit(url)
    scheme = parts.scheme.lower().split("+", 1)[0]
    if known_schemes is not None and scheme not in known_schemes:
        raise ConfigurationError(
            f"unknown database URL scheme {parts.scheme!r} in {_redact(url)!r}; "
            f"known schemes: {known}")
    query = dict(parse_qsl(parts.query))
    if scheme == "sqlite":
        return _parse_sqlite(url, parts, query)
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"malformed port in database URL {_redact(url)!r}") from None
    database = unquote(parts.path.lstrip("/")) or None
    return DatabaseConfig(
        scheme=scheme, database=database, host=parts.hostname or query.get("host"),
        port=port, user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        query=query, url=url)


def _parse_sqlite(url: str, parts: SplitResult, query: dict) -> DatabaseConfig:
    # sqlite:///rel.db -> path "/rel.db" -> "rel.db"; sqlite:////abs.db -> "/abs.db".
    if parts.netloc:
        raise ConfigurationError(
            f"malformed SQLite URL {url!r}: use sqlite:///relative.db, "
            "sqlite:////absolute/path.db or sqlite:///:memory:")
    path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    if not path:
        raise ConfigurationError(
            f"malformed SQLite URL {url!r}: no file name (use sqlite:///:memory: "
            "for an in-memory database)")
    return DatabaseConfig(scheme="sqlite", database=path, query=query, url=url,
                          path=_file_path(path))


def _file_path(path: str) -> str | None:
    # ":memory:" is no file; "file:..." is a URI for SQLite to read (its query counts).
    if path == ":memory:" or path.startswith("file:"):
        return None
    return os.path.abspath(path)


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
