"""The SQLite report-write gate: writers take turns, nesting and open transactions pass through."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import transaction

from samenveilig.reports import sqlite_gate


@pytest.fixture
def lock_file(tmp_path, monkeypatch):
    path = str(tmp_path / "db.sqlite3.write-lock")
    monkeypatch.setattr(sqlite_gate, "_lock_path", lambda alias: path)
    return path


def test_writers_take_turns(lock_file):
    # Given two threads that each hold the gate for a while
    inside = 0
    overlaps = []
    guard = threading.Lock()

    def write() -> None:
        nonlocal inside
        for _ in range(5):
            with sqlite_gate.report_write_gate():
                with guard:
                    inside += 1
                    overlaps.append(inside)
                time.sleep(0.002)
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(3)]
    # When they run at the same time
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then never two at once
    assert overlaps and max(overlaps) == 1


def test_nested_use_does_not_wait_for_itself(lock_file):
    with sqlite_gate.report_write_gate(), sqlite_gate.report_write_gate():
        pass


@pytest.mark.django_db(transaction=True)
def test_inside_an_open_transaction_the_gate_is_skipped(lock_file, monkeypatch):
    # Given a transaction opened by someone else (it may hold SQLite's write lock already)
    taken = []
    monkeypatch.setattr(sqlite_gate.fcntl, "flock", lambda fd, op: taken.append(op))
    with transaction.atomic(), sqlite_gate.report_write_gate():
        pass
    # Then the gate is not taken; outside a transaction it is
    assert taken == []
    with sqlite_gate.report_write_gate():
        pass
    assert taken == [sqlite_gate.fcntl.LOCK_EX, sqlite_gate.fcntl.LOCK_UN]


def test_the_gate_applies_to_a_sqlite_file_only(monkeypatch):
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "sqlite":
        # PostgreSQL locks rows; there is no database-wide write lock to queue for.
        assert sqlite_gate._lock_path("default") is None
        return
    for name, expected in [
        (":memory:", None),
        ("file:memorydb_default?mode=memory&cache=shared", None),
        ("/srv/samenveilig/db.sqlite3", "/srv/samenveilig/db.sqlite3.write-lock"),
    ]:
        monkeypatch.setitem(connection.settings_dict, "NAME", name)
        assert sqlite_gate._lock_path("default") == expected, name
