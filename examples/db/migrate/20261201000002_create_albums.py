"""Albums, each by one artist (a foreign key), with a price that cannot go negative."""

from decimal import Decimal

from activerecord.migration import Migration


class CreateAlbums(Migration):
    def change(self) -> None:
        with self.create_table("albums") as t:
            t.string("title", null=False, limit=160)
            t.references("artist", foreign_key=True, null=False)
            t.integer("year")
            t.decimal("price", precision=6, scale=2, default=Decimal("9.99"))
            t.check_constraint("price >= 0", name="albums_price_not_negative")
        self.add_index("albums", ["artist_id", "title"], unique=True)
