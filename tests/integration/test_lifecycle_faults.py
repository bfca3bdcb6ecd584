"""Faults in the record lifecycle found by review (issue 10), each pinned on every
database: connections never go back to the pool inside a transaction, a halted save
inside a caller's transaction writes nothing, PostgreSQL's aborted transactions are
not reported as committed, the transaction callbacks see what the transaction did,
and the validations and callbacks behave as Rails' where the first version did not."""

from __future__ import annotations

import asyncio
import math
import threading

import pytest

import activerecord
from activerecord import (
    Abort,
    Model,
    RecordInvalid,
    TransactionError,
    after_commit,
    after_create,
    after_destroy_commit,
    after_rollback,
    after_save,
    before_create,
    before_save,
    belongs_to,
    events,
    has_many,
    transaction,
    validate,
    validates,
    validates_associated,
)
from activerecord.testing import capture_sql

LOG: list = []


class LfPost(Model):
    table_name = "lf_posts"

    @after_commit
    def _committed(self):
        LOG.append(("commit", self.title))

    @after_rollback
    def _rolled_back(self):
        LOG.append(("rollback", self.title))

    @after_rollback(on="create")
    def _create_undone(self):
        LOG.append(("create undone", self.title))


@pytest.fixture
def posts(db, make_table):
    make_table("lf_posts", id="pk", title="string(40) NOT NULL", token="string(40)")
    LfPost.reset_column_information()
    LOG.clear()
    yield LfPost
    LOG.clear()


def _in_transaction(db, conn) -> bool:
    # The driver's own word on whether the connection is inside a transaction.
    if db.adapter.name == "sqlite":
        return conn.in_transaction
    if db.adapter.name == "postgresql":
        return conn.info.transaction_status != 0
    return bool(conn.server_status & 1)  # MySQL's SERVER_STATUS_IN_TRANS


def _idle_connections_in_transaction(db) -> list[bool]:
    size = db.pool.stats()["idle"]
    conns = [db.pool.checkout() for _ in range(size)]
    try:
        return [_in_transaction(db, c) for c in conns]
    finally:
        for conn in conns:
            db.pool.checkin(conn)


# -- connections ----------------------------------------------------------------------
def test_a_failure_right_after_a_lazy_begin_never_returns_the_connection_in_it(db, posts):
    def boom(event):
        if event.sql.startswith("BEGIN"):
            raise RuntimeError("a subscriber failed after the BEGIN ran")

    with events.subscribed("sql", boom):
        with pytest.raises(RuntimeError):
            LfPost.create(title="a")
    assert not any(_idle_connections_in_transaction(db))
    assert LfPost.create(title="b").persisted and LfPost.pluck("title") == ["b"]


def test_a_task_created_inside_a_save_does_not_use_its_ended_transaction(db, posts):
    tasks = []

    class Spawner(LfPost):
        @before_save
        def _spawn(self):
            async def later():
                await asyncio.sleep(0)
                return db.in_transaction, LfPost.create(title="from the task").persisted
            tasks.append(asyncio.get_running_loop().create_task(later()))

    async def main():
        Spawner(title="x").save()
        return await asyncio.gather(*tasks)

    assert asyncio.run(main()) == [(False, True)]
    assert sorted(LfPost.pluck("title")) == ["from the task", "x"]
    assert not any(_idle_connections_in_transaction(db))


def test_a_generator_closed_in_another_thread_still_returns_its_connection(db, posts):
    before = db.pool.stats()["in_use"]

    def rows():
        with transaction():
            LfPost.create(title="in the generator")
            yield 1
            yield 2

    gen = rows()
    next(gen)
    closer = threading.Thread(target=gen.close)
    closer.start()
    closer.join(10)
    assert db.pool.stats()["in_use"] == before


@pytest.mark.databases("postgresql")
def test_postgresql_an_aborted_transaction_is_reported_not_silently_rolled_back(db, posts):
    with pytest.raises(TransactionError, match="aborted"):
        with transaction():
            post = LfPost.create(title="lost")
            with pytest.raises(activerecord.DatabaseError):
                db.execute("INSERT INTO lf_posts (title) VALUES (NULL)")
            # caught here: PostgreSQL would answer COMMIT with a ROLLBACK
    assert LfPost.count() == 0 and post.new_record and post.id is None
    assert ("commit", "lost") not in LOG and ("rollback", "lost") in LOG


# -- halted saves inside a caller's transaction -----------------------------------------
class LfHalting(Model):
    table_name = "lf_posts"

    @after_save
    def _halt(self):
        raise Abort


def test_an_abort_after_the_write_in_a_callers_transaction_writes_nothing(db, posts):
    with transaction():
        kept = LfPost.create(title="kept")
        halted = LfHalting(title="halted")
        assert halted.save() is False
        assert halted.new_record and halted.id is None
    assert LfPost.pluck("title") == ["kept"] and kept.persisted


def test_a_statement_failing_in_a_callers_transaction_leaves_it_usable(db, posts):
    with transaction():
        LfPost.create(title="kept")
        bad = LfHalting(title=None)
        with pytest.raises(activerecord.NotNullViolation):
            bad.save(validate=False)  # in its savepoint: PostgreSQL's stays usable
        assert bad.new_record
        LfPost.create(title="after")
    assert sorted(LfPost.pluck("title")) == ["after", "kept"]


def test_reading_a_collection_in_a_callback_keeps_the_records_to_be_saved(db, artists):
    counts = []

    class Counting(LfArtist):
        @after_create
        def _count(self):
            counts.append(len(self.albums))  # the owner's key changed: a new proxy

    artist = Counting(name="A")
    artist.albums.build(title="one")
    artist.albums.build(title="two")
    assert artist.save() and counts == [2]
    assert sorted(LfAlbum.where(artist_id=artist.id).pluck("title")) == ["one", "two"]


def test_a_retry_after_a_halted_child_saves_the_children(db, artists):
    artist = LfArtist(name="A")
    album = artist.albums.build(title="x")
    album.halt = True
    assert artist.save() is False
    album.halt = False
    assert artist.save() and LfAlbum.where(artist_id=artist.id).pluck("title") == ["x"]


# -- transaction callbacks -------------------------------------------------------------
def test_a_full_rollback_keeps_every_level_s_actions(db, posts):
    with pytest.raises(RuntimeError):
        with transaction():
            post = LfPost.create(title="a")
            with transaction():
                post.update(title="b")
                raise RuntimeError
    # (the record keeps its values after a rollback, as in Rails: its title is "b")
    assert ("create undone", "b") in LOG and LOG.count(("rollback", "b")) == 1


def test_a_savepoint_rolled_back_then_written_again_gets_both_callbacks(db, posts):
    with transaction():
        post = LfPost(title="d")
        with transaction():
            post.save()
            raise activerecord.Rollback
        assert post.new_record
        post.save()
    assert ("rollback", "d") in LOG and ("commit", "d") in LOG
    assert LfPost.pluck("title") == ["d"]


def test_the_commit_action_is_what_the_transaction_did_not_what_callbacks_did(db, posts):
    seen = []

    class Sequenced(Model):
        table_name = "lf_posts"
        other = None

        @activerecord.after_create_commit
        def _created(self):
            seen.append(("create", self.title))
            if self.title == "a":
                type(self).other.destroy()  # another record of the same commit

        @after_destroy_commit
        def _gone(self):
            seen.append(("destroy", self.title))

    with transaction():
        Sequenced.create(title="a")
        Sequenced.other = Sequenced.create(title="b")
    # b's destroy (in a's callback, its own transaction) commits at once; b's
    # create commit still says create: the outcome was fixed at the COMMIT
    assert seen == [("create", "a"), ("destroy", "b"), ("create", "b")]


def test_destroy_commit_callbacks_only_when_a_row_was_deleted(db, posts):
    seen = []

    class Gone(Model):
        table_name = "lf_posts"
        after_destroy_commit(lambda r: seen.append(r.title))

    Gone(title="never saved").destroy()
    post = Gone.create(title="x")
    Gone.where(id=post.id).delete_all()
    post.destroy()  # its row was already gone
    real = Gone.create(title="real")
    real.destroy()
    assert seen == ["real"]


def test_an_exception_in_after_create_still_runs_after_rollback(db, posts):
    class Failing(LfPost):
        @after_create
        def _fail(self):
            raise ValueError("after the INSERT")

    with pytest.raises(ValueError):
        Failing.create(title="f")
    assert ("rollback", "f") in LOG and LfPost.count() == 0


# -- callbacks ---------------------------------------------------------------------------
def test_a_before_create_may_fill_a_not_null_column(db, make_table, posts):
    make_table("lf_tokens", id="pk", email="string(40) NOT NULL",
               token="string(40) NOT NULL")

    class Tokened(Model):
        table_name = "lf_tokens"

        @before_create
        def _token(self):
            self.token = "t-" + self.email

    class Untokened(Model):
        table_name = "lf_tokens"

    assert Tokened.create(email="a@b").token == "t-a@b"
    plain = Untokened(email="c@d")
    assert not plain.valid() and plain.save() is False
    assert plain.errors.full_messages == ["Token can't be blank"]


def test_a_subclass_override_of_a_decorated_callback_is_the_one_called(db, posts):
    class Parent(Model):
        table_name = "lf_posts"

        @before_save
        def _fill(self):
            self.token = "parent"

    class Child(Parent):
        def _fill(self):
            self.token = "child"

    assert Child.create(title="c").token == "child"
    assert Parent.create(title="p").token == "parent"


def test_declarations_in_a_plain_mixin_class_apply(db, posts):
    class Tokenized:
        validates("title", length={"minimum": 3})

        @before_save
        def _tokenize(self):
            self.token = self.title.upper()

    class Mixed(Tokenized, Model):
        table_name = "lf_posts"

    assert not Mixed(title="ab").valid()
    assert Mixed.create(title="abc").token == "ABC"


def test_abort_in_a_validate_method_makes_save_return_false(db, posts):
    class Refusing(Model):
        table_name = "lf_posts"

        @validate
        def _no(self):
            raise Abort

    assert Refusing(title="x").save() is False and LfPost.count() == 0


# -- validations ---------------------------------------------------------------------------
def test_a_column_named_like_a_model_method_is_validated_by_its_value(db, make_table):
    make_table("lf_flags", id="pk", valid="bool", errors="string(10)")

    class Flag(Model):
        table_name = "lf_flags"
        validates("valid", inclusion=[True, False])

    assert Flag(valid=True).valid()
    flag = Flag()
    flag.write_attribute("valid", None)
    assert flag.invalid() and flag.errors.details["valid"][0]["error"] == "inclusion"


def test_non_finite_numbers_are_not_numbers(db, make_table):
    make_table("lf_zips", id="pk", zip="string(10)")

    class Zip(Model):
        table_name = "lf_zips"
        validates("zip", numericality={"greater_than": 5})

    for text in ("NaN", "Infinity", "-inf"):
        z = Zip(zip=text)
        assert not z.valid() and z.errors.details["zip"][0]["error"] == "not_a_number"
    assert math.isfinite(6) and Zip(zip="6").valid()


def test_value_is_interpolated_in_every_message(db, posts):
    class Short(Model):
        table_name = "lf_posts"
        validates("title", length={"minimum": 3, "message": "is {value}: too short"})

    s = Short(title="ab")
    s.valid()
    assert s.errors["title"] == ["is ab: too short"]


def test_uniqueness_on_a_table_without_a_primary_key(db, make_table):
    make_table("lf_tags", name="string(20)")

    class Tag(Model):
        table_name = "lf_tags"
        validates("name", uniqueness=True)

    db.execute("INSERT INTO lf_tags (name) VALUES ('a')")
    assert not Tag(name="a").valid() and Tag(name="b").valid()


class LfArtist(Model):
    table_name = "lf_artists"
    albums = has_many("LfAlbum", foreign_key="artist_id")


class LfAlbum(Model):
    table_name = "lf_albums"
    artist = belongs_to("LfArtist", foreign_key="artist_id")
    validates_associated("artist")
    halt = False

    @before_save
    def _maybe_halt(self):
        if self.halt:
            raise Abort


@pytest.fixture
def artists(db, make_table):
    make_table("lf_artists", id="pk", name="string(20) NOT NULL")
    make_table("lf_albums", id="pk", title="string(20) NOT NULL", artist_id="int NOT NULL")
    LfArtist.reset_column_information()
    LfAlbum.reset_column_information()


def test_a_child_halting_its_save_makes_the_owners_save_return_false(db, artists):
    artist = LfArtist(name="A")
    album = artist.albums.build(title="bad")
    album.halt = True
    assert artist.save() is False
    assert artist.errors.details == {"albums": [{"error": "invalid"}]}
    assert LfArtist.count() == 0 and LfAlbum.count() == 0 and artist.new_record
    with pytest.raises(RecordInvalid):
        artist.save(raise_on_invalid=True)


def test_associated_records_validating_each_other_do_not_recurse(db, artists):
    artist = LfArtist(name="A")
    artist.albums.build(title="ok")
    assert artist.save() and LfAlbum.count() == 1


@pytest.mark.databases("mysql")
def test_mariadb_case_sensitive_uniqueness_compares_bytes(db, make_table):
    make_table("lf_codes", id="pk", code="string(20) NOT NULL")

    class Code(Model):
        table_name = "lf_codes"
        validates("code", uniqueness={"case_sensitive": True})

    Code.create(code="Ann")
    with capture_sql() as sql:
        assert Code(code="ann").valid()
    assert "BINARY" in sql[0]
    assert not Code(code="Ann").valid()


# -- second review ------------------------------------------------------------------------
class LfProfile(Model):
    table_name = "lf_profiles"


class LfUser(Model):
    table_name = "lf_users"
    profile = activerecord.has_one("LfProfile", foreign_key="user_id")

    @after_create
    def _peek(self):
        self.profile  # read mid-save, once the INSERT gave the owner its key


@pytest.fixture
def users(db, make_table):
    make_table("lf_users", id="pk", name="string(20)")
    make_table("lf_profiles", id="pk", bio="string(20)", user_id="int")
    LfUser.reset_column_information()
    LfProfile.reset_column_information()


def test_a_has_one_read_in_after_create_is_still_saved(db, users):
    user = LfUser(name="n", profile=LfProfile(bio="hello"))
    assert user.save()
    assert LfProfile.where(user_id=user.id).pluck("bio") == ["hello"]


def test_assigned_saved_records_read_mid_save_are_still_saved(db, artists):
    counts = []

    class Reading(LfArtist):
        @after_create
        def _count(self):
            counts.append(len(list(self.albums)))

    old = LfAlbum.create(title="old", artist=LfArtist.create(name="first"))
    artist = Reading(name="A", albums=[old, LfAlbum(title="new")])
    assert artist.save() and counts == [2]
    assert sorted(LfAlbum.where(artist_id=artist.id).pluck("title")) == ["new", "old"]


class LfKeeper(Model):
    table_name = "lf_albums"

    @activerecord.before_destroy
    def _keep(self):
        if self.title == "keep":
            raise Abort


class LfLabel(Model):
    table_name = "lf_artists"
    albums = has_many("LfKeeper", foreign_key="artist_id", dependent="destroy")


def test_a_halted_dependent_destroy_stops_the_owners_destroy(db, artists):
    label = LfLabel.create(name="L")
    LfKeeper.create(title="keep", artist_id=label.id)
    LfKeeper.create(title="drop", artist_id=label.id)
    with pytest.raises(activerecord.RecordNotDestroyed) as exc:
        label.destroy()
    assert exc.value.record.title == "keep" and not label.destroyed
    assert LfArtist.count() == 1 and LfAlbum.count() == 2  # all rolled back
    with pytest.raises(activerecord.RecordNotDestroyed):
        label.albums.destroy_all()
    assert LfAlbum.count() == 2


def test_in_a_callers_transaction_a_saved_invalid_child_of_a_new_owner_writes_nothing(
        db, artists):
    class Strict(LfAlbum):
        validates("title", length={"minimum": 3})

    class Owner(LfArtist):
        albums = has_many("Strict", foreign_key="artist_id")

    first = LfArtist.create(name="first")
    old = Strict.create(title="long enough", artist_id=first.id)
    old.update_columns(title="x")
    old = Strict.find(old.id)
    with transaction():
        owner = Owner(name="new", albums=[old])
        assert owner.save() is False and owner.new_record
    assert LfArtist.pluck("name") == ["first"]


def test_create_halted_after_its_write_in_a_callers_transaction_writes_nothing(db, posts):
    with transaction():
        with pytest.raises(activerecord.RecordNotSaved) as exc:
            LfHalting.create(title="draft")
        assert exc.value.record.new_record
    assert LfPost.count() == 0


def test_a_changed_key_is_checked_even_after_the_parent_was_loaded(db, artists):
    album = LfAlbum.create(title="t", artist=LfArtist.create(name="a"))
    album = LfAlbum.find(album.id)
    album.artist  # loaded
    album.artist_id = 999
    assert not album.valid() and album.errors.details == {"artist": [{"error": "required"}]}
    assert album.save() is False


def test_a_destroy_that_deletes_no_row_leaves_counter_caches_alone(db, make_table):
    make_table("lf_shops", id="pk", items_count="int NOT NULL DEFAULT 0")
    make_table("lf_items", id="pk", shop_id="int")

    class Shop(Model):
        table_name = "lf_shops"

    class Item(Model):
        table_name = "lf_items"
        shop = belongs_to("Shop", counter_cache="items_count")

    shop = Shop.create()
    item = Item.create(shop=shop)
    twin = Item.find(item.id)
    item.destroy()
    twin.destroy()  # its row was already gone
    assert Shop.find(shop.id).items_count == 0


def test_case_insensitive_uniqueness_lowers_both_sides_in_sql(db, make_table):
    make_table("lf_cities", id="pk", name="string(40)")

    class City(Model):
        table_name = "lf_cities"
        validates("name", uniqueness={"case_sensitive": False})

    City.create(name="İzmir")
    assert not City(name="İzmir").valid()  # the very same text is always taken
    with capture_sql() as sql:
        City(name="Ankara").valid()
    assert sql[0].upper().count("LOWER(") == 2


def test_uniqueness_of_an_enum_compares_stored_values(db, make_table):
    make_table("lf_states", id="pk", status="int", kind="string(5)")

    class State(Model):
        table_name = "lf_states"
        status = activerecord.enum({"draft": 0, "published": 1})
        kind = activerecord.enum({"memo": "m", "post": "p"})
        validates("status", uniqueness={"case_sensitive": False})
        validates("kind", uniqueness={"case_sensitive": False})

    State.create(status="draft", kind="memo")
    again = State(status="draft", kind="memo")
    assert not again.valid() and set(again.errors.details) == {"status", "kind"}
    assert State(status="published", kind="post").valid()


def test_presence_and_absence_of_a_has_many(db, artists):
    class Needy(LfArtist):
        validates("albums", presence=True)

    needy = Needy(name="n")
    assert not needy.valid() and needy.errors.full_messages == ["Albums can't be blank"]
    needy.albums.build(title="one")
    assert needy.valid()


@pytest.mark.databases("postgresql")
def test_a_retry_after_a_rollback_leaves_identity_columns_to_the_database(db, make_table):
    make_table("lf_seq", id="pk", seq="int GENERATED ALWAYS AS IDENTITY", n="int")

    class Seq(Model):
        table_name = "lf_seq"

        @after_save
        def _unlucky(self):
            if self.n == 13:
                raise RuntimeError("unlucky")

    record = Seq(n=13)
    with pytest.raises(RuntimeError):
        record.save()
    assert record.new_record and record.seq is None and record.changed == ["n"]
    record.n = 1
    assert record.save() and record.seq is not None


def test_every_after_commit_of_a_record_runs_when_one_fails(db, posts):
    ran = []

    class Twice(Model):
        table_name = "lf_posts"

        @after_commit
        def _one(self):
            ran.append("one")
            raise ValueError("one failed")

        @after_commit
        def _two(self):
            ran.append("two")

    with pytest.raises(activerecord.AfterCommitError):
        Twice.create(title="x")
    assert ran == ["one", "two"] and LfPost.count() == 1


def test_confirmation_honours_allow_blank(db, posts):
    class Confirmed(Model):
        table_name = "lf_posts"
        validates("token", confirmation=True, allow_blank=True)

    c = Confirmed(title="t", token="")
    c.token_confirmation = "zzz"
    assert c.valid()


def test_a_key_moved_by_before_update_moves_the_counter_caches(db, make_table):
    make_table("lf_shops", id="pk", items_count="int NOT NULL DEFAULT 0")
    make_table("lf_items", id="pk", shop_id="int", note="string(10)")

    class Shop(Model):
        table_name = "lf_shops"

    class Item(Model):
        table_name = "lf_items"
        shop = belongs_to("Shop", counter_cache="items_count")
        target = None

        @activerecord.before_update
        def _move(self):
            if type(self).target is not None:
                self.shop_id = type(self).target

    first, second = Shop.create(), Shop.create()
    item = Item.create(shop=first)
    Item.target = second.id
    item.update(note="moved")
    assert [Shop.find(s.id).items_count for s in (first, second)] == [0, 1]


def test_collection_writers_keep_the_counter_cache(db, make_table):
    make_table("lf_shops", id="pk", items_count="int NOT NULL DEFAULT 0")
    make_table("lf_items", id="pk", shop_id="int", note="string(10)")

    class Item(Model):
        table_name = "lf_items"
        shop = belongs_to("Shop", counter_cache="items_count")

    class Shop(Model):
        table_name = "lf_shops"
        items = has_many("Item", foreign_key="shop_id")

    shop = Shop.create()
    shop.items.add(Item(note="a"), Item(note="b"), Item(note="c"))
    assert Shop.find(shop.id).items_count == 3
    shop.items.remove(shop.items[0])
    assert Shop.find(shop.id).items_count == 2 == Item.where(shop_id=shop.id).count()
    shop.items.replace([shop.items[0]])
    assert Shop.find(shop.id).items_count == 1 == Item.where(shop_id=shop.id).count()
    shop.items.delete_all()
    assert Shop.find(shop.id).items_count == 0 == Item.where(shop_id=shop.id).count()
    assert shop.items_count == 0


# -- third review ---------------------------------------------------------------------
def test_uniqueness_with_conditions_checks_an_unchanged_record(db, make_table):
    make_table("lf_subs", id="pk", user_id="int NOT NULL", active="bool NOT NULL")

    class Sub(Model):
        table_name = "lf_subs"
        validates("user_id", uniqueness={"conditions": lambda q: q.where(active=True)})

    old = Sub.create(user_id=1, active=False)
    Sub.create(user_id=1, active=True)
    assert old.update(active=True) is False
    assert old.errors.full_messages == ["User has already been taken"]
    assert Sub.where(user_id=1, active=True).count() == 1


def test_a_halted_dependent_destroy_in_a_callers_transaction_undoes_the_others(
        db, artists):
    label = LfLabel.create(name="L")
    for title in ("t1", "keep", "t3"):
        LfKeeper.create(title=title, artist_id=label.id)
    with transaction():
        with pytest.raises(activerecord.RecordNotDestroyed):
            label.destroy()
    assert LfArtist.count() == 1 and sorted(LfAlbum.pluck("title")) == ["keep", "t1", "t3"]


def test_blank_form_fields_are_none_for_numbers_dates_and_booleans(db, make_table):
    make_table("lf_people", id="pk", name="string(20)", age="int", born="date",
               price="decimal(8,2)", vip="bool")

    class Person(Model):
        table_name = "lf_people"

    person = Person.new_from({"name": "", "age": "", "born": " ", "price": "", "vip": ""},
                             permit=["name", "age", "born", "price", "vip"])
    assert (person.name, person.age, person.born, person.price, person.vip) == \
        ("", None, None, None, None)
    assert person.save() and Person.find(person.id).age is None


def test_infer_validations_except_leaves_a_trigger_filled_column_alone(db, posts):
    class Skipping(Model):
        table_name = "lf_posts"
        infer_validations_except = ("title",)

    s = Skipping(token="x" * 41)
    assert not s.valid()  # the other columns are still checked (token: 40 chars)
    assert list(s.errors.details) == ["token"]


def test_a_failed_collection_create_leaves_the_collection_as_it_was(db, artists):
    class Titled(LfAlbum):
        validates("title", length={"minimum": 2})

    class Band(LfArtist):
        albums = has_many("Titled", foreign_key="artist_id")

    band = Band.create(name="Queen")
    with pytest.raises(RecordInvalid):
        band.albums.create(title="x")
    band.name = "Queen (band)"
    assert band.save() and band.albums.size() == 0


def test_pickling_an_owner_keeps_its_unsaved_records(db, artists):
    import pickle

    artist = LfArtist.create(name="Blur")
    artist.albums.build(title="Parklife")
    copy_ = pickle.loads(pickle.dumps(artist))
    assert copy_.save() and LfAlbum.where(artist_id=artist.id).pluck("title") == ["Parklife"]


def test_two_instances_of_one_row_get_one_after_commit(db, posts):
    sent = []

    class Mailed(Model):
        table_name = "lf_posts"
        activerecord.after_update_commit(lambda r: sent.append(r.token))

    post = Mailed.create(title="t")
    with transaction():
        Mailed.find(post.id).update(token="paid")
        Mailed.find(post.id).update(title="t2")
    assert len(sent) == 1  # once for the row, on the instance written last


def test_after_initialize_runs_after_new_from_assigns_and_for_dup(db, posts):
    class Normalized(Model):
        table_name = "lf_posts"

        @activerecord.after_initialize
        def _norm(self):
            if self.new_record and self.token:
                self.token = self.token.strip().lower()

    made = Normalized.new_from({"title": "t", "token": " ABC "}, permit=["title", "token"])
    assert made.token == "abc"
    saved = Normalized.create(title="t", token="x")
    saved.token = " DUP "
    assert saved.dup().token == "dup"


def test_a_record_with_errors_goes_into_json(db, posts):
    import json

    post = LfPost()
    post.valid()
    assert json.loads(post.to_json(methods=["errors"]))["errors"] == \
        {"title": ["can't be blank"]}


def test_inclusion_in_a_range_covers_decimals(db, make_table):
    make_table("lf_reviews", id="pk", stars="decimal(3,1)")

    class Review(Model):
        table_name = "lf_reviews"
        validates("stars", inclusion=range(1, 6))

    assert Review(stars="4.5").valid() and not Review(stars="6").valid()


# -- third review: concurrency and faults ---------------------------------------------
def _kill(db, victim_db) -> None:
    # End ``victim_db``'s one pooled connection from another connection.
    if db.adapter.name == "postgresql":
        pid = victim_db.execute("SELECT pg_backend_pid()").rows[0][0]
        db.execute(f"SELECT pg_terminate_backend({int(pid)})")
    else:
        pid = victim_db.execute("SELECT CONNECTION_ID()").rows[0][0]
        db.execute(f"KILL {int(pid)}")
    import time
    time.sleep(0.2)


@pytest.mark.databases("postgresql", "mysql")
def test_a_begin_on_a_connection_dropped_while_idle_is_sent_again(db, posts):
    other = activerecord.Database(db.config.url, pool_size=1)
    try:
        class Here(Model):
            table_name = "lf_posts"
            database = other

        Here.count()
        _kill(db, other)
        assert Here.create(title="after the drop").persisted
        _kill(db, other)
        with transaction(other):
            assert Here.count() == 1
        assert other.pool.stats()["in_use"] == 0
    finally:
        other.close()


@pytest.mark.databases("sqlite")  # SQLite's RAISE(ROLLBACK); MariaDB's deadlock below
def test_sqlite_a_trigger_rollback_dooms_the_transaction(db, make_table):
    make_table("lf_doom", id="pk", name="string(10)")
    db.execute("CREATE TRIGGER lf_doom_no BEFORE INSERT ON lf_doom WHEN NEW.name = 'bad' "
               "BEGIN SELECT RAISE(ROLLBACK, 'bad name'); END")

    class Doom(Model):
        table_name = "lf_doom"

    Doom.create(name="keep")
    late = None
    with pytest.raises(TransactionError, match="rolled this transaction back"):
        with transaction():
            try:
                Doom.create(name="bad")
            except activerecord.DatabaseError:
                pass  # caught: the transaction is gone all the same
            late = Doom(name="late")
            late.save()
    assert Doom.pluck("name") == ["keep"] and late.new_record
    assert Doom.create(name="again").persisted  # the connection is fine


@pytest.mark.databases("mysql")
def test_mariadb_a_deadlock_caught_inside_a_transaction_dooms_it(db, make_table):
    make_table("lf_dl", id="pk", n="int")

    class Acct(Model):
        table_name = "lf_dl"

    a, b = Acct.create(n=0), Acct.create(n=0)
    barrier = threading.Barrier(2, timeout=20)
    outcomes: list = []

    def worker(first, second):
        try:
            with transaction():
                Acct.create(n=9)
                Acct.where(id=first.id).update_all(n=1)
                barrier.wait()
                try:
                    with transaction():
                        Acct.where(id=second.id).update_all(n=2)
                except activerecord.DeadlockError:
                    pass  # caught: InnoDB rolled the whole transaction back
                Acct.create(n=7)
            outcomes.append("committed")
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            outcomes.append(type(exc).__name__)

    from tests.support.threads import run_threads
    run_threads(worker, [(a, b), (b, a)])
    assert sorted(outcomes) == ["TransactionError", "committed"], outcomes
    assert Acct.where(n=9).count() == 1 and Acct.where(n=7).count() == 1


def test_a_tasks_block_outliving_its_transaction_sends_nothing(db, posts):
    sent: list = []

    async def child(entered, go_on, out):
        try:
            with transaction():
                out["c"] = LfPost.create(title="child")
                entered.set()
                await go_on.wait()
                raise RuntimeError("the child's block fails after the parent ended")
        except RuntimeError:
            pass

    async def main():
        entered, go_on, out = asyncio.Event(), asyncio.Event(), {}
        with transaction():
            task = asyncio.create_task(child(entered, go_on, out))
            await entered.wait()
        with events.subscribed("sql", lambda event: sent.append(event.sql)):
            go_on.set()
            await task
        return out["c"]

    record = asyncio.run(main())
    assert sent == [] and record.persisted  # the parent committed it
    assert LfPost.pluck("title") == ["child"]


def test_commit_callbacks_only_for_rows_a_write_changed(db, posts):
    fired = []

    class Vanishing(Model):
        table_name = "lf_posts"
        after_commit(lambda r: fired.append(("update", r.title)), on="update")
        after_commit(lambda r: fired.append(("destroy", r.title)), on="destroy")

    a, b = Vanishing.create(title="a"), Vanishing.create(title="b")
    Vanishing.where(id=[a.id, b.id]).delete_all()  # another process deletes them
    a.update(title="a2")  # matches no row
    with transaction():
        b.update(title="b2")
        b.destroy()
    with transaction():
        c = Vanishing.create(title="c")
        c.delete()  # delete() runs no callbacks, commit ones included
    assert fired == []


@pytest.mark.databases("postgresql", "mysql")
def test_lock_leaves_no_phantom_change_on_json_columns(db, make_table):
    make_table("lf_json", id="pk", n="int", tags="json")

    class Tagged(Model):
        table_name = "lf_json"

    record = Tagged.create(n=0, tags=["a"])
    record = Tagged.find(record.id)
    record.tags  # handed out: a copy is kept for dirty tracking
    Tagged.where(id=record.id).update_all(tags=["a", "b"])  # another process
    with record.with_lock():
        assert record.tags == ["a", "b"] and record.changed == []
        with record.with_lock():
            pass
        record.n = 1
        with capture_sql() as sql:
            record.save()
    assert "tags" not in sql[-1]


@pytest.mark.databases("sqlite", "postgresql")  # MariaDB's DDL commits at once
def test_table_names_inside_a_transaction_use_its_connection(db, posts):
    with transaction():
        db.execute("CREATE TABLE lf_in_tx (id INT)")
        names = db.table_names()
        assert "lf_posts" in names
        assert "lf_in_tx" in names  # made by this transaction: seen on its connection
        raise activerecord.Rollback


def test_pool_settings_in_the_url_are_used_and_kept_from_the_driver(db):
    url = db.config.url
    joined = url + ("&" if "?" in url else "?") + "pool_size=1&pool_timeout=0.5"
    other = activerecord.Database(joined)
    try:
        assert other.pool.stats()["size"] == 1 and other.pool.timeout == 0.5
        assert other.execute("SELECT 1").rows == [(1,)]  # the driver accepted the URL
        third = activerecord.Database(joined, pool_size=3)  # a keyword wins
        assert third.pool.stats()["size"] == 3
        third.close()
        with pytest.raises(activerecord.ConfigurationError, match="pool_size='x'"):
            activerecord.Database(url + ("&" if "?" in url else "?") + "pool_size=x")
    finally:
        other.close()


def test_stale_object_error_carries_the_record_and_the_action(db, make_table):
    make_table("lf_stale", id="pk", v="int", lock_version="int NOT NULL DEFAULT 0")

    class Versioned(Model):
        table_name = "lf_stale"

    first = Versioned.create(v=1)
    second = Versioned.find(first.id)
    Versioned.find(first.id).update(v=2)
    second.v = 3
    with pytest.raises(activerecord.StaleObjectError) as exc:
        second.save()
    assert exc.value.record is second and exc.value.attempted_action == "update"


def test_assign_attributes_is_all_or_nothing(db, make_table):
    make_table("lf_nums", id="pk", qty="int", price="decimal(8,2)")

    class Num(Model):
        table_name = "lf_nums"

    record = Num.create(qty=1)
    with pytest.raises(activerecord.AttributeCastError):
        record.assign_attributes({"qty": 5, "price": "abc"}, permit=["qty", "price"])
    assert record.qty == 1 and record.changes == {}
