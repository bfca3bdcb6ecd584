"""A review of associations as a new user writes them, on schemas of its own (not the
Chinook/Sakila fixtures), on every database: a snake_case blog (declared with defaults
only: keys from the constraints, or from the conventions when the tables have none;
a polymorphic comment, a self-referencing category, a many-to-many over
``rb_posts_tags``, a composite foreign key) and a PascalCase company. Bulk writes on
relations that join must touch exactly the rows the relation selects; the singular
readers work on tables without a primary key."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from activerecord import (
    DeleteRestrictionError,
    Model,
    RecordInvalid,
    StrictLoadingViolationError,
    UnknownPrimaryKey,
    automap,
    belongs_to,
    has_and_belongs_to_many,
    has_many,
    has_one,
)
from activerecord.associations.habtm import default_join_table
from activerecord.testing import assert_queries, capture_sql
from tests.support.schema import foreign_key as _fk


def blog_tables(db, make_table, constraints):
    c = (lambda *a: [_fk(db, *a)]) if constraints else (lambda *a: [])
    q = db.dialect.quote_name
    make_table("rb_authors", id="pk", name="string(40) NOT NULL")
    make_table("rb_categories", *c("parent_id", "rb_categories"), id="pk",
               name="string(40)", parent_id="int")
    make_table("rb_posts", *c("author_id", "rb_authors"), *c("category_id", "rb_categories"),
               id="pk", title="string(40)", score="int", author_id="int NOT NULL",
               category_id="int")
    make_table("rb_photos", *c("author_id", "rb_authors"), id="pk", title="string(40)",
               author_id="int")
    make_table("rb_comments", *c("author_id", "rb_authors"), id="pk", body="string(40)",
               commentable_type="string(40)", commentable_id="int", author_id="int")
    make_table("rb_tags", id="pk", name="string(40)")
    make_table("rb_posts_tags", *c("post_id", "rb_posts"), *c("tag_id", "rb_tags"),
               post_id="int NOT NULL", tag_id="int NOT NULL")
    make_table("rb_editions", f"PRIMARY KEY ({q('isbn')}, {q('version')})",
               isbn="string(20) NOT NULL", version="int NOT NULL", title="string(40)")
    make_table("rb_reviews", *c(("edition_isbn", "edition_version"), "rb_editions",
                                ("isbn", "version")),
               id="pk", stars="int", edition_isbn="string(20)", edition_version="int")


def blog_models(db, make_table, constraints=True):
    """The blog's tables, models declared with defaults only, and rows:

    Ann: Hello (Python; tags py, db; comments nice by Bob, meh by Ann), Second (Tech;
    tag py). Bob: Bobs (no category); photos Sunset (comment wow by Ann, with the id
    Hello has) and Dawn. Cy: nothing. Categories Tech <- Python, Tech <- Misc.
    Editions (111, 1) First and (111, 2) Second (reviews of 5 and 4 stars).
    """
    blog_tables(db, make_table, constraints)

    class Author(Model):
        table_name = "rb_authors"
        posts = has_many("Post", dependent="destroy")
        photos = has_many("Photo", dependent="nullify")
        comments = has_many("Comment")
        tags = has_many("Tag", through="posts")

    class Category(Model):
        table_name = "rb_categories"
        parent = belongs_to("Category")
        children = has_many("Category", foreign_key="parent_id")
        posts = has_many("Post")

    class Post(Model):
        table_name = "rb_posts"
        author = belongs_to("Author")
        category = belongs_to("Category")
        comments = has_many("Comment", as_="commentable", dependent="delete_all")
        tags = has_and_belongs_to_many("Tag")  # join table by Rails' default name

    class Photo(Model):
        table_name = "rb_photos"
        author = belongs_to("Author")
        comments = has_many("Comment", as_="commentable")

    class Comment(Model):
        table_name = "rb_comments"
        commentable = belongs_to(polymorphic=True)
        author = belongs_to("Author")

    class Tag(Model):
        table_name = "rb_tags"
        posts = has_and_belongs_to_many("Post")

    # A composite key has no naming convention: without the constraint, say it.
    composite = None if constraints else ("edition_isbn", "edition_version")

    class Edition(Model):
        table_name = "rb_editions"
        reviews = has_many("Review", foreign_key=composite)

    class Review(Model):
        table_name = "rb_reviews"
        edition = belongs_to("Edition", foreign_key=composite)

    m = SimpleNamespace(Author=Author, Category=Category, Post=Post, Photo=Photo,
                        Comment=Comment, Tag=Tag, Edition=Edition, Review=Review, db=db)
    _seed(m)
    return m


def _seed(m):
    ann, bob = m.Author.create(name="Ann"), m.Author.create(name="Bob")
    m.Author.create(name="Cy")
    tech = m.Category.create(name="Tech")
    python = m.Category.create(name="Python", parent_id=tech.id)
    m.Category.create(name="Misc", parent_id=tech.id)
    hello = m.Post.create(title="Hello", score=5, author_id=ann.id, category_id=python.id)
    second = m.Post.create(title="Second", score=3, author_id=ann.id, category_id=tech.id)
    m.Post.create(title="Bobs", score=9, author_id=bob.id)
    sunset = m.Photo.create(title="Sunset", author_id=bob.id)
    m.Photo.create(title="Dawn", author_id=bob.id)
    assert sunset.id == hello.id  # a comment on each: the type column tells them apart
    m.Comment.create(body="nice", commentable=hello, author_id=bob.id)
    m.Comment.create(body="meh", commentable=hello, author_id=ann.id)
    m.Comment.create(body="wow", commentable=sunset, author_id=ann.id)
    py, dbt = m.Tag.create(name="py"), m.Tag.create(name="db")
    hello.tags.add(py, dbt)
    second.tags.add(py)
    m.Edition.create(isbn="111", version=1, title="First")
    m.Edition.create(isbn="111", version=2, title="Second")
    for stars in (5, 4):
        m.Review.create(stars=stars, edition_isbn="111", edition_version=2)


@pytest.fixture(params=[True, False], ids=["constraints", "convention"])
def blog(request, db, make_table):
    return blog_models(db, make_table, constraints=request.param)


@pytest.fixture
def blog_c(db, make_table):
    """The blog with its foreign-key constraints (for the bulk writes)."""
    return blog_models(db, make_table, constraints=True)


def _titles(model, column="title"):
    return dict(model.order("id").pluck("id", column))


# -- 2. bulk writes on relations that join ----------------------------------------------
def _bulk(rel, values, column):
    """Run ``update_all(values)`` on ``rel`` (None: ``delete_all``) after reading the
    ids the relation selects; return (those ids, ids changed, count returned)."""
    model = rel.model
    selected = sorted({r.id for r in rel.to_list()})
    before = _titles(model, column)
    count = rel.delete_all() if values is None else rel.update_all(**values)
    after = _titles(model, column)
    if values is None:
        changed = sorted(set(before) - set(after))
    else:
        changed = sorted(k for k, v in after.items() if v != before[k])
    return selected, changed, count


def test_update_all_with_includes_condition_on_the_included_table(blog_c):
    m = blog_c
    rel = m.Post.includes("author").where(author={"name": "Ann"})
    selected, changed, count = _bulk(rel, {"title": "X"}, "title")
    ann_posts = sorted(m.Post.where(author_id=m.Author.find_by(name="Ann").id).ids())
    assert selected == changed == ann_posts and count == 2
    assert m.Post.find_by(title="Bobs") is not None  # left untouched


def test_delete_all_with_includes_or_references_on_the_included_table(blog_c):
    m = blog_c
    rel = m.Comment.includes("author").where(author={"name": "Ann"})
    selected, changed, count = _bulk(rel, None, "body")
    assert changed == selected and count == 2
    assert sorted(m.Comment.pluck("body")) == ["nice"]
    nice = m.Comment.find_by(body="nice").id
    rel = m.Comment.includes("author").references("author") \
        .where("rb_authors.name = ?", "Bob")
    assert _bulk(rel, None, "body") == ([nice], [nice], 1)
    assert m.Comment.count() == 0


def test_bulk_writes_with_eager_load_and_a_condition_on_the_joined_table(blog_c):
    m = blog_c
    rel = m.Author.eager_load("posts").where(posts={"score": 5})
    selected, changed, count = _bulk(rel, {"name": "X"}, "name")
    assert selected == changed == [m.Post.find_by(title="Hello").author_id] and count == 1
    assert sorted(m.Author.pluck("name")) == ["Bob", "Cy", "X"]
    rel = m.Comment.eager_load({"author": "posts"}).where(rb_posts={"title": "Bobs"})
    selected, changed, count = _bulk(rel, None, "body")
    assert changed == selected and count == 1
    assert sorted(m.Comment.pluck("body")) == ["meh", "wow"]


def test_bulk_writes_with_eager_load_and_a_limit_touch_the_page_of_records(blog_c):
    # The limit is of records, not of joined rows (the page eager_load reads).
    m = blog_c
    page = m.Author.eager_load("posts").where(name=["Ann", "Bob"]) \
        .order(m.Post.c.score.desc()).limit(1)
    assert [a.name for a in page] == ["Bob"]
    selected, changed, count = _bulk(page, {"name": "X"}, "name")
    assert selected == changed == [m.Post.find_by(title="Bobs").author_id] and count == 1
    rel = m.Author.eager_load("posts").limit(2)  # no order: by the key
    selected, changed, count = _bulk(rel, {"name": "Y"}, "name")
    assert selected == changed and count == 2 and m.Author.where(name="Y").count() == 2
    rel = m.Photo.eager_load("comments").order("rb_photos.title").offset(1)
    assert [p.title for p in rel] == ["Sunset"]
    selected, changed, count = _bulk(rel, None, "title")
    assert selected == changed and count == 1 and m.Photo.pluck("title") == ["Dawn"]


def test_bulk_writes_through_joins_by_name(blog_c):
    m = blog_c
    for rel, values, left in (
            (m.Category.joins("parent").where(parent={"name": "Tech"}), {"name": "Z"},
             ["Tech"]),
            (m.Post.joins("tags").where(tags={"name": "db"}), {"title": "Z"},
             ["Bobs", "Second"]),
            (m.Author.joins("tags").where(tags={"name": "db"}), {"name": "Z"},
             ["Bob", "Cy"]),
            (m.Post.where_associated("category"), {"title": "W"}, ["Bobs"])):
        selected, changed, count = _bulk(rel, values, "title" if rel.model is m.Post
                                         else "name")
        assert selected == changed and count == len(changed) > 0
        column = "title" if rel.model is m.Post else "name"
        assert sorted(rel.model.where_not(**{column: list(values.values())})
                      .pluck(column)) == left
    cy = m.Author.find_by(name="Cy").id
    rel = m.Author.where_missing("posts", "photos", "comments")
    assert _bulk(rel, None, "name") == ([cy], [cy], 1)
    rel = m.Comment.joins("author").where(author={"name": "Bob"})
    assert _bulk(rel, None, "body")[2] == 1 and sorted(m.Comment.pluck("body")) == \
        ["meh", "wow"]


def test_bulk_write_of_a_grouped_relation_is_refused_before_sql(blog_c):
    with assert_queries(0), pytest.raises(ValueError, match="grouped"):
        blog_c.Post.joins("author").group("rb_authors.name").update_all(score=1)


def test_pluck_ids_and_count_of_an_eager_load_page(blog):
    m = blog
    hello = m.Post.find_by(title="Hello")
    page = m.Post.eager_load("comments").order("rb_posts.id").limit(1)
    assert sorted(page.pluck("rb_comments.body")) == ["meh", "nice"]  # the page's rows
    assert page.ids() == [hello.id]
    assert m.Post.eager_load("comments").order("rb_posts.id").ids() == \
        m.Post.order("id").ids()  # each record once
    assert m.Author.eager_load("posts").offset(1).count() == 2
    assert m.Author.eager_load("posts").limit(2).offset(2).count() == 1
    assert m.Author.eager_load("posts").order("rb_authors.id").offset(1).pluck("name") \
        == ["Bob", "Cy"]


def test_pluck_and_calculations_of_a_column_of_an_included_table(blog):
    # As Rails' has_include?: a column of an included table joins it (eager_load).
    m = blog
    rel = m.Author.includes("posts").order("rb_authors.id", "rb_posts.id")
    assert rel.pluck("name", "rb_posts.title") == \
        [("Ann", "Hello"), ("Ann", "Second"), ("Bob", "Bobs"), ("Cy", None)]
    assert rel.pluck("posts.score") == [5, 3, 9, None]
    assert m.Author.includes("posts").sum(m.Post.c.score) == 17
    assert m.Author.includes("posts").maximum("posts.score") == 9
    assert m.Author.includes("posts").count("rb_posts.id") == 3
    with assert_queries(1):  # its own columns: no join, as before
        assert m.Author.includes("posts").order("id").pluck("name") == ["Ann", "Bob", "Cy"]


# -- 3. singular readers ------------------------------------------------------------------
@pytest.fixture
def keyless(db, make_table):
    """rb_codes (no primary key, code UNIQUE), referred to by rb_items.code_ref;
    rb_nicks (no primary key), one per rb_people row; rb_badges.holder_code refers to
    rb_people.code (columns named differently on each side)."""
    q = db.dialect.quote_name
    make_table("rb_codes", code="string(10) NOT NULL UNIQUE", label="string(20)")
    make_table("rb_items", id="pk", code_ref="string(10)", name="string(20)")
    make_table("rb_people", id="pk", code="string(10) NOT NULL UNIQUE", name="string(20)")
    make_table("rb_nicks", person_id="int", nick="string(20)")
    make_table("rb_badges", _fk(db, "holder_code", "rb_people", "code"), id="pk",
               holder_code="string(10) UNIQUE", label="string(20)")

    class Code(Model):
        table_name = "rb_codes"

    class Item(Model):
        table_name = "rb_items"
        code = belongs_to("Code", foreign_key="code_ref", primary_key="code")

    class Person(Model):
        table_name = "rb_people"
        nick = has_one("Nick")
        badge = has_one("Badge", foreign_key="holder_code", primary_key="code")

    class Nick(Model):
        table_name = "rb_nicks"
        person = belongs_to("Person")

    class Badge(Model):
        table_name = "rb_badges"
        holder = belongs_to("Person", foreign_key="holder_code", primary_key="code")

    for code, label in (("A1", "alpha"), ("B2", "beta")):
        db.execute(f"INSERT INTO {q('rb_codes')} ({q('code')}, {q('label')}) VALUES (?, ?)",
                   [code, label])
    Item.create(name="x", code_ref="B2")
    pat = Person.create(code="P1", name="Pat")
    db.execute(f"INSERT INTO {q('rb_nicks')} ({q('person_id')}, {q('nick')}) VALUES (?, ?)",
               [pat.id, "patty"])
    Badge.create(holder_code="P1", label="gold")
    return SimpleNamespace(Code=Code, Item=Item, Person=Person, Nick=Nick, Badge=Badge)


def test_belongs_to_a_table_without_primary_key(keyless):
    k = keyless
    item = k.Item.first()
    with capture_sql() as sql:
        assert item.code.label == "beta"
    assert len(sql) == 1 and "ORDER BY" not in sql[0]  # LIMIT 1, as Rails reads it
    assert [i.code.label for i in k.Item.preload("code")] == ["beta"]
    assert [i.code.label for i in k.Item.eager_load("code")] == ["beta"]


def test_has_one_of_a_table_without_primary_key(keyless):
    k = keyless
    pat = k.Person.first()
    with capture_sql() as sql:
        assert pat.nick.nick == "patty"
    assert "ORDER BY" not in sql[0]
    assert pat.nick.person is pat  # the inverse, without a query
    assert [p.nick.nick for p in k.Person.eager_load("nick")] == ["patty"]
    with capture_sql() as sql:
        assert pat.badge.label == "gold"
    assert "ORDER BY" in sql[0]  # with a key: the lowest, as first() reads


def test_bulk_write_joining_from_a_table_without_primary_key_is_refused(keyless):
    # Rows without a key cannot be told apart through a join: refused before any SQL.
    k = keyless
    for rel in (k.Nick.joins("person").where(person={"name": "Pat"}),
                k.Nick.includes("person").where(person={"name": "Pat"})):
        with assert_queries(0), pytest.raises(UnknownPrimaryKey, match="rb_nicks"):
            rel.update_all(nick="x")
        with assert_queries(0), pytest.raises(UnknownPrimaryKey, match="rb_nicks"):
            rel.delete_all()
    assert k.Nick.pluck("nick") == ["patty"]


def test_belongs_to_caches_the_has_one_inverse_on_the_record_it_found(keyless):
    # holder_code -> code: the has_one's cache key is the found person's code.
    k = keyless
    for badge in (k.Badge.first(), k.Badge.preload("holder").first(),
                  k.Badge.eager_load("holder").first()):
        holder = badge.holder
        with assert_queries(0):
            assert holder.badge is badge
    pat = k.Person.first()
    badge = pat.badge
    with assert_queries(0):
        assert badge.holder is pat


# -- 4. the blog as a new user uses it ----------------------------------------------------
def test_keys_come_from_constraints_or_conventions(blog):
    m = blog
    assert (m.Post.author.foreign_key, m.Post.author.primary_key) == (("author_id",), ("id",))
    assert m.Category.parent.foreign_key == ("parent_id",)
    assert m.Author.posts.foreign_key == ("author_id",)
    assert m.Post.tags.join_table == "rb_posts_tags"  # Rails' default: common prefix once
    assert m.Post.tags.keys() == ((("post_id",), ("id",)), (("tag_id",), ("id",)))
    assert m.Review.edition.foreign_key == m.Edition.reviews.foreign_key == \
        ("edition_isbn", "edition_version")
    assert m.Review.edition.primary_key == ("isbn", "version")


def test_default_join_table_writes_a_common_prefix_once():
    assert default_join_table("rb_tags", "rb_posts") == "rb_posts_tags"
    assert default_join_table("artists", "albums") == "albums_artists"
    assert default_join_table("shop_categories", "shop_products") == \
        "shop_categories_products"
    assert default_join_table("Playlist", "Track") == "Playlist_Track"
    assert default_join_table("x", "x_y") == "x_x_y"  # no "_" ends a common prefix


def test_readers_writers_and_inverses(blog):
    m = blog
    ann = m.Author.find_by(name="Ann")
    hello = m.Post.find_by(title="Hello")
    with assert_queries(3):
        assert hello.author.name == "Ann" and hello.category.parent.name == "Tech"
    with assert_queries(1):
        posts = ann.posts.to_list()
    with assert_queries(0):
        assert [p.author for p in posts] == [ann, ann] and posts[0].author is ann
    post = m.Post(title="New", author=m.Author.find_by(name="Cy"))
    post.save()
    assert m.Post.find(post.id).author.name == "Cy"
    post.author = ann
    post.save()
    assert m.Post.where(author_id=ann.id).count() == 3
    with pytest.raises(RecordInvalid, match="Author must exist"):
        m.Post(title="Orphan").save(raise_on_invalid=True)  # author_id NOT NULL: required
    python = m.Category.find_by(name="Python")
    python.parent = None  # nullable: optional
    python.save()
    assert m.Category.find(python.id).parent is None
    fresh = m.Author(name="Dee")
    fresh.posts.build(title="D1", score=1)
    fresh.save()
    assert [p.title for p in m.Author.find(fresh.id).posts] == ["D1"]


def test_collections_chain_and_count(blog):
    m = blog
    ann = m.Author.find_by(name="Ann")
    assert ann.posts.where(m.Post.c.score > 4).pluck("title") == ["Hello"]
    assert ann.posts.order(m.Post.c.score.desc()).first().title == "Hello"
    assert ann.posts.joins("category").order("rb_posts.id").pluck("category.name") == \
        ["Python", "Tech"]
    assert ann.posts.where_missing("comments").pluck("title") == ["Second"]
    with assert_queries(2):
        assert ann.posts.count() == 2 and ann.posts.count() == 2  # always SQL COUNT
    ann.posts.load()
    with assert_queries(0):
        assert ann.posts.size() == 2
    bobs = m.Post.find_by(title="Bobs")
    assert ann.posts.find_by(title="Bobs") is None and not ann.posts.exists(bobs.id)
    assert sorted(t.name for t in ann.tags) == ["db", "py", "py"]  # through: duplicates
    assert ann.tags.distinct().count() == 2


def test_polymorphic_comments_are_told_apart_by_type(blog):
    m = blog
    hello, sunset = m.Post.find_by(title="Hello"), m.Photo.find_by(title="Sunset")
    assert hello.id == sunset.id
    assert sorted(c.body for c in hello.comments) == ["meh", "nice"]
    assert [c.body for c in sunset.comments] == ["wow"]
    with assert_queries(3):  # comments, then one query per type
        found = {c.body: c.commentable for c in m.Comment.preload("commentable")}
    assert found["wow"] == sunset and found["nice"] == hello
    assert m.Post.where_missing("comments").order("id").pluck("title") == ["Second", "Bobs"]
    assert m.Photo.where_associated("comments").pluck("title") == ["Sunset"]
    assert m.Post.joins("comments").where(comments={"body": "wow"}).count() == 0


def test_joins_by_name_nested_self_through_and_many_to_many(blog):
    m = blog
    assert m.Comment.joins({"author": "posts"}).where(rb_posts={"title": "Bobs"}) \
        .pluck("body") == ["nice"]
    assert sorted(m.Category.joins("parent").pluck("name", "parent.name")) == \
        [("Misc", "Tech"), ("Python", "Tech")]
    assert m.Category.joins({"children": "posts"}).pluck("name", "children.posts.title") \
        == [("Tech", "Hello")]
    assert m.Author.joins("tags").where(tags={"name": "db"}).pluck("name") == ["Ann"]
    assert sorted(m.Tag.joins("posts").where(posts={"title": "Second"}).pluck("name")) \
        == ["py"]
    assert m.Author.left_joins("posts").where(posts={"id": None}).pluck("name") == ["Cy"]
    assert m.Review.joins("edition").where(edition={"title": "Second"}).count() == 2
    assert m.Post.joins("author").where(author={"name": "Ann"}).order("rb_posts.id") \
        .pluck("title") == ["Hello", "Second"]


def test_where_missing_and_where_associated(blog):
    m = blog
    assert m.Author.where_missing("posts").pluck("name") == ["Cy"]
    assert m.Author.where_missing("tags").order("id").pluck("name") == ["Bob", "Cy"]
    assert m.Post.where_missing("tags").pluck("title") == ["Bobs"]
    assert m.Category.where_missing("parent").pluck("name") == ["Tech"]
    assert m.Category.where_missing("children").order("id").pluck("name") == \
        ["Python", "Misc"]
    assert m.Edition.where_missing("reviews").pluck("title") == ["First"]
    assert m.Edition.where_associated("reviews").distinct().pluck("title") == ["Second"]


def test_includes_nested_counts_and_the_same_values_as_lazy(blog):
    m = blog

    def shape(authors):
        return [(a.name, [(p.title, sorted((c.body, c.author and c.author.name)
                                           for c in p.comments)) for p in a.posts])
                for a in authors]
    lazy = shape(m.Author.order("id"))
    with assert_queries(4):  # authors, posts, comments, their authors
        assert shape(m.Author.includes({"posts": {"comments": "author"}}).order("id")) \
            == lazy
    with assert_queries(1):
        assert shape(m.Author.eager_load({"posts": {"comments": "author"}})
                     .order("rb_authors.id", "rb_posts.id")) == lazy
    with assert_queries(3):  # posts, join rows, tags
        tags = {p.title: sorted(t.name for t in p.tags) for p in m.Post.includes("tags")}
    assert tags == {"Hello": ["db", "py"], "Second": ["py"], "Bobs": []}


def test_eager_load_limit_and_order_by_a_joined_column(blog):
    m = blog
    rel = m.Author.eager_load("posts").where(name=["Ann", "Bob"]) \
        .order(m.Post.c.score.desc())
    with assert_queries(2):  # the page's keys, then its rows (Rails)
        page = rel.limit(1).to_list()
    assert [(a.name, [p.title for p in a.posts]) for a in page] == [("Bob", ["Bobs"])]
    with assert_queries(1):
        assert [a.name for a in rel] == ["Bob", "Ann"]
    assert rel.limit(1).offset(1).first().name == "Ann"


def test_strict_loading(blog):
    m = blog
    post = m.Post.strict_loading().order("id").first()
    with pytest.raises(StrictLoadingViolationError, match="Post.author"):
        post.author  # noqa: B018
    loaded = m.Post.strict_loading().includes({"comments": "author"}).order("id").first()
    assert sorted(c.author.name for c in loaded.comments) == ["Ann", "Bob"]
    assert loaded.comments[0].commentable is loaded  # the inverse, loaded
    with pytest.raises(StrictLoadingViolationError, match="Author.posts"):
        loaded.comments[0].author.posts.to_list()  # strict like its owner
    assert m.Post.order("id").first().author.name == "Ann"


def test_dependent_rules(blog_c):
    m = blog_c
    bob = m.Author.find_by(name="Bob")
    m.Comment.where(author_id=bob.id).delete_all()
    comments_of_others = m.Comment.count()
    bob.destroy()  # posts destroyed (their comments deleted), photos nullified
    assert m.Post.where(title="Bobs").count() == 0
    assert sorted(m.Photo.where(author_id=None).pluck("title")) == ["Dawn", "Sunset"]
    assert m.Comment.count() == comments_of_others
    ann = m.Author.find_by(name="Ann")
    m.Comment.where(author_id=ann.id).delete_all()
    ann.destroy()  # its posts destroyed: their comments and join rows deleted
    assert m.Post.count() == 0 and m.Comment.count() == 0 and m.Tag.count() == 2
    assert m.db.execute("SELECT COUNT(*) FROM rb_posts_tags").rows == [(0,)]


def test_destroying_a_many_to_many_owner_deletes_its_join_rows(blog):
    # Rails' destroy_associations: the join rows go, the records on the other side stay
    # (with constraints the DELETE was refused; without, the rows were left behind).
    m = blog
    m.Post.find_by(title="Second").destroy()
    hello = m.Post.find_by(title="Hello")
    rows = m.db.execute("SELECT post_id, tag_id FROM rb_posts_tags").rows
    assert sorted(rows) == sorted((hello.id, t.id) for t in m.Tag.all())
    m.Tag.find_by(name="db").destroy()  # from the other side too
    assert m.db.execute("SELECT post_id, tag_id FROM rb_posts_tags").rows == \
        [(hello.id, m.Tag.find_by(name="py").id)]
    assert m.Tag.count() == 1 and [t.name for t in hello.tags] == ["py"]


def test_composite_foreign_key(blog):
    m = blog
    second = m.Edition.find(("111", 2))
    assert sorted(r.stars for r in second.reviews) == [4, 5]
    review = second.reviews.create(stars=1)
    assert (review.edition_isbn, review.edition_version) == ("111", 2)
    assert review.edition == second
    with assert_queries(2):
        loaded = {e.title: len(e.reviews) for e in m.Edition.includes("reviews")}
    assert loaded == {"First": 0, "Second": 3}
    with assert_queries(1):
        assert {r.edition.title for r in m.Review.eager_load("edition")} == {"Second"}
    first = m.Edition.find(("111", 1))
    review.edition = first
    review.save()
    assert m.Review.where(edition_version=1).pluck("stars") == [1]


def test_automap_of_the_blog(blog_c):
    m = automap(blog_c.db, tables=["rb_authors", "rb_posts", "rb_categories",
                                   "rb_tags", "rb_posts_tags", "rb_editions",
                                   "rb_reviews"])
    post = m.RbPost.find_by(title="Hello")
    assert post.author.name == "Ann" and post.category.parent.name == "Tech"
    assert sorted(t.name for t in post.rb_tags) == ["db", "py"]
    with assert_queries(2):
        assert [len(a.rb_posts) for a in m.RbAuthor.includes("rb_posts").order("id")] \
            == [2, 1, 0]
    assert sorted(r.stars for r in m.RbEdition.find(("111", 2)).rb_reviews) == [4, 5]
    assert m.RbCategory.where_missing("parent").pluck("name") == ["Tech"]


# -- a PascalCase schema -------------------------------------------------------------------
@pytest.fixture(params=[True, False], ids=["constraints", "convention"])
def company(request, db, make_table):
    """RcDepartment <- RcPerson (MentorId: a self-reference) <- RcBadge (one a person),
    RcPerson <-> RcProject over RcProjectMember (its key is both columns).

    Eng: Boss, Ann (mentor Boss; badge gold; projects X, Y). Ops: Bob (mentor Boss;
    project X). No department: Cid (mentor Ann)."""
    c = (lambda *a: [_fk(db, *a)]) if request.param else (lambda *a: [])
    q = db.dialect.quote_name
    make_table("RcDepartment", DepartmentId="pk", Name="string(40)")
    make_table("RcPerson", *c("DepartmentId", "RcDepartment", "DepartmentId"),
               *c("MentorId", "RcPerson", "PersonId"), PersonId="pk",
               Name="string(40) NOT NULL", DepartmentId="int", MentorId="int")
    make_table("RcProject", ProjectId="pk", Title="string(40)")
    make_table("RcProjectMember", *c("ProjectId", "RcProject", "ProjectId"),
               *c("PersonId", "RcPerson", "PersonId"),
               f"PRIMARY KEY ({q('ProjectId')}, {q('PersonId')})",
               ProjectId="int NOT NULL", PersonId="int NOT NULL")
    make_table("RcBadge", *c("PersonId", "RcPerson", "PersonId"), BadgeId="pk",
               PersonId="int UNIQUE", Label="string(40)")

    class RcDepartment(Model):
        table_name = "RcDepartment"
        people = has_many("RcPerson", dependent="nullify")

    class RcPerson(Model):
        table_name = "RcPerson"
        department = belongs_to("RcDepartment")
        mentor = belongs_to("RcPerson", foreign_key="MentorId")
        mentees = has_many("RcPerson", foreign_key="MentorId", dependent="restrict")
        badge = has_one("RcBadge", dependent="destroy")
        projects = has_and_belongs_to_many("RcProject", join_table="RcProjectMember")

    class RcProject(Model):
        table_name = "RcProject"
        members = has_and_belongs_to_many("RcPerson", join_table="RcProjectMember")

    class RcBadge(Model):
        table_name = "RcBadge"
        person = belongs_to("RcPerson")

    eng, ops = RcDepartment.create(Name="Eng"), RcDepartment.create(Name="Ops")
    boss = RcPerson.create(Name="Boss", department=eng)
    ann = RcPerson.create(Name="Ann", department=eng, mentor=boss)
    bob = RcPerson.create(Name="Bob", department=ops, mentor=boss)
    RcPerson.create(Name="Cid", mentor=ann)
    RcBadge.create(person=ann, Label="gold")
    x, y = RcProject.create(Title="X"), RcProject.create(Title="Y")
    ann.projects.add(x, y)
    bob.projects.add(x)
    return SimpleNamespace(Department=RcDepartment, Person=RcPerson, Project=RcProject,
                           Badge=RcBadge, db=db)


def test_pascal_case_keys_readers_and_self_reference(company):
    c = company
    assert c.Person.department.foreign_key == ("DepartmentId",)
    assert c.Department.people.foreign_key == ("DepartmentId",)
    assert c.Badge.person.foreign_key == ("PersonId",)
    ann = c.Person.find_by(Name="Ann")
    assert (ann.department.Name, ann.mentor.Name, ann.badge.Label) == ("Eng", "Boss", "gold")
    boss = c.Person.find_by(Name="Boss")
    mentees = boss.mentees.to_list()
    with assert_queries(0):
        assert [p.mentor for p in mentees] == [boss, boss] and mentees[0].mentor is boss
    assert sorted(p.Title for p in ann.projects) == ["X", "Y"]
    assert sorted(p.Name for p in c.Project.find_by(Title="X").members) == ["Ann", "Bob"]


def test_pascal_case_joins_and_where_missing(company):
    c = company
    assert c.Person.joins({"mentor": "mentor"}).pluck("Name", "mentor.Name",
                                                       "mentor.mentor.Name") == \
        [("Cid", "Ann", "Boss")]
    assert c.Person.joins("mentor").where(mentor={"Name": "Boss"}).order("RcPerson.Name") \
        .pluck("Name") == ["Ann", "Bob"]
    assert c.Person.where_missing("mentor").pluck("Name") == ["Boss"]
    assert c.Person.where_missing("mentees").order("Name").pluck("Name") == ["Bob", "Cid"]
    assert c.Person.where_missing("projects").order("Name").pluck("Name") == ["Boss", "Cid"]
    joined = c.Department.joins({"people": "projects"})
    assert joined.where(RcProject={"Title": "Y"}).pluck("Name") == ["Eng"]  # by table
    assert joined.where(**{"people.projects": {"Title": "Y"}}).pluck("Name") == ["Eng"]


def test_pascal_case_preload_and_eager_load(company):
    c = company

    def shape(departments):
        return [(d.Name, sorted((p.Name, p.badge and p.badge.Label,
                                 sorted(x.Title for x in p.projects),
                                 p.mentor and p.mentor.Name) for p in d.people))
                for d in departments]
    lazy = shape(c.Department.order("Name"))
    paths = {"people": ["badge", "projects", "mentor"]}
    with assert_queries(6):  # departments, people, badges, join rows, projects, mentors
        assert shape(c.Department.includes(paths).order("Name")) == lazy
    with assert_queries(1):
        assert shape(c.Department.eager_load(paths).order("RcDepartment.Name")) == lazy
    with assert_queries(2):
        page = c.Person.eager_load("mentees").where(Name=["Boss", "Ann"]) \
            .order("mentees.Name").limit(1).to_list()
    assert [(p.Name, [m.Name for m in p.mentees]) for p in page] == [("Boss", ["Ann", "Bob"])]


def test_pascal_case_dependent_rules(company):
    c = company
    boss = c.Person.find_by(Name="Boss")
    with pytest.raises(DeleteRestrictionError):
        boss.destroy()  # restrict: nothing changed
    assert c.Person.count() == 4
    eng = c.Department.find_by(Name="Eng")
    eng.destroy()  # nullify
    assert c.Person.where(DepartmentId=None).order("Name").pluck("Name") == \
        ["Ann", "Boss", "Cid"]
    ann = c.Person.find_by(Name="Ann")
    ann.badge = c.Badge(Label="silver")  # the old one destroyed (dependent="destroy")
    assert c.Badge.pluck("Label", "PersonId") == [("silver", ann.PersonId)]
