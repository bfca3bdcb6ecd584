# The schema of the database, written by activerecord after each migrate and
# rollback: edit the migrations, not this file. `activerecord schema load` makes
# this schema in an empty database (SQLite, PostgreSQL or MySQL/MariaDB).
from decimal import Decimal  # noqa: F401

from activerecord.migration import Schema, SQLDefault  # noqa: F401


class AppSchema(Schema):
    version = '20261201000002'

    def define(self) -> None:
        with self.create_table('albums') as t:
            t.string('title', null=False, limit=160)
            t.bigint('artist_id', null=False)
            t.integer('year')
            t.decimal('price', default=Decimal('9.99'), precision=6, scale=2)
            t.index(['artist_id'])
            t.index(['artist_id', 'title'], unique=True)
            t.check_constraint('price >= 0', name='albums_price_not_negative')

        with self.create_table('artists') as t:
            t.string('name', null=False, limit=120)
            t.string('country', limit=40)
            t.datetime('created_at', null=False)
            t.datetime('updated_at', null=False)
            t.index(['name'], unique=True)

        self.add_foreign_key('albums', 'artists', column='artist_id')
