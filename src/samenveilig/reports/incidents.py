"""Grouping reports into incidents (REP-7).

Two reports belong together when they have the same category, lie within ``RADIUS_M`` of each
other and were observed within ``WINDOW`` of each other. Grouping is single-link: a new report
joins the incident of its nearest such neighbour.

A single report has no incident: an incident is created only when a second close report arrives
(both are linked then). Partners thus see "incident with N reports" only where there really are
several, and a lone report does not carry an empty wrapper. ``Incident.lat/lon`` is the mean
position of its reports, ``first/last_observed_at`` their time span.

Reports waiting for moderation or not accepted are not grouped; the moderation service should
call ``incident_for`` when it accepts a report.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Avg, Count, Max, Min, QuerySet
from django.utils import timezone

from samenveilig.core.geo import bbox_around, haversine_m
from samenveilig.reports.models import EventKind, Incident, Report, ReportEvent, ReportStatus

RADIUS_M = 250.0
WINDOW = timedelta(hours=48)
UNGROUPED_STATUSES = (ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED)


_CANDIDATE_COLUMNS = ["id", "lat", "lon", "observed_at", "incident_id", "neighbourhood_id"]
# The candidate query as SQL, per database vendor: building it with the ORM on every report (a
# queryset with nine conditions and FOR UPDATE) cost more than running it. The statement is the
# ORM's own, compiled once; only the values change (see ``_candidate_sql``).
_candidate_sql_cache: dict[str, tuple[str, int]] = {}


def _candidate_queryset(
    category_id: object,
    box: tuple[object, object, object, object],
    window: tuple[object, object],
    exclude_pk: object,
) -> QuerySet[Report]:
    return (
        Report.objects.select_for_update()
        .filter(
            category_id=category_id,
            lat__gte=box[0],
            lat__lte=box[1],
            lon__gte=box[2],
            lon__lte=box[3],
            observed_at__gte=window[0],
            observed_at__lte=window[1],
        )
        .exclude(pk=exclude_pk)
        .exclude(status__in=UNGROUPED_STATUSES)
        .only(*_CANDIDATE_COLUMNS)
    )


def _candidate_sql(connection: BaseDatabaseWrapper) -> str:
    """The compiled candidate query for this database, with its parameters in the order
    ``category, min_lat, max_lat, min_lon, max_lon, observed_from, observed_to, exclude_pk,
    *UNGROUPED_STATUSES``. Compiled inside the caller's transaction (FOR UPDATE needs one) and
    checked once: distinct marker values must come back in exactly that order, else the ORM's
    parameter order changed and this raises rather than bind values to the wrong columns."""
    cached = _candidate_sql_cache.get(connection.vendor)
    if cached is not None:
        return cached[0]
    start = timezone.now().replace(microsecond=0)
    markers = [
        101,
        1.5,
        2.5,
        3.5,
        4.5,
        start,
        start + timedelta(seconds=1),
        102,
        *UNGROUPED_STATUSES,
    ]
    queryset = _candidate_queryset(markers[0], tuple(markers[1:5]), tuple(markers[5:7]), 102)
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    expected = [
        *markers[:5],
        connection.ops.adapt_datetimefield_value(markers[5]),
        connection.ops.adapt_datetimefield_value(markers[6]),
        *markers[7:],
    ]
    if [str(p) for p in params] != [str(p) for p in expected]:
        raise RuntimeError("incident candidate query: unexpected parameter order")
    _select_order(sql)  # raises when the SELECT list is not the expected columns
    _candidate_sql_cache[connection.vendor] = (sql, len(params))
    return sql


def _nearest_neighbour(report: Report) -> Report | None:
    connection = transaction.get_connection()
    sql = _candidate_sql(connection)
    box = bbox_around(report.lat, report.lon, RADIUS_M)
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        report.category_id,
        box.min_lat,
        box.max_lat,
        box.min_lon,
        box.max_lon,
        adapt(report.observed_at - WINDOW),
        adapt(report.observed_at + WINDOW),
        report.pk,
        *UNGROUPED_STATUSES,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = _select_order(sql)
    best: tuple[float, float, tuple] | None = None
    for row in rows:
        values = dict(zip(names, row, strict=True))
        distance = haversine_m(report.lat, report.lon, values["lat"], values["lon"])
        if distance > RADIUS_M:
            continue
        observed = _as_datetime(values["observed_at"])
        gap = abs((observed - report.observed_at).total_seconds())
        key = (distance, gap)
        if best is None or key < best[:2]:
            best = (distance, gap, row)
    if best is None:
        return None
    values = dict(zip(names, best[2], strict=True))
    values["observed_at"] = _as_datetime(values["observed_at"])
    return Report.from_db(connection.alias, list(values), list(values.values()))


_select_order_cache: dict[str, list[str]] = {}


def _select_order(sql: str) -> list[str]:
    """Column names of the compiled candidate query, in their SELECT order."""
    names = _select_order_cache.get(sql)
    if names is None:
        head = sql.split(" FROM ", 1)[0]
        found = []
        for part in head[len("SELECT ") :].split(","):
            found.append(part.strip().rsplit(".", 1)[-1].strip('"`'))
        if sorted(found) != sorted(_CANDIDATE_COLUMNS):
            raise RuntimeError("incident candidate query: unexpected columns")
        names = _select_order_cache[sql] = found
    return names


def _as_datetime(value: object) -> datetime:
    """SQLite returns timestamps as text (UTC, as Django stores them); PostgreSQL as aware
    datetimes."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _refresh(incident: Incident) -> None:
    stats = incident.reports.aggregate(
        n=Count("id"),
        lat=Avg("lat"),
        lon=Avg("lon"),
        first=Min("observed_at"),
        last=Max("observed_at"),
    )
    incident.report_count = stats["n"] or 0
    if stats["n"]:
        incident.lat = stats["lat"]
        incident.lon = stats["lon"]
        incident.first_observed_at = stats["first"]
        incident.last_observed_at = stats["last"]
    incident.save(
        update_fields=["report_count", "lat", "lon", "first_observed_at", "last_observed_at"]
    )


def _link(report: Report, incident: Incident) -> None:
    report.incident = incident
    Report.objects.filter(pk=report.pk).update(incident=incident)
    ReportEvent.objects.create(
        report=report,
        kind=EventKind.INCIDENT_LINKED,
        actor=None,
        actor_side="system",
        text="",
        # The reporter need not learn that others reported the same thing.
        visible_to_reporter=False,
    )


def incident_for(report: Report) -> Incident | None:
    """Link the report to the incident of a close report of the same category, creating the
    incident when the close report had none. Returns the incident, or ``None`` when the report
    stands alone (or already has an incident, or is not groupable)."""
    if report.incident_id is not None:
        return report.incident
    if report.status in UNGROUPED_STATUSES:
        return None
    # No savepoint of its own: an error here fails the caller's whole transaction anyway, and
    # a savepoint costs two round trips per report.
    with transaction.atomic(savepoint=False):
        neighbour = _nearest_neighbour(report)
        if neighbour is None:
            return None
        if neighbour.incident_id is not None:
            incident = Incident.objects.select_for_update().get(pk=neighbour.incident_id)
        else:
            incident = Incident.objects.create(
                category_id=report.category_id,
                neighbourhood_id=neighbour.neighbourhood_id,
                lat=neighbour.lat,
                lon=neighbour.lon,
                first_observed_at=neighbour.observed_at,
                last_observed_at=neighbour.observed_at,
                report_count=0,
            )
            _link(neighbour, incident)
        _link(report, incident)
        _refresh(incident)
    return incident
