"""SQLite: a partial or expression unique index does not make a batch cursor unique."""

from __future__ import annotations

import pytest

from activerecord import Model
from activerecord.connection.database import Database


@pytest.fixture
def lite(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/lite.db")
    yield database
    database.close()


def test_only_a_whole_table_unique_index_proves_a_cursor(lite):
    lite.execute("CREATE TABLE jobs (k INTEGER NOT NULL, name TEXT NOT NULL, "
                 "done INTEGER NOT NULL)")
    lite.execute("CREATE UNIQUE INDEX jobs_open_k ON jobs (k) WHERE done = 0")
    lite.execute("CREATE UNIQUE INDEX jobs_lower_name ON jobs (lower(name))")

    class Job(Model):
        table_name = "jobs"
        database = lite

    Job.insert_all([{"k": i // 2, "name": f"j{i}", "done": i % 2} for i in range(6)])
    info = {i.name: i for i in lite.table_info("jobs").indexes}
    assert info["jobs_open_k"].partial and not info["jobs_lower_name"].partial
    for cursor in ("k", "name"):
        with pytest.raises(ValueError, match="unique"):
            list(Job.find_each(cursor=cursor, batch_size=2))
    lite.execute("CREATE UNIQUE INDEX jobs_k_done ON jobs (k, done)")
    Job.reset_column_information()
    assert len(list(Job.find_each(cursor=("k", "done"), batch_size=4))) == 6
