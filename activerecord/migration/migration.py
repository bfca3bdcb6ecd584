"""``Migration``: one schema change, written with ``change()`` or ``up()``/``down()``.

As in Rails (``ActiveRecord::Migration``): ``change()`` is run as written to migrate
up, and rolled back by running the inverse of each of its statements in reverse order
(an operation that cannot be inverted raises :class:`~activerecord.errors.
IrreversibleMigration` before anything runs); ``up()``/``down()`` say both directions
explicitly. ``reversible()`` gives ``change()`` a block for each direction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import IrreversibleMigration
from ..sql import ddl
from .dsl import SchemaStatements

if TYPE_CHECKING:
    from ..connection.schema_editor import SchemaEditor

__all__ = ["Migration", "Direction"]


class Direction:
    """The object ``reversible()`` yields: ``d.up(fn)`` runs ``fn`` when migrating up,
    ``d.down(fn)`` when rolling back (Rails' ``reversible do |dir|``)."""

    def __init__(self, migration: Migration):
        self._migration = migration

    def up(self, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` (its schema statements) when migrating up."""
        if not self._migration.reverting:
            fn()

    def down(self, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` when rolling back, at this point of the reversed ``change()``."""
        if self._migration.reverting:
            self._migration._record(fn, None)


class Migration(SchemaStatements):
    """Base class of migrations; subclass it in a file of ``db/migrate/``.

    Define ``change()`` (reversible statements, inverted on rollback) or ``up()`` and
    ``down()``. Class attributes:

    * ``disable_transaction``: run without a transaction even where DDL is
      transactional (Rails' ``disable_ddl_transaction!``), for statements that refuse
      one (PostgreSQL's ``CREATE INDEX CONCURRENTLY``).

    Attributes set by the runner: ``version`` (the file's 14 digits), ``name`` (the
    rest of its name), ``reverting`` (True while rolling back a ``change()``).
    """

    disable_transaction: ClassVar[bool] = False
    version: str = ""
    name: str = ""

    def __init__(self, editor: SchemaEditor | None = None,
                 log: Callable[[str], Any] | None = None):
        self._editor = editor
        #: Where :meth:`say` writes (the Migrator's ``log``).
        self.log: Callable[[str], Any] = log or (lambda line: None)
        self.reverting = False
        self._recorded: list[tuple[Any, Any]] | None = None

    # -- what subclasses write ------------------------------------------------------
    def change(self) -> None:
        """The reversible statements of the migration (override this, or up/down)."""
        raise NotImplementedError(f"{type(self).__name__} defines neither change() nor "
                                  "up()/down()")

    def up(self) -> None:
        """Migrate up: by default, run :meth:`change`."""
        self.change()

    def down(self) -> None:
        """Roll back: by default, the inverse of :meth:`change`, statement by
        statement in reverse order. Raises IrreversibleMigration (before running
        anything) when one of them cannot be inverted."""
        if type(self).change is Migration.change:
            raise IrreversibleMigration(f"{type(self).__name__} defines up() but no "
                                        "down(): it cannot be rolled back",
                                        version=self.version, name=self.name)
        self.reverting = True
        self._recorded = []
        try:
            self.change()
            self._flush_unentered()
            recorded = self._recorded
        finally:
            self._recorded = None
        plan: list[Any] = []
        for op, inverse in reversed(recorded):
            if isinstance(inverse, str):
                raise IrreversibleMigration(
                    f"{type(self).__name__} cannot be rolled back: {inverse}",
                    version=self.version, name=self.name)
            if callable(op) and not isinstance(op, ddl.Operation):
                plan.append(op)  # a reversible() down block
            elif isinstance(inverse, list):
                plan.extend(inverse)
            elif inverse is not None:
                plan.append(inverse)
        self.reverting = False
        for step in plan:
            if isinstance(step, ddl.Operation):
                self._apply(step)
            else:
                step()
                self._flush_unentered()

    @contextmanager
    def reversible(self) -> Iterator[Direction]:
        """``with self.reversible() as d: d.up(lambda: ...); d.down(lambda: ...)``."""
        yield Direction(self)

    # -- the runner's side -------------------------------------------------------------
    def run(self, direction: str) -> None:
        """Run the migration ``"up"`` or ``"down"`` through its editor."""
        if direction == "up":
            self.up()
        elif direction == "down":
            self.down()
        else:
            raise ValueError(f"direction {direction!r}; known: up, down")
        self._flush_unentered()

    def _record(self, op: Any, inverse: Any) -> None:
        if self._recorded is not None:
            if not callable(op) or isinstance(op, ddl.Operation):
                self._flush_unentered()
            self._recorded.append((op, inverse))
            return
        self._flush_unentered()
        if isinstance(op, ddl.Operation):
            self._apply(op)
        else:
            op()

    def _apply(self, op: ddl.Operation) -> None:
        if self._editor is None:
            raise RuntimeError(f"{type(self).__name__} is not being run by a Migrator "
                               "(no schema editor)")
        self._editor.apply(op)

    def say(self, message: str) -> None:
        """Write ``message`` to the runner's output (its ``log``: the command line
        prints it), as Rails' ``say``; nothing when run without one."""
        self.log(f"-- {message}")
