"""The impact dashboard's figures as rows: for CSV, XLSX and the PDF impact report.

One row per figure, breakdown and period (this period and the one before), with the value, its
95 % interval where there is one, the number it is based on, its unit and a note when it is not
shown (fewer than 10 respondents) or a small sample. A figure that is hidden on the page is
hidden here too: its value and interval stay empty. The public page's export is built from a
public-only dashboard, so non-public figures are not in it at all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from samenveilig.monitor.dashboard import (
    Compared,
    Dashboard,
    Median,
    Share,
    SurveyStats,
    month_label,
)
from samenveilig.monitor.scoring import MIN_RESPONDENTS, Figure

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection) in text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class FigureRow:
    section: str
    figure: str
    breakdown: str
    period: str
    value: float | int | None
    low: float | None
    high: float | None
    n: int | None
    unit: str
    note: str = ""


def header() -> list[str]:
    return [
        _("Scope"),
        _("Section"),
        _("Figure"),
        _("Breakdown"),
        _("Period"),
        _("Value"),
        _("%(ci)s interval, low") % {"ci": "95%"},
        _("%(ci)s interval, high") % {"ci": "95%"},
        _("Based on (n)"),
        _("Unit"),
        _("Note"),
    ]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _hidden_note(n: int) -> str:
    if not n:
        return _("no responses")
    return _("fewer than %(min)d respondents: not shown") % {"min": MIN_RESPONDENTS}


def _figure_rows(section: str, name: str, breakdown: str, period: str, figure: Figure) -> FigureRow:
    scale = 100 if figure.kind == "proportion" else 1
    unit = "%" if figure.kind == "proportion" else _("score 0–10")
    if not figure.shown:
        return FigureRow(
            section,
            name,
            breakdown,
            period,
            None,
            None,
            None,
            figure.n,
            unit,
            _hidden_note(figure.n),
        )
    return FigureRow(
        section,
        name,
        breakdown,
        period,
        _round(figure.value * scale, 2),
        _round(figure.low * scale, 2),
        _round(figure.high * scale, 2),
        figure.n,
        unit,
    )


def _share_row(
    section: str, name: str, breakdown: str, period: str, share: Share, *, public: bool
) -> FigureRow:
    note = _("small sample") if share.small and share.denominator else ""
    value = _round(share.percent, 2)
    if share.small and public:
        value, note = None, _("small sample: not shown")
    return FigureRow(
        section, name, breakdown, period, value, None, None, share.denominator, "%", note
    )


def _median_row(
    section: str, name: str, breakdown: str, period: str, median: Median, *, public: bool
) -> FigureRow:
    note = _("small sample") if median.small and median.n else ""
    value = _round(median.minutes, 1)
    if median.small and public:
        value, note = None, _("small sample: not shown")
    return FigureRow(
        section, name, breakdown, period, value, None, None, median.n, _("minutes"), note
    )


def _count_rows(
    section: str, name: str, breakdown: str, d: Dashboard, counted: Compared | None, unit: str
) -> list[FigureRow]:
    if counted is None:
        return []
    return [
        FigureRow(
            section, name, breakdown, d.previous.label, counted.previous, None, None, None, unit
        ),
        FigureRow(
            section, name, breakdown, d.period.label, counted.current, None, None, None, unit
        ),
    ]


def figure_rows(d: Dashboard) -> list[FigureRow]:
    """Every figure of the dashboard, in the page's order."""
    public = d.public_only
    rows: list[FigureRow] = []
    outcome, cooperation, activity = _("Outcome"), _("Cooperation"), _("Activity")
    count = _("count")

    def survey(breakdown: str, period: str, stats: SurveyStats | None) -> None:
        if stats is None:
            return
        rows.append(
            _figure_rows(outcome, _("Feel unsafe at times"), breakdown, period, stats.feels_unsafe)
        )
        rows.append(
            _figure_rows(outcome, _("Often feel unsafe"), breakdown, period, stats.often_unsafe)
        )
        rows.append(_figure_rows(outcome, _("Social cohesion"), breakdown, period, stats.cohesion))

    s = d.surveys
    survey(_("all respondents"), d.previous.label, s.previous)
    survey(_("all respondents"), d.period.label, s.current)
    survey(_("members of a community"), d.previous.label, s.previous_members)
    survey(_("members of a community"), d.period.label, s.members)
    survey(_("not a member"), d.previous.label, s.previous_non_members)
    survey(_("not a member"), d.period.label, s.non_members)

    rows += _count_rows(outcome, _("Incidents"), _("all categories"), d, d.incidents, count)
    for category in d.categories:
        rows += _count_rows(outcome, _("Incidents"), category.name, d, category.counts, count)
    for month, value in zip(d.chart_months, d.incidents_per_month, strict=False):
        rows.append(
            FigureRow(
                outcome,
                _("Incidents per month"),
                _("all categories"),
                month_label(month),
                value,
                None,
                None,
                None,
                count,
            )
        )
    for category in d.categories:
        for month, value in zip(d.chart_months, category.per_month, strict=False):
            rows.append(
                FigureRow(
                    outcome,
                    _("Incidents per month"),
                    category.name,
                    month_label(month),
                    value,
                    None,
                    None,
                    None,
                    count,
                )
            )
    for label, previous, current in (
        (_("Reports with follow-up"), d.followed_up_previous, d.followed_up),
        (_("Incidents with an outcome"), d.with_outcome_previous, d.with_outcome),
    ):
        rows.append(_share_row(outcome, label, "", d.previous.label, previous, public=public))
        rows.append(_share_row(outcome, label, "", d.period.label, current, public=public))

    for partner in d.partners:
        rows += _count_rows(cooperation, _("Reports"), partner.label, d, partner.reports, count)
        for label, previous, current in (
            (_("Median time to acknowledge"), partner.median_ack_previous, partner.median_ack),
            (_("Median time to first response"), partner.median_resp_previous, partner.median_resp),
        ):
            rows.append(
                _median_row(
                    cooperation, label, partner.label, d.previous.label, previous, public=public
                )
            )
            rows.append(
                _median_row(
                    cooperation, label, partner.label, d.period.label, current, public=public
                )
            )
        for label, previous, current in (
            (_("Acknowledged within target"), partner.ack_within_previous, partner.ack_within),
            (_("First response within target"), partner.resp_within_previous, partner.resp_within),
        ):
            rows.append(
                _share_row(
                    cooperation, label, partner.label, d.previous.label, previous, public=public
                )
            )
            rows.append(
                _share_row(
                    cooperation, label, partner.label, d.period.label, current, public=public
                )
            )

    a = d.activity
    rows += _count_rows(activity, _("Reports"), "", d, a.reports, count)
    if not public:
        rows.append(
            FigureRow(
                activity,
                _("Mean quality score of reports"),
                "",
                d.previous.label,
                _round(a.quality_previous, 1),
                None,
                None,
                a.reports.previous,
                _("score 0–100"),
            )
        )
        rows.append(
            FigureRow(
                activity,
                _("Mean quality score of reports"),
                "",
                d.period.label,
                _round(a.quality_current, 1),
                None,
                None,
                a.reports.current,
                _("score 0–100"),
            )
        )
    rows += _count_rows(activity, _("Alerts sent"), "", d, a.alerts, count)
    rows += _count_rows(activity, _("Members reached by alerts"), "", d, a.alert_recipients, count)
    rows += _count_rows(activity, _("Tips on alerts"), "", d, a.tips, count)
    rows += _count_rows(activity, _("Inquiries started"), "", d, a.inquiries, count)
    rows += _count_rows(activity, _("Doors visited"), "", d, a.doors_visited, count)
    rows += _count_rows(
        activity, _("Doors where a resident was reached"), "", d, a.doors_reached, count
    )
    rows += _count_rows(activity, _("Doors with a lead"), "", d, a.leads, count)

    m = d.members
    rows.append(
        FigureRow(
            activity, _("Communities"), "", d.period.label, m.communities, None, None, None, count
        )
    )
    if m.at_start is not None:
        rows.append(
            FigureRow(
                activity,
                _("Members at the start"),
                "",
                d.period.label,
                m.at_start,
                None,
                None,
                None,
                count,
            )
        )
    rows.append(
        FigureRow(
            activity, _("Members at the end"), "", d.period.label, m.at_end, None, None, None, count
        )
    )
    rows += _count_rows(activity, _("Members joined"), "", d, m.joined, count)
    rows += _count_rows(activity, _("Members left"), "", d, m.left, count)
    if m.retention is not None:
        rows.append(
            _share_row(activity, _("Retention"), "", d.period.label, m.retention, public=public)
        )
    if m.active is not None and m.active_share is not None:
        rows.append(
            FigureRow(
                activity,
                _("Active members (last 30 days)"),
                "",
                d.period.label,
                m.active,
                None,
                None,
                m.at_end,
                count,
            )
        )

    per_buurt = _("Per neighbourhood")
    for buurt in d.buurten:
        rows += _count_rows(per_buurt, _("Reports"), buurt.name, d, buurt.reports, count)
        rows.append(
            _share_row(
                per_buurt,
                _("Reports with follow-up"),
                buurt.name,
                d.period.label,
                buurt.followed_up,
                public=public,
            )
        )
        rows.append(
            _figure_rows(
                per_buurt, _("Feel unsafe at times"), buurt.name, d.period.label, buurt.feels_unsafe
            )
        )
        rows.append(
            _figure_rows(
                per_buurt, _("Social cohesion"), buurt.name, d.period.label, buurt.cohesion
            )
        )
    return rows


def _cells(d: Dashboard, row: FigureRow) -> list[Any]:
    return [
        _safe(d.scope.name),
        _safe(row.section),
        _safe(row.figure),
        _safe(row.breakdown),
        _safe(row.period),
        "" if row.value is None else row.value,
        "" if row.low is None else row.low,
        "" if row.high is None else row.high,
        "" if row.n is None else row.n,
        _safe(row.unit),
        _safe(row.note),
    ]


def dashboard_csv(d: Dashboard) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    for row in figure_rows(d):
        writer.writerow(_cells(d, row))
    return buffer.getvalue()


def dashboard_xlsx(d: Dashboard) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Figures")[:31])
    sheet.append(header())
    for row in figure_rows(d):
        sheet.append(_cells(d, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
