"""The retention purge: each kind of personal data goes when its period has passed, and nothing
else goes. Alerts, flags, investigation cases, expense claims and unused answer photos are
purged by their own apps' functions and tested there (see ``OWN_APP_TESTS``); this file tests
the rest and the run as a whole."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from samenveilig.alerts.models import Alert, Delivery, DeliveryStatus
from samenveilig.core import audit
from samenveilig.core.models import AuditEvent
from samenveilig.inquiries.models import CanvassAddress, CanvassVisit, Inquiry, InquiryStatus
from samenveilig.monitor.models import SurveyResponse, SurveyRound
from samenveilig.privacy.models import PrivacyRequest, RequestKind, RequestStatus
from samenveilig.privacy.purge import run_purge
from samenveilig.privacy.retention import RETENTION
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.reports.models import PersonDescription, ReportEvent, ReportStatus
from tests.factories import AddressFactory, CommunityFactory, UserFactory
from tests.reports.api.factories import ReportFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# Kinds purged by the owning app's function, with the test there that proves it.
OWN_APP_TESTS = {
    "unused_answer_photos": (
        "tests/inquiries/test_canvass_photos.py",
        "test_unused_photos_are_purged_and_used_ones_stay",
    ),
    "expense_claims": (
        "tests/funds/test_purge.py",
        "test_expense_claim_receipts_go_after_their_retention_and_nothing_else",
    ),
    "alert_descriptions": (
        "tests/alerts/test_services.py",
        "test_purge_removes_the_description_after_the_retention_period",
    ),
    "flags": (
        "tests/flags/test_services.py",
        "test_purge_removes_flags_after_retention_and_keeps_the_chain_intact",
    ),
    "investigation_cases": (
        "tests/investigations/test_services.py",
        "test_closing_without_hand_over_purges_after_retention_keeping_counts",
    ),
    "report_abuse_reporter": (
        "tests/reports/partner/test_abuse.py",
        "test_purge_report_abuse_reporter_unlinks_old_marks_and_keeps_the_mark",
    ),
}


def test_every_purged_kind_has_a_test():
    here = Path(__file__).read_text()
    for rule in RETENTION:
        if rule.purge is None:
            continue
        if rule.key in OWN_APP_TESTS:
            path, name = OWN_APP_TESTS[rule.key]
            assert re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.M), rule.key
        else:
            assert re.search(rf"^def test_purge_{rule.key}_", here, re.M), rule.key


def _count(action: str) -> int:
    return sum(e.details.get("count", 0) for e in AuditEvent.objects.filter(action=action))


# --- reports -------------------------------------------------------------------------------------


def _closed_report(town, *, days_ago: int, status=ReportStatus.CLOSED, **kwargs):
    report = ReportFactory(
        neighbourhood=town["noord_west"],
        status=status,
        closed_at=timezone.now() - timedelta(days=days_ago),
        **kwargs,
    )
    PersonDescription.objects.create(report=report, behaviour="Keek in auto's")
    ReportEvent.objects.create(report=report, kind="message", text="Dank voor uw melding")
    return report


def test_purge_reporter_identity_after_closing(town, settings):
    settings.REPORTER_IDENTITY_RETENTION_DAYS = 90
    reporter = UserFactory()
    due = _closed_report(town, days_ago=91, reporter=reporter, share_identity=True)
    recent = _closed_report(town, days_ago=89, reporter=reporter)
    open_report = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    run_purge()
    due.refresh_from_db()
    recent.refresh_from_db()
    open_report.refresh_from_db()
    assert due.reporter is None and not due.share_identity and due.reporter_pseudonym
    assert recent.reporter == reporter and open_report.reporter == reporter
    assert due.description  # the content has its own, longer period
    assert _count("privacy.reporter_identity_purged") == 1


def test_purge_closed_reports_content_after_the_period(town, settings):
    settings.REPORT_RETENTION_DAYS = 365
    due = _closed_report(town, days_ago=366, location_text="Kerkstraat 1")
    rejected = _closed_report(town, days_ago=400, status=ReportStatus.REJECTED)
    recent = _closed_report(town, days_ago=300)
    open_report = ReportFactory(neighbourhood=town["noord_west"])
    outcome = run_purge()
    assert outcome.counts["closed_reports"] == 2
    for report in (due, rejected):
        report.refresh_from_db()
        assert report.description == "" and report.location_text == ""
        assert not report.persons.exists()
        assert not report.events.exclude(text="").exists()
        assert report.category_id and report.neighbourhood_id  # figures stay
    recent.refresh_from_db()
    open_report.refresh_from_db()
    assert recent.description and recent.persons.exists() and recent.events.get().text
    assert open_report.description
    assert run_purge().counts["closed_reports"] == 0  # nothing twice


# --- inquiries and surveys ----------------------------------------------------------------------


def _questionnaire(form_id: str) -> Questionnaire:
    return Questionnaire.objects.create(
        name=form_id, form_id=form_id, version="1", definition={"form_id": form_id}
    )


def _visit(inquiry: Inquiry, *, phone: str | None) -> CanvassVisit:
    talk = {"contact_consent": "yes" if phone else "no", "saw_something": "yes"}
    if phone:
        talk["phone"] = phone
    answers = AnswerSet.objects.create(
        questionnaire=inquiry.questionnaire,
        answers={"outcome": "gesproken", "conversation": talk},
        submitted_at=timezone.now(),
        idempotency_key=f"k-{AnswerSet.objects.count()}",
    )
    stop = CanvassAddress.objects.create(inquiry=inquiry, address=AddressFactory())
    return CanvassVisit.objects.create(
        inquiry=inquiry,
        stop=stop,
        answer_set=answers,
        outcome="gesproken",
        wants_contact=bool(phone),
        visited_at=timezone.now(),
    )


def _inquiry(town, reference: str, *, closed_days_ago: int | None) -> Inquiry:
    return Inquiry.objects.create(
        reference=reference,
        kind="burglary",
        status=InquiryStatus.OPEN if closed_days_ago is None else InquiryStatus.CLOSED,
        closed_at=None
        if closed_days_ago is None
        else timezone.now() - timedelta(days=closed_days_ago),
        community=CommunityFactory(areas=[town["noord"]]),
        neighbourhood=town["noord_west"],
        lat=52.012,
        lon=5.002,
        occurred_at=timezone.now() - timedelta(days=200),
        questionnaire=_questionnaire(f"bo-{reference}"),
    )


def test_purge_inquiry_contact_phone_numbers_after_closing(town, settings):
    settings.INQUIRY_CONTACT_RETENTION_DAYS = 90
    old = _inquiry(town, "BO-OLD", closed_days_ago=91)
    due = _visit(old, phone="0612345678")
    no_consent = _visit(old, phone=None)
    recent = _visit(_inquiry(town, "BO-NEW", closed_days_ago=10), phone="0687654321")
    running = _visit(_inquiry(town, "BO-OPEN", closed_days_ago=None), phone="0611111111")
    assert run_purge().counts["inquiry_contact"] == 1
    due.answer_set.refresh_from_db()
    talk = due.answer_set.answers["conversation"]
    assert "phone" not in talk and talk["saw_something"] == "yes"
    due.refresh_from_db()
    assert due.wants_contact  # the count of consents stays
    for visit, phone in ((recent, "0687654321"), (running, "0611111111")):
        visit.answer_set.refresh_from_db()
        assert visit.answer_set.answers["conversation"]["phone"] == phone
    no_consent.answer_set.refresh_from_db()
    assert no_consent.answer_set.answers["conversation"]["saw_something"] == "yes"


def _response(survey_round: SurveyRound, remarks: str) -> SurveyResponse:
    answers = AnswerSet.objects.create(
        questionnaire=survey_round.questionnaire,
        answers={"feels_unsafe": "no", "remarks": remarks},
        submitted_at=timezone.now(),
        idempotency_key=f"s-{AnswerSet.objects.count()}",
    )
    return SurveyResponse.objects.create(
        round=survey_round,
        answer_set=answers,
        area=survey_round.area,
        created_on=timezone.localdate(),
        feels_unsafe=False,
    )


def _round(town, name: str, *, closed_days_ago: int) -> SurveyRound:
    closes = timezone.now() - timedelta(days=closed_days_ago)
    return SurveyRound.objects.create(
        name=name,
        questionnaire=_questionnaire(f"cm-{name}"),
        area=town["noord_west"],
        opens_at=closes - timedelta(days=30),
        closes_at=closes,
    )


def test_purge_survey_free_text_after_the_round_closed(town, settings):
    settings.SURVEY_FREE_TEXT_RETENTION_DAYS = 180
    due = _response(_round(town, "oud", closed_days_ago=181), "Buurman Piet rijdt te hard")
    recent = _response(_round(town, "nieuw", closed_days_ago=179), "Meer verlichting")
    assert run_purge().counts["survey_free_text"] == 1
    due.answer_set.refresh_from_db()
    recent.answer_set.refresh_from_db()
    assert due.answer_set.answers == {"feels_unsafe": "no"}
    assert recent.answer_set.answers["remarks"] == "Meer verlichting"
    assert SurveyResponse.objects.count() == 2  # the scored response stays


# --- deliveries, sessions, task results, requests, audit ---------------------------------------


def test_purge_delivery_logs_older_than_the_period_unless_waiting(town, settings):
    settings.DELIVERY_LOG_RETENTION_DAYS = 90
    alert = Alert.objects.create(
        reference="A-1",
        kind="warning",
        title="x",
        lat=52.01,
        lon=5.0,
        municipality=town["municipality"],
        expires_at=timezone.now(),
    )
    member = UserFactory()
    now = timezone.now()

    def delivery(channel: str, status: str, days: int) -> Delivery:
        row = Delivery.objects.create(
            alert=alert, user=member, channel=channel, status=status, next_attempt_at=now
        )
        Delivery.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=days))
        return row

    due = delivery("inapp", DeliveryStatus.SENT, 91)
    waiting = delivery("email", DeliveryStatus.PENDING, 91)
    recent = delivery("push", DeliveryStatus.SENT, 89)
    assert run_purge().counts["delivery_logs"] == 1
    assert set(Delivery.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
    assert not Delivery.objects.filter(pk=due.pk).exists()


def test_purge_sessions_that_expired():
    expired = SessionStore()
    expired["x"] = 1
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    live = SessionStore()
    live["x"] = 1
    live.create()
    assert run_purge().counts["sessions"] == 1
    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]


def test_purge_task_results_after_the_period(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASK_RESULT_RETENTION_DAYS = 30
    now = timezone.now()

    def result(finished_days_ago: int | None) -> DBTaskResult:
        return DBTaskResult.objects.create(
            status="SUCCESSFUL" if finished_days_ago is not None else "READY",
            args_kwargs={"args": [1], "kwargs": {}},
            task_path="samenveilig.privacy.tasks.purge_due",
            backend_name="default",
            queue_name="default",
            run_after=now,
            finished_at=None
            if finished_days_ago is None
            else now - timedelta(days=finished_days_ago),
        )

    result(31)
    kept = {result(29).pk, result(None).pk}
    assert run_purge().counts["task_results"] == 1
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == kept


def test_purge_privacy_requests_closed_longer_ago_than_the_period(settings):
    settings.PRIVACY_REQUEST_RETENTION_DAYS = 730
    today = timezone.localdate()
    now = timezone.now()

    def request(closed_days_ago: int | None) -> PrivacyRequest:
        return PrivacyRequest.objects.create(
            kind=RequestKind.ACCESS,
            status=RequestStatus.OPEN if closed_days_ago is None else RequestStatus.DONE,
            requester_name="A. de Vries",
            received_on=today,
            due_on=today,
            closed_at=None if closed_days_ago is None else now - timedelta(days=closed_days_ago),
        )

    request(731)
    kept = {request(729).pk, request(None).pk}
    assert run_purge().counts["privacy_requests"] == 1
    assert set(PrivacyRequest.objects.values_list("pk", flat=True)) == kept


def test_purge_audit_rows_older_than_the_period_keeps_the_chain_verifiable(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    now = timezone.now()
    old = [audit.record(actor=None, action="test.old") for _ in range(3)]
    young = [audit.record(actor=None, action="test.young") for _ in range(2)]
    AuditEvent.objects.filter(pk__in=[e.pk for e in old]).update(
        occurred_at=now - timedelta(days=400)
    )
    # Editing occurred_at breaks those rows' hashes; re-seal the test chain as written then.
    previous = audit.GENESIS_HASH
    for event in AuditEvent.objects.order_by("sequence"):
        event.previous_hash = previous
        event.hash = audit.compute_hash(previous, event)
        event.save()
        previous = event.hash
    assert audit.verify_chain() == []
    assert run_purge().counts["audit_rows"] == 3
    assert not AuditEvent.objects.filter(action="test.old").exists()
    assert AuditEvent.objects.filter(action="test.young").count() == len(young)
    assert AuditEvent.objects.filter(action=audit.PRUNED_ACTION).get().details["count"] == 3
    assert audit.verify_chain() == []
    # A cut that no row vouches for is still found.
    AuditEvent.objects.filter(action="test.young").order_by("sequence").first().delete()
    assert audit.verify_chain()


def test_the_tail_of_the_audit_chain_is_never_cut(settings):
    settings.AUDIT_RETENTION_DAYS = 1
    only = audit.record(actor=None, action="test.only")
    AuditEvent.objects.filter(pk=only.pk).update(occurred_at=timezone.now() - timedelta(days=9))
    from samenveilig.privacy.purge import purge_audit_rows

    assert purge_audit_rows() == 0
    assert AuditEvent.objects.filter(pk=only.pk).exists()


# --- the run -------------------------------------------------------------------------------------


def test_the_command_runs_every_purge_and_records_the_counts(town):
    out = io.StringIO()
    call_command("purge", stdout=out)
    text = out.getvalue()
    for rule in RETENTION:
        if rule.purge:
            assert f"{rule.label}: " in text
    run = AuditEvent.objects.filter(action="privacy.purge_run").get()
    assert set(run.details["counts"]) == {r.key for r in RETENTION if r.purge}
    assert audit.verify_chain() == []


def test_the_daily_task_runs_the_purge(town):
    from samenveilig.privacy import tasks

    result = tasks.purge_due.enqueue()
    assert set(result.return_value) == {r.key for r in RETENTION if r.purge}


def test_enqueue_hands_the_purge_to_the_worker():
    out = io.StringIO()
    call_command("purge", "--enqueue", stdout=out)
    assert "enqueued" in out.getvalue()
    assert AuditEvent.objects.filter(action="privacy.purge_run").exists()  # immediate backend
