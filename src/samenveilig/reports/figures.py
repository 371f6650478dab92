"""Public response-time figures per partner and municipality (REP-9).

Over a sliding window (default the last 90 days, by submission time), per partner the report was
routed to (police / municipality) and per municipality of the report's buurt:

- ``sample_size``: reports in the window (reports waiting for moderation or not accepted left out);
- ``median_acknowledge`` / ``median_first_response``: median time from submission to
  acknowledgement / first response, over the reports that have one;
- ``share_acknowledged_within_target`` / ``share_responded_within_target``: of the reports whose
  outcome is known (acknowledged, or past the target without), the share on time. A report
  still inside its target and not yet acknowledged counts in neither numerator nor denominator.

Rows with fewer than ``MIN_SAMPLE`` reports are flagged ``small_sample`` and get no rank; the
others are ranked by share acknowledged on time (then by median time to acknowledge).

How: the durations are fetched with one ``values_list`` query and the medians taken with
Python's ``statistics`` — at a deployment's scale (tens of thousands of reports in 90 days) that
is a few megabytes and well under a second, and it is the same on SQLite and PostgreSQL
(SQLite has no percentile aggregate). Should it grow, PostgreSQL's ``percentile_cont`` is the
drop-in replacement. Reports are counted for the partner they were *routed* to, also when that
partner forwarded them; a report approved by a coordinator is measured from its submission.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.reports.models import Partner, Report, ReportStatus

DEFAULT_WINDOW_DAYS = 90
WINDOW_CHOICES = (30, 90, 180, 365)
MIN_SAMPLE = 10


@dataclass(frozen=True)
class PartnerFigures:
    partner: str
    municipality_id: int | None
    municipality_name: str
    sample_size: int
    median_acknowledge: timedelta | None
    median_first_response: timedelta | None
    share_acknowledged_within_target: float | None  # 0.0 … 1.0
    share_responded_within_target: float | None
    small_sample: bool
    rank: int | None

    @property
    def median_acknowledge_text(self) -> str:
        return duration_text(self.median_acknowledge)

    @property
    def median_first_response_text(self) -> str:
        return duration_text(self.median_first_response)

    @property
    def ack_percent(self) -> int | None:
        return _percent(self.share_acknowledged_within_target)

    @property
    def resp_percent(self) -> int | None:
        return _percent(self.share_responded_within_target)

    @property
    def partner_label(self) -> str:
        return str(Partner(self.partner).label) if self.partner in Partner.values else self.partner


@dataclass(frozen=True)
class ResponseFigures:
    window_days: int
    since: datetime
    until: datetime
    min_sample: int
    rows: list[PartnerFigures]


def _percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


def duration_text(value: timedelta | None) -> str:
    """``"2 d 4 h"``, ``"3 h 20 min"`` or ``"45 min"``: readable, precise enough for a median."""
    if value is None:
        return ""
    minutes = max(0, round(value.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def _median(values: list[float]) -> timedelta | None:
    return timedelta(seconds=statistics.median(values)) if values else None


def _share(on_time: int, decided: int) -> float | None:
    return on_time / decided if decided else None


@dataclass
class _Tally:
    name: str
    n: int = 0
    ack: list[float] = field(default_factory=list)
    resp: list[float] = field(default_factory=list)
    ack_on_time: int = 0
    ack_decided: int = 0
    resp_on_time: int = 0
    resp_decided: int = 0


def _on_time(done: datetime | None, due: datetime | None, now: datetime) -> tuple[int, int]:
    """(on time, decided) for one target: decided once done or once the target has passed."""
    if due is None:
        return 0, 0
    if done is not None:
        return int(done <= due), 1
    return (0, 1) if due <= now else (0, 0)


def response_time_figures(
    *, days: int = DEFAULT_WINDOW_DAYS, now: datetime | None = None
) -> ResponseFigures:
    """The REP-9 table for the last ``days`` days (see the module docstring)."""
    now = now or timezone.now()
    days = max(1, int(days))
    since = now - timedelta(days=days)
    rows = (
        Report.objects.filter(submitted_at__gte=since, submitted_at__lte=now)
        .exclude(status__in=(ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED))
        .values_list(
            "partner",
            "neighbourhood__parent__parent_id",
            "neighbourhood__parent__parent__name",
            "submitted_at",
            "acknowledged_at",
            "first_response_at",
            "acknowledge_due_at",
            "respond_due_at",
        )
    )
    tallies: dict[tuple[str, int | None], _Tally] = {}
    for partner, gm_id, gm_name, submitted, acked, responded, ack_due, resp_due in rows.iterator(
        chunk_size=5000
    ):
        tally = tallies.get((partner, gm_id))
        if tally is None:
            tally = tallies[(partner, gm_id)] = _Tally(name=gm_name or "")
        tally.n += 1
        if acked is not None:
            tally.ack.append((acked - submitted).total_seconds())
        if responded is not None:
            tally.resp.append((responded - submitted).total_seconds())
        on_time, decided = _on_time(acked, ack_due, now)
        tally.ack_on_time += on_time
        tally.ack_decided += decided
        on_time, decided = _on_time(responded, resp_due, now)
        tally.resp_on_time += on_time
        tally.resp_decided += decided

    figures = [
        PartnerFigures(
            partner=partner,
            municipality_id=gm_id,
            municipality_name=tally.name,
            sample_size=tally.n,
            median_acknowledge=_median(tally.ack),
            median_first_response=_median(tally.resp),
            share_acknowledged_within_target=_share(tally.ack_on_time, tally.ack_decided),
            share_responded_within_target=_share(tally.resp_on_time, tally.resp_decided),
            small_sample=tally.n < MIN_SAMPLE,
            rank=None,
        )
        for (partner, gm_id), tally in tallies.items()
    ]
    return ResponseFigures(
        window_days=days, since=since, until=now, min_sample=MIN_SAMPLE, rows=_ranked(figures)
    )


def _ranked(figures: list[PartnerFigures]) -> list[PartnerFigures]:
    """Ranked rows first (best first), then the small samples by name, unranked."""

    def key(row: PartnerFigures) -> tuple[float, float]:
        share = row.share_acknowledged_within_target
        median = row.median_acknowledge
        return (
            -(share if share is not None else -1.0),
            median.total_seconds() if median is not None else float("inf"),
        )

    ranked = sorted((r for r in figures if not r.small_sample), key=key)
    small = sorted(
        (r for r in figures if r.small_sample), key=lambda r: (r.municipality_name, r.partner)
    )
    return [replace(row, rank=n) for n, row in enumerate(ranked, start=1)] + small
