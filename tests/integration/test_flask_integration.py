"""The Flask extension (activerecord/integrations/flask.py) on every database, through
Flask's test client and CLI runner (the example app's real-HTTP tests are
test_flask_app.py): its settings, the default database, the leaks each request's scope
cleans up (a raw BEGIN, an abandoned transaction, a request raising, a client walking
away from a streamed response), pinning, the error handlers, the failures at start,
``flask db``, ``flask shell``, ``X-Query-Count``, and no password in any log line.

Each app connects its own Database on the ``db`` fixture's URL (another pool on the
same database), so what a request committed is read back through ``db``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, jsonify, stream_with_context

from activerecord import (
    ConfigurationError,
    ConnectionError,
    Model,
    get_database,
    transaction,
    validates,
)
from activerecord.integrations.flask import ActiveRecord, Settings, db_command
from tests.support.pinning import session_rows

ROOT = Path(__file__).resolve().parents[2]
SECRET = "hunter2-flask-secret"


class FlaskGadget(Model):
    table_name = "flask_gadgets"
    validates("name", presence=True)


@pytest.fixture
def gadgets(db, make_table, restored_registry):
    make_table("flask_gadgets", id="pk", name="string(40)", password="string(60)")
    yield db


def make_app(url: str, root: Any = None, **config: Any) -> Flask:
    """A Flask app on ``url`` with ``config``; its views are added by each test."""
    app = Flask(__name__, root_path=str(root) if root is not None else None)
    app.config.update(ACTIVERECORD_DATABASE_URL=url, **config)
    return app


def names(db) -> list[str]:
    """The committed gadget names, read on the test's own Database."""
    return [r[0] for r in db.execute("SELECT name FROM flask_gadgets ORDER BY name").rows]


def with_url(url: str, **parts: Any) -> str:
    """``url`` with its password or port replaced."""
    split = urllib.parse.urlsplit(url)
    user = split.username or ""
    password = parts.get("password", split.password)
    host = f"{split.hostname}:{parts.get('port', split.port)}"
    auth = f"{user}:{urllib.parse.quote(password, safe='')}@" if password else f"{user}@"
    return urllib.parse.urlunsplit(split._replace(netloc=auth + host))


# -- settings and the default database ---------------------------------------------------
def test_the_settings_reach_the_database(gadgets):
    app = make_app(gadgets.config.url, ACTIVERECORD_POOL_SIZE=3,
                   ACTIVERECORD_POOL_TIMEOUT="2.5", ACTIVERECORD_SLOW_QUERY_MS=123)
    ext = ActiveRecord(app)
    assert app.extensions["activerecord"] is ext
    stats = ext.database.pool.stats()
    assert stats["size"] == 3 and stats["in_use"] == 0 and stats["idle"] == 1
    assert set(stats) == {"size", "in_use", "idle", "waiting", "open"}
    assert ext.database.pool.timeout == 2.5
    assert ext.database.slow_query_ms == 123


def test_init_app_and_database_url_in_the_config(gadgets, tmp_path):
    ext = ActiveRecord()
    app = Flask(__name__, root_path=str(tmp_path))
    app.config["DATABASE_URL"] = gadgets.config.url
    ext.init_app(app)
    assert app.extensions["activerecord"] is ext
    assert ext.settings.migrations_path == os.path.join(str(tmp_path), "db", "migrate")
    with pytest.raises(RuntimeError, match="registered on this Flask app already"):
        ext.init_app(app)


def test_the_database_becomes_the_default_for_models(gadgets):
    app = make_app(gadgets.config.url)
    ext = ActiveRecord(app)
    assert get_database() is ext.database and ext.database is not gadgets

    @app.post("/gadgets")
    def create():
        FlaskGadget.create(name="made")
        return {"database": FlaskGadget._database().name}

    response = app.test_client().post("/gadgets")
    assert response.json == {"database": ext.database.name}
    assert names(gadgets) == ["made"]


@pytest.mark.parametrize("config, message", [
    ({"ACTIVERECORD_POOLSIZE": 3}, "unknown setting ACTIVERECORD_POOLSIZE in app.config; "
                                   "known: ACTIVERECORD_DATABASE_URL"),
    ({"ACTIVERECORD_POOL_SIZE": "many"}, "ACTIVERECORD_POOL_SIZE must be a whole number "
                                         "from 1, not 'many'"),
    ({"ACTIVERECORD_POOL_SIZE": 0}, "ACTIVERECORD_POOL_SIZE must be a whole number from 1"),
    ({"ACTIVERECORD_PIN_PER_REQUEST": "maybe"}, "ACTIVERECORD_PIN_PER_REQUEST must be True "
                                                "or False"),
    ({"ACTIVERECORD_SLOW_QUERY_MS": -1}, "ACTIVERECORD_SLOW_QUERY_MS must be a number"),
])
def test_a_bad_setting_fails_in_one_line_naming_it(config, message):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_config({"ACTIVERECORD_DATABASE_URL": "sqlite:///x.db", **config})
    assert message in str(caught.value) and "\n" not in str(caught.value)


# -- what a request leaves behind ---------------------------------------------------------
def leaky_app(db) -> tuple[Flask, ActiveRecord]:
    app = make_app(db.config.url)
    ext = ActiveRecord(app)
    kept: list[Any] = []  # an abandoned transaction context stays referenced

    @app.get("/raw-begin")
    def raw_begin():
        ext.database.execute("BEGIN")
        ext.database.execute("INSERT INTO flask_gadgets (name) VALUES (?)", ("raw",))
        return {"in_use": ext.database.pool.stats()["in_use"]}

    @app.get("/abandoned")
    def abandoned():
        block = transaction()
        kept.append(block)
        block.__enter__()
        FlaskGadget.create(name="abandoned")
        return {"in_use": ext.database.pool.stats()["in_use"]}

    @app.get("/raises")
    def raises():
        block = transaction()
        kept.append(block)
        block.__enter__()
        FlaskGadget.create(name="raised")
        raise RuntimeError("the view failed mid-transaction")

    @app.get("/raises-in-block")
    def raises_in_block():
        with transaction():
            FlaskGadget.create(name="raised")
            raise RuntimeError("the view failed mid-transaction")

    return app, ext


@pytest.mark.parametrize("path", ["/raw-begin", "/abandoned"])
def test_a_transaction_left_open_is_rolled_back_and_logged(gadgets, caplog, path):
    app, ext = leaky_app(gadgets)
    caplog.set_level(logging.WARNING, logger="activerecord.pool")
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.json == {"in_use": 1}  # held while the request ran
    assert ext.database.pool.stats()["in_use"] == 0
    assert names(gadgets) == []
    leaks = [r for r in caplog.records if r.name == "activerecord.pool"
             and r.levelno == logging.WARNING and "connection leak" in r.getMessage()]
    assert len(leaks) == 1, caplog.text
    assert "rolled back" in leaks[0].getMessage()
    assert "test_flask_integration.py" in leaks[0].getMessage()  # where it began


@pytest.mark.parametrize("path", ["/raises", "/raises-in-block"])
def test_a_request_raising_mid_transaction_writes_nothing(gadgets, path):
    app, ext = leaky_app(gadgets)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get(path)
    assert response.status_code == 500
    assert ext.database.pool.stats()["in_use"] == 0
    assert names(gadgets) == []


def test_a_client_walking_away_from_a_stream_leaks_nothing(gadgets):
    app = make_app(gadgets.config.url)
    ext = ActiveRecord(app)

    @app.get("/stream")
    def stream():
        def chunks():
            ext.database.execute("BEGIN")
            ext.database.execute("INSERT INTO flask_gadgets (name) VALUES (?)", ("streamed",))
            yield b"first\n"
            yield b"never read\n"
            ext.database.execute("COMMIT")
        return app.response_class(stream_with_context(chunks()))

    response = app.test_client().get("/stream", buffered=False)
    body = iter(response.response)
    assert next(body) == b"first\n"
    assert ext.database.pool.stats()["in_use"] == 1
    response.close()  # what the server does when the client goes away
    assert ext.database.pool.stats()["in_use"] == 0
    assert names(gadgets) == []


def test_an_app_context_outside_a_request_is_cleaned_up_too(gadgets, caplog):
    app = make_app(gadgets.config.url)
    ext = ActiveRecord(app)
    caplog.set_level(logging.WARNING, logger="activerecord.pool")
    with app.app_context():
        ext.database.execute("BEGIN")
        ext.database.execute("INSERT INTO flask_gadgets (name) VALUES (?)", ("cli",))
    assert ext.database.pool.stats()["in_use"] == 0
    assert names(gadgets) == []
    assert "connection leak" in caplog.text


# -- pinning -----------------------------------------------------------------------------
def pinning_app(db, pin: bool) -> tuple[Flask, ActiveRecord]:
    app = make_app(db.config.url, ACTIVERECORD_PIN_PER_REQUEST=pin)
    ext = ActiveRecord(app)

    @app.get("/session")
    def session_state():
        database = ext.database
        in_use = database.pool.stats()["in_use"]
        rows = session_rows(database)
        return {"rows": [list(r) for r in rows], "in_use": in_use}

    return app, ext


def test_pinning_keeps_session_state_across_statements(gadgets):
    app, ext = pinning_app(gadgets, pin=True)
    response = app.test_client().get("/session")
    assert response.status_code == 200, response.text
    assert response.json == {"rows": [[7]], "in_use": 1}
    assert ext.database.pool.stats()["in_use"] == 0


def test_without_pinning_a_request_holds_nothing_between_statements(gadgets):
    app, ext = pinning_app(gadgets, pin=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/session")
    # The temporary table was on the connection the other thread took.
    assert response.status_code == 500
    assert ext.database.pool.stats()["in_use"] == 0


# -- error handlers ------------------------------------------------------------------------
def handled_app(db, error_handlers: bool = True) -> Flask:
    app = make_app(db.config.url)
    ActiveRecord(app, error_handlers=error_handlers)

    @app.get("/gadgets/<int:key>")
    def show(key: int):
        return {"name": FlaskGadget.find(key).name}

    @app.post("/gadgets")
    def create():
        FlaskGadget.create(name="")
        return {}, 201

    return app


def test_record_not_found_is_a_404_and_record_invalid_a_422(gadgets):
    client = handled_app(gadgets).test_client()
    assert client.get("/gadgets/987654").status_code == 404
    response = client.post("/gadgets")
    assert response.status_code == 422
    assert response.json == {"errors": {"name": ["can't be blank"]}}
    assert names(gadgets) == []


def test_a_value_its_column_cannot_take_is_a_422(gadgets):
    app = handled_app(gadgets)

    @app.post("/gadgets/typed")
    def typed():
        FlaskGadget(id="abc", name="x").save()  # an integer key given a word
        return {}, 201

    response = app.test_client().post("/gadgets/typed")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["id"]
    assert "abc" in response.json["errors"]["id"][0] and names(gadgets) == []


def test_the_apps_own_404_handler_answers_a_missing_record(gadgets):
    app = handled_app(gadgets)
    app.register_error_handler(404, lambda error: (jsonify(error="no such thing"), 404))
    response = app.test_client().get("/gadgets/987654")
    assert response.status_code == 404 and response.json == {"error": "no such thing"}


def test_without_error_handlers_a_missing_record_is_a_500(gadgets):
    app = handled_app(gadgets, error_handlers=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/gadgets/987654").status_code == 500


# -- failures at start ---------------------------------------------------------------------
@pytest.mark.parametrize("url, message", [
    ("not a url", "ACTIVERECORD_DATABASE_URL: malformed database URL 'not a url'"),
    ("pg://host/db", "unknown database URL scheme 'pg'"),
    (None, "no database for the Flask app: set ACTIVERECORD_DATABASE_URL"),
])
def test_a_malformed_url_fails_in_one_line(restored_registry, monkeypatch, url, message):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError) as caught:
        ActiveRecord(make_app(url))
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.databases("postgresql", "mysql")
def test_a_wrong_password_fails_at_start_in_one_line(gadgets, caplog):
    caplog.set_level(logging.DEBUG, logger="activerecord")
    url = with_url(gadgets.config.url, password=SECRET)
    with pytest.raises(ConnectionError) as caught:
        ActiveRecord(make_app(url))
    text = str(caught.value)
    assert "cannot be used" in text and "\n" not in text
    assert ("password authentication failed" in text) or ("Access denied" in text)
    assert SECRET not in text and SECRET not in caplog.text


def test_an_unreachable_server_fails_at_start_in_one_line(gadgets):
    if gadgets.adapter.name == "sqlite":
        url, reason = "sqlite:////nonexistent-folder/app.db", "does not exist"
    else:
        url, reason = with_url(gadgets.config.url, port=1), "refused"
    with pytest.raises(ConnectionError) as caught:
        ActiveRecord(make_app(url))
    assert reason in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.databases("postgresql", "mysql")
def test_without_the_check_the_failure_waits_for_the_first_request(gadgets):
    app = make_app(with_url(gadgets.config.url, password=SECRET),
                   ACTIVERECORD_CHECK_ON_START=False, PROPAGATE_EXCEPTIONS=False)
    ActiveRecord(app)  # nothing connects yet
    app.get("/")(lambda: {"count": FlaskGadget.count()})
    assert app.test_client().get("/").status_code == 500


# -- flask db and flask shell --------------------------------------------------------------
def test_flask_db_runs_the_migration_commands(mig, restored_registry, tmp_path):
    app = make_app(mig.db.config.url, tmp_path)
    ext = ActiveRecord(app)
    runner = app.test_cli_runner()
    made = runner.invoke(args=["db", "new", "create_flask_widgets", "label:string"])
    assert made.exit_code == 0, made.output
    assert made.output.startswith(f"created {tmp_path}/db/migrate/")
    status = runner.invoke(args=["db", "status"])
    assert status.exit_code == 0 and "  down    " in status.output
    assert "create_flask_widgets" in status.output
    migrated = runner.invoke(args=["db", "migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert "flask_widgets" in ext.database.table_names()
    assert (tmp_path / "db" / "schema.py").read_text().count("flask_widgets") >= 1
    assert "   up    " in runner.invoke(args=["db", "status"]).output
    rolled = runner.invoke(args=["db", "rollback"])
    assert rolled.exit_code == 0, rolled.output
    assert "flask_widgets" not in ext.database.table_names()
    assert not ext.database._closed  # the commands use the app's Database, left open
    again = runner.invoke(args=["db", "new", "create_flask_widgets"])
    assert again.exit_code == 1 and again.output.startswith("Error: ")
    assert "exists already" in again.output and again.output.count("\n") == 1


def test_flask_db_follows_the_migrations_path_setting(mig, restored_registry, tmp_path):
    app = make_app(mig.db.config.url, tmp_path, ACTIVERECORD_MIGRATIONS_PATH="migrations")
    ActiveRecord(app)
    result = app.test_cli_runner().invoke(args=["db", "new", "add_x_to_y", "x:integer"])
    assert result.exit_code == 0, result.output
    assert os.listdir(tmp_path / "migrations")[0].endswith("_add_x_to_y.py")
    assert db_command.name == "db"


def test_flask_db_through_the_flask_command(mig, tmp_path):
    mig.add(("create_flask_parts", """
        class CreateFlaskParts(Migration):
            def change(self):
                with self.create_table("flask_parts") as t:
                    t.string("label")
    """))
    (tmp_path / "partsapp.py").write_text(
        "from flask import Flask\n"
        "from activerecord.integrations.flask import ActiveRecord\n"
        "app = Flask(__name__)\n"
        "ActiveRecord(app)\n")
    env = {**os.environ, "DATABASE_URL": mig.db.config.url, "PYTHONPATH": str(ROOT)}
    flask = [sys.executable, "-m", "flask", "--app", "partsapp"]
    done = subprocess.run([*flask, "db", "migrate"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "flask_parts" in mig.db.table_names()
    status = subprocess.run([*flask, "db", "status"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and "create_flask_parts" in status.stdout
    assert "   up    " in status.stdout


def test_flask_shell_has_the_models_and_the_database(gadgets):
    app = make_app(gadgets.config.url)
    ext = ActiveRecord(app)
    with app.app_context():
        context = app.make_shell_context()
    assert context["db"] is ext.database
    assert context["FlaskGadget"] is FlaskGadget
    assert context["app"] is app


# -- X-Query-Count -------------------------------------------------------------------------
def counting_app(db, **config: Any) -> Flask:
    app = make_app(db.config.url, **config)
    ext = ActiveRecord(app)

    @app.post("/count")
    def count():
        FlaskGadget.where(name="x").count()  # the first use reads the schema: not counted
        with transaction():  # BEGIN and COMMIT: not counted
            FlaskGadget.create(name="counted")
        # a statement of another Database, and one of another thread's context
        other = threading.Thread(target=lambda: ext.database.execute("SELECT 1"))
        other.start()
        other.join()
        g.unrelated = db.execute("SELECT 1")
        return {}

    return app


@pytest.mark.parametrize("config, sent", [
    ({"DEBUG": True}, True),
    ({"ACTIVERECORD_QUERY_COUNT_HEADER": True}, True),
    ({}, False),
    ({"DEBUG": True, "ACTIVERECORD_QUERY_COUNT_HEADER": False}, False),
])
def test_x_query_count(gadgets, config, sent):
    response = counting_app(gadgets, **config).test_client().post("/count")
    assert response.status_code == 200
    assert response.headers.get("X-Query-Count") == ("2" if sent else None)


# -- secrets -------------------------------------------------------------------------------
def test_no_password_reaches_a_log_line(gadgets, caplog):
    caplog.set_level(logging.DEBUG, logger="activerecord")
    app = make_app(gadgets.config.url, DEBUG=True)
    ext = ActiveRecord(app)

    @app.post("/login")
    def login():
        FlaskGadget.create(name="user", password=SECRET)
        ext.database.execute("SELECT id FROM flask_gadgets WHERE password = ?", (SECRET,))
        ext.database.execute("BEGIN")  # a leak, logged
        return {}

    assert app.test_client().post("/login").status_code == 200
    assert "INSERT INTO" in caplog.text and "connection leak" in caplog.text
    assert SECRET not in caplog.text
    if gadgets.config.password:
        assert f":{gadgets.config.password}@" not in caplog.text


def test_the_settings_repr_leaves_the_url_out():
    settings = Settings.from_config({"ACTIVERECORD_DATABASE_URL":
                                     f"postgresql://app:{SECRET}@db.example/app"})
    assert settings.url.endswith("@db.example/app") and SECRET not in repr(settings)
