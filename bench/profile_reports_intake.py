"""Where one ``POST /api/v1/reports`` spends its time, in-process (issue 3): cProfile and the SQL
queries of intake requests through the Django test client (whole middleware stack, session
authentication, CSRF), on a fresh SQLite file or a scratch PostgreSQL database.

    .venv/bin/python bench/profile_reports_intake.py --db sqlite --requests 300
    .venv/bin/python bench/profile_reports_intake.py --db postgresql --pg-name h_rep_b

Prints the queries of one request and the top functions by cumulative time. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, django_env, pg_create, pg_drop, run_manage  # noqa: E402


def child(requests: int, top: int) -> None:
    import django

    django.setup()
    import bench_reports_intake as intake
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from samenveilig.accounts.models import User

    intake.child_setup(5)
    user = User.objects.order_by("pk").first()
    from samenveilig.reports.models import Category

    setup = {
        "categories": [
            {"code": c.code, "person": c.asks_person, "vehicle": c.asks_vehicle}
            for c in Category.objects.filter(municipality__isnull=True, is_active=True)
        ]
    }
    bodies = intake.make_payloads(setup, requests + 20)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/api/v1/health")
    token = "a" * 32
    client.cookies["csrftoken"] = token

    def post(body: str) -> None:
        response = client.post(
            "/api/v1/reports",
            data=body,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    for body in bodies[:10]:  # warm-up: imports, caches, spatial index
        post(body)
    with CaptureQueriesContext(connection) as queries:
        post(bodies[10])
    print(f"--- SQL of one request ({len(queries.captured_queries)} queries)")
    for q in queries.captured_queries:
        print(f"{q['time']:>6} {q['sql'][:220]}")
    t0, c0 = time.perf_counter(), time.process_time()
    for body in bodies[11 : 11 + requests // 2]:
        post(body)
    wall = (time.perf_counter() - t0) / (requests // 2)
    cpu = (time.process_time() - c0) / (requests // 2)
    print(
        f"--- without the profiler: {wall * 1000:.2f} ms per request, "
        f"{cpu * 1000:.2f} ms CPU of this process (SQLite: includes the database)"
    )
    anonymous = Client()
    for label, get in (("logged-in", client.get), ("anonymous", anonymous.get)):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(requests):
            get("/api/v1/health")
        wall = (time.perf_counter() - t0) / requests
        cpu = (time.process_time() - c0) / requests
        print(f"--- GET /api/v1/health {label}: {wall * 1000:.2f} ms, {cpu * 1000:.2f} ms CPU")
    profiler = cProfile.Profile()
    profiler.enable()
    for body in bodies[11 + requests // 2 : 11 + requests]:
        post(body)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.print_callees(
        "submission.py.*\\(_save\\)|api.py.*\\(create_report\\)|submission.py.*\\(report_submit\\)|operation.py:222\\(run\\)"
    )
    stats.sort_stats("tottime").print_stats(top // 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-name", default="samenveilig_profile_intake")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=80)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.requests, args.top)
        return
    tmp = Path(tempfile.mkdtemp(prefix="profile-intake-"))
    try:
        url = f"sqlite:///{tmp / 'p.sqlite3'}" if args.db == "sqlite" else pg_create(args.pg_name)
        env = django_env(url, tmp / "var", settings_dir=tmp)
        env["PYTHONPATH"] += os.pathsep + str(Path(__file__).resolve().parent)
        run_manage(env, "migrate", "--noinput")
        subprocess.run(
            [PYTHON, __file__, "--child", "--requests", str(args.requests), "--top", str(args.top)],
            env=env,
            cwd=ROOT,
            check=True,
        )
    finally:
        if args.db == "postgresql":
            pg_drop(args.pg_name)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
