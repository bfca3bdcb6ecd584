"""A small portable music catalogue for the query-interface tests (test code only).

``make_catalogue(make_table)`` creates ``q_artists`` and ``q_albums`` through the
``make_table`` fixture and fills them with plain driver statements (so the data does
not depend on the ORM's bulk writes under test). The models are module-level so every
test file uses the same classes; the ``db`` fixture resets their schemas.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from activerecord import Model

ARTISTS = [
    # id, name, country, rating
    (1, "AC/DC", "Australia", 5),
    (2, "Accept", "Germany", 3),
    (3, "Aerosmith", "US", 4),
    (4, "Alanis Morissette", "Canada", None),
    (5, "Alice In Chains", "US", 4),
    (6, "Antônio Carlos Jobim", "Brazil", None),
    (7, "Apocalyptica", "Finland", 2),
    (8, "audioslave", "US", 3),
    (9, "Black Sabbath", "UK", 5),
    (10, "Nameless 50% Off_Band", None, 1),
]

ALBUMS = [
    # id, artist_id, title, year, price, released
    (1, 1, "For Those About To Rock", 1981, Decimal("9.99"), dt.date(1981, 11, 23)),
    (2, 1, "Let There Be Rock", 1977, Decimal("8.99"), dt.date(1977, 3, 21)),
    (3, 2, "Balls to the Wall", 1983, Decimal("7.49"), dt.date(1983, 12, 5)),
    (4, 2, "Restless and Wild", 1982, None, None),
    (5, 3, "Big Ones", 1994, Decimal("12.00"), dt.date(1994, 11, 1)),
    (6, 4, "Jagged Little Pill", 1995, Decimal("11.50"), dt.date(1995, 6, 13)),
    (7, 5, "Facelift", 1990, Decimal("6.99"), dt.date(1990, 8, 21)),
    (8, 6, "Warner 25 Anos", 1993, Decimal("5.00"), None),
    (9, 7, "Plays Metallica", 1996, Decimal("10.25"), dt.date(1996, 7, 5)),
    (10, 8, "Audioslave", 2002, Decimal("13.99"), dt.date(2002, 11, 19)),
    (11, 9, "Paranoid", 1970, Decimal("9.99"), dt.date(1970, 9, 18)),
    (12, 9, "Black Sabbath Vol. 4", 1972, Decimal("8.50"), dt.date(1972, 9, 25)),
]


class QArtist(Model):
    table_name = "q_artists"


class QAlbum(Model):
    table_name = "q_albums"


def make_catalogue(make_table, db, *, fill: bool = True) -> None:
    """Create (and fill) ``q_artists`` and ``q_albums`` for one test."""
    make_table("q_artists", id="pk", name="string(120) NOT NULL", country="string(40)",
               rating="int", created_at="datetime", updated_at="datetime")
    make_table("q_albums", id="pk", artist_id="int NOT NULL REFERENCES q_artists(id)",
               title="string(160) NOT NULL", year="int", price="decimal(10,2)",
               released="date")
    if not fill:
        return
    stamp = dt.datetime(2024, 1, 2, 3, 4, 5)
    with db.transaction():
        for row in ARTISTS:
            db.execute("INSERT INTO q_artists (id, name, country, rating, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                       [*row, _bind(db, stamp), _bind(db, stamp)])
        for aid, artist, title, year, price, released in ALBUMS:
            db.execute("INSERT INTO q_albums (id, artist_id, title, year, price, released) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       [aid, artist, title, year, _bind(db, price), _bind(db, released)])
    _reset_sequences(db)


def _bind(db, value):
    """Values as the driver takes them (SQLite: ISO text and decimal text)."""
    if value is None or db.adapter.name != "sqlite":
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    return str(value) if isinstance(value, (Decimal, dt.date)) else value


def _reset_sequences(db) -> None:
    # Explicit ids leave PostgreSQL's identity sequences behind; move them past the data.
    if db.adapter.name == "postgresql":
        for table in ("q_artists", "q_albums"):
            db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT MAX(id) FROM {table}))")
