"""Creating, approving, ending, tipping and purging alerts (ALR-1, ALR-5, ALR-6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.alerts import fanout, services
from samenveilig.alerts.models import (
    Alert,
    AlertPolicy,
    AlertStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    Purpose,
)
from samenveilig.alerts.services import (
    AlertActionError,
    AlertInput,
    AlertValidationError,
    alert_approve,
    alert_create,
    alert_end,
    alert_reject,
    alert_tip,
    purge_expired_alerts,
)
from samenveilig.communities.models import (
    AlertKind,
    AlertSubscription,
    CommunityKind,
    MembershipRole,
)
from samenveilig.core.models import AuditEvent
from samenveilig.reports.categories import install_default_categories
from samenveilig.reports.models import Report, ReportSource
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    grant,
)

CENTRE = (52.0125, 5.0025)  # Noord-West


def person_input(**overrides) -> AlertInput:
    values = dict(
        kind=AlertKind.MISSING_PERSON,
        title="Vermiste man, 82 jaar",
        message="Zie je hem? Bel 112.",
        person={
            "behaviour": "Liep weg uit het verzorgingshuis",
            "hair_colour": "grijs",
            "top": "blauwe pyjamajas",
            "shoes": "pantoffels",
        },
        lat=CENTRE[0],
        lon=CENTRE[1],
    )
    values.update(overrides)
    return AlertInput(**values)


@pytest.fixture
def police(town):
    officer = UserFactory()
    grant(officer, Role.POLICE, town["noord"])
    return officer


@pytest.fixture
def member(town):
    user = UserFactory()
    MembershipFactory(user=user)
    WatchPointFactory(user=user, lat=CENTRE[0] + 0.001, lon=CENTRE[1])
    AlertSubscription.objects.create(user=user, kind=AlertKind.MISSING_PERSON)
    return user


@pytest.fixture
def coordinator(town):
    user = UserFactory()
    community = CommunityFactory(kind=CommunityKind.WHATSAPP_GROUP, areas=[town["noord"]])
    MembershipFactory(user=user, community=community, role=MembershipRole.COORDINATOR)
    return user


def test_police_create_sends_at_once_and_records_audit(police, member, town):
    alert = alert_create(actor=police, data=person_input())
    assert alert.status == AlertStatus.SENT
    assert alert.reference.startswith("A-")
    assert alert.municipality == town["municipality"]
    assert alert.centre_neighbourhood == town["noord_west"]
    assert alert.expires_at - alert.valid_from == timedelta(hours=2)
    assert AuditEvent.objects.filter(action="alerts.sent", object_id=str(alert.pk)).exists()


def test_fanout_plan_reaches_the_member_in_the_inbox(police, member):
    alert = alert_create(actor=police, data=person_input())
    assert fanout.plan(alert.pk) == 1
    inbox = Delivery.objects.get(alert=alert, channel=Channel.INBOX)
    assert inbox.user == member and inbox.status == DeliveryStatus.SENT
    alert.refresh_from_db()
    assert alert.recipient_count == 1


def test_reach_counts_before_sending(police, member):
    assert services.alert_reach(person_input()) == 1
    assert services.alert_reach(person_input(lat=52.0005, lon=5.0005, radius_m=100)) == 0
    assert Alert.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"radius_m": 50}, "radius_m"),
        ({"radius_m": 10_001}, "radius_m"),
        ({"lat": 51.0, "lon": 4.0}, "location"),
        ({"lat": None, "lon": None}, "location"),
        ({"person": None}, "person"),
        ({"person": {"behaviour": "Rende weg", "skin_colour": "donker"}}, "person.skin_colour"),
        ({"kind": AlertKind.VEHICLE, "person": None}, "vehicle"),
        ({"kind": "nonsense"}, "kind"),
        ({"message": "x" * 1001}, "message"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(police, overrides, field):
    audit_before = AuditEvent.objects.count()
    with pytest.raises(AlertValidationError) as caught:
        alert_create(actor=police, data=person_input(**overrides))
    assert field in caught.value.errors
    assert all(caught.value.errors[field])
    assert Alert.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


def test_validity_must_be_future_and_at_most_thirty_days(police):
    now = timezone.now()
    for until in (now - timedelta(minutes=1), now + timedelta(days=31)):
        with pytest.raises(AlertValidationError) as caught:
            alert_create(actor=police, data=person_input(valid_until=until))
        assert "valid_until" in caught.value.errors
    alert = alert_create(actor=police, data=person_input(valid_until=now + timedelta(days=3)))
    assert alert.expires_at == now + timedelta(days=3)


def test_cocoon_warning_defaults_to_fourteen_days(police):
    alert = alert_create(
        actor=police,
        data=person_input(kind=AlertKind.COCOON, person=None, title="Inbraak in de straat"),
    )
    assert alert.expires_at - alert.valid_from == timedelta(days=14)


def test_buurten_instead_of_a_circle(police, town):
    alert = alert_create(
        actor=police,
        data=person_input(
            lat=None, lon=None, area_ids=[town["noord_west"].pk, town["noord_oost"].pk]
        ),
    )
    assert set(alert.areas.all()) == {town["noord_west"], town["noord_oost"]}
    with pytest.raises(AlertValidationError) as caught:
        alert_create(actor=police, data=person_input(area_ids=[town["noord"].pk]))
    assert "areas" in caught.value.errors


@pytest.mark.parametrize("who", ["resident", "member", "police_elsewhere", "municipality"])
def test_others_may_not_create(who, town, member):
    user = member if who == "member" else UserFactory()
    if who == "police_elsewhere":
        grant(user, Role.POLICE, town["zuid"])
    if who == "municipality":
        grant(user, Role.MUNICIPALITY, town["municipality"])
    with pytest.raises(PermissionDenied):
        alert_create(actor=user, data=person_input())
    assert Alert.objects.count() == 0


def test_coordinator_may_not_propose_unless_the_municipality_allows(coordinator, town):
    with pytest.raises(PermissionDenied):
        alert_create(actor=coordinator, data=person_input())
    AlertPolicy.objects.create(municipality=town["municipality"], coordinators_may_propose=True)
    alert = alert_create(actor=coordinator, data=person_input())
    assert alert.status == AlertStatus.PENDING_APPROVAL
    assert alert.valid_from is None
    assert not Delivery.objects.filter(alert=alert).exists()
    # Outside the community's areas: refused.
    with pytest.raises(PermissionDenied):
        alert_create(actor=coordinator, data=person_input(lat=52.0025, lon=5.0025))


def test_coordinator_may_not_add_a_photo(coordinator, town):
    from django.core.files.uploadedfile import SimpleUploadedFile

    AlertPolicy.objects.create(municipality=town["municipality"], coordinators_may_propose=True)
    photo = SimpleUploadedFile("p.jpg", b"not really", content_type="image/jpeg")
    with pytest.raises(AlertValidationError) as caught:
        alert_create(actor=coordinator, data=person_input(photo=photo))
    assert "photo" in caught.value.errors


def test_police_approve_or_reject_a_proposal(coordinator, police, town, member):
    AlertPolicy.objects.create(municipality=town["municipality"], coordinators_may_propose=True)
    proposal = alert_create(actor=coordinator, data=person_input())
    with pytest.raises(PermissionDenied):
        alert_approve(actor=coordinator, alert=proposal)
    elsewhere = UserFactory()
    grant(elsewhere, Role.POLICE, town["zuid"])
    with pytest.raises(PermissionDenied):
        alert_approve(actor=elsewhere, alert=proposal)
    approved = alert_approve(actor=police, alert=proposal)
    assert approved.status == AlertStatus.SENT and approved.decided_by == police
    with pytest.raises(AlertActionError):
        alert_approve(actor=police, alert=approved)

    second = alert_create(actor=coordinator, data=person_input())
    with pytest.raises(AlertValidationError):
        alert_reject(actor=police, alert=second, note="  ")
    rejected = alert_reject(actor=police, alert=second, note="Dit is aan de politie zelf.")
    assert rejected.status == AlertStatus.REJECTED
    assert rejected.decision_note == "Dit is aan de politie zelf."


def test_end_with_closing_message_cancels_pending_and_reaches_the_same_members(police, member):
    alert = alert_create(actor=police, data=person_input())
    fanout.plan(alert.pk)
    pending_email = Delivery.objects.filter(alert=alert, channel=Channel.EMAIL)
    assert pending_email.get().status == DeliveryStatus.PENDING
    ended = alert_end(
        actor=police, alert=alert, closing_message="Gevonden, dank voor het uitkijken"
    )
    assert ended.is_expired()
    assert pending_email.get().status == DeliveryStatus.CANCELLED
    fanout.plan(alert.pk, Purpose.CLOSING)
    closing = Delivery.objects.filter(alert=alert, purpose=Purpose.CLOSING, channel=Channel.INBOX)
    assert list(closing.values_list("user_id", flat=True)) == [member.pk]
    with pytest.raises(AlertActionError):
        alert_end(actor=police, alert=ended, closing_message="Nog eens")
    with pytest.raises(PermissionDenied):
        alert_end(actor=member, alert=ended)


def test_tip_becomes_a_report_linked_to_the_alert(police, member, town):
    install_default_categories()
    alert = alert_create(actor=police, data=person_input())
    fanout.plan(alert.pk)
    report = alert_tip(
        actor=member,
        alert=alert,
        notes="Zag hem bij de bushalte richting station",
        observed_at=timezone.now() - timedelta(minutes=5),
        lat=CENTRE[0],
        lon=CENTRE[1],
    )
    assert report.related_alert_id == alert.pk
    assert report.source == ReportSource.ALERT_TIP
    assert report.category.code == "verdachte-situatie-persoon"
    assert report.neighbourhood == town["noord_west"]


def test_tip_refused_for_non_recipients_bad_input_and_after_the_end(police, member, town):
    install_default_categories()
    alert = alert_create(actor=police, data=person_input())
    fanout.plan(alert.pk)
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        alert_tip(
            actor=outsider,
            alert=alert,
            notes="x",
            observed_at=timezone.now(),
            lat=CENTRE[0],
            lon=CENTRE[1],
        )
    with pytest.raises(AlertValidationError) as caught:
        alert_tip(
            actor=member,
            alert=alert,
            notes="Gezien",
            observed_at=timezone.now() + timedelta(hours=2),
            lat=CENTRE[0],
            lon=CENTRE[1],
        )
    assert "observed_at" in caught.value.errors
    alert_end(actor=police, alert=alert)
    with pytest.raises(AlertActionError):
        alert_tip(
            actor=member,
            alert=alert,
            notes="x",
            observed_at=timezone.now(),
            lat=CENTRE[0],
            lon=CENTRE[1],
        )
    assert not Report.objects.exists()


def test_purge_removes_the_description_after_the_retention_period(police, settings):
    settings.ALERT_RETENTION_DAYS = 30
    alert = alert_create(actor=police, data=person_input())
    Alert.objects.filter(pk=alert.pk).update(expires_at=timezone.now() - timedelta(days=29))
    assert purge_expired_alerts() == 0
    Alert.objects.filter(pk=alert.pk).update(expires_at=timezone.now() - timedelta(days=31))
    assert purge_expired_alerts() == 1
    alert.refresh_from_db()
    assert alert.person is None and alert.title == "" and alert.message == ""
    assert alert.purged_at is not None
    assert purge_expired_alerts() == 0  # once
    assert AuditEvent.objects.filter(action="alerts.purged").count() == 1


def test_headline_on_more_than_one_line_is_refused(police):
    with pytest.raises(AlertValidationError) as caught:
        alert_create(actor=police, data=person_input(title="Vermist\r\nBel 0612345678"))
    assert "title" in caught.value.errors
    assert Alert.objects.count() == 0


def test_a_removed_coordinator_no_longer_manages_their_proposal(coordinator, police, town):
    from samenveilig.alerts import permissions
    from samenveilig.communities.models import Membership

    AlertPolicy.objects.create(municipality=town["municipality"], coordinators_may_propose=True)
    proposal = alert_create(actor=coordinator, data=person_input())
    alert = alert_approve(actor=police, alert=proposal)
    assert permissions.can_manage(coordinator, alert)
    Membership.objects.filter(user=coordinator).delete()
    assert not permissions.can_manage(coordinator, alert)
    with pytest.raises(PermissionDenied):
        alert_end(actor=coordinator, alert=alert, closing_message="Gevonden")


def test_closing_webhook_carries_no_description(police, member, town):
    from samenveilig.alerts.channels.webhook import payload

    alert = alert_create(actor=police, data=person_input())
    ended = alert_end(actor=police, alert=alert, closing_message="Gevonden, dank je wel")
    body = payload(ended, Delivery(alert=ended, purpose=Purpose.CLOSING, channel=Channel.WEBHOOK))
    assert body["closing_message"] == "Gevonden, dank je wel"
    for key in ("title", "message", "person", "vehicle", "description_nl"):
        assert body[key] is None
    assert "pyjamajas" not in str(body)
