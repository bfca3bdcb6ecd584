"""activerecord: an Active Record ORM for Python.

::

    from activerecord import Model, connect, transaction

    connect("sqlite:///app.db")          # or DATABASE_URL

    class Artist(Model):
        table_name = "Artist"

    Artist.create(Name="AC/DC")
    Artist.where(Name="AC/DC").first()
"""

from . import errors
from .base import Model
from .connection.database import (Database, connect, databases, get_database,
                                  set_default_database)
from .errors import *  # noqa: F401,F403 - the error classes are part of the public API
from .relation.predicates import between
from .relation import Relation
from .model.scoping import default_scope, scope
from .sql.nodes import and_, not_, or_
from .model.transactions import transaction

__all__ = ["Model", "Database", "Relation", "connect", "databases", "get_database",
           "set_default_database",
           "transaction", "and_", "or_", "not_", "errors", "scope", "default_scope",
           "between"] + list(errors.__all__)

__version__ = "0.1.0"
