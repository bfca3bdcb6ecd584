"""Enum attributes (issue 10, point 5) on every database: labels read and assigned,
stored values written, predicates, scopes, the mapping, conditions by label, Python
``enum.Enum`` members, string values, prefixes, and the errors naming the labels."""

from __future__ import annotations

import enum as pyenum

import pytest

from activerecord import AttributeCastError, ConfigurationError, Model, enum
from activerecord.testing import capture_sql


class Color(pyenum.Enum):
    red = 1
    blue = 2


class EnPost(Model):
    table_name = "en_posts"
    status = enum({"draft": 0, "published": 1, "archived": 2})
    kind = enum({"note": "n", "page": "p"}, prefix=True)  # "page" is Model.page
    color = enum(Color)


@pytest.fixture
def posts(db, make_table):
    make_table("en_posts", id="pk", title="string(20)", status="int NOT NULL DEFAULT 0",
               kind="string(1)", color="int")
    EnPost.reset_column_information()
    return EnPost


def _stored(db):
    return sorted(tuple(r) for r in db.execute(
        "SELECT title, status, kind, color FROM en_posts").rows)


def test_labels_in_python_values_in_the_database(db, posts):
    fresh = posts(title="a")
    assert fresh.status == "draft" and fresh.is_draft and not fresh.is_published
    fresh.update(status="published", kind="page", color=Color.blue)
    posts.create(title="b", status=2, kind="n", color=1)  # stored values are taken too
    assert _stored(db) == [("a", 1, "p", 2), ("b", 2, "n", 1)]
    a = posts.find_by(title="a")
    assert (a.status, a.kind, a.color) == ("published", "page", Color.blue)
    assert a.is_published and a.is_kind_page and not a.is_kind_note
    assert posts.statuses == {"draft": 0, "published": 1, "archived": 2}
    assert posts.kinds == {"note": "n", "page": "p"}


def test_scopes_and_conditions_by_label(db, posts):
    posts.create(title="a", status="published", kind="page")
    posts.create(title="b", status="archived", kind="note")
    posts.create(title="c")
    assert posts.published().pluck("title") == ["a"]
    assert posts.kind_note().pluck("title") == ["b"]
    assert sorted(posts.where(status=["draft", "archived"]).pluck("title")) == ["b", "c"]
    assert posts.where_not(status="draft").count() == 2
    assert posts.where(color=Color.red).count() == 0
    with capture_sql() as sql:
        posts.published().to_list()
    assert "published" not in sql[0]  # the stored value is bound, never the label
    assert posts.order("id").pluck("status") == ["published", "archived", "draft"]


def test_unknown_labels_raise_naming_the_labels(db, posts):
    post = posts.create(title="a")
    with pytest.raises(ValueError, match="draft, published, archived"):
        post.status = "deleted"
    with pytest.raises(AttributeCastError, match="draft, published, archived"):
        posts.where(status="deleted").count()
    with pytest.raises(ValueError):
        post.color = "green"
    assert not post.has_changes and posts.find(post.id).status == "draft"


def test_dirty_tracking_and_json_use_labels(db, posts):
    post = posts.create(title="a", color=Color.red)
    post.status = 1  # a stored value assigned: the label
    assert post.changes == {"status": ("draft", "published")}
    post.status = "draft"
    assert not post.has_changes
    assert post.as_json(only=["status", "color"]) == {"status": "draft", "color": "red"}


def test_declaration_errors(db, posts):
    with pytest.raises(RuntimeError) as info:
        class Clash(Model):
            table_name = "en_posts"
            kind = enum({"page": "p"})  # Model.page exists
    assert isinstance(info.value.__cause__, ConfigurationError)
    assert "prefix=True" in str(info.value.__cause__)
    with pytest.raises(ConfigurationError, match="identifier"):
        enum({"not a name": 1})
    with pytest.raises(ConfigurationError, match="two labels"):
        enum({"a": 1, "b": 1})

    class Missing(Model):
        table_name = "en_posts"
        mood = enum(["happy", "sad"])

    with pytest.raises(ConfigurationError, match="names no column"):
        Missing.first()


@pytest.fixture
def moods(db, make_table):
    if db.adapter.name == "postgresql":
        db.execute("DROP TYPE IF EXISTS en_mood CASCADE")
        db.execute("CREATE TYPE en_mood AS ENUM ('happy', 'sad', 'in between')")
        spec = "en_mood"
    else:
        spec = "ENUM('happy','sad','in between')"
    make_table("en_people", id="pk", mood=spec)

    class EnPerson(Model):
        table_name = "en_people"

    yield EnPerson
    if db.adapter.name == "postgresql":
        db.execute("DROP TABLE IF EXISTS en_people")
        db.execute("DROP TYPE IF EXISTS en_mood")


@pytest.mark.databases("postgresql", "mysql")  # the databases with ENUM types
def test_a_database_enum_type_is_a_string_enum_without_declaration(db, moods):
    person = moods.create(mood="in between")
    assert moods.find(person.id).mood == "in between"
    assert moods.where(mood=["sad", "in between"]).count() == 1
    with capture_sql() as sql:
        with pytest.raises(ValueError, match="happy, sad, in between"):
            person.mood = "angry"  # refused before any SQL, not by the server
        with pytest.raises(AttributeCastError, match="happy, sad, in between"):
            moods.where(mood="angry").count()
    assert sql == [] and moods.find(person.id).mood == "in between"
