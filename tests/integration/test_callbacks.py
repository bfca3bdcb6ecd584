"""Callbacks (issue 10, point 2) on every database: the order of one save, create,
update and destroy; around callbacks; halting by Abort before and after the write;
exceptions in after_save with and without a caller's transaction; after_commit /
after_rollback once per record and transaction, savepoints included; registration by
decorator and by name, inheritance, skip_callback; after_initialize / after_find; and
the calls that skip them."""

from __future__ import annotations

import pytest

import activerecord
from activerecord import (
    Abort,
    Model,
    RecordNotSaved,
    after_commit,
    after_create,
    after_destroy,
    after_find,
    after_initialize,
    after_rollback,
    after_save,
    after_update,
    after_validation,
    around_create,
    around_destroy,
    around_save,
    around_update,
    before_create,
    before_destroy,
    before_save,
    before_update,
    before_validation,
    skip_callback,
    transaction,
)
from activerecord.testing import capture_sql

LOG: list[str] = []


class CbPost(Model):
    table_name = "cb_posts"

    before_validation("_log_before_validation")
    after_validation("_log_after_validation")

    def _log_before_validation(self):
        LOG.append("before_validation")

    def _log_after_validation(self):
        LOG.append("after_validation")

    @before_save
    def _b_save(self):
        LOG.append("before_save")

    @around_save
    def _a_save(self):
        LOG.append("around_save before")
        yield
        LOG.append("around_save after")

    @after_save
    def _after_save(self):
        LOG.append("after_save")

    @before_create
    def _b_create(self):
        LOG.append("before_create")

    @around_create
    def _a_create(self):
        LOG.append("around_create before")
        yield
        LOG.append(f"around_create after (id set: {self.id is not None})")

    @after_create
    def _after_create(self):
        LOG.append("after_create")

    @before_update
    def _b_update(self):
        LOG.append("before_update")

    @around_update
    def _a_update(self):
        LOG.append("around_update before")
        yield
        LOG.append("around_update after")

    @after_update
    def _after_update(self):
        LOG.append("after_update")

    @before_destroy
    def _b_destroy(self):
        LOG.append("before_destroy")

    @around_destroy
    def _a_destroy(self):
        LOG.append("around_destroy before")
        yield
        LOG.append("around_destroy after")

    @after_destroy
    def _after_destroy(self):
        LOG.append("after_destroy")

    @after_commit
    def _after_commit(self):
        LOG.append("after_commit")

    @after_rollback
    def _after_rollback(self):
        LOG.append("after_rollback")


@pytest.fixture
def posts(db, make_table):
    make_table("cb_posts", id="pk", title="string(40) NOT NULL", body="text",
               status="string(10)")
    for model in (CbPost, CbHalt, CbAudited, CbChild):
        model.reset_column_information()
    LOG.clear()
    yield CbPost
    LOG.clear()


CREATE_ORDER = [
    "before_validation", "after_validation", "before_save", "around_save before",
    "before_create", "around_create before", "around_create after (id set: True)",
    "after_create", "around_save after", "after_save", "after_commit",
]
UPDATE_ORDER = [
    "before_validation", "after_validation", "before_save", "around_save before",
    "before_update", "around_update before", "around_update after", "after_update",
    "around_save after", "after_save", "after_commit",
]
DESTROY_ORDER = ["before_destroy", "around_destroy before", "around_destroy after",
                 "after_destroy", "after_commit"]


def test_the_order_of_create_update_and_destroy(db, posts):
    post = CbPost.create(title="a")
    assert LOG == CREATE_ORDER
    LOG.clear()
    post.update(title="b")
    assert LOG == UPDATE_ORDER
    LOG.clear()
    assert post.destroy() is post
    assert LOG == DESTROY_ORDER and CbPost.count() == 0


def test_the_write_runs_inside_the_callbacks_and_the_transaction(db, posts):
    seen = []

    class Watched(CbPost):
        @before_save
        def _in_tx(self):
            seen.append(("before_save", db.in_transaction, CbPost.count()))

        @after_save
        def _row_there(self):
            seen.append(("after_save", db.in_transaction, CbPost.count()))

    Watched.create(title="x")
    assert seen == [("before_save", True, 0), ("after_save", True, 1)]


def test_an_unchanged_save_still_runs_the_save_callbacks_and_sends_nothing(db, posts):
    post = CbPost.create(title="a")
    LOG.clear()
    with capture_sql() as sql:
        assert post.save()
    assert sql == []  # the lazy transaction never began: no BEGIN, no UPDATE
    assert LOG == UPDATE_ORDER  # as Rails: the update callbacks run, with nothing to write


# -- halting ----------------------------------------------------------------------------
class CbHalt(Model):
    table_name = "cb_posts"
    halt_at = ""

    @before_save
    def _maybe_before(self):
        if self.halt_at == "before_save":
            raise Abort

    @after_save
    def _maybe_after(self):
        if self.halt_at == "after_save":
            raise Abort
        if self.halt_at == "boom":
            raise RuntimeError("boom in after_save")

    @before_destroy
    def _maybe_destroy(self):
        if self.halt_at == "before_destroy":
            raise Abort

    @after_destroy
    def _maybe_after_destroy(self):
        if self.halt_at == "after_destroy":
            raise Abort


def test_abort_before_the_write_returns_false_and_sends_nothing(db, posts):
    post = CbHalt(title="a")
    post.halt_at = "before_save"
    with capture_sql() as sql:
        assert post.save() is False
    assert sql == [] and post.new_record and CbPost.count() == 0
    with pytest.raises(RecordNotSaved) as exc:
        post.save(raise_on_invalid=True)
    assert exc.value.record is post


def test_create_raises_record_not_saved_when_a_callback_aborts(db, posts):
    class Refused(CbHalt):
        @before_create
        def _no(self):
            raise Abort

    with pytest.raises(RecordNotSaved):
        Refused.create(title="a")
    assert CbPost.count() == 0


def test_abort_after_the_write_rolls_the_saves_own_transaction_back(db, posts):
    post = CbHalt(title="a")
    post.halt_at = "after_save"
    assert post.save() is False
    assert CbPost.count() == 0  # the INSERT was rolled back
    assert post.new_record and post.id is None and post.changed == ["title"]
    post.halt_at = ""
    assert post.save() and CbPost.count() == 1  # a retry writes it


def test_an_exception_in_after_save_rolls_back_and_restores_the_record(db, posts):
    post = CbHalt.create(title="a")
    post.halt_at, post.title = "boom", "b"
    with pytest.raises(RuntimeError, match="boom"):
        post.save()
    assert CbPost.find(post.id).title == "a"
    assert post.title == "b" and post.changes == {"title": ("a", "b")}
    fresh = CbHalt(title="new")
    fresh.halt_at = "boom"
    with pytest.raises(RuntimeError):
        fresh.save()
    assert fresh.new_record and fresh.id is None and CbPost.count() == 1


def test_inside_a_callers_transaction_the_exception_propagates_and_the_caller_decides(
        db, posts):
    post = CbHalt(title="kept")
    post.halt_at = "boom"
    with transaction():
        with pytest.raises(RuntimeError):
            post.save()
        # the caller caught it inside its block: its transaction commits the row
    assert CbPost.pluck("title") == ["kept"]
    other = CbHalt(title="gone")
    other.halt_at = "boom"
    with pytest.raises(RuntimeError):
        with transaction():
            other.save()
    assert CbPost.pluck("title") == ["kept"] and other.new_record


def test_abort_in_destroy_callbacks_returns_false_and_deletes_nothing(db, posts):
    post = CbHalt.create(title="a")
    post.halt_at = "before_destroy"
    assert post.destroy() is False and not post.destroyed and CbPost.count() == 1
    post.halt_at = "after_destroy"
    assert post.destroy() is False and CbPost.count() == 1 and not post.destroyed


def test_an_around_callback_that_does_not_yield_halts(db, posts):
    class Lazy(CbHalt):
        @around_save
        def _never(self):
            if False:
                yield

    assert Lazy(title="a").save() is False and CbPost.count() == 0


# -- after_commit / after_rollback -------------------------------------------------------
def test_after_commit_runs_once_per_record_after_the_outermost_commit(db, posts):
    with transaction():
        post = CbPost.create(title="a")
        post.update(title="b")
        with transaction():
            post.update(title="c")
        assert "after_commit" not in LOG
    assert LOG.count("after_commit") == 1 and LOG[-1] == "after_commit"
    assert "after_rollback" not in LOG


def test_a_rolled_back_savepoint_gives_after_rollback_and_never_after_commit(db, posts):
    with transaction():
        kept = CbPost.create(title="kept")
        try:
            with transaction():
                lost = CbPost.create(title="lost")
                raise RuntimeError
        except RuntimeError:
            pass
        assert lost.new_record and lost.id is None  # its state restored at once
        assert "after_rollback" not in LOG  # not before the outermost transaction ends
    assert LOG.count("after_commit") == 1 and LOG.count("after_rollback") == 1
    assert CbPost.pluck("title") == ["kept"] and kept.persisted


def test_a_full_rollback_runs_after_rollback_of_every_record(db, posts):
    with pytest.raises(RuntimeError):
        with transaction():
            CbPost.create(title="a")
            CbPost.create(title="b")
            raise RuntimeError
    assert LOG.count("after_rollback") == 2 and "after_commit" not in LOG


def test_on_filters_what_the_transaction_did(db, posts):
    events: list[tuple[str, str]] = []

    class Tracked(CbPost):
        @after_commit(on="create")
        def _created(self):
            events.append(("create", self.title))

        @after_commit(on=["update", "destroy"])
        def _changed(self):
            events.append(("update/destroy", self.title))

        @after_rollback(on="destroy")
        def _destroy_undone(self):
            events.append(("destroy rolled back", self.title))

    post = Tracked.create(title="a")
    with transaction():
        post.update(title="b")
        Tracked.create(title="c").update(title="d")  # created in this transaction
    post.destroy()
    again = Tracked.create(title="e")
    with pytest.raises(RuntimeError):
        with transaction():
            again.destroy()
            raise RuntimeError
    assert events == [("create", "a"), ("update/destroy", "b"), ("create", "d"),
                      ("update/destroy", "b"), ("create", "e"),
                      ("destroy rolled back", "e")]
    assert not again.destroyed


def test_record_and_database_after_commit_callbacks_run_in_registration_order(db, posts):
    order = []

    class Noted(CbPost):
        @after_commit
        def _noted(self):
            order.append(f"record {self.title}")

    with transaction():
        db.after_commit(lambda: order.append("first"))
        Noted.create(title="a")
        db.after_commit(lambda: order.append("last"))
    assert order == ["first", "record a", "last"]


# -- declaring ----------------------------------------------------------------------------
class CbAudited(Model):
    table_name = "cb_posts"
    trail: list[str] = []

    before_save("_first", prepend=False)
    before_save(lambda r: r.trail.append("lambda"))

    @before_save(if_="_loud", unless=lambda r: r.title == "quiet")
    def _shout(self):
        self.trail.append("shout")

    @before_save(prepend=True)
    def _zeroth(self):
        self.trail.append("zeroth")

    def _first(self):
        self.trail.append("first")

    def _loud(self):
        return self.body == "loud"


class CbChild(CbAudited):
    skip_callback("save", "before", "_first")

    @before_save
    def _own(self):
        self.trail.append("child")


def test_definition_order_prepend_conditions_and_inheritance(db, posts):
    CbAudited.trail = []
    CbAudited.create(title="a", body="loud")
    assert CbAudited.trail == ["zeroth", "first", "lambda", "shout"]
    CbAudited.trail = []
    CbAudited.create(title="quiet", body="loud")
    assert CbAudited.trail == ["zeroth", "first", "lambda"]
    CbAudited.trail = []
    CbChild.create(title="b")
    assert CbAudited.trail == ["zeroth", "lambda", "child"]  # _first skipped
    CbAudited.trail = []
    CbAudited.create(title="c")
    assert CbAudited.trail == ["zeroth", "first", "lambda"]  # the parent keeps it


def test_skipping_an_unknown_callback_names_the_declared_ones(db, posts):
    with pytest.raises(ValueError, match="no before_save callback 'nope'.*_first"):
        class Broken(CbAudited):
            skip_callback("before_save", "nope")


def test_set_callback_and_skip_callback_on_an_existing_model(db, posts):
    class Later(Model):
        table_name = "cb_posts"
    seen = []
    Later.set_callback("after_create", lambda r: seen.append(r.title))
    Later.create(title="a")
    Later.skip_callback("create", "after", Later.callbacks("after_create")[0].target)
    Later.create(title="b")
    assert seen == ["a"]
    with pytest.raises(ValueError, match="unknown callback 'before_sav'"):
        Later.set_callback("before_sav", lambda r: None)
    with pytest.raises(TypeError, match="class body"):
        before_save(lambda r: None)


def test_after_initialize_and_after_find(db, posts):
    seen = []

    class Loaded(Model):
        table_name = "cb_posts"

        @after_initialize
        def _init(self):
            seen.append(("init", self.new_record))

        @after_find
        def _found(self):
            seen.append(("find", self.title))

    Loaded(title="new")
    assert seen == [("init", True)]
    Loaded.create(title="a")
    seen.clear()
    Loaded.where(title="a").to_list()
    Loaded.first()
    assert seen == [("find", "a"), ("init", False)] * 2


# -- what skips them -----------------------------------------------------------------------
def test_validate_false_skips_validations_not_callbacks(db, posts):
    post = CbPost(title="a")
    assert post.save(validate=False)
    assert "before_validation" not in LOG and "before_save" in LOG


def test_update_columns_update_all_and_delete_skip_callbacks(db, posts):
    post = CbPost.create(title="a", body="x")
    LOG.clear()
    post.body = "pending"
    assert post.update_columns(title="b") is True
    assert CbPost.find(post.id).title == "b" and CbPost.find(post.id).body == "x"
    assert post.changed == ["body"]  # other pending changes stay
    assert post.update_column("status", "live")
    CbPost.where(id=post.id).update_all(status="done")
    post.delete()
    assert LOG == [] and CbPost.count() == 0
    with pytest.raises(RecordNotSaved):
        CbPost(title="new").update_columns(title="x")


def test_after_create_commit_and_friends_are_after_commit_with_on(db, posts):
    seen = []

    class Short(Model):
        table_name = "cb_posts"
        activerecord.after_create_commit(lambda r: seen.append(("create", r.title)))
        activerecord.after_update_commit(lambda r: seen.append(("update", r.title)))
        activerecord.after_save_commit(lambda r: seen.append(("save", r.title)))
        activerecord.after_destroy_commit(lambda r: seen.append(("destroy", r.title)))

    post = Short.create(title="a")
    post.update(title="b")
    post.destroy()
    assert seen == [("create", "a"), ("save", "a"), ("update", "b"), ("save", "b"),
                    ("destroy", "b")]


def test_a_failing_after_commit_is_raised_after_the_commit_and_others_still_run(db, posts):
    ran = []

    class Loud(Model):
        table_name = "cb_posts"

        @after_commit
        def _fail(self):
            ran.append(self.title)
            raise RuntimeError("mailer down")

    with pytest.raises(activerecord.AfterCommitError) as exc:
        with transaction():
            Loud.create(title="a")
            Loud.create(title="b")
    assert ran == ["a", "b"] and len(exc.value.errors) == 2
    assert CbPost.count() == 2  # committed: only the callbacks failed


def test_a_failing_after_rollback_is_logged_not_raised(db, posts, caplog):
    class Sloppy(Model):
        table_name = "cb_posts"

        @after_rollback
        def _fail(self):
            raise RuntimeError("cleanup failed")

    with pytest.raises(ValueError, match="the real error"):
        with transaction():
            Sloppy.create(title="a")
            raise ValueError("the real error")
    assert "after_rollback callback" in caplog.text and CbPost.count() == 0


class CbVersioned(Model):
    table_name = "cb_versioned"
    fail = False

    @after_save
    def _maybe_fail(self):
        if self.fail:
            raise RuntimeError("after the UPDATE")


def test_a_rolled_back_save_gives_back_the_lock_version_too(db, make_table, posts):
    make_table("cb_versioned", id="pk", title="string(20)", lock_version="int")
    CbVersioned.reset_column_information()
    doc = CbVersioned.create(title="a")
    doc.fail, doc.title = True, "b"
    with pytest.raises(RuntimeError):
        doc.save()
    assert doc.lock_version == 0 and doc.changes == {"title": ("a", "b")}
    assert CbVersioned.find(doc.id).lock_version == 0
    doc.fail = False
    assert doc.save() and doc.lock_version == 1  # the retry is not stale
    assert CbVersioned.find(doc.id).title == "b"
