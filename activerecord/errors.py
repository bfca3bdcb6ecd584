"""The exception hierarchy of activerecord.

The shape follows PEP 249 (``Error`` > ``DatabaseError`` > ``IntegrityError`` ...) so
that code written against a DB-API driver keeps working, plus the record-level errors
of Rails' ActiveRecord (``RecordNotFound``, ``RecordInvalid``, ``RecordNotUnique``,
``InvalidForeignKey``, ``StaleObjectError``).

Driver exceptions never escape raw: each adapter translates them into one of these
classes and chains the original as ``__cause__`` (``raise ... from exc``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ActiveRecordError", "ConfigurationError", "ConnectionError",
    "ConnectionNotEstablished", "ConnectionTimeoutError", "DatabaseError",
    "InterfaceError", "OperationalError", "IntegrityError", "RecordNotUnique",
    "InvalidForeignKey", "NotNullViolation", "ProgrammingError", "StatementInvalid",
    "TableNotFound", "ColumnNotFound", "DataError", "DeadlockError",
    "SerializationFailure", "RecordNotFound", "RecordInvalid", "RecordNotSaved",
    "StaleObjectError", "UnknownAttributeError", "AttributeCastError",
    "TransactionError", "NotSupportedError", "SoleRecordExceeded", "MissingAttributeError",
    "UnknownPrimaryKey", "ReadOnlyAttributeError", "AfterCommitError",
    "AssociationTypeMismatch", "AssociationNotFoundError", "InvalidAssociation",
    "DeleteRestrictionError", "ReadOnlyRecord", "EagerLoadPolymorphicError",
    "StrictLoadingViolationError", "Rollback", "TransactionIsolationError",
    "UnsavedChangesError", "ForbiddenAttributesError", "Abort", "RecordNotDestroyed",
    "MigrationError", "IrreversibleMigration", "SchemaError",
]


class ActiveRecordError(Exception):
    """Base class of every error raised by activerecord."""


class ConfigurationError(ActiveRecordError):
    """A database URL or option is malformed or names something unknown."""


class DatabaseError(ActiveRecordError):
    """An error reported by the database or its driver (PEP 249 ``DatabaseError``).

    ``sql`` and ``params`` hold the statement that failed, when there was one.
    """

    def __init__(self, message: str = "", *, sql: str | None = None,
                 params: tuple | list | None = None):
        super().__init__(message)
        self.sql = sql
        self.params = params


class InterfaceError(DatabaseError):
    """The driver or the connection object was misused (PEP 249 ``InterfaceError``)."""


class OperationalError(DatabaseError):
    """The database could not carry out an operation (PEP 249 ``OperationalError``)."""


class ConnectionError(OperationalError):  # noqa: A001 - PEP 249 family name, on purpose
    """A connection could not be made, or was lost (server gone away, terminated).

    The message names host, port and database, never the password.
    """


class ConnectionNotEstablished(ConnectionError):
    """No database is connected (``activerecord.connect`` was never called) or it is closed."""


class ConnectionTimeoutError(ConnectionError):
    """No pooled connection became free within ``pool_timeout`` seconds."""


class DeadlockError(OperationalError):
    """The database chose this transaction as a deadlock victim; retrying may succeed."""


class SerializationFailure(OperationalError):
    """A serializable/repeatable-read transaction could not be serialized; retry it."""


class IntegrityError(DatabaseError):
    """A constraint was violated (PEP 249 ``IntegrityError``)."""


class RecordNotUnique(IntegrityError):
    """A UNIQUE or PRIMARY KEY constraint was violated (Rails' ``RecordNotUnique``)."""


class InvalidForeignKey(IntegrityError):
    """A FOREIGN KEY constraint was violated (Rails' ``InvalidForeignKey``)."""


class NotNullViolation(IntegrityError):
    """NULL was written to a NOT NULL column (Rails' ``NotNullViolation``)."""


class ProgrammingError(DatabaseError):
    """The SQL was invalid or named something missing (PEP 249 ``ProgrammingError``)."""


StatementInvalid = ProgrammingError


class TableNotFound(ProgrammingError):
    """The table does not exist in the database; the message names both."""


class ColumnNotFound(ProgrammingError):
    """The database says a column named in the statement does not exist."""


class DataError(DatabaseError):
    """A value was out of range or of the wrong kind for its column (PEP 249 ``DataError``)."""


class NotSupportedError(DatabaseError):
    """The database does not support what was asked (PEP 249 ``NotSupportedError``)."""


class TransactionError(ActiveRecordError):
    """A transaction was used wrongly (e.g. committed twice, or on a closed database)."""


class Rollback(ActiveRecordError):
    """Raise inside a ``transaction()`` block to roll that transaction (or savepoint)
    back without an error: the block that opened the level swallows it (Rails'
    ``ActiveRecord::Rollback``). A block that joined an open transaction
    (``requires_new=False``) passes it on to the level it joined, which rolls back;
    Rails swallows it there and rolls back nothing, the documented trap this avoids
    (docs/lifecycle.md)."""


class Abort(ActiveRecordError):
    """Raise in a callback (or a ``before_validation``) to halt its chain, as Rails'
    ``throw :abort``: ``save()`` returns False, ``create()`` and
    ``save(raise_on_invalid=True)`` raise :class:`RecordNotSaved`, ``destroy()``
    returns False, and the record's own transaction rolls back, so nothing the save
    wrote stays (docs/lifecycle.md)."""


class TransactionIsolationError(TransactionError):
    """``isolation=`` was given to a block inside an open transaction: the level is
    chosen when the outermost transaction begins (Rails'
    ``TransactionIsolationError``)."""


class ForbiddenAttributesError(ActiveRecordError):
    """Mass assignment with an allow-list (``permit=``) got keys outside it; nothing
    was assigned (Rails' ``ActiveModel::ForbiddenAttributesError``). ``forbidden``
    lists the keys, ``permitted`` the allow-list."""

    def __init__(self, message: str, *, forbidden: list[str], permitted: list[str]):
        super().__init__(message)
        self.forbidden = forbidden
        self.permitted = permitted


class UnsavedChangesError(ActiveRecordError):
    """``record.lock()`` or ``with_lock()`` of a record with unsaved changes (the
    locking read would discard them, as Rails 7 refuses it too): save or reload it
    first."""


class AfterCommitError(ActiveRecordError):
    """One or more after-commit callbacks raised. The transaction *was* committed;
    every callback ran (a failing one does not skip the rest) and each failure was
    logged on the ``activerecord.transaction`` logger.

    Attributes:
        errors: the exceptions, in the order the callbacks ran (the first is also the
            ``__cause__``).
    """

    def __init__(self, errors: Sequence[BaseException]):
        self.errors = list(errors)
        shown = "; ".join(f"{type(e).__name__}: {e}" for e in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        super().__init__(f"{len(self.errors)} after_commit callback(s) failed after the "
                         f"transaction committed: {shown}{more}")


class RecordNotFound(ActiveRecordError):
    """``find`` found no row; ``model``, ``table`` and ``key`` say what was looked for."""

    def __init__(self, message: str, *, model: type | None = None,
                 table: str | None = None, key: object = None):
        super().__init__(message)
        self.model = model
        self.table = table
        self.key = key


class SoleRecordExceeded(ActiveRecordError):
    """``sole()``/``find_sole_by()`` found more than one row (Rails' error of the same
    name); ``model`` is the model queried."""

    def __init__(self, message: str, *, model: type | None = None):
        super().__init__(message)
        self.model = model


class RecordInvalid(ActiveRecordError):
    """A record failed validation (``save(raise_on_invalid=True)``, ``create()``).

    Attributes: ``record``, the record; ``errors``, its ``Errors`` (``record.errors``).
    The message is Rails': ``"Validation failed: Name can't be blank, ..."``, the
    record's full messages (never SQL)."""

    def __init__(self, record: object, message: str | None = None):
        errors = getattr(record, "errors", None)
        if message is None:
            full = list(getattr(errors, "full_messages", ()) or ())
            message = f"Validation failed: {', '.join(full)}" if full else \
                f"Validation failed for {type(record).__name__}"
        super().__init__(message)
        self.record = record
        self.errors = errors


class RecordNotSaved(ActiveRecordError):
    """A record could not be saved: a callback halted the save (raised
    :class:`Abort`), or it was destroyed. ``record`` is the record (or None)."""

    def __init__(self, message: str = "Failed to save the record", *,
                 record: object | None = None):
        super().__init__(message)
        self.record = record


class RecordNotDestroyed(ActiveRecordError):
    """A record's destroy was halted (a callback raised :class:`Abort`) where it
    must happen: a ``dependent="destroy"`` rule or a collection writer (Rails'
    ``destroy!``). ``record`` is the record; the enclosing destroy rolls back."""

    def __init__(self, message: str = "Failed to destroy the record", *,
                 record: object | None = None):
        super().__init__(message)
        self.record = record


class StaleObjectError(ActiveRecordError):
    """Optimistic locking found the row changed (or gone) since it was loaded.
    ``record`` is the stale record and ``attempted_action`` what was tried
    (``"update"``, ``"destroy"``), as Rails' ``StaleObjectError``."""

    def __init__(self, message: str = "", *, record: object | None = None,
                 attempted_action: str | None = None):
        super().__init__(message)
        self.record = record
        self.attempted_action = attempted_action


class UnknownAttributeError(ActiveRecordError, AttributeError):
    """An attribute or column name is not one of the model's columns.

    ``name`` is the unknown name, ``known`` the sorted list of the known columns.
    Subclasses ``AttributeError`` so ``getattr(record, name, default)`` still works.
    """

    def __init__(self, model_name: str, name: str, known: list[str]):
        known = sorted(known)
        super().__init__(
            f"unknown attribute {name!r} for {model_name}; known columns: {', '.join(known)}")
        self.name = name
        self.known = known


class MissingAttributeError(ActiveRecordError):
    """A column of the model was read on a record loaded without it (a relation with
    ``select(...)``), as Rails' ``ActiveModel::MissingAttributeError``. Not an
    ``AttributeError``: Python would otherwise hide it behind ``__getattr__``."""


class AttributeCastError(ActiveRecordError, ValueError):
    """A value could not be cast to its column's type; names column, type and value.

    ``attribute`` is the attribute's name when the value was assigned to a record
    (``None`` for a condition's value)."""

    attribute: str | None = None


class _ModelTableError(ActiveRecordError):
    """An error about a model and its table: ``model`` and ``table`` name them."""

    def __init__(self, message: str, *, model: type | None = None,
                 table: str | None = None):
        super().__init__(message)
        self.model = model
        self.table = table


class UnknownPrimaryKey(_ModelTableError):
    """A write or reload needs the record's primary key, but the model's table has none
    (a log table, a legacy table, a view), as Rails' ``UnknownPrimaryKey``. Raised
    before any SQL is sent; reads through relations keep working. ``model`` and
    ``table`` name what was used."""


class ReadOnlyAttributeError(ActiveRecordError):
    """A column that cannot be written was assigned or saved: a generated (computed)
    column, or one declared read-only (Rails 7.1's ``ReadonlyAttributeError``).
    Raised before any SQL is sent; ``name`` is the column."""

    def __init__(self, message: str, *, name: str | None = None):
        super().__init__(message)
        self.name = name


class ReadOnlyRecord(_ModelTableError):
    """A write was asked of a read-only model (Rails' ``ReadOnlyRecord``): one that
    declares ``readonly = True`` (or a string saying why), as ``automap`` does for a
    table without a primary key. save, create, update, destroy, delete, update_all,
    delete_all, insert_all and upsert_all raise it before any SQL; ``model`` and
    ``table`` name what was used."""


class AssociationTypeMismatch(ActiveRecordError, TypeError):
    """A record of the wrong class was assigned to an association (Rails'
    ``AssociationTypeMismatch``); raised before anything is written."""


class AssociationNotFoundError(ActiveRecordError):
    """An association name (in ``joins``, ``reset_association`` ...) is not one of the
    model's (Rails' ``AssociationNotFoundError``). ``name`` is the unknown name,
    ``known`` the sorted names the model declares."""

    def __init__(self, model_name: str, name: str, known: Sequence[str]):
        known = sorted(known)
        super().__init__(f"{model_name} has no association named {name!r}; known "
                         f"associations: {', '.join(known) or 'none'}")
        self.name = name
        self.known = known


class InvalidAssociation(ActiveRecordError):
    """An association's declaration cannot be resolved: its class name matches no model
    (or two), or its keys cannot be found or are ambiguous; the message says which
    option (``foreign_key=``, ``class_name=`` ...) settles it."""


class EagerLoadPolymorphicError(InvalidAssociation):
    """A polymorphic ``belongs_to`` was named in ``joins``/``left_joins``/
    ``eager_load`` (or an ``includes`` that must JOIN): its target table differs per
    row, so it cannot be joined (Rails' ``EagerLoadPolymorphicError``); preload it
    instead. ``association`` is ``"Model.name"``."""

    def __init__(self, message: str, *, association: str | None = None):
        super().__init__(message)
        self.association = association


class StrictLoadingViolationError(ActiveRecordError):
    """An association of a strict-loading record was about to be loaded lazily (Rails
    6.1's ``StrictLoadingViolationError``): preload it instead. ``model`` is the
    record's class, ``association`` the association's name, ``location`` the
    ``file:line`` of the access in the caller's code."""

    def __init__(self, message: str, *, model: type | None = None,
                 association: str | None = None, location: str | None = None):
        super().__init__(message)
        self.model = model
        self.association = association
        self.location = location


class DeleteRestrictionError(ActiveRecordError):
    """A record cannot be destroyed because an association declared
    ``dependent="restrict"`` still has records (Rails' ``DeleteRestrictionError``,
    raised by ``dependent: :restrict_with_exception``); nothing was changed.
    ``association`` is the association's name."""

    def __init__(self, message: str, *, association: str | None = None):
        super().__init__(message)
        self.association = association


class SchemaError(ActiveRecordError):
    """A schema change that cannot be done as asked (an unknown table, column, type or
    constraint; a migration file with a bad name, a duplicate version or a syntax
    error); raised before any SQL of the change is sent."""


class MigrationError(ActiveRecordError):
    """A migration failed. ``version`` and ``name`` name it; ``statements`` are the
    statements of it that ran before the failure; ``rolled_back`` tells whether they
    were undone (DDL is transactional on PostgreSQL and SQLite) or stay applied
    (MySQL/MariaDB commit each DDL statement). Its version is not recorded either way."""

    def __init__(self, message: str, *, version: str | None = None, name: str | None = None,
                 statements: list[str] | None = None, rolled_back: bool = True):
        super().__init__(message)
        self.version = version
        self.name = name
        self.statements = list(statements or ())
        self.rolled_back = rolled_back


class IrreversibleMigration(MigrationError):
    """A migration cannot be rolled back: its ``change()`` used an operation that
    cannot be inverted (``execute``, ``change_column``, ``remove_column`` without a
    type, ``drop_table`` without its columns), as Rails' ``IrreversibleMigration``;
    raised before any statement of the rollback runs."""
