"""Shared helpers for the report benchmarks (bench_reports_intake.py, bench_reports_read.py).

Not a test and not part of the application: scratch databases, the environment a production-like
process gets (DEBUG off, explicit secrets), machine facts and percentiles.
"""

from __future__ import annotations

import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").is_dir() else sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# A settings module for the benchmark only: production settings plus what a load test from one
# address with a few hundred accounts needs. Nothing else changes.
SETTINGS_MODULE_TEXT = '''\
"""Benchmark settings: samenveilig.settings with the per-user/IP limits lifted."""
from samenveilig.settings import *  # noqa: F401,F403

# Every request comes from 127.0.0.1 and each user posts many reports (REP-10 limits: 10/user,
# 30/IP per hour); the limit check itself (two cache reads, two increments) still runs.
REPORTS_RATE_LIMIT_PER_USER = 10**9
REPORTS_RATE_LIMIT_PER_IP = 10**9
# Logging in a few hundred benchmark users from one address (allauth: 30 logins/min/IP).
ACCOUNT_RATE_LIMITS = False
'''


def write_settings_module(directory: Path) -> str:
    """Write ``bench_settings.py`` into ``directory``; returns the module name."""
    (directory / "bench_settings.py").write_text(SETTINGS_MODULE_TEXT)
    return "bench_settings"


def django_env(
    database_url: str,
    var_dir: Path,
    settings_dir: Path | None = None,
    log_level: str = "INFO",
) -> dict[str, str]:
    """The environment of a production-like process: DEBUG off, explicit secrets."""
    env = dict(os.environ)
    for name in ("SAMENVEILIG_DEMO", "SAMENVEILIG_TESTING", "REDIS_URL", "DEBUG"):
        env.pop(name, None)
    # BENCH_SRC: measure a patched copy of src/ (e.g. a proposed fix) without touching the tree.
    pythonpath = [os.environ.get("BENCH_SRC") or str(ROOT / "src"), str(ROOT)]
    if settings_dir is not None:
        pythonpath.insert(0, str(settings_dir))
        env["DJANGO_SETTINGS_MODULE"] = write_settings_module(settings_dir)
    else:
        env["DJANGO_SETTINGS_MODULE"] = "samenveilig.settings"
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(pythonpath),
            "DATABASE_URL": database_url,
            "SAMENVEILIG_VAR_DIR": str(var_dir),
            "SECRET_KEY": "bench-" + os.urandom(24).hex(),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DEBUG": "0",
            "LOG_LEVEL": log_level,
        }
    )
    return env


def run_manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


# --- PostgreSQL scratch databases ----------------------------------------------------------------


def _admin_connection():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def pg_create(name: str) -> str:
    """(Re)create a scratch database; returns its URL."""
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def pg_drop(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_facts() -> str:
    with _admin_connection() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "max_connections")
        }
    return f"PostgreSQL {version} (" + ", ".join(f"{k} {v}" for k, v in settings.items()) + ")"


# --- machine, numbers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def machine_lines() -> list[str]:
    import django

    cpu = "unknown"
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 2**20:.1f} GiB RAM"
                break
    except OSError:
        pass
    return [
        f"- CPUs available (nproc): {len(os.sched_getaffinity(0))} ({cpu}){memory}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
        f"- load average (1/5/15 min) at start: {loadavg()}{_sharing_note()}",
    ]


def _sharing_note() -> str:
    """Say the machine was shared only when the load shows it (more than one busy CPU)."""
    return " (other work shares the machine)" if os.getloadavg()[0] > 1.0 else " (a quiet machine)"


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms) if ms else float("nan"),
        "max": max(ms) if ms else float("nan"),
    }
