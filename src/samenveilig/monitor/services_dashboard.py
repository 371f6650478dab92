"""Refreshing the monthly report tallies of the impact dashboard (see ``models_dashboard``).

``refresh_tallies(months=...)`` recounts the given calendar months for every buurt, in one
transaction per month: the month's rows are replaced and ``TallyMonth`` records when. Reports
change after they are sent (acknowledged, answered, closed, linked into an incident), and a
target passing changes the "within target" shares without any row changing, so the recent months
are recounted often and all months now and then (``manage.py monitor_refresh``). Between two
refreshes the dashboard shows the figures of the last one and says when that was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from samenveilig.monitor.cache_dashboard import bump_version
from samenveilig.monitor.dashboard import (
    _add_months,
    compute_duration_tallies,
    compute_report_tallies,
)
from samenveilig.monitor.models_dashboard import ReportDurationTally, ReportTally, TallyMonth

DEFAULT_RECENT_MONTHS = 3
BATCH_SIZE = 2000


def recent_months(count: int = DEFAULT_RECENT_MONTHS, *, today: dt.date | None = None) -> list:
    """The running month and the ``count − 1`` before it."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return [_add_months(first, -i) for i in range(max(1, count))]


def months_with_reports() -> list[dt.date]:
    """Every month from the first report's to the running one (two cheap queries)."""
    from django.db.models import Min

    from samenveilig.reports.models import Report

    first = Report.objects.aggregate(first=Min("submitted_at"))["first"]
    if first is None:
        return []
    month = timezone.localtime(first).date().replace(day=1)
    last = timezone.localdate().replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = _add_months(month, 1)
    return months


def refresh_month(month: dt.date, *, now: dt.datetime | None = None) -> int:
    """Recount one month for every buurt; returns the number of tally rows written."""
    month = month.replace(day=1)
    now = now or timezone.now()
    counts = compute_report_tallies([month], now=now)
    durations = compute_duration_tallies([month])
    with transaction.atomic():
        # Serialises two refreshes of the same month: the second waits, then replaces.
        marker, _created = TallyMonth.objects.select_for_update().get_or_create(
            month=month, defaults={"refreshed_at": now}
        )
        ReportTally.objects.filter(month=month).delete()
        ReportDurationTally.objects.filter(month=month).delete()
        ReportTally.objects.bulk_create(
            [
                ReportTally(
                    month=month,
                    neighbourhood_id=buurt,
                    category_id=category,
                    partner=partner,
                    **{name: getattr(values, name) for name in _count_fields()},
                )
                for (_m, buurt, category, partner), values in counts.items()
            ],
            batch_size=BATCH_SIZE,
        )
        ReportDurationTally.objects.bulk_create(
            [
                ReportDurationTally(
                    month=month,
                    neighbourhood_id=buurt,
                    partner=partner,
                    kind=kind,
                    bin=bin_index,
                    reports=count,
                )
                for (_m, buurt, partner, kind, bin_index), count in durations.items()
            ],
            batch_size=BATCH_SIZE,
        )
        marker.refreshed_at = now
        marker.save(update_fields=["refreshed_at"])
    return len(counts) + len(durations)


def refresh_tallies(*, months: Iterable[dt.date], now: dt.datetime | None = None) -> int:
    """Recount the given months (each in its own transaction); returns the rows written."""
    return sum(refresh_month(month, now=now) for month in sorted(set(months)))


def forget_tallies() -> None:
    """Drop every tally: the dashboard counts from the reports again until the next refresh."""
    with transaction.atomic():
        ReportTally.objects.all().delete()
        ReportDurationTally.objects.all().delete()
        TallyMonth.objects.all().delete()
        transaction.on_commit(bump_version)  # cached dashboards were built from these tallies


def _count_fields() -> tuple[str, ...]:
    from samenveilig.monitor.dashboard import COUNT_FIELDS

    return COUNT_FIELDS
