"""A small Flask app over activerecord: artists and their albums, as HTML pages and as a
JSON API, in the shape of a Rails scaffold (an invalid form is shown again with its
errors and status 422; a missing record is a 404).

Run it (see README.md)::

    flask --app examples/flask_app/app.py db migrate
    flask --app examples/flask_app/app.py run
    python examples/flask_app/app.py          # migrates, then serves on port 5000

``create_app(config)`` is the app factory (Flask's pattern): the tests build one app per
database with ``ACTIVERECORD_DATABASE_URL`` in ``config``.
"""

from __future__ import annotations

import math
import os
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from models import Album, Artist
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from activerecord import ForbiddenAttributesError, Model, transaction
from activerecord.integrations.flask import ActiveRecord

ARTIST_FIELDS = ("name", "country")
ALBUM_FIELDS = ("title", "year", "artist_id")

web = Blueprint("web", __name__)
api = Blueprint("api", __name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Return the app, ``config`` updating its settings: ``ACTIVERECORD_DATABASE_URL``
    (default ``$DATABASE_URL``, else a SQLite file in the instance folder),
    ``ACTIVERECORD_POOL_SIZE``, ``ACTIVERECORD_POOL_TIMEOUT``, ``PER_PAGE`` (10).
    The extension connects at once: ConfigurationError for a bad URL or setting,
    ConnectionError when the database cannot be reached."""
    app = Flask(__name__)
    app.config.from_mapping(PER_PAGE=10)
    app.config.update(config or {})
    if not app.config.get("ACTIVERECORD_DATABASE_URL"):
        app.config["ACTIVERECORD_DATABASE_URL"] = os.environ.get("DATABASE_URL") or \
            _instance_database(app)
    ActiveRecord(app, error_handlers=True)  # 404 for RecordNotFound, 422 for RecordInvalid
    app.register_blueprint(web)
    app.register_blueprint(api, url_prefix="/api")
    app.register_error_handler(HTTPException, http_error)
    return app


def _instance_database(app: Flask) -> str:
    os.makedirs(app.instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, "flask_app.db")


# -- helpers ---------------------------------------------------------------------------
def whole_number(name: str, default: int | None = None) -> int | None:
    """The request's ``?name=`` as an int (``default`` when absent); BadRequest unless
    a whole number from 1."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"{name} must be a whole number from 1, not {raw!r}")
    return int(raw)


def paginate(relation: Any) -> dict[str, Any]:
    """The request's page (``?page=``, from 1) of an ordered relation: ``records``,
    ``page``, ``per_page`` (the ``PER_PAGE`` setting), ``total`` and ``pages`` (at
    least 1). A page past the last one has no records."""
    number, per = whole_number("page", 1) or 1, int(current_app.config["PER_PAGE"])
    total = relation.count()
    return {"records": relation.page(number, per=per).to_list(), "page": number,
            "per_page": per, "total": total, "pages": max(1, math.ceil(total / per))}


def json_body() -> dict[str, Any]:
    """The request's JSON object; BadRequest for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def form_fields(names: tuple[str, ...]) -> dict[str, str]:
    """The submitted form's values for ``names`` (absent ones left out)."""
    return {name: request.form[name] for name in names if name in request.form}


def http_error(error: HTTPException) -> ResponseReturnValue:
    """An HTTP error (a RecordNotFound too: the extension answers it as a NotFound):
    ``{"error": ...}`` under ``/api/``, else the HTML 404 page or werkzeug's own page."""
    code = error.code or 500
    if request.path.startswith("/api/"):
        return jsonify(error="not found" if code == 404 else error.description), code
    if isinstance(error, NotFound):
        return render_template("404.html"), 404
    return error


# -- HTML pages ------------------------------------------------------------------------
@web.get("/")
def home() -> ResponseReturnValue:
    """Redirect to the list of artists."""
    return redirect(url_for("web.artists"))


@web.get("/artists")
def artists() -> ResponseReturnValue:
    """The page ``?page=`` of the artists, by name, with Previous/Next links."""
    page = paginate(Artist.includes("albums").order("name", "id"))  # no N+1 for the counts
    return render_template("artists/index.html", **page)


@web.get("/artists/new")
def new_artist() -> ResponseReturnValue:
    """The empty artist form."""
    return render_template("artists/form.html", artist=Artist())


@web.post("/artists")
def create_artist() -> ResponseReturnValue:
    """Create an artist from the form: 303 to it, or the form again with its errors and 422."""
    artist = Artist.new_from(form_fields(ARTIST_FIELDS), permit=ARTIST_FIELDS)
    if not artist.save():
        return render_template("artists/form.html", artist=artist), 422
    return redirect(url_for("web.artist", artist_id=artist.id), 303)


@web.get("/artists/<int:artist_id>")
def artist(artist_id: int) -> ResponseReturnValue:
    """An artist, its albums and the form adding one; 404 for an unknown id."""
    record = Artist.find(artist_id)
    return render_template("artists/show.html", artist=record, album=Album(),
                           albums=record.albums.order("year", "title"))


@web.get("/artists/<int:artist_id>/edit")
def edit_artist(artist_id: int) -> ResponseReturnValue:
    """The artist form, filled in; 404 for an unknown id."""
    return render_template("artists/form.html", artist=Artist.find(artist_id))


@web.post("/artists/<int:artist_id>")
def update_artist(artist_id: int) -> ResponseReturnValue:
    """Update an artist from the form: 303 to it, or the form again with 422."""
    record = Artist.find(artist_id)
    record.assign_attributes(form_fields(ARTIST_FIELDS), permit=ARTIST_FIELDS)
    if not record.save():
        return render_template("artists/form.html", artist=record), 422
    return redirect(url_for("web.artist", artist_id=record.id), 303)


@web.post("/artists/<int:artist_id>/delete")
def delete_artist(artist_id: int) -> ResponseReturnValue:
    """Destroy an artist and its albums: 303 to the list."""
    Artist.find(artist_id).destroy()
    return redirect(url_for("web.artists"), 303)


@web.post("/artists/<int:artist_id>/albums")
def create_album(artist_id: int) -> ResponseReturnValue:
    """Add an album to an artist: 303 to the artist, or its page again with 422."""
    record = Artist.find(artist_id)
    album = record.albums.build(**form_fields(("title", "year")))
    if not album.save():
        return render_template("artists/show.html", artist=record, album=album,
                               albums=record.albums.order("year", "title")), 422
    return redirect(url_for("web.artist", artist_id=record.id), 303)


@web.post("/albums/<int:album_id>/delete")
def delete_album(album_id: int) -> ResponseReturnValue:
    """Destroy an album: 303 to its artist."""
    album = Album.includes("artist").find(album_id)
    album.destroy()
    return redirect(url_for("web.artist", artist_id=album.artist.id), 303)


# -- the JSON API ----------------------------------------------------------------------
@api.errorhandler(ForbiddenAttributesError)
def api_forbidden_attributes(error: ForbiddenAttributesError) -> ResponseReturnValue:
    """A body with keys the endpoint does not take: 400, naming them."""
    return jsonify(error=str(error)), 400


def page_json(relation: Any, key: str, **options: Any) -> ResponseReturnValue:
    """A page of ``relation`` as ``{key: [...], "page", "per_page", "total", "pages"}``."""
    page = paginate(relation)
    records = page.pop("records")
    return jsonify({key: [r.as_json(**options) for r in records], **page})


def saved(record: Model, status: int = 200, **options: Any) -> ResponseReturnValue:
    """``record`` saved (RecordInvalid, answered 422 by the extension, otherwise)."""
    record.save(raise_on_invalid=True)
    return jsonify(record.as_json(**options)), status


@api.get("/artists")
def api_artists() -> ResponseReturnValue:
    """A page of artists (``?page=``) with the paging figures."""
    return page_json(Artist.order("name", "id"), "artists")


@api.post("/artists")
def api_create_artist() -> ResponseReturnValue:
    """Create an artist: 201 and it, 422 and its errors, 400 for a bad body."""
    return saved(Artist.new_from(json_body(), permit=ARTIST_FIELDS), 201)


@api.get("/artists/<int:artist_id>")
def api_artist(artist_id: int) -> ResponseReturnValue:
    """An artist with its albums; 404 for an unknown id."""
    record = Artist.includes("albums").find(artist_id)
    return jsonify(record.as_json(include="albums"))


@api.route("/artists/<int:artist_id>", methods=["PATCH", "PUT"])
def api_update_artist(artist_id: int) -> ResponseReturnValue:
    """Update an artist's columns given: 200 and it, 422, 400 or 404."""
    record = Artist.find(artist_id)
    record.assign_attributes(json_body(), permit=ARTIST_FIELDS)
    return saved(record)


@api.delete("/artists/<int:artist_id>")
def api_delete_artist(artist_id: int) -> ResponseReturnValue:
    """Destroy an artist and its albums: 204, or 404."""
    Artist.find(artist_id).destroy()  # its albums too (dependent="destroy")
    return "", 204


@api.post("/artists/<int:artist_id>/albums")
def api_import_albums(artist_id: int) -> ResponseReturnValue:
    """``{"albums": [{...}, ...]}``: all of them or, when one is invalid, none (422)."""
    items = json_body().get("albums")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadRequest('"albums" must be a list of JSON objects')
    record = Artist.find(artist_id)
    albums = [Album.new_from(item, permit=("title", "year")) for item in items]
    with transaction():  # one commit; a RecordInvalid rolls every album back
        for album in albums:
            album.artist = record
            album.save(raise_on_invalid=True)
    return jsonify(albums=[a.as_json() for a in albums]), 201


@api.get("/albums")
def api_albums() -> ResponseReturnValue:
    """A page of albums with their artist's id and name (``?artist_id=`` filters)."""
    albums = Album.includes("artist").order("title", "id")
    artist_id = whole_number("artist_id")
    if artist_id is not None:
        albums = albums.where(artist_id=artist_id)
    return page_json(albums, "albums", include={"artist": {"only": ["id", "name"]}})


@api.post("/albums")
def api_create_album() -> ResponseReturnValue:
    """Create an album: 201 and it, 422 and its errors, 400 for a bad body."""
    return saved(Album.new_from(json_body(), permit=ALBUM_FIELDS), 201)


@api.get("/albums/<int:album_id>")
def api_album(album_id: int) -> ResponseReturnValue:
    """An album with its artist's id and name; 404 for an unknown id."""
    album = Album.includes("artist").find(album_id)
    return jsonify(album.as_json(include={"artist": {"only": ["id", "name"]}}))


@api.route("/albums/<int:album_id>", methods=["PATCH", "PUT"])
def api_update_album(album_id: int) -> ResponseReturnValue:
    """Update an album's columns given: 200 and it, 422, 400 or 404."""
    album = Album.find(album_id)
    album.assign_attributes(json_body(), permit=ALBUM_FIELDS)
    return saved(album)


@api.delete("/albums/<int:album_id>")
def api_delete_album(album_id: int) -> ResponseReturnValue:
    """Destroy an album: 204, or 404."""
    Album.find(album_id).destroy()
    return "", 204


if __name__ == "__main__":
    from activerecord.migration import Migrator

    application = create_app()
    ext = application.extensions["activerecord"]
    with application.app_context():  # what `flask db migrate` does
        Migrator(ext.settings.migrations_path, ext.database,
                 schema_path=ext.settings.schema_path, log=print).migrate()
    application.run()  # Flask's development server; see README.md for waitress
