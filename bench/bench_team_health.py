"""Benchmark of the team-health figures (TSK-4): ``activities.health.team_health`` for one
community, at two sizes, on SQLite and PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/bench_team_health.py                # SQLite and PostgreSQL
    .venv/bin/python bench/bench_team_health.py --db sqlite    # one database

A scratch database (migrated) with one gemeente → wijk → buurt and a community covering the buurt,
with ``members`` verified members, each with 90 days of activity: two closed task claims, two
reports (one an alert tip), one completed training quiz; plus the same again by non-members and
outside the buurt (which must not count). Measured in-process with the production code: the whole
``team_health`` (one query per source, however large the team) and its query count. Baseline from
the same run: the tasks-only read the check did before (the closed claims of 90 days). Not a test.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PYTHON,
    ROOT,
    django_env,
    loadavg,
    machine_lines,
    pg_create,
    pg_drop,
    pg_facts,
    summary_ms,
)

PG_NAME = "h_tsk_bench_team_health"
SIZES = (100, 2000)


def _setup_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(django_env(database_url, var_dir, log_level="WARNING"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate(size: int, tag: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from samenveilig.activities.models import ClaimStatus, Task, TaskClaim, TaskKind, TaskStatus
    from samenveilig.areas.models import Area
    from samenveilig.communities.models import Community, Membership, MembershipStatus
    from samenveilig.reports.models import Category, Partner, Report, ReportSource
    from samenveilig.training.models import QuizAttempt

    now = timezone.now()
    gm = Area.objects.create(code=f"GM{tag}", name="Bench", level="municipality")
    wk = Area.objects.create(code=f"WK{tag}", name="Bench", level="district", parent=gm)
    bu = Area.objects.create(code=f"BU{tag}", name="Bench", level="neighbourhood", parent=wk)
    other = Area.objects.create(code=f"BU{tag}9", name="Elders", level="neighbourhood", parent=wk)
    community = Community.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}", kind="patrol")
    community.areas.set([bu])
    category, _ = Category.objects.get_or_create(
        code="overig",
        municipality=None,
        defaults={"name_nl": "Overig", "name_en": "Other", "partner": Partner.MUNICIPALITY},
    )
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(email=f"b{tag}-{i}@example.org", display_name=f"B{i}") for i in range(size * 2)]
    )
    members = users[:size]  # the other half: outsiders whose activity must not count
    Membership.objects.bulk_create(
        [Membership(community=community, user=u, status=MembershipStatus.VERIFIED) for u in members]
    )
    tasks = Task.objects.bulk_create(
        [
            Task(
                community=community,
                kind=TaskKind.FLYERING,
                title="Flyeren",
                status=TaskStatus.DONE,
                starts_at=now - timedelta(days=1 + i % 89, hours=2),
                ends_at=now - timedelta(days=1 + i % 89),
                capacity=200,
            )
            for i in range(max(1, size // 10))
        ]
    )
    claims, reports, quizzes = [], [], []
    for i, user in enumerate(users):
        for k in range(2):
            task = tasks[(i + k) % len(tasks)]
            claims.append(
                TaskClaim(
                    task=task,
                    user=user,
                    status=ClaimStatus.CLOSED,
                    claimed_at=task.starts_at,
                    closed_at=task.ends_at,
                )
            )
            when = now - timedelta(days=(i * 7 + k * 13) % 90)
            reports.append(
                Report(
                    reference=f"{tag}{i:06d}{k}",
                    category=category,
                    reporter=user,
                    reporter_pseudonym="x",
                    description="bench",
                    lat=52.0,
                    lon=5.0,
                    neighbourhood=bu if i % 3 else other,
                    observed_at=when,
                    submitted_at=when,
                    partner=Partner.MUNICIPALITY,
                    source=ReportSource.ALERT_TIP if k else ReportSource.WEB,
                )
            )
        when = now - timedelta(days=i % 90)
        quizzes.append(
            QuizAttempt(
                user=user,
                module="signaleren",
                pass_mark=70,
                started_at=when,
                submitted_at=when,
                score=80,
                passed=True,
            )
        )
    # Claims of the same (task, user) twice would break the one-live-claim rule: keep the first.
    seen: set[tuple[int, int]] = set()
    unique = []
    for claim in claims:
        if (claim.task.pk, claim.user.pk) not in seen:
            seen.add((claim.task.pk, claim.user.pk))
            unique.append(claim)
    TaskClaim.objects.bulk_create(unique, batch_size=2000)
    Report.objects.bulk_create(reports, batch_size=2000)
    QuizAttempt.objects.bulk_create(quizzes, batch_size=2000)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Production tables have statistics (autovacuum); right after a bulk load they do not, and
        # the planner then nests a loop over the members for every report (~0.9 s instead of ~2 ms).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return community


def _measure(community, repeat: int) -> dict:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from samenveilig.activities import health
    from samenveilig.activities.models import ClaimStatus, TaskClaim

    now = timezone.now()
    figures, baseline = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = health.team_health(community, now)
        figures.append(time.perf_counter() - start)
        start = time.perf_counter()
        list(
            TaskClaim.objects.filter(
                task__community=community,
                status=ClaimStatus.CLOSED,
                closed_at__gt=now - timedelta(days=90),
            ).values_list("user_id", "closed_at")
        )
        baseline.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        health.team_health(community, now)
    if os.environ.get("BENCH_SHOW_QUERIES"):
        for query in queries.captured_queries:
            print(query["time"], query["sql"][:300], file=sys.stderr)
    return {
        "team_health": summary_ms(figures),
        "baseline": summary_ms(baseline),
        "queries": len(queries),
        "members": result.members,
        "active_30": result.active_30,
        "activity_30": result.activity_30,
    }


def _run_one(db: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-team-health-") as tmp:
        var_dir = Path(tmp)
        url = pg_create(PG_NAME) if db == "postgresql" else f"sqlite:///{var_dir / 'b.sqlite3'}"
        try:
            _setup_django(url, var_dir)
            results = {}
            for n, size in enumerate(SIZES):
                community = _populate(size, f"{n + 1}{size:05d}")
                results[size] = _measure(community, repeat)
        finally:
            if db == "postgresql":
                from django.db import connections

                connections.close_all()
                pg_drop(PG_NAME)
    print(f"RESULT {db} {results!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_one(args.db, args.repeat)
        return
    sys.path.insert(0, str(ROOT / "src"))
    print("\n".join(machine_lines()))
    if args.db != "sqlite":
        print(f"- {pg_facts()}")
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        # One process per database: Django's settings are fixed once per process.
        out = subprocess.run(
            [PYTHON, __file__, "--child", "--db", db, "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(out.stdout, out.stderr, file=sys.stderr)
            raise SystemExit(f"{db}: benchmark failed")
        results = ast.literal_eval(line.split(" ", 2)[2])
        print(f"\n{db}: team_health per community (ms; p50 / p95), queries")
        print("| members | team_health p50 | p95 | baseline (tasks-only read) p50 | queries |")
        print("|---|---|---|---|---|")
        for size, r in results.items():
            t, b = r["team_health"], r["baseline"]
            print(f"| {size} | {t['p50']:.1f} | {t['p95']:.1f} | {b['p50']:.1f} | {r['queries']} |")
    print(f"- load average at the end: {loadavg()}")


if __name__ == "__main__":
    main()
