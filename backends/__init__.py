"""Backend adapters, one package per database: ``sqlite``, ``postgresql``, ``mysql``.

Each package has the same modules and class names: ``adapter.py`` (the adapter, which
imports its driver when it first connects), ``dialect.py``, ``introspection.py`` and
``types.py``; its ``__init__.py`` is empty, so importing a package or a dialect needs no
driver. The core finds the adapters through ``activerecord.connection.registry``
(``"backends.postgresql.adapter:PostgreSQLAdapter"``) and never imports them directly.
"""
