"""PostgreSQL-only record behaviour: arrays changed in place are saved (arrays are
mutable values, as JSON documents are), also arrays of types psycopg returns as text."""

from __future__ import annotations

import pytest

from activerecord import Model


@pytest.fixture
def model(pg, tables):
    pg.run("DROP TYPE IF EXISTS ar_rd_mood", [])
    pg.run("CREATE TYPE ar_rd_mood AS ENUM ('sad', 'ok', 'happy')", [])
    name = tables("arrays", "CREATE TABLE {t} (id serial PRIMARY KEY, tags text[], "
                            "grid integer[][], moods ar_rd_mood[], doc jsonb)")

    class Thing(Model):
        database = pg
        table_name = name

    yield Thing
    pg.run(f"DROP TABLE IF EXISTS {pg.dialect.quote_identifier(name)}", [])
    pg.run("DROP TYPE IF EXISTS ar_rd_mood", [])


def test_arrays_changed_in_place_are_saved(model):
    made = model.create(tags=["a"], grid=[[1, 2], [3, 4]], moods=["ok"], doc={"k": 1})
    thing = model.find(made.id)
    thing.tags.append("b")
    thing.grid[1][0] = 30
    thing.moods.append("happy")
    assert set(thing.changed) == {"tags", "grid", "moods"}
    assert thing.changes["tags"] == (["a"], ["a", "b"])
    thing.save()
    again = model.find(made.id)
    assert (again.tags, again.grid, again.moods) == (["a", "b"], [[1, 2], [30, 4]],
                                                     ["ok", "happy"])
    assert again.changed == [] and not thing.has_changes
    thing.tags.remove("a")  # still tracked after the save
    thing.save()
    assert model.find(made.id).tags == ["b"]
