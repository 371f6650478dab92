"""Reads for near-repeat analysis, scoped to what the user may see.

Events of a Knox run (PRODUCT.md §13):

* Reports of the run's category (matched by ``code``, so a municipality's own override of a default
  category counts as the same kind) in the area and every area below it, seen (``observed_at``) on
  a day of the period, and not waiting for moderation or rejected.
* **One event per incident.** Several reports of the same burglary are grouped into one
  ``Incident`` (REP-7); counting them separately would create pairs at ~0 m and ~0 days that are
  the *same* event, not a near repeat, and inflate the first cell of the table. Each incident
  counts once, at the place and time of its first report in the period (earliest ``observed_at``,
  then lowest id); a report without an incident is its own event.
* Places: lat/lon projected to metres with a local equirectangular projection around the centroid
  of the events (x = R·cos φ₀·Δλ, y = R·Δφ). Within a municipality (a few km) the distortion is far
  below a metre per 100 m, smaller than the precision of a reported location, and it needs no
  projection library. Bands are therefore in metres.
* Times: days (fractional) since the start of the period, from ``observed_at``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.analysis.knox import MEANINGFUL_RATIO, SIGNIFICANCE_LEVEL
from samenveilig.analysis.models import (
    DEFAULT_COCOON_DAYS,
    DEFAULT_INQUIRY_RADIUS_M,
    KnoxRun,
    NearRepeatDefaults,
)
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.areas.selectors import area_ids_within
from samenveilig.reports.models import Category, Report, ReportStatus

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8
#: Roles that may run the analysis.
ANALYST_ROLES = (Role.POLICE, Role.MUNICIPALITY)
#: Reports that are not (yet) accepted as real incidents.
EXCLUDED_STATUSES = (ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED)


def near_repeat_defaults(municipality: Area | None) -> tuple[int, int]:
    """``(inquiry radius in metres, cocoon-warning days)`` of a municipality (NRA-2):
    200 m and 14 days until it adopts a Knox result."""
    if municipality is None:
        return DEFAULT_INQUIRY_RADIUS_M, DEFAULT_COCOON_DAYS
    row = (
        NearRepeatDefaults.objects.filter(municipality=municipality)
        .values_list("inquiry_radius_m", "cocoon_days")
        .first()
    )
    if row is None:
        return DEFAULT_INQUIRY_RADIUS_M, DEFAULT_COCOON_DAYS
    return int(row[0]), int(row[1])


def user_can_analyse(user: AnyUser) -> bool:
    return any(has_role(user, role) for role in ANALYST_ROLES)


def analysis_area_ids(user: AnyUser) -> set[int]:
    """Areas (any level) the user's police and municipality grants cover."""
    ids: set[int] = set()
    for role in ANALYST_ROLES:
        if has_role(user, role):
            ids |= jurisdiction_area_ids(user, role)
    return ids


def areas_for_analysis(user: AnyUser) -> QuerySet[Area]:
    """Areas the user may analyse: gemeenten first, then wijken, then buurten."""
    level_order = {AreaLevel.MUNICIPALITY: 0, AreaLevel.DISTRICT: 1, AreaLevel.NEIGHBOURHOOD: 2}
    from django.db.models import Case, IntegerField, Value, When

    return (
        Area.objects.filter(pk__in=analysis_area_ids(user))
        .annotate(
            level_rank=Case(
                *(When(level=level, then=Value(rank)) for level, rank in level_order.items()),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("level_rank", "name", "code")
    )


def municipality_above(area: Area) -> Area | None:
    """The gemeente of an area of any level (the area itself for a gemeente)."""
    current: Area | None = area
    for _ in range(4):
        if current is None:
            return None
        if current.level == AreaLevel.MUNICIPALITY:
            return current
        current = current.parent
    return None


def municipalities_of_user(user: AnyUser) -> list[Area]:
    areas = Area.objects.filter(pk__in=analysis_area_ids(user)).select_related("parent__parent")
    found: dict[int, Area] = {}
    for area in areas:
        municipality = municipality_above(area)
        if municipality is not None:
            found[municipality.pk] = municipality
    return list(found.values())


def categories_for_analysis(user: AnyUser) -> QuerySet[Category]:
    """Categories offered in the user's municipalities (defaults when none is known)."""
    from samenveilig.reports.categories import categories_for

    municipalities = municipalities_of_user(user)
    if not municipalities:
        return categories_for(None).order_by("sort_order", "code")
    ids: set[int] = set()
    for municipality in municipalities:
        ids |= set(categories_for(municipality).values_list("pk", flat=True))
    return Category.objects.filter(pk__in=ids).order_by("sort_order", "code")


def runs_visible_to(user: AnyUser) -> QuerySet[KnoxRun]:
    """Runs over an area inside the user's jurisdiction (others' runs of that area included)."""
    if not user_can_analyse(user):
        return KnoxRun.objects.none()
    return KnoxRun.objects.filter(area_id__in=analysis_area_ids(user)).select_related(
        "area", "category", "municipality", "requested_by"
    )


def run_visible_or_none(user: AnyUser, run_id: int) -> KnoxRun | None:
    return runs_visible_to(user).filter(pk=run_id).first()


def user_can_adopt_defaults(user: AnyUser, run: KnoxRun) -> bool:
    return has_role(user, Role.MUNICIPALITY) and run.municipality_id in jurisdiction_area_ids(
        user, Role.MUNICIPALITY
    )


@dataclass(frozen=True)
class KnoxEvents:
    points: NDArray[np.float64]  # (n, 2) metres
    times: NDArray[np.float64]  # days since the period start
    n_reports: int  # reports found before grouping by incident
    origin: tuple[float, float]  # (lat, lon) of the projection centre


def project_to_metres(
    lat: NDArray[np.float64], lon: NDArray[np.float64]
) -> tuple[NDArray[np.float64], tuple[float, float]]:
    """Local equirectangular projection around the centroid; returns (n, 2) metres and origin."""
    if lat.size == 0:
        return np.zeros((0, 2)), (0.0, 0.0)
    lat0, lon0 = float(np.mean(lat)), float(np.mean(lon))
    x = EARTH_RADIUS_M * math.cos(math.radians(lat0)) * np.radians(lon - lon0)
    y = EARTH_RADIUS_M * np.radians(lat - lat0)
    return np.column_stack([x, y]), (lat0, lon0)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware datetimes [start 00:00, day after end 00:00) in the site's time zone."""
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    return lo, hi


def knox_events(*, category: Category, area: Area, start: dt.date, end: dt.date) -> KnoxEvents:
    """The events of a Knox run, one per incident (see the module docstring)."""
    lo, hi = period_bounds(start, end)
    rows: list[dict[str, Any]] = list(
        Report.objects.filter(
            category__code=category.code,
            neighbourhood_id__in=area_ids_within([area.pk]),
            observed_at__gte=lo,
            observed_at__lt=hi,
        )
        .exclude(status__in=EXCLUDED_STATUSES)
        .order_by("observed_at", "id")
        .values("id", "incident_id", "lat", "lon", "observed_at")
    )
    seen_incidents: set[int] = set()
    events: list[dict[str, Any]] = []
    for row in rows:  # ordered by observed_at: the first report of an incident comes first
        incident_id = row["incident_id"]
        if incident_id is not None:
            if incident_id in seen_incidents:
                continue
            seen_incidents.add(incident_id)
        events.append(row)
    lat = np.array([e["lat"] for e in events], dtype=float)
    lon = np.array([e["lon"] for e in events], dtype=float)
    points, origin = project_to_metres(lat, lon)
    times = np.array([(e["observed_at"] - lo).total_seconds() / 86400.0 for e in events])
    return KnoxEvents(points=points, times=times, n_reports=len(rows), origin=origin)


def parse_number(value: Any) -> float:
    """A number of a stored result: ``"Inf"``, ``"-Inf"`` and ``"NaN"`` strings included."""
    if value == "Inf":
        return math.inf
    if value == "-Inf":
        return -math.inf
    if value == "NaN":
        return math.nan
    return float(value)


def suggested_defaults(result: dict[str, Any]) -> tuple[int, int] | None:
    """Radius (m) and days to suggest from a stored result: the cells with p < 0.05 and Knox
    ratio ≥ 1.2 that connect (side by side) to the origin cell — the first near band
    (skipping a same-location band [0, ≤1)) and the first time band. The suggestion is the largest
    finite upper space break and the largest finite upper time break among those cells; ``None``
    when the origin cell is not significant."""
    space = [parse_number(b) for b in result["space_bands"]]
    time = [parse_number(b) for b in result["time_bands"]]
    ratio = result["knox_ratio"]
    p = result["p_values"]
    n_s, n_t = len(space) - 1, len(time) - 1

    def significant(r: int, c: int) -> bool:
        rv, pv = parse_number(ratio[r][c]), parse_number(p[r][c])
        return pv < SIGNIFICANCE_LEVEL and rv >= MEANINGFUL_RATIO  # False for NaN

    first_row = 1 if (space[0] == 0 and space[1] <= 1 and n_s > 1) else 0
    if not significant(first_row, 0):
        return None
    component = {(first_row, 0)}
    frontier = [(first_row, 0)]
    while frontier:
        r, c = frontier.pop()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if (
                first_row <= nr < n_s
                and 0 <= nc < n_t
                and (nr, nc) not in component
                and significant(nr, nc)
            ):
                component.add((nr, nc))
                frontier.append((nr, nc))
    radii = [space[r + 1] for r, _ in component if math.isfinite(space[r + 1])]
    days = [time[c + 1] for _, c in component if math.isfinite(time[c + 1])]
    if not radii or not days:
        return None
    return int(round(max(radii))), max(1, int(math.ceil(max(days))))
