""" "New since you last looked" (REP-8) on both sides: the reporter's list and page show what the
partners added since the reporter last opened the report; the inbox and the handling page show
what the reporter added since anyone of the team last opened it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.privacy import subject
from samenveilig.privacy.purge import purge_reporter_identity
from samenveilig.reports.incidents import incident_for
from samenveilig.reports.models import EventKind, Report, ReportEvent, ReportStatus
from samenveilig.reports.services import abuse as abuse_services
from samenveilig.reports.services import lifecycle
from samenveilig.reports.services import reporter as reporter_services
from tests.conftest import login
from tests.factories import UserFactory, grant
from tests.reports.partner.factories import ReportFactory

pytestmark = pytest.mark.django_db

MY_REPORTS = "/meldingen/mijn/"
INBOX = "/meldingen/inbox/"
NEWS_BADGE = '<span class="badge badge--warn">New update</span>'
INBOX_BADGE = '<span class="badge badge--warn">New information</span>'
NEW_STEP = '<span class="badge badge--warn">New</span>'


@pytest.fixture
def report(town, reporter):
    return ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)


def detail_url(report):
    return reverse("reports:detail", kwargs={"reference": report.reference})


def handle_url(report):
    return reverse("reports:handle", kwargs={"reference": report.reference})


def fresh(report):
    return Report.objects.get(pk=report.pk)


# --- the reporter's side --------------------------------------------------------------------------


def test_a_new_report_has_no_news_for_anyone(report):
    assert not report.has_news_for_reporter
    assert not report.has_news_for_partner


@pytest.mark.parametrize(
    "act",
    [
        lambda actor, r: lifecycle.report_acknowledge(actor=actor, report=r),
        lambda actor, r: lifecycle.report_ask_reporter(actor=actor, report=r, text="Welke kant?"),
        lambda actor, r: lifecycle.report_start(actor=actor, report=r, note="We gaan kijken."),
    ],
    ids=["acknowledge", "ask", "start"],
)
def test_every_step_the_reporter_may_read_is_news_for_them(report, police_noord, act):
    act(police_noord, report)
    stored = fresh(report)
    event = ReportEvent.objects.filter(report=report).latest("id")
    assert stored.reporter_news_at == event.created_at
    assert stored.has_news_for_reporter
    assert not stored.has_news_for_partner  # the partner's own step is not news to them


def test_a_step_kept_from_the_reporter_is_not_news(report, police_noord):
    # Forwarding writes a step the reporter sees and a note for the receiving partner only.
    lifecycle.report_forward(
        actor=police_noord, report=report, to_partner="municipality", note="Voor de gemeente."
    )
    forwarded = ReportEvent.objects.get(report=report, kind=EventKind.FORWARDED)
    note = ReportEvent.objects.get(report=report, visible_to_reporter=False)
    assert note.created_at > forwarded.created_at
    assert fresh(report).reporter_news_at == forwarded.created_at


def test_a_full_save_after_the_step_keeps_the_news(report, police_noord):
    updated = lifecycle.report_acknowledge(actor=police_noord, report=report)
    updated.save()  # a later full save of the instance the action returned
    assert fresh(report).has_news_for_reporter


def test_a_misuse_mark_is_news_for_the_reporter(report, police_noord):
    abuse_services.report_flag_abuse(actor=police_noord, report=report, reason="spam", note="")
    assert fresh(report).has_news_for_reporter


def test_the_list_shows_which_reports_have_news_and_how_many(client, reporter, report, town):
    quiet = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    Report.objects.filter(pk=report.pk).update(reporter_news_at=timezone.now())
    login(client, reporter)
    page = client.get(MY_REPORTS).content.decode()
    row_of = {r: page.split(r.reference, 1)[1].split("</th>", 1)[0] for r in (report, quiet)}
    assert NEWS_BADGE in row_of[report]
    assert NEWS_BADGE not in row_of[quiet]
    assert "One report has news since you last looked at it." in page


def test_opening_the_report_marks_the_news_seen_and_flags_the_new_steps(
    client, reporter, report, police_noord
):
    lifecycle.report_acknowledge(actor=police_noord, report=report)
    login(client, reporter)
    first = client.get(detail_url(report)).content.decode()
    assert first.count(NEW_STEP) == 1  # the acknowledgement; the reporter's own submission not
    stored = fresh(report)
    assert stored.reporter_seen_at is not None and not stored.has_news_for_reporter
    assert NEWS_BADGE not in client.get(MY_REPORTS).content.decode()
    assert NEW_STEP not in client.get(detail_url(report)).content.decode()
    # The next step is new again, and only that one.
    lifecycle.report_ask_reporter(actor=police_noord, report=fresh(report), text="Welke kant?")
    again = client.get(detail_url(report)).content.decode()
    assert again.count(NEW_STEP) == 1
    assert again.index(NEW_STEP) > again.index("Welke kant?") - 400


def test_someone_else_opening_the_report_does_not_mark_it_seen(
    client, resident, report, police_noord
):
    lifecycle.report_acknowledge(actor=police_noord, report=report)
    login(client, resident)
    assert client.get(detail_url(report)).status_code == 404
    assert fresh(report).reporter_seen_at is None
    assert fresh(report).has_news_for_reporter


def test_the_reporter_adding_information_is_not_news_for_themselves(report, reporter):
    reporter_services.report_add_information(reporter=reporter, report=report, text="Nog iets.")
    stored = fresh(report)
    assert not stored.has_news_for_reporter
    assert stored.has_news_for_partner


# --- the partner's side ---------------------------------------------------------------------------


def test_the_inbox_shows_new_information_until_someone_of_the_team_opens_it(
    client, report, reporter, police_noord, town
):
    other = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    reporter_services.report_add_information(reporter=reporter, report=report, text="Nog iets.")
    login(client, police_noord, with_mfa=True)
    page = client.get(INBOX).content.decode()
    row_of = {
        r: page.split(r.reference + "</a>", 1)[1].split("</th>", 1)[0] for r in (report, other)
    }
    assert INBOX_BADGE in row_of[report]
    assert INBOX_BADGE not in row_of[other]

    handled = client.get(handle_url(report)).content.decode()
    assert handled.count(NEW_STEP) == 1  # the addition, not the submission
    stored = fresh(report)
    assert stored.partner_seen_at is not None and not stored.has_news_for_partner
    assert INBOX_BADGE not in client.get(INBOX).content.decode()
    assert NEW_STEP not in client.get(handle_url(report)).content.decode()


def test_the_team_shares_what_it_has_seen(client, report, reporter, police_noord, town):
    colleague = UserFactory(language="en")
    grant(colleague, Role.POLICE, town["noord"])
    reporter_services.report_add_information(reporter=reporter, report=report, text="Nog iets.")
    login(client, colleague, with_mfa=True)
    assert client.get(handle_url(report)).status_code == 200
    client.logout()
    login(client, police_noord, with_mfa=True)
    assert INBOX_BADGE not in client.get(INBOX).content.decode()


def test_a_partner_who_may_not_handle_it_does_not_mark_it_seen(
    client, report, reporter, municipality
):
    # The report is routed to the police; the municipality of the same area does not handle it.
    reporter_services.report_add_information(reporter=reporter, report=report, text="Nog iets.")
    login(client, municipality, with_mfa=True)
    assert client.get(handle_url(report)).status_code in (403, 404)
    assert fresh(report).partner_seen_at is None


def test_a_partner_elsewhere_does_not_mark_it_seen(client, report, reporter, police_zuid):
    reporter_services.report_add_information(reporter=reporter, report=report, text="Nog iets.")
    login(client, police_zuid, with_mfa=True)
    assert client.get(handle_url(report)).status_code in (403, 404)
    assert fresh(report).partner_seen_at is None


def test_the_incidents_tab_shows_new_information(client, report, reporter, police_noord):
    second = ReportFactory(
        neighbourhood=report.neighbourhood, reporter=reporter, category=report.category
    )
    # The two reports join one incident the way intake does it.
    assert incident_for(second) is not None
    reporter_services.report_add_information(reporter=reporter, report=report, text="Nog iets.")
    login(client, police_noord, with_mfa=True)
    page = client.get(INBOX, {"view": "incidents"}).content.decode()
    assert page.count(INBOX_BADGE) == 1


# --- privacy ------------------------------------------------------------------------------------


def test_erasure_removes_when_the_reporter_looked(report, reporter, police_noord):
    lifecycle.report_acknowledge(actor=police_noord, report=report)
    reporter_services.mark_seen_by_reporter(fresh(report))
    subject.erase_user(user=reporter, actor=None)
    stored = fresh(report)
    assert stored.reporter_id is None and stored.reporter_seen_at is None


def test_the_identity_purge_removes_when_the_reporter_looked(report, police_noord):
    lifecycle.report_close(actor=police_noord, report=report, outcome="solved", note="")
    reporter_services.mark_seen_by_reporter(fresh(report))
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.CLOSED, closed_at=timezone.now() - timedelta(days=3650)
    )
    purge_reporter_identity()
    stored = fresh(report)
    assert stored.reporter_id is None and stored.reporter_seen_at is None


def test_every_page_counts_the_reports_with_news_in_the_navigation(
    client, reporter, report, town, police_noord
):
    second = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)  # nothing new
    for each in (report, second):
        lifecycle.report_acknowledge(actor=police_noord, report=each)
    login(client, reporter)
    nav = client.get("/").content.decode().split("</nav>", 1)[0]
    assert "My reports <span" in nav and "2 with news" in nav
    client.get(detail_url(report))
    nav = client.get("/").content.decode().split("</nav>", 1)[0]
    assert "1 with news" in nav
    client.get(detail_url(second))
    nav = client.get("/").content.decode().split("</nav>", 1)[0]
    assert "with news" not in nav
    # Someone else's news is not counted for this user.
    client.logout()
    login(client, police_noord, with_mfa=True)
    assert "with news" not in client.get("/").content.decode()


def test_after_a_forward_only_the_side_that_handles_it_clears_the_mark(
    client, report, reporter, police_noord, municipality
):
    lifecycle.report_forward(
        actor=police_noord, report=report, to_partner="municipality", note="Voor de gemeente."
    )
    reporter_services.report_add_information(reporter=reporter, report=report, text="Nog iets.")
    # The police can still open it, but its look must not hide the answer from the municipality.
    login(client, police_noord, with_mfa=True)
    assert client.get(handle_url(report)).status_code == 200
    assert fresh(report).has_news_for_partner
    client.logout()
    login(client, municipality, with_mfa=True)
    assert INBOX_BADGE in client.get(INBOX).content.decode()
    assert NEW_STEP in client.get(handle_url(report)).content.decode()
    assert not fresh(report).has_news_for_partner


def test_opening_a_page_without_news_writes_nothing(client, report, reporter, police_noord):
    login(client, reporter)
    assert client.get(detail_url(report)).status_code == 200
    client.logout()
    login(client, police_noord, with_mfa=True)
    assert client.get(handle_url(report)).status_code == 200
    stored = fresh(report)
    assert stored.reporter_seen_at is None and stored.partner_seen_at is None
