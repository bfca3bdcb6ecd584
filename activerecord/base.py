"""``Model``, the base class of every model, assembled from one-concern mixins.

Method resolution order (cooperative ``super()``): ``Model`` -> ``CoreMixin``
(identity, repr) -> ``AttributesMixin`` (typed attributes, dirty tracking) ->
``PersistenceMixin`` (save/create/update/destroy/delete/reload) -> ``QueryingMixin``
(class-level finders) -> ``TransactionsMixin`` -> ``SchemaMixin`` (table name, lazy
schema). ``save()`` opens (or joins) the transaction, which wraps validation, which
wraps callbacks, which wrap the write (``_save``).

A model needs no declarations::

    class Artist(Model):
        table_name = "Artist"      # optional; default inflection.tableize("Artist")
        primary_key = "ArtistId"   # optional; default: the table's primary key
"""

from __future__ import annotations

from .model.attributes import AttributesMixin
from .model.core import Core
from .model.schema import ModelMeta, SchemaMixin
from .model.persistence import PersistenceMixin
from .model.querying import QueryingMixin
from .model.scoping import ScopingMixin
from .model.transactions import TransactionsMixin

__all__ = ["Model"]


class Model(Core, AttributesMixin, PersistenceMixin, QueryingMixin, ScopingMixin,
            TransactionsMixin,
            SchemaMixin, metaclass=ModelMeta):
    """Base class of models. Subclass it once per table; see the module docstring.

    Class attributes: ``table_name`` (str), ``primary_key`` (str or tuple of str),
    ``database`` (a Database, a name given to ``connect(name=...)``, or ``None`` for
    the default database), ``abstract`` (True for a base class with no table).
    """

    abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "abstract" not in cls.__dict__:
            cls.abstract = False
