"""MySQL and MariaDB backend on PyMySQL."""

from .adapter import MySQLAdapter

__all__ = ["MySQLAdapter"]
