"""The artists of the quickstart's catalogue."""

from activerecord.migration import Migration


class CreateArtists(Migration):
    def change(self) -> None:
        with self.create_table("artists") as t:
            t.string("name", null=False, limit=120, index={"unique": True})
            t.string("country", limit=40)
            t.timestamps()
