"""PostgreSQL: a partial or expression unique index does not make a batch cursor
unique; a unique constraint over NOT NULL columns does."""

from __future__ import annotations

import pytest

from activerecord import Model


def test_only_a_whole_table_unique_index_proves_a_cursor(pg, tables):
    table = tables("jobs", "CREATE TABLE {t} (k integer NOT NULL, name text NOT NULL, "
                           "done boolean NOT NULL, code integer NOT NULL UNIQUE)")
    q = pg.dialect.quote_identifier
    pg.run(f"CREATE UNIQUE INDEX ON {q(table)} (k) WHERE NOT done", [])
    pg.run(f"CREATE UNIQUE INDEX ON {q(table)} (lower(name))", [])

    class Job(Model):
        database = pg
        table_name = table

    try:
        Job.insert_all([{"k": i // 2, "name": f"j{i}", "done": i % 2 == 1, "code": i}
                        for i in range(6)])
        partial = [i for i in pg.table_info(table).indexes if i.partial]
        assert [i.columns for i in partial] == [("k",)]
        for cursor in ("k", "name"):
            with pytest.raises(ValueError, match="unique"):
                list(Job.find_each(cursor=cursor, batch_size=2))
        assert [j.code for j in Job.find_each(cursor="code", batch_size=4)] == list(range(6))
    finally:
        Job.reset_column_information()
