"""SQLite backend on the standard library's ``sqlite3``: ``adapter.py`` (``SQLiteAdapter``),
``dialect.py``, ``introspection.py``, ``types.py``. Empty on purpose: importing the package
or its dialect imports no driver (the registry names ``backends.sqlite.adapter``)."""
