"""Benchmark of the canvass sync (INQ-5): 500 queued answer sets through the batch endpoint.

Run from the repository root:

    .venv/bin/python bench/bench_canvass_sync.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/bench_canvass_sync.py --db sqlite     # one database

A scratch database (DEBUG off, the production settings) with one buurt of 1,000 addresses, an
inquiry whose five routes of 100 doors a pair of canvassers walks, and 500 visits queued the way
``static/inquiries/canvass.js`` queues them (60 % nobody home, 10 % did not want to talk, 30 %
spoken with, a third of those with a lead, a camera and consent with a phone number). They are
sent as the phone sends them: ``POST /api/v1/inquiries/visits/sync`` in batches of 50, logged in
by session with the CSRF token, through Django's whole middleware stack (``django.test.Client``,
in process, no network). Then all 500 are sent again, as a phone that never heard the answers
would: the count must stay 500.

Baseline (the path before the batch form, which the endpoint used up to then): the same 500
visits on a twin inquiry stored one by one by calling ``services.visit_record`` directly
(validation, answer set, visit, audit row and the flag-matching task per visit, one transaction
each; no HTTP, no JSON). Also on a twin inquiry: ``services.visits_record_batch`` called directly
in batches of 50 (the endpoint's path without HTTP). Target: the 500 synced in < 10 s with zero
duplicates. Not a test.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
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

PG_NAME = "samenveilig_bench_canvass_sync"
CENTRE = (52.09, 5.12)
VISITS = 500
BATCH = 50  # as canvass.js
TARGET_S = 10.0


def _setup_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(django_env(database_url, var_dir, log_level="WARNING"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _town():
    """One buurt with 1,000 addresses on two parallel streets; a group with a coordinator and a
    certified pair of canvassers."""
    from django.utils import timezone

    from samenveilig.accounts.models import User
    from samenveilig.areas.models import Address, Area, AreaLevel
    from samenveilig.communities.models import (
        Community,
        Membership,
        MembershipRole,
        MembershipStatus,
    )
    from samenveilig.inquiries.models import CanvasserMark
    from samenveilig.training.content import CANVASSING
    from samenveilig.training.models import Certificate

    lat0, lon0 = CENTRE
    ring = [
        [lon0 - 0.05, lat0 - 0.05],
        [lon0 + 0.05, lat0 - 0.05],
        [lon0 + 0.05, lat0 + 0.05],
        [lon0 - 0.05, lat0 + 0.05],
        [lon0 - 0.05, lat0 - 0.05],
    ]
    box = {"type": "Polygon", "coordinates": [ring]}
    bounds = {
        "min_lat": lat0 - 0.05,
        "max_lat": lat0 + 0.05,
        "min_lon": lon0 - 0.05,
        "max_lon": lon0 + 0.05,
        "centroid_lat": lat0,
        "centroid_lon": lon0,
    }
    gm = Area.objects.create(
        code="GM0002", name="Bench", level=AreaLevel.MUNICIPALITY, geometry=box, **bounds
    )
    wk = Area.objects.create(
        code="WK000201", name="Wijk", level=AreaLevel.DISTRICT, parent=gm, geometry=box, **bounds
    )
    bu = Area.objects.create(
        code="BU00020101",
        name="Buurt",
        level=AreaLevel.NEIGHBOURHOOD,
        parent=wk,
        geometry=box,
        **bounds,
    )
    # Two streets 20 m apart, a door every 4 m: 1,000 doors within about 1 km.
    dlon = 4 / 68_500
    Address.objects.bulk_create(
        [
            Address(
                postcode=f"{base + n // 100:04d}A{chr(65 + n % 26)}",
                house_number=n + 1,
                street=street,
                city="Bench",
                lat=lat0 + offset,
                lon=lon0 + (n - 250) * dlon,
                neighbourhood=bu,
            )
            for street, offset, base in (
                ("Lange Straat", 0.0, 3500),
                ("Korte Straat", 0.00018, 3600),
            )
            for n in range(500)
        ],
        batch_size=1000,
    )
    community = Community.objects.create(name="Bench", slug="bench", kind="patrol")
    community.areas.set([bu])
    coordinator = User.objects.create_user(email="coordinator@bench.test", password=None)
    Membership.objects.create(
        community=community,
        user=coordinator,
        role=MembershipRole.COORDINATOR,
        status=MembershipStatus.VERIFIED,
    )
    now = timezone.now()
    pair = []
    for name in ("anna", "bram"):
        user = User.objects.create_user(email=f"{name}@bench.test", password=None)
        Membership.objects.create(community=community, user=user, status=MembershipStatus.VERIFIED)
        CanvasserMark.objects.create(community=community, user=user, created_by=coordinator)
        Certificate.objects.create(
            user=user,
            module=CANVASSING,
            issued_at=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=700),
        )
        pair.append(user)
    return community, coordinator, pair


def _inquiry(community, coordinator, pair):
    """An inquiry of 1,000 doors in routes of 100; the pair walks the first five (500 doors)."""
    from django.utils import timezone

    from samenveilig.inquiries import services

    inquiry = services.inquiry_start(
        actor=coordinator,
        data=services.InquiryInput(
            community=community,
            kind="burglary",
            occurred_at=timezone.now() - dt.timedelta(hours=3),
            lat=CENTRE[0],
            lon=CENTRE[1],
            radius_m=1000,
            route_size=100,
        ),
    )
    for person in pair:
        services.canvass_signup(actor=person, inquiry=inquiry)
    stops = []
    for route in inquiry.routes.order_by("position"):
        services.route_assign(actor=coordinator, route=route, first=pair[0], second=pair[1])
        stops += list(route.stops.order_by("position"))
        if len(stops) >= VISITS:
            break
    return inquiry, stops[:VISITS]


def _answers(i: int) -> dict:
    kind = i % 10
    if kind < 6:
        return {"outcome": "niet_thuis", "leaflet_left": "yes"}
    if kind == 6:
        return {"outcome": "wil_niet", "leaflet_left": "no"}
    talk: dict = {"saw_something": "no", "camera": "no", "contact_consent": "no"}
    if kind == 9:
        talk = {
            "saw_something": "yes",
            "what_seen": "Twee personen bij de achterdeur rond 21 uur.",
            "persons_count": "1",
            "persons": [{"person_gender": "male", "person_age": "30", "person_clothing": "Jas"}],
            "vehicle_seen": "no",
            "camera": "yes",
            "camera_keep": "OK",
            "camera_location": "Deurbel, filmt de stoep",
            "contact_consent": "yes",
            "phone": "06 12345678",
            "tips_given": [],
        }
    return {"outcome": "gesproken", "conversation": talk, "leaflet_left": "no"}


def _queue(inquiry, stops, prefix: str) -> list[dict]:
    """The phone's queue: the shape canvass.js sends."""
    from django.utils import timezone

    start = timezone.now() - dt.timedelta(hours=2)
    return [
        {
            "idempotency_key": f"{prefix}-{i:06d}-bench",
            "stop_id": stop.pk,
            "questionnaire_id": inquiry.questionnaire_id,
            "answers": _answers(i),
            "visited_at": (start + dt.timedelta(seconds=10 * i)).isoformat(),
        }
        for i, stop in enumerate(stops)
    ]


def _baseline(community, coordinator, pair) -> dict:
    from samenveilig.inquiries import services
    from samenveilig.inquiries.models import CanvassVisit

    inquiry, stops = _inquiry(community, coordinator, pair)
    items = _queue(inquiry, stops, "base")
    by_id = {stop.pk: stop for stop in stops}
    per_visit = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        services.visit_record(
            actor=pair[0],
            stop=by_id[item["stop_id"]],
            answers=item["answers"],
            idempotency_key=item["idempotency_key"],
            visited_at=dt.datetime.fromisoformat(item["visited_at"]),
            language="nl",
        )
        per_visit.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    return {
        "total_s": total,
        "per_visit": summary_ms(per_visit),
        "stored": CanvassVisit.objects.filter(inquiry=inquiry).count(),
    }


def _batch_service(community, coordinator, pair) -> dict:
    from samenveilig.inquiries import services
    from samenveilig.inquiries.models import CanvassVisit

    inquiry, stops = _inquiry(community, coordinator, pair)
    items = [
        services.QueuedVisit(
            idempotency_key=item["idempotency_key"],
            stop_id=item["stop_id"],
            answers=item["answers"],
            questionnaire_id=item["questionnaire_id"],
            visited_at=dt.datetime.fromisoformat(item["visited_at"]),
        )
        for item in _queue(inquiry, stops, "batch")
    ]
    per_batch = []
    counts: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        t0 = time.perf_counter()
        results = services.visits_record_batch(
            actor=pair[0], items=items[start : start + BATCH], language="nl"
        )
        per_batch.append(time.perf_counter() - t0)
        for result in results:
            counts[result.status] = counts.get(result.status, 0) + 1
    total = time.perf_counter() - started
    return {
        "total_s": total,
        "per_batch": summary_ms(per_batch),
        "counts": counts,
        "stored": CanvassVisit.objects.filter(inquiry=inquiry).count(),
    }


def _send_all(client, items, token: str) -> tuple[float, list[float], dict[str, int]]:
    per_batch = []
    counts: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        body = json.dumps({"visits": items[start : start + BATCH]})
        t0 = time.perf_counter()
        response = client.post(
            "/api/v1/inquiries/visits/sync",
            body,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        per_batch.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise SystemExit(f"sync answered {response.status_code}: {response.content[:300]!r}")
        for result in response.json()["results"]:
            counts[result["status"]] = counts.get(result["status"], 0) + 1
    return time.perf_counter() - started, per_batch, counts


def _bench_http(community, coordinator, pair) -> dict:
    from django.db.models import Count
    from django.test import Client

    from samenveilig.inquiries.models import CanvassVisit
    from samenveilig.questionnaires.models import AnswerSet

    inquiry, stops = _inquiry(community, coordinator, pair)
    items = _queue(inquiry, stops, "web")
    client = Client(enforce_csrf_checks=True)
    client.force_login(pair[0])
    page = client.get(f"/buurtonderzoek/{inquiry.reference}/route/1/")
    if page.status_code != 200:
        raise SystemExit(f"route page answered {page.status_code}")
    token = client.cookies["csrftoken"].value

    first_s, first_batches, first_counts = _send_all(client, items, token)
    stored_after_first = CanvassVisit.objects.filter(inquiry=inquiry).count()
    again_s, again_batches, again_counts = _send_all(client, items, token)
    visits = CanvassVisit.objects.filter(inquiry=inquiry)
    duplicates = (
        AnswerSet.objects.filter(canvass_visit__inquiry=inquiry)
        .values("idempotency_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "first_s": first_s,
        "first_batches": summary_ms(first_batches),
        "first_counts": first_counts,
        "stored_after_first": stored_after_first,
        "again_s": again_s,
        "again_batches": summary_ms(again_batches),
        "again_counts": again_counts,
        "stored_after_again": visits.count(),
        "duplicate_keys": duplicates,
        "leads": visits.filter(is_lead=True).count(),
    }


def _run_one(db: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-canvass-") as tmp:
        var_dir = Path(tmp)
        url = pg_create(PG_NAME) if db == "postgresql" else f"sqlite:///{var_dir / 'b.sqlite3'}"
        try:
            _setup_django(url, var_dir)
            from django.db import connection

            from samenveilig.inquiries.services import standard_questionnaire

            standard_questionnaire()  # installed once, as on a running deployment
            community, coordinator, pair = _town()
            baseline = _baseline(community, coordinator, pair)
            direct = _batch_service(community, coordinator, pair)
            http = _bench_http(community, coordinator, pair)
            vendor = connection.vendor
        finally:
            if db == "postgresql":
                from django.db import connections

                connections.close_all()
                pg_drop(PG_NAME)
    found = {"vendor": vendor, "baseline": baseline, "direct": direct, "http": http}
    print(f"RESULT {db} {found!r}")


def print_results(db: str, result: dict) -> None:
    base, http = result["baseline"], result["http"]
    print(f"\n### {db}\n")
    print("| what | visits | total s | per batch of 50 p50 / p95 ms | results |")
    print("|---|---|---|---|---|")
    print(
        f"| baseline: `visit_record` per visit, called directly | {base['stored']} | "
        f"{base['total_s']:.2f} | (per visit p50 {base['per_visit']['p50']:.1f} / "
        f"p95 {base['per_visit']['p95']:.1f}) | {base['stored']} stored |"
    )
    direct = result["direct"]
    b = direct["per_batch"]
    print(
        f"| `visits_record_batch` called directly, batches of 50 | {direct['stored']} | "
        f"{direct['total_s']:.2f} | {b['p50']:.0f} / {b['p95']:.0f} | {direct['counts']} |"
    )
    b = http["first_batches"]
    print(
        f"| **sync of 500 through the batch endpoint** | {VISITS} | **{http['first_s']:.2f}** | "
        f"{b['p50']:.0f} / {b['p95']:.0f} | {http['first_counts']} |"
    )
    b = http["again_batches"]
    print(
        f"| the same 500 sent again | {VISITS} | {http['again_s']:.2f} | "
        f"{b['p50']:.0f} / {b['p95']:.0f} | {http['again_counts']} |"
    )
    print(
        f"\nVisits stored after the first sync: {http['stored_after_first']}; after sending all "
        f"again: {http['stored_after_again']}; idempotency keys stored more than once: "
        f"{http['duplicate_keys']}; leads: {http['leads']}."
    )
    met = (
        http["first_s"] < TARGET_S
        and http["stored_after_again"] == VISITS
        and http["duplicate_keys"] == 0
    )
    print(
        f"Target: 500 synced in < {TARGET_S:.0f} s with zero duplicates: "
        f"{'met' if met else 'NOT met'}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_one(args.db)
        return
    print("\n".join(machine_lines()))
    if args.db != "sqlite":
        print(f"- {pg_facts()}")
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for db in databases:
        # One process per database: Django's settings are fixed once per process.
        out = subprocess.run(
            [PYTHON, __file__, "--child", "--db", db],
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(out.stdout[-3000:], out.stderr[-5000:], file=sys.stderr)
            raise SystemExit(f"{db}: benchmark failed")
        print_results(db, ast.literal_eval(line.split(" ", 2)[2]))
    print(f"\n- load average at the end: {loadavg()}")


if __name__ == "__main__":
    main()
