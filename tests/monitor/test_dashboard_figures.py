"""Impact dashboard figures (MON-3) against the hand-worked world of ``dashboard_world``: the
period against the previous one, the small-sample rule, grouped medians, shares, members and
retention, scoping — counted from the reports and from the refreshed monthly tallies alike."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.utils import translation

from samenveilig.monitor import services_dashboard
from samenveilig.monitor.dashboard import build_dashboard
from samenveilig.monitor.models_dashboard import ReportTally, TallyMonth
from samenveilig.monitor.selectors_dashboard import area_scope, community_scope
from tests.monitor.dashboard_world import APRIL, MARCH, NOW, World, at, build

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(town) -> World:
    return build(town)


@pytest.fixture(params=["from reports", "from tallies"])
def source(request):
    return request.param


def dashboard(world: World, source: str, scope=None, period=APRIL, **kwargs):
    if source == "from tallies":
        services_dashboard.refresh_tallies(
            months=[dt.date(2026, m, 1) for m in range(1, 6)], now=NOW
        )
    scope = scope or area_scope(world.town["municipality"])
    return build_dashboard(scope, period, now=NOW, language="en", **kwargs)


def test_the_period_is_april_compared_with_march(world, source):
    d = dashboard(world, source)
    assert (d.period, d.previous) == (APRIL, MARCH)
    assert not d.running
    if source == "from tallies":
        assert d.report_tallied_at == NOW
        assert not {dt.date(2026, 3, 1), dt.date(2026, 4, 1)} & set(d.report_live_months)
    else:
        assert d.report_tallied_at is None


def test_incidents_per_category_and_period(world, source):
    d = dashboard(world, source)
    # April: 6 single reports + 1 linked incident (A4 + A5); March: C1, C2.
    assert (d.incidents.current, d.incidents.previous) == (7, 2)
    by_name = {row.name: row.counts for row in d.categories}
    assert (by_name["Burglary"].current, by_name["Burglary"].previous) == (5, 2)
    assert (by_name["Nuisance"].current, by_name["Nuisance"].previous) == (2, 0)
    assert d.incidents.change == 5 and round(d.incidents.change_percent) == 250
    # The twelve months May 2025 … April 2026; only March and April have reports.
    assert d.chart_months[0] == dt.date(2025, 5, 1) and d.chart_months[-1] == dt.date(2026, 4, 1)
    assert d.incidents_per_month == [0] * 10 + [2, 7]


def test_a_report_sent_after_local_midnight_counts_in_the_new_month(world, source):
    """A0 was sent at 22:30 UTC on 31 March, which is 1 April in the Netherlands."""
    d = dashboard(world, source)
    nuisance = next(row for row in d.categories if row.name == "Nuisance")
    assert nuisance.counts.current == 2  # A0 and B1


def test_follow_up_and_outcome_shares(world, source):
    d = dashboard(world, source)
    assert (d.followed_up.numerator, d.followed_up.denominator) == (4, 8)
    assert d.followed_up.percent == 50
    # 6 single reports − the duplicate A6 + incident I1 = 6; with an outcome: A1 and I1.
    assert (d.with_outcome.numerator, d.with_outcome.denominator) == (2, 6)
    # March: C1 answered and closed (referred); C2 not.
    assert (d.followed_up_previous.numerator, d.followed_up_previous.denominator) == (1, 2)
    assert (d.with_outcome_previous.numerator, d.with_outcome_previous.denominator) == (1, 2)
    assert d.followed_up.small and d.with_outcome.small  # fewer than 10: labelled


def test_response_times_per_partner_with_grouped_medians(world, source):
    d = dashboard(world, source)
    police = next(p for p in d.partners if p.partner == "police")
    municipality = next(p for p in d.partners if p.partner == "municipality")
    assert (police.reports.current, police.reports.previous) == (6, 2)
    assert police.median_ack.n == 5 and police.median_ack.minutes == pytest.approx(75)
    assert police.median_resp.n == 4 and police.median_resp.minutes == pytest.approx(180)
    assert police.median_ack.text == "1 h 15 min"
    assert (police.ack_within.numerator, police.ack_within.denominator) == (4, 6)
    assert (police.resp_within.numerator, police.resp_within.denominator) == (3, 6)
    # March: C1 acknowledged after 45 min, in [45, 60): 45 + 0.5 × 15; C2 never (past due).
    assert police.median_ack_previous.minutes == pytest.approx(52.5)
    assert (police.ack_within_previous.numerator, police.ack_within_previous.denominator) == (
        1,
        2,
    )
    assert municipality.median_ack.minutes == pytest.approx(150)
    assert municipality.median_ack.small
    assert (municipality.ack_within.numerator, municipality.ack_within.denominator) == (1, 2)
    assert (municipality.resp_within.numerator, municipality.resp_within.denominator) == (0, 2)


def test_survey_figures_with_intervals_and_the_small_sample_rule(world, source):
    d = dashboard(world, source)
    s = d.surveys
    assert s.current.respondents == 12
    unsafe = s.current.feels_unsafe
    assert unsafe.shown and unsafe.n == 12 and unsafe.value == pytest.approx(0.25)
    # Wilson 95 % for 3 of 12.
    assert unsafe.low == pytest.approx(0.0889, abs=1e-3)
    assert unsafe.high == pytest.approx(0.5323, abs=1e-3)
    assert s.current.often_unsafe.value == pytest.approx(1 / 12)
    cohesion = s.current.cohesion
    # Mean 6.0; s = √(12/11); t(0.975, 11) = 2.2010 → half width 2.2010 × s / √12 = 0.6636.
    half = 2.200985 * math.sqrt(12 / 11) / math.sqrt(12)
    assert cohesion.value == pytest.approx(6.0)
    assert cohesion.low == pytest.approx(6.0 - half, abs=1e-4)
    assert cohesion.high == pytest.approx(6.0 + half, abs=1e-4)
    # March: 9 respondents, below 10 — not shown, nothing to leak.
    assert s.previous.respondents == 9
    for figure in (s.previous.feels_unsafe, s.previous.cohesion):
        assert not figure.shown and figure.value is None and figure.low is None
    # Members (8) and non-members (4) are both under 10: not shown.
    assert s.members.respondents == 8 and not s.members.feels_unsafe.shown
    assert s.non_members.respondents == 4 and not s.non_members.cohesion.shown


def test_activity_reports_quality_alerts_tips_inquiries(world, source):
    a = dashboard(world, source).activity
    assert (a.reports.current, a.reports.previous) == (8, 2)
    assert a.quality_current == pytest.approx(62.5) and a.quality_previous == pytest.approx(60)
    assert (a.tips.current, a.tips.previous) == (1, 0)
    assert (a.alerts.current, a.alerts.previous) == (1, 1)
    assert (a.alert_recipients.current, a.alert_recipients.previous) == (40, 10)
    assert (a.inquiries.current, a.inquiries.previous) == (1, 0)
    assert (a.doors_visited.current, a.doors_visited.previous) == (2, 1)
    assert (a.doors_reached.current, a.doors_reached.previous) == (1, 1)
    assert (a.leads.current, a.leads.previous) == (1, 0)


def test_members_joined_left_retention_and_active(world, source):
    m = dashboard(world, source).members
    assert m.communities == 2  # Noord and Zuid both lie in the town
    assert (m.at_start, m.at_end) == (3, 3)
    assert (m.joined.current, m.joined.previous) == (1, 1)
    assert (m.left.current, m.left.previous) == (1, 1)
    assert (m.retention.numerator, m.retention.denominator) == (2, 3)
    assert (m.active, m.active_share.denominator) == (2, 3)
    assert (m.active_since, m.active_until) == (dt.date(2026, 4, 1), dt.date(2026, 5, 1))


def test_active_members_need_activity_in_the_last_30_days(world, source):
    """In May (running until 15 May) the window is 15 April – 15 May: M1's report of 2 April and
    M7's visits of 6–7 April are older, so nobody is active."""
    from samenveilig.monitor.dashboard import Period, PeriodKind

    m = dashboard(world, source, period=Period(PeriodKind.MONTH, 2026, 5)).members
    assert m.active == 0 and m.at_end == 3


def test_the_wijk_dashboard_counts_only_its_own_buurten(world, source):
    d = dashboard(world, source, scope=area_scope(world.town["noord"]))
    # Noord: A1–A6 (A0 and B1 lie in Zuid).
    assert (d.activity.reports.current, d.activity.reports.previous) == (6, 2)
    assert [p.partner for p in d.partners] == ["police"]
    assert d.surveys.current.respondents == 12  # the Noord-West round
    assert [b.name for b in d.buurten] == ["Noord-Oost", "Noord-West"]
    assert d.members.communities == 1


def test_another_town_is_never_counted(world, source):
    d = dashboard(world, source, scope=area_scope(world.other_town))
    assert d.activity.reports.current == 1  # X1
    assert d.surveys.current.respondents == 15
    assert d.activity.alert_recipients.current == 99
    assert d.activity.inquiries.current == 0 and d.members.communities == 0


def test_per_buurt_table(world, source):
    d = dashboard(world, source)
    rows = {b.name: b for b in d.buurten}
    assert set(rows) == {"Noord-West", "Noord-Oost", "Zuid-West", "Zuid-Oost"}
    assert (rows["Noord-West"].reports.current, rows["Noord-West"].reports.previous) == (6, 0)
    assert (rows["Noord-Oost"].reports.current, rows["Noord-Oost"].reports.previous) == (0, 2)
    assert rows["Noord-West"].followed_up.numerator == 4
    assert rows["Noord-West"].feels_unsafe.shown
    assert not rows["Zuid-Oost"].feels_unsafe.shown  # no responses


def test_the_community_dashboard(world, source):
    d = dashboard(world, source, scope=community_scope(world.community))
    assert d.activity.reports.current == 6  # the community covers the wijk Noord
    assert d.surveys.current.respondents == 0  # no round of the community itself
    assert d.members.communities == 1 and d.members.at_end == 3
    assert d.activity.inquiries.current == 1


def test_a_quarter_against_the_quarter_before(world, source):
    from samenveilig.monitor.dashboard import Period, PeriodKind

    d = dashboard(world, source, period=Period(PeriodKind.QUARTER, 2026, 2))
    assert d.previous == Period(PeriodKind.QUARTER, 2026, 1)
    assert d.running  # 15 May lies in Q2
    assert (d.activity.reports.current, d.activity.reports.previous) == (8, 2)


def test_public_only_leaves_out_the_non_public_figures(world, source):
    d = dashboard(world, source, public_only=True)
    assert d.buurten == []
    assert d.surveys.members is None and d.surveys.non_members is None
    a = d.activity
    assert a.quality_current is None and a.tips is None and a.leads is None
    assert a.doors_visited is None and a.alert_recipients is None
    m = d.members
    assert m.at_end == 3 and m.joined is None and m.left is None and m.active is None
    assert m.retention is None
    # The public figures themselves are the same.
    assert d.incidents.current == 7 and d.surveys.current.feels_unsafe.shown


def test_a_report_acknowledged_after_the_refresh_shows_at_the_next_refresh(world):
    """The tallies are a snapshot: a change appears when the month is counted again."""
    services_dashboard.refresh_tallies(months=[dt.date(2026, 4, 1)], now=NOW)
    a3 = world.reports["A3"]
    a3.acknowledged_at = at(4, 10, 11)
    a3.save()
    scope = area_scope(world.town["municipality"])
    police = lambda: next(  # noqa: E731
        p for p in build_dashboard(scope, APRIL, now=NOW).partners if p.partner == "police"
    )
    assert police().median_ack.n == 5
    services_dashboard.refresh_tallies(months=[dt.date(2026, 4, 1)], now=NOW)
    assert police().median_ack.n == 6


def test_refresh_replaces_a_month_and_forget_drops_everything(world):
    month = dt.date(2026, 4, 1)
    first = services_dashboard.refresh_tallies(months=[month], now=NOW)
    rows = ReportTally.objects.filter(month=month).count()
    assert first > 0 and rows > 0
    assert services_dashboard.refresh_tallies(months=[month], now=NOW) == first
    assert ReportTally.objects.filter(month=month).count() == rows
    assert TallyMonth.objects.get(month=month).refreshed_at == NOW
    services_dashboard.forget_tallies()
    assert not ReportTally.objects.exists() and not TallyMonth.objects.exists()


def test_the_tallies_hold_no_personal_data(world):
    services_dashboard.refresh_tallies(months=[dt.date(2026, 4, 1)], now=NOW)
    field_names = {f.name for f in ReportTally._meta.get_fields()}
    assert not field_names & {"reporter", "description", "reference", "lat", "lon", "address"}


def test_an_incident_counts_once_in_the_month_of_its_first_report(world, source):
    """C1 (15 March) and a new report of 2 April are linked: one incident, in March."""
    from samenveilig.reports.models import Incident
    from tests.monitor.dashboard_world import _report

    c1 = world.reports["C1"]
    incident = Incident.objects.create(
        category=world.burglary,
        neighbourhood=c1.neighbourhood,
        lat=52.0,
        lon=5.0,
        first_observed_at=c1.submitted_at,
        last_observed_at=at(4, 2),
        report_count=2,
    )
    c1.incident = incident
    c1.save()
    _report(world.burglary, c1.neighbourhood, at(4, 2, 8), incident=incident)
    d = dashboard(world, source)
    assert (d.incidents.current, d.incidents.previous) == (7, 2)  # unchanged: still one each
    assert d.activity.reports.current == 9  # but one report more in April
    # March: C2 single without outcome, the incident with C1's outcome (referred).
    assert (d.with_outcome_previous.numerator, d.with_outcome_previous.denominator) == (1, 2)
