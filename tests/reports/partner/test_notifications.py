"""E-mails to the reporter (in their language, no text of anyone) and overdue reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from samenveilig.reports.models import Outcome, Partner, ReportStatus
from samenveilig.reports.notifications import (
    partner_report_url,
    reporter_report_url,
    send_overdue_reminders,
    send_partner_update,
)
from samenveilig.reports.services import lifecycle
from samenveilig.reports.services.reporter import report_add_information
from tests.reports.partner.factories import PersonDescriptionFactory, ReportFactory

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Geheime tekst van de melder over nummer 12"
QUESTION = "Had de man een rugzak bij zich?"


@pytest.fixture
def report(town, reporter):
    report = ReportFactory(
        neighbourhood=town["noord_west"], reporter=reporter, description=SECRET_TEXT
    )
    PersonDescriptionFactory(report=report, top="Rode jas van de verdachte")
    return report


def assert_clean(mail, report):
    body = mail.subject + mail.body
    for private in (
        SECRET_TEXT,
        QUESTION,
        "Rode jas",
        "Agent Noord",
        "melder.jansen@example.test",
    ):
        assert private not in body
    assert reporter_report_url(report.reference) in mail.body
    assert report.reference in mail.subject


def test_link_points_to_the_reporters_page(settings):
    settings.SITE_URL = "https://samenveilig.example"
    assert reporter_report_url("M-ABCDEFGH") == "https://samenveilig.example/meldingen/M-ABCDEFGH/"


def test_each_visible_step_mails_the_reporter(
    report, reporter, police_noord, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_acknowledge(actor=police_noord, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_ask_reporter(actor=police_noord, report=report, text=QUESTION)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_close(
            actor=police_noord, report=report, outcome=Outcome.SOLVED, note="Opgelost."
        )
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_thank(actor=police_noord, report=report, text="Top!")
    assert len(mailoutbox) == 4
    for mail in mailoutbox:
        assert mail.to == [reporter.email]
        assert_clean(mail, report)
        assert "Opgelost." not in mail.body and "Top!" not in mail.body
    assert "received" in mailoutbox[0].body
    assert "question" in mailoutbox[1].body
    assert "Outcome: Solved" in mailoutbox[2].body
    assert "helped" in mailoutbox[3].subject


def test_forward_mail_does_not_carry_the_partner_note(
    report, police_noord, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_forward(
            actor=police_noord, report=report, to_partner=Partner.MUNICIPALITY, note="Interne info"
        )
    assert len(mailoutbox) == 1
    assert "Interne info" not in mailoutbox[0].body
    assert_clean(mailoutbox[0], report)


def test_mail_in_the_reporters_language(
    report, reporter, police_noord, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    # The Dutch catalogue is compiled by the lead; check the language active while writing.
    from django.utils import translation

    from samenveilig.reports import notifications

    seen = []
    original = notifications._reporter_mail

    def spy(event):
        seen.append(translation.get_language())
        return original(event)

    monkeypatch.setattr(notifications, "_reporter_mail", spy)
    reporter.language = "nl"
    reporter.save()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_acknowledge(actor=police_noord, report=report)
    assert seen == ["nl"] and len(mailoutbox) == 1
    assert translation.get_language() == "en"


def test_reporter_answer_mails_the_partner_not_the_reporter(
    report,
    reporter,
    police_noord,
    police_zuid,
    municipality,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    lifecycle.report_ask_reporter(actor=police_noord, report=report, text=QUESTION)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_add_information(reporter=reporter, report=report, text=SECRET_TEXT)
    # Only the wijkagent of this buurt: not the other wijk's, not the municipality (not its side).
    assert [mail.to for mail in mailoutbox] == [[police_noord.email]]
    (mail,) = mailoutbox
    assert report.reference in mail.subject
    assert partner_report_url(report.reference) in mail.body
    assert_clean(mail, report)


def test_partner_mail_in_the_partners_language(
    report, reporter, police_noord, mailoutbox, django_capture_on_commit_callbacks
):
    police_noord.language = "nl"
    police_noord.save()
    with django_capture_on_commit_callbacks(execute=True):
        report_add_information(reporter=reporter, report=report, text="Nog iets.")
    (mail,) = mailoutbox
    assert mail.body.startswith("Hallo") and "melder" in mail.subject.lower()
    assert translation.get_language() == "en"


def test_forwarded_report_mails_the_side_it_was_forwarded_to(
    report, reporter, police_noord, municipality, mailoutbox, django_capture_on_commit_callbacks
):
    lifecycle.report_forward(
        actor=police_noord, report=report, to_partner=Partner.MUNICIPALITY, note="Voor de gemeente."
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_add_information(reporter=reporter, report=report, text="Nog iets.")
    assert [mail.to for mail in mailoutbox] == [[municipality.email]]


def test_no_partner_mail_while_waiting_for_a_coordinator(
    town, reporter, police_noord, mailoutbox, django_capture_on_commit_callbacks
):
    waiting = ReportFactory(
        neighbourhood=town["noord_west"], reporter=reporter, status=ReportStatus.PENDING_MODERATION
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_add_information(reporter=reporter, report=waiting, text="Nog iets.")
    assert mailoutbox == []
    assert send_partner_update(event_id=999_999) == 0


def test_report_without_an_account_gets_no_mail(
    town, police_noord, mailoutbox, django_capture_on_commit_callbacks
):
    report = ReportFactory(neighbourhood=town["noord_west"], reporter=None)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.report_acknowledge(actor=police_noord, report=report)
    assert mailoutbox == []


def test_overdue_reminders_count_per_partner(town, police_noord, police_zuid, mailoutbox):
    old = timezone.now() - timedelta(days=3)
    ReportFactory(neighbourhood=town["noord_west"], submitted_at=old, description=SECRET_TEXT)
    ReportFactory(neighbourhood=town["noord_oost"], submitted_at=old)
    ReportFactory(neighbourhood=town["noord_oost"])  # not overdue yet
    assert send_overdue_reminders() == 1  # police_zuid has none
    mail = mailoutbox[0]
    assert mail.to == [police_noord.email]
    assert "2 reports" in mail.body and "/meldingen/inbox/?view=overdue" in mail.body
    assert SECRET_TEXT not in mail.body


def test_management_command_sends_reminders(town, police_noord, mailoutbox):
    ReportFactory(neighbourhood=town["noord_west"], submitted_at=timezone.now() - timedelta(days=3))
    call_command("report_reminders")
    assert len(mailoutbox) == 1 and "1 report in your inbox" in mailoutbox[0].body
