"""Albums, each by one artist (a foreign key); one title per artist."""

from activerecord.migration import Migration


class CreateAlbums(Migration):
    def change(self) -> None:
        with self.create_table("albums") as t:
            t.string("title", null=False, limit=160)
            t.references("artist", foreign_key=True, null=False)
            t.integer("year")
            t.timestamps()
        self.add_index("albums", ["artist_id", "title"], unique=True)
