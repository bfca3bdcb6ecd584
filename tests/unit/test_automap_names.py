"""The naming rules of ``automap`` (activerecord/automap.py, docs/associations.md) on
table descriptions written here: class names and their collisions, association
names and theirs, pure join tables. The databases' side is tests/integration/
test_automap.py."""

from __future__ import annotations

from activerecord.associations.reflection import camelize, underscore
from activerecord.automap import AutomapPlan, class_names
from activerecord.connection.introspection import (
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    TableInfo,
)


def table(name, *cols, pk=(), fks=(), indexes=()):
    return TableInfo(name=name, columns=tuple(ColumnInfo(c, "integer", "integer")
                                              for c in cols),
                     primary_key=tuple(pk),
                     foreign_keys=tuple(ForeignKeyInfo(None, tuple(c), t, tuple(r))
                                        for c, t, r in fks),
                     indexes=tuple(indexes))


def plan(*infos):
    p = AutomapPlan({i.name: i for i in infos})
    return {(d.owner, d.name): (d.kind, d.target) for d in p.declarations}


def test_camelize_and_underscore_are_inflections():
    assert camelize("artist_profile") == "ArtistProfile" == camelize("ArtistProfile")
    assert camelize("reports_to") == "ReportsTo"
    assert underscore("ArtistProfile") == "artist_profile"
    assert underscore("HTTPLog") == "http_log" and underscore("ArtistId") == "artist_id"


def test_class_names_singular_camel_case():
    got = class_names(["Artist", "PlaylistTrack", "film_actor", "category", "people",
                       "order-items", "2020_data", "sales.orders"])
    assert got == {"Artist": "Artist", "PlaylistTrack": "PlaylistTrack",
                   "film_actor": "FilmActor", "category": "Category", "people": "Person",
                   "order-items": "OrderItem", "2020_data": "T2020Datum",
                   "sales.orders": "Order"}


def test_class_name_collisions_are_settled_in_table_order():
    assert class_names(["artist", "artists"]) == {"artist": "Artist", "artists": "Artists"}
    assert class_names(["artist", "Artist", "artists"]) == {
        "Artist": "Artist", "artist": "Artist2", "artists": "Artists"}


def test_key_suffixes_and_stems():
    got = plan(table("parents", "id", pk=["id"]),
               table("kids", "id", "ParentId", "other_parent_ID", "thirdParentID", "paid",
                     pk=["id"], fks=[(["ParentId"], "parents", ["id"]),
                                     (["other_parent_ID"], "parents", ["id"]),
                                     (["thirdParentID"], "parents", ["id"]),
                                     (["paid"], "parents", ["id"])]))
    assert {n for (o, n), v in got.items() if o == "kids"} == {
        "parent", "other_parent", "third_parent", "paid_record"}
    assert {n for (o, n), v in got.items() if o == "parents"} == {
        "kids_by_parent", "kids_by_other_parent", "kids_by_third_parent", "kids_by_paid"}


def test_reserved_names_keywords_and_columns_are_never_shadowed():
    got = plan(table("parents", "id", "kids", pk=["id"]),
               table("kids", "id", "save_id", "class_id", "columns_id", "id_x", pk=["id"],
                     fks=[(["save_id"], "parents", ["id"]), (["class_id"], "parents", ["id"]),
                          (["columns_id"], "parents", ["id"]),
                          (["id_x"], "parents", ["id"])]))
    assert {n for (o, n) in got if o == "kids"} == {
        "save_record", "class_record", "columns_record", "id_x_record"}
    got = plan(table("owners", "id", "pets", pk=["id"]),
               table("pets", "id", "owner_id", pk=["id"],
                     fks=[(["owner_id"], "owners", ["id"])]))
    assert got == {("pets", "owner"): ("belongs_to", "owners"),
                   ("owners", "pets_by_owner"): ("has_many", "pets")}


def test_composite_keys_and_a_has_one_beside_a_belongs_to():
    got = plan(table("parts", "maker", "code", pk=["maker", "code"]),
               table("uses", "id", "m", "c", "m2", "c2", pk=["id"],
                     fks=[(["m", "c"], "parts", ["maker", "code"]),
                          (["m2", "c2"], "parts", ["maker", "code"])]),
               table("stores", "id", "manager_id", pk=["id"],
                     fks=[(["manager_id"], "staff", ["id"])],
                     indexes=[IndexInfo("u", ("manager_id",), unique=True)]),
               table("staff", "id", "store_id", pk=["id"],
                     fks=[(["store_id"], "stores", ["id"])]))
    assert got[("uses", "part")] == ("belongs_to", "parts")
    assert got[("uses", "part_record")] == ("belongs_to", "parts")
    assert got[("parts", "uses_by_part")] == ("has_many", "uses")
    assert got[("parts", "uses_by_part_records")] == ("has_many", "uses")
    assert got[("staff", "store")] == ("belongs_to", "stores")
    assert got[("staff", "store_by_manager")] == ("has_one", "stores")
    assert got[("stores", "staffs")] == ("has_many", "staff")


def test_pure_join_tables():
    got = plan(table("films", "id", pk=["id"]), table("actors", "id", pk=["id"]),
               table("users", "id", pk=["id"]),
               table("film_actor", "film_id", "actor_id", "LastUpdate",
                     pk=["film_id", "actor_id"],
                     fks=[(["film_id"], "films", ["id"]), (["actor_id"], "actors", ["id"])]),
               table("castings", "film_id", "actor_id", "role",  # a payload: no habtm
                     pk=["film_id", "actor_id"],
                     fks=[(["film_id"], "films", ["id"]), (["actor_id"], "actors", ["id"])]),
               table("friendships", "user_id", "friend_id",  # no primary key at all
                     fks=[(["user_id"], "users", ["id"]), (["friend_id"], "users", ["id"])]))
    habtm = {k: v for k, v in got.items() if v[0] == "has_and_belongs_to_many"}
    assert habtm == {("films", "actors"): ("has_and_belongs_to_many", "actors"),
                     ("actors", "films"): ("has_and_belongs_to_many", "films"),
                     ("users", "users_by_friend"): ("has_and_belongs_to_many", "users"),
                     ("users", "users_by_user"): ("has_and_belongs_to_many", "users")}
    assert got[("films", "castings")] == ("has_many", "castings")


def test_a_key_to_a_table_not_mapped_gives_nothing():
    got = plan(table("kids", "id", "parent_id", pk=["id"],
                     fks=[(["parent_id"], "parents", ["id"])]))
    assert got == {}


def test_names_that_are_no_identifiers():
    got = plan(table("odd bins", "id", pk=["id"]),
               table("odd-items", "id", "odd bin id", pk=["id"],
                     fks=[(["odd bin id"], "odd bins", ["id"])]))
    assert got == {("odd-items", "odd_bin"): ("belongs_to", "odd bins"),
                   ("odd bins", "odd_items"): ("has_many", "odd-items")}
    assert class_names(["odd bins", "odd-items"]) == {"odd bins": "OddBin",
                                                      "odd-items": "OddItem"}
