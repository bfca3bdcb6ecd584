"""Backend adapters, one package per database: ``sqlite``, ``postgresql``, ``mysql``.

Each package has the same modules and class names: ``adapter.py`` (the adapter, which
imports its driver), ``dialect.py``, ``introspection.py`` and ``types.py``. The core
finds them through ``activerecord.connection.registry`` and never imports them directly.
"""
