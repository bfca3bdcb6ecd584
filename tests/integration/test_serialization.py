"""Serialization and mass assignment (issue 10, point 6) on every database:
``to_dict`` options (only, exclude, methods, include with nested options),
``as_json``/``to_json`` value conversions, ``permit=`` allow-lists that assign nothing
when a key is forbidden, and ``attr_readonly`` columns refused once saved."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest

from activerecord import (
    AssociationNotFoundError,
    ConfigurationError,
    ForbiddenAttributesError,
    Model,
    ReadOnlyAttributeError,
    UnknownAttributeError,
    belongs_to,
    has_many,
)
from activerecord.testing import assert_queries


class SeAuthor(Model):
    table_name = "se_authors"
    books = has_many("SeBook", foreign_key="author_id")

    @property
    def shout(self):
        return self.name.upper()

    def initials(self):
        return "".join(part[0] for part in self.name.split())


class SeBook(Model):
    table_name = "se_books"
    author = belongs_to("SeAuthor", foreign_key="author_id")
    attr_readonly = ("isbn",)


@pytest.fixture
def library(db, make_table):
    make_table("se_authors", id="pk", name="string(40)", born="date",
               joined="datetime", fee="decimal(8,2)", blob="binary")
    make_table("se_books", id="pk", author_id="int", title="string(40)",
               isbn="string(20)", pages="int")
    for model in (SeAuthor, SeBook):
        model.reset_column_information()
    ann = SeAuthor.create(name="Ann Lee", born=dt.date(1970, 1, 2),
                          joined=dt.datetime(2020, 5, 6, 7, 8, 9),
                          fee=decimal.Decimal("12.50"), blob=b"\x00\x01hi")
    for k in range(2):
        SeBook.create(author_id=ann.id, title=f"b{k}", isbn=f"isbn-{k}", pages=100 + k)
    return ann


def test_to_dict_only_exclude_methods(library):
    ann = SeAuthor.find(library.id)
    assert list(ann.to_dict()) == ["id", "name", "born", "joined", "fee", "blob"]
    assert ann.to_dict(only=["name", "fee"]) == {"name": "Ann Lee",
                                                 "fee": decimal.Decimal("12.50")}
    assert "blob" not in ann.to_dict(exclude="blob")
    assert ann.to_dict(only="name", methods=["shout", "initials"]) == {
        "name": "Ann Lee", "shout": "ANN LEE", "initials": "AL"}
    with pytest.raises(UnknownAttributeError):
        ann.to_dict(only=["nmae"])
    with pytest.raises(AttributeError):
        ann.to_dict(methods=["nope"])


def test_to_dict_includes_associations_with_nested_options(library):
    ann = SeAuthor.includes("books").find(library.id)
    with assert_queries(0):
        out = ann.to_dict(only="name", include={"books": {"only": ["title"]}})
    assert out == {"name": "Ann Lee", "books": [{"title": "b0"}, {"title": "b1"}]}
    book = SeBook.order("id").first()
    assert book.to_dict(only="title", include={"author": {"only": "name"}}) == {
        "title": "b0", "author": {"name": "Ann Lee"}}
    orphan = SeBook.create(title="orphan", isbn="x")
    assert orphan.to_dict(only="title", include="author") == {"title": "orphan",
                                                              "author": None}
    with pytest.raises(AssociationNotFoundError, match="books"):
        ann.to_dict(include="boks")


def test_as_json_and_to_json_convert_every_value(library):
    ann = SeAuthor.find(library.id)
    out = ann.as_json(exclude="id")
    assert out == {"name": "Ann Lee", "born": "1970-01-02",
                   "joined": "2020-05-06T07:08:09", "fee": "12.50", "blob": "AAFoaQ=="}
    assert json.loads(ann.to_json(exclude="id")) == out
    assert json.loads(ann.to_json(only="name", include={"books": {"only": "pages"}})) == {
        "name": "Ann Lee", "books": [{"pages": 100}, {"pages": 101}]}


def test_permit_assigns_only_allowed_keys_and_nothing_otherwise(library):
    params = {"title": "new", "pages": 5, "isbn": "hack", "admin": True}
    with pytest.raises(ForbiddenAttributesError) as info:
        SeBook.new_from(params, permit=["title", "pages"])
    assert info.value.forbidden == ["admin", "isbn"] and "title, pages" in str(info.value)
    book = SeBook.order("id").first()
    with pytest.raises(ForbiddenAttributesError):
        book.assign_attributes(params, permit=["title", "pages"])
    assert not book.has_changes  # nothing was assigned
    made = SeBook.new_from({"title": "ok", "pages": 7}, permit=["title", "pages"])
    assert made.new_record and (made.title, made.pages) == ("ok", 7)
    made.save()
    assert SeBook.find(made.id).title == "ok"
    with pytest.raises(UnknownAttributeError):
        SeBook.new_from({"title": "x"}, permit=["title", "nope"])
    book.assign_attributes({"author": None}, permit=["author"])  # an association name
    assert book.author_id is None


def test_attr_readonly_is_set_on_create_and_refused_afterwards(library):
    book = SeBook.create(title="t", isbn="fixed")
    assert SeBook.find(book.id).isbn == "fixed"
    with pytest.raises(ReadOnlyAttributeError, match="isbn"):
        book.isbn = "changed"
    loaded = SeBook.find(book.id)
    with pytest.raises(ReadOnlyAttributeError):
        loaded.update(isbn="changed")
    with pytest.raises(ReadOnlyAttributeError):
        loaded["isbn"] = "changed"
    assert SeBook.find(book.id).isbn == "fixed" and not loaded.has_changes
    loaded.update(title="still writable")
    assert SeBook.find(book.id).title == "still writable"


def test_attr_readonly_naming_no_column_is_a_configuration_error(db, library):
    class SeBad(Model):
        table_name = "se_books"
        attr_readonly = ["isbn", "nope"]

    with pytest.raises(ConfigurationError, match="'nope'"):
        SeBad.first()
