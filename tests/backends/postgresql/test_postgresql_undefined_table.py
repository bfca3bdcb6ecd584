"""SQLSTATE 42P01 (undefined_table) means three things on PostgreSQL; each gets its own
translation (``PostgreSQLAdapter._undefined_table``): a table that does not exist is
``TableNotFound`` naming it, a table the SQL names but does not read (``missing
FROM-clause entry``: not joined) and a table named where FROM aliases it are
``ProgrammingError``s saying so -- never ``TableNotFound: table '?'``."""

from __future__ import annotations

import psycopg
import pytest

from activerecord import Model, belongs_to, errors


@pytest.fixture
def people(pg, tables):
    name = tables("people", "CREATE TABLE {t} (id int PRIMARY KEY, boss_id int)")
    return name, pg.dialect.quote_identifier(name)


def test_a_table_not_in_the_from_clause_is_named_and_said_not_joined(pg, people):
    _name, table = people
    sql = f'SELECT "Other Table".id FROM {table}'
    with pytest.raises(errors.ProgrammingError) as info:
        pg.execute(sql)
    err = info.value
    assert not isinstance(err, errors.TableNotFound)
    assert "'Other Table'" in str(err) and "'?'" not in str(err)
    assert "not in its FROM clause" in str(err) and "not joined" in str(err)
    assert isinstance(err.__cause__, psycopg.errors.UndefinedTable)
    assert err.sql is not None and "Other Table" in err.sql


def test_a_table_named_where_from_aliases_it(pg, people):
    name, table = people
    with pytest.raises(errors.ProgrammingError) as info:
        pg.execute(f"SELECT {table}.id FROM {table} AS p")
    err = info.value
    assert not isinstance(err, errors.TableNotFound)
    assert f"{name!r}" in str(err) and "alias" in str(err)


def test_a_table_that_does_not_exist_is_still_table_not_found(pg, people):
    with pytest.raises(errors.TableNotFound) as info:
        pg.execute('SELECT 1 FROM "no such table here"')
    assert "'no such table here' does not exist" in str(info.value)


def test_a_condition_on_an_association_that_is_never_joined(pg, people):
    # The ORM's case: a hash condition on a self-reference, never joined, names
    # "boss (not joined)" (docs/associations.md, "Joins"); the error says so.
    name, _table = people

    class Person(Model):
        database = pg
        table_name = name
        boss = belongs_to("Person")

    with pytest.raises(errors.ProgrammingError,
                       match=r"'boss \(not joined\)' is referenced .* not joined"):
        Person.where(boss={"id": 1}).to_list()
