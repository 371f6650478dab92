"""Benchmark of alert recipient selection on PostgreSQL (issue 4): figures for docs/benchmarks.md.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/bench_alerts_targeting.py                  # 1,000,000 members
    .venv/bin/python bench/bench_alerts_targeting.py --members 100000 --repeat 20   # smoke run

A scratch database ``samenveilig_bench_alerts`` is created, migrated, filled in SQL and dropped.
Members live in a metropolitan box of 0.4° × 0.6° (about 44 × 41 km, the size of the Randstad's
core), so a 1 km circle holds about as many homes as in a Dutch city: 95 % verified members of
one of 100 groups, 20 % with a second watch point, 70 % subscribed to "wanted person", 20 % with
quiet hours.

Measured in-process (Django ORM, psycopg, the production code ``alerts.targeting.recipients``):
the selection for a 1 km circle (and 10 km) at ``--repeat`` random centres, against the same
eligibility query without the bounding box (a full scan of the same table, haversine in Python),
in the same run. Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ROOT,
    django_env,
    loadavg,
    machine_lines,
    pg_create,
    pg_drop,
    pg_facts,
    summary_ms,
)

PG_NAME = "samenveilig_bench_alerts"
BOX = (52.0, 4.6, 0.4, 0.6)  # south, west, height, width in degrees
TARGET_MS = 100.0


def _setup_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(django_env(database_url, var_dir, log_level="WARNING"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _generate(members: int) -> float:
    from django.db import connection

    south, west, height, width = BOX
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            """
            INSERT INTO communities_community
                (created_at, updated_at, name, slug, kind, description, is_open, is_active)
            SELECT now(), now(), 'Groep ' || g, 'groep-' || g, 'patrol', '', true, true
            FROM generate_series(1, 100) AS g
            """
        )
        cursor.execute(
            """
            INSERT INTO accounts_user
                (password, is_superuser, is_staff, is_active, date_joined, email, display_name,
                 language, quiet_hours_start, quiet_hours_end)
            SELECT '!', false, false, true, now(), 'lid' || g || '@bench.test', 'Buur ' || g,
                   'nl',
                   CASE WHEN g %% 5 = 0 THEN time '22:00' END,
                   CASE WHEN g %% 5 = 0 THEN time '07:00' END
            FROM generate_series(1, %s) AS g
            """,
            [members],
        )
        cursor.execute(
            """
            INSERT INTO communities_membership
                (created_at, updated_at, role, status, motivation, decision_note,
                 community_id, user_id)
            SELECT now(), now(), 'member',
                   CASE WHEN random() < 0.95 THEN 'verified' ELSE 'requested' END, '', '',
                   (SELECT min(id) FROM communities_community) + (u.id % 100), u.id
            FROM accounts_user AS u
            """
        )
        cursor.execute(
            """
            INSERT INTO communities_watchpoint
                (created_at, updated_at, label, is_home, lat, lon, user_id)
            SELECT now(), now(), 'Thuis', true,
                   %s + random() * %s, %s + random() * %s, u.id
            FROM accounts_user AS u
            """,
            [south, height, west, width],
        )
        cursor.execute(
            """
            INSERT INTO communities_watchpoint
                (created_at, updated_at, label, is_home, lat, lon, user_id)
            SELECT now(), now(), 'Werk', false,
                   %s + random() * %s, %s + random() * %s, u.id
            FROM accounts_user AS u WHERE random() < 0.2
            """,
            [south, height, west, width],
        )
        cursor.execute(
            """
            INSERT INTO communities_alertsubscription (user_id, kind)
            SELECT u.id, 'wanted_person' FROM accounts_user AS u WHERE random() < 0.7
            """
        )
    # VACUUM (outside a transaction) sets the visibility map, as autovacuum would on a live
    # database, so index-only scans need not visit the table.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def _centres(count: int, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    south, west, height, width = BOX
    # Keep 10 km circles inside the box so every circle is "full".
    return [
        (south + 0.1 + rng.random() * (height - 0.2), west + 0.15 + rng.random() * (width - 0.3))
        for _ in range(count)
    ]


def _time_selection(radius_m: float, repeat: int) -> tuple[dict[str, float], float]:
    from samenveilig.alerts.targeting import Target, recipients

    timings, sizes = [], []
    for lat, lon in _centres(5):  # warm-up
        list(recipients(Target("wanted_person", lat, lon, radius_m)))
    for lat, lon in _centres(repeat):
        started = time.perf_counter()
        found = list(recipients(Target("wanted_person", lat, lon, radius_m)))
        timings.append(time.perf_counter() - started)
        sizes.append(len(found))
    return summary_ms(timings), sum(sizes) / len(sizes)


def _time_full_scan(radius_m: float, repeat: int) -> tuple[dict[str, float], float]:
    """The baseline: the same eligibility query without the bounding box, haversine in Python."""
    from samenveilig.alerts.targeting import _eligible_points
    from samenveilig.core.geo import haversine_m

    timings, sizes = [], []
    for lat, lon in _centres(repeat):
        started = time.perf_counter()
        seen: set[int] = set()
        rows = _eligible_points("wanted_person").values_list("user_id", "lat", "lon")
        for user_id, plat, plon in rows.iterator(chunk_size=10_000):
            if user_id not in seen and haversine_m(lat, lon, plat, plon) <= radius_m:
                seen.add(user_id)
        timings.append(time.perf_counter() - started)
        sizes.append(len(seen))
    return summary_ms(timings), sum(sizes) / len(sizes)


def _explain(radius_m: float) -> str:
    from django.db import connection

    from samenveilig.alerts.targeting import Target, _candidate_rows

    lat, lon = _centres(1, seed=99)[0]
    query = _candidate_rows(Target("wanted_person", lat, lon, radius_m))
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--scan-repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    for line in machine_lines():
        print(line)
    print(f"- {pg_facts()}")
    database_url = pg_create(PG_NAME)
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            _setup_django(database_url, Path(var_dir))
            seconds = _generate(args.members)
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*), pg_size_pretty(pg_total_relation_size("
                    "'communities_watchpoint')) FROM communities_watchpoint"
                )
                points, size = cursor.fetchone()
            print(
                f"- {args.members:,} members, {points:,} watch points ({size} with indexes), "
                f"generated in {seconds:.0f} s; load average {loadavg()}"
            )
            print()
            print("| selection | recipients (mean) | p50 ms | **p95** ms | max ms | target |")
            print("|---|---|---|---|---|---|")
            for radius in (1_000, 10_000):
                stats, mean = _time_selection(radius, args.repeat)
                target = (
                    ("met" if stats["p95"] < TARGET_MS else "**not met**")
                    if radius == 1000
                    else "—"
                )
                print(
                    f"| bounding box + haversine, {radius / 1000:g} km circle "
                    f"({args.repeat} centres) | {mean:,.0f} | {stats['p50']:.1f} | "
                    f"**{stats['p95']:.1f}** | {stats['max']:.1f} | {target} |"
                )
            stats, mean = _time_full_scan(1_000, args.scan_repeat)
            print(
                f"| full scan of the same table, 1 km ({args.scan_repeat} centres) | {mean:,.0f} | "
                f"{stats['p50']:.1f} | **{stats['p95']:.1f}** | {stats['max']:.1f} | baseline |"
            )
            print(f"\nload average after: {loadavg()}")
            if args.explain:
                print("\nEXPLAIN ANALYZE, 1 km:\n```\n" + _explain(1_000) + "\n```")
    finally:
        from django.db import connections

        connections.close_all()
        pg_drop(PG_NAME)


if __name__ == "__main__":
    main()
