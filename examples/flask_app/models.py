"""The example app's models. They declare no columns: those come from the tables the
migrations of ``db/migrate/`` make, read at first use."""

from __future__ import annotations

from activerecord import Model, belongs_to, has_many, validates


class Artist(Model):
    """A row of ``artists``; its albums go with it when it is destroyed."""

    albums = has_many("Album", dependent="destroy")
    validates("name", presence=True, length={"maximum": 120}, uniqueness=True)


class Album(Model):
    """A row of ``albums``; an album needs an artist ("Artist must exist")."""

    artist = belongs_to("Artist")
    validates("title", presence=True, uniqueness={"scope": "artist_id"})
    validates("year", numericality={"only_integer": True, "greater_than": 1900,
                                    "less_than": 2100}, allow_none=True)
