"""SQLite backend on the standard library's ``sqlite3``."""

from .adapter import SQLiteAdapter

__all__ = ["SQLiteAdapter"]
