"""Records built from rows (``model/persistence.py``, ``row_builder``) and the
association cache the records of one preloaded collection share
(``associations/association.py``, ``SharedCache``), on every database.

The builder compiles one function per loading plan, with the column names written
as string literals: names with quotes, backslashes, spaces, non-ASCII letters or a
Python keyword must load as any other. The shared cache must behave as if each
record had its own: a write on one record never shows on its siblings."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import Model, belongs_to, default_scope, has_many
from activerecord.testing import assert_queries
from tests.integration.test_associations_joins import music_models

ODD = ["it's", 'say "hi"', "back\\slash", "two words", "class", "línea", "Mixed"]


@pytest.fixture
def odd(db, make_table):
    columns = {name: "string(40)" for name in ODD}
    make_table("rl_odd", id="pk", when="datetime", **columns)

    class Odd(Model):
        table_name = "rl_odd"

    return Odd


def test_column_names_of_every_kind_load_through_the_compiled_builder(odd):
    values = {name: f"v{i} {name}" for i, name in enumerate(ODD)}
    when = dt.datetime(2024, 5, 6, 7, 8, 9)
    made = odd.create(when=when, **values)
    odd.create(**{ODD[0]: None})  # NULLs, with and without a loader
    first, second = odd.order("id").to_list()
    assert {name: first[name] for name in ODD} == values
    assert first.when == when and isinstance(first.when, dt.datetime)
    assert second.when is None and all(second[name] is None for name in ODD)
    assert first.persisted and not first.new_record and not first.has_changes
    found = odd.find(made.id)  # the one-row builder
    assert found == first and found["it's"] == values["it's"] and found.when == when
    partial = odd.select("id", 'say "hi"', "when").order("id").first()  # select(...)
    assert partial['say "hi"'] == values['say "hi"'] and partial.when == when
    assert odd.select("línea").order("id").first()["línea"] == values["línea"]


def test_a_record_built_from_a_row_holds_only_its_values(odd):
    odd.create(**{"class": "x"})
    record = odd.first()
    assert list(vars(record)) == ["_attrs"]  # its state is the class defaults
    assert record.persisted and not record.destroyed
    record["class"] = "y"
    record.save()
    assert odd.first()["class"] == "y"
    fresh = odd(**{"class": "z"})
    assert fresh.new_record and not fresh.persisted
    fresh.save()
    assert fresh.persisted and odd.count() == 2


@pytest.fixture
def m(db, make_table):
    return music_models(db, make_table)


def test_siblings_of_a_preload_share_the_inverse_until_one_writes(m):
    acdc, blur = m.Artist.where(name=["AC/DC", "Blur"]).order("name").to_list()
    artist = m.Artist.includes("albums").find_by(name="AC/DC")
    first, second = artist.albums.order("id").to_list()  # a query: the reader is loaded
    first, second = sorted(artist.albums, key=lambda a: a.id)
    with assert_queries(0):
        assert first.artist is artist and second.artist is artist
    first.artist = blur  # the writer: first gets its own cache
    with assert_queries(0):
        assert first.artist is blur and first.artist_id == blur.id
        assert second.artist is artist and second.artist_id == acdc.id
    second.reset_association("artist")
    with assert_queries(1):
        assert second.artist == acdc and second.artist is not artist
    with assert_queries(0):
        assert first.artist is blur
    first.save()
    assert m.Album.find(first.id).artist_id == blur.id
    assert m.Album.find(second.id).artist_id == acdc.id  # the sibling's row untouched


def test_a_sibling_loading_another_association_keeps_the_others_unloaded(m):
    artist = m.Artist.includes("albums").find_by(name="AC/DC")
    first, second = sorted(artist.albums, key=lambda a: a.id)
    with assert_queries(1):
        names = sorted(t.name for t in first.tracks)
    assert names == ["Hells Bells", "Shoot to Thrill"]
    with assert_queries(1):  # second's tracks were never loaded: its own query
        assert [t.name for t in second.tracks] == ["Riff Raff"]
    with assert_queries(0):
        assert first.artist is artist and second.artist is artist
    first.reload()  # forgets first's associations only
    with assert_queries(0):
        assert second.artist is artist
    with assert_queries(1):
        assert first.artist == artist


def test_preloaded_collections_of_several_owners_stay_apart(db, make_table):
    make_table("rl_users", id="pk", name="string(20)")
    make_table("rl_posts", id="pk", user_id="int", title="string(20)")

    class RlUser(Model):
        table_name = "rl_users"
        posts = has_many("RlPost", foreign_key="user_id")

    class RlPost(Model):
        table_name = "rl_posts"
        user = belongs_to("RlUser", foreign_key="user_id")

    users = [RlUser.create(name=f"u{i}") for i in range(3)]
    for u in users:
        for k in range(3):
            RlPost.create(user_id=u.id, title=f"{u.name}-{k}")
    with assert_queries(2):
        loaded = RlUser.includes("posts").order("id").to_list()
    with assert_queries(0):
        for u in loaded:
            assert [p.title for p in u.posts] == [f"{u.name}-{k}" for k in range(3)]
            assert all(p.user is u for p in u.posts)
    built = loaded[0].posts.build(title="new")  # a write on one owner's collection
    assert built.user is loaded[0]
    assert [len(u.posts) for u in loaded] == [4, 3, 3]
    loaded[0].save()
    assert RlPost.where(user_id=users[0].id).count() == 4
    assert RlPost.where(user_id=users[1].id).count() == 3


def test_a_preload_built_in_the_row_loop_equals_the_general_one(db, make_table):
    # A plain target is grouped while its rows are built (Relation._load_grouped); a
    # target whose default scope preloads takes the general path. Same collections,
    # same order, inverses set, for NULL and missing keys too.
    make_table("rl_owners", id="pk", name="string(20)")
    make_table("rl_items", id="pk", owner_id="int", label="string(20)")
    make_table("rl_tags", id="pk", item_id="int")

    class RlOwner(Model):
        table_name = "rl_owners"
        items = has_many("RlItem", foreign_key="owner_id")
        scoped_items = has_many("RlScopedItem", foreign_key="owner_id")

    class RlItem(Model):
        table_name = "rl_items"
        owner = belongs_to("RlOwner", foreign_key="owner_id")

    class RlTag(Model):
        table_name = "rl_tags"

    class RlScopedItem(Model):
        table_name = "rl_items"
        owner = belongs_to("RlOwner", foreign_key="owner_id")
        tags = has_many("RlTag", foreign_key="item_id")

        @default_scope
        def _with_tags(rel):
            return rel.preload("tags")

    owners = [RlOwner.create(name=f"o{i}") for i in range(4)]  # o3 has no item
    for k, owner_index in enumerate([0, 1, 0, 2, None, 1, 0]):
        RlItem.create(owner_id=None if owner_index is None else owners[owner_index].id,
                      label=f"i{k}")
    plain = RlOwner.includes("items").order("id").to_list()
    scoped = RlOwner.includes("scoped_items").order("id").to_list()
    with assert_queries(0):
        got = [[i.label for i in o.items] for o in plain]
        assert got == [[i.label for i in o.scoped_items] for o in scoped]
        assert all(i.owner is o for o in plain for i in o.items)
        assert all(i.owner is o for o in scoped for i in o.scoped_items)
    lazy = [[i.label for i in RlOwner.find(o.id).items] for o in owners]
    assert sorted(map(sorted, got)) == sorted(map(sorted, lazy))
    assert got[3] == [] and sum(map(len, got)) == 6


def test_preloading_100k_children_keeps_memory_linear_in_rows(db, make_table):
    # Issue 9: memory of a preload grows with the rows, never with query objects per
    # row. Measured with tracemalloc (bytes, not time) at 20k and 100k children.
    import gc
    import tracemalloc

    from activerecord.sql import nodes as n

    make_table("rl_parents", id="pk", name="string(20)")
    make_table("rl_children", id="pk", parent_id="int", label="string(20)")

    class RlParent(Model):
        table_name = "rl_parents"
        children = has_many("RlChild", foreign_key="parent_id")

    class RlChild(Model):
        table_name = "rl_children"
        parent = belongs_to("RlParent", foreign_key="parent_id")

    RlParent.insert_all([{"id": i, "name": f"p{i}"} for i in range(1, 1001)])

    def per_child(per_parent):
        RlChild.delete_all()
        RlChild.insert_all([{"parent_id": p, "label": f"c{k}"}
                            for p in range(1, 1001) for k in range(per_parent)])
        gc.collect()
        nodes_before = sum(1 for o in gc.get_objects() if isinstance(o, n.Node))
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            parents = RlParent.preload("children").to_list()
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        nodes = sum(1 for o in gc.get_objects() if isinstance(o, n.Node)) - nodes_before
        count = sum(len(p.children) for p in parents)
        assert count == 1000 * per_parent
        assert all(c.parent is p for p in parents[:10] for c in p.children)
        return (held - base) / count, (peak - base) / count, nodes

    small_held, small_peak, small_nodes = per_child(20)
    held, peak, nodes = per_child(100)
    assert held < 1024 and peak < 2048  # bytes a child: a record and its values
    assert held < small_held * 1.25 and peak < small_peak * 1.25  # linear in rows
    assert nodes < 100 and small_nodes < 100  # no query object a row (nor an owner)


class RlPickleOwner(Model):  # module level: pickle finds classes by name
    table_name = "rl_powners"
    pets = has_many("RlPicklePet", foreign_key="owner_id")


class RlPicklePet(Model):
    table_name = "rl_ppets"
    owner = belongs_to("RlPickleOwner", foreign_key="owner_id")


@pytest.fixture
def pickled(db, make_table):
    make_table("rl_powners", id="pk", name="string(20)")
    make_table("rl_ppets", id="pk", owner_id="int", name="string(20)")
    for model in (RlPickleOwner, RlPicklePet):
        model.database = db
        model.reset_column_information()
    yield RlPickleOwner, RlPicklePet
    for model in (RlPickleOwner, RlPicklePet):
        del model.database
        model.reset_column_information()


def test_pickles_write_the_new_record_flag_and_read_old_ones(pickled):
    # Records built from rows hold no _new_record (the class default is False): a
    # pickle must still carry it, and a state without it (pickled when new records
    # held no flag) must come back as a new record that save() INSERTs.
    import copy
    import pickle

    owner_model, _ = pickled
    owner_model.create(name="a")
    loaded = owner_model.first()
    fresh = owner_model(name="b")
    assert loaded.__getstate__()["_new_record"] is False
    assert fresh.__getstate__()["_new_record"] is True
    assert not pickle.loads(pickle.dumps(loaded)).new_record
    assert not copy.deepcopy(loaded).new_record
    assert pickle.loads(pickle.dumps(fresh)).new_record
    old_state = fresh.__getstate__()
    del old_state["_new_record"]
    revived = owner_model.__new__(owner_model)
    revived.__setstate__(old_state)
    assert revived.new_record
    assert revived.save() and owner_model.count() == 2
    assert owner_model.where(name="b").count() == 1


def test_a_pickled_preloaded_record_holds_its_own_cache(pickled):
    import pickle

    owner_model, pet_model = pickled
    owner = owner_model.create(name="o")
    pet_model.create(owner_id=owner.id, name="p1")
    pet_model.create(owner_id=owner.id, name="p2")
    loaded = owner_model.includes("pets").first()
    pet = next(iter(loaded.pets))
    assert type(pet._association_cache).__name__ == "SharedCache"
    back = pickle.loads(pickle.dumps(pet))
    assert type(back._association_cache) is dict
    with assert_queries(0):
        assert back.owner.name == "o"
