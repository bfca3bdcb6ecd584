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
from .errors import *  # noqa: F401,F403 - the error classes are part of the public API
from .model.enum import enum
from .model.scoping import default_scope, scope
from .model.transactions import transaction
from .relation import Relation
from .relation.predicates import between
from .sql.nodes import and_, not_, or_

__all__ = ["Model", "Database", "Relation", "connect", "databases", "get_database",
           "set_default_database",
           "transaction", "and_", "or_", "not_", "errors", "events", "scope", "default_scope",
           "between", "belongs_to", "has_many", "has_one",
           "has_and_belongs_to_many", "automap", "enum"] + list(errors.__all__)

__version__ = "0.1.0"
