"""How a test's writes leave no trace: the machinery behind the ``db`` and ``db_commit``
fixtures of the pytest plugin (``activerecord.testing.plugin``, docs/testing.md).

* :func:`rolled_back` runs a block in one outermost transaction that is rolled back at
  its end (pytest-django's ``db``, Rails' transactional tests). The code under test
  joins it: ``save()`` joins the open transaction and a ``transaction()`` block becomes
  a savepoint, so the code may still commit or roll back "its" transactions. The
  after-commit callbacks registered in it never run by themselves (nothing commits);
  :meth:`RolledBackDatabase.run_commit_callbacks` runs the pending ones on demand, as
  Django's ``captureOnCommitCallbacks(execute=True)`` does.
* :func:`cleaned` lets the block commit for real and then empties every table it wrote
  to (found from the ``"sql"`` event: the targets of INSERT, UPDATE, DELETE and
  REPLACE statements), children before parents, ``schema_migrations`` never (the
  "deletion" strategy of Ruby's DatabaseCleaner).

See docs/architecture.md ("Connections and transactions") for the transaction objects
these build on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .. import events
from ..connection.database import Database
from ..connection.transaction import RecordCallbacks, Transaction, run_callbacks
from ..errors import Rollback

__all__ = ["RolledBackDatabase", "CleanedDatabase", "rolled_back", "cleaned",
           "written_table", "PROTECTED_TABLES"]

#: Tables :func:`cleaned` never empties (the migrations' bookkeeping).
PROTECTED_TABLES = frozenset({"schema_migrations", "ar_internal_metadata"})

_NAME = r'(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`|\[[^\]]+\]|[\w$]+)'
#: Comments before a statement's first word (``/* app */ INSERT ...``).
_LEADING_COMMENTS = re.compile(r"^(?:\s+|/\*.*?\*/|--[^\n]*(?:\n|$))*", re.S)
#: The write of a ``WITH ... AS (...) INSERT/UPDATE/DELETE`` statement, after its CTEs.
_CTE_WRITE = re.compile(r"\)\s*(?=(?:INSERT|REPLACE|UPDATE|DELETE)\b)", re.I)
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?(?:IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+IGNORE)?"
    r"|DELETE\s+FROM)\s+(" + _NAME + r"(?:\s*\.\s*" + _NAME + r")?)",
    re.I | re.S)


def written_table(sql: str) -> str | None:
    """Return the (unquoted) table a statement beginning with INSERT, REPLACE, UPDATE
    or DELETE writes to (after any leading comments, and after the CTEs of a ``WITH``
    statement), or None for any other statement. A schema-qualified name keeps its
    schema (``"public.books"``)."""
    sql = _LEADING_COMMENTS.sub("", sql, count=1)
    if sql[:4].upper() == "WITH":
        cte = _CTE_WRITE.search(sql)
        if cte is None:
            return None
        sql = sql[cte.end():]
    m = _WRITE.match(sql)
    if m is None:
        return None
    parts = re.split(r"\s*\.\s*(?=[\"`\[\w$])", m.group(1))
    return ".".join(_unquote(p) for p in parts)


def _unquote(name: str) -> str:
    if name[:1] in ('"', "`"):
        q = name[0]
        return name[1:-1].replace(q + q, q)
    if name[:1] == "[":
        return name[1:-1]
    return name


class _Handle:
    """A Database seen by a test: its attributes are the Database's (``execute``,
    ``transaction``, ``name`` ...), plus what the fixture adds."""

    def __init__(self, database: Database):
        self.database = database

    def __getattr__(self, name: str) -> Any:
        return getattr(self.database, name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.database.name}>"


class RolledBackDatabase(_Handle):
    """What :func:`rolled_back` yields (the ``db`` fixture): the Database (its
    attributes are reachable on this object), in a transaction rolled back at the end.

    Attributes:
        database: the :class:`~activerecord.connection.database.Database`.
    """

    def __init__(self, database: Database):
        super().__init__(database)
        self._tx: Transaction | None = None

    @property
    def pending_commit_callbacks(self) -> list[Callable[[], Any]]:
        """The after-commit callbacks waiting for a commit that will not come (those
        of the outer transaction; a savepoint still open holds its own)."""
        return list(self._transaction().levels[0].callbacks)

    def run_commit_callbacks(self) -> int:
        """Run the pending after-commit callbacks now, as if the code under test had
        committed (records' ``after_commit`` ones and ``Database.after_commit``
        callbacks, in order), and forget them; callbacks they register run too.
        Returns how many ran. They run inside the test's transaction, so what they
        write is rolled back too. Raises
        :class:`~activerecord.errors.AfterCommitError` when some failed (all ran), as
        a real commit does. Django's ``captureOnCommitCallbacks(execute=True)``,
        Rails' ``after_commit`` in transactional tests."""
        ran = 0
        level = self._transaction().levels[0]
        while level.callbacks:
            callbacks = list(level.callbacks)
            level.callbacks.clear()
            level.marks.clear()
            for entry in callbacks:  # what was done to each record, before any runs
                if isinstance(entry, RecordCallbacks):
                    entry.settle()
            ran += len(callbacks)
            run_callbacks(callbacks)
        return ran

    def _transaction(self) -> Transaction:
        if self._tx is None or self._tx.closed:
            raise RuntimeError("the test's transaction has ended (use the db fixture "
                               "inside the test only)")
        return self._tx


@contextmanager
def rolled_back(database: Database) -> Iterator[RolledBackDatabase]:
    """Run the block in an outermost transaction on ``database`` that is rolled back
    at its end, whatever happens; yield a :class:`RolledBackDatabase`.

    The pending after-commit callbacks are dropped at the end (never run), and so are
    the ``after_rollback`` callbacks of the records written at the outer level; those
    of records whose savepoint the code rolled back run then (when the code's own
    outermost transaction would have ended, they run at the test's end). Raises
    RuntimeError, before any SQL, when a transaction is already open on ``database``
    in this thread or task (the test's transaction must be the outermost one).
    pytest-django's ``db`` fixture, Rails' ``use_transactional_tests``.
    """
    manager = database.transaction_manager
    if manager.current is not None:
        raise RuntimeError(
            f"{database.name}: a transaction is already open; the test's transaction "
            "must be the outermost one (open it before any other)")
    handle = RolledBackDatabase(database)
    with database.transaction():
        handle._tx = manager.current
        try:
            yield handle
        finally:
            _forget_pending(handle._tx)
            handle._tx = None
        raise Rollback


def _forget_pending(tx: Transaction | None) -> None:
    # Nothing the test registered runs at the rollback that ends it: the callbacks
    # and the records' callback entries of every level still open are dropped.
    if tx is None:
        return
    for level in tx.levels:
        level.callbacks.clear()
        level.marks.clear()


class CleanedDatabase(_Handle):
    """What :func:`cleaned` yields (the ``db_commit`` fixture): the Database (its
    attributes are reachable on this object) and the tables written so far.

    Attributes:
        database: the :class:`~activerecord.connection.database.Database`.
        tables: the tables the block wrote to, in the order first written.
    """

    def __init__(self, database: Database):
        super().__init__(database)
        self.tables: dict[str, None] = {}
        self._lock = threading.Lock()

    def _seen(self, event: Any) -> None:
        if event.database != self.database.name or event.kind != "query":
            return
        table = written_table(event.sql)
        if table is not None and table not in self.tables:
            with self._lock:
                self.tables.setdefault(table, None)

    def empty_tables(self) -> list[str]:
        """Empty the tables written so far (each still there, but none of
        :data:`PROTECTED_TABLES`) in one transaction, children before parents, and
        forget them; return the tables emptied, in the order emptied. Raises the
        translated database error when a row another table still references (one the
        block did not write) cannot be deleted."""
        with self._lock:
            wanted = [t for t in self.tables if t not in PROTECTED_TABLES]
            self.tables.clear()
        if not wanted:
            return []
        db = self.database
        existing = set(db.table_names())
        order = _children_first(db, [t for t in wanted if t in existing])
        with db.transaction():
            for table in order:
                db.execute(f"DELETE FROM {_quoted(db, table)}")
        return order


def _quoted(db: Database, table: str) -> str:
    return ".".join(db.dialect.quote_name(part) for part in table.split("."))


def _children_first(db: Database, tables: list[str]) -> list[str]:
    # A table is emptied after every table among ``tables`` that refers to it (a
    # cycle is broken in the order written).
    parents: dict[str, set[str]] = {}
    for table in tables:
        info = db.table_info(table)
        refs = {fk.referred_table for fk in info.foreign_keys} if info else set()
        parents[table] = {r for r in refs if r in tables and r != table}
    order: list[str] = []
    left = list(tables)
    while left:
        leaves = [t for t in left if not any(t in parents[o] for o in left if o != t)]
        pick = leaves[0] if leaves else left[0]
        order.append(pick)
        left.remove(pick)
    return order


@contextmanager
def cleaned(database: Database) -> Iterator[CleanedDatabase]:
    """Run the block with real commits on ``database``; at its end (whatever
    happens) empty every table it wrote to (:meth:`CleanedDatabase.empty_tables`).
    Writes from every thread count (the ``"sql"`` event), only those sent to
    ``database``. Yields a :class:`CleanedDatabase`. pytest-django's
    ``transactional_db``; the emptying is DatabaseCleaner's deletion strategy (DELETE,
    because TRUNCATE refuses tables other tables refer to on PostgreSQL and MySQL)."""
    handle = CleanedDatabase(database)
    try:
        with events.subscribe("sql", handle._seen):
            yield handle
    finally:
        handle.empty_tables()
