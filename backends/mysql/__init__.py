"""MySQL and MariaDB backend on PyMySQL: ``adapter.py`` (``MySQLAdapter``), ``dialect.py``,
``introspection.py``, ``types.py``. Empty on purpose: importing the package or its dialect
imports no driver (the registry names ``backends.mysql.adapter``)."""
