"""One report write at a time per SQLite database, queued on a kernel lock (issue 3 benchmark).

SQLite lets one writer in at a time (``BEGIN IMMEDIATE``, see settings). A writer that finds the
database locked does not queue: SQLite's busy handler puts it to sleep for 1, 2, 5, 10, 15, 20,
25 … ms and tries again. With several gunicorn threads and processes sending reports, writers
slept while the lock was already free: in the intake benchmark the server used well under half of
its CPU and throughput stalled. Here report writers wait instead on an exclusive ``flock`` of a
file next to the database (one per process, plus a thread lock, because ``flock`` does not
exclude threads of one process) and are woken as soon as the previous writer commits.

It adds mutual exclusion only; the transaction, its checks and the audit chain are unchanged.
PostgreSQL (row locks, no database-wide write lock) and in-memory SQLite (one process) pass
straight through. Inside a transaction someone else opened, the gate is skipped: that
transaction may already hold SQLite's lock, and waiting for the gate while holding it could
keep out the writer that holds the gate until its busy timeout.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

_thread_lock = threading.Lock()
_files: dict[str, int] = {}
_files_lock = threading.Lock()
_local = threading.local()


def _lock_path(alias: str) -> str | None:
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        return None
    return str(Path(name).with_name(Path(name).name + ".write-lock"))


def _fd(path: str) -> int:
    # Keyed by process id too: a descriptor inherited through fork shares its lock with the
    # parent, so it would not exclude the other process.
    key = f"{os.getpid()}:{path}"
    with _files_lock:
        fd = _files.get(key)
        if fd is None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            _files[key] = fd
        return fd


@contextmanager
def report_write_gate(alias: str = "default") -> Iterator[None]:
    """Hold the database's report-write gate for the block (a no-op where not needed)."""
    path = _lock_path(alias)
    if path is None or connections[alias].in_atomic_block or getattr(_local, "held", False):
        yield
        return
    fd = _fd(path)
    with _thread_lock:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _local.held = True
        try:
            yield
        finally:
            _local.held = False
            fcntl.flock(fd, fcntl.LOCK_UN)
