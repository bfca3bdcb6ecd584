"""``has_many``: records of the target's table refer to the owner (Rails'
``HasManyAssociation``). ``artist.albums`` is a :class:`CollectionProxy`, a relation
scoped to the owner, cached on the record until ``reset_association``/``reload``;
``artist.albums = [a, b]`` is ``artist.albums.replace([a, b])`` (Rails' writer).

``has_many("Comment", as_="commentable")`` (Rails' ``as: :commentable``) is the other
side of a polymorphic ``belongs_to``: the rows are those whose key column refers to
the owner *and* whose type column holds the owner's class name; the key and type
columns are the target's polymorphic ``commentable`` association's when it declares
one, else ``commentable_id``/``commentable_type`` (``CommentableId``/
``CommentableType``), unless ``foreign_key=``/``foreign_type=`` say otherwise.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    AssociationTypeMismatch,
    DeleteRestrictionError,
    InvalidAssociation,
    NotNullViolation,
    RecordNotFound,
)
from ..sql import nodes as n
from . import association as a
from .belongs_to import BelongsTo, first_column, polymorphic_name
from .collection import CollectionProxy
from .reflection import Reflection, camelize, underscore

__all__ = ["HasMany", "TargetKeyed"]


class TargetKeyed(Reflection):
    """An association whose foreign key is on the target's table (has_many,
    has_one), optionally the other side of a polymorphic belongs_to (``as_=``); it
    owns the ``dependent=`` rules run when the owner is destroyed (Rails'
    ``dependent:``)."""

    dependent_rules = ("destroy", "delete_all", "nullify", "restrict")

    def __init__(self, target: Any, *, as_: str | None = None,
                 foreign_type: str | None = None, **options: Any) -> None:
        super().__init__(target, **options)
        if foreign_type is not None and as_ is None:
            raise InvalidAssociation(f"{type(self).__name__}: foreign_type= goes with as_= "
                                     f"(the polymorphic association's name)")
        self.as_ = as_
        self._type_option = foreign_type
        self._type_cache: tuple[Any, str] | None = None

    def _models(self) -> tuple[Any, Any]:
        return self.target, self.owner

    def _conventions(self) -> list[str]:
        owner = self.owner._load_schema()
        target_pk = self.target._load_schema().pk
        names = [f"{underscore(self.owner.__name__)}_id", self.owner.__name__ + "Id"]
        names += [c for c in owner.pk if len(owner.pk) == 1 and c not in target_pk]
        return list(dict.fromkeys(names))

    # -- polymorphic (as_=) ----------------------------------------------------------
    def _resolve_keys(self, holder: Any,
                      referred: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if not self.as_:
            return super()._resolve_keys(holder, referred)
        fk = self._fk_option or self._polymorphic_column(holder, "foreign_key")
        return self._checked(holder, referred, tuple(fk), self._pk_option or referred.pk)

    def _polymorphic_column(self, holder: Any, option: str) -> Any:
        """For ``as_=``: the key columns (``option`` ``"foreign_key"``) or the type
        column (``"foreign_type"``) on the target's table (``holder``): the target's
        polymorphic association of that name declares them, else the convention
        (``<as_>_id``/``<As>Id``, ``<as_>_type``/``<As>Type``)."""
        side = getattr(self.target, "_reflections", {}).get(self.as_)
        if side is not None and side.polymorphic:
            return getattr(side, option)
        name, suffix = str(self.as_), "id" if option == "foreign_key" else "type"
        found = first_column(self, holder, [f"{name}_{suffix}",
                                            camelize(name) + suffix.capitalize()], option)
        return (found,) if option == "foreign_key" else found

    @property
    def foreign_type(self) -> str | None:
        """The target's column holding the owner's class name (``as_=`` only;
        ``foreign_type=`` when given)."""
        if not self.as_:
            return None
        holder = self.target._load_schema()
        if self._type_cache is None or self._type_cache[0] is not holder:
            name = first_column(self, holder, [self._type_option], "foreign_type") \
                if self._type_option else self._polymorphic_column(holder, "foreign_type")
            self._type_cache = (holder, name)
        return self._type_cache[1]

    def owner_attributes(self, owner: Any) -> dict[str, Any]:
        """``{column: value}`` that makes a target record refer to ``owner``: the
        foreign key set to the owner's key, and the type column to its class name
        (``as_=``), as Rails' ``set_owner_attributes``."""
        out = dict(zip(self.foreign_key, a.values_of(owner, self.primary_key)))
        if self.as_:
            out[str(self.foreign_type)] = polymorphic_name(type(owner))
        return out

    def nullified_columns(self) -> tuple[str, ...]:
        """The columns set to NULL to detach a record: the foreign key, and the type
        column for ``as_=`` (Rails' ``nullified_owner_attributes``)."""
        return self.foreign_key + ((str(self.foreign_type),) if self.as_ else ())

    def extra_join_conditions(self, table: str) -> list[n.Node]:
        """For ``as_=``: ``table.<type column> = '<owner class name>'`` (joins and
        preloads add it to the key condition); none otherwise."""
        if not self.as_:
            return []
        return [n.Column(str(self.foreign_type), table) == polymorphic_name(self.owner)]

    def _find_inverse(self) -> Reflection | None:
        if not self.as_ or self._inverse_option:
            return super()._find_inverse()
        side = getattr(self.target, "_reflections", {}).get(self.as_)
        return side if side is not None and side.polymorphic else None

    # -- inverse, dependent rules ------------------------------------------------------
    def set_inverse(self, owner: Any, records: list) -> None:
        """Cache ``owner`` as the inverse belongs_to of each of ``records``."""
        inverse = self.inverse
        snapshot = getattr(inverse, "snapshot", None)  # a belongs_to's cache key
        if inverse is None or snapshot is None:
            return
        for record in records:
            a.store(record, inverse.name, owner, snapshot(record))

    def check_nullable(self, action: str) -> None:
        """Raise NotNullViolation (before any SQL) when a foreign-key (or type)
        column is NOT NULL, so the rows cannot be detached by setting it to NULL."""
        columns = self.target._load_schema().columns
        bad = [c for c in self.nullified_columns() if not columns[c].nullable]
        if bad:
            raise NotNullViolation(
                f"cannot {action} {self!r}: the foreign key {', '.join(bad)} of "
                f"{self.target._load_schema().table!r} is NOT NULL, so it cannot be "
                f"set to NULL; destroy the records, or declare dependent='destroy' "
                f"or 'delete_all'")

    def check_dependent(self, owner: Any) -> None:
        """Before the owner's destroy changes anything: DeleteRestrictionError when
        the rule is ``"restrict"`` and records exist (one EXISTS query),
        NotNullViolation when it is ``"nullify"`` over a NOT NULL key."""
        if self.dependent == "nullify":
            self.check_nullable("nullify")
        elif self.dependent == "restrict" and self.scope(owner).exists():
            raise DeleteRestrictionError(
                f"cannot destroy {type(owner).__name__} {owner!r}: it has dependent "
                f"{self.name} ({self.target.__name__} records)", association=self.name)

    def apply_dependent(self, owner: Any) -> None:
        """Run the ``dependent=`` rule for ``owner`` (in its destroy's transaction):
        ``"destroy"`` loads and destroys each record, ``"delete_all"`` DELETEs the
        rows, ``"nullify"`` sets their foreign key (and type column) to NULL in one
        UPDATE."""
        scope = self.scope(owner)
        if self.dependent == "destroy":
            for record in scope.to_list():
                a.destroy(record)
        elif self.dependent == "delete_all":
            scope.delete_all()
        elif self.dependent == "nullify":
            scope.update_all(**{c: None for c in self.nullified_columns()})
        a.forget(owner, self.name)

    def counted_by(self) -> BelongsTo | None:
        """The inverse belongs_to that keeps a counter cache of this collection (not
        polymorphic), or None."""
        inverse = self.inverse
        if isinstance(inverse, BelongsTo) and inverse.counter_cache and \
                not inverse.polymorphic:
            return inverse
        return None

    def uncount(self, owner: Any, removed: int) -> None:
        """``removed`` rows left ``owner``'s collection without their destroy (the
        nullify and delete rules, ``delete_all``): lower the owner's counter cache
        of the inverse belongs_to by that many, one UPDATE, and the loaded owner
        (Rails' ``delete_records`` calling ``update_counter``). Polymorphic inverses
        are left alone."""
        inverse = self.counted_by()
        if removed <= 0 or inverse is None:
            return
        model = type(owner)
        schema = model._load_schema()
        column = inverse.counter_column(model)
        current = n.Func("COALESCE", (n.Column(column, schema.table), n.Param(0)))
        where = schema.key_condition(owner._key_before_changes(schema), model)
        node = n.Update(schema.table_node, ((column, n.Binary("-", current,
                                                                n.Param(removed))),), where)
        schema.db.run(*schema.db.compile(node))
        attrs = owner.__dict__["_attrs"]
        if column in attrs:
            a.keep_attributes(schema.db, owner, (column,))  # a rollback gives it back
            attrs[column] = (attrs[column] or 0) - removed
            (owner.__dict__.get("_changed_from") or {}).pop(column, None)

    def nullify_record(self, owner: Any, record: Any) -> None:
        """Detach ``record`` from ``owner``: one UPDATE of only its foreign-key (and
        type) columns to NULL, by its primary key and only while its row still
        refers to ``owner``; the record's values follow without becoming changes.
        Raises UnknownPrimaryKey (no key) or RecordNotFound (the row no longer
        refers to the owner)."""
        schema = record._load_schema()
        if not schema.pk:
            raise schema.no_primary_key(type(record), "detaching it from an association")
        key = dict(zip(schema.pk, a.values_of(record, schema.pk)))
        nulls = dict.fromkeys(self.nullified_columns())
        if self.scope(owner).where(**key).update_all(**nulls) != 1:
            raise RecordNotFound(f"{type(record).__name__} {record!r} no longer refers "
                                 f"to this {type(owner).__name__}",
                                 model=type(record), table=schema.table)
        a.keep_attributes(schema.db, record, nulls)  # a rollback gives them back
        record.__dict__["_attrs"].update(nulls)
        inverse = self.inverse
        if inverse is not None:
            a.forget(record, inverse.name)

    def scope(self, record: Any) -> Any:
        """The target relation of ``record``'s associated rows (none for an unsaved
        owner, whose key is not known yet); with ``as_=``, also of its class name."""
        key = a.values_of(record, self.primary_key)
        if None in key:
            return self.target.none()
        conditions = dict(zip(self.foreign_key, key))
        if self.as_:
            conditions[str(self.foreign_type)] = polymorphic_name(type(record))
        return self.target.where(**conditions)


class HasMany(TargetKeyed):
    """A ``has_many`` association (see the module doc)."""

    macro = "has_many"

    def __get__(self, record: Any, owner: type | None = None) -> Any:
        if record is None:
            return self
        # Hot path (a loop over preloaded owners): the cached collection, checked
        # against the owner's key read with the columns the keys were resolved to.
        cache = record._association_cache
        keys = self._keys
        if cache is not None and keys is not None:
            entry = cache.get(self.name)
            if entry is not None:
                attrs, columns = record._attrs, keys[2][1]
                try:
                    if len(columns) == 1:
                        if (attrs[columns[0]],) == entry[0]:
                            return entry[1]
                    elif tuple([attrs[c] for c in columns]) == entry[0]:
                        return entry[1]
                except KeyError:  # a column not loaded: the general path says so
                    pass
        return a.collection(self, record, CollectionProxy)

    def __set__(self, record: Any, value: Any) -> None:
        """``artist.albums = [a, b]``: :meth:`CollectionProxy.replace` (Rails' writer;
        a new owner keeps them to save with itself). AssociationTypeMismatch when
        ``value`` is not a list of target records."""
        if not isinstance(value, (list, tuple)):
            raise AssociationTypeMismatch(
                f"{type(record).__name__}.{self.name} takes a list of "
                f"{self.target.__name__} records, not {value!r}")
        self.__get__(record).replace(value)
