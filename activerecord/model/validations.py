"""Validations (Rails' ``ActiveRecord::Validations``): ``valid()``, the ``Errors``
collection, and the gate that keeps invalid records out of the database.

Declared in the class body, in definition order (validators in
``model/validators.py``)::

    class Customer(Model):
        validates("Email", presence=True, format=r".+@.+",
                  uniqueness={"case_sensitive": False})
        validates("Age", numericality={"only_integer": True, "greater_than": 0},
                  allow_none=True)

        @validate
        def _company_or_name(self):
            if not self.Company and not self.LastName:
                self.errors.add("base", "blank", message="needs a company or a name")

``record.valid()`` clears ``record.errors``, runs ``before_validation``, the
validations, ``after_validation`` (callbacks, ``model/callbacks.py``) and returns
whether no error was added; ``invalid()`` is its negation. The context is
``"create"`` for a new record, ``"update"`` otherwise (``valid("publish")`` names
another), and ``on=`` limits a validation to one.

``save()`` validates first, inside the record's transaction (``TransactionsMixin``
wraps this layer, whose BEGIN is sent only with a first statement): an invalid record
makes it return False and write nothing; ``save(raise_on_invalid=True)`` (Rails'
``save!``) and ``Model.create()`` raise :class:`~activerecord.errors.RecordInvalid`
with ``.record`` and ``.errors``; ``save(validate=False)`` skips them.

Inferred from the table (``infer_validations = False`` on a model turns it off), for
the columns a save would write (every column of a new record, the changed ones of a
saved one), before any SQL:

* a NOT NULL column without a default that the database does not fill (auto
  increment, identity, generated, the lock and timestamp columns) must not be None:
  ``"Name can't be blank"`` (only None: ``False``, ``0`` and ``""`` are values there);
  a belongs_to foreign key holding a parent record that is not saved yet is
  exempt (the save sets it);
* a ``varchar(n)``/``char(n)`` column's string must not be longer than n characters:
  ``"Name is too long (maximum is 120 characters)"``.

Attribute names in messages are humanized by ``inflection`` (``FirstName`` ->
"First name", ``ArtistId`` -> "Artist", as Rails' ``humanize``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import Abort, RecordInvalid, RecordNotSaved
from . import validators as v
from .callbacks import VALIDATE, Callback, declare
from .core import Core
from .validators import humanize

if TYPE_CHECKING:  # pragma: no cover
    from .schema import ModelSchema

__all__ = ["ValidationsMixin", "Errors", "Error", "validates", "validate",
           "validates_associated", "humanize", "MESSAGES"]

#: The default message of each error type (Rails' ``en.yml``); ``{count}`` and the
#: other options a validator passes are interpolated.
MESSAGES: dict[str, str] = {
    "blank": "can't be blank",
    "present": "must be blank",
    "required": "must exist",
    "too_short": "is too short (minimum is {count} characters)",
    "too_long": "is too long (maximum is {count} characters)",
    "wrong_length": "is the wrong length (should be {count} characters)",
    "invalid": "is invalid",
    "not_a_number": "is not a number",
    "not_an_integer": "must be an integer",
    "greater_than": "must be greater than {count}",
    "greater_than_or_equal_to": "must be greater than or equal to {count}",
    "less_than": "must be less than {count}",
    "less_than_or_equal_to": "must be less than or equal to {count}",
    "equal_to": "must be equal to {count}",
    "other_than": "must be other than {count}",
    "in": "must be in {count}",
    "odd": "must be odd",
    "even": "must be even",
    "inclusion": "is not included in the list",
    "exclusion": "is reserved",
    "taken": "has already been taken",
    "accepted": "must be accepted",
    "confirmation": "doesn't match {attribute}",
}

_PLACEHOLDER = re.compile(r"%?\{(\w+)\}")


def _interpolate(message: str, data: dict[str, Any]) -> str:
    # ``{count}`` (or Rails' ``%{count}``) replaced where the name is known; any other
    # brace (a regex in a message) is left as written.
    return _PLACEHOLDER.sub(lambda m: str(data[m.group(1)]) if m.group(1) in data
                            else m.group(0), message)


class Error:
    """One validation error: ``attribute``, ``type`` (``"blank"``, ...), ``message``
    (the text after the attribute's name) and ``options`` (the details: ``count``,
    ``value``...)."""

    __slots__ = ("attribute", "type", "message", "options")

    def __init__(self, attribute: str, type: str, message: str, options: dict[str, Any]):
        self.attribute = attribute
        self.type = type
        self.message = message
        self.options = options

    @property
    def full_message(self) -> str:
        """``"Name can't be blank"``: the humanized attribute and the message (the
        message alone for ``"base"``)."""
        name = humanize(self.attribute)
        return f"{name} {self.message}" if name else self.message

    @property
    def details(self) -> dict[str, Any]:
        """``{"error": type, **options}`` as Rails' ``errors.details`` entries (the
        options the validator passed: ``count``, ``value``...)."""
        return {"error": self.type, **self.options}

    def __repr__(self) -> str:
        return f"<Error {self.attribute} {self.type}: {self.message!r}>"


class Errors:
    """The errors of one record (Rails' ``ActiveModel::Errors``).

    ``errors["Email"]`` is the list of its messages (empty when none),
    ``errors.full_messages`` the list of ``"Email can't be blank"`` sentences,
    ``errors.details`` ``{"Email": [{"error": "blank"}]}``, ``errors.as_dict()``
    ``{"Email": ["can't be blank"]}``. ``len(errors)`` counts them, iteration yields
    :class:`Error` objects, ``"Email" in errors`` tells whether it has any.
    """

    def __init__(self, record: Any = None):
        self.record = record
        self._errors: list[Error] = []

    def add(self, attribute: str, type: str = "invalid", /, *, message: str |
            Callable[..., str] | None = None, **options: Any) -> Error:
        """Add an error on ``attribute`` (``"base"`` for the record as a whole) and
        return it. ``type`` is a key of :data:`MESSAGES` (``"blank"``, ``"taken"``...)
        or, when it is none, the message itself (Rails: ``add(:name, "is odd")``).
        ``message`` replaces the default: a string (``{count}``, ``{value}``,
        ``{attribute}``, ``{model}`` and the other ``options`` interpolated) or a
        callable taking ``(record, data)``; ``options`` go to ``details``."""
        data = {"attribute": humanize(attribute) or "base",
                "model": type_name(self.record), "value": self._value(attribute),
                **options}
        if message is None:
            text = MESSAGES.get(type, type)
        elif callable(message):
            text = str(message(self.record, data))
        else:
            text = message
        error = Error(attribute, type, _interpolate(text, data), options)
        self._errors.append(error)
        return error

    def _value(self, attribute: str) -> Any:
        # ``{value}`` of a message: the attribute's value (Rails' generate_message).
        record = self.record
        if record is None or attribute == "base":
            return None
        if attribute in record.__dict__.get("_attrs", ()) or \
                attribute in type(record)._virtual_attributes:
            return v.read_value(record, attribute)
        return None  # an association or a method: not read for a message

    def added(self, attribute: str, type: str = "invalid") -> bool:
        """Whether an error of ``type`` is on ``attribute``."""
        return any(e.attribute == attribute and e.type == type for e in self._errors)

    def clear(self) -> None:
        """Remove every error."""
        self._errors.clear()

    def delete(self, attribute: str) -> list[str]:
        """Remove the errors of ``attribute``; return their messages."""
        gone = [e.message for e in self._errors if e.attribute == attribute]
        self._errors = [e for e in self._errors if e.attribute != attribute]
        return gone

    def __getitem__(self, attribute: str) -> list[str]:
        return [e.message for e in self._errors if e.attribute == attribute]

    def __contains__(self, attribute: object) -> bool:
        return any(e.attribute == attribute for e in self._errors)

    def __iter__(self) -> Iterator[Error]:
        return iter(list(self._errors))

    def __len__(self) -> int:
        return len(self._errors)

    def __bool__(self) -> bool:
        return bool(self._errors)

    def __repr__(self) -> str:
        return f"<Errors {self.as_dict()!r}>"

    @property
    def attribute_names(self) -> list[str]:
        """The attributes that have errors, in the order first added."""
        return list(dict.fromkeys(e.attribute for e in self._errors))

    @property
    def full_messages(self) -> list[str]:
        """Every error as a sentence: ``["Email can't be blank", ...]``."""
        return [e.full_message for e in self._errors]

    def full_messages_for(self, attribute: str) -> list[str]:
        """The sentences of ``attribute``'s errors."""
        return [e.full_message for e in self._errors if e.attribute == attribute]

    @property
    def details(self) -> dict[str, list[dict[str, Any]]]:
        """``{"Email": [{"error": "blank"}], "Name": [{"error": "too_long",
        "count": 20}]}`` (Rails' ``errors.details``)."""
        found: dict[str, list[dict[str, Any]]] = {}
        for e in self._errors:
            found.setdefault(e.attribute, []).append(e.details)
        return found

    def as_dict(self, full_messages: bool = False) -> dict[str, list[str]]:
        """``{"Email": ["can't be blank"]}`` (``full_messages``: the sentences), for
        a JSON answer (Rails' ``errors.to_hash``)."""
        found: dict[str, list[str]] = {}
        for e in self._errors:
            found.setdefault(e.attribute, []).append(
                e.full_message if full_messages else e.message)
        return found

    to_dict = as_dict


def type_name(record: Any) -> str:
    """The humanized model name of ``record`` (``"Customer"``), for ``{model}``."""
    return "" if record is None else humanize(type(record).__name__)


# -- declaring ------------------------------------------------------------------------
def validates(*attributes: str, model: type | None = None, **options: Any) -> None:
    """Declare validations of ``attributes`` in a model's class body (Rails'
    ``validates``); ``Model.validates(...)`` on an existing model.

    Each validator is a keyword (its options a dict, or True): ``presence``,
    ``absence``, ``length`` (``minimum``, ``maximum``, ``is_``, ``in_``),
    ``format`` (a regex, or ``{"with": ..., "without": ...}``), ``numericality``
    (``only_integer``, ``greater_than``, ``greater_than_or_equal_to``, ``less_than``,
    ``less_than_or_equal_to``, ``equal_to``, ``other_than``, ``in_``, ``odd``,
    ``even``), ``inclusion``/``exclusion`` (a collection, or ``{"in_": ...}``),
    ``uniqueness`` (``scope``, ``case_sensitive``, ``conditions``), ``acceptance``,
    ``confirmation``, ``comparison``; common options ``allow_none``,
    ``allow_blank``, ``message``, ``if_``, ``unless``, ``on``. See
    ``model/validators.py`` for each one's messages and options.

    Raises ValueError for an unknown validator (naming the known ones), or no
    attribute or validator given; TypeError outside a class body."""
    if not attributes:
        raise ValueError("validates() needs at least one attribute name")
    common: dict[str, Any] = {k: options.pop(k) for k in ("allow_none", "allow_blank",
                                                          "message") if k in options}
    conditions = {k: options.pop(k) for k in ("if_", "unless", "on") if k in options}
    if not options:
        raise ValueError(f"validates({', '.join(map(repr, attributes))}) names no "
                         f"validator; known: {', '.join(v.VALIDATORS)}")
    for kind, value in options.items():
        validator = v.build(kind, attributes, value, common)
        if validator is None:
            continue  # presence=False and the like: nothing to check
        if kind in v.VIRTUAL:
            for attribute in attributes:
                declare(("virtual", v.VIRTUAL[kind].format(attribute)), model)
        declare(("add", Callback(VALIDATE, validator, **conditions), False), model)


def validate(target: Any = None, /, *, if_: Any = None, unless: Any = None,
             on: str | Iterable[str] | None = None, model: type | None = None) -> Any:
    """Declare a custom validation: ``@validate`` on a method that adds to
    ``self.errors``, ``@validate(on="create", if_=...)``, or ``validate("method")``;
    ``Model.validate(...)`` on an existing model. Returns the target."""
    if target is None:
        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            declare(("add", Callback(VALIDATE, fn, if_=if_, unless=unless, on=on), False),
                    model)
            return fn
        return decorate
    declare(("add", Callback(VALIDATE, target, if_=if_, unless=unless, on=on), False),
            model)
    return target


def validates_associated(*names: str, model: type | None = None, **options: Any) -> None:
    """Declare that the records loaded in associations ``names`` (new or changed
    ones) must be valid: each invalid one adds ``"Albums is invalid"`` (Rails'
    ``validates_associated``); options ``if_``, ``unless``, ``on``, ``message``."""
    conditions = {k: options.pop(k) for k in ("if_", "unless", "on") if k in options}
    validator = v.AssociatedValidator(names, options.pop("message", None))
    if options:
        raise ValueError(f"validates_associated: unknown options {sorted(options)}")
    declare(("add", Callback(VALIDATE, validator, **conditions), False), model)


# -- the mixin ------------------------------------------------------------------------
class ValidationsMixin(Core):
    """``valid()``/``invalid()``/``errors`` and the validation gate of ``save()``."""

    #: Validate NOT NULL and varchar(n) columns from the table (see the module doc).
    infer_validations: bool = True
    #: Columns the inferred validations leave alone (a NOT NULL column a database
    #: trigger fills, say), the others still checked.
    infer_validations_except: tuple[str, ...] = ()

    @property
    def errors(self) -> Errors:
        """The :class:`Errors` of the last validation (empty before any)."""
        errors = self.__dict__.get("_errors")
        if errors is None:
            errors = self.__dict__["_errors"] = Errors(self)
        return errors

    def valid(self, context: str | None = None) -> bool:
        """Run the validations (and the validation callbacks) and return whether the
        record has no errors; ``record.errors`` holds them. ``context`` defaults to
        ``"create"`` for a new record, ``"update"`` otherwise. Abort raised by a
        ``before_validation`` or a validation makes it False (with the errors added
        so far, as Rails). A record that is being validated already (associated
        records validating each other) counts as valid meanwhile."""
        return self._validate(context, presence=True)

    def _validate(self, context: str | None, presence: bool) -> bool:
        # valid(); ``presence=False``: without the inferred NOT NULL check, which a
        # save runs after its before_* callbacks (:meth:`_validate_before_write`).
        d = self.__dict__
        if d.get("_validating"):
            return not d.get("_errors")
        errors = d.get("_errors")
        if errors is not None:
            errors.clear()
        model = type(self)
        chains = model._lifecycle
        if not chains:  # nothing declared: the associations' and the table's checks
            if model._reflections:
                self._validate_associations()
            if model.infer_validations:
                self._validate_inferred(model._load_schema(), presence)
            return not d.get("_errors")
        context = context or ("create" if self._new_record else "update")
        d["_validating"] = True
        try:
            if "before_validation" in chains or "after_validation" in chains:
                self._run_validation_callbacks(
                    context, lambda: self._run_validations(context, presence))
            else:
                self._run_validations(context, presence)
        except Abort:
            return False
        finally:
            d["_validating"] = False
        return not d.get("_errors")  # made by the first error added (self.errors)

    def invalid(self, context: str | None = None) -> bool:
        """``not valid(context)``."""
        return not self.valid(context)

    def _valid_as_child(self, exempt: Iterable[str]) -> bool:
        """Validate the record as a child its owner's save completes: a "can't be
        blank" on a column of ``exempt`` (the foreign key the owner sets) is dropped
        from its errors. Return whether no error is left."""
        self.valid()
        errors = self.errors
        for column in exempt:
            if errors.added(column, "blank"):
                errors._errors = [e for e in errors._errors
                                  if e.attribute != column or e.type != "blank"]
        return not errors

    def validate_or_raise(self, context: str | None = None) -> None:
        """Raise RecordInvalid (with the record and its errors) unless valid (Rails'
        ``validate!``)."""
        if not self.valid(context):
            raise RecordInvalid(self)

    def _run_validations(self, context: str, presence: bool = True) -> None:
        model = type(self)
        for callback in model._lifecycle.get(VALIDATE, ()):
            if callback.applies(self, context):
                callback.call(self)
        self._validate_associations()
        if model.infer_validations:
            self._validate_inferred(model._load_schema(), presence)

    def _validate_before_write(self, schema: ModelSchema) -> None:
        """Right before the INSERT/UPDATE, after the before_save/before_create/
        before_update callbacks (which may fill a NOT NULL column, as a token or a
        slug): the inferred NOT NULL check a save left to this point. Raises
        RecordInvalid (the save returns False) when a column is still blank."""
        if self.__dict__.pop("_presence_due", False):
            self._validate_inferred(schema, presence=True, lengths=False)
            if self.__dict__.get("_errors"):
                raise RecordInvalid(self)

    def _validate_inferred(self, schema: ModelSchema, presence: bool = True,
                           lengths: bool = True) -> None:
        # The columns a save writes: all of a new record's, a saved one's changes.
        # ``self.errors`` is made only when one fails (the common case makes none).
        attrs = self._attrs
        # (a saved record's changed columns: those changed back are checked too, a
        # value the row holds)
        names: Iterable[str] = attrs if self._new_record else \
            (self.__dict__.get("_changed_from") or ())
        required = schema.required if presence else ()
        limits = schema.max_lengths if lengths else {}
        skip = type(self).infer_validations_except
        for name in names:
            if skip and name in skip:
                continue
            value = attrs.get(name)
            if value is None:
                if name in required and not self._supplied_by_association(name) \
                        and not self.errors.added(name, "blank"):
                    self.errors.add(name, "blank")
            elif name in limits and isinstance(value, str) and len(value) > limits[name]:
                stored = schema.types[name].serialize(value)  # an enum's value, not label
                if isinstance(stored, str) and len(stored) > limits[name] and \
                        not self.errors.added(name, "too_long"):
                    self.errors.add(name, "too_long", count=limits[name])

    def save(self, *, validate: bool = True, raise_on_invalid: bool = False,
             **options: Any) -> bool:
        """Validate (unless ``validate=False``), then save through the layers below.

        Returns False, writing nothing, when the record is invalid or a callback
        raised Abort. With ``raise_on_invalid`` (Rails' ``save!``) those raise
        RecordInvalid (``.record``, ``.errors``) and RecordNotSaved instead.
        ``Model.save`` is ``TransactionsMixin.save``, which opens the transaction
        around this; see it for the other errors."""
        if validate:
            model = type(self)
            # a before_* callback may fill a NOT NULL column: that check waits for it
            defer = model._fills_before_write and model.infer_validations
            if not self._validate(None, presence=not defer):
                if raise_on_invalid:
                    raise RecordInvalid(self)
                return False
            if defer:
                self.__dict__["_presence_due"] = True
        try:
            saved = super().save(**options)
        except RecordInvalid as exc:  # this record's, found during the write (Rails'
            if exc.record is not self or raise_on_invalid:  # save rescues it)
                raise
            saved = False
        finally:
            self.__dict__.pop("_presence_due", None)
        if not saved and raise_on_invalid:
            raise RecordNotSaved(f"Failed to save the {type(self).__name__}: a callback "
                                 "halted it (Abort)", record=self)
        return saved

    # -- declaring on an existing model ---------------------------------------------
    @classmethod
    def validates(cls, *attributes: str, **options: Any) -> None:
        """:func:`validates` on this model (and its subclasses)."""
        validates(*attributes, model=cls, **options)

    @classmethod
    def validate(cls, target: Any = None, /, **options: Any) -> Any:
        """:func:`validate` on this model (and its subclasses)."""
        return validate(target, model=cls, **options)

    @classmethod
    def validators(cls) -> list[Any]:
        """The declared validators and validation methods, in run order."""
        return [c.target for c in cls._lifecycle.get(VALIDATE, ())]

    def _assign_association(self, name: str, value: Any) -> None:
        # A virtual attribute of acceptance/confirmation is assigned as such.
        if name in type(self)._virtual_attributes:
            setattr(self, name, value)
        else:
            super()._assign_association(name, value)
