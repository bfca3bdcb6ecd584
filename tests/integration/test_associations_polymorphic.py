"""Polymorphic associations: ``belongs_to(polymorphic=True)`` and
``has_many``/``has_one(as_=...)``, on tables made per test (all three databases):
snake_case and PascalCase columns, option overrides, a post and a photo sharing one
key value, dependent rules, inverses, preload, joins."""

from __future__ import annotations

import pytest

from activerecord import (
    AssociationNotFoundError,
    AssociationTypeMismatch,
    DeleteRestrictionError,
    InvalidAssociation,
    Model,
    RecordInvalid,
    belongs_to,
    has_many,
    has_one,
)
from activerecord.associations import preloader
from activerecord.testing import assert_queries


def poly_models(make_table, dependent=None):
    """pm_posts / pm_photos / pm_comments; a post and a photo with the same id."""
    make_table("pm_posts", id="pk", title="string(50)")
    make_table("pm_photos", id="pk", url="string(50)")
    make_table("pm_comments", id="pk", body="string(50)",
               commentable_type="string(50)", commentable_id="int")

    class Post(Model):
        table_name = "pm_posts"
        comments = has_many("Comment", as_="commentable", dependent=dependent)

    class Photo(Model):
        table_name = "pm_photos"
        comments = has_many("Comment", as_="commentable")
        caption = has_one("Comment", as_="commentable")

    class Comment(Model):
        table_name = "pm_comments"
        commentable = belongs_to(polymorphic=True)

    post, photo = Post.create(title="Hello"), Photo.create(url="a.png")
    assert post.id == photo.id  # the type column tells them apart
    Comment.create(body="on post 1", commentable_type="Post", commentable_id=post.id)
    Comment.create(body="on post 2", commentable_type="Post", commentable_id=post.id)
    Comment.create(body="on photo", commentable_type="Photo", commentable_id=photo.id)
    return Post, Photo, Comment


def bodies(relation):
    return sorted(c.body for c in relation)


def raw_row(db, table, key):
    q = db.dialect.quote_name
    return db.execute(f"SELECT commentable_type, commentable_id FROM {q(table)} "
                      f"WHERE {q('id')} = ?", [key]).rows[0]


# -- belongs_to(polymorphic=True) --------------------------------------------------------
def test_reads_the_class_from_the_type_column(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    reflection = Comment.commentable
    assert reflection.polymorphic and reflection.foreign_key == ("commentable_id",)
    assert reflection.foreign_type == "commentable_type"
    on_post, on_photo = Comment.find_by(body="on post 1"), Comment.find_by(body="on photo")
    with assert_queries(2):
        assert isinstance(on_post.commentable, Post) and on_post.commentable.title == "Hello"
        assert isinstance(on_photo.commentable, Photo) and on_photo.commentable.url == "a.png"
        assert on_post.commentable is on_post.commentable  # cached


def test_assigning_sets_both_columns_and_none_clears_both(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    photo = Photo.create(url="b.png")
    comment = Comment.find_by(body="on post 1")
    with assert_queries(0):
        comment.commentable = photo
        assert (comment.commentable_type, comment.commentable_id) == ("Photo", photo.id)
        assert comment.commentable is photo
    comment.save()
    assert tuple(raw_row(db, "pm_comments", comment.id)) == ("Photo", photo.id)
    assert Comment.find(comment.id).commentable == photo
    comment.commentable = None
    assert (comment.commentable_type, comment.commentable_id) == (None, None)
    comment.save()
    assert tuple(raw_row(db, "pm_comments", comment.id)) == (None, None)
    assert Comment.find(comment.id).commentable is None
    comment.commentable_type, comment.commentable_id = "Post", Post.first().id
    assert isinstance(comment.commentable, Post)  # changed columns: read again


def test_a_new_parent_is_saved_first(db, make_table):
    Post, _, Comment = poly_models(make_table)
    comment = Comment(body="new", commentable=Post(title="Fresh"))
    comment.save()
    fresh = Post.find_by(title="Fresh")
    assert (comment.commentable_type, comment.commentable_id) == ("Post", fresh.id)


def test_a_type_naming_no_model_raises_clearly(db, make_table):
    _, _, Comment = poly_models(make_table)
    bad = Comment.create(body="bad", commentable_type="Nope", commentable_id=1)
    with assert_queries(0):
        with pytest.raises(InvalidAssociation, match=r"commentable_type = 'Nope'.*"
                                                     r"names no model.*bad"):
            bad.commentable


def test_assigning_something_else_raises_before_sql(db, make_table):
    _, _, Comment = poly_models(make_table)
    comment = Comment.find_by(body="on photo")
    with assert_queries(0):
        with pytest.raises(AssociationTypeMismatch, match="model record"):
            comment.commentable = "Post"
        with pytest.raises(AssociationTypeMismatch):
            comment.commentable = object()
    assert comment.commentable_type == "Photo"


def test_pascal_case_columns_are_found(db, make_table):
    make_table("PmArticle", ArticleId="pk", Title="string(20)")
    make_table("PmNote", NoteId="pk", Body="string(20)", NotableType="string(20)",
               NotableId="int")

    class Article(Model):
        table_name = "PmArticle"
        notes = has_many("Note", as_="notable")

    class Note(Model):
        table_name = "PmNote"
        notable = belongs_to(polymorphic=True)

    article = Article.create(Title="A")
    note = Note.create(Body="n", notable=article)
    assert (note.NotableType, note.NotableId) == ("Article", article.ArticleId)
    assert Note.find(note.NoteId).notable == article
    assert [n.Body for n in article.notes] == ["n"]
    assert Article.notes.foreign_key == ("NotableId",)
    assert Article.notes.foreign_type == "NotableType"


def test_foreign_type_and_foreign_key_override(db, make_table):
    make_table("pm_owners", id="pk", name="string(20)")
    make_table("pm_pets", id="pk", name="string(20)", kind_of_owner="string(20)",
               owner_ref="int")

    class Owner(Model):
        table_name = "pm_owners"
        pets = has_many("Pet", as_="keeper")  # columns from Pet.keeper
        same = has_many("Pet", as_="other", foreign_key="owner_ref",
                        foreign_type="kind_of_owner")

    class Pet(Model):
        table_name = "pm_pets"
        keeper = belongs_to(polymorphic=True, foreign_type="kind_of_owner",
                            foreign_key="owner_ref")

    owner = Owner.create(name="Ann")
    rex = Pet.create(name="Rex", keeper=owner)
    assert (rex.kind_of_owner, rex.owner_ref) == ("Owner", owner.id)
    assert [p.name for p in owner.pets] == ["Rex"] == [p.name for p in owner.same]
    assert Pet.find(rex.id).keeper == owner


def test_missing_columns_name_what_was_tried(db, make_table):
    make_table("pm_plain", id="pk", name="string(20)")

    class Plain(Model):
        table_name = "pm_plain"
        thing = belongs_to(polymorphic=True)
        things = has_many("Plain", as_="gadget")

    with pytest.raises(InvalidAssociation, match="thing_id, ThingId.*foreign_key="):
        Plain.thing.foreign_key
    with pytest.raises(InvalidAssociation, match="gadget_id, GadgetId.*foreign_key="):
        Plain.things.foreign_key
    with pytest.raises(InvalidAssociation, match="is polymorphic"):
        Plain.thing.target


def test_declaration_errors():
    with pytest.raises(InvalidAssociation, match="polymorphic"):
        belongs_to("Post", polymorphic=True)
    with pytest.raises(InvalidAssociation, match="foreign_type"):
        belongs_to("Post", foreign_type="x_type")
    with pytest.raises(InvalidAssociation, match="as_="):
        has_many("Comment", foreign_type="x_type")
    with pytest.raises(InvalidAssociation, match="as_="):
        has_many("Comment", through="posts", as_="commentable")


# -- has_many / has_one (as_=...) ---------------------------------------------------------
def test_has_many_as_scopes_by_type_and_key(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    post, photo = Post.first(), Photo.first()
    assert bodies(post.comments) == ["on post 1", "on post 2"]
    assert bodies(photo.comments) == ["on photo"]
    assert post.comments.count() == 2 and photo.comments.count() == 1
    assert photo.comments.where(body="on post 1").exists() is False
    assert photo.caption.body == "on photo"
    assert Post.create(title="Empty").comments.to_list() == []


def test_build_create_and_add_set_both_columns(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    photo = Photo.first()
    built = photo.comments.build(body="built")
    assert (built.commentable_type, built.commentable_id) == ("Photo", photo.id)
    made = photo.comments.create(body="made")
    loose = Comment.create(body="loose")
    photo.comments.add(loose)
    assert tuple(raw_row(db, "pm_comments", made.id)) == ("Photo", photo.id)
    assert tuple(raw_row(db, "pm_comments", loose.id)) == ("Photo", photo.id)
    assert bodies(Photo.first().comments) == ["loose", "made", "on photo"]
    assert bodies(Post.first().comments) == ["on post 1", "on post 2"]


def test_remove_and_has_one_assignment_clear_both_columns(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    post, photo = Post.first(), Photo.first()
    first = Comment.find_by(body="on post 1")
    post.comments.remove(first)
    assert tuple(raw_row(db, "pm_comments", first.id)) == (None, None)
    old = photo.caption
    photo.caption = Comment(body="new caption")
    assert tuple(raw_row(db, "pm_comments", old.id)) == (None, None)
    assert Photo.first().caption.body == "new caption"
    assert bodies(Post.first().comments) == ["on post 2"]


def test_inverses_are_detected(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    post, photo = Post.first(), Photo.first()
    with assert_queries(1):
        assert all(c.commentable is post for c in post.comments)
    with assert_queries(1):
        assert photo.caption.commentable is photo
    assert Post.comments.inverse is Comment.commentable

    class Video(Model):  # only a has_one back: reading the comment's parent caches it
        table_name = "pm_photos"
        caption = has_one("Comment", as_="commentable")

    comment = Comment.create(body="on video", commentable=Video.first())
    comment = Comment.find(comment.id)
    with assert_queries(1):
        assert comment.commentable.caption is comment
    assert Comment.commentable.inverse_of_target(photo) is None  # has_many and has_one


@pytest.mark.parametrize("rule", ["destroy", "delete_all", "nullify"])
def test_dependent_rules_touch_only_the_owner_type(db, make_table, rule):
    Post, Photo, Comment = poly_models(make_table, dependent=rule)
    Post.first().destroy()
    assert bodies(Comment.where(commentable_type="Photo")) == ["on photo"]
    left = Comment.where(commentable_type="Post").count()
    assert left == 0
    assert Comment.count() == (3 if rule == "nullify" else 1)
    if rule == "nullify":
        assert Comment.where(commentable_type=None, commentable_id=None).count() == 2


def test_dependent_restrict(db, make_table):
    Post, Photo, Comment = poly_models(make_table, dependent="restrict")
    with pytest.raises(DeleteRestrictionError):
        Post.first().destroy()
    lonely = Post.create(title="no comments")
    Comment.create(body="photo's", commentable_type="Photo", commentable_id=lonely.id)
    lonely.destroy()  # a photo's comment with the same id does not restrict the post
    assert Post.count() == 1 and Comment.count() == 4


# -- preload and joins --------------------------------------------------------------------
def test_preload_belongs_to_takes_one_query_per_class(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    Photo.create(url="c.png")
    Comment.create(body="on photo 2", commentable=Photo.find_by(url="c.png"))
    Comment.create(body="orphan")
    with assert_queries(1 + 2):  # comments; posts; photos
        comments = Comment.order("id").preload("commentable").to_list()
    with assert_queries(0):
        parents = [c.commentable for c in comments]
    assert [type(p).__name__ if p else None for p in parents] == \
        ["Post", "Post", "Photo", "Photo", None]
    assert parents[0] is parents[1]  # one record per row
    assert [p.url for p in parents[2:4]] == ["a.png", "c.png"]
    on_post, on_photo = Comment.order("id").to_list()[0:3:2]
    on_post.commentable  # loaded: a preload does not query it again
    with assert_queries(1):  # the photos only
        preloader.preload(Comment, [on_post, on_photo], "commentable")
    with assert_queries(0):
        assert on_photo.commentable.url == "a.png"


def test_preload_has_many_as_adds_the_type(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    with assert_queries(2 + 3):
        posts = Post.preload("comments").to_list()
        photos = Photo.preload("comments", "caption").to_list()
    with assert_queries(0):
        assert bodies(posts[0].comments) == ["on post 1", "on post 2"]
        assert bodies(photos[0].comments) == ["on photo"]
        assert photos[0].caption.body == "on photo"
        assert posts[0].comments[0].commentable is posts[0]


def test_joins_of_has_many_as_add_the_type(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    assert Photo.joins("comments").where(Comment.c.body == "on post 1").count() == 0
    assert Post.joins("comments").where(Comment.c.body == "on post 1").count() == 1
    assert Post.joins("comments").count() == 2 and Photo.joins("comments").count() == 1
    node = Post.comments.extra_join_conditions("c")[0]
    assert (node.left.table, node.left.name, node.right.value) == \
        ("c", "commentable_type", "Post")
    assert Comment.commentable.extra_join_conditions("c") == []


def test_joins_of_the_polymorphic_side_are_refused(db, make_table):
    _, _, Comment = poly_models(make_table)
    with assert_queries(0):
        with pytest.raises(InvalidAssociation, match="polymorphic"):
            Comment.joins("commentable").to_list()


def test_eager_load_of_has_many_as_adds_the_type(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    with assert_queries(1):
        photos = Photo.eager_load("comments").to_list()
        assert [[c.body for c in p.comments] for p in photos] == [["on photo"]]


# -- touch, counter_cache, optional on the polymorphic side --------------------------------
def test_touch_counter_cache_and_optional(db, make_table):
    make_table("pm_songs", id="pk", comments_count="int DEFAULT 0", updated_at="datetime")
    make_table("pm_films", id="pk", comments_count="int DEFAULT 0", updated_at="datetime")
    make_table("pm_remarks", id="pk", commentable_type="string(20) NOT NULL",
               commentable_id="int NOT NULL")

    class Song(Model):
        table_name = "pm_songs"

    class Film(Model):
        table_name = "pm_films"

    class Comment(Model):
        table_name = "pm_remarks"
        commentable = belongs_to(polymorphic=True, touch=True, counter_cache=True)

    song, film = Song.create(), Film.create()
    old = song.updated_at
    Song.where(id=song.id).update_all(updated_at=old.replace(year=2001))
    remark = Comment.create(commentable=song)
    assert Song.find(song.id).comments_count == 1
    assert Song.find(song.id).updated_at > old.replace(year=2001)
    remark.commentable = film  # moved to another class: - 1 there, + 1 here
    remark.save()
    assert (Song.find(song.id).comments_count, Film.find(film.id).comments_count) == (0, 1)
    remark.destroy()
    assert Film.find(film.id).comments_count == 0
    assert Comment.commentable.required()  # both columns NOT NULL
    with assert_queries(0):
        with pytest.raises(RecordInvalid, match="Commentable must exist"):
            Comment.create()


def test_nested_preload_under_a_polymorphic_belongs_to_runs_per_class(db, make_table):
    Post, Photo, Comment = poly_models(make_table)
    with assert_queries(5):  # comments; posts; photos; then each class's comments
        comments = Comment.includes({"commentable": "comments"}).order("id").to_list()
        nested = [sorted(c.body for c in x.commentable.comments) for x in comments]
    assert nested == [["on post 1", "on post 2"]] * 2 + [["on photo"]]
    with assert_queries(3):  # a name only Photo has: Photo's records load it
        photos = Comment.preload({"commentable": "caption"}).where(
            commentable_type="Photo").to_list()
        assert photos[0].commentable.caption.body == "on photo"
    with pytest.raises(AssociationNotFoundError, match="caption"):  # Post has none
        Comment.preload({"commentable": "caption"}).to_list()
