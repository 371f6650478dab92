"""Reports placed by hand at known distances (metres, along one meridian) and times (days) for the
near-repeat pages and services, plus a finished run with a hand-made result."""

from __future__ import annotations

import datetime as dt
import math

from django.utils import timezone

from samenveilig.analysis.models import KnoxRun, KnoxRunStatus
from samenveilig.analysis.selectors import EARTH_RADIUS_M
from samenveilig.reports.models import Category, Incident, Partner, Report, ReportStatus

PERIOD_START = dt.date(2026, 3, 1)
PERIOD_END = dt.date(2026, 5, 31)
BASE_LAT = 52.01
BASE_LON = 5.002
SPACE_BANDS = "0,100,200"
TIME_BANDS = "0,7,14"

#: (north offset in metres, days after the base time). Pairs within 200 m and 14 days:
#: A–B 50 m / 3 d → [0,100)×[0,7); A–C 160 m / 10 d and B–C 110 m / 7 d → [100,200)×[7,14)
#: (7 days exactly belongs to [7,14)); F–G 30 m / 8 d → [0,100)×[7,14); D–E 120 m / 20 d is
#: outside the time bands. Clusters are kilometres apart.
EVENTS = {
    "A": (0, 0),
    "B": (50, 3),
    "C": (160, 10),
    "D": (5000, 0),
    "E": (5120, 20),
    "F": (10000, 0),
    "G": (10030, 8),
    "H": (20000, 1),
    "I": (30000, 2),
    "J": (40000, 3),
}
EXPECTED_OBSERVED = [[1, 1], [0, 2]]

_counter = {"n": 0}


def base_time() -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(PERIOD_START + dt.timedelta(days=10), dt.time(12, 0))
    )


def burglary() -> Category:
    """The default burglary category; recreated after a transactional test flushed the data
    migration's rows."""
    from samenveilig.reports.categories import DEFAULT_CATEGORIES

    spec = next(c for c in DEFAULT_CATEGORIES if c["code"] == "woninginbraak")
    category, _created = Category.objects.get_or_create(
        code="woninginbraak",
        municipality=None,
        defaults={k: v for k, v in spec.items() if k != "code"},
    )
    return category


def make_report(
    neighbourhood,
    *,
    north_m: float,
    days: float,
    category: Category | None = None,
    status: str = ReportStatus.SUBMITTED,
    incident: Incident | None = None,
) -> Report:
    _counter["n"] += 1
    category = category or burglary()
    observed = base_time() + dt.timedelta(days=days)
    return Report.objects.create(
        reference=f"K-{_counter['n']:08d}",
        category=category,
        reporter_pseudonym=f"Melder-{_counter['n']:08X}",
        description="Inbraak.",
        lat=BASE_LAT + math.degrees(north_m / EARTH_RADIUS_M),
        lon=BASE_LON,
        neighbourhood=neighbourhood,
        observed_at=observed,
        submitted_at=observed + dt.timedelta(hours=1),
        status=status,
        partner=Partner.POLICE,
        incident=incident,
    )


def make_incident(report: Report) -> Incident:
    incident = Incident.objects.create(
        category=report.category,
        neighbourhood=report.neighbourhood,
        lat=report.lat,
        lon=report.lon,
        first_observed_at=report.observed_at,
        last_observed_at=report.observed_at,
        report_count=1,
    )
    report.incident = incident
    report.save(update_fields=["incident"])
    return incident


def make_events(neighbourhood) -> dict[str, Report]:
    return {
        name: make_report(neighbourhood, north_m=north, days=days)
        for name, (north, days) in EVENTS.items()
    }


def done_run(town, *, requested_by=None, area=None) -> KnoxRun:
    """A finished run whose origin cell [0,100)×[0,7) is significant (ratio 2.5, p 0.001)."""
    return KnoxRun.objects.create(
        requested_by=requested_by,
        municipality=town["municipality"],
        area=area or town["noord"],
        category=burglary(),
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        space_bands=[0, 100, 200],
        time_bands=[0, 7, 14],
        permutations=999,
        status=KnoxRunStatus.DONE,
        progress=100,
        n_events=30,
        n_reports=32,
        result={
            "space_bands": [0, 100, 200],
            "time_bands": [0, 7, 14],
            "space_labels": ["[0,100)", "[100,200)"],
            "time_labels": ["[0,7)", "[7,14)"],
            "metric": "manhattan",
            "permutations": 999,
            "n_events": 30,
            "dropped": [],
            "observed": [[10, 2], [3, 3]],
            "mean": [[4.0, 2.0], [3.0, 3.0]],
            "median": [[4.0, 2.0], [3.0, 3.0]],
            "knox_ratio": [[2.5, 1.0], [1.0, 1.0]],
            "knox_ratio_median": [[2.5, 1.0], [1.0, 1.0]],
            "p_values": [[0.001, 0.5], [0.5, 0.5]],
            "seed": "1",
        },
    )
