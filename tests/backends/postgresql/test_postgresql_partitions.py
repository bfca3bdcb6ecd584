"""PostgreSQL partitions: ``table_names()`` lists a partitioned table once (its
declared partitions, and inheritance children that add no column, are left out), so
``automap`` represents it by its parent; a partition can still back a model."""

from __future__ import annotations

from activerecord import Model, automap


def q(db, name):
    return db.dialect.quote_identifier(name)


def test_partitions_are_represented_by_their_parent(pg, tables):
    kinds = tables("kinds", "CREATE TABLE {t} (id int PRIMARY KEY, name text)")
    parent = tables("events", "CREATE TABLE {t} (id int NOT NULL, kind_id int "
                              f"REFERENCES {q(pg, kinds)} (id), PRIMARY KEY (id)) "
                              "PARTITION BY RANGE (id)")
    low = tables("events_low", f"CREATE TABLE {{t}} PARTITION OF {q(pg, parent)} "
                               "FOR VALUES FROM (0) TO (100)")
    high = tables("events_high", f"CREATE TABLE {{t}} PARTITION OF {q(pg, parent)} "
                                 "FOR VALUES FROM (100) TO (200)")
    old = tables("old", "CREATE TABLE {t} (id int PRIMARY KEY, kind_id int "
                        f"REFERENCES {q(pg, kinds)} (id))")
    old_child = tables("old_2020", f"CREATE TABLE {{t}} () INHERITS ({q(pg, old)})")
    grown = tables("old_grown", f"CREATE TABLE {{t}} (extra int) INHERITS ({q(pg, old)})")
    pg.execute(f"INSERT INTO {q(pg, kinds)} VALUES (1, 'a')")
    pg.execute(f"INSERT INTO {q(pg, parent)} VALUES (5, 1), (150, 1)")
    names = pg.table_names()
    assert {kinds, parent, old, grown} <= set(names)
    assert not {low, high, old_child} & set(names)
    assert pg.table_info(low) is not None  # a partition still backs a model by hand

    class Low(Model):
        table_name = low
        database = pg

    assert [r.id for r in Low.all()] == [5]
    m = automap(pg)
    assert not {low, high, old_child} & set(m.tables)
    kind = m[kinds]
    children = {(r.target.table_name, r.macro) for r in kind.reflect_on_all_associations()}
    # the partitions' copies of the parent's foreign key give nothing (an inheritance
    # child inherits no foreign key at all)
    assert children == {(parent, "has_many"), (old, "has_many")}
    [events] = [r.name for r in kind.reflect_on_all_associations()
                if r.target.table_name == parent]
    assert sorted(e.id for e in getattr(kind.find(1), events)) == [5, 150]
