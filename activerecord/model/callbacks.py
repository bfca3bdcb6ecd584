"""Callbacks (Rails' ``ActiveRecord::Callbacks``): code run at fixed points of a
record's life, declared on the model.

Declared in the class body, by decorator or by method name, with ``if_=``/``unless=``
(a method name, a callable taking the record, or a list of them) and ``prepend=True``
to go first::

    class Customer(Model):
        before_save("normalize_email")          # by name

        @before_create
        def _stamp(self): ...

        @after_commit(on="create")
        def _welcome(self): ...

        @around_save
        def _timed(self):                        # a generator: yield runs the save
            started = time.monotonic()
            yield
            log.info("saved in %.1f ms", (time.monotonic() - started) * 1000)

After the class exists, ``Customer.set_callback("before_save", fn)`` and
``Customer.skip_callback("save", "before", "normalize_email")`` do the same. The chains
are kept per class in definition order (Rails 7.1 runs after_* callbacks, and since
``run_after_transaction_callbacks_in_order_defined``, after_commit ones, in definition
order too), a subclass inherits its parents' and may skip any of them.

One ``save()``, as in Rails (docs/lifecycle.md has the whole table)::

    before_validation, validations, after_validation        (ValidationsMixin)
    before_save, around_save {                               (this layer)
        before_create|before_update, around_create|around_update {
            INSERT | UPDATE                                  (the layers below)
        } after_create|after_update
    } after_save
    ... the outermost transaction commits: after_commit | after_rollback

``destroy()`` runs before_destroy, around_destroy, the DELETE, after_destroy. Records
built from rows run ``after_find`` then ``after_initialize``; ``Model(...)`` runs
``after_initialize``. Raising :class:`~activerecord.errors.Abort` in any of them halts
the chain: ``save()`` returns False, ``create()`` and ``save(raise_on_invalid=True)``
raise ``RecordNotSaved``, ``destroy()`` returns False, and the record's own
transaction is rolled back (so an Abort after the write leaves nothing written). Any
other exception propagates and rolls back the transaction the save opened; inside a
caller's transaction it propagates to the caller's block, which decides (Rails).
``after_commit``/``after_rollback`` run through the transaction
(``connection/transaction.py``): once per record and transaction, after the outermost
COMMIT or ROLLBACK, ``on="create"|"update"|"destroy"`` (or a list) choosing what the
transaction did to the record.

``save(validate=False)`` skips the validations, not the callbacks;
``update_columns``/``update_column``, ``update_all``, ``delete``/``delete_all`` and
``insert_all``/``upsert_all`` run none (as Rails).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..errors import Abort, AfterCommitError
from .core import Core
from .validators import VirtualAttribute, read_value

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

    from .schema import ModelSchema

__all__ = ["CallbacksMixin", "Callback", "CALLBACKS", "declare", "set_callback",
           "skip_callback", "before_validation", "after_validation", "before_save",
           "around_save", "after_save", "before_create", "around_create", "after_create",
           "before_update", "around_update", "after_update", "before_destroy",
           "around_destroy", "after_destroy", "after_initialize", "after_find",
           "after_commit", "after_rollback", "after_create_commit",
           "after_update_commit", "after_destroy_commit", "after_save_commit"]

#: Every callback name, in the order one save (then destroy, load, commit) runs them.
CALLBACKS = (
    "before_validation", "after_validation",
    "before_save", "around_save", "after_save",
    "before_create", "around_create", "after_create",
    "before_update", "around_update", "after_update",
    "before_destroy", "around_destroy", "after_destroy",
    "after_initialize", "after_find",
    "after_commit", "after_rollback",
)
#: The chain of validations (``validates``/``validate``), kept with the callbacks.
VALIDATE = "validate"
_DECLARATIONS = "__ar_lifecycle__"  # the class body's list of declarations
_TAKES_ON = ("validate", "before_validation", "after_validation", "after_commit",
             "after_rollback")


class Callback:
    """One declared callback or validation.

    Attributes:
        name: the chain, one of :data:`CALLBACKS` or ``"validate"``.
        target: a method name (str), or a callable taking the record.
        if_, unless: tuples of conditions (method names or callables taking the
            record); the callback runs when every ``if_`` is true and no ``unless``.
        on: the actions (``"create"``, ``"update"``, ``"destroy"``) or validation
            contexts it is limited to, or None for all.
    """

    __slots__ = ("name", "target", "if_", "unless", "on")

    def __init__(self, name: str, target: str | Callable[..., Any], *,
                 if_: Any = None, unless: Any = None,
                 on: str | Iterable[str] | None = None):
        if not isinstance(target, str) and not callable(target):
            raise TypeError(f"{name}: a callback is a method name or a callable, not "
                            f"{target!r}")
        self.name = name
        self.target = target
        self.if_ = _conditions(if_)
        self.unless = _conditions(unless)
        if on is not None and name not in _TAKES_ON:
            raise ValueError(f"{name}: on= is for the validation and commit callbacks "
                             f"({', '.join(_TAKES_ON)}), as in Rails")
        self.on = None if on is None else frozenset((on,) if isinstance(on, str) else on)

    def __repr__(self) -> str:
        target = self.target if isinstance(self.target, str) else \
            getattr(self.target, "__qualname__", repr(self.target))
        return f"<{self.name} {target}>"

    def matches(self, target: str | Callable[..., Any]) -> bool:
        """Whether this callback is the one ``target`` (a name or the callable) names."""
        return self.target is target or self.target == target or \
            isinstance(target, str) and getattr(self.target, "__name__", None) == target \
            or isinstance(self.target, str) and method_target(target) == self.target

    def applies(self, record: Any, on: str | Iterable[str] | None = None) -> bool:
        """Whether it runs for ``record`` now: its ``on`` (when given) meets ``on``
        (an action or context, or a set of them), and its conditions hold."""
        if self.on is not None and on is not None:
            wanted = {on} if isinstance(on, str) else set(on)
            if not self.on & wanted:
                return False
        return all(_truth(record, c) for c in self.if_) and \
            not any(_truth(record, c) for c in self.unless)

    def call(self, record: Any) -> Any:
        """Call the target with the record (a name: the record's method of that name);
        return what it returns. Raises AttributeError naming the model for a method
        name the record does not have."""
        target = self.target
        if isinstance(target, str):
            method = getattr(type(record), target, None)
            if method is None:
                raise AttributeError(
                    f"{type(record).__name__} has no method {target!r} (declared as its "
                    f"{self.name} callback)")
            return getattr(record, target)()
        return target(record)


def _conditions(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _truth(record: Any, condition: Any) -> bool:
    if isinstance(condition, str):  # a method, or an attribute (a column first)
        return bool(read_value(record, condition))
    return bool(condition(record))


# -- declaring ------------------------------------------------------------------------
def declare(op: tuple, model: type | None = None, depth: int = 2) -> None:
    """Record a declaration ``op`` (``("add", Callback, prepend)`` or ``("skip", name,
    target)``) on ``model``, or, without one, in the class body that is running
    ``depth`` frames up. Raises TypeError outside a class body."""
    if model is not None:
        target: Any = model
        if "_lifecycle_decls" not in model.__dict__:
            target._lifecycle_decls = []  # the class's own list, not a parent's
        target._lifecycle_decls.append(op)
        _recompute(model)
        return
    namespace = sys._getframe(depth).f_locals
    if "__module__" not in namespace or "__qualname__" not in namespace:
        what = op[1].name if op[0] == "add" else "skip_callback"
        raise TypeError(f"{what}(...) declares on the model whose class body calls it; "
                        f"after the class exists, use Model.set_callback(...)/"
                        f"Model.validates(...)")
    namespace.setdefault(_DECLARATIONS, []).append(op)


def _declarer(name: str, chain: str | None = None,
              on: tuple[str, ...] | None = None) -> Callable[..., Any]:
    # The class-body function declaring callback ``name`` into ``chain`` (default:
    # the chain of that name), ``on`` fixed for after_<action>_commit.
    chain = chain or name

    def register(target: Any = None, /, *, if_: Any = None, unless: Any = None,
                 on: str | Iterable[str] | None = on, prepend: bool = False) -> Any:
        if target is None:  # @before_save(if_=...): the decorator to apply
            def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
                declare(("add", Callback(chain, method_target(fn), if_=if_,
                                         unless=unless, on=on), prepend))
                return fn
            return decorate
        declare(("add", Callback(chain, method_target(target), if_=if_, unless=unless,
                                 on=on), prepend))
        return target
    register.__name__ = register.__qualname__ = name
    if chain != name:
        register.__doc__ = (f"``after_commit(on={list(on or ())!r})`` (Rails' ``{name}``), "
                            "declared as :func:`after_commit` is.")
        return register
    register.__doc__ = (
        f"Declare a ``{name}`` callback in a model's class body: ``{name}(\"method\")``, "
        f"``@{name}`` on a method, or ``@{name}(if_=..., unless=..., prepend=...)``"
        + (", ``on=`` an action or a list" if name.endswith(("commit", "rollback",
                                                               "validation")) else "")
        + ". The target takes the record"
        + (" and is a generator whose ``yield`` runs the action" if "around" in name else "")
        + ". Returns the target (so it stays a method). Raises TypeError outside a "
          "class body (use ``Model.set_callback``). See ``activerecord.model.callbacks``.")
    return register


before_validation = _declarer("before_validation")
after_validation = _declarer("after_validation")
before_save = _declarer("before_save")
around_save = _declarer("around_save")
after_save = _declarer("after_save")
before_create = _declarer("before_create")
around_create = _declarer("around_create")
after_create = _declarer("after_create")
before_update = _declarer("before_update")
around_update = _declarer("around_update")
after_update = _declarer("after_update")
before_destroy = _declarer("before_destroy")
around_destroy = _declarer("around_destroy")
after_destroy = _declarer("after_destroy")
after_initialize = _declarer("after_initialize")
after_find = _declarer("after_find")
after_commit = _declarer("after_commit")
after_rollback = _declarer("after_rollback")
after_create_commit = _declarer("after_create_commit", "after_commit", ("create",))
after_update_commit = _declarer("after_update_commit", "after_commit", ("update",))
after_destroy_commit = _declarer("after_destroy_commit", "after_commit", ("destroy",))
after_save_commit = _declarer("after_save_commit", "after_commit", ("create", "update"))


def method_target(fn: Any) -> Any:
    """What a decorator in a class body registers for ``fn``: its name, when ``fn`` is
    a plain function that becomes a method of that name, so a subclass's override is
    the one called (Rails calls symbol callbacks on the record); anything else (a
    lambda, a callable object, a name-mangled ``__method``) as it is."""
    name = getattr(fn, "__name__", "")
    if inspect.isfunction(fn) and name.isidentifier() and \
            not (name.startswith("__") and not name.endswith("__")):
        return name
    return fn


def _callback_name(kind: str, when: str | None) -> str:
    name = kind if when is None else f"{when}_{kind}"
    if name not in CALLBACKS:
        raise ValueError(f"unknown callback {name!r}; known: {', '.join(CALLBACKS)}")
    return name


def set_callback(name: str, target: str | Callable[..., Any], /, *, if_: Any = None,
                 unless: Any = None, on: str | Iterable[str] | None = None,
                 prepend: bool = False) -> None:
    """Declare callback ``name`` (one of :data:`CALLBACKS`, e.g. ``"before_save"``) in
    the running class body; ``Model.set_callback`` does it on an existing model.
    Raises ValueError for an unknown name, TypeError outside a class body."""
    declare(("add", Callback(_callback_name(name, None), target, if_=if_, unless=unless,
                             on=on), prepend))


def skip_callback(kind: str, when: str | Callable[..., Any] | None = None,
                  target: str | Callable[..., Any] | None = None, /) -> None:
    """Remove an inherited (or earlier) callback in the running class body, as Rails'
    ``skip_callback(:save, :before, :normalize)``: ``skip_callback("save", "before",
    "normalize")``, or ``skip_callback("before_save", "normalize")``. The parent class
    keeps it. ``Model.skip_callback`` does it on an existing model. Raises ValueError
    (when the class is created) if no such callback is declared, naming those that are."""
    declare(_skip_op(kind, when, target))


def _skip_op(kind: str, when: Any, target: Any) -> tuple:
    if target is None:  # skip_callback("before_save", "normalize")
        return ("skip", _callback_name(kind, None), when)
    return ("skip", _callback_name(kind, when), target)


def _recompute(model: type) -> None:
    """Build the chains of ``model`` and of every subclass from their declarations."""
    found, virtual = _chains(model)
    cls: Any = model
    cls._lifecycle = found
    cls._virtual_attributes = frozenset(virtual)
    cls._load_callbacks = found.get("after_find", ()) + found.get("after_initialize", ())
    cls._init_callbacks = found.get("after_initialize", ())
    cls._transaction_callbacks = "after_commit" in found or "after_rollback" in found
    cls._save_may_halt = any(name in found for name in _SAVE_CHAINS)
    cls._destroy_may_halt = any(name in found for name in (
        "before_destroy", "around_destroy", "after_destroy"))
    cls._fills_before_write = any(name in found for name in _SAVE_CHAINS
                                  if not name.startswith("after_"))
    cls._saves_unchanged = any(name in found for name in _UNCHANGED_SAVE_CHAINS)
    subclasses: list[type] = model.__subclasses__()
    for subclass in subclasses:
        _recompute(subclass)


#: The chains of a save's write (a model with any may halt it after the write).
_SAVE_CHAINS = ("before_save", "around_save", "after_save", "before_create",
                "around_create", "after_create", "before_update", "around_update",
                "after_update")
#: The chains that make a save without changes still run (as Rails).
_UNCHANGED_SAVE_CHAINS = (VALIDATE, "before_validation", "after_validation",
                          "before_save", "around_save", "after_save", "before_update",
                          "around_update", "after_update", "after_commit", "after_rollback")


def _chains(model: type) -> tuple[dict[str, tuple[Callback, ...]], set[str]]:
    # The declarations of the MRO applied in order, base first: a model's own list,
    # or the class-body list of a plain mixin class (a Rails concern).
    chains: dict[str, list[Callback]] = {}
    virtual: set[str] = set()
    for klass in reversed(model.__mro__):
        ops = klass.__dict__.get("_lifecycle_decls") or klass.__dict__.get(_DECLARATIONS, ())
        for op in ops:
            if op[0] == "virtual":
                virtual.add(op[1])
                if op[1] not in klass.__dict__:
                    type.__setattr__(klass, op[1], VirtualAttribute(op[1]))
            elif op[0] == "add":
                chain = chains.setdefault(op[1].name, [])
                chain.insert(0, op[1]) if op[2] else chain.append(op[1])
            else:
                _, name, target = op
                chain = chains.get(name, [])
                kept = [c for c in chain if not c.matches(target)]
                if len(kept) == len(chain):
                    raise ValueError(
                        f"{model.__name__}.skip_callback: no {name} callback {target!r}; "
                        f"declared: {', '.join(map(repr, chain)) or 'none'}")
                chains[name] = kept
    return {name: tuple(chain) for name, chain in chains.items() if chain}, virtual


# -- running --------------------------------------------------------------------------
def run(record: Any, name: str, on: Any = None) -> None:
    """Run chain ``name`` of ``record``'s model (its callbacks that apply)."""
    for callback in type(record)._lifecycle.get(name, ()):
        if callback.applies(record, on):
            callback.call(record)


def run_around(record: Any, kind: str, block: Callable[[], Any], on: Any = None) -> Any:
    """Run ``before_<kind>``, the ``around_<kind>`` callbacks nested around ``block``,
    then ``after_<kind>``; return ``block()``'s result. Abort (or any exception)
    raised by one of them propagates, and stops the rest."""
    chains = type(record)._lifecycle
    run(record, f"before_{kind}", on)
    arounds = [c for c in chains.get(f"around_{kind}", ()) if c.applies(record, on)]
    result = _nest(record, arounds, block) if arounds else block()
    run(record, f"after_{kind}", on)
    return result


def _nest(record: Any, arounds: list[Callback], block: Callable[[], Any]) -> Any:
    # The first around callback wraps the others, which wrap the block.
    callback, rest = arounds[0], arounds[1:]
    gen = callback.call(record)
    if not inspect.isgenerator(gen):
        raise TypeError(f"{callback!r} must be a generator method: its yield runs the "
                        f"action (got {gen!r})")
    try:
        next(gen)
    except StopIteration:
        raise Abort(f"{callback!r} did not yield: the action was halted") from None
    try:
        result = _nest(record, rest, block) if rest else block()
    except BaseException as exc:
        try:
            gen.throw(exc)
        except StopIteration:
            pass  # it handled the exception: the action still failed
        raise
    try:
        next(gen)
    except StopIteration:
        return result
    raise RuntimeError(f"{callback!r} yielded more than once")


class CallbacksMixin(Core):
    """Runs the declared callbacks around saves and destroys, after loads and
    ``__init__``, and after the transaction ends (see the module doc)."""

    # the chains by name, _load_callbacks, _init_callbacks, _saves_unchanged: on Core
    _transaction_callbacks: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get(_DECLARATIONS)
        if declared is not None:
            delattr(cls, _DECLARATIONS)
            cls._lifecycle_decls = list(declared)  # type: ignore[attr-defined]
        _recompute(cls)

    # -- declaring on an existing model ---------------------------------------------
    @classmethod
    def set_callback(cls, name: str, target: str | Callable[..., Any], /, *,
                     if_: Any = None, unless: Any = None,
                     on: str | Iterable[str] | None = None, prepend: bool = False) -> None:
        """Add callback ``name`` (``"before_save"``, ... :data:`CALLBACKS`) to this
        model and its subclasses. Raises ValueError for an unknown name."""
        declare(("add", Callback(_callback_name(name, None), target, if_=if_,
                                 unless=unless, on=on), prepend), cls)

    @classmethod
    def skip_callback(cls, kind: str, when: str | Callable[..., Any] | None = None,
                      target: str | Callable[..., Any] | None = None, /) -> None:
        """Remove a callback from this model (and its subclasses), as the
        module-level :func:`skip_callback`. Raises ValueError if there is none."""
        declare(_skip_op(kind, when, target), cls)

    @classmethod
    def callbacks(cls, name: str) -> list[Callback]:
        """Return chain ``name`` (:data:`CALLBACKS` or ``"validate"``) in run order."""
        if name != VALIDATE:
            _callback_name(name, None)
        return list(cls._lifecycle.get(name, ()))

    # -- initialize / find ----------------------------------------------------------
    def _after_initialize(self) -> None:
        """Run ``after_initialize`` on a new record (``AttributesMixin.__init__``
        calls it when the model has the callback)."""
        run(self, "after_initialize")

    @classmethod
    def _after_load(cls, records: Iterable[Any]) -> None:
        """Run ``after_find`` then ``after_initialize`` on records built from rows
        (``PersistenceMixin`` calls it when the model has either)."""
        for record in records:
            run(record, "after_find")
            run(record, "after_initialize")

    # -- validation (called by ValidationsMixin.valid) ------------------------------
    def _run_validation_callbacks(self, context: str, validate: Callable[[], None]) -> None:
        run(self, "before_validation", context)
        validate()
        run(self, "after_validation", context)

    # -- save / destroy -------------------------------------------------------------
    def save(self, **options: Any) -> bool:
        """Run the save callbacks around the save of the layers below; return True,
        or False when a callback raised Abort (nothing is left written: the
        record's own transaction rolls back, see TransactionsMixin)."""
        if not self._lifecycle:
            return super().save(**options)
        try:
            return run_around(self, "save",
                              lambda: super(CallbacksMixin, self).save(**options))
        except Abort:
            return False

    def _insert_record(self, schema: ModelSchema) -> None:
        if self._lifecycle:
            run_around(self, "create", lambda: self._write("create", schema))
        else:
            super()._insert_record(schema)

    def _update_record(self, schema: ModelSchema) -> None:
        if self._lifecycle:
            run_around(self, "update", lambda: self._write("update", schema))
        else:
            super()._update_record(schema)

    def _write(self, action: str, schema: ModelSchema) -> None:
        # The INSERT/UPDATE inside the create/update callbacks: the validations that
        # the before_* callbacks may have satisfied, the write, then the record's
        # transaction callbacks, registered at once (an after_create that raises
        # still gives the record its after_rollback).
        self._validate_before_write(schema)
        if action == "create":
            super()._insert_record(schema)
        else:
            super()._update_record(schema)
        # (an UPDATE that matched no row gets no commit callbacks, as Rails'
        # ``_trigger_update_callback``; one with nothing to write does)
        if self._transaction_callbacks and self.__dict__.pop("_rows_updated", 1):
            schema.db.add_transaction_callbacks(self, action)

    def _delete_row(self, action: str = "delete") -> int:
        # A destroy that deleted a row gets the destroy commit callbacks (Rails:
        # only when the DELETE matched, never for a new record).
        count = super()._delete_row(action)
        if count and action == "destroy" and self._transaction_callbacks:
            type(self)._load_schema().db.add_transaction_callbacks(self, "destroy")
        return count

    def destroy(self) -> Self | Literal[False]:
        """Run the destroy callbacks around the destroy of the layers below; return
        the record, or False when a callback raised Abort (nothing is left deleted)."""
        if self._lifecycle:
            try:
                run_around(self, "destroy", lambda: super(CallbacksMixin, self).destroy())
            except Abort:
                return False
        else:
            super().destroy()
        return self

    def _run_transaction_callbacks(self, outcome: str, actions: set[str]) -> None:
        """Run ``after_commit`` (``outcome`` "commit") or ``after_rollback`` for what
        the transaction did, ``actions`` (``"create"``, ``"update"``, ``"destroy"``):
        the transaction calls it once, after the outermost COMMIT or ROLLBACK
        (``connection/transaction.py``, which fixes a commit's one action at the
        COMMIT); ``on=`` callbacks run when one of their actions is among them."""
        failures: list[Exception] = []
        for callback in type(self)._lifecycle.get(f"after_{outcome}", ()):
            if callback.applies(self, actions):
                try:
                    callback.call(self)
                except Exception as exc:  # noqa: BLE001 - the others still run (Rails)
                    failures.append(exc)
        if len(failures) == 1:
            raise failures[0]
        if failures:
            raise AfterCommitError(failures) from failures[0]
