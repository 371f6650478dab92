"""REP-10 abuse reporting for reports: partners and coordinators mark a report as misuse of the
platform; the reporter is told why; profiling removes the person's appearance; repeated marks
make every new report of that reporter wait for a coordinator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole, MembershipStatus
from samenveilig.core.models import AuditEvent
from samenveilig.privacy import subject
from samenveilig.privacy.purge import purge_closed_reports
from samenveilig.reports.models import (
    AbuseReason,
    EventKind,
    PersonDescription,
    ReportAbuse,
    ReportEvent,
    ReportStatus,
)
from samenveilig.reports.services import abuse
from samenveilig.reports.services.submission import report_submit
from samenveilig.reports.types import ReportActionError
from tests.conftest import login
from tests.factories import CommunityFactory, MembershipFactory, grant
from tests.reports.intake.conftest import category, report_input
from tests.reports.partner.conftest import _user
from tests.reports.partner.factories import PersonDescriptionFactory, ReportFactory

pytestmark = pytest.mark.django_db

PROFILED = {
    "sex": "man",
    "age_min": 16,
    "age_max": 20,
    "height_min_cm": 170,
    "skin_colour": "donker",
    "hair_colour": "zwart",
    "hair_style": "kort",
    "beard": "baardje",
    "glasses": "nee",
    "top": "trainingsjack",
    "bottom": "joggingbroek",
    "shoes": "sneakers",
    "headwear": "pet",
    "features": "tatoeage op de hand",
    "build": "slank",
    "direction": "richting station",
    "transport": "te voet",
}


def _coordinator(area):
    membership = MembershipFactory(
        community=CommunityFactory(areas=[area]),
        user=_user(display_name="Coordinator"),
        role=MembershipRole.COORDINATOR,
        status=MembershipStatus.VERIFIED,
    )
    return membership.user


@pytest.fixture
def coordinator_zuid(town):
    return _coordinator(town["zuid"])


@pytest.fixture
def report(town, reporter):
    report = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    PersonDescriptionFactory(report=report, behaviour="Stond op de hoek.", **PROFILED)
    return report


@pytest.fixture
def pending(town, reporter):
    return ReportFactory(
        neighbourhood=town["noord_west"],
        reporter=reporter,
        status=ReportStatus.PENDING_MODERATION,
    )


def flag_url(report):
    return reverse("reports:flag_abuse", kwargs={"reference": report.reference})


def moderation_flag_url(report):
    return reverse("reports:moderation_flag_abuse", kwargs={"reference": report.reference})


def _flag_for(reporter, town, *, days_ago=0):
    """A flagged report of ``reporter``, marked ``days_ago`` days ago."""
    flagged = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    police = _user()
    grant(police, Role.POLICE, town["noord"])
    flag = abuse.report_flag_abuse(actor=police, report=flagged, reason=AbuseReason.SPAM)
    if days_ago:
        ReportAbuse.objects.filter(pk=flag.pk).update(
            flagged_at=timezone.now() - timedelta(days=days_ago)
        )
    return flag


# --- the service ---------------------------------------------------------------------------------


def test_a_partner_marks_a_report_the_reporter_is_told_and_it_is_audited(
    report, reporter, police_noord, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flag = abuse.report_flag_abuse(
            actor=police_noord,
            report=report,
            reason=AbuseReason.HARASSMENT,
            note="  Derde melding over dezelfde buurman deze week.  ",
        )
    assert flag.side == "police" and flag.flagged_by == police_noord
    assert flag.reporter == reporter
    assert flag.note == "Derde melding over dezelfde buurman deze week."
    event = ReportEvent.objects.get(report=report, kind=EventKind.ABUSE_FLAGGED)
    assert event.visible_to_reporter and event.actor_side == "police"
    assert event.text == ""  # the reporter never reads the partner's note
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED  # marking does not close it
    audit_row = AuditEvent.objects.get(action="reports.abuse_flagged")
    assert audit_row.actor_id == police_noord.pk and audit_row.object_id == str(report.pk)
    assert audit_row.details["reason"] == "harassment"
    assert audit_row.details["abuse_id"] == flag.pk
    assert "buurman" not in str(audit_row.details)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [reporter.email]
    assert report.reference in mail.subject
    assert "misuse" in mail.body and "buurman" not in mail.body


def test_profiling_removes_the_appearance_of_the_person_and_keeps_what_they_did(
    report, police_noord
):
    abuse.report_flag_abuse(actor=police_noord, report=report, reason=AbuseReason.PROFILING)
    person = PersonDescription.objects.get(report=report)
    for name in abuse.APPEARANCE_FIELDS:
        assert getattr(person, name) in ("", None), name
    assert person.behaviour == "Stond op de hoek."
    assert (person.direction, person.transport) == ("richting station", "te voet")
    assert AuditEvent.objects.get(action="reports.abuse_flagged").details["persons_cleared"] == 1


def test_profiling_removes_every_appearance_field_of_the_model():
    """Derived from the model (a new field is removed unless kept on purpose); today that is
    every field a signalement describes a person with."""
    names = {f.name for f in PersonDescription._meta.concrete_fields}
    assert set(abuse.KEPT_PERSON_FIELDS) <= names
    assert set(abuse.APPEARANCE_FIELDS) == names - set(abuse.KEPT_PERSON_FIELDS)
    assert {"sex", "skin_colour", "hair_colour", "top", "features", "age_min"} <= set(
        abuse.APPEARANCE_FIELDS
    )


def test_other_reasons_keep_the_description(report, police_noord):
    abuse.report_flag_abuse(actor=police_noord, report=report, reason=AbuseReason.SPAM)
    assert PersonDescription.objects.get(report=report).skin_colour == "donker"


def test_a_second_mark_is_refused(report, police_noord, coordinator):
    abuse.report_flag_abuse(actor=police_noord, report=report, reason=AbuseReason.SPAM)
    with pytest.raises(ReportActionError) as info:
        abuse.report_flag_abuse(actor=police_noord, report=report, reason=AbuseReason.HARASSMENT)
    assert "already been marked" in info.value.message
    assert ReportAbuse.objects.filter(report=report).count() == 1
    assert ReportEvent.objects.filter(report=report, kind=EventKind.ABUSE_FLAGGED).count() == 1


def test_a_coordinator_marks_a_waiting_report(pending, coordinator):
    flag = abuse.report_flag_abuse(actor=coordinator, report=pending, reason=AbuseReason.SPAM)
    assert flag.side == "coordinator"
    pending.refresh_from_db()
    assert pending.status == ReportStatus.PENDING_MODERATION  # the coordinator still decides


@pytest.mark.parametrize("who", ["member", "police_zuid", "coordinator_zuid", "reporter"])
def test_others_cannot_mark(request, report, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(ReportActionError):
        abuse.report_flag_abuse(actor=actor, report=report, reason=AbuseReason.SPAM)
    assert not ReportAbuse.objects.exists()
    assert not AuditEvent.objects.filter(action="reports.abuse_flagged").exists()


def test_a_coordinator_does_not_mark_reports_that_went_to_the_partner(report, coordinator):
    with pytest.raises(ReportActionError):
        abuse.report_flag_abuse(actor=coordinator, report=report, reason=AbuseReason.SPAM)


def test_an_unknown_reason_or_a_long_note_is_refused(report, police_noord):
    with pytest.raises(ReportActionError):
        abuse.report_flag_abuse(actor=police_noord, report=report, reason="grudge")
    with pytest.raises(ReportActionError):
        abuse.report_flag_abuse(
            actor=police_noord, report=report, reason=AbuseReason.SPAM, note="x" * 501
        )
    assert not ReportAbuse.objects.exists()


# --- the pages -----------------------------------------------------------------------------------


def test_the_partner_marks_from_the_report_page(client, report, police_noord):
    login(client, police_noord, with_mfa=True)
    page = client.get(reverse("reports:handle", kwargs={"reference": report.reference}))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'action="{flag_url(report)}"' in html
    assert "<legend>Why is this report misuse of the platform?" in html
    response = client.post(
        flag_url(report), {"abuse-reason": "false_accusation", "abuse-note": "Wraak."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:handle", args=[report.reference])
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "is marked as misuse" in html  # the message
    assert 'data-testid="abuse-flag"' in html and "A false or malicious accusation" in html
    assert f'action="{flag_url(report)}"' not in html  # no second form
    assert ReportAbuse.objects.get(report=report).reason == "false_accusation"


def test_a_bad_reason_is_a_translated_form_error_and_nothing_is_saved(client, report, police_noord):
    login(client, police_noord, with_mfa=True)
    response = client.post(flag_url(report), {"abuse-reason": "grudge", "abuse-note": ""})
    assert response.status_code == 200
    assert "Choose one of the reasons given." in response.content.decode()
    missing = client.post(flag_url(report), {"abuse-note": "iets"})
    assert "Choose why this report is misuse of the platform." in missing.content.decode()
    assert not ReportAbuse.objects.exists()


def test_a_second_mark_on_the_page_shows_the_refusal(client, report, police_noord):
    abuse.report_flag_abuse(actor=police_noord, report=report, reason=AbuseReason.SPAM)
    login(client, police_noord, with_mfa=True)
    response = client.post(flag_url(report), {"abuse-reason": "harassment"})
    assert response.status_code == 200
    assert "already been marked as misuse" in response.content.decode()
    assert ReportAbuse.objects.get(report=report).reason == "spam"


def test_get_on_the_mark_urls_is_refused(client, report, pending, police_noord, coordinator):
    login(client, police_noord, with_mfa=True)
    assert client.get(flag_url(report)).status_code == 405
    login(client, coordinator, with_mfa=True)
    assert client.get(moderation_flag_url(pending)).status_code == 405


@pytest.mark.parametrize("who", ["member", "police_zuid", "coordinator_zuid"])
def test_others_get_404_or_403_and_nothing_is_saved(client, request, report, pending, who):
    user = request.getfixturevalue(who)
    login(client, user, with_mfa=who != "member")
    assert client.post(flag_url(report), {"abuse-reason": "spam"}).status_code == 404
    data = {f"a{pending.pk}-reason": "spam"}
    status = client.post(moderation_flag_url(pending), data).status_code
    assert status == (404 if who == "coordinator_zuid" else 403)
    assert not ReportAbuse.objects.exists()


def test_the_coordinator_marks_from_the_moderation_page(client, pending, coordinator):
    login(client, coordinator, with_mfa=True)
    page = client.get(reverse("reports:moderation")).content.decode()
    assert "The reporter is not yet a verified member of a community here." in page  # why
    assert f'action="{moderation_flag_url(pending)}"' in page
    response = client.post(moderation_flag_url(pending), {f"a{pending.pk}-reason": "profiling"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:moderation")
    assert ReportAbuse.objects.get(report=pending).side == "coordinator"
    page = client.get(reverse("reports:moderation")).content.decode()
    assert "Profiling or discrimination" in page and 'data-testid="abuse-flag"' in page


def test_the_reporter_reads_why_their_report_was_marked(client, report, reporter, police_noord):
    abuse.report_flag_abuse(
        actor=police_noord, report=report, reason=AbuseReason.PROFILING, note="Geheim."
    )
    login(client, reporter)
    html = client.get(reverse("reports:detail", args=[report.reference])).content.decode()
    assert "This report has been marked as misuse of Samen Veilig." in html
    assert "singles out a person for how they look" in html
    assert "When 2 of your reports are marked within 365 days" in html
    assert "Geheim." not in html
    assert "Marked as misuse of the platform" in html  # the history entry


# --- effect on new reports -----------------------------------------------------------------------


def test_after_two_marks_new_reports_wait_even_where_the_category_does_not_ask(
    client, town, reporter
):
    _flag_for(reporter, town)
    _flag_for(reporter, town, days_ago=100)
    # a verified member of a community covering the place, in a category without moderation
    MembershipFactory(community=CommunityFactory(areas=[town["zuid"]]), user=reporter)
    assert not category("fietsdiefstal").moderate_unverified
    report = report_submit(reporter=reporter, data=report_input())
    assert report.status == ReportStatus.PENDING_MODERATION
    # the reporter's page says why
    login(client, reporter)
    html = client.get(reverse("reports:detail", args=[report.reference])).content.decode()
    assert "Several of your reports were marked as misuse" in html
    # the coordinator sees why it waits: the count only
    coordinator = _coordinator(town["zuid"])
    login(client, coordinator, with_mfa=True)
    page = client.get(reverse("reports:moderation")).content.decode()
    assert report.reference in page
    assert "marked as misuse 2 times in the last 365 days" in page
    assert "The reporter is not yet a verified member" not in page


def test_one_mark_does_not_make_new_reports_wait(town, reporter):
    _flag_for(reporter, town)
    assert report_submit(reporter=reporter, data=report_input()).status == ReportStatus.SUBMITTED


def test_marks_older_than_the_window_do_not_count(town, reporter, settings):
    _flag_for(reporter, town, days_ago=400)
    _flag_for(reporter, town, days_ago=10)
    assert report_submit(reporter=reporter, data=report_input()).status == ReportStatus.SUBMITTED
    settings.REPORT_ABUSE_WINDOW_DAYS = 500
    assert (
        report_submit(reporter=reporter, data=report_input()).status
        == ReportStatus.PENDING_MODERATION
    )


def test_the_threshold_is_a_setting(town, reporter, settings):
    settings.REPORT_ABUSE_MODERATION_THRESHOLD = 1
    _flag_for(reporter, town)
    assert (
        report_submit(reporter=reporter, data=report_input()).status
        == ReportStatus.PENDING_MODERATION
    )
    settings.REPORT_ABUSE_MODERATION_THRESHOLD = 0  # off
    assert report_submit(reporter=reporter, data=report_input()).status == ReportStatus.SUBMITTED


def test_marks_keep_counting_after_the_reports_own_reporter_link_is_purged(town, reporter):
    first, second = _flag_for(reporter, town), _flag_for(reporter, town)
    for flag in (first, second):
        type(flag.report).objects.filter(pk=flag.report_id).update(reporter=None)
    assert (
        report_submit(reporter=reporter, data=report_input()).status
        == ReportStatus.PENDING_MODERATION
    )


def test_the_check_costs_one_query_per_report_and_none_for_anonymous_reporters(
    town, reporter, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert not abuse.reporter_is_checked_first(reporter)
    with django_assert_num_queries(0):
        assert not abuse.reporter_is_checked_first(None)


# --- privacy -------------------------------------------------------------------------------------


def test_marks_are_in_the_export_and_erasure_tables():
    assert subject.USER_LINKS["reports.ReportAbuse.flagged_by"].erase == subject.UNLINK
    assert subject.USER_LINKS["reports.ReportAbuse.reporter"].erase == subject.UNLINK


def test_purge_report_abuse_reporter_unlinks_old_marks_and_keeps_the_mark(town, reporter):
    old = _flag_for(reporter, town, days_ago=366)
    recent = _flag_for(reporter, town, days_ago=300)
    assert abuse.purge_abuse_reporter_links() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.reporter_id is None and old.reason == AbuseReason.SPAM
    assert recent.reporter_id == reporter.pk
    assert AuditEvent.objects.get(action="privacy.abuse_reporter_links_purged").details == {
        "count": 1
    }


def test_the_note_goes_with_the_closed_reports_content(report, police_noord):
    abuse.report_flag_abuse(
        actor=police_noord, report=report, reason=AbuseReason.SPAM, note="Grap."
    )
    type(report).objects.filter(pk=report.pk).update(
        status=ReportStatus.CLOSED, closed_at=timezone.now() - timedelta(days=400)
    )
    type(report).objects.filter(pk=report.pk).update(
        updated_at=timezone.now() - timedelta(days=400)
    )
    assert purge_closed_reports() == 1
    flag = ReportAbuse.objects.get(report=report)
    assert flag.note == "" and flag.reason == AbuseReason.SPAM


def test_erasure_unlinks_the_partner_and_the_reporter_and_keeps_the_mark(
    report, reporter, police_noord
):
    flag = abuse.report_flag_abuse(actor=police_noord, report=report, reason=AbuseReason.SPAM)
    export = subject.collect_export(reporter)
    rows = [row for row in export["reports"] if row["record"] == "report marked as misuse"]
    assert rows and rows[0]["id"] == flag.pk and rows[0]["as"] == "reporter"
    assert "note" not in rows[0] and "flagged_by" not in rows[0]
    subject.erase_user(user=police_noord, actor=police_noord)
    subject.erase_user(user=reporter, actor=reporter)
    flag.refresh_from_db()
    assert flag.flagged_by_id is None and flag.reporter_id is None
    assert flag.reason == AbuseReason.SPAM and flag.side == "police"
