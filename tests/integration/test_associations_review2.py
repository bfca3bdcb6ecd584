"""A second review of associations (issue 9) on schemas the first review did not use, on
every database: identifiers that need quoting (mixed case, SQL keywords, a space),
eager loading under complex relations, strict loading through nested paths, automap on
awkward names, and counter_cache/touch with a parent row gone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from activerecord import (
    Model,
    StrictLoadingViolationError,
    automap,
    belongs_to,
    has_and_belongs_to_many,
    has_many,
    has_one,
)
from activerecord.testing import assert_queries
from tests.support.schema import foreign_key as _fk


@pytest.fixture
def odd(db, make_table):
    """Mixed-case and keyword names: "UserAccounts" ("Id", "Name") <- "order"
    ("id", "OwnerId", "total amount") <- "group" ("id", "order_id", "user")."""
    make_table("UserAccounts", Id="pk", Name="string(40)")
    make_table("order", _fk(db, "OwnerId", "UserAccounts", "Id"), id="pk",
               OwnerId="int", **{"total amount": "int"})
    make_table("group", _fk(db, "order_id", "order"), id="pk", order_id="int",
               user="string(40)")

    class UserAccount(Model):
        table_name = "UserAccounts"
        orders = has_many("Order", foreign_key="OwnerId")

    class Order(Model):
        table_name = "order"
        owner = belongs_to("UserAccount", foreign_key="OwnerId")
        groups = has_many("Group")

    class Group(Model):
        table_name = "group"
        order = belongs_to("Order")

    a = UserAccount.create(Name="Ann")
    b = UserAccount.create(Name="Bob")
    UserAccount.create(Name="Cy")
    o1 = Order.create(OwnerId=a.Id, **{"total amount": 10})
    o2 = Order.create(OwnerId=a.Id, **{"total amount": 20})
    Order.create(OwnerId=b.Id, **{"total amount": 5})
    Group.create(order_id=o1.id, user="x")
    Group.create(order_id=o1.id, user="y")
    Group.create(order_id=o2.id, user="z")
    return SimpleNamespace(UserAccount=UserAccount, Order=Order, Group=Group, db=db)


def _shape(accounts):
    return [(u.Name, sorted((o.id, sorted(g.user for g in o.groups)) for o in u.orders))
            for u in accounts]


def test_quoted_names_joins_preload_eager_load_and_hash_conditions(odd):
    m = odd
    lazy = _shape(m.UserAccount.order("Id").to_list())
    assert lazy[0][0] == "Ann" and len(lazy[0][1]) == 2
    assert _shape(m.UserAccount.order("Id").preload({"orders": "groups"})) == lazy
    assert _shape(m.UserAccount.order("Id").eager_load({"orders": "groups"})) == lazy
    assert _shape(m.UserAccount.order("Id").includes({"orders": "groups"})) == lazy
    names = m.Order.joins("owner").where(owner={"Name": "Ann"}).order("id").pluck("id")
    assert len(names) == 2
    assert m.Group.joins({"order": "owner"}).where(UserAccounts={"Name": "Cy"}).count() == 0
    assert m.Group.joins({"order": "owner"}).where(UserAccounts={"Name": "Ann"}).count() == 3
    assert m.UserAccount.where_missing("orders").pluck("Name") == ["Cy"]
    assert sorted(m.UserAccount.where_associated("orders").distinct().pluck("Name")) == [
        "Ann", "Bob"]
    assert m.Order.eager_load("owner").where(owner={"Name": "Bob"}).pluck(
        "total amount") == [5]
    rows = m.Order.eager_load("owner", "groups").order("total amount").to_list()
    assert [o["total amount"] for o in rows] == [5, 10, 20]
    assert [o.owner.Name for o in rows] == ["Bob", "Ann", "Ann"]


def test_automap_on_quoted_names(odd):
    m = automap(odd.db, tables=["UserAccounts", "order", "group"])
    names = sorted(m.models)
    assert "UserAccount" in names and "Order" in names and "Group" in names, names
    ann = m.UserAccount.find_by(Name="Ann")
    assert sorted(o["total amount"] for o in ann.orders) == [10, 20]
    g = m.Group.order("id").first()
    assert g.order_record.owner.Name == "Ann"
    rows = m.UserAccount.order("Id").eager_load({"orders": "groups"}).to_list()
    assert [len(u.orders) for u in rows] == [2, 1, 0]


@pytest.fixture
def shop(db, make_table):
    """Authors (Ann, Bob, Cy, Di) with a has_one profile that has and belongs to many
    tags (each belongs_to a kind), posts (score NULL for some) and the posts' tags."""
    make_table("e2_kinds", id="pk", name="string(20)")
    make_table("e2_authors", id="pk", name="string(20)")
    make_table("e2_profiles", _fk(db, "author_id", "e2_authors"), id="pk",
               author_id="int", bio="string(20)")
    make_table("e2_tags", _fk(db, "kind_id", "e2_kinds"), id="pk", name="string(20)",
               kind_id="int")
    make_table("e2_profiles_tags", _fk(db, "profile_id", "e2_profiles"),
               _fk(db, "tag_id", "e2_tags"), profile_id="int", tag_id="int")
    make_table("e2_posts", _fk(db, "author_id", "e2_authors"), id="pk",
               author_id="int", title="string(20)", score="int")

    class Kind(Model):
        table_name = "e2_kinds"

    class Author(Model):
        table_name = "e2_authors"
        profile = has_one("Profile")
        posts = has_many("Post")

    class Profile(Model):
        table_name = "e2_profiles"
        author = belongs_to("Author")
        tags = has_and_belongs_to_many("Tag")

    class Tag(Model):
        table_name = "e2_tags"
        kind = belongs_to("Kind")

    class Post(Model):
        table_name = "e2_posts"
        author = belongs_to("Author")

    hot, cold = Kind.create(name="hot"), Kind.create(name="cold")
    t1, t2 = Tag.create(name="t1", kind_id=hot.id), Tag.create(name="t2", kind_id=cold.id)
    t3 = Tag.create(name="t3")
    ann, bob, cy, di = (Author.create(name=n) for n in ("Ann", "Bob", "Cy", "Di"))
    Profile.create(author_id=ann.id, bio="a").tags.add(t1, t2, t3)
    Profile.create(author_id=bob.id, bio="b").tags.add(t2)
    Profile.create(author_id=cy.id, bio="c")
    for author, title, score in ((ann, "a1", 5), (ann, "a2", None), (bob, "b1", 9),
                                 (cy, "c1", None), (cy, "c2", 1)):
        Post.create(author_id=author.id, title=title, score=score)
    return SimpleNamespace(Kind=Kind, Author=Author, Profile=Profile, Tag=Tag, Post=Post,
                           db=db)


def _profile_shape(authors):
    out = []
    for a in authors:
        p = a.profile
        tags = None if p is None else sorted(
            (t.name, t.kind.name if t.kind else None) for t in p.tags)
        out.append((a.name, tags))
    return out


def test_eager_load_three_levels_through_has_one_and_habtm(shop):
    m = shop
    lazy = _profile_shape(m.Author.order("id"))
    assert lazy[0] == ("Ann", [("t1", "hot"), ("t2", "cold"), ("t3", None)])
    assert lazy[3] == ("Di", None)
    path = {"profile": {"tags": "kind"}}
    with assert_queries(1):
        assert _profile_shape(m.Author.order("id").eager_load(path)) == lazy
    with assert_queries(5):  # authors, profiles, join rows, tags, kinds
        assert _profile_shape(m.Author.order("id").preload(path)) == lazy
    with assert_queries(1):  # the same path given twice, in two forms
        rel = m.Author.order("id").eager_load(path, "profile").eager_load({"profile": "tags"})
        assert _profile_shape(rel) == lazy
    with assert_queries(3):  # eager_load of one path, preload of another
        rel = m.Author.order("id").eager_load({"profile": "tags"}).preload(
            "posts", {"profile": {"tags": "kind"}})
        got = rel.to_list()
        assert _profile_shape(got) == lazy
        assert [sorted(p.title for p in a.posts) for a in got] == [
            ["a1", "a2"], ["b1"], ["c1", "c2"], []]


def test_eager_load_with_or_and_distinct(shop):
    m = shop
    rel = m.Author.eager_load("posts").where(name="Ann").or_(m.Author.where(name="Cy"))
    assert sorted((a.name, len(a.posts)) for a in rel) == [("Ann", 2), ("Cy", 2)]
    rel = m.Author.eager_load("posts").where(m.Post.c.score > 0).or_(
        m.Author.eager_load("posts").where(name="Di"))
    assert sorted((a.name, sorted(p.title for p in a.posts)) for a in rel) == [
        ("Ann", ["a1"]), ("Bob", ["b1"]), ("Cy", ["c2"]), ("Di", [])]
    rel = m.Author.eager_load("posts").distinct().order("id")
    assert [(a.name, len(a.posts)) for a in rel] == [("Ann", 2), ("Bob", 1), ("Cy", 2),
                                                     ("Di", 0)]
    assert m.Author.eager_load("posts").distinct().count() == 4


def test_eager_load_pages_ordered_by_a_joined_column_with_nulls(shop):
    # Ann (5, NULL), Bob (9), Cy (NULL, 1), Di (no post: NULL). Each page of the
    # 2-statement path is a slice of the unlimited order, wherever the database (or
    # nulls=) puts NULLs.
    m = shop
    for direction in ("desc", "asc"):
        for nulls in (None, "first", "last"):
            score = getattr(m.Post.c.score, direction)(nulls)
            rel = m.Author.eager_load("posts").order(score, "id")
            every = [a.name for a in rel]
            assert sorted(every) == ["Ann", "Bob", "Cy", "Di"]
            for offset in (0, 1, 2, 3):
                page = rel.limit(2).offset(offset).to_list()
                assert [a.name for a in page] == every[offset:offset + 2], \
                    (direction, nulls, offset)


def test_eager_load_order_by_a_joined_column_with_limit_and_offset(shop):
    # The 2-statement path: each page is a slice of the unlimited order.
    m = shop
    for direction in ("desc", "asc"):
        score = getattr(m.Post.c.score, direction)()
        rel = m.Author.eager_load("posts").where(m.Post.c.score > 0).order(score, "id")
        every = [a.name for a in rel]
        assert sorted(every) == ["Ann", "Bob", "Cy"]
        for offset in (0, 1, 2):
            page = rel.limit(2).offset(offset).to_list()
            assert [a.name for a in page] == every[offset:offset + 2]
            assert [len(a.posts) for a in page] == [1] * len(page)


def test_finders_and_calculations_on_an_eager_load_relation(shop):
    m = shop
    for rel in (m.Author.all(), m.Author.eager_load("posts"),
                m.Author.eager_load({"profile": {"tags": "kind"}}, "posts")):
        ann = m.Author.find_by(name="Ann")
        assert rel.find(ann.id).name == "Ann"
        assert [a.name for a in rel.find([ann.id, ann.id + 1])] == ["Ann", "Bob"]
        assert rel.find_by(name="Bob").name == "Bob"
        assert rel.order("id").first().name == "Ann"
        assert rel.order("id").last().name == "Di"
        assert [a.name for a in rel.order("id").first(2)] == ["Ann", "Bob"]
        assert [a.name for a in rel.order("id").last(2)] == ["Cy", "Di"]
        assert rel.exists() and rel.exists(name="Di") and not rel.exists(name="Zed")
        assert rel.count() == 4
        assert rel.order("id").ids() == sorted(rel.ids())
        assert len(rel.order("id").ids()) == 4
        assert rel.where(name="Cy").take().name == "Cy"


def test_find_each_and_in_batches_with_includes(shop):
    m = shop
    for method in ("includes", "eager_load", "preload"):
        rel = getattr(m.Author, method)("posts", "profile")
        seen = [(a.name, len(a.posts), a.profile is not None)
                for a in rel.find_each(batch_size=3)]
        assert seen == [("Ann", 2, True), ("Bob", 1, True), ("Cy", 2, True),
                        ("Di", 0, False)], method
        batches = [[a.name for a in b] for b in rel.find_in_batches(batch_size=3)]
        assert batches == [["Ann", "Bob", "Cy"], ["Di"]], method
        sizes = [b.count() for b in rel.in_batches(of=3)]
        assert sizes == [3, 1], method


def test_strict_loading_through_a_nested_eager_load(shop):
    m = shop
    ann = m.Author.strict_loading().eager_load({"profile": "tags"}).order("id").first()
    assert sorted(t.name for t in ann.profile.tags) == ["t1", "t2", "t3"]
    assert ann.profile.author is ann  # the inverse: no query
    tag = ann.profile.tags[0]
    with pytest.raises(StrictLoadingViolationError, match="Tag.kind"):
        tag.kind  # noqa: B018
    with pytest.raises(StrictLoadingViolationError, match="Author.posts"):
        ann.posts.to_list()


def test_reload_of_a_strict_record_and_a_relation_that_turns_it_off(shop):
    m = shop
    ann = m.Author.strict_loading().order("id").first()
    ann.reload()
    assert ann.strict_loading_enabled
    with pytest.raises(StrictLoadingViolationError):
        ann.profile  # noqa: B018
    m.Author.strict_loading_by_default = True
    try:
        bob = m.Author.strict_loading(False).order("id").offset(1).first()
        assert not bob.strict_loading_enabled
        assert bob.profile.bio == "b"
        with pytest.raises(StrictLoadingViolationError):
            m.Author.order("id").first().profile  # noqa: B018
    finally:
        m.Author.strict_loading_by_default = False


@pytest.fixture
def awkward(db, make_table):
    """status/statuses (one singular), codes referred to by a UNIQUE non-key column,
    moves with two keys to places plus a self-reference, and tables named class,
    save and all."""
    make_table("status", id="pk", name="string(20)")
    make_table("statuses", _fk(db, "status_id", "status"), id="pk", status_id="int")
    make_table("a2_codes", id="pk", code="string(10) NOT NULL UNIQUE")
    make_table("a2_items", _fk(db, "code_ref", "a2_codes", "code"), id="pk",
               code_ref="string(10)")
    make_table("a2_places", id="pk", name="string(20)")
    make_table("a2_moves", _fk(db, "from_id", "a2_places"), _fk(db, "to_id", "a2_places"),
               _fk(db, "previous_id", "a2_moves"), id="pk", from_id="int", to_id="int",
               previous_id="int")
    make_table("class", id="pk", name="string(20)")
    make_table("save", _fk(db, "class_id", "class"), id="pk", class_id="int")
    make_table("all", _fk(db, "save_id", "save"), id="pk", save_id="int")
    return db


def test_automap_on_awkward_names(awkward):
    tables = ["status", "statuses", "a2_codes", "a2_items", "a2_places", "a2_moves",
              "class", "save", "all"]
    m = automap(awkward, tables=tables)
    assert (m["status"].__name__, m["statuses"].__name__) == ("Status", "Statuses")
    st = m.Status.create(name="on")
    child = m.Statuses.create(status_id=st.id)
    assert child.status == st and st.statuses.to_list() == [child]
    code = m.A2Code.create(code="X1")
    item = m.A2Item.create(code_ref="X1")  # the column keeps its name
    assert item.code_ref == "X1" and item.code_ref_record == code
    assert code.a2_items.to_list() == [item]
    assert m.A2Code.eager_load("a2_items").first().a2_items.to_list() == [item]
    a, b = m.A2Place.create(name="a"), m.A2Place.create(name="b")
    first = m.A2Move.create(from_id=a.id, to_id=b.id)
    second = m.A2Move.create(from_id=b.id, to_id=a.id, previous_id=first.id)
    assert (second.from_record, second.to, second.previous) == (b, a, first)
    assert first.a2_moves_by_previous.to_list() == [second]
    assert a.a2_moves_by_from.to_list() == [first] and a.a2_moves_by_to.to_list() == [second]
    got = m.A2Move.eager_load("from_record", "to", {"previous": "from_record"}).order("id")
    assert [(x.from_record.name, x.to.name, x.previous and x.previous.from_record.name)
            for x in got] == [("a", "b", None), ("b", "a", "a")]
    k = m.Class.create(name="k")
    s = m.Save.create(class_id=k.id)
    al = m.All.create(save_id=s.id)
    assert al.save_record == s and s.class_record == k and s.alls.to_list() == [al]
    assert m.Class.preload({"saves": "alls"}).first().saves[0].alls.to_list() == [al]
    assert m.All.joins({"save_record": "class_record"}).where(
        **{"class": {"name": "k"}}).count() == 1


@pytest.fixture
def counted(db, make_table):
    """Parents with a counter and updated_at; children without a constraint (so a
    parent can vanish under them); a polymorphic child counted on two parent kinds."""
    make_table("c2_boxes", id="pk", name="string(20)", items_count="int DEFAULT 0",
               notes_count="int DEFAULT 0", updated_at="datetime")
    make_table("c2_bags", id="pk", notes_count="int DEFAULT 0", updated_at="datetime")
    make_table("c2_items", id="pk", box_id="int", name="string(20)")
    make_table("c2_notes", id="pk", notable_type="string(40)", notable_id="int",
               body="string(20)")

    class Box(Model):
        table_name = "c2_boxes"
        items = has_many("Item")
        notes = has_many("Note", as_="notable")

    class Bag(Model):
        table_name = "c2_bags"
        notes = has_many("Note", as_="notable")

    class Item(Model):
        table_name = "c2_items"
        box = belongs_to("Box", touch=True, counter_cache=True)

    class Note(Model):
        table_name = "c2_notes"
        notable = belongs_to(polymorphic=True, counter_cache=True, touch=True)

    return SimpleNamespace(Box=Box, Bag=Bag, Item=Item, Note=Note, db=db)


def test_counter_cache_and_touch_when_the_parent_row_is_gone(counted):
    m = counted
    box, other = m.Box.create(name="b"), m.Box.create(name="o")
    item = m.Item.create(box_id=box.id, name="i")
    assert m.Box.find(box.id).items_count == 1
    q = m.db.dialect.quote_name
    m.db.execute(f"DELETE FROM {q('c2_boxes')} WHERE {q('id')} = ?", (box.id,))
    item = m.Item.find(item.id)
    item.update(name="renamed")           # touches a parent that is gone: no error
    item.box_id = other.id
    item.save()                           # a move away from the vanished parent
    assert m.Box.find(other.id).items_count == 1
    item.destroy()
    assert m.Box.find(other.id).items_count == 0
    assert m.Box.count() == 1
    orphan = m.Item.create(box_id=box.id, name="orphan")  # a key naming no row
    assert m.Item.find(orphan.id).name == "orphan" and m.Box.count() == 1
    orphan.destroy()
    assert m.Item.count() == 0


def test_counter_cache_and_touch_on_a_polymorphic_parent(counted):
    m = counted
    box, bag = m.Box.create(name="b"), m.Bag.create()
    assert box.id == bag.id  # the type column tells them apart
    n1 = m.Note.create(notable=box, body="1")
    m.Note.create(notable=box, body="2")
    n3 = m.Note.create(notable=bag, body="3")
    assert (m.Box.find(box.id).notes_count, m.Bag.find(bag.id).notes_count) == (2, 1)
    assert m.Bag.find(bag.id).updated_at is not None
    n1.notable = bag
    n1.save()
    assert (m.Box.find(box.id).notes_count, m.Bag.find(bag.id).notes_count) == (1, 2)
    n3.destroy()
    assert (m.Box.find(box.id).notes_count, m.Bag.find(bag.id).notes_count) == (1, 1)
    assert m.Box.find(box.id).items_count == 0


def test_eager_load_of_a_grouped_relation_is_refused_before_sql(shop):
    # Grouped joined rows would fold into authors with one post each (SQLite, MariaDB)
    # or fail in the database (PostgreSQL): refused, naming preload.
    m = shop
    grouped = m.Author.eager_load("posts").group("e2_authors.id")
    for rel in (grouped, grouped.having(m.Post.c.score > 0),
                m.Author.includes("posts").references("posts").group("e2_authors.id")):
        with assert_queries(0), pytest.raises(ValueError, match="group.*preload"):
            rel.to_list()
    assert grouped.count() == {1: 1, 2: 1, 3: 1, 4: 1}  # COUNT(DISTINCT id), as Rails
    rel = m.Author.preload("posts").group("e2_authors.id", "e2_authors.name").order("id")
    assert [len(a.posts) for a in rel] == [2, 1, 2, 0]
