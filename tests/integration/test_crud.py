"""Create, read, update, delete through models, on every database."""

from __future__ import annotations

import datetime as dt

import pytest

from activerecord import Model, RecordNotFound, UnknownAttributeError
from activerecord.connection.database import Database
from activerecord.testing import assert_queries, capture_sql


class Artist(Model):
    table_name = "artists"


class Album(Model):
    table_name = "albums"


class Membership(Model):
    table_name = "memberships"


@pytest.fixture
def tables(make_table):
    make_table("artists", id="pk", name="string(120) NOT NULL", country="string(40)",
               rating="int DEFAULT 3", created_at="datetime", updated_at="datetime")
    make_table("albums", id="pk", title="string(160) NOT NULL",
               artist_id="int NOT NULL REFERENCES artists(id)", year="int")
    make_table("memberships", "PRIMARY KEY (group_id, person_id)", group_id="int NOT NULL",
               person_id="int NOT NULL", role="string(40)")


def test_create_returns_persisted_record_with_key_defaults_and_timestamps(tables):
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    a = Artist.create(name="AC/DC")
    assert a.persisted and not a.new_record
    assert isinstance(a.id, int) and a.id > 0
    assert a.rating == 3  # database default read back
    assert a.created_at >= before - dt.timedelta(seconds=1)
    assert a.updated_at == a.created_at
    b = Artist.create(name="Accept")
    assert b.id != a.id


def test_new_record_has_literal_defaults_and_is_not_persisted(tables):
    a = Artist(name="x")
    assert a.new_record and not a.persisted and a.id is None
    assert a.rating == 3
    a.save()
    assert a.persisted and Artist.find(a.id).name == "x"


def test_find_and_find_by(tables):
    a = Artist.create(name="Aerosmith", country="US")
    found = Artist.find(a.id)
    assert found == a and found is not a
    assert (found.name, found.country) == ("Aerosmith", "US")
    assert Artist.find(str(a.id)) == a  # keys are cast to the column type
    assert Artist.find_by(name="Aerosmith") == a
    assert Artist.find_by(name="nobody") is None
    assert Artist.find([a.id]) == [a]


def test_find_missing_names_table_and_key(tables):
    with pytest.raises(RecordNotFound) as exc:
        Artist.find(424242)
    assert "artists" in str(exc.value) and "424242" in str(exc.value)
    assert exc.value.key == 424242 and exc.value.model is Artist


def test_save_updates_only_changed_columns(tables, db):
    a = Artist.create(name="Queen", country="UK")
    # Another writer changes a column this record does not touch ...
    db.execute("UPDATE artists SET country = ? WHERE id = ?", ["GB", a.id])
    a.name = "Queen II"
    with capture_sql() as sql:
        a.save()
    update = [s for s in sql if s.startswith("UPDATE")]
    assert len(update) == 1 and "country" not in update[0] and "name" in update[0]
    # ... and that change survives our save (no lost update).
    assert Artist.find(a.id).country == "GB"
    assert Artist.find(a.id).name == "Queen II"


def test_save_without_changes_sends_nothing(tables):
    a = Artist.create(name="Rush")
    with assert_queries(0, include_transaction=True):
        a.save()
    a.name = "Rush"  # same value: compared by value, not by assignment
    assert not a.has_changes
    with assert_queries(0, include_transaction=True):
        a.save()


def test_updated_at_changes_on_update(tables):
    a = Artist.create(name="Yes")
    first = a.updated_at
    a.update(name="Yes!")
    assert a.updated_at >= first
    assert Artist.find(a.id).name == "Yes!"
    assert Artist.find(a.id).created_at == a.created_at


def test_destroy_delete_and_class_delete(tables):
    a, b, c, d = (Artist.create(name=n) for n in "abcd")
    assert a.destroy() is a and a.destroyed and not a.persisted
    assert not Artist.exists(id=a.id)
    b.delete()
    assert b.destroyed and not Artist.exists(id=b.id)
    assert Artist.delete(c.id) == 1
    assert Artist.delete(c.id) == 0
    assert Artist.delete(d.id, 999999) == 1
    assert Artist.count() == 0


def test_reload_discards_changes_and_reads_row(tables, db):
    a = Artist.create(name="Kiss")
    db.execute("UPDATE artists SET rating = 5 WHERE id = ?", [a.id])
    a.name = "changed"
    a.reload()
    assert a.name == "Kiss" and a.rating == 5 and not a.has_changes
    Artist.delete(a.id)
    with pytest.raises(RecordNotFound):
        a.reload()


def test_composite_primary_key(tables):
    assert Membership.primary_key == ("group_id", "person_id")
    m = Membership.create(group_id=1, person_id=2, role="bass")
    Membership.create(group_id=1, person_id=3, role="drums")
    assert m.id == (1, 2)
    found = Membership.find((1, 2))
    assert found.role == "bass" and found == m
    found.role = "vocals"
    found.save()
    assert Membership.find((1, 2)).role == "vocals"
    assert Membership.find((1, 3)).role == "drums"
    found.destroy()
    assert Membership.count() == 1
    assert Membership.delete((1, 3)) == 1
    with pytest.raises(RecordNotFound):
        Membership.find((1, 3))


def test_changing_the_primary_key_updates_the_right_row(tables):
    m = Membership.create(group_id=5, person_id=6)
    m.person_id = 7
    m.save()
    assert Membership.pluck("person_id") == [7]


def test_to_dict_repr_equality_and_hash(tables):
    a = Artist.create(name="Toto", country="US")
    d = a.to_dict()
    assert d["name"] == "Toto" and set(d) == set(Artist.column_names)
    assert "Artist" in repr(a) and "'Toto'" in repr(a)
    again = Artist.find(a.id)
    assert a == again and hash(a) == hash(again) and len({a, again}) == 1
    assert Artist(name="n") != Artist(name="n")  # new records equal only themselves
    assert a != Album  # unrelated objects


def test_dirty_tracking(tables):
    a = Artist.create(name="Blur", country="UK")
    assert a.changed == [] and a.changes == {}
    a.name = "Oasis"
    a.country = "UK"
    assert a.changed == ["name"]
    assert a.changes == {"name": ("Blur", "Oasis")}
    assert a.changed_attributes == {"name": "Blur"}
    a.name = "Blur"
    assert not a.has_changes
    a.name = "Pulp"
    a.restore_attributes()
    assert a.name == "Blur" and not a.has_changes


def test_unknown_attributes_list_known_columns(tables):
    with pytest.raises(UnknownAttributeError) as exc:
        Artist.create(bogus=1)
    assert "bogus" in str(exc.value) and "name" in str(exc.value) and "country" in str(exc.value)
    a = Artist(name="x")
    with pytest.raises(UnknownAttributeError):
        a.nmae = "typo"
    with pytest.raises(UnknownAttributeError):
        a.nmae  # noqa: B018
    with pytest.raises(UnknownAttributeError):
        Artist.where(nmae="x")
    assert Artist.count() == 0


def test_sql_looking_values_are_inert(tables):
    evil = "Robert'); DROP TABLE artists; --"
    a = Artist.create(name=evil)
    assert Artist.find(a.id).name == evil
    assert Artist.find_by(name=evil) == a
    assert Artist.where("name = ?", evil).count() == 1
    assert Artist.count() == 1


def test_sql_looking_table_and_column_names_are_quoted(db, make_table):
    table = 'we"ird`tab le; --'
    make_table(table, id="pk", **{"na me": "string(20)", "50%": "int"})

    class Weird(Model):
        table_name = table

    w = Weird.create(**{"na me": "x", "50%": 50})
    assert Weird.find(w.id)["na me"] == "x"
    assert Weird.find(w.id)["50%"] == 50
    w["50%"] = 51
    w.save()
    assert Weird.pluck("50%") == [51]
    w.destroy()
    assert Weird.count() == 0


def test_model_needs_no_declarations(db, make_table):
    make_table("line_items", id="pk", quantity="int")

    class LineItem(Model):
        pass

    assert LineItem.table_name == "line_items"
    assert LineItem.primary_key == "id"
    item = LineItem.create(quantity=2)
    assert LineItem.find(item.id).quantity == 2


def test_declared_primary_key(db, make_table):
    make_table("codes", code="string(10) NOT NULL UNIQUE", label="string(20)")

    class Code(Model):
        table_name = "codes"
        primary_key = "code"

    Code.create(code="ab", label="x")
    assert Code.find("ab").label == "x"
    Code.find("ab").update(label="y")
    assert Code.find_by(code="ab").label == "y"


def test_relation_basics(tables):
    for name, rating in [("c", 1), ("a", 5), ("b", 3), ("d", None)]:
        Artist.create(name=name, rating=rating)
    rel = Artist.where(rating=[1, 5]).order("name")
    assert [a.name for a in rel] == ["a", "c"]
    assert len(rel) == 2 and rel[0].name == "a"
    assert Artist.where(rating=None).pluck("name") == ["d"]
    assert Artist.where("rating > ?", 2).order("-name").pluck("name") == ["b", "a"]
    assert Artist.order(name="desc").limit(2).offset(1).pluck("name") == ["c", "b"]
    assert Artist.order("name").first().name == "a"
    assert Artist.order("name").last().name == "d"
    assert Artist.first().name == "c"  # by primary key
    assert Artist.count() == 4 and Artist.where(name="zz").count() == 0
    assert Artist.exists() and not Artist.exists(name="zz")
    assert Artist.where(rating=range(2, 6)).order("name").pluck("name") == ["a", "b"]
    assert sorted(Artist.all().pluck("name")) == ["a", "b", "c", "d"]
    assert Artist.order("name").pluck("name", "rating")[0] == ("a", 5)


def test_relation_is_lazy_and_immutable(tables):
    Artist.create(name="x")
    with assert_queries(0):
        base = Artist.where(name="x")
        narrowed = base.where(rating=3).order("name").limit(5)
    assert narrowed is not base
    with assert_queries(1):
        assert len(base) == 1
        assert list(base)[0].name == "x"  # cached: no second query
    assert narrowed.to_sql() != base.to_sql()


def test_two_databases_do_not_share_models_state(tables, db, tmp_path):
    other = Database(f"sqlite:///{tmp_path}/other.db")
    other.execute("CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT)")

    class OtherArtist(Model):
        table_name = "artists"
        database = other

    OtherArtist.create(name="elsewhere")
    assert OtherArtist.count() == 1 and Artist.count() == 0
    other.close()
