"""``belongs_to``: the foreign key is on the owner's table (Rails'
``BelongsToAssociation``). ``album.artist`` loads once and caches; assigning a record
sets the foreign key, ``None`` clears it.

Options read by the save (``associations/autosave.py``): ``touch=`` (saving or
destroying the record updates the parent's ``updated_at``), ``counter_cache=`` (the
parent's ``<records>_count`` column follows the number of records) and
``optional=`` (whether a record may be saved without a parent; the default follows
the schema: required when every foreign-key column is NOT NULL).

Polymorphic (Rails' ``BelongsToPolymorphicAssociation``): ``commentable =
belongs_to(polymorphic=True)`` reads the target's class name from a type column
(``commentable_type``, or ``CommentableType``) and its key from ``commentable_id``
(``CommentableId``); ``foreign_type=``/``foreign_key=`` override. As Rails, the type
column holds the model's class name (:func:`polymorphic_name`), resolved back with
``reflection.resolve_class``, so it must name one model class for the owner.
"""

from __future__ import annotations

from typing import Any

import inflection

from ..errors import AssociationTypeMismatch, InvalidAssociation
from . import association as a
from . import preloader
from .reflection import Reflection, camelize, resolve_class, underscore

__all__ = ["BelongsTo", "PolymorphicBelongsTo", "polymorphic_name", "first_column"]


def polymorphic_name(model: type) -> str:
    """The value a polymorphic type column holds for records of ``model``: its class
    name (Rails stores ``polymorphic_name``, the class name)."""
    return model.__name__


class BelongsTo(Reflection):
    """A ``belongs_to`` association (see the module doc)."""

    macro = "belongs_to"

    def __init__(self, target: Any, *, touch: bool | str = False,
                 counter_cache: bool | str = False, optional: bool | None = None,
                 **options: Any) -> None:
        super().__init__(target, **options)
        for option, value in (("touch", touch), ("counter_cache", counter_cache)):
            if not isinstance(value, (bool, str)) or value == "":
                raise InvalidAssociation(f"belongs_to: {option}= takes True or a column "
                                         f"name, not {value!r}")
        if optional is not None and not isinstance(optional, bool):
            raise InvalidAssociation(f"belongs_to: optional= takes True or False, "
                                     f"not {optional!r}")
        self.touch, self.counter_cache, self.optional = touch, counter_cache, optional
        self._presence: tuple[Any, tuple[str, ...], bool] | None = None

    def _models(self) -> tuple[Any, Any]:
        return self.owner, self.target

    def _conventions(self) -> list[str]:
        target = self.target._load_schema()
        names = [f"{self.name}_id", camelize(self.name) + "Id",
                 f"{underscore(self.target.__name__)}_id", self.target.__name__ + "Id"]
        owner_pk = self.owner._load_schema().pk
        names += [c for c in target.pk if len(target.pk) == 1 and c not in owner_pk]
        return list(dict.fromkeys(names))

    # -- what the save asks (autosave.py) ------------------------------------------
    @property
    def snapshot_columns(self) -> tuple[str, ...]:
        """The owner's columns naming the parent (the cache is valid while they
        keep their values): the foreign key."""
        return self.foreign_key

    def snapshot(self, record: Any) -> tuple:
        """The values of :attr:`snapshot_columns` on ``record``."""
        return a.values_of(record, self.snapshot_columns)

    def required(self) -> bool:
        """Whether a record needs a parent to be saved: ``not optional=`` when given,
        else whether every foreign-key column is NOT NULL (unlike Rails, whose
        default is required: the schema already says which links are optional)."""
        if self.optional is not None:
            return not self.optional
        columns = self.owner._load_schema().columns
        return all(not columns[c].nullable for c in self.snapshot_columns)

    def presence(self) -> tuple[tuple[str, ...], bool]:
        """``(snapshot columns, required())``, kept while the owner's schema is the
        same (every save of the owner asks: ``autosave.check_save``)."""
        schema = self.owner._load_schema()
        kept = self._presence
        if kept is None or kept[0] is not schema:
            kept = self._presence = (schema, self.snapshot_columns, self.required())
        return kept[1], kept[2]

    def parent_key(self, record: Any,
                   values: tuple) -> tuple[Any, tuple[str, ...], tuple] | None:
        """``(parent class, referenced columns, their values)`` for the snapshot
        ``values`` of ``record`` (see :meth:`snapshot`; the current values or those
        its row held), or None when one of them is None."""
        if None in values:
            return None
        return self.target, self.primary_key, values

    def counter_column(self, parent: Any) -> str:
        """The counter column of ``parent`` (a model class): ``counter_cache=`` when
        a name, else ``<records>_count`` (``albums_count`` for ``Album``, Rails'
        ``counter_cache_column``; or ``AlbumsCount``). InvalidAssociation naming the
        column when the parent's table has none."""
        schema = parent._load_schema()
        if isinstance(self.counter_cache, str):
            names = [self.counter_cache]
        else:
            plural = inflection.pluralize(inflection.underscore(self.owner.__name__))
            names = [f"{plural}_count", inflection.camelize(plural) + "Count"]
        for name in names:
            if name in schema.name_set:
                return name
        raise InvalidAssociation(
            f"{self!r}: counter_cache needs the column {' or '.join(names)} on "
            f"{schema.table!r} ({parent.__name__}); known columns: "
            f"{', '.join(schema.names)}; add it or pass counter_cache='column'")

    def touch_columns(self, parent: Any) -> tuple[str, ...]:
        """The columns of ``parent`` (a model class) that ``touch=`` sets to now: its
        update timestamp (``updated_at``, as ``model/timestamps.py`` stamps it), plus
        the column ``touch=`` names (Rails' ``touch: :column``). InvalidAssociation
        when ``touch=True`` and the table has no update timestamp, or the named
        column does not exist."""
        schema = parent._load_schema()
        out = [c for c in schema.timestamps if c in _UPDATE_STAMPS]
        if isinstance(self.touch, str):
            if self.touch not in schema.name_set:
                raise InvalidAssociation(
                    f"{self!r}: touch={self.touch!r} is not a column of {schema.table!r}"
                    f"; known columns: {', '.join(schema.names)}")
            out.append(self.touch)
        elif not out:
            raise InvalidAssociation(
                f"{self!r}: touch=True needs an {' or '.join(_UPDATE_STAMPS)} column on "
                f"{schema.table!r} ({parent.__name__}); known columns: "
                f"{', '.join(schema.names)}; pass touch='column'")
        return tuple(dict.fromkeys(out))

    def inverse_of_target(self, target: Any) -> Reflection | None:
        """The target's association back to the owner (for ``target``, a record)."""
        return self.inverse

    def target_key(self, model: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
        """For a condition by this association on records of ``model`` (a record's
        class or a relation's model; ``where(artist=acdc)``): ``(the owner's columns
        the class fixes -- none here, the type column for a polymorphic one --,
        the columns of ``model`` the foreign key refers to)``. Raises
        AssociationTypeMismatch when ``model`` is not the target class (or a
        subclass of it)."""
        if not (isinstance(model, type) and issubclass(model, self.target)):
            raise AssociationTypeMismatch(
                f"{self.owner.__name__}.{self.name} refers to {self.target.__name__} "
                f"records, not {getattr(model, '__name__', repr(model))} ones")
        return {}, self.primary_key

    # -- reading and writing -------------------------------------------------------
    def _load(self, record: Any, values: tuple) -> Any:
        found = self.parent_key(record, values)
        if found is None:
            return None
        model, columns, key = found
        a.lazy_load(record, self)  # strict loading (association.py)
        # take(), not first(): the key names one row, so no ORDER BY (Rails reads
        # ``LIMIT 1`` without one), and a parent table without a primary key works.
        return model.where(**dict(zip(columns, key))).take()

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        snapshot = self.snapshot(record)
        value = a.cached(record, self.name, snapshot)
        if value is not a.MISSING:
            return value
        held = a.cached(record, self.name)
        if held is not a.MISSING and held is not None and held.new_record and \
                self._values_for(held) == snapshot:
            # a parent not saved yet (a rolled-back save gave it and the key back):
            # it is still the parent, saved with the record
            a.store(record, self.name, held, snapshot)
            return held
        found = self._load(record, snapshot)
        a.store(record, self.name, found, snapshot)
        self._set_inverse_instance(record, found)
        return found

    def _set_inverse_instance(self, record: Any, target: Any) -> None:
        # A has_one back to the owner caches ``record`` (Rails' set_inverse_instance).
        inverse = self.inverse_of_target(target) if target is not None else None
        if inverse is not None and inverse.macro == "has_one":
            a.store(target, inverse.name, record, a.values_of(target, inverse.primary_key))

    def _values_for(self, value: Any) -> tuple:
        """The snapshot values that make the owner refer to ``value``."""
        return a.values_of(value, self.primary_key)

    def __set__(self, record: Any, value: Any) -> None:
        columns = self.snapshot_columns
        if value is not None:
            self.check_type(value)
            values = self._values_for(value)
        else:
            values = (None,) * len(columns)
        for column, item in zip(columns, values):
            record.write_attribute(column, item)
        a.store(record, self.name, value, a.values_of(record, columns))
        self._set_inverse_instance(record, value)


#: The update timestamps ``touch=True`` sets, as the schema names them.
_UPDATE_STAMPS = ("updated_at",)


class PolymorphicBelongsTo(BelongsTo):
    """``belongs_to(polymorphic=True)`` (see the module doc): the parent's class is
    read per record from the type column, so it has no single ``target``."""

    polymorphic = True

    def __init__(self, *, foreign_type: str | None = None, **options: Any) -> None:
        super().__init__("", **options)  # no target class: the type column names it
        self._type_option = foreign_type
        self._columns: tuple[Any, tuple[str, ...], str] | None = None

    @property
    def target(self) -> Any:
        """Refused: the target class differs per record (InvalidAssociation)."""
        raise InvalidAssociation(f"{self!r} is polymorphic: its target class is read per "
                                 f"record from its type column")

    def _poly_columns(self) -> tuple[tuple[str, ...], str]:
        schema = self.owner._load_schema()
        if self._columns is None or self._columns[0] is not schema:
            names = [f"{self.name}_id", camelize(self.name) + "Id"]
            fk = self._fk_option or (first_column(self, schema, names, "foreign_key"),)
            types = [self._type_option] if self._type_option else \
                [f"{self.name}_type", camelize(self.name) + "Type"]
            typ = first_column(self, schema, types, "foreign_type")
            missing = [c for c in fk if c not in schema.name_set]
            if missing:
                raise InvalidAssociation(f"{self!r}: {schema.table!r} has no column "
                                         f"{missing[0]!r}; known columns: "
                                         f"{', '.join(schema.names)}")
            self._columns = (schema, fk, typ)
        return self._columns[1], self._columns[2]

    @property
    def foreign_key(self) -> tuple[str, ...]:
        """The owner's key columns (``<name>_id``/``<Name>Id``, or ``foreign_key=``)."""
        return self._poly_columns()[0]

    @property
    def foreign_type(self) -> str:
        """The owner's type column (``<name>_type``/``<Name>Type``, or
        ``foreign_type=``)."""
        return self._poly_columns()[1]

    @property
    def primary_key(self) -> tuple[str, ...]:
        """Refused: the referenced columns depend on the class (:meth:`primary_key_for`)."""
        raise InvalidAssociation(f"{self!r} is polymorphic: its referenced key depends on "
                                 f"the class in {self.foreign_type}")

    def primary_key_for(self, model: Any) -> tuple[str, ...]:
        """The columns of ``model`` the key refers to: ``primary_key=``, else its
        primary key; InvalidAssociation when they do not match the key's length."""
        schema = model._load_schema()
        pk = self._pk_option or schema.pk
        missing = [c for c in pk if c not in schema.name_set]
        if missing or not pk or len(pk) != len(self.foreign_key):
            raise InvalidAssociation(f"{self!r}: {model.__name__} ({schema.table!r}) has "
                                     f"no key {pk or '(none)'} matching {self.foreign_key}")
        return tuple(pk)

    @property
    def inverse(self) -> Reflection | None:
        """None: the inverse depends on the target class (:meth:`inverse_of_target`)."""
        return None

    def inverse_of_target(self, target: Any) -> Reflection | None:
        """``target``'s class's association back over this one: its ``inverse_of=``
        name, else its single has_many/has_one declared ``as_=`` this name."""
        reflections = getattr(type(target), "_reflections", {})
        if self._inverse_option:
            return reflections.get(self._inverse_option)
        found = [r for r in reflections.values() if getattr(r, "as_", None) == self.name]
        return found[0] if len(found) == 1 else None

    @property
    def snapshot_columns(self) -> tuple[str, ...]:
        """The type column, then the key columns."""
        fk, typ = self._poly_columns()
        return (typ, *fk)

    def class_for(self, record: Any, name: Any) -> Any:
        """The model class the type value ``name`` of ``record`` names;
        InvalidAssociation naming the value and the record when none (or two) do."""
        try:
            return resolve_class(self.owner, str(name))
        except InvalidAssociation as exc:
            raise InvalidAssociation(
                f"{self!r}: {type(record).__name__}.{self.foreign_type} = {name!r} "
                f"names no model class, for {record!r} ({exc})") from None

    def parent_key(self, record: Any,
                   values: tuple) -> tuple[Any, tuple[str, ...], tuple] | None:
        """``(class, referenced columns, key)`` for snapshot ``values`` (type first)."""
        if None in values:
            return None
        model = self.class_for(record, values[0])
        return model, self.primary_key_for(model), values[1:]

    def check_type(self, value: Any) -> None:
        """Raise AssociationTypeMismatch unless ``value`` is a model record whose
        class name resolves back to its class for the owner."""
        if not self._names_itself(type(value)):
            raise AssociationTypeMismatch(
                f"{self.owner.__name__}.{self.name} takes a model record whose class "
                f"name ({polymorphic_name(type(value))!r}) names its class, not "
                f"{type(value).__name__} {value!r}")

    def _names_itself(self, model: type) -> bool:
        # Whether the type value of ``model`` resolves back to it for the owner.
        try:
            return resolve_class(self.owner, polymorphic_name(model)) is model
        except InvalidAssociation:
            return False

    def target_key(self, model: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
        """``({type column: class name}, the referenced columns of model)`` for a
        condition on records of ``model`` (see :meth:`BelongsTo.target_key`):
        AssociationTypeMismatch unless ``model`` is a model class whose name
        resolves back to it for the owner; InvalidAssociation (from
        :meth:`primary_key_for`) when it has no key matching the foreign key."""
        if not (isinstance(model, type) and self._names_itself(model)):
            raise AssociationTypeMismatch(
                f"{self.owner.__name__}.{self.name} refers to model records whose class "
                f"name names their class, not {getattr(model, '__name__', repr(model))} "
                f"ones")
        return {self.foreign_type: polymorphic_name(model)}, self.primary_key_for(model)

    def _values_for(self, value: Any) -> tuple:
        return (polymorphic_name(type(value)),
                *a.values_of(value, self.primary_key_for(type(value))))

    def preload_into(self, records: list) -> list:
        """Load the parents of ``records`` into their caches (the preloader's hook
        for a reflection that owns its preload): one ``IN`` query per class named in
        the type column, chunked as every preload (Rails' polymorphic preloader
        groups by type too), none for a record whose parent is loaded already;
        returns the parents (for the nested levels)."""
        groups: dict[Any, list] = {}
        out: list = []
        for record in records:
            values = self.snapshot(record)
            loaded = a.cached(record, self.name, values)
            if loaded is not a.MISSING:  # loaded already: not queried again
                out += [loaded] if loaded is not None else []
            elif None in values:
                a.store(record, self.name, None, values)
            else:
                groups.setdefault(values[0], []).append((record, values))
        for name, members in groups.items():
            model = self.class_for(members[0][0], name)
            pk = self.primary_key_for(model)
            keys = list(dict.fromkeys(values[1:] for _, values in members))
            by_key = {a.values_of(t, pk): t for t in preloader._fetch(model, pk, keys)}
            for record, values in members:
                a.store(record, self.name, by_key.get(values[1:]), values)
            out += by_key.values()
        return out


def first_column(reflection: Reflection, schema: Any, names: list[str], option: str) -> str:
    """The first of ``names`` that is a column of ``schema``; InvalidAssociation
    naming them, the known columns and the option that settles it otherwise."""
    for name in names:
        if name in schema.name_set:
            return name
    raise InvalidAssociation(f"{reflection!r}: {schema.table!r} has none of the columns "
                             f"{', '.join(names)}; known columns: "
                             f"{', '.join(schema.names)}; pass {option}=...")
