"""The impact dashboard as sections of blocks: each block a chart (SVG) with its data table and a
short explanation of how the figure is computed. The page and the PDF impact report render the
same blocks, so they show the same figures with the same words.

A figure from fewer than 10 respondents is written as "not shown"; a share or median from fewer
than 10 cases gets "small sample" on the dashboard and is not shown on the public page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samenveilig.monitor import charts_dashboard as charts
from samenveilig.monitor.dashboard import (
    Compared,
    Dashboard,
    Median,
    Share,
    SurveyStats,
    explanation,
    month_label,
    month_short_label,
)
from samenveilig.monitor.scoring import MIN_RESPONDENTS, Figure


@dataclass(frozen=True)
class Cell:
    text: str
    header: bool = False  # a row header (<th scope="row">)
    badge: str = ""  # "small sample" and the like, shown next to the text


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Block:
    key: str
    title: str
    table: Table
    chart: SafeString | None = None
    explanation: str = ""


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]
    intro: str = ""


# --- number texts --------------------------------------------------------------------------------


_separators: dict[str, tuple[str, str]] = {}


def _number_separators() -> tuple[str, str]:
    """(decimal, thousands) separators of the active language, looked up once per language."""
    language = get_language() or "nl"
    found = _separators.get(language)
    if found is None:
        found = _separators[language] = (
            str(get_format("DECIMAL_SEPARATOR")),
            str(get_format("THOUSAND_SEPARATOR")),
        )
    return found


def num(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """The value rounded half up to ``decimals`` places, grouped in thousands, in the active
    language's notation (``12.345,5`` in Dutch, ``12,345.5`` in English)."""
    if value is None:
        return "—"
    exponent = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)
    decimal_sep, thousands_sep = _number_separators()
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", decimal_sep).replace("\x00", thousands_sep)


def not_shown(n: int) -> str:
    if n == 0:
        return _("no responses")
    return _("not shown (fewer than %(min)d respondents)") % {"min": MIN_RESPONDENTS}


def figure_text(figure: Figure) -> str:
    """``34% (28–41%)`` or ``6.2 (5.9–6.5)``, or why it is not shown."""
    if not figure.shown:
        return not_shown(figure.n)
    if figure.kind == "proportion":
        return f"{num(figure.value * 100)}% ({num(figure.low * 100)}–{num(figure.high * 100)}%)"
    return f"{num(figure.value, 1)} ({num(figure.low, 1)}–{num(figure.high, 1)})"


def share_cell(share: Share | None, *, public: bool = False) -> Cell:
    if share is None or share.value is None:
        return Cell("—")
    if share.small and public:
        return Cell(_("not shown (small sample)"))
    text = _("%(percent)s%% of %(n)s") % {
        "percent": num(share.percent),
        "n": num(share.denominator),
    }
    return Cell(text, badge=_("small sample") if share.small else "")


def median_cell(median: Median, *, public: bool = False) -> Cell:
    if median.minutes is None:
        return Cell("—")
    if median.small and public:
        return Cell(_("not shown (small sample)"))
    return Cell(median.text, badge=_("small sample") if median.small else "")


def change_text(counted: Compared) -> str:
    sign = "+" if counted.change > 0 else ""
    text = f"{sign}{num(counted.change)}"
    if counted.change_percent is not None:
        text += f" ({sign}{num(counted.change_percent)}%)"
    return text


def _count_row(label: str, counted: Compared | None) -> list[Cell] | None:
    if counted is None:
        return None
    return [
        Cell(label, header=True),
        Cell(num(counted.previous)),
        Cell(num(counted.current)),
        Cell(change_text(counted)),
    ]


# --- blocks --------------------------------------------------------------------------------------


def _period_head(d: Dashboard, first: str) -> list[str]:
    return [first, d.previous.label, d.period.label]


def _survey_block(d: Dashboard) -> Block:
    s = d.surveys
    head = [_("Figure"), d.previous.label, d.period.label]
    table = Table(
        _("Feelings of safety and social cohesion (%(ci)s interval)") % {"ci": "95%"}, head
    )

    def row(label: str, previous: Figure, current: Figure) -> list[Cell]:
        return [Cell(label, header=True), Cell(figure_text(previous)), Cell(figure_text(current))]

    table.rows += [
        row(_("Feel unsafe at times"), s.previous.feels_unsafe, s.current.feels_unsafe),
        row(_("Often feel unsafe"), s.previous.often_unsafe, s.current.often_unsafe),
        row(_("Social cohesion (0–10)"), s.previous.cohesion, s.current.cohesion),
        [
            Cell(_("Respondents"), header=True),
            Cell(num(s.previous.respondents)),
            Cell(num(s.current.respondents)),
        ],
    ]

    def bar(figure: Figure, scale: float = 1.0) -> charts.Bar:
        if not figure.shown:
            return charts.Bar(None, not_shown(figure.n))
        decimals = 0 if figure.kind == "proportion" else 1
        suffix = "%" if figure.kind == "proportion" else ""
        return charts.Bar(
            figure.value * scale,
            f"{num(figure.value * scale, decimals)}{suffix}",
            figure.low * scale,
            figure.high * scale,
        )

    chart_unsafe = charts.paired_bars(
        _("Feel unsafe at times (%(unit)s), with %(ci)s interval") % {"unit": "%", "ci": "95%"},
        [
            (
                _("Feel unsafe at times"),
                bar(s.previous.feels_unsafe, 100),
                bar(s.current.feels_unsafe, 100),
            ),
            (
                _("Often feel unsafe"),
                bar(s.previous.often_unsafe, 100),
                bar(s.current.often_unsafe, 100),
            ),
        ],
        scale_max=100,
    )
    chart_cohesion = charts.paired_bars(
        _("Social cohesion (0–10), with %(ci)s interval") % {"ci": "95%"},
        [(_("Social cohesion"), bar(s.previous.cohesion), bar(s.current.cohesion))],
        scale_max=10,
    )
    return Block(
        "safety",
        _("Feelings of safety and cohesion"),
        table,
        charts.join([chart_unsafe, chart_cohesion]),
        explanation("feels_unsafe", "cohesion"),
    )


def _member_split_block(d: Dashboard) -> Block | None:
    s = d.surveys
    if s.members is None or s.non_members is None:
        return None
    table = Table(
        _("Members of a community and other residents, %(period)s (%(ci)s interval)")
        % {"period": d.period.label, "ci": "95%"},
        [_("Figure"), _("Members of a community"), _("Not a member")],
    )

    def row(label: str, member: Figure, other: Figure) -> list[Cell]:
        return [Cell(label, header=True), Cell(figure_text(member)), Cell(figure_text(other))]

    members: SurveyStats = s.members
    others: SurveyStats = s.non_members
    table.rows += [
        row(_("Feel unsafe at times"), members.feels_unsafe, others.feels_unsafe),
        row(_("Social cohesion (0–10)"), members.cohesion, others.cohesion),
        [
            Cell(_("Respondents"), header=True),
            Cell(num(members.respondents)),
            Cell(num(others.respondents)),
        ],
    ]
    return Block(
        "members-vs-residents",
        _("Members and other residents compared"),
        table,
        None,
        _(
            "Respondents of a members' survey count as members unless they said they are not; "
            "respondents of a resident survey as they answered."
        ),
    )


def _incident_blocks(d: Dashboard) -> list[Block]:
    head = [_("Category"), d.previous.label, d.period.label, _("Change")]
    table = Table(_("Incidents per category"), head)
    for category in d.categories:
        table.rows.append(_count_row(category.name, category.counts))
    table.rows.append(_count_row(_("All categories"), d.incidents))
    chart = charts.paired_bars(
        _("Incidents per category"),
        [
            (
                c.name,
                charts.Bar(c.counts.previous, num(c.counts.previous)),
                charts.Bar(c.counts.current, num(c.counts.current)),
            )
            for c in d.categories
        ],
    )
    per_category = Block(
        "incidents", _("Incidents per category"), table, chart, explanation("incidents")
    )

    labels = [month_short_label(m) for m in d.chart_months]
    over_time = Table(
        _("Incidents per month and category"),
        [_("Category"), *(month_label(m) for m in d.chart_months)],
    )
    for category in d.categories:
        over_time.rows.append(
            [Cell(category.name, header=True), *(Cell(num(v)) for v in category.per_month)]
        )
    over_time.rows.append(
        [Cell(_("All categories"), header=True), *(Cell(num(v)) for v in d.incidents_per_month)]
    )
    chart_total = charts.columns(_("Incidents per month"), d.incidents_per_month, labels)
    chart_categories = (
        charts.small_multiples(
            _("Incidents per month, per category"),
            [(c.name, c.per_month) for c in d.categories],
            [month_label(d.chart_months[0]), month_label(d.chart_months[-1])]
            if d.chart_months
            else [],
        )
        if d.categories
        else None
    )
    parts = [chart_total] + ([chart_categories] if chart_categories else [])
    trend = Block(
        "incidents-over-time",
        _("Incidents over time"),
        over_time,
        charts.join(parts),
        _("The twelve months up to the end of the period."),
    )
    return [per_category, trend]


def _shares_block(d: Dashboard) -> Block:
    public = d.public_only
    table = Table(_("Follow-up and outcome"), [_("Figure"), d.previous.label, d.period.label])
    table.rows += [
        [
            Cell(_("Reports with follow-up"), header=True),
            share_cell(d.followed_up_previous, public=public),
            share_cell(d.followed_up, public=public),
        ],
        [
            Cell(_("Incidents with an outcome"), header=True),
            share_cell(d.with_outcome_previous, public=public),
            share_cell(d.with_outcome, public=public),
        ],
    ]

    def bar(share: Share) -> charts.Bar:
        if share.value is None or (share.small and public):
            return charts.Bar(None, "—" if share.value is None else _("not shown"))
        return charts.Bar(share.percent, f"{num(share.percent)}%")

    chart = charts.paired_bars(
        _("Follow-up and outcome (%(unit)s)") % {"unit": "%"},
        [
            (_("Reports with follow-up"), bar(d.followed_up_previous), bar(d.followed_up)),
            (_("Incidents with an outcome"), bar(d.with_outcome_previous), bar(d.with_outcome)),
        ],
        scale_max=100,
    )
    return Block(
        "follow-up",
        _("Follow-up and outcome"),
        table,
        chart,
        explanation("followed_up", "with_outcome"),
    )


def _cooperation_block(d: Dashboard) -> Block:
    public = d.public_only
    table = Table(
        _("Response times per partner"),
        [
            _("Partner"),
            _("Period"),
            _("Reports"),
            _("Median time to acknowledge"),
            _("Acknowledged within target"),
            _("Median time to first response"),
            _("First response within target"),
        ],
    )
    for p in d.partners:
        for period, reports, mack, ack, mresp, resp in (
            (
                d.previous.label,
                p.reports.previous,
                p.median_ack_previous,
                p.ack_within_previous,
                p.median_resp_previous,
                p.resp_within_previous,
            ),
            (
                d.period.label,
                p.reports.current,
                p.median_ack,
                p.ack_within,
                p.median_resp,
                p.resp_within,
            ),
        ):
            table.rows.append(
                [
                    Cell(p.label, header=True),
                    Cell(period),
                    Cell(num(reports)),
                    median_cell(mack, public=public),
                    share_cell(ack, public=public),
                    median_cell(mresp, public=public),
                    share_cell(resp, public=public),
                ]
            )

    def hours(median: Median) -> charts.Bar:
        if median.minutes is None or (median.small and public):
            return charts.Bar(None, "—")
        return charts.Bar(median.minutes / 60, median.text)

    rows = []
    for p in d.partners:
        rows.append(
            (
                _("%(partner)s: acknowledge") % {"partner": p.label},
                hours(p.median_ack_previous),
                hours(p.median_ack),
            )
        )
        rows.append(
            (
                _("%(partner)s: first response") % {"partner": p.label},
                hours(p.median_resp_previous),
                hours(p.median_resp),
            )
        )
    chart = charts.paired_bars(_("Median response times per partner (hours)"), rows)
    return Block(
        "response-times",
        _("Response times per partner"),
        table,
        chart if rows else None,
        explanation("response_times"),
    )


def _activity_blocks(d: Dashboard) -> list[Block]:
    a = d.activity
    head = [_("Figure"), d.previous.label, d.period.label, _("Change")]
    reports = Table(_("Reports, alerts and tips"), list(head))
    for label, counted in (
        (_("Reports"), a.reports),
        (_("Alerts sent"), a.alerts),
        (_("Members reached by alerts"), a.alert_recipients),
        (_("Tips on alerts"), a.tips),
    ):
        row = _count_row(label, counted)
        if row:
            reports.rows.append(row)
    if not d.public_only:
        reports.rows.append(
            [
                Cell(_("Mean quality score (0–100)"), header=True),
                Cell(num(a.quality_previous)),
                Cell(num(a.quality_current)),
                Cell(""),
            ]
        )
    chart_rows = [
        (label, charts.Bar(c.previous, num(c.previous)), charts.Bar(c.current, num(c.current)))
        for label, c in (
            (_("Reports"), a.reports),
            (_("Alerts sent"), a.alerts),
            (_("Tips"), a.tips),
        )
        if c is not None
    ]
    blocks = [
        Block(
            "reports",
            _("Reports, alerts and tips"),
            reports,
            charts.paired_bars(_("Reports, alerts and tips"), chart_rows),
            explanation("reports"),
        )
    ]
    inquiries = Table(_("Neighbourhood inquiries"), list(head))
    for label, counted in (
        (_("Inquiries started"), a.inquiries),
        (_("Doors visited"), a.doors_visited),
        (_("Doors where a resident was reached"), a.doors_reached),
        (_("Doors with a lead"), a.leads),
    ):
        row = _count_row(label, counted)
        if row:
            inquiries.rows.append(row)
    blocks.append(
        Block(
            "inquiries",
            _("Neighbourhood inquiries"),
            inquiries,
            None,
            explanation("inquiries"),
        )
    )
    m = d.members
    members = Table(_("Members and retention"), [_("Figure"), d.period.label])
    members.rows.append([Cell(_("Communities"), header=True), Cell(num(m.communities))])
    if m.at_start is not None:
        members.rows.append([Cell(_("Members at the start"), header=True), Cell(num(m.at_start))])
    members.rows.append([Cell(_("Members at the end"), header=True), Cell(num(m.at_end))])
    if m.joined is not None and m.left is not None:
        members.rows.append([Cell(_("Joined"), header=True), Cell(num(m.joined.current))])
        members.rows.append([Cell(_("Left"), header=True), Cell(num(m.left.current))])
    if m.retention is not None:
        members.rows.append([Cell(_("Retention"), header=True), share_cell(m.retention)])
    if m.active is not None:
        members.rows.append(
            [
                Cell(
                    _("Active in the last 30 days (%(since)s – %(until)s)")
                    % {"since": m.active_since, "until": m.active_until},
                    header=True,
                ),
                share_cell(m.active_share),
            ]
        )
    chart = None
    if m.joined is not None and m.left is not None:
        chart = charts.paired_bars(
            _("Members joined and left"),
            [
                (
                    _("Joined"),
                    charts.Bar(m.joined.previous, num(m.joined.previous)),
                    charts.Bar(m.joined.current, num(m.joined.current)),
                ),
                (
                    _("Left"),
                    charts.Bar(m.left.previous, num(m.left.previous)),
                    charts.Bar(m.left.current, num(m.left.current)),
                ),
            ],
        )
    blocks.append(
        Block("members", _("Members and retention"), members, chart, explanation("members"))
    )
    return blocks


def _buurt_block(d: Dashboard) -> Block | None:
    if not d.buurten:
        return None
    table = Table(
        _("Per neighbourhood, %(period)s") % {"period": d.period.label},
        [
            _("Neighbourhood"),
            _("Reports (previous period)"),
            _("Reports"),
            _("Reports with follow-up"),
            _("Feel unsafe at times"),
            _("Social cohesion (0–10)"),
        ],
    )
    for b in d.buurten:
        table.rows.append(
            [
                Cell(b.name, header=True),
                Cell(num(b.reports.previous)),
                Cell(num(b.reports.current)),
                share_cell(b.followed_up),
                Cell(figure_text(b.feels_unsafe)),
                Cell(figure_text(b.cohesion)),
            ]
        )
    return Block("per-buurt", _("Per neighbourhood"), table, None, explanation("buurten"))


def dashboard_sections(d: Dashboard) -> list[Section]:
    """Outcome first, then cooperation, then activity (and per buurt on the dashboard)."""
    outcome = [_survey_block(d)]
    split = _member_split_block(d)
    if split:
        outcome.append(split)
    outcome += _incident_blocks(d)
    outcome.append(_shares_block(d))
    sections = [
        Section("outcome", _("1. Outcome"), outcome),
        Section("cooperation", _("2. Cooperation"), [_cooperation_block(d)]),
        Section("activity", _("3. Activity"), _activity_blocks(d)),
    ]
    buurt = _buurt_block(d)
    if buurt:
        sections.append(Section("per-buurt", _("4. Per neighbourhood"), [buurt]))
    return sections
