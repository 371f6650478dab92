"""Subject rights services: the export covers every foreign key to the user (introspected, so a
new app's foreign key fails here until ``USER_LINKS`` says what to do with it), erasure removes or
unlinks everything except what a retention rule keeps, and request deadlines are one month."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone, translation

from samenveilig.communities.models import CommunityKind, Membership, MembershipRole, WatchPoint
from samenveilig.core.audit import verify_chain
from samenveilig.core.models import AuditEvent
from samenveilig.funds import services as fund_services
from samenveilig.funds.models import ExpenseClaim
from samenveilig.investigations import services as inv_services
from samenveilig.investigations.models import Offence, Participant
from samenveilig.privacy import subject
from samenveilig.privacy.models import PrivacyRequest, RequestKind, RequestStatus, one_month_after
from samenveilig.privacy.retention import BY_KEY
from samenveilig.reports.models import Report, ReportEvent
from tests.factories import (
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
)
from tests.investigations.conftest import add_note, investigator, open_case
from tests.reports.api.factories import ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The export's notes are in the active language; the assertions read the English."""
    with translation.override("en"):
        yield


def test_every_foreign_key_to_the_user_is_covered_by_export_and_erasure():
    missing = subject.user_foreign_keys() - set(subject.USER_LINKS)
    stale = set(subject.USER_LINKS) - subject.user_foreign_keys()
    assert not missing, f"add these to privacy.subject.USER_LINKS: {sorted(missing)}"
    assert not stale, f"no longer foreign keys to the user: {sorted(stale)}"


def test_links_use_known_sections_actions_and_retention_rules():
    for key, link in subject.USER_LINKS.items():
        assert link.section in subject.SECTIONS, key
        assert link.erase in (subject.DELETE, subject.UNLINK, subject.KEEP), key
        if link.erase == subject.KEEP:
            assert link.retention in BY_KEY, key


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        (dt.date(2026, 12, 15), dt.date(2027, 1, 15)),
        (dt.date(2026, 6, 1), dt.date(2026, 7, 1)),
    ],
)
def test_answer_is_due_one_calendar_month_after_receipt(received, due):
    assert one_month_after(received) == due


def _rich_user():
    user = UserFactory(display_name="Anna de Vries")
    membership = MembershipFactory(user=user, motivation="Ik wil helpen")
    WatchPointFactory(user=user, label="Thuis")
    report = ReportFactory(
        neighbourhood=AreaFactory(),
        reporter=user,
        share_identity=True,
        description="Fietsendief gezien",
    )
    ReportEvent.objects.create(report=report, actor=user, kind="message", text="Nog een vraag")
    return user, membership, report


def test_export_holds_own_data_of_every_section_and_nothing_of_others():
    user, membership, report = _rich_user()
    other = MembershipFactory(motivation="Geheim van een ander")
    data = subject.collect_export(user)
    assert data["account"]["email"] == user.email
    assert data["memberships"][0]["motivation"] == "Ik wil helpen"
    assert data["watch_points"][0]["label"] == "Thuis"
    assert data["reports"][0]["description"] == "Fietsendief gezien"
    assert data["report_messages_and_events"]
    assert "anonymous" in data["surveys"][0]["note"]
    text = str(data)
    assert other.user.email not in text and "Geheim van een ander" not in text
    assert "password" not in str(data["account"])
    assert set(subject.SECTIONS) <= set(data)


def test_export_is_recorded_in_the_register_and_audit_chain_without_personal_data():
    user, _m, _r = _rich_user()
    subject.export_user_data(user=user, actor=user, fmt="json")
    request = PrivacyRequest.objects.get(subject=user)
    assert (request.kind, request.status, request.self_service) == (
        RequestKind.ACCESS,
        RequestStatus.DONE,
        True,
    )
    event = AuditEvent.objects.get(action="accounts.data_export", actor_id=user.pk)
    assert user.email not in str(event.details) and "Anna" not in str(event.details)
    assert event.details["subject_id"] == user.pk
    assert not verify_chain()


def _session_of(user) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    return store.session_key


def test_erasure_removes_own_data_unlinks_reports_and_anonymises_the_account():
    user, membership, report = _rich_user()
    key = _session_of(user)
    email = user.email
    result = subject.erase_user(user=user, actor=user)
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()
    assert user.email != email and user.display_name == ""
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not WatchPoint.objects.filter(user=user).exists()
    report.refresh_from_db()
    assert report.reporter is None and not report.share_identity
    assert report.reporter_pseudonym  # the partner still has the report under its pseudonym
    assert Report.objects.filter(pk=report.pk).exists()
    assert not ReportEvent.objects.filter(actor=user).exists()
    assert not Session.objects.filter(session_key=key).exists()
    assert result.removed["memberships"] == 1
    assert result.unlinked["reports"] == 1
    pr = result.request
    assert (pr.kind, pr.status, pr.subject_id) == (RequestKind.ERASURE, RequestStatus.DONE, user.pk)
    assert "memberships" in pr.outcome_note and email not in pr.outcome_note
    event = AuditEvent.objects.get(action="privacy.erasure")
    assert email not in str(event.details) and event.details["subject_id"] == user.pk
    assert not verify_chain()
    # No foreign key that erasure deletes or unlinks points at the account any more.
    for key, link in subject.USER_LINKS.items():
        if link.erase != subject.KEEP:
            model, field_name = subject._model(key)
            assert not model._default_manager.filter(**{field_name: user}).exists(), key
    # Nothing that names the person survives in the export of what is left.
    assert "Anna" not in str(subject.collect_export(user))


def test_erasure_keeps_a_paid_expense_claim_until_the_fiscal_retention_ends():
    coordinator = UserFactory()
    community = CommunityFactory()
    MembershipFactory(user=coordinator, community=community, role=MembershipRole.COORDINATOR)
    fund = fund_services.fund_open(actor=coordinator, community=community)
    user = UserFactory()
    paid_at = timezone.now() - dt.timedelta(days=10)
    claim = ExpenseClaim.objects.create(
        fund=fund,
        claimant=user,
        category="materials",
        amount_cents=1250,
        description="Zaklampen",
        receipt="funds/receipts/x.png",
        receipt_kind="image",
        status="paid",
        paid_at=paid_at,
    )
    result = subject.erase_user(user=user, actor=user)
    claim.refresh_from_db()
    assert claim.claimant_id == user.pk  # kept, pointing at the anonymised account
    kept = {k.section: k for k in result.kept}
    assert kept["expense_claims"].count == 1
    assert kept["expense_claims"].until == (paid_at + BY_KEY["expense_claims"].delta).date()
    assert "fiscal" in kept["expense_claims"].reason
    assert (
        kept["privacy_requests"].until == (timezone.now() + BY_KEY["privacy_requests"].delta).date()
    )
    assert kept["audit_rows"].until is not None


def test_erasure_keeps_investigation_evidence_under_legal_hold():
    team = CommunityFactory(kind=CommunityKind.INVESTIGATION_TEAM)
    opener = investigator(team)
    w = SimpleNamespace(team=team, opener=opener, fraud=Offence.objects.get(code="fraud"))
    case = open_case(w)
    inv_services.case_join(actor=investigator(team), case=case)
    inv_services.case_approve(actor=investigator(team, MembershipRole.TEAM_LEAD), case=case)
    item = add_note(w, case)
    result = subject.erase_user(user=opener, actor=opener)
    assert Participant.objects.filter(case=case, user=opener).exists()
    kept = {k.section: k for k in result.kept}
    assert kept["investigations"].count >= 1
    case.refresh_from_db()
    # Goes with the case: the page gives the case's own purge date (or the rule when unknown).
    assert kept["investigations"].until == (case.purge_after.date() if case.purge_after else None)
    assert "days after the case ended" in kept["investigations"].period
    item.refresh_from_db()
    assert item.collected_by_id == opener.pk  # the chain of custody still says who collected it


def test_erasure_is_one_transaction(monkeypatch):
    user, membership, report = _rich_user()

    def boom(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(subject.audit, "record", boom)
    with pytest.raises(RuntimeError):
        subject.erase_user(user=user, actor=user)
    user.refresh_from_db()
    assert user.is_active
    assert Membership.objects.filter(pk=membership.pk).exists()
    report.refresh_from_db()
    assert report.reporter_id == user.pk
    assert not PrivacyRequest.objects.exists()


def test_officer_carries_out_a_recorded_erasure_request():
    officer = UserFactory()
    user, membership, _r = _rich_user()
    pr = PrivacyRequest.objects.create(
        kind=RequestKind.ERASURE,
        subject=user,
        requester_name="A. de Vries",
        requester_contact="brief",
        received_on=timezone.localdate(),
        due_on=one_month_after(timezone.localdate()),
        recorded_by=officer,
    )
    result = subject.erase_user(user=user, actor=officer, request=pr)
    pr.refresh_from_db()
    assert result.request.pk == pr.pk
    assert (pr.status, pr.closed_by_id, pr.self_service) == (RequestStatus.DONE, officer.pk, False)
    assert PrivacyRequest.objects.count() == 1
    assert AuditEvent.objects.get(action="privacy.erasure").actor_id == officer.pk


def test_export_leaves_out_secrets_of_the_account_and_its_devices():
    from samenveilig.activities.models import CalendarFeed
    from samenveilig.alerts.models import PushSubscription
    from tests.factories import enrol_totp

    user = UserFactory()
    enrol_totp(user)
    CalendarFeed.objects.create(user=user, token_hash="f" * 64)
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example/abc", p256dh="P256-SECRET", auth="AUTH-SECRET"
    )
    data = subject.collect_export(user)
    text = str(data)
    assert "f" * 64 not in text and "P256-SECRET" not in text and "AUTH-SECRET" not in text
    assert user.password not in text
    assert data["two_factor_methods"] == [
        {
            "record": data["two_factor_methods"][0]["record"],
            "id": data["two_factor_methods"][0]["id"],
            "type": "totp",
        }
    ]
    assert data["activities"] and data["push_subscriptions"]


def test_export_lists_audit_rows_about_the_user_made_by_others():
    user = UserFactory()
    officer = UserFactory()
    subject.export_user_data(user=user, actor=officer, fmt="json")
    rows = subject.collect_export(user)["audit_rows"]
    assert [r["action"] for r in rows] == ["accounts.data_export"]
    assert rows[0]["as"] == "subject"
