"""PostgreSQL backend on psycopg 3."""

from .adapter import PostgreSQLAdapter

__all__ = ["PostgreSQLAdapter"]
