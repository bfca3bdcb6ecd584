"""The generic connection pool, with real sqlite3 connections (no server)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from activerecord import ConnectionTimeoutError
from activerecord.connection.pool import ConnectionPool


def _pool(tmp_path, **kw):
    path = str(tmp_path / "pool.db")
    return ConnectionPool(lambda: sqlite3.connect(path, check_same_thread=False),
                          describe="sqlite:///pool.db", **kw)


def test_checkout_reuses_returned_connections(tmp_path):
    pool = _pool(tmp_path, size=2)
    a = pool.checkout()
    pool.checkin(a)
    assert pool.checkout() is a
    assert pool.stats() == {"size": 2, "in_use": 1, "idle": 0, "waiting": 0, "open": 1}


def test_timeout_says_how_many_are_in_use_and_where(tmp_path):
    pool = _pool(tmp_path, size=2, timeout=0.2)
    held = [pool.checkout(), pool.checkout()]
    start = time.monotonic()
    with pytest.raises(ConnectionTimeoutError) as exc:
        pool.checkout()
    assert time.monotonic() - start >= 0.2
    msg = str(exc.value)
    assert "2 of 2 connections are in use" in msg and "checked out at" in msg
    assert "test_pool.py" in msg  # the holder's stack points at the caller
    for conn in held:
        pool.checkin(conn)


def test_waiting_checkout_gets_a_returned_connection(tmp_path):
    pool = _pool(tmp_path, size=1, timeout=5)
    conn = pool.checkout()
    got = []
    waiter = threading.Thread(target=lambda: got.append(pool.checkout()))
    waiter.start()
    time.sleep(0.05)
    pool.checkin(conn)
    waiter.join(2)
    assert got == [conn]


def test_broken_connections_are_closed_and_replaced(tmp_path):
    pool = _pool(tmp_path, size=1)
    conn = pool.checkout()
    pool.checkin(conn, broken=True)
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    fresh = pool.checkout()
    assert fresh is not conn and fresh.execute("SELECT 1").fetchone() == (1,)


def test_idle_connection_is_pinged_and_replaced_when_dead(tmp_path):
    alive = {"ok": True}
    pool = _pool(tmp_path, size=1, ping=lambda c: alive["ok"], ping_interval=0)
    conn = pool.checkout()
    pool.checkin(conn)
    assert pool.checkout() is conn
    pool.checkin(conn)
    alive["ok"] = False
    assert pool.checkout() is not conn


def test_recycle_replaces_old_connections(tmp_path):
    pool = _pool(tmp_path, size=1, recycle=0.05)
    conn = pool.checkout()
    pool.checkin(conn)
    time.sleep(0.08)
    assert pool.checkout() is not conn


def test_failed_connect_frees_its_slot(tmp_path):
    calls = []

    def connect():
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("refused")
        return sqlite3.connect(":memory:")

    pool = ConnectionPool(connect, size=1, timeout=0.1)
    with pytest.raises(sqlite3.OperationalError):
        pool.checkout()
    assert pool.checkout() is not None


def test_close_closes_idle_connections(tmp_path):
    pool = _pool(tmp_path, size=2)
    conn = pool.checkout()
    pool.checkin(conn)
    pool.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
