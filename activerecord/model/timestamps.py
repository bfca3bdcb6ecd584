"""``created_at``/``updated_at``: stamped inside the write (Rails' ``Timestamp``).

:class:`TimestampsMixin` sits just above ``PersistenceMixin`` in ``Model``'s method
resolution order (``activerecord/base.py``) and wraps its two writes through
``super()``, as Sequel's ``timestamps`` plugin wraps ``before_create``/``before_update``:

* ``_insert_record``: each of ``created_at``/``updated_at`` the table has and the record
  holds no value for gets the current instant, one instant for both (Rails'
  ``_create_record``); a value the user assigned is kept.
* ``_update_record``: when some column changed and ``updated_at`` was not assigned, it
  gets the current instant (Rails' ``should_record_timestamps?``); a save with no
  change writes nothing, so it stamps nothing.

The instant is ``Type.current`` of the column's type: aware UTC for a time-zone column,
naive UTC wall time otherwise (Rails' default ``time_zone = "UTC"``). ``insert_all``/
``upsert_all`` stamp their rows the same way (``relation/insert_all.py``). Because the
layer runs inside the write, it runs inside the record's transaction and after the
``before_save``/``before_create`` callbacks, as in Rails.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from .core import Core

if TYPE_CHECKING:  # pragma: no cover
    from .schema import ModelSchema

__all__ = ["TimestampsMixin"]


class TimestampsMixin(Core):
    """Sets ``created_at``/``updated_at`` around the INSERT and UPDATE of a record."""

    def _insert_record(self, schema: ModelSchema) -> None:
        if schema.timestamps:
            attrs = self._attrs
            now = _dt.datetime.now(_dt.timezone.utc)  # one instant for both (as Rails)
            for column in schema.timestamps:
                if attrs.get(column) is None:
                    self._write_computed(column, schema.types[column].current_value(now))
        super()._insert_record(schema)

    def _update_record(self, schema: ModelSchema) -> None:
        if "updated_at" in schema.timestamps:
            changes = self._dirty()
            if changes and "updated_at" not in changes:
                self._write_computed("updated_at",
                                     schema.types["updated_at"].current_value())
        super()._update_record(schema)
