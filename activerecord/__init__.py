"""activerecord: an Active Record ORM for Python.

::

    from activerecord import Model, connect, transaction

    connect("sqlite:///app.db")          # or DATABASE_URL

    class Artist(Model):
        table_name = "Artist"

    Artist.create(Name="AC/DC")
    Artist.where(Name="AC/DC").first()
"""

from . import errors, events
from .associations import belongs_to, has_and_belongs_to_many, has_many, has_one
from .automap import automap
from .base import Model
from .connection.database import Database
from .connection.handling import connect, databases, get_database, set_default_database
from .errors import (  # the error classes are part of the public API
    Abort,
    ActiveRecordError,
    AfterCommitError,
    AssociationNotFoundError,
    AssociationTypeMismatch,
    AttributeCastError,
    ColumnNotFound,
    ConfigurationError,
    ConnectionError,
    ConnectionNotEstablished,
    ConnectionTimeoutError,
    DatabaseError,
    DataError,
    DeadlockError,
    DeleteRestrictionError,
    EagerLoadPolymorphicError,
    ForbiddenAttributesError,
    IntegrityError,
    InterfaceError,
    InvalidAssociation,
    InvalidForeignKey,
    IrreversibleMigration,
    MigrationError,
    MissingAttributeError,
    NotNullViolation,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    ReadOnlyAttributeError,
    ReadOnlyRecord,
    RecordInvalid,
    RecordNotDestroyed,
    RecordNotFound,
    RecordNotSaved,
    RecordNotUnique,
    Rollback,
    SchemaError,
    SerializationFailure,
    SoleRecordExceeded,
    StaleObjectError,
    StatementInvalid,
    StrictLoadingViolationError,
    TableNotFound,
    TransactionError,
    TransactionIsolationError,
    UnknownAttributeError,
    UnknownPrimaryKey,
    UnsavedChangesError,
)
from .model.callbacks import (
    after_commit,
    after_create,
    after_create_commit,
    after_destroy,
    after_destroy_commit,
    after_find,
    after_initialize,
    after_rollback,
    after_save,
    after_save_commit,
    after_update,
    after_update_commit,
    after_validation,
    around_create,
    around_destroy,
    around_save,
    around_update,
    before_create,
    before_destroy,
    before_save,
    before_update,
    before_validation,
    set_callback,
    skip_callback,
)
from .model.enum import enum
from .model.scoping import default_scope, scope
from .model.transactions import transaction
from .model.validations import Errors, validate, validates, validates_associated
from .relation import Relation
from .relation.predicates import between
from .sql.nodes import and_, not_, or_

# A literal list (type checkers read it under --strict, where only the names listed
# are exported): the API, then the error classes of errors.__all__, spelled out
# (tests/integration/test_stubs.py checks that none is missing).
__all__ = [
    "Model", "Database", "Relation", "connect", "databases", "get_database",
    "set_default_database",
    "transaction", "and_", "or_", "not_", "errors", "events", "scope", "default_scope",
    "between", "belongs_to", "has_many", "has_one",
    "has_and_belongs_to_many", "automap", "enum", "validates", "validate",
    "validates_associated", "Errors", "set_callback", "skip_callback",
    "before_validation", "after_validation", "before_save", "around_save",
    "after_save", "before_create", "around_create", "after_create",
    "before_update", "around_update", "after_update", "before_destroy",
    "around_destroy", "after_destroy", "after_initialize", "after_find",
    "after_commit", "after_rollback", "after_create_commit", "after_update_commit",
    "after_destroy_commit", "after_save_commit",
    # the error classes (errors.__all__)
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

__version__ = "0.1.0"
