"""Typed stubs (``activerecord/stubs.py``, docs/stubs.md): ``.pyi`` files written from
the live schema that ``mypy --strict`` accepts, that type Chinook's columns,
associations and scopes (a misspelt column or a wrongly typed use is an error), and
that ``check_stubs`` / ``stubs --check`` compare with the database (an added column
is reported).

The mypy runs are slow (seconds each), so they are two, on SQLite's Chinook: one over
every script that must pass (exit 0, with ``reveal_type`` notes asserted), one over
every script that must fail (each error asserted); the scripts that pass also run, so
the types the stubs promise are the values the ORM returns. The rendering and checking
tests run on every database.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import activerecord
from activerecord import Model, automap, belongs_to, errors, has_many, scope
from activerecord.stubs import (
    AUTOMAP_MODULE,
    check_stubs,
    load_models,
    render_stubs,
    stub_path,
    stubs_command_impl,
    write_stubs,
)
from tests.integration.test_chinook import chinook  # noqa: F401 - the fixture, used here
from tests.support.schema import foreign_key

ROOT = Path(activerecord.__file__).resolve().parent.parent

CHINOOK_MODELS = '''
from __future__ import annotations

from enum import Enum

from activerecord import Model, belongs_to, enum, has_and_belongs_to_many, has_many, scope


class MediaKind(Enum):
    mpeg = 1
    protected_aac = 2
    protected_mpeg4 = 3
    purchased_aac = 4
    aac = 5


class ChinookRecord(Model):
    abstract = True

    @scope
    def first_ones(rel, n: int = 3):
        return rel.limit(n)


class Artist(ChinookRecord):
    table_name = "Artist"
    albums = has_many("Album")

    @scope
    def named(rel, name: str):
        return rel.where(Name=name)


class Album(Model):
    table_name = "Album"
    artist = belongs_to(Artist)
    tracks = has_many("Track")


class Genre(Model):
    table_name = "Genre"


class Track(ChinookRecord):
    table_name = "Track"
    album = belongs_to(Album)
    genre = belongs_to(Genre)
    playlists = has_and_belongs_to_many("Playlist", join_table="PlaylistTrack")
    MediaTypeId = enum(MediaKind)

    @scope
    def shorter_than(rel, ms: int = 180_000):
        return rel.where(Track.c.Milliseconds < ms)

    def minutes(self) -> float:
        return self.Milliseconds / 60_000


class Playlist(Model):
    table_name = "Playlist"


class Invoice(Model):
    table_name = "Invoice"


def helper() -> int:
    return 1
'''

# The runtime module of automap's stubs, as docs/stubs.md tells users to write it.
AUTOMAP_RUNTIME = '''
import activerecord

globals().update(activerecord.automap().models)
'''

GOOD_MODELS = '''
import datetime
import decimal
from typing import Optional

from typing_extensions import reveal_type

from chinook_app.models import Album, Artist, Invoice, MediaKind, Track, helper

artist = Artist.find(1)
name: Optional[str] = artist.Name
reveal_type(artist.Name)
assert artist.Name == "AC/DC" and isinstance(artist.Name, str)
key: int = artist.id
album = Album.find(1)
owner: Artist = album.artist
reveal_type(album.artist)
assert owner.ArtistId == 1
titles: list[str] = [a.Title for a in owner.albums]
assert "For Those About To Rock We Salute You" in titles
found = Artist.named("AC/DC").first()
reveal_type(found)
if found is not None:
    assert found.ArtistId == 1
track = Track.find(1)
reveal_type(track.album)
if track.album is not None:
    assert track.album.Title == "For Those About To Rock We Salute You"
short = Track.shorter_than(200_000).where(AlbumId=1)
reveal_type(short.first())
reveal_type(Track.first_ones(2).first())
assert len(Artist.first_ones(2).to_list()) == 2
assert all(t.Milliseconds < 200_000 for t in short)
kind: MediaKind = track.MediaTypeId
reveal_type(track.MediaTypeId)
assert kind is MediaKind.mpeg and track.is_mpeg and not track.is_aac
assert Track.aac().where(AlbumId=1).count() == 0
minutes: float = track.minutes()
price: decimal.Decimal = track.UnitPrice
assert isinstance(price, decimal.Decimal)
when: datetime.datetime = Invoice.find(1).InvoiceDate
assert isinstance(when, datetime.datetime)
playlist_ids = [p.PlaylistId for p in track.playlists]
assert 1 in playlist_ids
size: int = len(artist.Name) if artist.Name is not None else 0
assert helper() == 1
print("models ok")
'''

GOOD_AUTOMAP = '''
from typing_extensions import reveal_type

from automap_models import Album, Artist, Employee

album = Album.find(1)
reveal_type(album.artist)
title: str = album.Title
artist: Artist = album.artist
for track in album.tracks:
    reveal_type(track)
    assert track.AlbumId == 1
boss = Employee.find(2).reports_to
reveal_type(boss)
assert boss is not None and boss.EmployeeId == 1
print("automap ok")
'''

# file name -> (source, the error mypy must report for it)
BAD = {
    "bad_name.py": ("from chinook_app.models import Artist\n"
                    "print(Artist.find(1).Nmae)\n",
                    'bad_name.py:2: error: "Artist" has no attribute "Nmae"'),
    "bad_assign.py": ("from chinook_app.models import Artist\n"
                      "artist = Artist.find(1)\nartist.Nmae = 'x'\n",
                      'bad_assign.py:3: error: "Artist" has no attribute "Nmae"'),
    "bad_type.py": ("from chinook_app.models import Artist\n"
                    "x: int = Artist.find(1).Name\n",
                    'bad_type.py:2: error: Incompatible types in assignment (expression has '
                    'type "str | None", variable has type "int")'),
    "bad_optional.py": ("from chinook_app.models import Track\n"
                        "print(Track.find(1).album.Title)\n",
                        'bad_optional.py:2: error: Item "None" of "Album | None" has no '
                        'attribute "Title"'),
    "bad_scope.py": ("from chinook_app.models import Artist\n"
                     "Artist.named()\n",
                     'bad_scope.py:2: error: Missing positional argument "name" in call to '
                     '"named" of "Artist"'),
    "bad_class.py": ("from chinook_app.models import Album\n"
                     "Album.Titel\n",
                     'bad_class.py:2: error: "type[Album]" has no attribute "Titel"'),
    "bad_automap.py": ("from automap_models import Artist\n"
                       "n: str = Artist.find(1).Name\n",
                       'bad_automap.py:2: error: Incompatible types in assignment '
                       '(expression has type "str | None", variable has type "str")'),
}


# -- the typed face of the package ----------------------------------------------------
def test_the_package_all_is_a_literal_list_of_every_export():
    tree = ast.parse((ROOT / "activerecord" / "__init__.py").read_text())
    declared = [node.value for node in tree.body if isinstance(node, ast.Assign)
                and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]]
    assert len(declared) == 1 and isinstance(declared[0], ast.List)
    names = [e.value for e in declared[0].elts if isinstance(e, ast.Constant)]
    assert names == activerecord.__all__ and len(set(names)) == len(names)
    assert set(activerecord.__all__) >= set(errors.__all__)
    assert all(getattr(activerecord, n) is getattr(errors, n) for n in errors.__all__)
    assert all(hasattr(activerecord, n) for n in activerecord.__all__)


# -- mypy --strict on Chinook (SQLite) ------------------------------------------------
@pytest.fixture
def chinook_project(chinook, tmp_path, monkeypatch):  # noqa: F811 - the fixture
    """A project in ``tmp_path/src``: the Chinook models module ``chinook_app.models``,
    automap's runtime module, and their stubs in ``tmp_path/typings``."""
    src = tmp_path / "src"
    (src / "chinook_app").mkdir(parents=True)
    (src / "chinook_app" / "__init__.py").write_text("")
    (src / "chinook_app" / "models.py").write_text(CHINOOK_MODELS)
    (src / f"{AUTOMAP_MODULE}.py").write_text(AUTOMAP_RUNTIME)
    monkeypatch.syspath_prepend(str(src))
    for name in ("chinook_app", "chinook_app.models"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    typings = tmp_path / "typings"
    written = write_stubs("chinook_app.models", typings)
    written += write_stubs(automap(chinook), typings)
    assert written == [str(typings / "chinook_app" / "__init__.pyi"),
                       str(typings / "chinook_app" / "models.pyi"),
                       str(typings / f"{AUTOMAP_MODULE}.pyi")]
    return src, typings


def run_mypy(src: Path, typings: Path, files: dict[str, str]) -> tuple[int, str]:
    """Write ``files`` into ``src`` and run ``mypy --strict`` on them there, with the
    stubs as MYPYPATH (activerecord found on PYTHONPATH, as an installed package)."""
    for name, text in files.items():
        (src / name).write_text(textwrap.dedent(text))
    env = {**os.environ, "MYPYPATH": str(typings), "PYTHONPATH": str(ROOT)}
    env.pop("MYPY_CONFIG_FILE_DIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(src.parent / ".mypy_cache"), "--config-file", os.devnull,
         *files], cwd=src, env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.databases("sqlite")
def test_stubs_pass_mypy_strict_and_type_what_the_orm_returns(
        chinook_project, chinook):  # noqa: F811 - the fixture
    src, typings = chinook_project
    code, out = run_mypy(src, typings, {"good_models.py": GOOD_MODELS,
                                        "good_automap.py": GOOD_AUTOMAP})
    assert code == 0, out
    assert "error" not in out
    revealed: dict[str, list[str]] = {}
    for line in out.splitlines():
        if ": note: Revealed type is " in line:
            where, said = line.split(": note: Revealed type is ", 1)
            revealed.setdefault(where.split(":")[0], []).append(said)
    assert revealed == {
        "good_models.py": ['"str | None"', '"chinook_app.models.Artist"',
                           '"chinook_app.models.Artist | None"',
                           '"chinook_app.models.Album | None"',
                           '"chinook_app.models.Track | None"',
                           '"chinook_app.models.Track | None"',
                           '"chinook_app.models.MediaKind"'],
        "good_automap.py": ['"automap_models.Artist"', '"automap_models.Track"',
                            '"automap_models.Employee | None"']}
    # the same scripts run: the values have the types the stubs declare
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)]),
           "DATABASE_URL": chinook.config.url}
    for script, said in (("good_models.py", "models ok"), ("good_automap.py", "automap ok")):
        done = subprocess.run([sys.executable, script], cwd=src, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip() == said, done.stderr
    # ``stubs --automap --check`` (the command) finds them in sync with the database
    assert stubs_command_impl(chinook, None, True, str(typings), True) == \
        (0, f"activerecord stubs --check: the stubs in {typings} are in sync")


@pytest.mark.databases("sqlite")
def test_mypy_rejects_a_misspelt_column_and_a_wrongly_typed_use(chinook_project):
    src, typings = chinook_project
    code, out = run_mypy(src, typings, {name: text for name, (text, _) in BAD.items()})
    assert code == 1, out
    for name, (_, error) in BAD.items():
        assert error in out, f"{name}: {out}"
    assert f"Found {len(BAD)} errors in {len(BAD)} files" in out


# -- rendering (every database) ---------------------------------------------------------
@pytest.fixture
def shop(db, make_table):
    """Two tables linked by a NOT NULL foreign key and a nullable one, and their
    models (defined here: the stub module is named by the tests)."""
    make_table("stub_artists", id="pk", name="string(80) NOT NULL", born="date",
               fee="decimal(10,2)", data="json")
    make_table("stub_albums", foreign_key(db, "artist_id", "stub_artists"),
               foreign_key(db, "producer_id", "stub_artists"), id="pk",
               title="string(80)", artist_id="int NOT NULL", producer_id="int")

    class StubArtist(Model):
        table_name = "stub_artists"
        albums = has_many("StubAlbum", foreign_key="artist_id")

        @scope
        def named(rel, name, *, exact=True):
            return rel.where(name=name)

    class StubAlbum(Model):
        table_name = "stub_albums"
        artist = belongs_to(StubArtist, foreign_key="artist_id")
        producer = belongs_to(StubArtist, foreign_key="producer_id")

        def label(self) -> str | None:
            return self.title

    return StubArtist, StubAlbum


def test_render_types_columns_associations_and_scopes(shop):
    text = render_stubs(reversed(shop), "shop.models")
    ast.parse(text)  # a valid stub
    lines = [line.strip() for line in text.splitlines()]
    assert lines.index("class StubAlbum(Model):") < lines.index("class StubArtist(Model):")
    artist = lines[lines.index("class StubArtist(Model):"):]
    assert artist[2:7] == ["id: int", "name: str", "born: Optional[datetime.date]",
                           "fee: Optional[decimal.Decimal]", "data: Any"]
    assert "def albums(self) -> CollectionProxy[StubAlbum]: ..." in artist
    assert "def albums(self, value: Sequence[StubAlbum]) -> None: ..." in artist
    assert "def named(cls, name: Any, *, exact: Any = ...) -> Relation[Self]: ..." in artist
    album = lines[lines.index("class StubAlbum(Model):"):lines.index("class StubArtist(Model):")]
    assert album[2:6] == ["id: int", "title: Optional[str]", "artist_id: int",
                          "producer_id: Optional[int]"]
    assert "artist: StubArtist" in album  # NOT NULL key: required
    assert "producer: Optional[StubArtist]" in album
    assert "def label(self) -> str | None: ..." in album
    assert "from typing import Any, Optional" in lines
    assert "from typing_extensions import Self" in lines
    assert render_stubs(shop, "shop.models") == text  # the order given does not count


def test_a_column_shadowing_a_type_name_gets_the_type_imported_aside(db, make_table):
    make_table("stub_shadows", id="pk", str="string(10) NOT NULL", date="date",
               save="int")

    class StubShadow(Model):
        table_name = "stub_shadows"

    text = render_stubs([StubShadow], "shadows")
    assert "    str: _str\n" in text and "    date: Optional[datetime.date]\n" in text
    assert "from builtins import str as _str" in text
    assert "# columns read as record[name]: 'save'" in text  # Model.save keeps its name
    ast.parse(text)


def test_render_refuses_what_is_no_model_and_two_models_of_one_name(shop):
    with pytest.raises(TypeError, match="Model subclasses"):
        render_stubs([int], "m")

    class StubArtist(Model):
        table_name = "stub_artists"

    with pytest.raises(ValueError, match="two models named StubArtist"):
        render_stubs([shop[0], StubArtist], "m")


# -- checking (every database) ----------------------------------------------------------
def test_check_stubs_reports_an_added_and_a_removed_column(db, shop, tmp_path):
    out = tmp_path / "typings"
    paths = write_stubs(shop, out, module="shop.models")
    assert paths == [str(out / "shop" / "__init__.pyi"), str(out / "shop" / "models.pyi")]
    assert check_stubs(shop, out, module="shop.models") == []
    artists, albums = shop
    q = db.dialect.quote_name
    db.execute(f"ALTER TABLE {q('stub_artists')} ADD COLUMN {q('nickname')} VARCHAR(40)")
    db.execute(f"ALTER TABLE {q('stub_albums')} DROP COLUMN {q('title')}")
    artists.reset_column_information()
    albums.reset_column_information()
    stub = out / "shop" / "models.pyi"
    assert check_stubs(shop, out, module="shop.models") == [
        f"{stub}: StubAlbum.title: in the stubs (Optional[str]) but no longer in the "
        f"database or the model",
        f"{stub}: StubArtist.nickname: column added in the database (Optional[str])"]
    write_stubs(shop, out, module="shop.models")
    assert check_stubs(shop, out, module="shop.models") == []


def test_check_stubs_words_a_changed_type_and_missing_files(shop, tmp_path):
    out = tmp_path / "typings"
    stub = stub_path("shop.models", out)
    assert stub == out / "shop" / "models.pyi"
    assert check_stubs(shop, out, module="shop.models") == [
        f"{out / 'shop' / '__init__.pyi'}: missing (run activerecord stubs)",
        f"{stub}: missing (run activerecord stubs)"]
    write_stubs(shop, out, module="shop.models")
    stub.write_text(stub.read_text().replace("name: str", "name: int"))
    assert check_stubs(shop, out, module="shop.models") == [
        f"{stub}: StubArtist.name: column type changed: the stubs say int, the database "
        f"says str"]
    stub.write_text(stub.read_text().replace("name: int", "name: str") + "\n# edited\n")
    diff = check_stubs(shop, out, module="shop.models")
    assert diff and all(line.startswith(f"{stub}: ") for line in diff)
    assert f"{stub}: -# edited" in diff  # no declaration differs: a unified diff


def test_automap_stubs_and_the_command(db, shop, tmp_path, monkeypatch):
    out = tmp_path / "typings"
    m = automap(db, tables=["stub_artists", "stub_albums"])
    assert write_stubs(m, out) == [str(out / f"{AUTOMAP_MODULE}.pyi")]
    text = (out / f"{AUTOMAP_MODULE}.pyi").read_text()
    assert "class StubAlbum(Model):" in text and "class StubArtist(Model):" in text
    assert "    artist: StubArtist\n" in text and "    producer: Optional[StubArtist]\n" in text
    assert check_stubs(m, out) == []
    # the command: a models module by name, written, checked, drifted
    (tmp_path / "stub_cmd_models.py").write_text(textwrap.dedent('''
        from activerecord import Model

        class StubCmdArtist(Model):
            table_name = "stub_artists"
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "stub_cmd_models", raising=False)
    assert [c.__name__ for c in load_models("stub_cmd_models")] == ["StubCmdArtist"]
    code, said = stubs_command_impl(db, "stub_cmd_models", False, str(out), False)
    assert (code, said) == (0, f"wrote {out / 'stub_cmd_models.pyi'}")
    assert stubs_command_impl(db, "stub_cmd_models", False, str(out), True) == \
        (0, f"activerecord stubs --check: the stubs in {out} are in sync")
    q = db.dialect.quote_name
    db.execute(f"ALTER TABLE {q('stub_artists')} ADD COLUMN {q('rank')} INTEGER NOT NULL "
               f"DEFAULT 0")
    sys.modules["stub_cmd_models"].StubCmdArtist.reset_column_information()
    code, said = stubs_command_impl(db, "stub_cmd_models", False, str(out), True)
    assert code == 1
    assert f"{out / 'stub_cmd_models.pyi'}: StubCmdArtist.rank: column added in the " \
           f"database (int)" in said.splitlines()
    assert check_stubs(automap(db, tables=["stub_artists", "stub_albums"]), out) == [
        f"{out / f'{AUTOMAP_MODULE}.pyi'}: StubArtist.rank: column added in the database "
        f"(int)"]


def test_the_command_reports_usage_errors(db, tmp_path):
    out = str(tmp_path)
    assert stubs_command_impl(db, None, False, out, False)[0] == 2
    assert stubs_command_impl(db, "m", True, out, False)[0] == 2
    code, said = stubs_command_impl(db, "no_such_module_here", False, out, False)
    assert code == 2 and "No module named 'no_such_module_here'" in said
    code, said = stubs_command_impl(db, "textwrap", False, out, False)
    assert code == 2 and "defines no Model subclass" in said
