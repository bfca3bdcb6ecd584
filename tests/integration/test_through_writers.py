"""Writing a has_many through a join model (Rails' has_many :through writers): join
records created and deleted, the targets never; other shapes stay read-only; every
refusal before any SQL."""

from __future__ import annotations

import pytest

from activerecord import (
    AssociationTypeMismatch,
    InvalidAssociation,
    Model,
    RecordNotSaved,
    belongs_to,
    has_many,
)
from activerecord.testing import assert_queries


class TwList(Model):
    table_name = "tw_lists"
    entries = has_many("TwEntry", foreign_key="list_id")
    songs = has_many("TwSong", through="entries", source="song")
    labels = has_many("TwLabel", through="songs", source="label")  # nested: read-only


class TwEntry(Model):
    table_name = "tw_entries"
    list = belongs_to("TwList", foreign_key="list_id")
    song = belongs_to("TwSong", foreign_key="song_id")


class TwSong(Model):
    table_name = "tw_songs"
    label = belongs_to("TwLabel", foreign_key="label_id")


class TwLabel(Model):
    table_name = "tw_labels"


def _schema(make_table):
    make_table("tw_labels", id="pk", name="string(20)")
    make_table("tw_songs", id="pk", title="string(20)", label_id="int")
    make_table("tw_lists", id="pk", name="string(20)")
    make_table("tw_entries", id="pk", list_id="int NOT NULL", song_id="int NOT NULL")
    mine, other = TwList.create(name="mine"), TwList.create(name="other")
    songs = [TwSong.create(title=t) for t in ("s1", "s2", "s3")]
    TwEntry.create(list_id=other.id, song_id=songs[0].id)  # another owner's row
    return mine, other, songs


def entry_rows(db):
    return sorted(tuple(r) for r in db.execute(
        "SELECT list_id, song_id FROM tw_entries").rows)


def test_add_create_and_assign_write_join_records(db, make_table):
    mine, other, (s1, s2, s3) = _schema(make_table)
    mine.songs.add(s1, s2)
    fresh = TwSong(title="new")
    mine.songs.add([fresh])  # a new record is saved first
    made = mine.songs.create(title="made")
    assert not fresh.new_record and not made.new_record
    assert sorted(s.title for s in TwList.find(mine.id).songs) == ["made", "new", "s1", "s2"]
    assert entry_rows(db) == sorted([(other.id, s1.id), (mine.id, s1.id), (mine.id, s2.id),
                                     (mine.id, fresh.id), (mine.id, made.id)])
    assert TwSong.count() == 5  # only the two new songs were inserted
    mine.songs = [s3]  # the writer is replace
    assert [s.title for s in TwList.find(mine.id).songs] == ["s3"]
    assert entry_rows(db) == sorted([(other.id, s1.id), (mine.id, s3.id)])


def test_remove_and_clear_delete_only_this_owners_join_rows(db, make_table):
    mine, other, (s1, s2, s3) = _schema(make_table)
    mine.songs.add(s1, s2, s3)
    songs = mine.songs
    assert len(songs) == 3
    assert songs.remove(s1) == [s1]
    assert sorted(s.title for s in songs) == ["s2", "s3"]  # the loaded list follows
    assert entry_rows(db) == sorted([(other.id, s1.id), (mine.id, s2.id), (mine.id, s3.id)])
    assert songs.delete_all() == 2 and songs.to_list() == []
    assert entry_rows(db) == [(other.id, s1.id)]  # the other list keeps its row
    assert TwSong.count() == 3  # no song was deleted
    mine.songs.add(s2)
    mine.reset_association("songs").songs.clear()
    assert entry_rows(db) == [(other.id, s1.id)]


def test_refusals_come_before_any_sql(db, make_table):
    mine, _, (s1, _, _) = _schema(make_table)
    label = TwLabel.create(name="l")
    unsaved = TwList(name="new")
    with assert_queries(0):
        with pytest.raises(RecordNotSaved):
            unsaved.songs.add(s1)
        with pytest.raises(AssociationTypeMismatch):
            mine.songs.add(label)
        for call in (lambda: mine.songs.build(title="x"), mine.songs.destroy_all):
            with pytest.raises(InvalidAssociation, match="not offered"):
                call()
        for call in (lambda: mine.labels.add(label), mine.labels.clear,
                     lambda: mine.labels.build(name="x")):
            with pytest.raises(InvalidAssociation, match="read-only"):
                call()
        with pytest.raises(AttributeError, match="read-only"):
            mine.labels = []
    assert unsaved.new_record and TwEntry.count() == 1
