"""``ModelFactory``: factory_boy factories that build and create activerecord records.

::

    import factory
    from activerecord.testing import ModelFactory

    class AuthorFactory(ModelFactory):
        class Meta:
            model = Author

        name = factory.Sequence(lambda n: f"author {n}")

    class BookFactory(ModelFactory):
        class Meta:
            model = Book

        title = factory.Sequence(lambda n: f"book {n}")
        author = factory.SubFactory(AuthorFactory)   # a belongs_to: the record

    BookFactory()                 # created: INSERTs the author, then the book
    BookFactory.build()           # built, not saved (its author neither)
    BookFactory.create_batch(3)   # three books, three authors

Everything else is factory_boy's (``Sequence``, ``LazyAttribute``, ``Trait``,
``build_batch``, ``SubFactory`` ...): this base only says how a record is built and
saved, as factory_boy's ``DjangoModelFactory`` and ``SQLAlchemyModelFactory`` do.
"""

from __future__ import annotations

from typing import Any

import factory

__all__ = ["ModelFactory"]


class ModelFactory(factory.base.Factory):
    """A factory_boy ``Factory`` for an activerecord model (``class Meta: model =
    Book``).

    ``build()`` returns ``Book(**attributes)``, unsaved; ``create()`` (and calling the
    factory) returns ``Book.create(**attributes)``: saved, or raising RecordInvalid
    (with the record's ``errors``) or RecordNotSaved (Rails' ``create!``, FactoryBot's
    behaviour). An attribute may name a belongs_to association (a ``SubFactory``
    gives the record, saved first by create) or its foreign key. Raises TypeError for
    positional arguments (records take keyword attributes only).
    """

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        cls._no_positional(args)
        return model_class(**kwargs)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        cls._no_positional(args)
        return model_class.create(**kwargs)

    @classmethod
    def _no_positional(cls, args: tuple[Any, ...]) -> None:
        if args:
            raise TypeError(f"{cls.__name__}: records take keyword attributes only, "
                            f"got positional {args!r} (Meta.inline_args)")
