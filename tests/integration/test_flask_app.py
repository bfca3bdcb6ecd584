"""The example Flask app (examples/flask_app/) over real HTTP: waitress serves it on a
loopback port, the tests talk to it with an HTTP client, on every database. Its schema
comes from its own migrations, run on the private database of each backend
(tests/support/migrations.py), and every table (``schema_migrations`` too) is dropped
when this module is done. The load test sends 50 concurrent clients for 10 seconds and
prints its figures in the terminal summary.
"""

from __future__ import annotations

import html
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import stream_with_context

from activerecord import transaction
from activerecord.connection.handling import set_default_database
from activerecord.migration import Migrator
from tests.support.http_app import MIGRATIONS, LiveServer, example_app, run_load, wait_until
from tests.support.migrations import drop_all, private_database

POOL_SIZE = 5


class Site:
    """The example app of one backend, served: ``app``, ``database`` (the extension's),
    ``server``, ``http`` (a client), and the models; :meth:`close` undoes it all."""

    def __init__(self, db: Any, schema_path: str):
        self.private = private_database(db)
        drop_all(self.private)
        module = example_app()
        self.Artist, self.Album = module.Artist, module.Album
        self.app = module.create_app({
            "ACTIVERECORD_DATABASE_URL": self.private.config.url,
            "ACTIVERECORD_POOL_SIZE": POOL_SIZE, "ACTIVERECORD_POOL_TIMEOUT": 10,
            "ACTIVERECORD_SCHEMA_PATH": schema_path, "PER_PAGE": 10,
        })
        self.database = self.app.extensions["activerecord"].database
        migrated = self.app.test_cli_runner().invoke(args=["db", "migrate"])
        assert migrated.exit_code == 0, migrated.output
        assert Migrator(MIGRATIONS, self.database).pending() == []
        self.probe = Probe()
        self.probe.install(self.app, self.database)
        self.server = LiveServer(self.app, threads=8)
        self.http = self.server.client()

    def in_use(self) -> int:
        return int(self.database.pool.stats()["in_use"])

    def reset(self) -> None:
        for table in ("albums", "artists"):
            self.database.execute(f"DELETE FROM {self.database.dialect.quote_name(table)}")
        self.probe.reset()

    def close(self) -> None:
        self.http.close()
        self.server.stop()
        self.database.close()
        drop_all(self.private)


class Probe:
    """Routes the tests add to the app (before it serves): requests that raise in a
    transaction, and slow ones a client walks away from."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.entered, self.release, self.finished = (threading.Event() for _ in range(3))
        self.in_use_inside = -1
        self.abandoned: list[Any] = []

    def install(self, app: Any, database: Any) -> None:
        """Add the failing routes and the slow ones to ``app``."""
        self._failing(app, database)
        self._slow(app, database)

    def _failing(self, app: Any, database: Any) -> None:
        artist, probe = example_app().Artist, self

        @app.post("/test/raise-in-transaction")
        def raise_in_transaction() -> str:
            with transaction():
                artist.create(name="written then rolled back")
                raise RuntimeError("boom in the middle of a transaction")

        @app.post("/test/abandoned-transaction")
        def abandoned_transaction() -> str:
            block = database.transaction()
            block.__enter__()  # never exited: the request's scope has to end it
            probe.abandoned.append(block)  # kept alive past the request
            artist.create(name="left in an open transaction")
            raise RuntimeError("boom with the transaction still open")

        @app.post("/test/raw-begin")
        def raw_begin() -> str:
            database.execute("BEGIN")
            artist.create(name="after a BEGIN sent by hand")
            raise RuntimeError("boom before the COMMIT")

    def _slow(self, app: Any, database: Any) -> None:
        artist, probe = example_app().Artist, self

        @app.get("/test/slow")
        def slow() -> str:
            try:
                with transaction():
                    artist.create(name="slow request")
                    probe.in_use_inside = int(database.pool.stats()["in_use"])
                    probe.entered.set()
                    probe.release.wait(10)
                return "done"
            finally:
                probe.finished.set()

        @app.get("/test/stream")
        def stream() -> Any:
            def rows() -> Iterator[str]:
                with transaction():
                    artist.create(name="streamed in a transaction")
                    probe.entered.set()
                    for k in range(400):  # 20 s at most; the client leaves after one chunk
                        yield f"{k:06d}" + "x" * 65536 + "\n"
                        time.sleep(0.05)
                probe.finished.set()

            return app.response_class(stream_with_context(rows()), mimetype="text/plain")


class Sites(dict[str, Site]):
    """The served apps by backend, and the folder of their schema files."""

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def of(self, db: Any) -> Site:
        """The Site of ``db``'s backend, made at first use."""
        backend = db.adapter.name
        if backend not in self:
            self[backend] = Site(db, os.path.join(self.folder, f"schema-{backend}.py"))
        return self[backend]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: Any) -> Iterator[Sites]:
    """One served app per backend, made at first use and closed at the module's end."""
    made = Sites(str(tmp_path_factory.mktemp("flask_app")))
    yield made
    for site in made.values():
        site.close()


@pytest.fixture
def site(db: Any, sites: Sites) -> Iterator[Site]:
    """The served example app on ``db``'s backend, with empty tables, made the default
    database for the test; checks that every test leaves no connection checked out."""
    current = sites.of(db)
    set_default_database(current.database)
    current.reset()
    yield current
    assert current.in_use() == 0
    set_default_database(db)


def text(response: Any) -> str:
    """The response's HTML with its entities unescaped (Jinja escapes ``'``)."""
    return html.unescape(response.text)


# -- the JSON API ----------------------------------------------------------------------
def test_json_create_show_update_delete(site):
    http = site.http
    made = http.post("/api/artists", json={"name": "AC/DC", "country": "Australia"})
    assert made.status_code == 201, made.text
    artist = made.json()
    assert artist["name"] == "AC/DC" and isinstance(artist["id"], int)
    album = http.post("/api/albums", json={"title": "Powerage", "year": 1978,
                                           "artist_id": artist["id"]})
    assert album.status_code == 201, album.text
    shown = http.get(f"/api/artists/{artist['id']}").json()
    assert [a["title"] for a in shown["albums"]] == ["Powerage"]
    got = http.get(f"/api/albums/{album.json()['id']}").json()
    assert got["artist"] == {"id": artist["id"], "name": "AC/DC"}

    changed = http.patch(f"/api/artists/{artist['id']}", json={"country": "AU"})
    assert changed.status_code == 200 and changed.json()["country"] == "AU"
    assert site.Artist.find(artist["id"]).country == "AU"
    assert http.patch(f"/api/albums/{got['id']}", json={"year": 1979}).json()["year"] == 1979

    assert http.delete(f"/api/artists/{artist['id']}").status_code == 204
    assert site.Artist.count() == 0 and site.Album.count() == 0  # dependent="destroy"
    assert http.get(f"/api/artists/{artist['id']}").status_code == 404


def test_json_list_pages(site):
    site.Artist.insert_all([{"name": f"Artist {k:02d}"} for k in range(23)])
    http = site.http
    pages = [http.get("/api/artists", params={"page": n}).json() for n in (1, 2, 3, 4)]
    assert [len(p["artists"]) for p in pages] == [10, 10, 3, 0]
    assert [a["name"] for a in pages[1]["artists"]][:2] == ["Artist 10", "Artist 11"]
    assert {(p["total"], p["pages"], p["per_page"]) for p in pages} == {(23, 3, 10)}
    assert http.get("/api/artists").json()["page"] == 1
    for bad in ("0", "-1", "two"):
        refused = http.get("/api/artists", params={"page": bad})
        assert refused.status_code == 400
        assert refused.json() == {"error": f"page must be a whole number from 1, not {bad!r}"}


def test_json_albums_by_artist(site):
    queen = site.Artist.create(name="Queen")
    other = site.Artist.create(name="Other")
    site.Album.create(title="Jazz", artist=queen)
    site.Album.create(title="Elsewhere", artist=other)
    listed = site.http.get("/api/albums", params={"artist_id": queen.id}).json()
    assert [a["title"] for a in listed["albums"]] == ["Jazz"]
    assert listed["albums"][0]["artist"]["name"] == "Queen"


def test_json_invalid_is_422_with_the_errors(site):
    http = site.http
    blank = http.post("/api/artists", json={"name": ""})
    assert blank.status_code == 422
    assert blank.json() == {"errors": {"name": ["can't be blank"]}}
    http.post("/api/artists", json={"name": "Queen"})
    taken = http.post("/api/artists", json={"name": "Queen"})
    assert taken.status_code == 422 and taken.json()["errors"] == {
        "name": ["has already been taken"]}
    orphan = http.post("/api/albums", json={"title": "Lost", "year": 1800})
    assert orphan.status_code == 422
    assert orphan.json()["errors"] == {"artist": ["must exist"],
                                       "year": ["must be greater than 1900"]}
    assert site.Artist.count() == 1 and site.Album.count() == 0


def test_json_bad_bodies_are_400(site):
    http = site.http
    extra = http.post("/api/artists", json={"name": "X", "admin": True})
    assert extra.status_code == 400 and "admin" in extra.json()["error"]
    for body in ("[1, 2]", "not json"):
        refused = http.post("/api/artists", content=body,
                            headers={"content-type": "application/json"})
        assert refused.status_code == 400
        assert refused.json() == {"error": "the body must be a JSON object"}
    wrong_method = http.put("/api/artists", json={})
    assert wrong_method.status_code == 405 and "not allowed" in wrong_method.json()["error"]
    assert site.Artist.count() == 0


def test_json_missing_records_are_404(site):
    http = site.http
    for method, path in [("GET", "/api/artists/999999"), ("PATCH", "/api/artists/999999"),
                         ("DELETE", "/api/albums/999999"), ("GET", "/api/no-such-thing")]:
        response = http.request(method, path, json={})
        assert response.status_code == 404, (method, path)
        assert response.headers["content-type"] == "application/json"
        assert "error" in response.json()


def test_import_of_albums_is_all_or_nothing(site):
    artist = site.Artist.create(name="Led Zeppelin")
    url = f"/api/artists/{artist.id}/albums"
    refused = site.http.post(url, json={"albums": [{"title": "IV", "year": 1971},
                                                   {"title": "", "year": 1973}]})
    assert refused.status_code == 422
    assert refused.json() == {"errors": {"title": ["can't be blank"]}}
    assert site.Album.count() == 0  # the first album was rolled back with the second
    made = site.http.post(url, json={"albums": [{"title": "IV"}, {"title": "Houses"}]})
    assert made.status_code == 201
    assert sorted(artist.albums.pluck("title")) == ["Houses", "IV"]


# -- the HTML pages --------------------------------------------------------------------
def test_html_create_show_edit_delete(site):
    http = site.http
    form = http.get("/artists/new")
    assert form.status_code == 200 and '<form method="post" action="/artists">' in form.text
    made = http.post("/artists", data={"name": "Björk", "country": "Iceland"})
    assert made.status_code == 303
    location = made.headers["location"]
    artist = site.Artist.find_by(name="Björk")
    assert location.endswith(f"/artists/{artist.id}")
    assert "<h1>Björk</h1>" in http.get(location).text

    assert http.post(f"/artists/{artist.id}", data={"name": "Bjork"}).status_code == 303
    assert "value=\"Bjork\"" in http.get(f"/artists/{artist.id}/edit").text
    added = http.post(f"/artists/{artist.id}/albums", data={"title": "Debut", "year": "1993"})
    assert added.status_code == 303
    page = http.get(f"/artists/{artist.id}").text
    assert "Debut (1993)" in page
    album = site.Album.find_by(title="Debut")
    assert http.post(f"/albums/{album.id}/delete").status_code == 303
    assert site.Album.count() == 0
    gone = http.post(f"/artists/{artist.id}/delete")
    assert gone.status_code == 303 and gone.headers["location"].endswith("/artists")
    assert site.Artist.count() == 0


def test_html_list_pages_with_links(site):
    site.Artist.insert_all([{"name": f"Band {k:02d}"} for k in range(12)])
    first = site.http.get("/artists")
    assert first.status_code == 200
    assert len(re.findall(r"<td><a href=\"/artists/\d+\">Band", first.text)) == 10
    assert 'rel="prev"' not in first.text
    next_href = re.search(r'<a rel="next" href="([^"]+)"', first.text).group(1)
    assert next_href == "/artists?page=2"
    second = site.http.get(next_href).text
    assert re.findall(r">(Band \d\d)</a>", second) == ["Band 10", "Band 11"]
    assert 'rel="next"' not in second and 'href="/artists?page=1"' in second
    assert "12 artists, page 2 of 2" in second


def test_html_form_shows_validation_errors_with_422(site):
    http = site.http
    blank = http.post("/artists", data={"name": "", "country": "Nowhere"})
    assert blank.status_code == 422
    body = text(blank)
    assert "1 error prohibited this artist from being saved" in body
    assert "<li>Name can't be blank</li>" in body
    assert 'value="Nowhere"' in body  # what was typed is shown again
    site.Artist.create(name="Queen")
    taken = http.post("/artists", data={"name": "Queen"})
    assert taken.status_code == 422 and "Name has already been taken" in text(taken)
    queen = site.Artist.find_by(name="Queen")
    album = http.post(f"/artists/{queen.id}/albums", data={"title": "", "year": "1066"})
    assert album.status_code == 422
    assert {"Title can't be blank", "Year must be greater than 1900"} <= set(
        re.findall(r"<li>([^<]+)</li>", text(album)))
    edit = http.post(f"/artists/{queen.id}", data={"name": "x" * 121})
    assert edit.status_code == 422
    assert "Name is too long (maximum is 120 characters)" in text(edit)
    assert site.Artist.pluck("name") == ["Queen"] and site.Album.count() == 0


def test_html_missing_record_is_a_404_page(site):
    for path in ("/artists/999999", "/artists/999999/edit", "/nowhere"):
        response = site.http.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in response.text
    assert site.http.post("/albums/999999/delete").status_code == 404


# -- failures and connections ----------------------------------------------------------
@pytest.mark.parametrize("path", ["/test/raise-in-transaction", "/test/abandoned-transaction",
                                  "/test/raw-begin"])
def test_a_request_raising_mid_transaction_writes_nothing(site, path, caplog, monkeypatch):
    caplog.set_level(logging.WARNING, logger="activerecord.pool")
    monkeypatch.setattr(site.app.logger, "disabled", True)  # the error's traceback
    response = site.http.post(path)
    assert response.status_code == 500
    assert site.in_use() == 0
    assert site.Artist.count() == 0
    leaks = [r.getMessage() for r in caplog.records if r.name == "activerecord.pool"]
    if path == "/test/raise-in-transaction":
        assert leaks == []  # the transaction() block rolled back itself
    else:
        assert len(leaks) == 1 and "rolled back" in leaks[0]
    assert site.http.get("/api/artists").json()["total"] == 0  # the app still answers


def test_a_client_leaving_mid_request_leaks_no_connection(site):
    with socket.create_connection(("127.0.0.1", site.server.port)) as sock:
        sock.sendall(b"GET /test/slow HTTP/1.1\r\nHost: test\r\n\r\n")
        assert site.probe.entered.wait(10)
    # the client is gone; the request goes on holding its transaction's connection
    assert site.probe.in_use_inside == 1 and site.in_use() == 1
    site.probe.release.set()
    assert site.probe.finished.wait(10)
    assert wait_until(lambda: site.in_use() == 0)
    assert site.Artist.pluck("name") == ["slow request"]  # the request itself completed


def test_a_client_leaving_a_streamed_response_leaks_no_connection(site):
    with socket.create_connection(("127.0.0.1", site.server.port)) as sock:
        sock.sendall(b"GET /test/stream HTTP/1.1\r\nHost: test\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
        assert site.probe.entered.wait(10) and site.in_use() == 1
    # waitress closes the response at its next write; the generator's transaction
    # rolls back and the request's context ends
    assert wait_until(lambda: site.in_use() == 0, timeout=10)
    assert not site.probe.finished.is_set()
    assert site.Artist.count() == 0


# -- load ------------------------------------------------------------------------------
def test_fifty_clients_for_ten_seconds(site):
    artists = [site.Artist.create(name=f"Load {k:02d}") for k in range(30)]
    for artist in artists:
        for n in range(2):
            site.Album.create(title=f"Seed {n}", artist=artist, year=1990 + n)
    ids = [a.id for a in artists]
    step = load_step(ids)
    result = run_load(site.server, step, site.database.pool.stats,
                      database=site.database.adapter.name, clients=50, seconds=10.0)
    assert result.unfinished == 0
    assert result.errors == [], result.errors[:5]
    assert result.requests > 500
    assert result.samples > 100 and 1 <= result.max_in_use <= POOL_SIZE
    assert result.final_in_use == 0
    assert site.Artist.where(name="").count() == 0


def load_step(artist_ids: list[int]) -> Any:
    """One request of the load mix for ``(client, worker, i)``: 6 reads (JSON pages,
    records, HTML pages), then a create, an update and a delete of the worker's own
    album, and a refused create (422); returns None, or what went wrong."""
    mine: dict[int, list[int]] = {}

    def step(http: Any, worker: int, i: int) -> str | None:
        artist_id = artist_ids[(worker + i) % len(artist_ids)]
        own = mine.setdefault(worker, [])
        op = i % 10
        if op == 6 or (op in (7, 8) and not own):
            r = http.post("/api/albums", json={"title": f"w{worker} n{i}",
                                               "artist_id": artist_id})
            if r.status_code == 201:
                own.append(r.json()["id"])
            return _expect(r, 201)
        if op == 7:
            return _expect(http.patch(f"/api/albums/{own[-1]}", json={"year": 2000}), 200)
        if op == 8:
            return _expect(http.delete(f"/api/albums/{own.pop()}"), 204)
        if op == 9:
            return _expect(http.post("/api/artists", json={"name": ""}), 422)
        path = [f"/api/artists?page={i % 3 + 1}", f"/api/artists/{artist_id}",
                "/api/albums?page=2", f"/artists?page={i % 3 + 1}",
                f"/artists/{artist_id}", f"/api/albums?artist_id={artist_id}"][op]
        return _expect(http.get(path), 200)

    return step


def _expect(response: Any, status: int) -> str | None:
    if response.status_code == status:
        return None
    return f"{response.request.method} {response.request.url.path}: " \
           f"{response.status_code} {response.text[:200]}"
