"""Lifecycle services: every transition and refusal, events, audit, timestamps, thanks once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from samenveilig.core.models import AuditEvent
from samenveilig.reports.models import (
    EventKind,
    Incident,
    Outcome,
    Partner,
    ReportEvent,
    ReportStatus,
)
from samenveilig.reports.services import lifecycle
from samenveilig.reports.types import ReportActionError
from tests.factories import UserFactory
from tests.reports.partner.factories import CategoryFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(town, reporter):
    return ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)


def last_event(report):
    return ReportEvent.objects.filter(report=report).order_by("-id").first()


def audit_actions(report):
    return list(
        AuditEvent.objects.filter(object_id=str(report.pk)).values_list("action", flat=True)
    )


def test_acknowledge_sets_acknowledged_at_but_not_first_response(report, police_noord):
    updated = lifecycle.report_acknowledge(actor=police_noord, report=report)
    assert updated.status == ReportStatus.ACKNOWLEDGED
    assert updated.acknowledged_at is not None and updated.first_response_at is None
    event = last_event(report)
    assert (event.kind, event.actor, event.actor_side) == (
        EventKind.STATUS_CHANGED,
        police_noord,
        "police",
    )
    assert (event.from_status, event.to_status) == ("submitted", "acknowledged")
    assert "reports.acknowledged" in audit_actions(report)
    details = AuditEvent.objects.get(action="reports.acknowledged").details
    assert set(details) <= {"event_id", "from_status", "to_status", "side"}


def test_acknowledge_twice_is_refused(report, police_noord):
    lifecycle.report_acknowledge(actor=police_noord, report=report)
    with pytest.raises(ReportActionError):
        lifecycle.report_acknowledge(actor=police_noord, report=report)


def test_start_sets_first_response_and_acknowledgement(report, police_noord):
    updated = lifecycle.report_start(actor=police_noord, report=report, note="We gaan kijken.")
    assert updated.status == ReportStatus.IN_PROGRESS
    assert updated.acknowledged_at and updated.first_response_at
    assert last_event(report).text == "We gaan kijken."
    assert "reports.started" in audit_actions(report)


def test_first_response_is_kept_from_the_first_action(report, police_noord):
    event = lifecycle.report_ask_reporter(actor=police_noord, report=report, text="Welke kant?")
    report.refresh_from_db()
    first = report.first_response_at
    assert first is not None and report.status == ReportStatus.SUBMITTED
    assert event.kind == EventKind.MESSAGE and event.visible_to_reporter
    lifecycle.report_start(actor=police_noord, report=report)
    report.refresh_from_db()
    assert report.first_response_at == first


def test_ask_needs_text_and_an_open_report(report, police_noord):
    with pytest.raises(ReportActionError):
        lifecycle.report_ask_reporter(actor=police_noord, report=report, text="   ")
    report.status = ReportStatus.CLOSED
    report.save()
    with pytest.raises(ReportActionError):
        lifecycle.report_ask_reporter(actor=police_noord, report=report, text="Nog iets?")


def test_close_with_outcome(report, police_noord):
    updated = lifecycle.report_close(actor=police_noord, report=report, outcome=Outcome.SOLVED)
    assert updated.status == ReportStatus.CLOSED and updated.outcome == Outcome.SOLVED
    assert updated.closed_at and updated.first_response_at and updated.acknowledged_at
    assert AuditEvent.objects.get(action="reports.closed").details["outcome"] == "solved"


@pytest.mark.parametrize("outcome", ["", "nonsense"])
def test_close_needs_a_valid_outcome(report, police_noord, outcome):
    with pytest.raises(ReportActionError):
        lifecycle.report_close(actor=police_noord, report=report, outcome=outcome)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert not ReportEvent.objects.filter(report=report).exists()


@pytest.mark.parametrize("outcome", [Outcome.NO_ACTION_POSSIBLE, Outcome.INSUFFICIENT_INFORMATION])
def test_some_outcomes_need_a_note(report, police_noord, outcome):
    with pytest.raises(ReportActionError):
        lifecycle.report_close(actor=police_noord, report=report, outcome=outcome, note="")
    updated = lifecycle.report_close(
        actor=police_noord, report=report, outcome=outcome, note="Te weinig details."
    )
    assert updated.status_note == "Te weinig details."


def test_closed_report_cannot_be_closed_or_started_again(report, police_noord):
    lifecycle.report_close(actor=police_noord, report=report, outcome=Outcome.DUPLICATE)
    for call in (
        lambda: lifecycle.report_close(actor=police_noord, report=report, outcome=Outcome.SOLVED),
        lambda: lifecycle.report_start(actor=police_noord, report=report),
        lambda: lifecycle.report_acknowledge(actor=police_noord, report=report),
        lambda: lifecycle.report_forward(
            actor=police_noord, report=report, to_partner=Partner.MUNICIPALITY, note="x"
        ),
    ):
        with pytest.raises(ReportActionError):
            call()


def test_forward_to_municipality_who_then_handles_it(report, police_noord, municipality):
    with pytest.raises(ReportActionError):
        lifecycle.report_acknowledge(actor=municipality, report=report)
    updated = lifecycle.report_forward(
        actor=police_noord, report=report, to_partner=Partner.MUNICIPALITY, note="Voor de BOA."
    )
    assert updated.status == ReportStatus.FORWARDED
    assert updated.forwarded_to == Partner.MUNICIPALITY and updated.first_response_at
    kinds = list(
        ReportEvent.objects.filter(report=report).values_list("kind", "visible_to_reporter")
    )
    assert (EventKind.FORWARDED, True) in kinds
    assert (EventKind.MESSAGE, False) in kinds  # the partner note stays with the partners
    acknowledged = lifecycle.report_acknowledge(actor=municipality, report=updated)
    assert acknowledged.status == ReportStatus.ACKNOWLEDGED
    assert last_event(report).actor_side == "municipality"


def test_forward_refusals(report, police_noord):
    with pytest.raises(ReportActionError):
        lifecycle.report_forward(
            actor=police_noord, report=report, to_partner=Partner.POLICE, note="x"
        )
    with pytest.raises(ReportActionError):
        lifecycle.report_forward(
            actor=police_noord, report=report, to_partner=Partner.MUNICIPALITY, note=""
        )
    lifecycle.report_forward(
        actor=police_noord, report=report, to_partner=Partner.MUNICIPALITY, note="x"
    )
    with pytest.raises(ReportActionError):
        lifecycle.report_forward(
            actor=police_noord, report=report, to_partner=Partner.MUNICIPALITY, note="x"
        )


def test_other_jurisdiction_and_non_partners_are_refused(
    report, police_zuid, municipality, resident, member
):
    for user in (police_zuid, municipality, resident, member):
        with pytest.raises(ReportActionError):
            lifecycle.report_acknowledge(actor=user, report=report)
        with pytest.raises(ReportActionError):
            lifecycle.report_close(actor=user, report=report, outcome=Outcome.SOLVED)
    assert not ReportEvent.objects.filter(report=report).exists()


def test_thanks_once(report, police_noord):
    lifecycle.report_close(actor=police_noord, report=report, outcome=Outcome.ARRESTED)
    event = lifecycle.report_thank(actor=police_noord, report=report, text="Dankzij u!")
    assert event.kind == EventKind.THANKED and event.visible_to_reporter
    with pytest.raises(ReportActionError):
        lifecycle.report_thank(actor=police_noord, report=report)
    assert ReportEvent.objects.filter(report=report, kind=EventKind.THANKED).count() == 1
    assert "reports.thanked" in audit_actions(report)


def test_reporter_answers_pseudonymously(report, reporter, resident, police_noord):
    """One path for answers and additions: ``services.reporter.report_add_information``."""
    from samenveilig.reports.services.reporter import report_add_information
    from samenveilig.reports.types import ReportValidationError

    lifecycle.report_ask_reporter(actor=police_noord, report=report, text="Waarheen?")
    event = report_add_information(reporter=reporter, report=report, text="Richting station.")
    assert (event.actor_side, event.kind) == ("reporter", EventKind.INFORMATION_ADDED)
    assert not hasattr(lifecycle, "report_message_from_reporter")
    with pytest.raises(ReportActionError):
        report_add_information(reporter=resident, report=report, text="Hallo")
    with pytest.raises(ReportValidationError):
        report_add_information(reporter=reporter, report=report, text="")


def test_moderation_approve_recounts_targets_and_groups_incident(town, coordinator):
    category = CategoryFactory()
    before = timezone.now()
    earlier = ReportFactory(neighbourhood=town["noord_west"], category=category)
    pending = ReportFactory(
        neighbourhood=town["noord_west"],
        category=category,
        status=ReportStatus.PENDING_MODERATION,
        submitted_at=before - timezone.timedelta(days=2),
    )
    updated = lifecycle.report_moderate(actor=coordinator, report=pending, approve=True)
    assert updated.status == ReportStatus.SUBMITTED
    assert updated.acknowledge_due_at >= before
    event = last_event(pending)
    assert (event.kind, event.actor_side) in {
        (EventKind.MODERATED, "coordinator"),
        (EventKind.INCIDENT_LINKED, "system"),
    }
    assert ReportEvent.objects.filter(report=pending, kind=EventKind.MODERATED).exists()
    pending.refresh_from_db()
    earlier.refresh_from_db()
    assert pending.incident_id and pending.incident_id == earlier.incident_id
    assert Incident.objects.get().report_count == 2


def test_moderation_reject_needs_a_note(town, coordinator):
    pending = ReportFactory(
        neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION
    )
    with pytest.raises(ReportActionError):
        lifecycle.report_moderate(actor=coordinator, report=pending, approve=False)
    updated = lifecycle.report_moderate(
        actor=coordinator, report=pending, approve=False, note="Geen gedrag beschreven."
    )
    assert updated.status == ReportStatus.REJECTED
    assert updated.status_note == "Geen gedrag beschreven."
    assert "reports.moderated" in audit_actions(pending)


def test_moderation_refusals(town, coordinator, member, police_noord):
    submitted = ReportFactory(neighbourhood=town["noord_west"])
    with pytest.raises(ReportActionError):
        lifecycle.report_moderate(actor=coordinator, report=submitted, approve=True)
    pending = ReportFactory(
        neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION
    )
    elsewhere = ReportFactory(
        neighbourhood=town["zuid_west"], status=ReportStatus.PENDING_MODERATION
    )
    for user, target in ((member, pending), (police_noord, pending), (coordinator, elsewhere)):
        with pytest.raises(ReportActionError):
            lifecycle.report_moderate(actor=user, report=target, approve=True)
    with pytest.raises(ReportActionError):
        lifecycle.report_moderate(actor=UserFactory(), report=pending, approve=True)


def test_partner_cannot_act_on_a_report_waiting_for_moderation(town, police_noord):
    pending = ReportFactory(
        neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION
    )
    with pytest.raises(ReportActionError):
        lifecycle.report_acknowledge(actor=police_noord, report=pending)
