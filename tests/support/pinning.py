"""What the pinning tests of the Flask extension and the middleware read: session state
(a temporary table) made and read in two statements of one request."""

from __future__ import annotations

import threading
import uuid

from activerecord import Database


def session_rows(database: Database) -> list[tuple]:
    """A temporary table made and read in two statements, while another thread holds
    the connection the pool would hand out next: its rows, when both statements ran
    on one connection (else the read fails: no such table)."""
    table = f"mw_tmp_{uuid.uuid4().hex[:8]}"
    database.execute(f"CREATE TEMPORARY TABLE {table} (x integer)")
    database.execute(f"INSERT INTO {table} (x) VALUES (7)")
    taken, release = threading.Event(), threading.Event()

    def other() -> None:
        with database.transaction():
            database.execute("SELECT 1")
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert taken.wait(10)
    try:
        return database.execute(f"SELECT x FROM {table}").rows
    finally:
        release.set()
        thread.join()
        database.execute(f"DROP {'TEMPORARY ' if database.adapter.name == 'mysql' else ''}"
                         f"TABLE {table}")
