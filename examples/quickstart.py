"""Quickstart: make the schema with migrations, define models, then create, query,
update and delete records, see validations and callbacks at work, navigate
associations, load them without N+1 queries, and map an existing schema.

Run it with ``make demo``: it runs ``activerecord migrate`` on a fresh SQLite file (the
migrations of ``examples/db/migrate/``), then this script. Against another database::

    cd examples && activerecord --database-url postgresql://user:pass@host/db migrate
    DATABASE_URL=postgresql://user:pass@host/db python quickstart.py
"""

from __future__ import annotations

import os
from decimal import Decimal

import activerecord
from activerecord import (
    Model,
    RecordNotFound,
    StrictLoadingViolationError,
    after_commit,
    before_validation,
    belongs_to,
    has_many,
    transaction,
    validates,
)
from activerecord.migration import Migrator
from activerecord.testing import capture_sql

HERE = os.path.dirname(os.path.abspath(__file__))
db = activerecord.connect(os.environ.get("DATABASE_URL", "sqlite:///quickstart.db"))
print(f"Connected to {db.name}")

# The tables come from the migrations in examples/db/migrate/ (`activerecord migrate`
# ran them; running them here too is a no-op then). The models below declare no
# columns: they read them from these tables at first use.
migrator = Migrator(os.path.join(HERE, "db", "migrate"), db)
migrator.migrate()
print("Migrations:")
for row in migrator.status():
    print(f"  {row.status:>4}  {row.version}  {row.name}")
for table in ("albums", "artists"):  # start from empty tables on every run
    db.execute(f"DELETE FROM {db.dialect.quote_name(table)}")


committed: list[str] = []


class Artist(Model):
    """Table ``artists`` (the default name for class Artist)."""

    albums = has_many("Album", dependent="destroy")  # key from the FOREIGN KEY
    validates("name", uniqueness=True)  # NOT NULL and VARCHAR(120): read from the table

    @before_validation
    def _tidy_name(self):  # a callback: runs before every save's validations
        if self.name:
            self.name = " ".join(self.name.split())


class Album(Model):
    """Table ``albums``."""

    artist = belongs_to("Artist")  # required: "Artist must exist" without one
    validates("year", numericality={"greater_than": 1900}, allow_none=True)

    @after_commit(on="create")
    def _catalogue(self):  # runs once the row is committed, never on a rollback
        committed.append(self.title)


def show(title, records):
    print(f"\n{title}")
    for record in records:
        print(f"  {record!r}")


print("\nColumns of Album, introspected:")
for column in Album.columns.values():
    print(f"  {column}")

# Create
acdc = Artist.create(name="AC/DC", country="Australia")
queen = Artist.create(name="Queen", country="UK")
print(f"\nCreated {acdc!r}")
with transaction():  # several writes, one commit
    for title, year in [("Highway to Hell", 1979), ("Back in Black", 1980)]:
        Album.create(title=title, artist_id=acdc.id, year=year)
    Album.create(title="A Night at the Opera", artist_id=queen.id, year=1975,
                 price=Decimal("12.50"))
print(f"Created {Album.count()} albums in one transaction; after_commit then ran for "
      f"{committed}")

# Query
show("Albums after 1976, newest first:", Album.where("year > ?", 1976).order("-year"))
print(f"\nFirst album by id: {Album.first().title}")
print(f"Titles by AC/DC: {Album.where(artist_id=acdc.id).order('year').pluck('title')}")
print(f"Cheapest price: {min(Album.pluck('price'))} (a {type(Album.first().price).__name__})")
print(f"Artist from the UK: {Artist.find_by(country='UK').name}")

# Update: only the changed column is written
album = Album.find_by(title="Back in Black")
album.price = Decimal("14.99")
print(f"\nChanges before save: {album.changes}")
album.save()
queen.update(country="United Kingdom")
print(f"Saved: {Album.find(album.id)!r}")
print(f"Queen's updated_at was set: {Artist.find(queen.id).updated_at is not None}")

# Validations: invalid data never reaches the database
album = Album(title=None, year=1850)
print(f"\nSaving an album with no title, no artist and year 1850: {album.save()}")
print(f"  errors: {album.errors.full_messages}")
who = Artist.create(name="  The   Who ")
print(f"A before_validation callback tidied the name: {who.name!r}")
dup = Artist(name="AC/DC")
print(f"A second AC/DC: save() -> {dup.save()}, {dup.errors.full_messages}")
try:
    Album.create(title="Untitled", artist=acdc, year=1066)
except activerecord.RecordInvalid as exc:
    print(f"create() raises instead: {exc}")

# Errors are clear and lose nothing
try:
    Artist(name="AC/DC").save(validate=False)  # the unique index is the final word
except activerecord.RecordNotUnique as exc:
    print(f"\nDuplicate refused by the database: {type(exc).__name__}; still "
          f"{Artist.count()} artists")
try:
    Album.create(title="Refund", artist=acdc, price=Decimal("-1"))
except activerecord.IntegrityError as exc:
    print(f"A negative price refused by the migration's check constraint: "
          f"{type(exc).__name__}; still {Album.count()} albums")
try:
    Artist.create(nmae="typo")
except activerecord.UnknownAttributeError as exc:
    print(f"Unknown column refused: {exc}")

# Associations: navigate, write, and load a page without N+1 queries
print(f"\nAlbums of {acdc.name}: {acdc.albums.order('year').pluck('title')}")
print(f"Artist of the first album: {Album.first().artist.name}")
acdc.albums.create(title="Powerage", year=1978)  # artist_id set from acdc
rock = Album(title="Let There Be Rock", year=1977, artist=acdc)  # the association itself
rock.save()
print(f"{acdc.name} now has {acdc.albums.count()} albums "
      f"({rock.title!r} got artist_id {rock.artist_id} from artist=acdc)")
with capture_sql() as statements:
    page = Album.includes("artist").order("title").to_list()
    lines = [f"{a.title} ({a.artist.name})" for a in page]
print(f"Every album with its artist, in {len(statements)} queries (preload): {lines}")
with capture_sql() as statements:
    counts = {a.name: len(a.albums) for a in Artist.eager_load("albums").order("name")}
print(f"Albums per artist, in {len(statements)} statement (eager_load, one LEFT JOIN): "
      f"{counts}")
try:
    print(Album.strict_loading().first().artist)  # a lazy load: refused, no N+1 slips by
except StrictLoadingViolationError as exc:
    print(f"Strict loading refused a lazy load: {exc}")

# automap: models for existing tables, with the associations of their foreign keys
mapped = activerecord.automap(db, tables=["artists", "albums"])
print(f"\nautomap made the models {sorted(mapped.models)}; "
      f"{acdc.name} has {mapped.Artist.find(acdc.id).albums.count()} albums through them")

# Delete
Album.find_by(title="Highway to Hell").destroy()
deleted = Album.where(artist_id=queen.id).delete_all()
print(f"\nDestroyed 1 album, deleted {deleted} more; {Album.count()} left")
try:
    Album.find(1)
except RecordNotFound as exc:
    print(f"Looking up a deleted album: {exc}")
show("What is left:", Album.all())
