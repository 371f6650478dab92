"""Benchmarks of the neighbourhood inquiry (issue 5): route generation and skip logic.

Run from the repository root:

    .venv/bin/python bench/bench_inquiries.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/bench_inquiries.py --db sqlite     # one database

Route generation: a scratch database with one buurt holding 2,000 addresses inside the canvass
circle and 3,000 more around it (so the bounding box has to filter). Measured in-process with the
production code: ``inquiries.services.inquiry_start`` (register query, route building, storing
routes, stops and the audit row in one transaction), its parts on their own, and as the baseline
a plain ``SELECT`` of the same 2,000 rows. Target: < 1 s for 2,000 addresses.

Skip logic: a 60-question XLSForm (yes/no gates, integers with constraints, text with relevant
chains, select_multiple with ``selected()``/``count-selected()``, ``string-length``, ``regex``)
filled in one answer at a time; after every change the server's authoritative check
``questionnaires.validation.validate_answers`` runs over the whole form. Baseline: the same 60
questions without any expression. Target: < 5 ms per change. Not a test.
"""

from __future__ import annotations

import argparse
import io
import math
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

PG_NAME = "samenveilig_bench_inquiries"
CENTRE = (52.09, 5.12)
ADDRESSES_IN_CIRCLE = 2000
ADDRESSES_AROUND = 3000
ROUTE_TARGET_MS = 1000.0
SKIP_TARGET_MS = 5.0


def _setup_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(django_env(database_url, var_dir, log_level="WARNING"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _grid_points() -> list[tuple[str, int, float, float, float]]:
    """Streets 25 m apart, a door every 8 m: (street, number, lat, lon, distance to centre)."""
    from samenveilig.core.geo import haversine_m

    lat0, lon0 = CENTRE
    dlat = 25 / 111_195
    dlon = 8 / (111_195 * math.cos(math.radians(lat0)))
    points = []
    for row in range(-40, 41):
        for col in range(-120, 121):
            lat, lon = lat0 + row * dlat, lon0 + col * dlon
            distance = haversine_m(lat0, lon0, lat, lon)
            points.append((f"Straat {row + 41}", col + 121, lat, lon, distance))
    points.sort(key=lambda p: p[4])
    return points


def _town() -> tuple[float, object, object]:
    """One gemeente/wijk/buurt, 5,000 addresses; returns the radius holding exactly 2,000."""
    from samenveilig.accounts.models import User
    from samenveilig.areas.models import Address, Area, AreaLevel
    from samenveilig.communities.models import (
        Community,
        Membership,
        MembershipRole,
        MembershipStatus,
    )

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
        code="GM0001", name="Bench", level=AreaLevel.MUNICIPALITY, geometry=box, **bounds
    )
    wk = Area.objects.create(
        code="WK000101", name="Wijk", level=AreaLevel.DISTRICT, parent=gm, geometry=box, **bounds
    )
    bu = Area.objects.create(
        code="BU00010101",
        name="Buurt",
        level=AreaLevel.NEIGHBOURHOOD,
        parent=wk,
        geometry=box,
        **bounds,
    )
    points = _grid_points()[: ADDRESSES_IN_CIRCLE + ADDRESSES_AROUND]
    # Whole metres (as the form takes them) around the 2,000th nearest door; the grid's
    # symmetry puts a few doors at the same distance, so the circle holds about 2,000.
    radius = math.floor(points[ADDRESSES_IN_CIRCLE - 1][4])
    Address.objects.bulk_create(
        [
            Address(
                postcode=f"{1000 + i // 100:04d}{chr(65 + i // 10 % 26)}{chr(65 + i % 10)}",
                house_number=number,
                street=street,
                city="Bench",
                lat=lat,
                lon=lon,
                neighbourhood=bu,
            )
            for i, (street, number, lat, lon, _d) in enumerate(points)
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
    return radius, community, coordinator


def _bench_routes(repeat: int) -> dict[str, object]:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from samenveilig.areas.models import Address
    from samenveilig.core.geo import bbox_around
    from samenveilig.inquiries.models import CanvassAddress, CanvassRoute, Inquiry
    from samenveilig.inquiries.routes import build_routes
    from samenveilig.inquiries.selectors import doors_within
    from samenveilig.inquiries.services import (
        InquiryInput,
        inquiry_start,
        standard_questionnaire,
    )

    radius, community, coordinator = _town()
    standard_questionnaire()  # installed once, as on a running deployment
    timings: dict[str, list[float]] = {"select": [], "doors": [], "build": [], "start": []}
    counts = {}
    for _ in range(repeat):
        box = bbox_around(*CENTRE, radius)
        started = time.perf_counter()
        rows = list(
            Address.objects.filter(
                lat__gte=box.min_lat,
                lat__lte=box.max_lat,
                lon__gte=box.min_lon,
                lon__lte=box.max_lon,
            ).values_list("id", "street", "house_number", "house_number_addition", "lat", "lon")
        )
        timings["select"].append(time.perf_counter() - started)

        started = time.perf_counter()
        doors = doors_within(*CENTRE, radius)
        timings["doors"].append(time.perf_counter() - started)

        started = time.perf_counter()
        routes = build_routes(doors, route_size=20)
        timings["build"].append(time.perf_counter() - started)

        data = InquiryInput(
            community=community,
            kind="burglary",
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            lat=CENTRE[0],
            lon=CENTRE[1],
            radius_m=radius,
        )
        started = time.perf_counter()
        inquiry = inquiry_start(actor=coordinator, data=data)
        timings["start"].append(time.perf_counter() - started)
        counts = {
            "in box": len(rows),
            "in circle": len(doors),
            "routes": len(routes),
            "stored stops": CanvassAddress.objects.filter(inquiry=inquiry).count(),
            "stored routes": CanvassRoute.objects.filter(inquiry=inquiry).count(),
        }
    counts["inquiries"] = Inquiry.objects.count()
    counts["vendor"] = connection.vendor
    return {"timings": {k: summary_ms(v) for k, v in timings.items()}, "counts": counts}


# --- skip logic ---------------------------------------------------------------------------------

SKIP_HEADER = ["type", "name", "label::nl", "label::en", "required", "relevant", "constraint"]


def _skip_form(with_logic: bool) -> bytes:
    """60 questions in 12 blocks of 5; each block is gated on the previous one's yes/no."""
    from openpyxl import Workbook

    rows: list[list[object]] = [SKIP_HEADER]
    for block in range(12):
        gate = f"gate_{block}"
        previous = f"${{gate_{block - 1}}} = 'yes'" if block else ""
        rows += [
            ["select_one yes_no", gate, f"Poort {block}", f"Gate {block}", "yes", previous, ""],
            [
                "integer",
                f"count_{block}",
                "Aantal",
                "Count",
                "yes",
                f"${{{gate}}} = 'yes'",
                ". >= 0 and . <= 20",
            ],
            [
                "text",
                f"detail_{block}",
                "Details",
                "Details",
                "",
                f"${{{gate}}} = 'yes' and ${{count_{block}}} > 0",
                "string-length(.) <= 200 and not(regex(., '^[0-9]+$'))",
            ],
            [
                "select_multiple things",
                f"things_{block}",
                "Wat",
                "What",
                "",
                f"${{{gate}}} = 'yes'",
                "count-selected(.) <= 3",
            ],
            [
                "decimal",
                f"amount_{block}",
                "Bedrag",
                "Amount",
                "",
                f"selected(${{things_{block}}}, 'b') or ${{count_{block}}} * 2 > 10",
                ". >= 0",
            ],
        ]
    if not with_logic:
        rows = [row[:4] + ["", "", ""] for row in rows]
        rows[0] = SKIP_HEADER
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    for row in rows:
        survey.append([value or None for value in row])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::nl", "label::en"])
    for name in ("yes", "no"):
        choices.append(["yes_no", name, name, name])
    for name in ("a", "b", "c", "d"):
        choices.append(["things", name, name.upper(), name.upper()])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["Bench", "bench_skip", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _answers_in_order() -> list[tuple[str, object]]:
    answers: list[tuple[str, object]] = []
    for block in range(12):
        answers += [
            (f"gate_{block}", "yes"),
            (f"count_{block}", str(block % 7 + 1)),
            (f"detail_{block}", f"Een grijze bestelbus bij nummer {block}"),
            (f"things_{block}", ["a", "b"] if block % 2 else ["c"]),
            (f"amount_{block}", "12.5"),
        ]
    return answers


def _bench_skip_logic(rounds: int) -> dict[str, object]:
    from samenveilig.questionnaires.validation import validate_answers
    from samenveilig.questionnaires.xlsform import parse_xlsform

    results: dict[str, object] = {}
    for label, with_logic in (("with skip logic", True), ("baseline: no expressions", False)):
        form = parse_xlsform(_skip_form(with_logic))
        questions = sum(1 for node in form.walk() if not getattr(node, "children", None))
        per_change: list[float] = []
        errors_at_end = None
        for _ in range(rounds):
            answers: dict[str, object] = {}
            for name, value in _answers_in_order():
                answers[name] = value
                started = time.perf_counter()
                result = validate_answers(form, answers, language="nl")
                per_change.append(time.perf_counter() - started)
                errors_at_end = result.errors
        results[label] = {
            "questions": questions,
            "changes": len(per_change),
            "timings": summary_ms(per_change),
            "errors at end": len(errors_at_end or {}),
        }
    return results


def _run_one(db: str, repeat: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-inquiries-") as tmp:
        var_dir = Path(tmp)
        if db == "postgresql":
            url = pg_create(PG_NAME)
        else:
            url = f"sqlite:///{var_dir / 'bench.sqlite3'}"
        try:
            _setup_django(url, var_dir)
            routes = _bench_routes(repeat)
            skip = _bench_skip_logic(rounds) if db == "sqlite" else None
        finally:
            if db == "postgresql":
                from django.db import connections

                connections.close_all()
                pg_drop(PG_NAME)
    print(f"RESULT {db} {routes!r} {skip!r}")


def _row(name: str, t: dict[str, float]) -> str:
    return f"| {name} | {t['n']:.0f} | {t['p50']:.1f} | {t['p95']:.1f} | {t['max']:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=10, help="inquiries started per database")
    parser.add_argument("--rounds", type=int, default=20, help="fill-ins of the 60-question form")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_one(args.db, args.repeat, args.rounds)
        return
    import django

    sys.path.insert(0, str(ROOT / "src"))
    print("\n".join(machine_lines()))
    print(f"- Django {django.get_version()}; {pg_facts() if args.db != 'sqlite' else ''}")
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for db in databases:
        # One process per database: Django's settings are fixed once per process.
        out = subprocess.run(
            [
                PYTHON,
                __file__,
                "--child",
                "--db",
                db,
                "--repeat",
                str(args.repeat),
                "--rounds",
                str(args.rounds),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(out.stdout, out.stderr, file=sys.stderr)
            raise SystemExit(f"{db}: benchmark failed")
        print_results(db, line.split(" ", 2)[2])
    print(f"- load average at the end: {loadavg()}")


def print_results(db: str, payload: str) -> None:
    import ast

    # The child prints "<routes dict> <skip dict or None>"; literal_eval both halves.
    routes_text, skip_text = _split_two_literals(payload)
    routes = ast.literal_eval(routes_text)
    skip = ast.literal_eval(skip_text)
    t = routes["timings"]
    print(f"\n### Route generation, {db} ({routes['counts']})\n")
    print("| step | runs | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    print(_row("baseline: plain SELECT of the bounding box", t["select"]))
    print(_row("register query + exact distance (`doors_within`)", t["doors"]))
    print(_row("route building alone (`build_routes`)", t["build"]))
    print(_row("**whole `inquiry_start`** (query, build, store, audit)", t["start"]))
    met = "met" if t["start"]["p95"] < ROUTE_TARGET_MS else "NOT met"
    print(f"\nTarget < {ROUTE_TARGET_MS:.0f} ms for 2,000 addresses: {met}.")
    if skip:
        print("\n### Skip logic of a 60-question form (server, per change)\n")
        print("| form | questions | changes | p50 ms | p95 ms | max ms | errors at the end |")
        print("|---|---|---|---|---|---|---|")
        for label, r in skip.items():
            s = r["timings"]
            print(
                f"| {label} | {r['questions']} | {r['changes']} | {s['p50']:.2f} | "
                f"{s['p95']:.2f} | {s['max']:.2f} | {r['errors at end']} |"
            )
        p95 = skip["with skip logic"]["timings"]["p95"]
        print(f"\nTarget < {SKIP_TARGET_MS:.0f} ms per change: {'met' if p95 < 5 else 'NOT met'}.")


def _split_two_literals(text: str) -> tuple[str, str]:
    """Split "{...} {...}" or "{...} None" at the end of the first balanced dict."""
    depth = 0
    for i, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[: i + 1], text[i + 1 :].strip()
    raise ValueError("unbalanced result line")


if __name__ == "__main__":
    main()
