"""Transactions as objects: the open transaction of a thread or task, its savepoints,
the records written in each and the callbacks to run after the commit.

One :class:`TransactionManager` serves one Database (it is given the Database and never
imports ``database.py``: it reaches it through the small :class:`TransactionHost`
interface). The open transaction of the current thread or async task lives in a
``contextvars.ContextVar``, so each thread (and each task) has its own, and a task
created inside an open transaction shares it (contextvars copy the context).

The shape is Rails' ``TransactionManager`` (``connection_adapters/abstract/
transaction.rb``: ``add_record``, ``rollback_records``, ``commit_records``) and Django's
savepoint-aware ``on_commit`` (``db/backends/base/base.py``: ``run_on_commit`` holds the
savepoint ids, ``savepoint_rollback`` drops the callbacks registered inside):

* a :class:`Transaction` is a stack of :class:`TransactionLevel` s, the outer
  transaction first, then one per open savepoint;
* each level keeps the records written in it (with their state when first written at
  that level) and the callbacks registered in it;
* a rolled-back level gives its records their state back and drops its callbacks (a
  callback registered inside a rolled-back savepoint never fires); a released one hands
  both to its parent; the commit runs the outer level's callbacks;
* every after-commit callback runs, even when an earlier one raises; each failure is
  logged, and after all ran they are raised together as
  :class:`~activerecord.errors.AfterCommitError` (the data is committed by then);
* a record saved or destroyed through its callbacks layer registers a
  :class:`RecordCallbacks` entry once per level (Rails' ``add_record`` de-duplicates
  the same way): the commit runs its ``after_commit`` callbacks once, in the order the
  records were first written, among the ``Database.after_commit`` callbacks; a record
  whose level rolled back gets its ``after_rollback`` callbacks once, when the
  outermost transaction ends, and ``after_commit`` only if it was written again, and
  committed, after that savepoint (as Rails runs both). Failures of ``after_rollback`` callbacks are
  logged, never raised (they run while a rollback's cause may be propagating);
* a record's own transaction (``save()``/``destroy()`` outside any transaction) is
  *lazy*, as Rails' transactions are: its BEGIN goes out with the first statement, so a
  save that a validation or a callback stops sends nothing at all;
* a transaction that has ended is closed: a context copied while it was open (an
  asyncio task created inside it) then runs outside any transaction;
* before the COMMIT, a transaction that an error inside it aborted (PostgreSQL, where
  COMMIT would silently roll back) is rolled back and reported as TransactionError.

See docs/architecture.md ("Connections and transactions").
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from .. import events
from ..errors import (
    AfterCommitError,
    DatabaseError,
    Rollback,
    TransactionError,
    TransactionIsolationError,
)
from .adapter import Adapter
from .dialect import ISOLATION_LEVELS, Dialect
from .features import Features
from .pool import Pool, caller

__all__ = ["TransactionManager", "Transaction", "TransactionLevel", "TransactionHost",
           "RecordCallbacks", "run_callbacks", "doomed_error", "released_error"]

log = logging.getLogger("activerecord.transaction")
_ids = itertools.count(1)
_TRANSACTION = events.TRANSACTION
_finish_lock = threading.Lock()
#: The savepoint a transaction opened inside a raw one (``execute("BEGIN")``) uses.
_RAW_OUTER = "active_record_0"


class TransactionHost(Protocol):
    """What a :class:`TransactionManager` uses of its Database: the dialect's
    transaction statements, the adapter's ``is_disconnect``, the features (savepoints),
    the pool (``_ready``) and the one statement runner (``_run_on``)."""

    dialect: Dialect
    adapter: Adapter

    @property
    def features(self) -> Features: ...

    def _ready(self) -> Pool: ...

    def _run_on(self, conn: Any, sql: str, params: Any, read: bool = False,
                kind: str = "query") -> Any: ...

    def _held_connection(self) -> Any: ...

    def _release_held(self, held: Any, *, broken: bool = False,
                      rollback: bool = False) -> None: ...

    name: str
    _scope: contextvars.ContextVar[Any]


class TransactionLevel:
    """One level of an open transaction: the outer transaction or one savepoint.

    Attributes:
        records: ``id(record) -> (record, its state when first written at this level)``.
        callbacks: the after-commit callbacks registered at this level, in order
            (:class:`RecordCallbacks` entries among them).
        marks: the row (``row_key``) -> RecordCallbacks of the entries in ``callbacks``.
        savepoint: the savepoint's name, ``None`` for the outer transaction.
    """

    __slots__ = ("records", "callbacks", "marks", "savepoint")

    def __init__(self, savepoint: str | None = None):
        self.records: dict[int, tuple[Any, Any]] = {}
        self.callbacks: list[Callable[[], Any]] = []
        self.marks: dict[Any, RecordCallbacks] = {}
        self.savepoint = savepoint

    def mark(self, record: Any, action: str) -> None:
        """Register ``record``'s transaction callbacks at this level, once per row
        (two instances of one row share one entry, run on the last one written, as
        Rails 7.1); a later write adds its ``action``."""
        key = row_key(record)
        entry = self.marks.get(key)
        if entry is None:
            entry = self.marks[key] = RecordCallbacks(record, action)
            self.callbacks.append(entry)
        else:
            entry.record = record
            entry.actions.add(action)

    def absorb(self, child: TransactionLevel) -> None:
        """Take a released savepoint's records and callbacks; a record written here
        too keeps this level's (earlier) state and callback entry."""
        for key, entry in child.records.items():
            self.records.setdefault(key, entry)
        for callback in child.callbacks:
            if isinstance(callback, RecordCallbacks):
                key = row_key(callback.record)
                mine = self.marks.get(key)
                if mine is not None:
                    mine.record = callback.record
                    mine.actions |= callback.actions
                    continue
                self.marks[key] = callback
            self.callbacks.append(callback)

    def roll_back(self) -> list[tuple[Any, RecordCallbacks]]:
        """Drop the callbacks and give every record written here its state back (in
        the reverse order of writing); return the records' callback entries (their
        ``after_rollback`` is due), with their row keys. Runs while the rollback's
        cause propagates, so a failure to restore is logged, never raised over it."""
        marked = list(self.marks.items())
        self.callbacks.clear()
        self.marks.clear()
        for record, state in reversed(list(self.records.values())):
            try:
                record._restore_transaction_record_state(state)
            except Exception:  # noqa: BLE001 - never mask the error being propagated
                log.exception("could not restore the state of %r after a rollback", record)
        self.records.clear()
        return marked


def row_key(record: Any) -> Any:
    """What makes two records one for their transaction callbacks: the row (model's
    table and primary key) when it has one, else the object."""
    ident = record._identity() if not record.new_record else None
    if ident is None:
        return id(record)
    return (type(record)._load_schema().table, ident)


class RecordCallbacks:
    """A record's ``after_commit``/``after_rollback`` callbacks due in a transaction.

    Attributes:
        record: the record (its model implements ``_run_transaction_callbacks``).
        actions: what was done to it in the transaction: ``"create"``, ``"update"``,
            ``"destroy"`` (a set).
        outcome: what the committed transaction did to the record, fixed at the COMMIT
            (:meth:`settle`): ``"destroy"`` when it ended destroyed, else ``"create"``
            when it was created, else ``"update"`` (Rails' ``trigger_transactional_
            callbacks?``); None before.
    """

    __slots__ = ("record", "actions", "outcome")

    def __init__(self, record: Any, action: str):
        self.record = record
        self.actions = {action}
        self.outcome: str | None = None

    def settle(self) -> None:
        """Fix :attr:`outcome` from the record's state now (at the COMMIT), before any
        callback runs and changes other records: ``"destroy"`` for a record its
        destroy deleted, nothing (``""``) for one ``delete()`` removed, else
        ``"create"`` or ``"update"``."""
        if self.record.destroyed:
            self.outcome = "destroy" if "destroy" in self.actions else ""
        else:
            self.outcome = "create" if "create" in self.actions else "update"

    def __call__(self) -> None:
        if self.outcome is None:
            self.settle()
        if self.outcome:
            self.record._run_transaction_callbacks("commit", {self.outcome})

    def rolled_back(self) -> None:
        """Run the record's ``after_rollback`` callbacks; log, never raise, a failure."""
        try:
            self.record._run_transaction_callbacks("rollback", self.actions)
        except Exception:  # noqa: BLE001 - a rollback's cause may be propagating
            log.exception("an after_rollback callback of %r failed", self.record)


class Transaction:
    """The open transaction of one thread or task: its pinned connection and its
    levels (the outer transaction first, then one per open savepoint)."""

    __slots__ = ("conn", "levels", "pending", "rolled_back", "closed", "doomed", "held",
                 "commit_sql", "rollback_sql", "released", "started", "caller", "scope",
                 "busy", "finished")

    def __init__(self, conn: Any, pending: tuple[str, ...] | None = None):
        self.conn = conn
        #: the context's held connection it runs on (scope.py), else None: its own.
        self.held: Any = None
        #: how it ends: COMMIT/ROLLBACK, or RELEASE/ROLLBACK TO of its savepoint when
        #: it runs inside a transaction begun by hand.
        self.commit_sql = ""
        self.rollback_sql = ""
        #: a request scope ended it (rolled back): its block, resumed or closed
        #: later, must not touch the connection any more.
        self.released = False
        #: perf_counter() at its BEGIN when the "transaction" event is listened to.
        self.started: float | None = None
        #: the user's line that opened it (kept inside a request scope).
        self.caller = ""
        #: the request scope it was registered with, or None.
        self.scope: Any = None
        #: statements running on it now (a scope ending meanwhile defers to them),
        #: and whether its released end (rollback, check-in) was done.
        self.busy = 0
        self.finished = False
        self.levels: list[TransactionLevel] = [TransactionLevel()]
        #: the BEGIN statements of a lazy transaction not yet sent (None once sent).
        self.pending = pending
        #: the callback entries of records whose savepoint rolled back, by id.
        self.rolled_back: dict[Any, RecordCallbacks] = {}
        #: the outermost block ended: a context copied while it was open (an asyncio
        #: task, ``copy_context()``) must not use it, nor its connection, any more.
        self.closed = False
        #: the error after which the database ended the transaction itself, or None.
        self.doomed: BaseException | None = None

    @property
    def depth(self) -> int:
        """The number of open savepoints."""
        return len(self.levels) - 1

    @property
    def current(self) -> TransactionLevel:
        """The innermost level: where records and callbacks go now."""
        return self.levels[-1]

    def open_savepoint(self) -> TransactionLevel:
        """Push and return a new level for a savepoint named after its depth."""
        level = TransactionLevel(f"active_record_{len(self.levels)}")
        self.levels.append(level)
        return level

    def release(self) -> None:
        """The innermost savepoint was released: its parent takes its state."""
        child = self.levels.pop()
        self.levels[-1].absorb(child)

    def roll_back(self, outer: bool = False) -> None:
        """The innermost savepoint (or, with ``outer``, every level) was rolled back."""
        while self.levels:
            for key, entry in self.levels.pop().roll_back():
                kept = self.rolled_back.get(key)
                if kept is None:
                    self.rolled_back[key] = entry
                else:
                    kept.actions |= entry.actions
            if not outer:
                return


#: The statements beginning a transaction (its BEGIN included) and those sent after
#: its end (``transaction(session=...)``).
Session = tuple[tuple[str, ...], tuple[str, ...]]


class TransactionManager:
    """Opens, nests and ends the transactions of one Database.

    Args:
        db: the Database (anything with the :class:`TransactionHost` members).

    Attributes:
        var: the ``ContextVar`` holding the current :class:`Transaction` or ``None``
            (the Database reads it on every statement).
    """

    def __init__(self, db: TransactionHost):
        self._db = db
        self.var: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
            f"activerecord_tx_{next(_ids)}", default=None)

    @property
    def current(self) -> Transaction | None:
        """The open :class:`Transaction` of this thread or task, or ``None`` (also
        when the context holds one that has ended: a task created inside it)."""
        tx = self.var.get()
        if tx is not None and tx.released:
            raise released_error()
        return None if tx is None or tx.closed else tx

    @contextmanager
    def transaction(self, requires_new: bool = True, isolation: str | None = None,
                    lazy: bool = False, session: Session | None = None) -> Iterator[None]:
        """Run the block in a transaction; see ``Database.transaction``. ``lazy``: an
        outermost transaction sends its BEGIN with its first statement (none sent: no
        BEGIN, no COMMIT), as a record's own save does. ``session``: the statements that
        begin the transaction, its BEGIN included, and those sent on its connection
        after its COMMIT/ROLLBACK (a SQLite migration's ``PRAGMA foreign_keys = OFF``,
        ``BEGIN IMMEDIATE``, then ``PRAGMA foreign_keys = ON``); only for an outermost
        one (TransactionError inside an open transaction)."""
        level = isolation_level(isolation)
        tx = self.current
        if session is not None and tx is not None:
            raise TransactionError(
                "this needs a transaction of its own, and one is already open: run it "
                "outside any transaction() block")
        if tx is None:
            try:
                callbacks = yield from self._outer(level, lazy, session)
            except Rollback:
                return  # rolled back (in _outer): silently, as asked
            run_callbacks(callbacks)
        elif level is not None:
            raise TransactionIsolationError(
                f"isolation={isolation!r} inside an open transaction: the isolation "
                "level is set when the outermost transaction begins")
        elif requires_new and self._db.features.supports_savepoints:
            try:
                yield from self._savepoint(tx)
            except Rollback:
                pass  # the savepoint was rolled back (in _savepoint)
        else:
            yield  # joined: a Rollback goes on to the level it joined

    def _outer(self, level: str | None = None, lazy: bool = False,
               session: Session | None = None
               ) -> Generator[None, None, list[Callable[[], Any]]]:
        # Returns the callbacks to run (after the connection went back to the pool);
        # the after_rollback callbacks run here, after the check-in, in any case.
        db = self._db
        pool = db._ready()
        held = db._held_connection()
        # (checked out here, in the generator, so a pool timeout names the user's line)
        tx, begin = self._open(held.conn if held is not None else pool.checkout(), held,
                               level, lazy, session)
        broken = committed = False
        token = self.var.set(tx)
        done: list[Callable[[], Any]] = []
        try:
            if tx.pending is None:
                try:
                    self._send_begin(tx, begin)
                except BaseException:
                    # The BEGIN (or a SET TRANSACTION before it) may have run before
                    # the failure: the connection never goes back to the pool as it is.
                    broken = True
                    raise
            try:
                yield
            except BaseException as exc:
                if tx.released:
                    raise  # a request scope rolled it back already
                if tx.pending is not None:  # nothing began: a dead one is discarded
                    broken = db.adapter.is_disconnect(exc.__cause__ or exc)
                elif tx.doomed is None:  # (a doomed one the database ended itself)
                    broken = not self._quiet(tx.conn, tx.rollback_sql)
                tx.roll_back(outer=True)
                raise
            if tx.released:
                raise released_error()
            try:
                if tx.pending is None:
                    self._commit(tx)
            except BaseException as exc:
                broken = db.adapter.is_disconnect(exc.__cause__ or exc) or \
                    tx.doomed is None and not self._quiet(tx.conn, tx.rollback_sql)
                tx.roll_back(outer=True)
                raise
            committed = True
            done = tx.levels[0].callbacks
            for entry in done:  # what the transaction did, before any callback runs
                if isinstance(entry, RecordCallbacks):
                    entry.settle()
        finally:
            self._close(tx, token, pool, broken, session, committed)
        return done

    def _open(self, conn: Any, held: Any, level: str | None, lazy: bool,
              session: Session | None) -> tuple[Transaction, tuple[str, ...]]:
        # The outermost Transaction and its BEGIN statements: on the connection the
        # context holds (pinned, or inside a raw BEGIN: then a savepoint), else on a
        # connection of its own; registered with the request scope, if any.
        db = self._db
        dialect = db.dialect
        begin = (dialect.begin_sql,) if level is None else dialect.begin_isolated(level)
        if session is not None:  # its first statements include the BEGIN
            begin, lazy = session[0], False
        if held is not None and db.adapter.in_transaction(conn):
            if level is not None or session is not None:
                raise TransactionIsolationError(
                    "a transaction begun by a statement sent by hand (execute('BEGIN')) "
                    "is open: its isolation and session are set; COMMIT or ROLLBACK it "
                    "first")
            begin = (dialect.savepoint(_RAW_OUTER),)
            tx = Transaction(conn, begin if lazy else None)
            tx.commit_sql = dialect.release_savepoint(_RAW_OUTER)
            tx.rollback_sql = dialect.rollback_to_savepoint(_RAW_OUTER)
        else:
            tx = Transaction(conn, begin if lazy and level is None else None)
            tx.commit_sql, tx.rollback_sql = dialect.commit_sql, dialect.rollback_sql
        tx.held = held
        scope = db._scope.get()
        if scope is not None and not scope.closed:
            tx.scope = scope
            tx.caller = caller()
            scope.transactions.append(tx)
        return tx, begin

    def _close(self, tx: Transaction, token: contextvars.Token, pool: Pool, broken: bool,
               session: Session | None, committed: bool = False) -> None:
        # The end of an outermost transaction, whatever happened: the context forgets
        # it, a session's setup is undone (a connection that refuses it is discarded),
        # the connection goes back (a held one stays held), and the after_rollback
        # callbacks run.
        tx.closed = True
        try:
            self.var.reset(token)
        except ValueError:
            pass  # the block's generator was closed from another context
        if tx.released:
            return  # a request scope ended it: the connection is not ours any more
        if tx.scope is not None:
            try:
                tx.scope.transactions.remove(tx)
            except ValueError:
                pass
        if session is not None and not broken:
            broken = not all([self._quiet(tx.conn, sql) for sql in session[1]])
        if tx.held is None:
            pool.checkin(tx.conn, broken)
        elif broken:
            self._db._release_held(tx.held, broken=True)
        if tx.started is not None and _TRANSACTION.subscribers:
            self._report(tx, "commit" if committed else "rollback")
        for entry in tx.rolled_back.values():
            entry.rolled_back()

    def _report(self, tx: Transaction, outcome: str) -> None:
        started = tx.started or time.perf_counter()
        events.instrument("transaction", events.TransactionEvent(
            "transaction", self._db.name, outcome,
            0.0 if outcome == "begin" else (time.perf_counter() - started) * 1000.0,
            caller()))

    def abandon(self, tx: Transaction) -> None:
        """End ``tx`` for a request scope that closes while it is open (its
        ``transaction()`` block was entered and never exited, or its request was
        cancelled while a worker thread still runs it): mark it released, so every
        later statement in it raises TransactionError instead of running outside it,
        then roll it back, give its records their state back and its connection to
        the pool (a held connection stays with the scope, which releases it). When a
        statement is running on it at that moment (another thread), that statement's
        end does the rollback."""
        if tx.closed:
            return
        tx.closed = tx.released = True
        if self.var.get() is tx:
            self.var.set(None)  # this context goes on outside it (the next request)
        if not tx.busy:
            self.finish_released(tx)

    def finish_released(self, tx: Transaction) -> None:
        """The end of a released transaction (see :meth:`abandon`), once."""
        with _finish_lock:
            if tx.finished:
                return
            tx.finished = True
        ok = tx.pending is not None or tx.doomed is not None or \
            self._quiet(tx.conn, tx.rollback_sql)
        tx.roll_back(outer=True)
        if tx.held is None:
            self._db._ready().checkin(tx.conn, not ok)
        elif not ok:
            self._db._release_held(tx.held, broken=True)
        if tx.started is not None and _TRANSACTION.subscribers:
            self._report(tx, "rollback")
        for entry in tx.rolled_back.values():
            entry.rolled_back()

    def _send_begin(self, tx: Transaction, begin: tuple[str, ...]) -> None:
        # BEGIN (and a SET TRANSACTION first). A connection the server dropped while
        # it was idle fails here with nothing sent: it is replaced and the BEGIN sent
        # once more (Rails 7.1 reconnects the same way).
        db = self._db
        for attempt in (1, 2):
            sent = 0
            try:
                for sql in begin:
                    db._run_on(tx.conn, sql, (), kind="transaction")
                    sent += 1
                if _TRANSACTION.subscribers:
                    tx.started = time.perf_counter()
                    self._report(tx, "begin")
                return
            except DatabaseError as exc:
                if attempt == 2 or sent or tx.held is not None or \
                        not db.adapter.is_disconnect(exc.__cause__ or exc):
                    raise
                pool = db._ready()
                pool.checkin(tx.conn, True)
                tx.conn = pool.checkout()

    def _commit(self, tx: Transaction) -> None:
        # COMMIT; a transaction an error aborted is refused first (PostgreSQL would
        # answer the COMMIT with a ROLLBACK and no error), and so is one the database
        # ended itself (a deadlock on MySQL, a trigger's RAISE(ROLLBACK) on SQLite).
        db, conn = self._db, tx.conn
        if tx.doomed is not None:
            raise doomed_error(tx.doomed)
        if db.adapter.transaction_aborted(conn):
            raise TransactionError(
                "the transaction was aborted by an error inside it that was caught and "
                "not re-raised (PostgreSQL refuses every later statement, and answers "
                "COMMIT with a ROLLBACK): it was rolled back, nothing was committed; "
                "use a nested transaction() (a savepoint) around a statement that may fail")
        db._run_on(conn, tx.commit_sql, (), kind="transaction")

    def begin_pending(self, tx: Transaction) -> None:
        """Send a lazy transaction's BEGIN (before its first statement). It counts as
        sent before it goes: after any failure the block's end sends a ROLLBACK, so
        the connection never returns to the pool inside a transaction."""
        begin = tx.pending
        if begin is not None:
            tx.pending = None
            self._send_begin(tx, begin)

    def statement_failed(self, tx: Transaction, exc: BaseException) -> None:
        """A statement of ``tx`` failed with ``exc``: when the database ended the
        transaction because of it (``Adapter.transaction_lost``: a MySQL deadlock
        rolls the whole transaction back), mark it doomed, so every later statement
        and the COMMIT are refused and the block's end restores every record, instead
        of going on in autocommit."""
        if tx.doomed is None and tx.pending is None and \
                self._db.adapter.transaction_lost(tx.conn, exc.__cause__ or exc):
            tx.doomed = exc

    def _savepoint(self, tx: Transaction) -> Iterator[None]:
        db, dialect = self._db, self._db.dialect
        self.begin_pending(tx)
        name = tx.open_savepoint().savepoint or ""
        try:
            db._run_on(tx.conn, dialect.savepoint(name), (), kind="transaction")
        except BaseException:
            tx.levels.pop()  # never opened: nothing was written at this level
            raise
        try:
            yield
        except BaseException:
            if not tx.closed:  # (a task's block outliving its transaction: nothing)
                if tx.doomed is None:
                    self._quiet(tx.conn, dialect.rollback_to_savepoint(name))
                    self._quiet(tx.conn, dialect.release_savepoint(name))
                tx.roll_back()
            raise
        if tx.closed:
            return  # the connection went back to the pool: not ours to use
        try:
            db._run_on(tx.conn, dialect.release_savepoint(name), (), kind="transaction")
        finally:
            tx.release()  # even when RELEASE failed: the outer rollback restores them

    def _quiet(self, conn: Any, sql: str) -> bool:
        # Rollback after a failure: the connection may be dead; report, don't mask.
        try:
            self._db._run_on(conn, sql, (), kind="transaction")
            return True
        except Exception:  # noqa: BLE001
            log.debug("ignored failure of %s", sql, exc_info=True)
            return False

    def after_commit(self, callback: Callable[[], Any]) -> None:
        """Register ``callback`` at the current level, or call it at once outside a
        transaction; see ``Database.after_commit``."""
        tx = self.current
        if tx is None:
            callback()
        else:
            tx.levels[-1].callbacks.append(callback)

    def add_record(self, record: Any) -> None:
        """Remember ``record`` at the current level; see
        ``Database.add_transaction_record``."""
        tx = self.var.get()
        if tx is not None and not tx.closed:
            records = tx.levels[-1].records
            if id(record) not in records:
                records[id(record)] = (record, record._remember_transaction_record_state())

    def add_record_callbacks(self, record: Any, action: str) -> None:
        """Register ``record``'s ``after_commit``/``after_rollback`` callbacks for
        ``action`` (``"create"``, ``"update"``, ``"destroy"``) at the current level,
        once per record; outside a transaction its commit callbacks run at once."""
        tx = self.current
        if tx is None:
            RecordCallbacks(record, action)()
        else:
            tx.levels[-1].mark(record, action)


def released_error() -> TransactionError:
    """The error of a statement in a transaction its request scope ended (rolled back
    at the end of the request, or when the request was cancelled)."""
    return TransactionError(
        "this transaction was rolled back when the scope of its request ended (the "
        "request finished or was cancelled with it open): nothing of it was committed, "
        "and nothing more runs in it")


def doomed_error(cause: BaseException) -> TransactionError:
    """The error of a statement (or COMMIT) in a transaction the database ended
    itself after ``cause``."""
    return TransactionError(
        f"the database rolled this transaction back after an error inside it "
        f"({type(cause).__name__}: {cause}); nothing more runs in it, nothing of it is "
        "committed: let the error end the block (and retry the whole transaction)")


def isolation_level(isolation: str | None) -> str | None:
    """Return ``isolation`` as one of :data:`ISOLATION_LEVELS` (case, ``_`` and
    spaces as the user wrote them: ``"REPEATABLE_READ"`` is ``"repeatable read"``), or
    None for None. Raises ValueError naming the known levels."""
    if isolation is None:
        return None
    level = " ".join(str(isolation).replace("_", " ").lower().split())
    if level not in ISOLATION_LEVELS:
        raise ValueError(f"unknown isolation level {isolation!r}; known: "
                         f"{', '.join(ISOLATION_LEVELS)}")
    return level


def run_callbacks(callbacks: list[Callable[[], Any]]) -> None:
    """Call every after-commit callback in order, even when one raises; log each
    failure and, after all ran, raise them as one :class:`AfterCommitError` (its
    ``errors`` in order, the first as ``__cause__``). ``KeyboardInterrupt`` and other
    non-``Exception`` errors stop at once."""
    failures: list[Exception] = []
    for callback in callbacks:
        try:
            callback()
        except AfterCommitError as exc:  # several of one record's: kept flat
            log.exception("after_commit callbacks (%r) failed", callback)
            failures.extend(e for e in exc.errors if isinstance(e, Exception))
        except Exception as exc:  # noqa: BLE001 - the others still run; raised below
            log.exception("an after_commit callback (%r) failed", callback)
            failures.append(exc)
    if failures:
        raise AfterCommitError(failures) from failures[0]
