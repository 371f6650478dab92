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

from datetime import timedelta

from django.db import transaction
from django.db.models import Avg, Count, Max, Min

from samenveilig.core.geo import bbox_around, haversine_m
from samenveilig.reports.models import EventKind, Incident, Report, ReportEvent, ReportStatus

RADIUS_M = 250.0
WINDOW = timedelta(hours=48)
UNGROUPED_STATUSES = (ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED)


def _nearest_neighbour(report: Report) -> Report | None:
    box = bbox_around(report.lat, report.lon, RADIUS_M)
    candidates = (
        Report.objects.select_for_update()
        .filter(
            category_id=report.category_id,
            lat__gte=box.min_lat,
            lat__lte=box.max_lat,
            lon__gte=box.min_lon,
            lon__lte=box.max_lon,
            observed_at__gte=report.observed_at - WINDOW,
            observed_at__lte=report.observed_at + WINDOW,
        )
        .exclude(pk=report.pk)
        .exclude(status__in=UNGROUPED_STATUSES)
        .only("id", "lat", "lon", "observed_at", "incident_id", "neighbourhood_id")
    )
    best: tuple[float, float, Report] | None = None
    for candidate in candidates:
        distance = haversine_m(report.lat, report.lon, candidate.lat, candidate.lon)
        if distance > RADIUS_M:
            continue
        gap = abs((candidate.observed_at - report.observed_at).total_seconds())
        key = (distance, gap)
        if best is None or key < best[:2]:
            best = (distance, gap, candidate)
    return best[2] if best else None


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
