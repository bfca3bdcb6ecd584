"""The validators behind ``validates(...)`` (Rails' ``ActiveModel::Validations`` and
``ActiveRecord::Validations::UniquenessValidator``), with Rails' option names and
messages (``validations.MESSAGES``).

Each validator checks its attributes on a record and adds to ``record.errors``.
Common options: ``allow_none`` (skip None), ``allow_blank`` (skip None, ``""``,
whitespace, empty collections), ``message`` (replaces the default; ``{count}``,
``{value}``, ``{attribute}``, ``{model}`` interpolated, or a callable taking
``(record, data)``). An option given as True takes the defaults
(``presence=True``); a non-dict value is the main option (``length=range(2, 21)``,
``format=r"..."``, ``inclusion=[...]``, ``comparison`` needs a dict).

==================  ========================================================  ===========
validator           options                                                    error types
==================  ========================================================  ===========
presence            (blank: None, "", whitespace, empty, False)                blank
absence                                                                        present
length              minimum, maximum, is_, in_ (a range), in characters        too_short,
                                                                               too_long,
                                                                               wrong_length
format              with (regex, ``re.search``), without                      invalid
numericality        only_integer, greater_than(_or_equal_to), less_than(...),  not_a_number,
                    equal_to, other_than, in_, odd, even (a bound may be a     not_an_integer,
                    method name or a callable taking the record)               greater_than...
inclusion           in_ (a collection, range, or callable)                    inclusion
exclusion           in_                                                        exclusion
uniqueness          scope (column or list), case_sensitive (None: the          taken
                    column's collation decides; False: LOWER() on both sides;
                    True: bytes where collations ignore case, MariaDB),
                    conditions (a callable taking and returning a relation)
acceptance          accept (default ``("1", "true", True, 1)`` and, for a      accepted
                    boolean column, True); a virtual attribute when no column
confirmation        case_sensitive; compares with ``<attr>_confirmation``      confirmation
                    (virtual), skipped while that is None
comparison          greater_than, ..., equal_to, other_than (values, method    greater_than...
                    names or callables taking the record)
==================  ========================================================  ===========

``uniqueness`` reads through ``type(record).unscoped()`` (default scopes ignored, as
Rails) and is skipped for a saved record whose attribute did not change (Rails 7.1); a
unique index, where it exists, is still the final word: two writers that both pass
the check make one of them fail with ``RecordNotUnique``.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import inflection

from ..errors import InvalidAssociation
from ..relation import Relation
from ..sql import nodes as n
from .core import Core

__all__ = ["Validator", "VALIDATORS", "build", "is_blank", "humanize", "read_value",
           "AssociatedValidator", "VirtualAttribute"]


def humanize(name: str) -> str:
    """``"FirstName"`` -> ``"First name"``, ``"artist_id"`` -> ``"Artist"`` (Rails'
    ``humanize`` of the underscored name, by ``inflection``); ``"base"`` -> ``""``."""
    return "" if name == "base" else inflection.humanize(inflection.underscore(name))


def is_blank(value: Any) -> bool:
    """Rails' ``blank?``: None, False, a whitespace-only string, an empty collection
    (an association's records included: loaded, or counted, to know)."""
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset, dict, bytes)):
        return not value
    if isinstance(value, Relation):
        return len(value) == 0
    return False


def read_value(record: Any, attribute: str) -> Any:
    """The value a validation reads: a loaded column's (an enum's label), even when
    the model has a method of the name (a column called ``valid``); else the virtual
    attribute, property or method result of that name (Rails'
    ``read_attribute_for_validation``)."""
    if attribute in record.__dict__.get("_attrs", ()):
        return record.read_attribute(attribute)
    value = getattr(record, attribute)
    return value() if inspect.ismethod(value) else value



def _resolve(record: Any, value: Any) -> Any:
    # A bound given as an attribute or method name of the record (Rails' symbol), or
    # a callable taking the record; anything else is the value itself.
    if isinstance(value, str) and (value in record.__dict__.get("_attrs", ()) or
                                   hasattr(type(record), value)):
        return read_value(record, value)
    if callable(value) and not isinstance(value, (type, range)):
        return value(record)
    return value


class Validator:
    """Checks ``attributes`` of a record; see the module doc for the kinds.

    Args:
        attributes: the attribute names.
        options: the validator's own options.
        allow_none: skip the check when the value is ``None``.
        allow_blank: skip the check when the value is blank (:func:`is_blank`).
        message: the error message instead of the kind's default (text with
            ``{count}``-style fields, or a callable taking ``(record, data)``).
    """

    kind = "validator"
    #: options a subclass takes (others raise ValueError naming these).
    known: tuple[str, ...] = ()

    def __init__(self, attributes: Iterable[str], options: dict[str, Any], *,
                 allow_none: bool = False, allow_blank: bool = False,
                 message: Any = None):
        self.attributes = tuple(attributes)
        unknown = sorted(set(options) - set(self.known))
        if unknown:
            raise ValueError(f"{self.kind}: unknown option(s) {', '.join(unknown)}; "
                             f"known: {', '.join(self.known) or 'none'}")
        self.options = options
        self.allow_none = allow_none
        self.allow_blank = allow_blank
        self.message = message
        self.check_options()

    def check_options(self) -> None:
        """Raise ValueError for options that cannot work (at declaration)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {', '.join(self.attributes)}>"

    def __call__(self, record: Any) -> None:
        for attribute in self.attributes:
            value = read_value(record, attribute)
            if value is None and self.allow_none or self.allow_blank and is_blank(value):
                continue
            self.validate_each(record, attribute, value)

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        """Check one attribute's ``value``; add errors to ``record.errors``."""
        raise NotImplementedError

    def error(self, record: Any, attribute: str, type: str, **data: Any) -> None:
        """Add error ``type`` with this validator's ``message`` (if any)."""
        record.errors.add(attribute, type, message=self.message, **data)


class PresenceValidator(Validator):
    """``presence``: not blank (:func:`is_blank`); an association's record not
    destroyed. Error ``blank`` (Rails' ``PresenceValidator``)."""

    kind = "presence"

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        if is_blank(value) or _is_destroyed_record(value):
            self.error(record, attribute, "blank")


def _is_destroyed_record(value: Any) -> bool:
    # presence of an association: a record marked destroyed is no parent.
    return isinstance(value, Core) and value.destroyed


class AbsenceValidator(Validator):
    """``absence``: blank. Error ``present`` (Rails' ``AbsenceValidator``)."""

    kind = "absence"

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        if not is_blank(value):
            self.error(record, attribute, "present")


class LengthValidator(Validator):
    """``length``: ``minimum``/``maximum``/``is_``/``in_`` (a range), in characters;
    None counts as 0. Errors ``too_short``/``too_long``/``wrong_length`` with ``count``
    (Rails' ``LengthValidator``). ValueError at declaration without a bound."""

    kind = "length"
    known = ("minimum", "maximum", "is_", "in_", "too_short", "too_long", "wrong_length")

    def check_options(self) -> None:
        o = self.options
        if "in_" in o:
            r = o["in_"]
            if not isinstance(r, range):
                raise ValueError("length: in_ must be a range (range(2, 21) is 2..20)")
            o["minimum"], o["maximum"] = r.start, r.stop - 1
        if not any(k in o for k in ("minimum", "maximum", "is_")):
            raise ValueError("length: give minimum, maximum, is_ or in_")

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        # As Rails, None counts as length 0 for ``minimum``/``is_`` (unless allowed).
        o = self.options
        size = 0 if value is None else len(value) if hasattr(value, "__len__") \
            else len(str(value))
        if "is_" in o and size != o["is_"]:
            record.errors.add(attribute, "wrong_length",
                              message=o.get("wrong_length", self.message), count=o["is_"])
        if "minimum" in o and size < o["minimum"]:
            record.errors.add(attribute, "too_short",
                              message=o.get("too_short", self.message), count=o["minimum"])
        if "maximum" in o and value is not None and size > o["maximum"]:
            record.errors.add(attribute, "too_long",
                              message=o.get("too_long", self.message), count=o["maximum"])


class FormatValidator(Validator):
    """``format``: ``with``/``without`` a regex (``re.search``). Error ``invalid``
    (Rails' ``FormatValidator``). ValueError unless exactly one is given."""

    kind = "format"
    known = ("with", "without")

    def check_options(self) -> None:
        o = self.options
        if ("with" in o) == ("without" in o):
            raise ValueError("format: give exactly one of with or without (a regex)")
        for key in ("with", "without"):
            if key in o:
                o[key] = re.compile(o[key]) if isinstance(o[key], str) else o[key]

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        text = "" if value is None else str(value)
        o = self.options
        if "with" in o and not o["with"].search(text) or \
                "without" in o and o["without"].search(text):
            self.error(record, attribute, "invalid", value=value)


_BOUNDS = {"greater_than": lambda a, b: a > b,
           "greater_than_or_equal_to": lambda a, b: a >= b,
           "less_than": lambda a, b: a < b,
           "less_than_or_equal_to": lambda a, b: a <= b,
           "equal_to": lambda a, b: a == b,
           "other_than": lambda a, b: a != b}


class NumericalityValidator(Validator):
    """``numericality``: a number (a numeric string counts; NaN and infinities do
    not), ``only_integer``, the bounds, ``in_``, ``odd``/``even``. Errors
    ``not_a_number``, ``not_an_integer``, one per bound (Rails'
    ``NumericalityValidator``)."""

    kind = "numericality"
    known = ("only_integer", "odd", "even", "in_") + tuple(_BOUNDS)

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        number = _number(value)
        o = self.options
        if number is None:
            self.error(record, attribute, "not_a_number", value=value)
            return
        if o.get("only_integer") and number != int(number):
            self.error(record, attribute, "not_an_integer", value=value)
            return
        for option, test in _BOUNDS.items():
            if option in o:
                bound = _resolve(record, o[option])
                if not test(number, bound):
                    self.error(record, attribute, option, count=bound, value=value)
        if "in_" in o:
            r = o["in_"]
            inside = r.start <= number < r.stop if isinstance(r, range) else number in r
            if not inside:
                self.error(record, attribute, "in", count=_range_text(r), value=value)
        if o.get("odd") and int(number) % 2 != 1:
            self.error(record, attribute, "odd", value=value)
        if o.get("even") and int(number) % 2 != 0:
            self.error(record, attribute, "even", value=value)


def _range_text(r: Any) -> str:
    return f"{r.start}..{r.stop - 1}" if isinstance(r, range) else str(r)


def _number(value: Any) -> int | float | Decimal | None:
    # A number, or a string that reads as one (Rails casts "12" before checking).
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        number: int | float | Decimal = value
    elif isinstance(value, numbers.Real):  # Fraction and the like
        number = float(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not (number.is_finite() if isinstance(number, Decimal) else math.isfinite(number)):
        return None  # NaN, Infinity: "is not a number" (as Rails)
    return number


class InclusionValidator(Validator):
    """``inclusion``: in ``in_`` (a collection, a callable taking the record, or a
    range, which covers the numbers in it). Error ``inclusion`` (Rails'
    ``InclusionValidator``)."""

    kind = "inclusion"
    known = ("in_",)
    error_type = "inclusion"

    def check_options(self) -> None:
        if "in_" not in self.options:
            raise ValueError(f"{self.kind}: give the collection (in_=[...])")

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        collection = _resolve(record, self.options["in_"])
        if isinstance(collection, range) and _number(value) is not None:
            number = _number(value)  # a range covers the numbers in it (Rails' cover?)
            inside = collection.start <= number < collection.stop  # type: ignore[operator]
        else:
            inside = value in collection
        if inside != (self.error_type == "inclusion"):
            self.error(record, attribute, self.error_type, value=value)


class ExclusionValidator(InclusionValidator):
    """``exclusion``: not in ``in_``. Error ``exclusion`` (Rails'
    ``ExclusionValidator``)."""

    kind = "exclusion"
    error_type = "exclusion"


class AcceptanceValidator(Validator):
    """``acceptance``: one of ``accept`` (default ``"1"``, ``"true"``, True, 1),
    skipped while None. Error ``accepted`` (Rails' ``AcceptanceValidator``)."""

    kind = "acceptance"
    known = ("accept",)

    def __init__(self, attributes: Iterable[str], options: dict[str, Any], **common: Any):
        common.setdefault("allow_none", True)  # Rails: not given, not checked
        super().__init__(attributes, options, **common)

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        accept = self.options.get("accept", ("1", "true", True, 1))
        accepted = accept if isinstance(accept, (list, tuple, set)) else (accept,)
        if value not in accepted and not (value is True and True in accepted):
            self.error(record, attribute, "accepted", value=value)


class ConfirmationValidator(Validator):
    """``confirmation``: equal to ``<attr>_confirmation`` when that is given
    (``case_sensitive``). Error ``confirmation`` on the confirmation attribute
    (Rails' ``ConfirmationValidator``)."""

    kind = "confirmation"
    known = ("case_sensitive",)

    def __call__(self, record: Any) -> None:
        for attribute in self.attributes:
            confirmation = getattr(record, f"{attribute}_confirmation", None)
            if confirmation is None:
                continue  # Rails: only checked when the confirmation was given
            value = read_value(record, attribute)
            if value is None and self.allow_none or self.allow_blank and is_blank(value):
                continue
            a, b = str(value), str(confirmation)
            if self.options.get("case_sensitive", True) is False:
                a, b = a.lower(), b.lower()
            if value is None or a != b:
                record.errors.add(f"{attribute}_confirmation", "confirmation",
                                  message=self.message,
                                  attribute=humanize(attribute))


class ComparisonValidator(Validator):
    """``comparison``: each bound (a value, an attribute or method name, a callable
    taking the record) holds. One error per bound (Rails' ``ComparisonValidator``).
    ValueError at declaration without a bound."""

    kind = "comparison"
    known = tuple(_BOUNDS)

    def check_options(self) -> None:
        if not self.options:
            raise ValueError(f"comparison: give one of {', '.join(_BOUNDS)}")

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        for option, test in _BOUNDS.items():
            if option in self.options:
                other = _resolve(record, self.options[option])
                try:
                    ok = test(value, other)
                except TypeError:
                    ok = False
                if not ok:
                    self.error(record, attribute, option, count=other, value=value)


class UniquenessValidator(Validator):
    """``uniqueness``: no other row has the value (``scope``, ``case_sensitive``,
    ``conditions``); see the module doc. Error ``taken`` (Rails'
    ``UniquenessValidator``)."""

    kind = "uniqueness"
    known = ("scope", "case_sensitive", "conditions")

    def validate_each(self, record: Any, attribute: str, value: Any) -> None:
        model = type(record)
        if self._checked_by_index(record, attribute, value):
            return  # saved, unchanged, and a unique index holds it (Rails 7.1)
        query = model.unscoped()
        sensitive = self.options.get("case_sensitive")
        schema = model._load_schema()
        column, typ = schema.column(model, attribute)
        stored = typ.serialize(value)  # an enum's stored value, not its label
        binary = schema.db.dialect.binary_type
        if sensitive is None or not isinstance(stored, str) or \
                schema.columns[attribute].type != "string":
            query = query.where(**{attribute: value})  # the column's own comparison
        elif sensitive is False:  # LOWER() on both sides, in SQL (Rails)
            query = query.where(column.lower() == n.Func("LOWER", (n.Param(stored),)))
        elif binary:
            query = query.where(n.Cast(column, binary) == n.Cast(n.Param(stored), binary))
        else:
            query = query.where(**{attribute: value})
        for column in self._scope():
            query = query.where(**{column: record.read_attribute(column)})
        if record.persisted and schema.pk:  # its own row does not count
            key = record._key_before_changes(schema)
            query = query.where_not(**dict(zip(schema.pk, key if len(schema.pk) > 1
                                                else (key,))))
        conditions = self.options.get("conditions")
        if conditions is not None:
            query = conditions(query)
        if query.exists():
            self.error(record, attribute, "taken", value=value)

    def _checked_by_index(self, record: Any, attribute: str, value: Any) -> bool:
        # Rails 7.1's ``validation_needed?`` the other way round: a saved record whose
        # value and scope did not change, with no conditions and no case rule, under
        # a full unique index over exactly those columns, needs no query.
        if record.new_record or value is None or "conditions" in self.options or \
                "case_sensitive" in self.options:
            return False
        columns = {attribute, *self._scope()}
        dirty = record._dirty()
        if any(c in dirty for c in columns):
            return False
        indexes = type(record)._load_schema().info.indexes
        return any(i.unique and not i.partial and set(i.columns) == columns for i in indexes)

    def _scope(self) -> tuple[str, ...]:
        scope = self.options.get("scope") or ()
        return (scope,) if isinstance(scope, str) else tuple(scope)


class AssociatedValidator:
    """``validates_associated(*names)``: each loaded record of the associations
    ``names`` that a save would write (new or changed) must be valid; its errors on
    the foreign key the owner's save sets are not counted."""

    def __init__(self, names: Iterable[str], message: Any = None):
        self.names = tuple(names)
        self.message = message

    def __repr__(self) -> str:
        return f"<AssociatedValidator {', '.join(self.names)}>"

    def __call__(self, record: Any) -> None:
        model = type(record)
        for name in self.names:
            reflection = model.reflect_on_association(name)
            value = getattr(record, name)
            targets = [] if value is None else [value] if isinstance(value, Core) \
                else list(value)
            try:
                exempt = set(reflection.foreign_key)  # what the owner's save sets
            except InvalidAssociation:
                exempt = set()
            for target in targets:
                if target.destroyed or not (target.new_record or target.has_changes):
                    continue
                if not target._valid_as_child(exempt):
                    record.errors.add(name, "invalid", message=self.message)
                    break


class VirtualAttribute:
    """An attribute that is no column (``terms_of_service`` for acceptance,
    ``password_confirmation``), as Rails' ``attr_accessor``: None until assigned,
    kept on the record, never saved; assignable through ``Model(...)``,
    ``assign_attributes`` and ``new_from(permit=...)``. When the table has a
    column of the name, it reads and writes the column instead."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        if self.name in record.__dict__["_attrs"]:
            return record.read_attribute(self.name)
        return record.__dict__.get("_virtual", {}).get(self.name)

    def __set__(self, record: Any, value: Any) -> None:
        if self.name in type(record)._load_schema().name_set:
            record.write_attribute(self.name, value)
        else:
            record.__dict__.setdefault("_virtual", {})[self.name] = value


#: the validators that read a virtual attribute: the name it reads.
VIRTUAL = {"acceptance": "{}", "confirmation": "{}_confirmation"}

#: ``validates`` keyword -> validator class.
VALIDATORS: dict[str, type[Validator]] = {
    "presence": PresenceValidator, "absence": AbsenceValidator,
    "length": LengthValidator, "format": FormatValidator,
    "numericality": NumericalityValidator, "inclusion": InclusionValidator,
    "exclusion": ExclusionValidator, "uniqueness": UniquenessValidator,
    "acceptance": AcceptanceValidator, "confirmation": ConfirmationValidator,
    "comparison": ComparisonValidator,
}

_MAIN_OPTION = {"length": "in_", "format": "with", "inclusion": "in_",
                "exclusion": "in_", "uniqueness": "scope"}


def build(kind: str, attributes: tuple[str, ...], value: Any,
          common: dict[str, Any]) -> Validator | None:
    """The validator of ``validates(..., <kind>=value)``, or None for a false value.
    Raises ValueError for an unknown kind (naming the known ones) or option."""
    cls = VALIDATORS.get(kind)
    if cls is None:
        raise ValueError(f"unknown validator {kind!r}; known: {', '.join(VALIDATORS)}")
    if value is False or value is None:
        return None
    if value is True:
        options: dict[str, Any] = {}
    elif isinstance(value, dict):
        options = dict(value)
    elif kind in _MAIN_OPTION:
        options = {_MAIN_OPTION[kind]: value}
    else:
        raise ValueError(f"{kind}: give True or a dict of options, not {value!r}")
    opts = dict(common)
    for key in ("allow_none", "allow_blank", "message"):  # per-validator overrides
        if key in options:
            opts[key] = options.pop(key)
    return cls(attributes, options, **opts)
