"""Through associations of every shape (nested, through or to a has_and_belongs_to_many,
has_one through, self-referencing chains) and the preload of every kind, on Sakila,
Chinook and tables made per test; each result is checked against SQL written by hand."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from activerecord import (
    InvalidAssociation,
    Model,
    belongs_to,
    default_scope,
    has_and_belongs_to_many,
    has_many,
    has_one,
)
from activerecord.associations import preloader
from activerecord.relation import Relation
from activerecord.relation.core import Cond, RelationCore
from activerecord.sql import nodes as n
from activerecord.testing import assert_queries
from tests.integration.test_associations import _fk
from tests.integration.test_chinook import chinook  # noqa: F401 - the fixture, used here
from tests.integration.test_chinook import name as cname
from tests.integration.test_sakila import sakila  # noqa: F401 - the fixture, used here


def sakila_models():
    class Customer(Model):
        table_name = "customer"
        rentals = has_many("Rental")
        inventories = has_many("Inventory", through="rentals")
        films = has_many("Film", through="inventories")          # nested: through a through
        distinct_films = has_many("Film", through="inventories", source="film",
                                  distinct=True)
        actors = has_many("Actor", through="films")             # source is a habtm
        address = belongs_to("Address")
        city = has_one("City", through="address")                # has_one through belongs_to
        country = has_one("Country", through="city")             # ... through a has_one through

    class Rental(Model):
        table_name = "rental"
        inventory = belongs_to("Inventory")
        customer = belongs_to("Customer")
        film = has_one("Film", through="inventory")

    class Inventory(Model):
        table_name = "inventory"
        film = belongs_to("Film")

    class Film(Model):
        table_name = "film"
        actors = has_and_belongs_to_many("Actor", join_table="film_actor")
        categories = has_and_belongs_to_many("Category", join_table="film_category")

    class Actor(Model):
        table_name = "actor"
        films = has_and_belongs_to_many("Film", join_table="film_actor")
        categories = has_many("Category", through="films")      # through a habtm, to a habtm

    class Category(Model):
        table_name = "category"

    class Address(Model):
        table_name = "address"
        city = belongs_to("City")

    class City(Model):
        table_name = "city"
        country = belongs_to("Country")

    class Country(Model):
        table_name = "country"

    return Customer, Rental, Film, Actor


def ids(db, sql, *params):
    return sorted(row[0] for row in db.execute(sql, list(params)).rows)


FILMS_OF = ("SELECT i.film_id FROM rental r JOIN inventory i ON i.inventory_id = "
            "r.inventory_id WHERE r.customer_id = ?")
ACTORS_OF = ("SELECT fa.actor_id FROM rental r JOIN inventory i ON i.inventory_id = "
             "r.inventory_id JOIN film_actor fa ON fa.film_id = i.film_id "
             "WHERE r.customer_id = ?")
CATEGORIES_OF = ("SELECT fc.category_id FROM film_actor fa JOIN film_category fc ON "
                 "fc.film_id = fa.film_id WHERE fa.actor_id = ?")
COUNTRY_OF = ("SELECT ci.country_id FROM customer c JOIN address a ON a.address_id = "
              "c.address_id JOIN city ci ON ci.city_id = a.city_id WHERE c.customer_id = ?")


def test_customer_rentals_inventory_film(sakila):  # noqa: F811 - the fixture
    Customer, _, Film, _ = sakila_models()
    for customer in Customer.where(customer_id=[1, 2, 148]).order("customer_id"):
        expected = ids(sakila, FILMS_OF, customer.id)
        films = customer.films
        assert isinstance(films, Relation)
        with assert_queries(1):
            got = sorted(f.film_id for f in films)
        assert got == expected
        if customer.id == 1:  # customer 1 rented two films twice: kept twice (Rails)
            assert len(got) == len(set(got)) + 2
        with assert_queries(0):
            assert customer.films is films and len(films) == len(expected)
        assert films.count() == len(expected)
        assert sorted(films.ids()) == expected and films.exists()
        assert sorted(customer.distinct_films.ids()) == sorted(set(expected))
        assert customer.distinct_films.count() == len(set(expected))
        titles = films.where(Film.c.title.like("A%")).order("title").pluck("title")
        assert titles == sorted(titles) and all(t.startswith("A") for t in titles)
        assert sorted(i.film_id for i in customer.inventories) == expected
    assert Customer().films.to_list() == [] and Customer().films.count() == 0


def test_through_to_and_through_habtm(sakila):  # noqa: F811 - the fixture
    Customer, _, _, Actor = sakila_models()
    customer = Customer.find(3)
    assert sorted(customer.actors.ids()) == ids(sakila, ACTORS_OF, 3)
    assert sorted(a.actor_id for a in customer.actors) == ids(sakila, ACTORS_OF, 3)
    actor = Actor.find(7)
    assert sorted(c.category_id for c in actor.categories) == ids(sakila, CATEGORIES_OF, 7)
    assert actor.categories.count() == len(ids(sakila, CATEGORIES_OF, 7))


def test_has_one_through_nested(sakila):  # noqa: F811 - the fixture
    Customer, Rental, _, _ = sakila_models()
    customer = Customer.find(5)
    with assert_queries(1):
        country = customer.country
        assert customer.country is country
    assert country.country_id == ids(sakila, COUNTRY_OF, 5)[0]
    assert customer.city.country_id == country.country_id
    rental = Rental.find(10)
    film_id = sakila.execute("SELECT i.film_id FROM rental r JOIN inventory i ON "
                             "i.inventory_id = r.inventory_id WHERE r.rental_id = ?",
                             [10]).rows[0][0]
    assert rental.film.film_id == film_id
    assert Rental().film is None


def test_preload_every_kind_matches_the_readers(sakila):  # noqa: F811 - the fixture
    Customer, _, _, _ = sakila_models()
    scope = Customer.where(customer_id=list(range(1, 9))).order("customer_id")
    # one query per link: rentals 1; inventories 2 (rental keys, inventories); films
    # 3 (twice); address 1; city 2; country 3; actors 5 (rental, inventory and film
    # keys, film_actor pairs, actors)
    names = ["rentals", "inventories", "films", "distinct_films", "address", "city",
             "country", "actors"]
    with assert_queries(1 + 1 + 2 + 3 + 3 + 1 + 2 + 3 + 5):
        loaded = scope.preload(*names).to_list()
    lazy = scope.to_list()
    for other in lazy:  # the lazy path, loaded first
        for name in names:
            getattr(other, name) if name in ("address", "city", "country") else \
                getattr(other, name).load()
    with assert_queries(0):
        for one, other in zip(loaded, lazy):
            for name in ("rentals", "inventories", "films", "distinct_films", "actors"):
                assert sorted(r.id for r in getattr(one, name)) == \
                    sorted(r.id for r in getattr(other, name))
            for name in ("address", "city", "country"):
                assert getattr(one, name).id == getattr(other, name).id
    with assert_queries(0):
        # one object per row: a film rented by several customers is one record
        seen: dict = {}
        for customer in loaded:
            for film in customer.films:
                assert seen.setdefault(film.film_id, film) is film
        assert len(seen) < sum(len(c.films) for c in loaded)


def test_preload_habtm_takes_two_queries_and_shares_records(sakila):  # noqa: F811
    _, _, Film, Actor = sakila_models()
    with assert_queries(1 + 2 + 2):  # films; pairs, actors; pairs, films
        films = Film.where(Film.c.film_id <= 30).preload({"actors": "films"}).to_list()
    with assert_queries(0):
        by_id: dict = {}
        for film in films:
            for actor in film.actors:
                assert by_id.setdefault(actor.actor_id, actor) is actor
                assert film.film_id in [f.film_id for f in actor.films]
    for film in films[:5]:
        assert sorted(a.actor_id for a in film.actors) == ids(
            sakila, "SELECT actor_id FROM film_actor WHERE film_id = ?", film.film_id)
    assert all(len(a.films) == Actor.find(a.actor_id).films.count()
               for a in list(by_id.values())[:5])


# -- tables made per test ----------------------------------------------------------------
def chain_models(db, make_table):
    """owners -> memberships (a join model with a default scope) -> groups -> tags."""
    make_table("nt_owners", id="pk", name="string(20)")
    make_table("nt_groups", id="pk", name="string(20)")
    make_table("nt_memberships", _fk(db, "owner_id", "nt_owners"),
               _fk(db, "group_id", "nt_groups"), id="pk", owner_id="int", group_id="int",
               active="bool")
    make_table("nt_tags", _fk(db, "group_id", "nt_groups"), id="pk", group_id="int",
               label="string(20)")

    class Owner(Model):
        table_name = "nt_owners"
        memberships = has_many("Membership")
        groups = has_many("Group", through="memberships")
        tags = has_many("Tag", through="groups")
        unique_tags = has_many("Tag", through="groups", source="tags", distinct=True)
        peers = has_many("Owner", through="groups", source="owners")  # memberships twice

    class Membership(Model):
        table_name = "nt_memberships"
        group = belongs_to("Group")
        owner = belongs_to("Owner")

        @default_scope
        def active_only(rel):
            return rel.where(active=True)

    class Group(Model):
        table_name = "nt_groups"
        tags = has_many("Tag")
        memberships = has_many("Membership")
        owners = has_many("Owner", through="memberships")

    class Tag(Model):
        table_name = "nt_tags"

        @default_scope
        def by_label(rel):
            return rel.order("label")

    red, blue, gone = (Group.create(name=x) for x in ("red", "blue", "gone"))
    ann, bob, eve = (Owner.create(name=x) for x in ("ann", "bob", "eve"))
    for owner, group, active in ((ann, red, True), (ann, blue, True), (ann, red, True),
                                 (bob, blue, True), (bob, gone, False)):
        Membership.create(owner_id=owner.id, group_id=group.id, active=active)
    for group, label in ((red, "c"), (red, "a"), (blue, "b"), (gone, "z")):
        Tag.create(group_id=group.id, label=label)
    return Owner, Tag, (ann, bob, eve)


def test_intermediate_default_scope_order_and_duplicates(db, make_table):
    Owner, Tag, (ann, bob, eve) = chain_models(db, make_table)
    # ann is in red twice: red's tags twice, ordered by the target's default scope
    assert [t.label for t in ann.tags] == ["a", "a", "b", "c", "c"]
    assert [t.label for t in ann.unique_tags] == ["a", "b", "c"]
    assert [t.label for t in bob.tags] == ["b"]  # the inactive membership is not read
    assert bob.tags.count() == 1 and eve.tags.count() == 0 and not eve.tags.exists()
    with assert_queries(1 + 3 + 3):
        owners = Owner.order("name").preload("tags", "unique_tags").to_list()
    with assert_queries(0):
        assert [[t.label for t in o.tags] for o in owners] == \
            [["a", "a", "b", "c", "c"], ["b"], []]
        assert [[t.label for t in o.unique_tags] for o in owners] == [["a", "b", "c"],
                                                                      ["b"], []]
        assert owners[0].tags[0] is owners[0].tags[1]  # one object per row


def test_through_is_read_only_and_chains(db, make_table):
    Owner, Tag, (ann, _, _) = chain_models(db, make_table)
    tags, tag = ann.tags, Tag.first()
    with assert_queries(0):
        for call in (lambda: tags.add(tag), lambda: tags.create(label="x"),
                     lambda: tags.build(label="x"), tags.delete_all, tags.clear,
                     tags.destroy_all, lambda: tags.remove(tag),
                     lambda: tags.replace([])):
            with pytest.raises(InvalidAssociation, match="read-only.*groups"):
                call()
    assert tags.where(label="c").count() == 2
    assert tags.pluck("label") == ["a", "a", "b", "c", "c"]
    with pytest.raises(AttributeError, match="read-only"):
        ann.tags = []


def test_preload_splits_every_level_into_statements_that_fit(db, make_table,
                                                              monkeypatch):
    Owner, _, _ = chain_models(db, make_table)
    lazy = {o.id: sorted(t.label for t in o.tags) for o in Owner.all()}
    small = dataclasses.replace(db.features, max_parameters=21)  # one key a statement
    monkeypatch.setattr(db.adapter, "features", small)
    monkeypatch.setattr(db.dialect, "features", small)
    # 3 owners, then 4 memberships keys... : owners 1, memberships 3, groups 2, tags 2
    with assert_queries(1 + 3 + 2 + 2):
        owners = Owner.preload("tags").to_list()
    # (the target's order holds within each statement, not across them)
    assert {o.id: sorted(t.label for t in o.tags) for o in owners} == lazy


def test_preload_skips_loaded_associations_and_feeds_nested_levels(db, make_table):
    Owner, Tag, (ann, _, _) = chain_models(db, make_table)
    owner = Owner.find(ann.id)
    first = owner.groups.to_list()
    with assert_queries(1):  # groups are loaded: only their tags are queried
        preloader.preload(Owner, [owner], {"groups": "tags"})
    with assert_queries(0):
        assert owner.groups.to_list() == first
        assert sorted(t.label for g in owner.groups for t in g.tags) == \
            ["a", "a", "b", "c", "c"]


def test_has_one_through_none_and_preload(db, make_table):
    make_table("ho_countries", id="pk", name="string(20)")
    make_table("ho_cities", id="pk", name="string(20)", country_id="int")
    make_table("ho_people", id="pk", name="string(20)", city_id="int")

    class Person(Model):
        table_name = "ho_people"
        city = belongs_to("City")
        country = has_one("Country", through="city")

    class City(Model):
        table_name = "ho_cities"
        country = belongs_to("Country")
        people = has_many("Person")

    class Country(Model):
        table_name = "ho_countries"

    fr = Country.create(name="FR")
    paris, nowhere = City.create(name="Paris", country_id=fr.id), City.create(name="X")
    ann = Person.create(name="ann", city_id=paris.id)
    bob = Person.create(name="bob", city_id=nowhere.id)
    eve = Person.create(name="eve")
    with assert_queries(0):
        assert eve.country is None  # NULL key: no query
    with assert_queries(1):
        assert bob.country is None and bob.country is None
    assert ann.country.name == "FR"
    with assert_queries(1 + 2 + 1):  # people; city keys, countries; cities
        people = Person.order("name").preload("country", "city").to_list()
    with assert_queries(0):
        assert [p.country.name if p.country else None for p in people] == ["FR", None,
                                                                            None]
    class Bad(Model):
        table_name = "ho_countries"
        cities = has_many("City", foreign_key="country_id")
        person = has_one("Person", through="cities", source="people")

    bad = Bad.first()
    with assert_queries(0), pytest.raises(InvalidAssociation, match="collection"):
        bad.person


def test_self_reference_chain_is_aliased(chinook):  # noqa: F811 - the fixture
    n_ = lambda c: cname(chinook, c)  # noqa: E731

    class Employee(Model):
        table_name = n_("Employee")
        reports = has_many("Employee", foreign_key=n_("ReportsTo"))
        manager = belongs_to("Employee", foreign_key=n_("ReportsTo"))
        second_line = has_many("Employee", through="reports", source="reports")
        grand_manager = has_one("Employee", through="manager", source="manager")

    q = chinook.dialect.quote_name
    table, pk, boss = q(n_("Employee")), q(n_("EmployeeId")), q(n_("ReportsTo"))
    expected = ids(chinook, f"SELECT b.{pk} FROM {table} a JOIN {table} b ON "
                            f"b.{boss} = a.{pk} WHERE a.{boss} = ?", 1)
    top = Employee.find(1)
    assert sorted(e.id for e in top.second_line) == expected and expected
    assert top.second_line.count() == len(expected)
    assert Employee.find(expected[0]).grand_manager.id == 1
    with assert_queries(1 + 2):
        everyone = Employee.order(n_("EmployeeId")).preload("second_line").to_list()
    with assert_queries(0):
        assert sorted(e.id for e in everyone[0].second_line) == expected


def test_resolution_errors_before_sql(db, make_table):
    make_table("nr_a", id="pk", b_id="int")
    make_table("nr_b", id="pk", item_id="int")
    make_table("nr_c", id="pk", b_id="int")

    class A(Model):
        table_name = "nr_a"
        b = belongs_to("B")
        items = has_many("C", through="b")        # B has both 'items' and 'item'
        loop = has_many("C", through="other")
        other = has_many("C", through="loop")
        wrong = has_many("A", through="b", source="item")

    class B(Model):
        table_name = "nr_b"
        item = belongs_to("C")
        items = has_many("C")

    class C(Model):
        table_name = "nr_c"

    record = A.create()
    with assert_queries(0):
        with pytest.raises(InvalidAssociation, match="both 'items' and 'item' are "
                                                    "associations of B.*source="):
            record.items
        with pytest.raises(InvalidAssociation, match="lead back to itself"):
            record.loop
        with pytest.raises(InvalidAssociation, match="lead back to itself"):
            A.preload("loop")
        with pytest.raises(InvalidAssociation, match="leads to C, not A"):
            record.wrong


def test_preload_builds_nothing_per_child(db, make_table):
    make_table("nm_parents", id="pk")
    make_table("nm_children", id="pk", parent_id="int")

    class Parent(Model):
        table_name = "nm_parents"
        children = has_many("Child")

    class Child(Model):
        table_name = "nm_children"

    Parent.insert_all([{"id": i} for i in range(1, 21)])

    def objects_after_preload(per_parent):
        Child.delete_all()
        Child.insert_all([{"parent_id": p} for p in range(1, 21) for _ in range(per_parent)])
        gc.collect()
        parents = Parent.preload("children").to_list()
        gc.collect()
        counts = {"relations": 0, "conds": 0, "nodes": 0}
        for obj in gc.get_objects():
            if isinstance(obj, RelationCore):
                counts["relations"] += 1
            elif isinstance(obj, Cond):
                counts["conds"] += 1
            elif isinstance(obj, n.Node):
                counts["nodes"] += 1
        assert sum(len(p.children) for p in parents) == 20 * per_parent
        return counts, parents

    few, parents = objects_after_preload(1)
    del parents
    many, parents = objects_after_preload(20)
    assert many["relations"] <= few["relations"] + 1
    assert many["conds"] <= few["conds"] and many["nodes"] <= few["nodes"]
    assert many["relations"] <= 2 * 20 + 5  # the proxies (and the parents' relation)


def test_preloaded_collections_query_as_the_readers_do(db, make_table):
    make_table("nq_parents", id="pk")
    make_table("nq_children", id="pk", parent_id="int", n="int")

    class Parent(Model):
        table_name = "nq_parents"
        children = has_many("Child")

    class Child(Model):
        table_name = "nq_children"

        @default_scope
        def positive(rel):
            return rel.where(Child.c.n > 0)

    for _ in range(3):
        parent = Parent.create()
        for k in range(-1, 3):
            Child.create(parent_id=parent.id, n=k)
    preloaded = Parent.order("id").preload("children").to_list()
    for parent in preloaded:
        lazy = Parent.find(parent.id).children
        assert parent.children.to_sql() == lazy.to_sql()
        assert sorted(c.n for c in parent.children) == [1, 2]
        assert parent.children.where(n=2).count() == 1 == lazy.where(n=2).count()
        built = parent.children.build(n=5)
        assert built.parent_id == parent.id and built in parent.children.to_list()


def test_preload_belongs_to_sets_the_has_one_inverse(db, make_table):
    make_table("ni_people", id="pk", name="string(20)")
    make_table("ni_passports", _fk(db, "person_id", "ni_people"), id="pk",
               person_id="int")

    class Person(Model):
        table_name = "ni_people"
        passport = has_one("Passport")

    class Passport(Model):
        table_name = "ni_passports"
        person = belongs_to("Person")

    Person.create(name="zed")  # person ids and passport ids differ
    for name in ("ann", "bob"):
        Passport.create(person_id=Person.create(name=name).id)
    with assert_queries(2):
        passports = Passport.order("id").preload("person").to_list()
    with assert_queries(0):
        assert [p.person.name for p in passports] == ["ann", "bob"]
        assert all(p.person.passport is p for p in passports)
    with assert_queries(2):
        people = Person.order("id").preload("passport").to_list()
    with assert_queries(0):
        assert people[0].passport is None
        assert all(p.passport.person is p for p in people[1:])


def test_through_a_polymorphic_belongs_to_is_refused(db, make_table):
    make_table("np_posts", id="pk")
    make_table("np_comments", id="pk", subject_type="string(20)", subject_id="int")

    class Post(Model):
        table_name = "np_posts"

    class Comment(Model):
        table_name = "np_comments"
        subject = belongs_to(polymorphic=True)
        posts = has_many("Post", through="subject", source="subject")

    comment = Comment.create(subject_type="Post", subject_id=Post.create().id)
    with assert_queries(0), pytest.raises(InvalidAssociation, match="polymorphic"):
        comment.posts.to_list()
    with assert_queries(0), pytest.raises(InvalidAssociation, match="polymorphic"):
        Comment.preload("posts")


def test_a_table_met_twice_is_aliased_with_its_default_scope(db, make_table):
    Owner, _, (ann, bob, eve) = chain_models(db, make_table)
    blue = Owner.find(bob.id).groups.to_list()[0]
    Owner.memberships.target.create(owner_id=eve.id, group_id=blue.id, active=False)
    # ann: red twice (ann, ann each time) and blue (ann, bob; eve's is inactive)
    expected = {ann.id: ["ann"] * 5 + ["bob"], bob.id: ["ann", "bob"], eve.id: []}
    for owner in (ann, bob, eve):
        assert sorted(o.name for o in Owner.find(owner.id).peers) == expected[owner.id]
    with assert_queries(1 + 4):
        owners = Owner.preload("peers").to_list()
    assert {o.id: sorted(p.name for p in o.peers) for o in owners} == expected


def test_film_actor_join_model_both_ways_as_the_habtm(sakila):  # noqa: F811 - the fixture
    """Sakila's film <-> actor through the film_actor join model (has_many through)
    gives what the habtm over the same table gives, lazily and preloaded."""
    _, _, Film, Actor = sakila_models()

    class FilmActor(Model):
        table_name = "film_actor"
        film = belongs_to(Film)
        actor = belongs_to(Actor)

    class CastFilm(Film):
        film_actors = has_many(FilmActor)
        cast = has_many(Actor, through="film_actors", source="actor")

    class CastActor(Actor):
        film_actors = has_many(FilmActor)
        filmography = has_many(Film, through="film_actors", source="film")

    film, actor = CastFilm.find(1), CastActor.find(1)
    assert sorted(a.actor_id for a in film.cast) == sorted(a.actor_id for a in film.actors)
    assert sorted(f.film_id for f in actor.filmography) == \
        sorted(f.film_id for f in actor.films)
    assert film.cast.count() == 10 and actor.filmography.count() == 19
    with assert_queries(3):  # films, film_actor keys, actors
        films = CastFilm.preload("cast").where(film_id=[1, 2, 3]).order("film_id").to_list()
        casts = [sorted(a.actor_id for a in f.cast) for f in films]
    assert casts == [sorted(a.actor_id for a in CastFilm.find(i).actors) for i in (1, 2, 3)]
