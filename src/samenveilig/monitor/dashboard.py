"""Figures of the impact dashboard (MON-3): outcome first, then cooperation, then activity.

One dashboard is computed for a *scope* (a gemeente, wijk or buurt, or a community; see
``selectors_dashboard``) and a calendar *period* (a month, a quarter or a year), and compared
with the period before it. How each figure is computed (``EXPLANATIONS`` holds the same text
for the page, the exports and the PDF):

Outcome
- Feeling unsafe / cohesion: survey responses (``monitor.SurveyResponse``) of the scope answered
  in the period: the share who ever feel unsafe in their own neighbourhood with its Wilson 95 %
  interval, the mean social-cohesion score 0–10 with its t 95 % interval, and the number of
  respondents. A figure from fewer than ``scoring.MIN_RESPONDENTS`` respondents is not shown.
- Incidents per category and per month: a report that is not linked to others counts as one
  incident; reports linked into one incident (REP-7) count once, in the month its first report
  was sent. Reports waiting for a coordinator or not accepted are left out everywhere.
- Share of reports with follow-up: reports that got a first response (a message to the
  reporter, a start of work, a forward or a close: ``first_response_at``), of all reports.
- Share of incidents with an outcome: incidents closed with an outcome (any but "duplicate"; for
  a linked incident, any of its reports), of all incidents; single reports closed as duplicates
  are left out of both.

Cooperation (per partner the report was routed to)
- Median time to acknowledge and to first response, estimated from the durations grouped in
  ``DURATION_BIN_EDGES_MINUTES`` (5-minute bins for the first half hour, growing with the
  duration): the grouped-data median L + (n/2 − F) / f × w. A median from fewer than
  ``MIN_SAMPLE`` durations is marked as a small sample.
- Share within target: as in REP-9 (``reports.figures``): of the reports whose result is known
  (acknowledged, or past the target without), the share on time.

Activity
- Reports and their mean quality score (0–100, REP-6); alerts sent (``valid_from`` in the period)
  and the members they reached; tips (reports sent in answer to an alert).
- Inquiries started, doors visited, doors where someone was reached (spoke with a resident) and
  doors with a lead (the resident saw or heard something), each door counted once per period.
- Members (memberships of the communities of the scope): at the start and the end of the period,
  joined (verified in the period), left (left in the period), retention (of the members at the
  start, the share still a member at the end) and active in the last 30 days (a verified member
  who sent a report or tip, or recorded a canvass visit, in the 30 days before the period's end,
  or before today while the period runs).

Report figures come from monthly tallies (``models_dashboard``) where ``monitor_refresh`` made
them, else from the reports themselves; either way the number of SQL queries does not depend on
the number of reports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samenveilig.monitor.scoring import (
    MIN_RESPONDENTS,
    Figure,
    mean_figure_from_sums,
    proportion_figure,
)

MIN_SAMPLE = 10  # shares and medians from fewer cases are labelled (and hidden on the public page)
ACTIVE_DAYS = 30
CHART_MONTHS = 12

# Lower edges of the duration bins, in minutes; the last bin is open-ended (90 days or more).
DURATION_BIN_EDGES_MINUTES: tuple[int, ...] = (
    0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960,
    1440, 2160, 2880, 4320, 5760, 7200, 10080, 14400, 20160, 30240, 43200, 64800, 86400, 129600,
)  # fmt: skip
N_BINS = len(DURATION_BIN_EDGES_MINUTES)

NOT_COUNTED_STATUSES = ("pending_moderation", "rejected")
NO_RESULT_OUTCOMES = ("", "duplicate")


# --- periods -------------------------------------------------------------------------------------


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")
MIN_YEAR = 2000
MAX_YEAR = 2100


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year. ``number``: the month (1–12), the quarter (1–4), or 0
    for a year. ``end`` is exclusive."""

    kind: str
    year: int
    number: int = 0

    @property
    def start(self) -> dt.date:
        if self.kind == PeriodKind.MONTH:
            return dt.date(self.year, self.number, 1)
        if self.kind == PeriodKind.QUARTER:
            return dt.date(self.year, 3 * (self.number - 1) + 1, 1)
        return dt.date(self.year, 1, 1)

    @property
    def length_months(self) -> int:
        return {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]

    @property
    def end(self) -> dt.date:
        return _add_months(self.start, self.length_months)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{MONTHS[self.number]} {self.year}"
        if self.kind == PeriodKind.QUARTER:
            return _("Q%(quarter)d %(year)d") % {"quarter": self.number, "year": self.year}
        return str(self.year)

    def previous(self) -> Period:
        start = _add_months(self.start, -self.length_months)
        if self.kind == PeriodKind.MONTH:
            return Period(self.kind, start.year, start.month)
        if self.kind == PeriodKind.QUARTER:
            return Period(self.kind, start.year, (start.month - 1) // 3 + 1)
        return Period(self.kind, start.year)

    def months(self) -> list[dt.date]:
        return [_add_months(self.start, i) for i in range(self.length_months)]

    def is_running(self, today: dt.date) -> bool:
        return self.start <= today < self.end

    def is_future(self, today: dt.date) -> bool:
        return self.start > today


def parse_period(key: str) -> Period | None:
    """``"2026-10"`` (month), ``"2026-Q3"`` (quarter) or ``"2026"`` (year); None otherwise."""
    match = _PERIOD_RE.match((key or "").strip())
    if not match:
        return None
    year = int(match["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if match["month"]:
        month = int(match["month"])
        return Period(PeriodKind.MONTH, year, month) if 1 <= month <= 12 else None
    if match["quarter"]:
        return Period(PeriodKind.QUARTER, year, int(match["quarter"]))
    return Period(PeriodKind.YEAR, year)


def default_period(today: dt.date) -> Period:
    """The last complete month: a fair comparison with the month before it."""
    start = _add_months(today.replace(day=1), -1)
    return Period(PeriodKind.MONTH, start.year, start.month)


def period_choices(today: dt.date) -> list[tuple[str, list[Period]]]:
    """The periods offered in the form, newest first: 24 months, 8 quarters, 4 years (each list
    starts with the running one)."""
    this_month = today.replace(day=1)
    months = [_add_months(this_month, -i) for i in range(24)]
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarters = [_add_months(quarter_start, -3 * i) for i in range(8)]
    return [
        (_("Months"), [Period(PeriodKind.MONTH, d.year, d.month) for d in months]),
        (
            _("Quarters"),
            [Period(PeriodKind.QUARTER, d.year, (d.month - 1) // 3 + 1) for d in quarters],
        ),
        (_("Years"), [Period(PeriodKind.YEAR, today.year - i) for i in range(4)]),
    ]


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def month_label(month: dt.date) -> str:
    return f"{MONTHS[month.month]} {month.year}"


def month_short_label(month: dt.date) -> str:
    return f"{month.month:02d}-{month.year % 100:02d}"


# --- report tallies ------------------------------------------------------------------------------


@dataclass
class ReportCounts:
    """Sums over reports (the columns of ``ReportTally``)."""

    reports: int = 0
    followed_up: int = 0
    quality_sum: int = 0
    tips: int = 0
    ack_on_time: int = 0
    ack_decided: int = 0
    resp_on_time: int = 0
    resp_decided: int = 0
    solo_reports: int = 0
    solo_with_outcome: int = 0
    solo_duplicates: int = 0
    incidents: int = 0
    incidents_with_outcome: int = 0

    def add(self, other: ReportCounts | dict[str, Any]) -> ReportCounts:
        mine = self.__dict__
        theirs = other if isinstance(other, dict) else other.__dict__
        for name in COUNT_FIELDS:
            mine[name] += int(theirs.get(name) or 0)
        return self

    @property
    def incident_units(self) -> int:
        """Incidents: single reports plus linked incidents."""
        return self.solo_reports + self.incidents

    @property
    def outcome_eligible(self) -> int:
        return self.solo_reports - self.solo_duplicates + self.incidents

    @property
    def with_outcome(self) -> int:
        return self.solo_with_outcome + self.incidents_with_outcome


COUNT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ReportCounts))


def _merged_ranges(months: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    ranges: list[tuple[dt.date, dt.date]] = []
    for month in sorted(set(months)):
        end = _add_months(month, 1)
        if ranges and ranges[-1][1] == month:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((month, end))
    return ranges


def _range_q(field_name: str, months: Sequence[dt.date]) -> Q:
    q = Q()
    for start, end in _merged_ranges(months):
        q |= Q(
            **{
                f"{field_name}__gte": local_midnight(start),
                f"{field_name}__lt": local_midnight(end),
            }
        )
    return q


def _month_case(field_name: str, months: Sequence[dt.date]) -> Case:
    """The index of the month (in ``months``) a timestamp falls in."""
    return Case(
        *[
            When(
                **{
                    f"{field_name}__gte": local_midnight(month),
                    f"{field_name}__lt": local_midnight(_add_months(month, 1)),
                },
                then=Value(i),
            )
            for i, month in enumerate(months)
        ],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _bin_case(done_field: str) -> Case:
    """The duration bin of ``done_field − submitted_at``: the first bin whose upper edge lies
    beyond it; durations below zero fall in the first bin."""
    return Case(
        *[
            When(
                **{f"{done_field}__lt": F("submitted_at") + dt.timedelta(minutes=upper)},
                then=Value(i),
            )
            for i, upper in enumerate(DURATION_BIN_EDGES_MINUTES[1:])
        ],
        default=Value(N_BINS - 1),
        output_field=IntegerField(),
    )


def _accepted_reports(months: Sequence[dt.date], neighbourhood_ids: Collection[int] | None):
    from samenveilig.reports.models import Report

    reports = Report.objects.filter(_range_q("submitted_at", months)).exclude(
        status__in=NOT_COUNTED_STATUSES
    )
    if neighbourhood_ids is not None:
        reports = reports.filter(neighbourhood_id__in=list(neighbourhood_ids))
    return reports


TallyKey = tuple[dt.date, int, int, str]  # month, neighbourhood, category, partner
DurationKey = tuple[dt.date, int, str]  # month, neighbourhood, partner


def compute_report_tallies(
    months: Sequence[dt.date],
    *,
    neighbourhood_ids: Collection[int] | None = None,
    now: dt.datetime | None = None,
) -> dict[TallyKey, ReportCounts]:
    """Counts per (month, buurt, category, partner) straight from the reports (two queries).
    ``neighbourhood_ids`` None: every buurt. ``now`` decides which targets have passed."""
    from samenveilig.reports.models import Report

    months = sorted(set(months))
    result: dict[TallyKey, ReportCounts] = defaultdict(ReportCounts)
    if not months:
        return result
    now = now or timezone.now()
    solo = Q(incident_id__isnull=True)
    result_outcome = ~Q(outcome__in=NO_RESULT_OUTCOMES)
    rows = (
        _accepted_reports(months, neighbourhood_ids)
        .annotate(month_index=_month_case("submitted_at", months))
        .values("month_index", "neighbourhood_id", "category_id", "partner")
        .annotate(
            reports=Count("id"),
            followed_up=Count("id", filter=Q(first_response_at__isnull=False)),
            quality_sum=Sum("quality_score"),
            tips=Count("id", filter=Q(related_alert_id__isnull=False)),
            ack_on_time=Count(
                "id",
                filter=Q(acknowledge_due_at__isnull=False, acknowledged_at__isnull=False)
                & Q(acknowledged_at__lte=F("acknowledge_due_at")),
            ),
            ack_decided=Count(
                "id",
                filter=Q(acknowledge_due_at__isnull=False)
                & (Q(acknowledged_at__isnull=False) | Q(acknowledge_due_at__lte=now)),
            ),
            resp_on_time=Count(
                "id",
                filter=Q(respond_due_at__isnull=False, first_response_at__isnull=False)
                & Q(first_response_at__lte=F("respond_due_at")),
            ),
            resp_decided=Count(
                "id",
                filter=Q(respond_due_at__isnull=False)
                & (Q(first_response_at__isnull=False) | Q(respond_due_at__lte=now)),
            ),
            solo_reports=Count("id", filter=solo),
            solo_with_outcome=Count("id", filter=solo & result_outcome),
            solo_duplicates=Count("id", filter=solo & Q(outcome="duplicate")),
        )
        .order_by()
    )
    for row in rows:
        if row["month_index"] < 0:
            continue
        key = (
            months[row["month_index"]],
            row["neighbourhood_id"],
            row["category_id"],
            row["partner"],
        )
        result[key].add(row)

    # Linked incidents: every incident with a report in these months, grouped over all its
    # reports, counts once: in the month of its first report and in the incident's buurt.
    candidates = Report.objects.filter(
        _range_q("submitted_at", months), incident_id__isnull=False
    ).exclude(status__in=NOT_COUNTED_STATUSES)
    incidents = (
        Report.objects.filter(incident_id__in=candidates.values("incident_id"))
        .exclude(status__in=NOT_COUNTED_STATUSES)
        .values("incident_id")
        .annotate(
            first_at=Min("submitted_at"),
            buurt=Coalesce(Min("incident__neighbourhood_id"), Min("neighbourhood_id")),
            category=Min("category_id"),
            first_partner=Min("partner"),
            has_outcome=Max(
                Case(When(result_outcome, then=Value(1)), default=Value(0)),
                output_field=IntegerField(),
            ),
        )
        .order_by()
    )
    wanted = set(months)
    for row in incidents:
        month = timezone.localtime(row["first_at"]).date().replace(day=1)
        if month not in wanted:
            continue
        if neighbourhood_ids is not None and row["buurt"] not in neighbourhood_ids:
            continue
        counts = result[(month, row["buurt"], row["category"], row["first_partner"])]
        counts.incidents += 1
        counts.incidents_with_outcome += int(row["has_outcome"] or 0)
    return result


DurationBinKey = tuple[dt.date, int, str, str, int]  # month, neighbourhood, partner, kind, bin
ACK, RESP = "ack", "resp"


def compute_duration_tallies(
    months: Sequence[dt.date], *, neighbourhood_ids: Collection[int] | None = None
) -> dict[DurationBinKey, int]:
    """Reports per (month, buurt, partner, "ack"/"resp", duration bin), two queries."""
    months = sorted(set(months))
    result: dict[DurationBinKey, int] = {}
    if not months:
        return result
    for kind, done in ((ACK, "acknowledged_at"), (RESP, "first_response_at")):
        rows = (
            _accepted_reports(months, neighbourhood_ids)
            .filter(**{f"{done}__isnull": False})
            .annotate(month_index=_month_case("submitted_at", months), bin=_bin_case(done))
            .values("month_index", "neighbourhood_id", "partner", "bin")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            if row["month_index"] < 0:
                continue
            key = (
                months[row["month_index"]],
                row["neighbourhood_id"],
                row["partner"],
                kind,
                row["bin"],
            )
            result[key] = result.get(key, 0) + row["n"]
    return result


def grouped_median_minutes(bins: Sequence[int]) -> float | None:
    """The grouped-data median L + (n/2 − F) / f × w of a duration histogram (in minutes); None
    for an empty one. In the open-ended last bin the median is its lower edge."""
    n = sum(bins)
    if n <= 0:
        return None
    half = n / 2
    below = 0
    for i, count in enumerate(bins):
        if count and below + count >= half:
            lower = DURATION_BIN_EDGES_MINUTES[i]
            if i + 1 >= N_BINS:
                return float(lower)
            width = DURATION_BIN_EDGES_MINUTES[i + 1] - lower
            return lower + (half - below) / count * width
        below += count
    return float(DURATION_BIN_EDGES_MINUTES[-1])  # pragma: no cover - the loop always returns


@dataclass
class ReportData:
    """Report figures of a scope: counts per (month, category, partner) and per (month, buurt),
    duration histograms per (month, partner), and how fresh they are."""

    by_category: dict[tuple[dt.date, int, str], ReportCounts]
    by_buurt: dict[tuple[dt.date, int], ReportCounts]
    durations: dict[tuple[dt.date, str], tuple[list[int], list[int]]]
    live_months: list[dt.date]
    tallied_at: dt.datetime | None  # the oldest refresh among the tallied months used


def _add_to_histogram(
    durations: dict[tuple[dt.date, str], tuple[list[int], list[int]]],
    month: dt.date,
    partner: str,
    kind: str,
    bin_index: int,
    count: int,
) -> None:
    bins = durations.setdefault((month, partner), ([0] * N_BINS, [0] * N_BINS))
    if 0 <= bin_index < N_BINS:
        bins[0 if kind == ACK else 1][bin_index] += int(count or 0)


def load_report_data(
    months: Sequence[dt.date],
    neighbourhood_ids: Collection[int],
    *,
    buurt_months: Collection[dt.date] = (),
    duration_months: Collection[dt.date] | None = None,
    now: dt.datetime | None = None,
) -> ReportData:
    """Report figures for ``months`` in the given buurten: tallied months from the tallies (three
    queries), the others counted from the reports (five queries). Counts per buurt only for
    ``buurt_months``, duration histograms only for ``duration_months`` (default: all)."""
    from samenveilig.monitor.models_dashboard import ReportDurationTally, ReportTally, TallyMonth

    months = sorted(set(months))
    ids = sorted(set(neighbourhood_ids))
    by_category: dict[tuple[dt.date, int, str], ReportCounts] = defaultdict(ReportCounts)
    by_buurt: dict[tuple[dt.date, int], ReportCounts] = defaultdict(ReportCounts)
    durations: dict[tuple[dt.date, str], tuple[list[int], list[int]]] = {}
    refreshed = dict(
        TallyMonth.objects.filter(month__in=months).values_list("month", "refreshed_at")
    )
    tallied = [m for m in months if m in refreshed]
    live = [m for m in months if m not in refreshed]
    if live and ids and not _accepted_reports(live, ids).exists():
        live = []  # e.g. the months before the first report: nothing to count
    buurt_months = set(buurt_months)
    duration_months = set(months if duration_months is None else duration_months)
    if tallied and ids:
        sums = {name: Sum(name) for name in COUNT_FIELDS}
        rows = (
            ReportTally.objects.filter(month__in=tallied, neighbourhood_id__in=ids)
            .values("month", "category_id", "partner")
            .annotate(**sums)
            .order_by()
        )
        for row in rows:
            by_category[(row["month"], row["category_id"], row["partner"])].add(row)
        wanted = [m for m in tallied if m in buurt_months]
        if wanted:
            rows = (
                ReportTally.objects.filter(month__in=wanted, neighbourhood_id__in=ids)
                .values("month", "neighbourhood_id")
                .annotate(**sums)
                .order_by()
            )
            for row in rows:
                by_buurt[(row["month"], row["neighbourhood_id"])].add(row)
        wanted = [m for m in tallied if m in duration_months]
        for row in (
            ReportDurationTally.objects.filter(month__in=wanted, neighbourhood_id__in=ids)
            .values("month", "partner", "kind", "bin")
            .annotate(n=Sum("reports"))
            .order_by()
        ):
            _add_to_histogram(
                durations, row["month"], row["partner"], row["kind"], row["bin"], row["n"]
            )
    if live and ids:
        for (month, buurt, category, partner), counts in compute_report_tallies(
            live, neighbourhood_ids=ids, now=now
        ).items():
            by_category[(month, category, partner)].add(counts)
            if month in buurt_months:
                by_buurt[(month, buurt)].add(counts)
        for (month, _buurt, partner, kind, bin_index), count in compute_duration_tallies(
            [m for m in live if m in duration_months], neighbourhood_ids=ids
        ).items():
            _add_to_histogram(durations, month, partner, kind, bin_index, count)
    tallied_at = min((refreshed[m] for m in tallied), default=None)
    return ReportData(dict(by_category), dict(by_buurt), durations, live, tallied_at)


# --- figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """``numerator / denominator``; ``small`` when the denominator is below ``MIN_SAMPLE``."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        return None if self.value is None else self.value * 100

    @property
    def small(self) -> bool:
        return self.denominator < MIN_SAMPLE


@dataclass(frozen=True)
class Median:
    """A grouped median (minutes) over ``n`` durations; ``small`` below ``MIN_SAMPLE``."""

    minutes: float | None
    n: int

    @property
    def small(self) -> bool:
        return self.n < MIN_SAMPLE

    @property
    def duration(self) -> dt.timedelta | None:
        return None if self.minutes is None else dt.timedelta(minutes=self.minutes)

    @property
    def text(self) -> str:
        from samenveilig.reports.figures import duration_text

        return duration_text(self.duration)


@dataclass(frozen=True)
class Compared:
    """A count in the period and in the one before."""

    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_percent(self) -> float | None:
        if not self.previous:
            return None
        return (self.current - self.previous) / self.previous * 100


@dataclass
class SurveyStats:
    """SQL sums over survey responses, from which the figures follow."""

    respondents: int = 0
    answered: int = 0
    unsafe: int = 0
    often: int = 0
    cohesion_n: int = 0
    cohesion_sum: float = 0.0
    cohesion_sq: float = 0.0

    def add(self, other: SurveyStats | dict[str, Any]) -> SurveyStats:
        for f in fields(SurveyStats):
            value = other.get(f.name) if isinstance(other, dict) else getattr(other, f.name)
            setattr(self, f.name, getattr(self, f.name) + (value or 0))
        return self

    @property
    def feels_unsafe(self) -> Figure:
        return proportion_figure(self.unsafe, self.answered)

    @property
    def often_unsafe(self) -> Figure:
        return proportion_figure(self.often, self.answered)

    @property
    def cohesion(self) -> Figure:
        return mean_figure_from_sums(self.cohesion_n, self.cohesion_sum, self.cohesion_sq)


@dataclass
class SurveyFigures:
    current: SurveyStats
    previous: SurveyStats
    # Members of a community and others (not on the public page: None there).
    members: SurveyStats | None = None
    non_members: SurveyStats | None = None
    previous_members: SurveyStats | None = None
    previous_non_members: SurveyStats | None = None


@dataclass
class CategoryRow:
    category_id: int
    name: str
    counts: Compared
    per_month: list[int]


@dataclass
class PartnerRow:
    partner: str
    label: str
    reports: Compared
    median_ack: Median
    median_ack_previous: Median
    median_resp: Median
    median_resp_previous: Median
    ack_within: Share
    ack_within_previous: Share
    resp_within: Share
    resp_within_previous: Share


@dataclass
class BuurtRow:
    area_id: int
    name: str
    reports: Compared
    followed_up: Share
    feels_unsafe: Figure
    cohesion: Figure


@dataclass
class MemberFigures:
    """Memberships of the scope's communities; on the public page only ``communities`` and
    ``at_end`` (the rest None)."""

    communities: int
    at_end: int
    at_start: int | None = None
    joined: Compared | None = None
    left: Compared | None = None
    retained: int | None = None
    active: int | None = None
    active_since: dt.date | None = None
    active_until: dt.date | None = None

    @property
    def retention(self) -> Share | None:
        if self.retained is None or self.at_start is None:
            return None
        return Share(self.retained, self.at_start)

    @property
    def active_share(self) -> Share | None:
        return None if self.active is None else Share(self.active, self.at_end)


@dataclass
class ActivityFigures:
    """Activity counts; the fields that default to None are not on the public page."""

    reports: Compared
    alerts: Compared
    inquiries: Compared
    doors_reached: Compared
    quality_current: float | None = None
    quality_previous: float | None = None
    alert_recipients: Compared | None = None
    tips: Compared | None = None
    doors_visited: Compared | None = None
    leads: Compared | None = None


@dataclass
class Dashboard:
    """Everything the page, the exports and the PDF show for one scope and period."""

    scope: Any  # selectors_dashboard.Scope
    period: Period
    previous: Period
    running: bool
    generated_at: dt.datetime
    public_only: bool
    surveys: SurveyFigures
    chart_months: list[dt.date]
    categories: list[CategoryRow]
    incidents: Compared
    incidents_per_month: list[int]
    followed_up: Share
    followed_up_previous: Share
    with_outcome: Share
    with_outcome_previous: Share
    partners: list[PartnerRow]
    activity: ActivityFigures
    members: MemberFigures
    buurten: list[BuurtRow] = field(default_factory=list)
    report_live_months: list[dt.date] = field(default_factory=list)
    report_tallied_at: dt.datetime | None = None
    cache_key: str = ""  # set by the views when the figures came from or went to the cache

    @property
    def min_respondents(self) -> int:
        return MIN_RESPONDENTS

    @property
    def min_sample(self) -> int:
        return MIN_SAMPLE


def _chart_months(period: Period, today: dt.date) -> list[dt.date]:
    """The twelve months up to the period's last month (not beyond the running month)."""
    last = min(_add_months(period.end, -1), today.replace(day=1))
    return [_add_months(last, -i) for i in range(CHART_MONTHS - 1, -1, -1)]


def _total(index: dict, months: Iterable[dt.date], *rest: Any) -> ReportCounts:
    """The sum of ``index[(month, *rest)]`` over ``months``."""
    total = ReportCounts()
    for month in months:
        counts = index.get((month, *rest))
        if counts is not None:
            total.add(counts)
    return total


def _survey_data(
    scope: Any, period: Period, previous: Period, *, by_area: bool, split: bool
) -> tuple[SurveyFigures, dict[int, SurveyStats]]:
    from samenveilig.monitor.models import SurveyResponse

    responses = SurveyResponse.objects.filter(
        scope.survey_q, created_on__gte=previous.start, created_on__lt=period.end
    )
    current_case = Case(
        When(created_on__gte=period.start, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    aggregates = {
        "respondents": Count("pk"),
        "answered": Count("feels_unsafe"),
        "unsafe": Count("pk", filter=Q(feels_unsafe=True)),
        "often": Count("pk", filter=Q(feels_unsafe=True, unsafe_frequency="often")),
        "cohesion_n": Count("cohesion_score"),
        "cohesion_sum": Sum("cohesion_score", output_field=FloatField()),
        "cohesion_sq": Sum(F("cohesion_score") * F("cohesion_score"), output_field=FloatField()),
    }
    groups: dict[tuple[int, bool | None], SurveyStats] = defaultdict(SurveyStats)
    for row in (
        responses.annotate(current=current_case)
        .values("current", "is_member")
        .annotate(**aggregates)
        .order_by()
    ):
        groups[(row["current"], row["is_member"])].add(row)
    per_area: dict[int, SurveyStats] = defaultdict(SurveyStats)
    if by_area:
        for row in (
            responses.filter(created_on__gte=period.start, neighbourhood_id__isnull=False)
            .values("neighbourhood_id")
            .annotate(**aggregates)
            .order_by()
        ):
            per_area[row["neighbourhood_id"]].add(row)

    def total(current: int, member: object = "any") -> SurveyStats:
        stats = SurveyStats()
        for (c, m), value in groups.items():
            if c == current and (member == "any" or m is member):
                stats.add(value)
        return stats

    figures = SurveyFigures(current=total(1), previous=total(0))
    if split:
        figures.members = total(1, True)
        figures.non_members = total(1, False)
        figures.previous_members = total(0, True)
        figures.previous_non_members = total(0, False)
    return figures, per_area


def _alert_figures(scope: Any, period: Period, previous: Period) -> dict[str, Compared]:
    from samenveilig.alerts.models import Alert, AlertStatus

    window = Q(
        valid_from__gte=local_midnight(previous.start), valid_from__lt=local_midnight(period.end)
    )
    current = Q(valid_from__gte=local_midnight(period.start))
    row = (
        Alert.objects.filter(scope.alert_q, window)
        .filter(status__in=(AlertStatus.SENT, AlertStatus.WITHDRAWN))
        .aggregate(
            current=Count("pk", filter=current),
            previous=Count("pk", filter=~current),
            recipients_current=Sum("recipient_count", filter=current),
            recipients_previous=Sum("recipient_count", filter=~current),
        )
    )
    return {
        "alerts": Compared(row["current"] or 0, row["previous"] or 0),
        "recipients": Compared(row["recipients_current"] or 0, row["recipients_previous"] or 0),
    }


def _inquiry_figures(scope: Any, period: Period, previous: Period) -> dict[str, Compared]:
    from samenveilig.inquiries.models import CanvassVisit, Inquiry, VisitOutcome

    start, middle, end = (
        local_midnight(previous.start),
        local_midnight(period.start),
        local_midnight(period.end),
    )
    started = Inquiry.objects.filter(scope.inquiry_q, created_at__gte=start, created_at__lt=end)
    row = started.aggregate(
        current=Count("pk", filter=Q(created_at__gte=middle)),
        previous=Count("pk", filter=Q(created_at__lt=middle)),
    )
    visits = CanvassVisit.objects.filter(
        inquiry__in=Inquiry.objects.filter(scope.inquiry_q).values("pk"),
        visited_at__gte=start,
        visited_at__lt=end,
    )
    result = {"inquiries": Compared(row["current"] or 0, row["previous"] or 0)}
    counted: dict[int, dict[str, int]] = {0: {}, 1: {}}
    for found in (
        visits.annotate(
            current=Case(
                When(visited_at__gte=middle, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values("current")
        .annotate(
            visited=Count("stop_id", distinct=True),
            reached=Count("stop_id", distinct=True, filter=Q(outcome=VisitOutcome.SPOKEN)),
            leads=Count("stop_id", distinct=True, filter=Q(is_lead=True)),
        )
        .order_by()
    ):
        counted[found["current"]] = found
    for name in ("visited", "reached", "leads"):
        result[name] = Compared(counted[1].get(name) or 0, counted[0].get(name) or 0)
    return result


def _member_figures(
    scope: Any, period: Period, previous: Period, now: dt.datetime, *, public_only: bool
) -> MemberFigures:
    from samenveilig.communities.models import Membership, MembershipStatus
    from samenveilig.inquiries.models import CanvassVisit
    from samenveilig.reports.models import Report

    start, end = local_midnight(period.start), local_midnight(period.end)
    before = local_midnight(previous.start)
    until = min(end, now)
    memberships = Membership.objects.filter(
        community_id__in=list(scope.community_ids), decided_at__isnull=False
    ).filter(status__in=(MembershipStatus.VERIFIED, MembershipStatus.LEFT))
    left = Q(status=MembershipStatus.LEFT)

    def member_at(moment: dt.datetime) -> Q:
        return Q(decided_at__lt=moment) & (~left | Q(updated_at__gte=moment))

    if public_only:
        return MemberFigures(
            communities=len(scope.community_ids),
            at_end=memberships.filter(member_at(until)).count(),
        )
    row = memberships.aggregate(
        at_start=Count("pk", filter=member_at(start)),
        at_end=Count("pk", filter=member_at(until)),
        retained=Count("pk", filter=member_at(start) & (~left | Q(updated_at__gte=until))),
        joined=Count("pk", filter=Q(decided_at__gte=start, decided_at__lt=end)),
        joined_before=Count("pk", filter=Q(decided_at__gte=before, decided_at__lt=start)),
        left_now=Count("pk", filter=left & Q(updated_at__gte=start, updated_at__lt=end)),
        left_before=Count("pk", filter=left & Q(updated_at__gte=before, updated_at__lt=start)),
    )
    active_from = until - dt.timedelta(days=ACTIVE_DAYS)
    active = (
        memberships.filter(member_at(until))
        .filter(
            Exists(
                Report.objects.filter(
                    reporter_id=OuterRef("user_id"),
                    submitted_at__gte=active_from,
                    submitted_at__lt=until,
                )
            )
            | Exists(
                CanvassVisit.objects.filter(
                    visited_by_id=OuterRef("user_id"),
                    visited_at__gte=active_from,
                    visited_at__lt=until,
                )
            )
        )
        .count()
    )
    return MemberFigures(
        communities=len(scope.community_ids),
        at_start=row["at_start"] or 0,
        at_end=row["at_end"] or 0,
        joined=Compared(row["joined"] or 0, row["joined_before"] or 0),
        left=Compared(row["left_now"] or 0, row["left_before"] or 0),
        retained=row["retained"] or 0,
        active=active,
        active_since=timezone.localtime(active_from).date(),
        active_until=timezone.localtime(until).date(),
    )


def _mean(total: int, n: int) -> float | None:
    return total / n if n else None


def build_dashboard(
    scope: Any,
    period: Period,
    *,
    public_only: bool = False,
    now: dt.datetime | None = None,
    language: str = "nl",
) -> Dashboard:
    """All figures of ``scope`` for ``period`` and the period before. ``public_only`` leaves out
    what the public page must not show (see ``views_dashboard``): it is not even computed."""
    from samenveilig.areas.models import Area
    from samenveilig.reports.models import Category, Partner

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    previous = period.previous()
    chart_months = _chart_months(period, today)
    period_months = [m for m in period.months() if m <= today]
    previous_months = previous.months()
    months = sorted(set(chart_months) | set(period_months) | set(previous_months))
    per_buurt = not public_only and len(scope.neighbourhood_ids) > 1
    data = load_report_data(
        months,
        scope.neighbourhood_ids,
        buurt_months=set(period_months) | set(previous_months) if per_buurt else (),
        duration_months=set(period_months) | set(previous_months),
        now=now,
    )
    current_set, previous_set = set(period_months), set(previous_months)
    by_month_category: dict[tuple, ReportCounts] = defaultdict(ReportCounts)
    by_month_partner: dict[tuple, ReportCounts] = defaultdict(ReportCounts)
    by_month: dict[tuple, ReportCounts] = defaultdict(ReportCounts)
    for (month, category_id, partner), counts in data.by_category.items():
        by_month_category[(month, category_id)].add(counts)
        by_month_partner[(month, partner)].add(counts)
        by_month[(month,)].add(counts)
    current = _total(by_month, current_set)
    before = _total(by_month, previous_set)

    category_ids = sorted({key[1] for key in data.by_category})
    names = {
        c.pk: c.name(language)
        for c in Category.objects.filter(pk__in=category_ids).only("pk", "name_nl", "name_en")
    }
    categories = []
    for category_id in category_ids:
        now_counts = _total(by_month_category, current_set, category_id)
        then_counts = _total(by_month_category, previous_set, category_id)
        per_month = [
            _total(by_month_category, [m], category_id).incident_units for m in chart_months
        ]
        counts = Compared(now_counts.incident_units, then_counts.incident_units)
        if counts.current or counts.previous or any(per_month):
            categories.append(
                CategoryRow(category_id, names.get(category_id, "?"), counts, per_month)
            )
    categories.sort(key=lambda row: (-row.counts.current, -row.counts.previous, row.name))

    partners = []
    for partner in Partner.values:
        now_counts = _total(by_month_partner, current_set, partner)
        then_counts = _total(by_month_partner, previous_set, partner)
        if not (now_counts.reports or then_counts.reports):
            continue

        def bins(months_: Collection[dt.date], position: int, partner: str = partner) -> list[int]:
            total = [0] * N_BINS
            for (month, p), pair in data.durations.items():
                if month in months_ and p == partner:
                    total = [a + b for a, b in zip(total, pair[position], strict=True)]
            return total

        def median(values: list[int]) -> Median:
            return Median(grouped_median_minutes(values), sum(values))

        partners.append(
            PartnerRow(
                partner=partner,
                label=str(Partner(partner).label),
                reports=Compared(now_counts.reports, then_counts.reports),
                median_ack=median(bins(current_set, 0)),
                median_ack_previous=median(bins(previous_set, 0)),
                median_resp=median(bins(current_set, 1)),
                median_resp_previous=median(bins(previous_set, 1)),
                ack_within=Share(now_counts.ack_on_time, now_counts.ack_decided),
                ack_within_previous=Share(then_counts.ack_on_time, then_counts.ack_decided),
                resp_within=Share(now_counts.resp_on_time, now_counts.resp_decided),
                resp_within_previous=Share(then_counts.resp_on_time, then_counts.resp_decided),
            )
        )

    surveys, survey_per_area = _survey_data(
        scope, period, previous, by_area=per_buurt, split=not public_only
    )
    alerts = _alert_figures(scope, period, previous)
    inquiries = _inquiry_figures(scope, period, previous)
    activity = ActivityFigures(
        reports=Compared(current.reports, before.reports),
        alerts=alerts["alerts"],
        inquiries=inquiries["inquiries"],
        doors_reached=inquiries["reached"],
    )
    if not public_only:
        activity.quality_current = _mean(current.quality_sum, current.reports)
        activity.quality_previous = _mean(before.quality_sum, before.reports)
        activity.alert_recipients = alerts["recipients"]
        activity.tips = Compared(current.tips, before.tips)
        activity.doors_visited = inquiries["visited"]
        activity.leads = inquiries["leads"]
    members = _member_figures(scope, period, previous, now, public_only=public_only)

    buurten: list[BuurtRow] = []
    if per_buurt:
        areas = Area.objects.filter(pk__in=list(scope.neighbourhood_ids)).only("pk", "name")
        for area in sorted(areas, key=lambda a: (a.name.lower(), a.pk)):
            now_counts = _total(data.by_buurt, current_set, area.pk)
            then_counts = _total(data.by_buurt, previous_set, area.pk)
            stats = survey_per_area.get(area.pk, SurveyStats())
            buurten.append(
                BuurtRow(
                    area_id=area.pk,
                    name=area.name,
                    reports=Compared(now_counts.reports, then_counts.reports),
                    followed_up=Share(now_counts.followed_up, now_counts.reports),
                    feels_unsafe=stats.feels_unsafe,
                    cohesion=stats.cohesion,
                )
            )

    return Dashboard(
        scope=scope,
        period=period,
        previous=previous,
        running=period.is_running(today),
        generated_at=now,
        public_only=public_only,
        surveys=surveys,
        chart_months=chart_months,
        categories=categories,
        incidents=Compared(current.incident_units, before.incident_units),
        incidents_per_month=[_total(by_month, [m]).incident_units for m in chart_months],
        followed_up=Share(current.followed_up, current.reports),
        followed_up_previous=Share(before.followed_up, before.reports),
        with_outcome=Share(current.with_outcome, current.outcome_eligible),
        with_outcome_previous=Share(before.with_outcome, before.outcome_eligible),
        partners=partners,
        activity=activity,
        members=members,
        buurten=buurten,
        report_live_months=data.live_months,
        report_tallied_at=data.tallied_at,
    )


# --- explanations (page, exports, PDF) -------------------------------------------------------

EXPLANATIONS: dict[str, Any] = {
    "feels_unsafe": gettext_lazy(
        "Share of survey respondents who answered yes to “Do you ever feel unsafe in your own "
        "neighbourhood?”, of those who answered the question, with its %(ci)s confidence interval "
        "(Wilson). Figures from fewer than 10 respondents are not shown."
    ),
    "cohesion": gettext_lazy(
        "Mean social-cohesion score (0–10) over respondents who answered all five statements "
        "of the CBS Veiligheidsmonitor (the negative one reversed), with its %(ci)s confidence "
        "interval (Student t). Figures from fewer than 10 respondents are not shown."
    ),
    "incidents": gettext_lazy(
        "A report that is not linked to others is one incident; reports that the system linked "
        "into one incident (same category, close in place and time) count once, in the month "
        "of their first report. Reports waiting for a coordinator or not accepted are not "
        "counted."
    ),
    "followed_up": gettext_lazy(
        "Share of the reports sent in the period that got a first response: a message to the "
        "reporter, a start of work, a forward or a close."
    ),
    "with_outcome": gettext_lazy(
        "Share of the incidents of the period that were closed with an outcome (solved, arrest, "
        "referred, no action possible, insufficient information). Single reports closed as a "
        "duplicate are left out."
    ),
    "response_times": gettext_lazy(
        "Per partner the report was sent to: the median time from sending to acknowledgement "
        "and to the first response, estimated from durations grouped in bins (5 minutes wide "
        "for the first half hour, wider for longer durations); and, of the reports whose result "
        "is known, the share acknowledged and answered within the target of their category. "
        "Fewer than 10 reports is a small sample."
    ),
    "reports": gettext_lazy(
        "Reports sent in the period and their mean quality score (0–100: what, where, when, who "
        "and how were described), alerts sent and the members they reached, and tips: reports "
        "sent in answer to an alert."
    ),
    "inquiries": gettext_lazy(
        "Neighbourhood inquiries started in the period; doors visited, doors where someone was "
        "spoken with, and doors with a lead (the resident saw or heard something)."
    ),
    "members": gettext_lazy(
        "Memberships of the communities of this area: at the start and end of the period, "
        "joined (admitted in the period), left, retention (of the members at the start, the "
        "share still a member at the end) and active: members who sent a report or tip or "
        "visited a door for an inquiry in the last 30 days of the period."
    ),
    "buurten": gettext_lazy(
        "Reports, follow-up and survey figures per neighbourhood. Survey figures count only "
        "rounds held for that neighbourhood."
    ),
}


def explanation(*keys: str) -> str:
    """The explanations of ``keys`` in the active language, as one text."""
    return " ".join(str(EXPLANATIONS[key]) % {"ci": "95%"} for key in keys)
