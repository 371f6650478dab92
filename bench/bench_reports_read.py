"""Benchmark of the report read paths on PostgreSQL (issue 3): figures for docs/benchmarks.md.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/bench_reports_read.py                 # 10,000 then 1,000,000 reports
    .venv/bin/python bench/bench_reports_read.py --sizes 10000,100000 --repeat 50   # smoke run
    # Before/after on one kept database (filled once), only the Open311 cases:
    .venv/bin/python bench/bench_reports_read.py --sizes 1000000 --reuse --cases open311
    BENCH_SRC=/tmp/before/src .venv/bin/python bench/bench_reports_read.py --sizes 1000000 \
        --reuse --cases open311

A scratch database ``samenveilig_bench_read`` (``--database``) is created, migrated, filled and
dropped at the end; ``--keep`` keeps it and ``--reuse`` measures a kept one again (one size) without
filling it anew. ``BENCH_SRC`` (see ``_common.django_env``) measures another copy of ``src/``.
Reports are generated in SQL (``INSERT … SELECT generate_series``): the eleven default
categories (weighted), 50 buurten in five wijken of one gemeente (skewed: busy and quiet
buurten), submission times spread over the last year, statuses by age (recent ones mostly new or
in progress, older ones mostly closed, a small stale backlog), due dates from the category,
acknowledge/response/close times, 40 % with an address, 3 % in an incident. The first size is
measured, then rows are added up to the next size (same distribution), ``ANALYZE``, measured again.

Server time is measured in-process with Django's test ``Client`` (whole middleware stack, view,
template or JSON rendering, database; no network): ``--repeat`` requests per case after a
warm-up, p50/p95. The SQL query count per request (``CaptureQueriesContext``, in a separate
request so capturing does not add to the timings) must not change with the data size.

Cases: the partner inbox (``/meldingen/inbox/``) of a wijkagent (police, one wijk = 10 buurten)
and of the municipality (whole gemeente, 50 buurten): first page, filtered page (category +
buurt), next page through the keyset cursor, and the "open" and "overdue" tabs; Open311
``GET /open311/v2/requests.json``: default (last 90 days, up to 1,000 results), with
``service_code``, a page of 50, a deep ``page`` (OFFSET) and the same page by keyset (``after``,
from the ``Link: rel="next"`` header, where the server sends one). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PG_ADMIN_URL,
    django_env,
    loadavg,
    machine_lines,
    pg_create,
    pg_drop,
    pg_facts,
    run_manage,
    summary_ms,
)

PG_NAME = "samenveilig_bench_read"
TARGET_P95_MS = 50.0
# Weighted category codes (a code repeated = more frequent), as in a Dutch town.
CATEGORY_WEIGHTS = {
    "verdachte-situatie-persoon": 14,
    "verdachte-situatie-voertuig": 8,
    "woninginbraak": 6,
    "fietsdiefstal": 10,
    "auto-inbraak": 6,
    "vernieling": 10,
    "drugsoverlast": 6,
    "overlast": 18,
    "onveilige-plek": 12,
    "online": 4,
    "overig": 6,
}


# --- data -----------------------------------------------------------------------------------------


def setup_town() -> dict:
    """One gemeente, five wijken, 50 buurten; a wijkagent, a municipality user, addresses."""
    from allauth.mfa.totp.internal.auth import TOTP

    from samenveilig.accounts.models import Role, RoleGrant, User
    from samenveilig.areas.models import Address, Area, AreaLevel
    from samenveilig.reports.models import Category

    gm = Area.objects.create(code="GM7777", name="Leesstad", level=AreaLevel.MUNICIPALITY)
    wijken, buurten = [], []
    for w in range(5):
        wijk = Area.objects.create(
            code=f"WK7777{w:02d}", name=f"Wijk {w}", level=AreaLevel.DISTRICT, parent=gm
        )
        wijken.append(wijk)
        for b in range(10):
            buurten.append(
                Area.objects.create(
                    code=f"BU7777{w:02d}{b:02d}",
                    name=f"Buurt {w}-{b}",
                    level=AreaLevel.NEIGHBOURHOOD,
                    parent=wijk,
                )
            )
    Address.objects.bulk_create(
        [
            Address(
                postcode=f"{7000 + i // 20:04d}AB",
                house_number=1 + i % 20,
                street="Leesstraat",
                city="Leesstad",
                lat=52.1 + (i % 50) * 0.001,
                lon=5.1 + (i // 50) * 0.001,
                neighbourhood=buurten[i % 50],
            )
            for i in range(1000)
        ]
    )
    police = User.objects.create(email="agent@example.test", display_name="Agent", language="en")
    RoleGrant.objects.create(user=police, role=Role.POLICE, area=wijken[0])
    municipality = User.objects.create(
        email="gemeente@example.test", display_name="Gemeente", language="en"
    )
    RoleGrant.objects.create(user=municipality, role=Role.MUNICIPALITY, area=gm)
    for user in (police, municipality):
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # the MFA gate needs one
    categories = {c.code: c for c in Category.objects.filter(municipality__isnull=True)}
    return {
        "gm": gm,
        "wijken": wijken,
        "buurten": buurten,
        "police": police,
        "municipality": municipality,
        "categories": categories,
    }


def load_town() -> dict:
    """The town of ``setup_town`` as found in a database filled before (``--reuse``)."""
    from samenveilig.accounts.models import User
    from samenveilig.areas.models import Area, AreaLevel
    from samenveilig.reports.models import Category

    gm = Area.objects.get(code="GM7777", level=AreaLevel.MUNICIPALITY)
    return {
        "gm": gm,
        "wijken": list(Area.objects.filter(parent=gm).order_by("code")),
        "buurten": list(Area.objects.filter(parent__parent=gm).order_by("code")),
        "police": User.objects.get(email="agent@example.test"),
        "municipality": User.objects.get(email="gemeente@example.test"),
        "categories": {c.code: c for c in Category.objects.filter(municipality__isnull=True)},
    }


def reusable(name: str, size: int) -> bool:
    """Whether database ``name`` exists and holds ``size`` reports of this benchmark."""
    import psycopg

    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        with psycopg.connect(f"{base}/{name}") as conn:
            count = conn.execute("SELECT count(*) FROM reports_report").fetchone()[0]
            town = conn.execute("SELECT count(*) FROM areas_area WHERE code = 'GM7777'").fetchone()
    except psycopg.Error:
        return False
    return count == size and town[0] == 1


def insert_reports(town: dict, first: int, last: int) -> None:
    """Reports with ids' sequence numbers first..last (inclusive), in one statement."""
    from django.db import connection

    category_ids = [
        town["categories"][code].pk
        for code, weight in CATEGORY_WEIGHTS.items()
        for _ in range(weight)
    ]
    buurt_ids = [b.pk for b in town["buurten"]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM areas_address")
        address_min, address_max = cursor.fetchone()
        cursor.execute("SELECT coalesce(min(id), 0), count(*) FROM reports_incident")
        incident_min, incident_count = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO reports_report (
                reference, category_id, reporter_id, reporter_pseudonym, share_identity,
                happening_now, called_112, description, lat, lon, address_id, location_text,
                neighbourhood_id, observed_at, quality_score, quality_hints, status, outcome,
                status_note, partner, forwarded_to, incident_id, source, submitted_at,
                acknowledged_at, first_response_at, closed_at, acknowledge_due_at,
                respond_due_at, close_due_at, related_alert_id, created_at, updated_at,
                created_by_id, updated_by_id
            )
            SELECT
                'M-' || lpad(upper(to_hex(s.g)), 8, '0'),
                c.id, NULL, 'Melder-' || lpad(upper(to_hex(s.g %% 40000)), 8, '0'),
                s.r5 < 0.2, s.r5 < 0.05, s.r5 < 0.02,
                (ARRAY[
                  'Iemand liep langs de geparkeerde auto''s en voelde aan de portieren.',
                  'Twee mensen keken bij de achterdeuren van de huizen aan het pad naar binnen.',
                  'Er werd met een scooter hard over de stoep gereden, rakelings langs kinderen.',
                  'De lantaarnpaal bij het speeltuintje is kapot; het pad is ''s avonds donker.',
                  'Bij de fietsenstalling werd een slot doorgeknipt en een fiets meegenomen.'
                ])[1 + (s.g %% 5)],
                52.1 + s.r6 * 0.05, 5.1 + s.r7 * 0.05,
                CASE WHEN s.r6 < 0.4 THEN %(address_min)s
                     + floor(s.r7 * (%(address_max)s - %(address_min)s + 1))::bigint END,
                '',
                (%(buurten)s::bigint[])[1 + floor(power(s.r2, 1.6) * %(n_buurten)s)::int],
                s.sub - (s.r3 * interval '36 hours'),
                (s.g * 37) %% 101, '[]'::jsonb,
                s.status,
                CASE WHEN s.status = 'closed' THEN (ARRAY['solved', 'referred',
                     'no_action_possible', 'insufficient_information'])[1 + (s.g %% 4)]
                     ELSE '' END,
                '', c.partner,
                CASE WHEN s.status = 'forwarded' THEN
                     CASE WHEN c.partner = 'police' THEN 'municipality' ELSE 'police' END
                     ELSE '' END,
                CASE WHEN %(incident_count)s > 0 AND s.r5 > 0.97 THEN %(incident_min)s
                     + floor(s.r4 * %(incident_count)s)::bigint END,
                'web', s.sub,
                CASE WHEN s.status NOT IN ('submitted', 'pending_moderation', 'rejected')
                     THEN s.sub + s.r4 * 1.5 * c.acknowledge_within_hours * interval '1 hour'
                     END,
                CASE WHEN s.status IN ('in_progress', 'closed', 'forwarded')
                     THEN s.sub + s.r4 * 1.5 * c.respond_within_hours * interval '1 hour' END,
                CASE WHEN s.status = 'closed'
                     THEN s.sub + s.r4 * 1.2 * c.close_within_days * interval '1 day' END,
                s.sub + c.acknowledge_within_hours * interval '1 hour',
                s.sub + c.respond_within_hours * interval '1 hour',
                s.sub + c.close_within_days * interval '1 day',
                NULL, s.sub, s.sub + s.r4 * interval '10 days', NULL, NULL
            FROM (
                SELECT g, r2, r3, r4, r5, r6, r7, cat, sub,
                    CASE
                      WHEN age < 1 THEN CASE
                        WHEN rs < 0.05 THEN 'pending_moderation' WHEN rs < 0.65 THEN 'submitted'
                        WHEN rs < 0.85 THEN 'acknowledged' WHEN rs < 0.95 THEN 'in_progress'
                        ELSE 'forwarded' END
                      WHEN age < 30 THEN CASE
                        WHEN rs < 0.05 THEN 'submitted' WHEN rs < 0.20 THEN 'acknowledged'
                        WHEN rs < 0.40 THEN 'in_progress' WHEN rs < 0.43 THEN 'forwarded'
                        WHEN rs < 0.45 THEN 'rejected' ELSE 'closed' END
                      ELSE CASE
                        WHEN rs < 0.005 THEN 'submitted' WHEN rs < 0.015 THEN 'acknowledged'
                        WHEN rs < 0.025 THEN 'in_progress' WHEN rs < 0.045 THEN 'rejected'
                        ELSE 'closed' END
                    END AS status
                FROM (
                    SELECT g, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                        random() AS r6, random() AS r7, random() AS rs,
                        (%(categories)s::bigint[])[1 + floor(random() * %(n_categories)s)::int]
                            AS cat,
                        now() - random() * interval '365 days' AS sub
                    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
                ) AS raw
                CROSS JOIN LATERAL (
                    SELECT extract(epoch FROM now() - raw.sub) / 86400 AS age
                ) AS a
            ) AS s
            JOIN reports_category c ON c.id = s.cat
            """,
            {
                "first": first,
                "last": last,
                "buurten": buurt_ids,
                "n_buurten": len(buurt_ids),
                "categories": category_ids,
                "n_categories": len(category_ids),
                "address_min": address_min,
                "address_max": address_max,
                "incident_min": incident_min,
                "incident_count": incident_count,
            },
        )


def insert_incidents(town: dict, count: int) -> None:
    from django.db import connection

    cat = town["categories"]["woninginbraak"].pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reports_incident (category_id, neighbourhood_id, lat, lon,
                first_observed_at, last_observed_at, report_count, created_at)
            SELECT %s, %s, 52.12, 5.12, now() - g * interval '1 hour',
                   now() - g * interval '1 hour', 2, now() - g * interval '1 hour'
            FROM generate_series(1, %s) AS g
            """,
            [cat, town["buurten"][0].pk, count],
        )


def grow(town: dict, current: int, target: int, log) -> float:
    """Add reports up to ``target`` in batches; returns seconds (insert + ANALYZE)."""
    from django.db import connection, transaction

    start = time.perf_counter()
    batch = 100_000
    while current < target:
        upto = min(current + batch, target)
        with transaction.atomic():
            insert_reports(town, current + 1, upto)
        current = upto
        log(f"  {current:,} reports ({time.perf_counter() - start:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - start


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def data_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*) FROM reports_report GROUP BY status ORDER BY 2 DESC"
        )
        statuses = cursor.fetchall()
        cursor.execute(
            "SELECT pg_size_pretty(pg_table_size('reports_report')), "
            "pg_size_pretty(pg_indexes_size('reports_report'))"
        )
        table, indexes = cursor.fetchone()
    return {"statuses": statuses, "table": table, "indexes": indexes}


# --- measuring ------------------------------------------------------------------------------------


def cases(town: dict) -> list[dict]:
    """(label, user, url) per case; the cursor of page 2 is taken from the selector."""
    from django.test import Client

    from samenveilig.reports.selectors import partner_inbox

    police, municipality = town["police"], town["municipality"]
    cat = town["categories"]["verdachte-situatie-persoon"]
    overlast = town["categories"]["overlast"]
    busy_buurt = town["buurten"][0]  # the skew makes the first buurten the busiest
    quiet_buurt = town["buurten"][9]
    for user in (police, municipality):  # a fresh user object (no cached jurisdictions)
        user.refresh_from_db()

    def cursor(user, **filters) -> str | None:
        page = partner_inbox(type(user).objects.get(pk=user.pk), view="new", **filters)
        return page.next_cursor

    police_next = cursor(police)
    result = [
        {
            "group": "inbox",
            "label": "wijkagent: first page (tab New)",
            "user": police,
            "url": "/meldingen/inbox/",
            "target": True,
        },
        {
            "group": "inbox",
            "label": "wijkagent: filtered (category + busy buurt)",
            "user": police,
            "target": True,
            "url": "/meldingen/inbox/?"
            + urlencode({"view": "new", "category": cat.pk, "neighbourhood": busy_buurt.pk}),
        },
        {
            "group": "inbox",
            "label": "wijkagent: filtered (category + quiet buurt)",
            "user": police,
            "target": True,
            "url": "/meldingen/inbox/?"
            + urlencode({"view": "new", "category": cat.pk, "neighbourhood": quiet_buurt.pk}),
        },
        {
            "group": "inbox",
            "label": "wijkagent: next page (keyset cursor)",
            "user": police,
            "target": True,
            "url": "/meldingen/inbox/?" + urlencode({"view": "new", "after": police_next or ""}),
        },
        {
            "group": "inbox",
            "label": "wijkagent: tab Open",
            "user": police,
            "target": False,
            "url": "/meldingen/inbox/?view=open",
        },
        {
            "group": "inbox",
            "label": "wijkagent: tab Overdue",
            "user": police,
            "target": False,
            "url": "/meldingen/inbox/?view=overdue",
        },
        {
            "group": "inbox",
            "label": "municipality (50 buurten): first page",
            "target": True,
            "user": municipality,
            "url": "/meldingen/inbox/",
        },
        {
            "group": "inbox",
            "label": "municipality: filtered (category + buurt)",
            "user": municipality,
            "target": True,
            "url": "/meldingen/inbox/?"
            + urlencode({"view": "new", "category": overlast.pk, "neighbourhood": busy_buurt.pk}),
        },
        {
            "group": "open311",
            "label": "default (90 days, up to 1,000)",
            "user": None,
            "target": True,
            "url": "/open311/v2/requests.json",
        },
        {
            "group": "open311",
            "label": "service_code=woninginbraak (up to 1,000)",
            "user": None,
            "target": True,
            "url": "/open311/v2/requests.json?service_code=woninginbraak",
        },
        {
            "group": "open311",
            "label": "page_size=50",
            "user": None,
            "target": False,
            "url": "/open311/v2/requests.json?page_size=50",
        },
        {
            "group": "open311",
            "label": "page_size=50&page=200 (OFFSET 9,950)",
            "user": None,
            "target": False,
            "url": "/open311/v2/requests.json?page_size=50&page=200",
        },
    ]
    # The keyset continuation of that deep page: the ``Link: rel="next"`` of page 199; where
    # there is no page 199 (small data), a cursor at the start of the window (an empty page).
    link = Client().get("/open311/v2/requests.json?page_size=50&page=199").get("Link")
    if link:
        url = link[1 : link.index(">")]
    else:
        from datetime import timedelta

        from django.utils import timezone

        start = timezone.now() - timedelta(days=90)
        url = "/open311/v2/requests.json?" + urlencode(
            {"page_size": 50, "after": f"{start.isoformat()}~1"}
        )
    result.append(
        {
            "group": "open311",
            "label": "page_size=50&after=… (keyset, the same page 200)",
            "user": None,
            "target": False,
            "url": url,
        }
    )
    return result


def _rows(case: dict, body: bytes) -> int:
    if case["group"] == "open311":
        return len(json.loads(body))
    return len(re.findall(rb"/behandelen/", body))


def measure(case: dict, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if case["user"] is not None:
        client.force_login(case["user"])
    for _ in range(5):
        response = client.get(case["url"])
        assert response.status_code == 200, (case["url"], response.status_code)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(case["url"])
        times.append(time.perf_counter() - start)
    # Queries of one request in the steady state (the per-process lookups fresh: each is
    # refreshed at most once a second), and of one right after they were all dropped.
    client.get(case["url"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(case["url"])
    queries = captured.captured_queries
    refresh_queries = None
    try:
        from samenveilig.reports.process_cache import ProcessCache
    except ImportError:  # the code before the per-process caches
        pass
    else:
        ProcessCache.invalidate_all()
        with CaptureQueriesContext(connection) as refreshed:
            client.get(case["url"])
        refresh_queries = len(refreshed.captured_queries)
    slowest = max(queries, key=lambda q: float(q["time"]))
    return {
        **summary_ms(times),
        "queries": len(queries),
        "refresh_queries": refresh_queries,
        "sql_ms": 1000 * sum(float(q["time"]) for q in queries),
        "rows": _rows(case, response.content),
        "slowest_sql": slowest["sql"],
        "slowest_ms": 1000 * float(slowest["time"]),
    }


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return [row[0] for row in cursor.fetchall()]


# --- report ---------------------------------------------------------------------------------------


def markdown(
    runs: list[dict], args: argparse.Namespace, machine: list[str], notes: list[str]
) -> str:
    sizes = [r["size"] for r in runs]
    header_sizes = " | ".join(f"{s:,}: p50 / **p95** ms" for s in sizes)
    lines = [
        "### Partner inbox and Open311 GET on PostgreSQL",
        "",
        *machine,
        "",
        f"Command: `.venv/bin/python bench/bench_reports_read.py --explain` ({args.repeat} "
        "requests per inbox case with a target, 100 per 1,000-row Open311 case, 50 per extra "
        "case, each after 5 warm-up requests; in-process Django test client, so server time "
        "without the network: middleware, view, template/JSON rendering, database).",
        "",
        *notes,
        "",
        f"| case | rows on the page | {header_sizes} "
        f"| SQL queries ({' / '.join(f'{s:,}' for s in sizes)}; (+n): once a second) "
        f"| target (p95 < {TARGET_P95_MS:.0f} ms) |",
        "|---|---|" + "---|" * len(sizes) + "---|---|",
    ]
    labels = [(c["group"], c["label"], c["target"]) for c in runs[0]["cases"]]
    for i, (group, label, target) in enumerate(labels):
        per = [r["cases"][i]["result"] for r in runs]
        biggest = per[-1]
        verdict = "—"
        if target:
            verdict = "met" if biggest["p95"] < TARGET_P95_MS else "**not met**"
        counts = " / ".join(
            str(p["queries"])
            + (
                f" (+{p['refresh_queries'] - p['queries']})"
                if p.get("refresh_queries") not in (None, p["queries"])
                else ""
            )
            for p in per
        )
        same = len({p["queries"] for p in per}) == 1
        lines.append(
            f"| {group}: {label} | {' / '.join(str(p['rows']) for p in per)} | "
            + " | ".join(f"{p['p50']:.1f} / **{p['p95']:.1f}**" for p in per)
            + f" | {counts}{'' if same else ' **(grows)**'} | {verdict} |"
        )
    lines += [
        "",
        "Time in SQL per request (sum of the captured queries, Django rounds each to 1 ms) and "
        "the slowest query, at "
        f"{sizes[-1]:,} reports:",
        "",
        "| case | SQL total | slowest query |",
        "|---|---|---|",
    ]
    for case in runs[-1]["cases"]:
        r = case["result"]
        lines.append(
            f"| {case['group']}: {case['label']} | {r['sql_ms']:.0f} ms "
            f"| {r['slowest_ms']:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="report counts, ascending")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per case")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of each case's slowest query at the last size",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", default=PG_NAME, help="name of the scratch database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database kept from an earlier run (--keep) when it holds exactly the "
        "one size given; otherwise fill it anew (and keep it)",
    )
    parser.add_argument(
        "--cases", default="inbox,open311", help="groups of cases to measure: inbox, open311"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    groups = {g.strip() for g in args.cases.split(",") if g.strip()}
    if args.reuse:
        if len(sizes) != 1:
            parser.error("--reuse measures one size")
        args.keep = True

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-read-"))
    try:
        reuse = args.reuse and reusable(args.database, sizes[0])
        if reuse:
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            url = f"{base}/{args.database}"
        else:
            url = pg_create(args.database)
        env = django_env(url, tmp / "var", log_level="WARNING")
        if not reuse:
            log("migrating …")
            run_manage(env, "migrate", "--noinput")
        os.environ.update(env)
        # BENCH_SRC: measure a copy of src/ (e.g. the code before a change) in this process too.
        sys.path.insert(0, env["PYTHONPATH"].split(os.pathsep)[0])
        import django

        django.setup()
        log(f"code under test: {env['PYTHONPATH'].split(os.pathsep)[0]}")
        machine = machine_lines()
        machine.append(f"- {pg_facts()}, on the same machine; psycopg, persistent connection")
        if reuse:
            town = load_town()
        else:
            town = setup_town()
            insert_incidents(town, 2000)
        current, runs, notes = 0, [], []
        for size in sizes:
            if reuse:
                log(f"reusing {size:,} reports in {args.database} …")
                with connection_cursor() as cursor:
                    cursor.execute("ANALYZE reports_report")
                seconds = None
            else:
                log(f"growing to {size:,} reports …")
                seconds = grow(town, current, size, log)
            current = size
            facts = data_facts()
            generated = (
                "kept from an earlier run, ANALYZEd again"
                if seconds is None
                else f"generated in {seconds:.0f} s (with ANALYZE)"
            )
            notes.append(
                f"- {size:,} reports: {generated}; table "
                f"{facts['table']}, its indexes {facts['indexes']}; statuses "
                + ", ".join(f"{s} {n:,}" for s, n in facts["statuses"])
                + f"; load average before measuring {loadavg()}"
            )
            run = {"size": size, "cases": []}
            for case in cases(town):
                if case["group"] not in groups:
                    continue
                log(f"  {size:,}: {case['group']} {case['label']}")
                # Extra cases (no target) and the 1,000-row Open311 pages (0.3–0.5 s each) get
                # fewer requests, to keep the whole run near ten minutes.
                repeat = args.repeat if case["target"] else min(args.repeat, 50)
                if case["group"] == "open311" and case["target"]:
                    repeat = min(args.repeat, 100)
                result = measure(case, repeat)
                result["repeat"] = repeat
                run["cases"].append(
                    {k: v for k, v in case.items() if k != "user"} | {"result": result}
                )
            runs.append(run)
        print(markdown(runs, args, machine, notes))
        if args.explain:
            print("\nPlans of each case's slowest query at the largest size:\n")
            for case in runs[-1]["cases"]:
                print(f"#### {case['group']}: {case['label']}\n\n```")
                print(case["result"]["slowest_sql"][:2000])
                print("\n".join(explain(case["result"]["slowest_sql"])))
                print("```\n")
    finally:
        from django.db import connections

        try:
            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if not args.keep:
            pg_drop(args.database)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
