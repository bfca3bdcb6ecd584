"""Records as plain data, and records from web input (Rails' ``Serialization`` and
strong parameters).

``to_dict(only=, exclude=, methods=, include=)`` is Rails' ``serializable_hash``: the
loaded columns in table order (``only``/``exclude`` choose), the values of
``methods`` (names of methods or properties of the record), and ``include``d
associations (a list of names, or a dict of names to their own options), loaded as
any reader loads them (so strict loading applies). ``as_json`` is the same with values
JSON can hold, and ``to_json`` its text:

===================  ===============================================
value                in ``as_json`` / ``to_json``
===================  ===============================================
datetime, date, time ISO 8601 text (``isoformat()``)
Decimal              text (no float rounding: Rails' BigDecimal)
UUID                 text
bytes                base64 text
timedelta            seconds, a number (Rails' Duration#as_json)
enum.Enum member     its name (an enum column's label)
dict, list, tuple    converted item by item
===================  ===============================================

``Model.new_from(params, permit=[...])`` and ``record.assign_attributes(params,
permit=[...])`` take a mapping of web input and an allow-list: any key outside it
raises ``ForbiddenAttributesError`` naming them before anything is assigned (Rails'
``permit`` with ``ActionController::Parameters``).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .core import Core
from .validations import Errors

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

__all__ = ["SerializationMixin", "json_value"]


class SerializationMixin(Core):
    """``to_dict``/``as_json``/``to_json`` and ``new_from`` (see the module doc)."""

    def to_dict(self, *, only: Any = None, exclude: Any = None, methods: Any = None,
                include: Any = None) -> dict[str, Any]:
        """Return ``{name: value}`` of the loaded columns in table order (``only``:
        just these; ``exclude``: all but these), then each of ``methods`` (a method
        is called, a property read), then each association of ``include`` (a name,
        a list of names, or ``{name: options}`` with these same options for the
        associated records): a dict (or None) for belongs_to/has_one, a list of dicts
        for collections.

        Raises UnknownAttributeError for a name in ``only``/``exclude`` that is no
        column, AttributeError for an unknown method, AssociationNotFoundError (the
        known ones listed) for an unknown association, StrictLoadingViolationError
        when a strict record would lazily load one."""
        model = type(self)
        schema = model._load_schema()
        self._hand_out_mutables(schema)
        attrs = self._attrs
        picked = _names(only)
        dropped = set(_names(exclude) or ())
        for name in (picked or ()) + tuple(dropped):
            if name not in schema.name_set and name not in attrs:
                raise schema.unknown(model, name)
        out = {name: value for name, value in attrs.items()
               if (picked is None or name in picked) and name not in dropped}
        for name in _names(methods) or ():
            value = getattr(self, name)
            out[name] = value() if callable(value) else value
        for name, options in _includes(include):
            model.reflect_on_association(name)  # type: ignore[attr-defined]
            value = getattr(self, name)
            if value is None:
                out[name] = None
            elif isinstance(value, SerializationMixin):
                out[name] = value.to_dict(**options)
            else:
                out[name] = [record.to_dict(**options) for record in value]
        return out

    def as_json(self, **options: Any) -> dict[str, Any]:
        """:meth:`to_dict` (same options) with every value one JSON can hold (see the
        module doc's table)."""
        value: dict[str, Any] = json_value(self.to_dict(**options))
        return value

    def to_json(self, *, indent: int | None = None, **options: Any) -> str:
        """The JSON text of :meth:`as_json` (same options; ``indent`` as
        ``json.dumps``)."""
        return json.dumps(self.as_json(**options), indent=indent)

    @classmethod
    def new_from(cls, params: Mapping[str, Any], *, permit: Iterable[str]) -> Self:
        """Return a new, unsaved record with the ``params`` the allow-list ``permit``
        names (web input: Rails' strong parameters). Raises ForbiddenAttributesError,
        before anything is assigned, when ``params`` holds other keys;
        UnknownAttributeError when ``permit`` names something that is neither a column
        nor an association."""
        values = dict(params)
        cls._permitted(values, permit)  # before anything is built
        return cls(**values)  # after_initialize then sees the values (as Rails' new)


def json_value(value: Any) -> Any:
    """Return ``value`` with every part JSON can hold (see the module doc's table);
    other values are returned as they are (``json`` then refuses them)."""
    converter = _CONVERTERS.get(type(value))
    if converter is not None:
        return converter(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    if isinstance(value, enum.Enum):  # an enum column's member: its label
        return value.name
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _seconds(value: dt.timedelta) -> float | int:
    seconds = value.total_seconds()
    return int(seconds) if seconds == int(seconds) else seconds


_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    Errors: lambda errors: errors.as_dict(),  # as Rails' Errors#as_json
    dt.datetime: dt.datetime.isoformat, dt.date: dt.date.isoformat,
    dt.time: dt.time.isoformat, decimal.Decimal: str, uuid.UUID: str,
    bytes: lambda b: base64.b64encode(b).decode("ascii"),
    bytearray: lambda b: base64.b64encode(bytes(b)).decode("ascii"),
    memoryview: lambda b: base64.b64encode(bytes(b)).decode("ascii"),
    dt.timedelta: _seconds,
}


def _names(value: Any) -> tuple[str, ...] | None:
    # None, a name, or names.
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _includes(value: Any) -> list[tuple[str, dict[str, Any]]]:
    # ``include``: a name, names, or {name: options}.
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [(name, dict(options or {})) for name, options in value.items()]
    return [(name, {}) for name in _names(value) or ()]
