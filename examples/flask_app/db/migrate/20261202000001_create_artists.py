"""Artists: a unique name (the index decides what the uniqueness validation checks)."""

from activerecord.migration import Migration


class CreateArtists(Migration):
    def change(self) -> None:
        with self.create_table("artists") as t:
            t.string("name", null=False, limit=120, index={"unique": True})
            t.string("country", limit=60)
            t.timestamps()
