"""Pessimistic locking (issue 10, point 4): ``Relation.lock()`` and its options as
each database spells them, ``record.lock()`` / ``with_lock()``, and the behaviour with
real threads on real servers: SKIP LOCKED hands two workers disjoint rows, NOWAIT
fails at once, and ``with_lock`` serializes read-modify-write on every database
(SQLite through its database lock)."""

from __future__ import annotations

import threading

import pytest

from activerecord import (
    DatabaseError,
    Model,
    NotSupportedError,
    RecordNotFound,
    UnsavedChangesError,
    transaction,
)
from activerecord.testing import capture_sql
from tests.support.threads import run_threads


class LkJob(Model):
    table_name = "lk_jobs"


@pytest.fixture
def jobs(db, make_table):
    make_table("lk_jobs", id="pk", name="string(20)", done="int")
    LkJob.reset_column_information()
    LkJob.insert_all([{"name": f"job{i}", "done": 0} for i in range(1, 7)])
    return LkJob


def _suffix(sql):
    return sql.rsplit('"lk_jobs"', 1)[-1].rsplit("`lk_jobs`", 1)[-1]


def test_the_lock_clause_each_database_writes(db, jobs):
    name = db.adapter.name
    cases = [
        ({}, {"sqlite": "", "postgresql": " FOR UPDATE", "mysql": " FOR UPDATE"}),
        ({"share": True}, {"sqlite": "", "postgresql": " FOR SHARE",
                           "mysql": " LOCK IN SHARE MODE"}),
        ({"nowait": True}, {"sqlite": "", "postgresql": " FOR UPDATE NOWAIT",
                            "mysql": " FOR UPDATE NOWAIT"}),
        ({"skip_locked": True}, {"sqlite": "", "postgresql": " FOR UPDATE SKIP LOCKED",
                                 "mysql": " FOR UPDATE SKIP LOCKED"}),
    ]
    for options, expected in cases:
        sql = jobs.order("id").limit(2).lock(**options).to_sql()
        assert sql.endswith(expected[name]) and "LIMIT" in sql, (options, sql)
        with transaction():
            assert [j.name for j in jobs.order("id").limit(2).lock(**options)] == \
                ["job1", "job2"]
    assert "FOR" not in jobs.lock().lock(False).to_sql()
    assert "FOR UPDATE" not in jobs.where(id=jobs.lock().select("id")).to_sql()


def test_bad_lock_options_raise_before_any_sql(db, jobs):
    with capture_sql() as sql:
        with pytest.raises(ValueError, match="exclude each other"):
            jobs.lock(nowait=True, skip_locked=True)
        with pytest.raises(TypeError, match="True or False"):
            jobs.lock("FOR UPDATE")
        with pytest.raises(TypeError, match="models or table names"):
            jobs.lock(of=3)
    assert sql == []


def test_lock_of_a_table(db, jobs):
    rel = jobs.where(done=0).lock(of=jobs)
    if db.features.supports_lock_of and db.adapter.name != "sqlite":
        quoted = db.dialect.quote_identifier("lk_jobs")
        assert rel.to_sql().endswith(f"FOR UPDATE OF {quoted}")
        with transaction():
            assert len(rel.to_list()) == 6
    elif db.adapter.name == "mysql":  # MariaDB has no OF
        with capture_sql() as sql:
            with pytest.raises(NotSupportedError, match="no FOR UPDATE OF"):
                rel.to_list()
        assert sql == []
    else:
        assert "FOR" not in rel.to_sql()


def test_record_lock_reads_the_row_again_and_refuses_unsaved_changes(db, jobs):
    job = jobs.find_by(name="job1")
    jobs.where(id=job.id).update_all(done=5)  # changed behind the record's back
    with transaction():
        assert job.lock() is job and job.done == 5 and not job.has_changes
    job.done = 6
    with pytest.raises(UnsavedChangesError, match="done"):
        job.lock()
    with pytest.raises(RecordNotFound):
        jobs(name="new").lock()
    gone = jobs.find_by(name="job2")
    jobs.where(id=gone.id).delete_all()
    with pytest.raises(RecordNotFound):
        gone.lock()
    assert "FOR UPDATE" in jobs.lock().to_sql() or db.adapter.name == "sqlite"


def test_with_lock_serializes_read_modify_write(db, jobs):
    job_id = jobs.find_by(name="job1").id
    errors = []

    def bump():
        try:
            for _ in range(5):
                record = jobs.find(job_id)
                with record.with_lock():
                    record.done += 1  # read under the lock: no update is lost
                    record.save()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    run_threads(bump, [(), ()])
    assert errors == [] and jobs.find(job_id).done == 10


@pytest.mark.databases("postgresql", "mysql")
def test_skip_locked_hands_two_workers_disjoint_rows(db, jobs):
    taken, ready, release = {}, threading.Event(), threading.Event()

    def worker(name):
        with transaction():
            rows = jobs.where(done=0).order("id").limit(2).lock(skip_locked=True).to_list()
            taken[name] = [r.id for r in rows]
            for r in rows:
                r.done = 1
                r.save()
            if name == "first":
                ready.set()
                release.wait(10)

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    assert ready.wait(10)
    second = threading.Thread(target=worker, args=("second",))
    second.start()
    second.join(10)
    release.set()
    first.join(10)
    assert len(taken["first"]) == 2 and len(taken["second"]) == 2
    assert not set(taken["first"]) & set(taken["second"])
    assert jobs.where(done=1).count() == 4


@pytest.mark.databases("postgresql", "mysql")
def test_nowait_fails_at_once_on_a_row_locked_elsewhere(db, jobs):
    job = jobs.find_by(name="job1")
    locked, release, outcome = threading.Event(), threading.Event(), []

    def holder():
        with job.with_lock():
            locked.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(10)
    try:
        other = jobs.find(job.id)
        with pytest.raises(DatabaseError):
            with transaction():
                other.lock(nowait=True)
        with transaction():  # skip_locked: the row is left out, so it is not found
            with pytest.raises(RecordNotFound):
                other.lock(skip_locked=True)
            assert jobs.where(id=job.id).lock(skip_locked=True).to_list() == []
            outcome.append("ok")
    finally:
        release.set()
        thread.join(10)
    assert outcome == ["ok"]
