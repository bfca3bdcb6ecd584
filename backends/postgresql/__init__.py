"""PostgreSQL backend on psycopg 3: ``adapter.py`` (``PostgreSQLAdapter``), ``dialect.py``,
``introspection.py``, ``types.py``. Empty on purpose: importing the package or its dialect
imports no driver (the registry names ``backends.postgresql.adapter``)."""
