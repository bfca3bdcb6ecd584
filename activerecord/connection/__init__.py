"""Connections: the adapter contract, dialect hooks, features, introspection records,
schema cache, pools, the URL registry, the :class:`Database` that ties them, its
transactions (``transaction.py``) and the registry of named databases (``handling.py``)."""

from .database import Database, Result
from .features import Features
from .handling import connect, databases, get_database, set_default_database
from .introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo

__all__ = ["Database", "Result", "connect", "databases", "get_database",
           "set_default_database", "Features",
           "ColumnInfo", "ForeignKeyInfo", "IndexInfo", "TableInfo"]
