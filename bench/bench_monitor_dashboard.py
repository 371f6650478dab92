"""Benchmark of the impact dashboard (issue 6, MON-3) on PostgreSQL: figures for docs/benchmarks.md.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/bench_monitor_dashboard.py                  # 100,000 then 1,000,000
    .venv/bin/python bench/bench_monitor_dashboard.py --sizes 20000 --repeat 10   # smoke run

Every page is measured cold (the dashboard cache made stale before each request, as after any
write the figures depend on) and warm (served from the cache, ``monitor.cache_dashboard``).

A scratch database (``--database``, default ``samenveilig_bench_monitor``) is created, migrated,
filled and dropped at the end (``--keep`` keeps it). The town and the reports are those of
``bench_reports_read`` (one gemeente, five wijken, 50 buurten, reports generated in SQL over the
last year, 3 % linked into incidents), plus, per
size, survey responses (a tenth of the reports: 100,000 at 1,000,000; a resident round per buurt,
one for the whole gemeente whose respondents mostly say their buurt, and a members' round per
community, answer dates over the last year), ten communities with 5,000
memberships (joined over two years, a fifth of them left), 1,000 alerts and 100 inquiries with
3,000 door visits; one report in 25 gets a member as its reporter (for "active in the last 30
days"). After each size the monthly tallies are recounted (``monitor_refresh --all``, timed).

Measured (in-process Django test client, like bench_reports_read: middleware, view, template,
database; no network), ``--repeat`` requests per case after 3 warm-up requests: the dashboard
of the whole municipality (last complete month, last complete quarter, the running year), of a
wijk (the wijkagent), of a buurt and of a community (its coordinator), and the public page. The
SQL query count per request must not change with the data size.

Then, at the largest size and in the same run, the same municipality dashboard for the last
complete quarter computed three ways, as a function call without the page: (1) from the
tallies (what the page does); (2) counted from the reports in aggregate queries (what the page
does for a month that was never tallied); (3) naively, one query per chart per buurt (50
buurten) with the medians taken in Python. Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PG_ADMIN_URL,
    ROOT,
    django_env,
    loadavg,
    machine_lines,
    pg_create,
    pg_drop,
    pg_facts,
    run_manage,
    summary_ms,
)

PG_NAME = "samenveilig_bench_monitor"
TARGET_P95_MS = 300.0
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
N_COMMUNITIES = 10
N_MEMBERS = 5000
N_ALERTS = 1000
N_INQUIRIES = 100
DOORS_PER_INQUIRY = 30


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- data -----------------------------------------------------------------------------------------


def setup_world() -> dict:
    """The town of bench_reports_read plus communities, members, rounds, alerts, inquiries."""
    from allauth.mfa.totp.internal.auth import TOTP
    from bench_reports_read import insert_incidents, setup_town
    from django.utils import timezone

    from samenveilig.accounts.models import User
    from samenveilig.alerts.models import Alert, AlertStatus
    from samenveilig.communities.models import (
        Community,
        CommunityKind,
        Membership,
        MembershipRole,
        MembershipStatus,
    )
    from samenveilig.inquiries.models import CanvassAddress, CanvassVisit, Inquiry
    from samenveilig.monitor.models import Audience, SurveyRound
    from samenveilig.monitor.services import questionnaire_for
    from samenveilig.questionnaires.models import AnswerSet

    town = setup_town()
    insert_incidents(town, 2000)
    now = timezone.now()
    gm, wijken, buurten = town["gm"], town["wijken"], town["buurten"]

    communities = []
    for i in range(N_COMMUNITIES):
        community = Community.objects.create(
            name=f"Buurtpreventie {i}", slug=f"bench-bp-{i}", kind=CommunityKind.PATROL
        )
        community.areas.set([wijken[i % 5]] if i < 5 else buurten[(i - 5) * 10 : (i - 5) * 10 + 3])
        communities.append(community)
    users = User.objects.bulk_create(
        [
            User(email=f"lid{i}@example.test", password="!", display_name=f"Lid {i}")
            for i in range(N_MEMBERS)
        ],
        batch_size=2000,
    )
    memberships = []
    for i, user in enumerate(users):
        joined = now - dt.timedelta(days=(i * 7919) % 730, hours=i % 24)
        left = i % 5 == 0 and i >= N_COMMUNITIES  # the coordinators stay
        status = MembershipStatus.LEFT if left else MembershipStatus.VERIFIED
        memberships.append(
            Membership(
                community=communities[i % N_COMMUNITIES],
                user=user,
                status=status,
                role=MembershipRole.COORDINATOR if i < N_COMMUNITIES else MembershipRole.MEMBER,
                decided_at=joined,
            )
        )
    Membership.objects.bulk_create(memberships, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:  # the ones who left did so some time after joining
        cursor.execute(
            "UPDATE communities_membership SET updated_at = decided_at "
            "+ (now() - decided_at) * ((id * 37) % 100) / 100.0 WHERE status = 'left'"
        )
    coordinator = users[0]  # coordinator of community 0 (the wijk 0)
    TOTP.activate(coordinator, TOTP_SECRET)

    rounds = (
        [
            SurveyRound.objects.create(
                name=f"Bewonersenquête {b.name}",
                questionnaire=questionnaire_for(Audience.RESIDENTS),
                audience=Audience.RESIDENTS,
                area=b,
                municipality=gm,
                opens_at=now - dt.timedelta(days=400),
                closes_at=now + dt.timedelta(days=30),
            )
            for b in buurten
        ]
        + [
            # a round for the whole gemeente: respondents say their buurt
            SurveyRound.objects.create(
                name="Bewonersenquête Leesstad",
                questionnaire=questionnaire_for(Audience.RESIDENTS),
                audience=Audience.RESIDENTS,
                area=gm,
                municipality=gm,
                opens_at=now - dt.timedelta(days=400),
                closes_at=now + dt.timedelta(days=30),
            )
        ]
        + [
            SurveyRound.objects.create(
                name=f"Communitymonitor {c.name}",
                questionnaire=questionnaire_for(Audience.MEMBERS),
                audience=Audience.MEMBERS,
                community=c,
                municipality=gm,
                opens_at=now - dt.timedelta(days=400),
                closes_at=now + dt.timedelta(days=30),
            )
            for c in communities
        ]
    )

    kinds = ["warning", "vehicle", "wanted_person", "cocoon"]
    Alert.objects.bulk_create(
        [
            Alert(
                reference=f"A-B{i:07d}",
                kind=kinds[i % 4],
                status=AlertStatus.SENT if i % 10 else AlertStatus.WITHDRAWN,
                title="Bench",
                lat=52.1,
                lon=5.1,
                municipality=gm,
                centre_neighbourhood=buurten[(i * 7) % 50],
                community=communities[i % N_COMMUNITIES] if i % 3 == 0 else None,
                valid_from=now - dt.timedelta(hours=(i * 8761) % (365 * 24)),
                expires_at=now,
                recipient_count=(i * 37) % 400,
            )
            for i in range(N_ALERTS)
        ]
    )

    questionnaire = questionnaire_for(Audience.RESIDENTS)
    from samenveilig.areas.models import Address

    addresses = list(Address.objects.order_by("pk").values_list("pk", "neighbourhood_id"))
    inquiries = Inquiry.objects.bulk_create(
        [
            Inquiry(
                reference=f"I-B{i:07d}",
                kind="burglary",
                community=communities[i % N_COMMUNITIES],
                neighbourhood=buurten[(i * 3) % 50],
                lat=52.1,
                lon=5.1,
                occurred_at=now - dt.timedelta(days=(i * 3) % 360),
                questionnaire=questionnaire,
            )
            for i in range(N_INQUIRIES)
        ]
    )
    stops = CanvassAddress.objects.bulk_create(
        [
            CanvassAddress(inquiry=inquiry, address_id=addresses[(i * 97 + j) % len(addresses)][0])
            for i, inquiry in enumerate(inquiries)
            for j in range(DOORS_PER_INQUIRY)
        ],
        batch_size=2000,
    )
    answer_sets = AnswerSet.objects.bulk_create(
        [
            AnswerSet(
                questionnaire=questionnaire,
                answers={},
                submitted_at=now,
                idempotency_key=f"bench-visit-{k}",
            )
            for k in range(len(stops))
        ],
        batch_size=2000,
    )
    outcomes = ["gesproken", "niet_thuis", "wil_niet"]
    CanvassVisit.objects.bulk_create(
        [
            CanvassVisit(
                inquiry_id=stop.inquiry_id,
                stop=stop,
                answer_set=answer,
                outcome=outcomes[k % 3],
                is_lead=k % 7 == 0,
                visited_by=users[(k * 13) % N_MEMBERS],
                visited_at=now - dt.timedelta(days=(stop.inquiry_id * 3) % 360, hours=k % 5),
            )
            for k, (stop, answer) in enumerate(zip(stops, answer_sets, strict=True))
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inquiries_inquiry SET created_at = occurred_at + interval '1 day'")
    return {
        **town,
        "communities": communities,
        "coordinator": coordinator,
        "rounds": rounds,
        "member_ids": [u.pk for u in users],
        "responses": 0,
    }


def load_world() -> dict:
    """The world of ``setup_world`` as found in a database kept before (``--reuse``)."""
    from bench_reports_read import load_town

    from samenveilig.accounts.models import User
    from samenveilig.communities.models import Community
    from samenveilig.monitor.models import SurveyResponse, SurveyRound

    town = load_town()
    return {
        **town,
        "communities": list(Community.objects.filter(slug__startswith="bench-bp-").order_by("pk")),
        "coordinator": User.objects.get(email="lid0@example.test"),
        "rounds": list(SurveyRound.objects.order_by("pk")),
        "member_ids": list(
            User.objects.filter(email__startswith="lid").order_by("pk").values_list("pk", flat=True)
        ),
        "responses": SurveyResponse.objects.count(),
    }


def insert_responses(world: dict, count: int) -> None:
    """``count`` more survey responses (answer sets included) in two SQL statements."""
    from django.db import connection

    rounds = [r.pk for r in world["rounds"]]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH a AS (
                INSERT INTO questionnaires_answerset (questionnaire_id, answers, submitted_by_id,
                    submitted_at, idempotency_key, created_at)
                SELECT r.questionnaire_id, '{}'::jsonb, NULL, s.day, 'bench-' || s.g, s.day
                FROM (
                    SELECT g, date_trunc('day', now() - random() * interval '365 days') AS day,
                        (%(rounds)s::bigint[])[1 + (g %% %(n_rounds)s)] AS round_id
                    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
                ) AS s
                JOIN monitor_surveyround r ON r.id = s.round_id
                RETURNING id, submitted_at, idempotency_key
            )
            INSERT INTO monitor_surveyresponse (round_id, answer_set_id, community_id, area_id,
                municipality_id, neighbourhood_id, audience, is_member, feels_unsafe,
                unsafe_frequency, cohesion_score, created_on)
            SELECT r.id, a.id, r.community_id, r.area_id, r.municipality_id,
                CASE WHEN r.area_id = ANY(%(buurten)s::bigint[]) THEN r.area_id
                     -- the gemeente round: four in five say their buurt
                     WHEN r.area_id IS NOT NULL AND x.f < 0.8 THEN
                          (%(buurten)s::bigint[])[1 + floor(x.f * 62.5)::int %% 50]
                END,
                r.audience,
                CASE WHEN r.audience = 'members' THEN random() < 0.95 ELSE random() < 0.15 END,
                x.unsafe, CASE WHEN x.unsafe AND x.f < 0.2 THEN 'often'
                               WHEN x.unsafe THEN 'sometimes' ELSE '' END,
                CASE WHEN x.f < 0.9 THEN floor(random() * 21) * 0.5 END,
                (a.submitted_at AT TIME ZONE 'Europe/Amsterdam')::date
            FROM a
            CROSS JOIN LATERAL (SELECT random() < 0.3 AS unsafe, random() AS f) AS x
            JOIN monitor_surveyround r
              ON r.id = (%(rounds)s::bigint[])[1 + (substr(a.idempotency_key, 7)::bigint
                                                     %% %(n_rounds)s)]
            """,
            {
                "rounds": rounds,
                "n_rounds": len(rounds),
                "buurten": [b.pk for b in world["buurten"]],
                "first": world["responses"] + 1,
                "last": world["responses"] + count,
            },
        )
    world["responses"] += count


def give_reports_reporters(world: dict) -> None:
    """One report in 25 (without a reporter yet) is a member's, for the activity figure."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_report SET reporter_id = (%s::bigint[])[1 + (id %% %s)] "
            "WHERE id %% 25 = 0 AND reporter_id IS NULL",
            [world["member_ids"], len(world["member_ids"])],
        )


def grow(world: dict, reports_now: int, reports_target: int) -> float:
    from bench_reports_read import grow as grow_reports
    from django.db import connection, transaction

    start = time.perf_counter()
    grow_reports(world, reports_now, reports_target, log)
    responses_target = reports_target // 10
    while world["responses"] < responses_target:
        batch = min(50_000, responses_target - world["responses"])
        with transaction.atomic():
            insert_responses(world, batch)
        log(f"  {world['responses']:,} survey responses")
    give_reports_reporters(world)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


def refresh_all() -> tuple[float, int, float]:
    """(seconds for every month, months, seconds for the three recent months)."""
    from samenveilig.monitor import services_dashboard

    months = services_dashboard.months_with_reports()
    start = time.perf_counter()
    services_dashboard.refresh_tallies(months=months)
    everything = time.perf_counter() - start
    start = time.perf_counter()
    services_dashboard.refresh_tallies(months=services_dashboard.recent_months())
    return everything, len(months), time.perf_counter() - start


# --- measuring ------------------------------------------------------------------------------------


def periods() -> dict[str, str]:
    from django.utils import timezone

    from samenveilig.monitor.dashboard import Period, PeriodKind, default_period

    today = timezone.localdate()
    quarter = Period(PeriodKind.QUARTER, today.year, (today.month - 1) // 3 + 1).previous()
    return {
        "month": default_period(today).key,
        "quarter": quarter.key,
        "year": str(today.year),
    }


def cases(world: dict) -> list[dict]:
    p = periods()
    gm, wijk, buurt = world["gm"].code, world["wijken"][0].code, world["buurten"][0].code
    community = world["communities"][0].slug
    officer, police, coordinator = world["municipality"], world["police"], world["coordinator"]
    return [
        {
            "label": f"municipality (50 buurten), last complete month ({p['month']})",
            "user": officer,
            "url": f"/monitor/dashboard/gebied/{gm}/",
        },
        {
            "label": f"municipality, last complete quarter ({p['quarter']})",
            "user": officer,
            "url": f"/monitor/dashboard/gebied/{gm}/?period={p['quarter']}",
        },
        {
            "label": f"municipality, the running year ({p['year']}) against the year before",
            "user": officer,
            "url": f"/monitor/dashboard/gebied/{gm}/?period={p['year']}",
        },
        {
            "label": "wijk (10 buurten, its wijkagent), quarter",
            "user": police,
            "url": f"/monitor/dashboard/gebied/{wijk}/?period={p['quarter']}",
        },
        {
            "label": "one buurt (the busiest), quarter",
            "user": officer,
            "url": f"/monitor/dashboard/gebied/{buurt}/?period={p['quarter']}",
        },
        {
            "label": "community (its coordinator), quarter",
            "user": coordinator,
            "url": f"/monitor/dashboard/groep/{community}/?period={p['quarter']}",
        },
        {
            "label": "public page of the municipality (no account), quarter",
            "user": None,
            "url": f"/monitor/cijfers/{gm}/?period={p['quarter']}",
        },
        {
            "label": "CSV export of the municipality, quarter",
            "user": officer,
            "url": f"/monitor/dashboard/gebied/{gm}/export.csv?period={p['quarter']}",
            "target": False,
        },
        {
            "label": "PDF impact report of the municipality, quarter",
            "user": officer,
            "url": f"/monitor/dashboard/gebied/{gm}/impactrapport.pdf?period={p['quarter']}",
            "target": False,
        },
    ]


def measure(case: dict, repeat: int) -> dict:
    """``repeat`` cold requests (the dashboard cache made stale before each one, as after any
    write: everything is counted and rendered) and ``repeat`` warm ones (served from the cache
    of ``monitor.cache_dashboard``), after 3 warm-up requests."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from samenveilig.monitor.cache_dashboard import bump_version

    client = Client()
    if case["user"] is not None:
        client.force_login(case["user"])
    for _ in range(3):
        bump_version()
        response = client.get(case["url"])
        assert response.status_code == 200, (case["url"], response.status_code)
    cold, warm = [], []
    for _ in range(repeat):
        bump_version()
        start = time.perf_counter()
        client.get(case["url"])
        cold.append(time.perf_counter() - start)
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(case["url"])
        warm.append(time.perf_counter() - start)
    bump_version()
    with CaptureQueriesContext(connection) as captured:
        client.get(case["url"])
    with CaptureQueriesContext(connection) as captured_warm:
        client.get(case["url"])
    queries = captured.captured_queries
    slowest = max(queries, key=lambda q: float(q["time"]))
    return {
        **summary_ms(cold),
        "warm": summary_ms(warm),
        "queries": len(queries),
        "warm_queries": len(captured_warm.captured_queries),
        "sql_ms": 1000 * sum(float(q["time"]) for q in queries),
        "slowest_ms": 1000 * float(slowest["time"]),
        "slowest_sql": slowest["sql"],
    }


# --- the three ways, function level ---------------------------------------------------------------


def naive_dashboard(scope, period) -> dict:
    """The same figures, one query per chart per buurt, summed in Python (exact medians)."""
    from django.db.models import Count, Q, Sum
    from django.db.models.functions import TruncMonth

    from samenveilig.alerts.models import Alert
    from samenveilig.communities.models import Membership
    from samenveilig.inquiries.models import CanvassVisit, Inquiry
    from samenveilig.monitor.dashboard import local_midnight
    from samenveilig.monitor.models import SurveyResponse
    from samenveilig.reports.models import Report

    previous = period.previous()
    start, middle, end = (
        local_midnight(previous.start),
        local_midnight(period.start),
        local_midnight(period.end),
    )
    chart_start = local_midnight(dt.date(period.end.year - 1, period.end.month, 1))
    current = Q(submitted_at__gte=middle)
    totals: dict = {"by_category": {}, "months": {}, "durations": {}}
    for buurt in sorted(scope.neighbourhood_ids):
        reports = Report.objects.filter(neighbourhood_id=buurt).exclude(
            status__in=("pending_moderation", "rejected")
        )
        window = reports.filter(submitted_at__gte=start, submitted_at__lt=end)
        # chart: incidents per category, this period and the one before
        for row in window.values("category_id").annotate(
            now=Count("id", filter=current & Q(incident__isnull=True)),
            before=Count("id", filter=~current & Q(incident__isnull=True)),
            linked_now=Count("incident_id", filter=current, distinct=True),
            linked_before=Count("incident_id", filter=~current, distinct=True),
        ):
            key = row["category_id"]
            old = totals["by_category"].get(key, (0, 0))
            totals["by_category"][key] = (
                old[0] + row["now"] + row["linked_now"],
                old[1] + row["before"] + row["linked_before"],
            )
        # chart: incidents per month
        for row in (
            reports.filter(submitted_at__gte=chart_start, submitted_at__lt=end)
            .annotate(month=TruncMonth("submitted_at"))
            .values("month", "category_id")
            .annotate(n=Count("id"))
        ):
            key = (row["month"], row["category_id"])
            totals["months"][key] = totals["months"].get(key, 0) + row["n"]
        # chart: follow-up and outcome
        totals.setdefault("shares", []).append(
            window.aggregate(
                n=Count("id", filter=current),
                followed=Count("id", filter=current & Q(first_response_at__isnull=False)),
                outcome=Count("id", filter=current & ~Q(outcome__in=["", "duplicate"])),
                quality=Sum("quality_score", filter=current),
                tips=Count("id", filter=current & Q(related_alert_id__isnull=False)),
            )
        )
        # chart: response times per partner (medians need every duration)
        for partner, submitted, acked, responded in window.values_list(
            "partner", "submitted_at", "acknowledged_at", "first_response_at"
        ):
            lists = totals["durations"].setdefault((partner, submitted >= middle), ([], []))
            if acked:
                lists[0].append((acked - submitted).total_seconds())
            if responded:
                lists[1].append((responded - submitted).total_seconds())
        # chart: surveys
        totals.setdefault("surveys", []).append(
            SurveyResponse.objects.filter(
                area_id=buurt, created_on__gte=previous.start, created_on__lt=period.end
            ).aggregate(n=Count("pk"), unsafe=Count("pk", filter=Q(feels_unsafe=True)))
        )
        # chart: alerts, inquiries
        totals.setdefault("alerts", []).append(
            Alert.objects.filter(
                centre_neighbourhood_id=buurt, valid_from__gte=start, valid_from__lt=end
            ).aggregate(n=Count("pk"), reached=Sum("recipient_count"))
        )
        totals.setdefault("visits", []).append(
            CanvassVisit.objects.filter(
                inquiry__in=Inquiry.objects.filter(neighbourhood_id=buurt),
                visited_at__gte=start,
                visited_at__lt=end,
            ).aggregate(n=Count("stop_id", distinct=True))
        )
    totals["members"] = Membership.objects.filter(
        community_id__in=list(scope.community_ids), decided_at__lt=end
    ).count()
    medians = {
        key: tuple(statistics.median(v) / 60 if v else None for v in lists)
        for key, lists in totals["durations"].items()
    }
    return {"totals": totals, "medians": medians}


def time_calls(function, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as captured:
        result = function()
    return {**summary_ms(times), "queries": len(captured.captured_queries), "result": result}


def three_ways(world: dict, repeat: int) -> tuple[list[tuple[str, dict]], list[str]]:
    from samenveilig.monitor import services_dashboard
    from samenveilig.monitor.dashboard import build_dashboard, parse_period
    from samenveilig.monitor.selectors_dashboard import area_scope

    period = parse_period(periods()["quarter"])
    scope = area_scope(world["gm"])
    results = []
    log("  three ways: from the tallies …")
    tallied = time_calls(lambda: build_dashboard(scope, period), repeat)
    results.append(("from the monthly tallies (what a cold page does)", tallied))
    from django.utils import timezone

    from samenveilig.monitor import cache_dashboard

    key = cache_dashboard.cache_key(
        scope, period.key, public_only=False, language="nl", day=timezone.localdate()
    )
    log("  three ways: from the cache …")
    hit = time_calls(
        lambda: cache_dashboard.cached(key + ":bench", lambda: build_dashboard(scope, period)),
        repeat,
    )
    results.append(("from the dashboard cache (what a warm page does)", hit))
    services_dashboard.forget_tallies()
    log("  three ways: counted from the reports …")
    live = time_calls(lambda: build_dashboard(scope, period), max(3, repeat // 5))
    results.append(("counted from the reports, aggregate queries (no tallies)", live))
    log("  three ways: naive, per buurt …")
    naive = time_calls(lambda: naive_dashboard(scope, period), max(3, repeat // 5))
    results.append(("naive: one query per chart per buurt, medians in Python", naive))
    refresh_all()  # the tallies back for anything after this

    # The tallies and the reports give the same figures.
    a, b = tallied["result"], live["result"]
    checks = [
        f"incidents {a.incidents.current:,} / {b.incidents.current:,}",
        f"follow-up {a.followed_up.numerator:,}/{a.followed_up.denominator:,} / "
        f"{b.followed_up.numerator:,}/{b.followed_up.denominator:,}",
    ]
    same = a.incidents == b.incidents and a.followed_up == b.followed_up
    for pa, pb in zip(a.partners, b.partners, strict=True):
        same = same and pa.median_ack == pb.median_ack and pa.ack_within == pb.ack_within
        exact = naive["result"]["medians"].get((pa.partner, True), (None, None))[0]
        grouped = pa.median_ack.minutes
        if grouped is not None and exact is not None:
            checks.append(
                f"{pa.partner}: grouped median time to acknowledge {grouped:.1f} min, the exact "
                f"median of the same reports {exact:.1f} min"
            )
    checks.insert(0, "same figures from tallies and from reports: " + ("yes" if same else "**NO**"))
    return results, checks


# --- report ---------------------------------------------------------------------------------------


def markdown(runs: list[dict], ways, checks, args, machine, notes) -> str:
    sizes = [r["size"] for r in runs]
    header = " | ".join(
        f"{s:,} reports, cold: p50 / **p95** ms | warm (cached): p50 / **p95** ms" for s in sizes
    )
    lines = [
        "### Impact dashboard on PostgreSQL",
        "",
        *machine,
        "",
        f"Command: `.venv/bin/python bench/bench_monitor_dashboard.py --sizes "
        f"{args.sizes} --repeat {args.repeat}` (per case {args.repeat} cold requests, the "
        "dashboard cache made stale before each as after any write, then "
        f"{args.repeat} warm requests served from the cache, after 3 warm-up requests; "
        "in-process Django test client: middleware, view, template, database, no network).",
        "",
        *notes,
        "",
        f"| case | {header} | SQL queries cold ({' / '.join(f'{s:,}' for s in sizes)}) "
        f"| warm | target (p95 < {TARGET_P95_MS:.0f} ms) cold / warm |",
        "|---|" + "---|---|" * len(sizes) + "---|---|---|",
    ]
    for i, case in enumerate(runs[0]["cases"]):
        per = [r["cases"][i]["result"] for r in runs]
        target = case.get("target", True)
        verdict = "—"
        if target:
            verdict = " / ".join(
                "met" if p95 < TARGET_P95_MS else "**not met**"
                for p95 in (per[-1]["p95"], per[-1]["warm"]["p95"])
            )
        counts = " / ".join(str(p["queries"]) for p in per)
        same = len({p["queries"] for p in per}) == 1
        lines.append(
            f"| {case['label']} | "
            + " | ".join(
                f"{p['p50']:.0f} / **{p['p95']:.0f}** | "
                f"{p['warm']['p50']:.0f} / **{p['warm']['p95']:.0f}**"
                for p in per
            )
            + f" | {counts}{'' if same else ' **(grows)**'} | {per[-1]['warm_queries']} "
            f"| {verdict} |"
        )
    lines += [
        "",
        f"SQL time per request at {sizes[-1]:,} reports (sum of the captured queries) and the "
        "slowest query:",
        "",
        "| case | SQL total | slowest query |",
        "|---|---|---|",
    ]
    for case in runs[-1]["cases"]:
        r = case["result"]
        lines.append(f"| {case['label']} | {r['sql_ms']:.0f} ms | {r['slowest_ms']:.0f} ms |")
    lines += [
        "",
        f"The municipality's dashboard for the last complete quarter at {sizes[-1]:,} reports, "
        "computed three ways in the same run (function call, no page):",
        "",
        "| how | p50 ms | p95 ms | SQL queries |",
        "|---|---|---|---|",
    ]
    for label, r in ways:
        lines.append(f"| {label} | {r['p50']:.0f} | {r['p95']:.0f} | {r['queries']} |")
    lines += ["", *[f"- {c}" for c in checks]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="report counts, ascending")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", default=PG_NAME, help="scratch database name")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database kept before (--keep) with one size, without filling it",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    reuse = args.reuse and len(sizes) == 1
    try:
        if reuse:
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + args.database
        else:
            url = pg_create(args.database)
        env = django_env(url, tmp / "var", log_level="WARNING")
        log("migrating …")
        run_manage(env, "migrate", "--noinput")
        os.environ.update(env)
        sys.path.insert(0, str(ROOT / "src"))
        import django

        django.setup()
        machine = machine_lines()
        machine.append(f"- {pg_facts()}, on the same machine; psycopg, persistent connection")
        world = load_world() if reuse else setup_world()
        current, runs, notes = 0, [], []
        for size in sizes:
            if reuse:
                log("  recounting the monthly tallies …")
                everything, months, recent = refresh_all()
                notes.append(
                    f"- a database kept from an earlier run ({size:,} reports, "
                    f"{world['responses']:,} survey responses); `monitor_refresh --all` ({months} "
                    f"months) {everything:.1f} s, the default refresh of the three recent months "
                    f"{recent:.1f} s; load average before measuring {loadavg()}"
                )
            else:
                log(f"growing to {size:,} reports …")
                seconds = grow(world, current, size)
                current = size
                log("  recounting the monthly tallies …")
                everything, months, recent = refresh_all()
                notes.append(
                    f"- {size:,} reports and {world['responses']:,} survey responses: generated "
                    f"in {seconds:.0f} s; `monitor_refresh --all` ({months} months) "
                    f"{everything:.1f} s, the default refresh of the three recent months "
                    f"{recent:.1f} s; load average before measuring {loadavg()}"
                )
            run = {"size": size, "cases": []}
            for case in cases(world):
                log(f"  {size:,}: {case['label']}")
                repeat = args.repeat if case.get("target", True) else max(3, args.repeat // 3)
                result = measure(case, repeat)
                run["cases"].append(
                    {k: v for k, v in case.items() if k != "user"} | {"result": result}
                )
            runs.append(run)
        ways, checks = three_ways(world, args.repeat)
        print(markdown(runs, ways, checks, args, machine, notes))
    finally:
        from django.db import connections

        try:
            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if not (args.keep or reuse):
            pg_drop(args.database)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
