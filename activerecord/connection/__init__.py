"""Connections: the adapter contract, dialect hooks, features, introspection records,
schema cache, pools, the URL registry and the :class:`Database` that ties them."""

from .database import Database, Result, connect, databases, get_database
from .features import Features
from .introspection import ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo

__all__ = ["Database", "Result", "connect", "databases", "get_database", "Features",
           "ColumnInfo", "ForeignKeyInfo", "IndexInfo", "TableInfo"]
