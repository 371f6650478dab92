"""Problems members report about an alert (REP-10, abuse reporting): a recipient tells the police
of the area that an alert singles people out, names someone, or is wrong or hostile; once per
alert. The alert's managers see the reports on its page and keep or end the alert. Nobody else
can report or answer; the reports go with the alert's description at the purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from samenveilig.alerts import services
from samenveilig.alerts.models import AlertConcern, AlertStatus, ConcernStatus
from samenveilig.core.models import AuditEvent
from tests.alerts.factories import build_world, send
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(town):
    return build_world(town)


@pytest.fixture
def live(world):
    return send(world["police_noord"])


def concern_url(alert):
    return reverse("alerts:concern", args=[alert.reference])


def handle_url(alert, concern):
    return reverse("alerts:concern_handle", args=[alert.reference, concern.pk])


def detail_url(alert):
    return reverse("alerts:detail", args=[alert.reference])


def test_a_recipient_reports_a_problem_once(client, world, live):
    login(client, world["member_in"])
    page = client.get(detail_url(live))
    assert "Report a problem with this alert" in page.text
    response = client.post(
        concern_url(live), {"reason": "profiling", "note": "Alleen huidskleur, verder niets."}
    )
    assert response.status_code == 302
    concern = AlertConcern.objects.get()
    assert (concern.raised_by, concern.reason, concern.status) == (
        world["member_in"],
        "profiling",
        ConcernStatus.OPEN,
    )
    row = AuditEvent.objects.get(action="alerts.concern_raised")
    assert row.details == {"concern_id": concern.pk, "reason": "profiling"}
    page = client.get(detail_url(live))
    assert "Report a problem with this alert" not in page.text
    assert "You reported a problem with this alert" in page.text
    # A second report of the same member is refused with a message, nothing saved twice.
    response = client.post(concern_url(live), {"reason": "wrong"}, follow=True)
    assert "You have already reported a problem with this alert" in response.text
    assert AlertConcern.objects.count() == 1


def test_bad_input_is_a_message_at_the_field(client, world, live):
    login(client, world["member_in"])
    response = client.post(concern_url(live), {"reason": "nonsense", "note": "x" * 1001})
    assert response.status_code == 400
    assert 'id="concern" open' in response.text
    assert not AlertConcern.objects.exists()


@pytest.mark.parametrize("who", ["member_out", "resident", "police_zuid"])
def test_who_did_not_receive_it_cannot_report(client, world, live, who):
    login(client, world[who])
    assert client.post(concern_url(live), {"reason": "wrong"}).status_code == 404
    assert not AlertConcern.objects.exists()


def test_anonymous_goes_to_login_and_get_is_refused(client, world, live):
    response = client.post(concern_url(live), {"reason": "wrong"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    login(client, world["member_in"])
    assert client.get(concern_url(live)).status_code == 405


def test_the_police_of_the_area_keep_or_end_the_alert(client, world, live):
    concern = services.concern_raise(
        actor=world["member_in"], alert=live, reason="personal_data", note="Naam genoemd"
    )
    login(client, world["police_noord"])
    page = client.get(detail_url(live))
    assert "Problems reported by recipients" in page.text and "Naam genoemd" in page.text
    response = client.post(handle_url(live, concern), {"decision": "end", "note": "Klopt."})
    assert response.status_code == 302
    concern.refresh_from_db()
    live.refresh_from_db()
    assert concern.status == ConcernStatus.ACTED and concern.handled_by == world["police_noord"]
    assert live.expires_at <= timezone.now()
    assert AuditEvent.objects.filter(action="alerts.concern_handled").count() == 1
    # Answered once.
    client.post(handle_url(live, concern), {"decision": "keep"})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ACTED


def test_keeping_the_alert_leaves_it_running(world, live):
    concern = services.concern_raise(actor=world["member_in"], alert=live, reason="wrong")
    services.concern_handle(actor=world["police_noord"], concern=concern, end_alert=False)
    live.refresh_from_db()
    assert live.status == AlertStatus.SENT and live.expires_at > timezone.now()
    assert AlertConcern.objects.get().status == ConcernStatus.DISMISSED


@pytest.mark.parametrize("who", ["member_in", "police_zuid", "resident"])
def test_only_managers_answer(client, world, live, who):
    concern = services.concern_raise(actor=world["member_in"], alert=live, reason="wrong")
    login(client, world[who])
    assert client.post(handle_url(live, concern), {"decision": "end"}).status_code == 404
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN


def test_reports_go_with_the_description_at_the_purge(world, live, settings):
    services.concern_raise(actor=world["member_in"], alert=live, reason="hostile", note="Grof")
    type(live).objects.filter(pk=live.pk).update(
        expires_at=timezone.now() - timedelta(days=settings.ALERT_RETENTION_DAYS + 1)
    )
    assert services.purge_expired_alerts() == 1
    assert not AlertConcern.objects.exists()
