"""INV-8 in alerts: a suspect's name or handle recorded in an investigation of the town can never
be sent or proposed as an alert (service, page-independent API), nor in a closing message; the
refusal names no case."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.utils import translation

from samenveilig.alerts import services
from samenveilig.alerts.models import Alert, AlertStatus
from samenveilig.core.models import AuditEvent
from tests.alerts.factories import CENTRE, PERSON, alert_input, allow_proposals, build_world, send
from tests.conftest import login
from tests.factories import AreaFactory
from tests.investigations.cases import case_naming

pytestmark = pytest.mark.django_db

SUSPECT = "Kees van der Meer"
HANDLE = "@kees_m_1975"


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def world(town):
    world = build_world(town)
    # A team of the whole town: the alert in Noord-West is in its town.
    world["case"] = case_naming(town["municipality"], [SUSPECT, HANDLE])
    return world


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "Let op: Kees van der Meer"},
        {"message": "Gezien met KEES VAN DER MEER bij de supermarkt."},
        {"message": "Account kees_m_1975 verkoopt gestolen telefoons."},
        {"person": {**PERSON, "behaviour": "Noemt zich @kees_m_1975 op Marktplaats"}},
    ],
)
def test_police_cannot_send_an_alert_naming_a_recorded_suspect(world, overrides):
    with pytest.raises(services.AlertValidationError) as caught:
        send(world["police_noord"], **overrides)
    message = " ".join(caught.value.errors["__all__"])
    assert "cannot be published" in message
    assert world["case"].reference not in message and "Kees" not in message
    assert not Alert.objects.exists()
    # The refusal stays in the audit chain: who tried, where; never the text or the case.
    row = AuditEvent.objects.get(action="investigations.publication_refused")
    assert row.actor_id == world["police_noord"].pk and row.details["where"] == "alert"
    assert "Kees" not in str(row.details) and row.object_type == "" and row.object_id == ""


def test_a_coordinator_cannot_propose_it_either(world):
    allow_proposals(world["municipality"])
    with pytest.raises(services.AlertValidationError), TestCase.captureOnCommitCallbacks():
        services.alert_create(
            actor=world["coordinator"], data=alert_input(title="Pas op voor Kees van der Meer")
        )
    assert not Alert.objects.exists()


def test_other_text_and_other_towns_are_not_affected(world, town):
    alert = send(world["police_noord"], message="Een man van middelbare leeftijd, bel 112.")
    assert alert.status == AlertStatus.SENT
    assert not AuditEvent.objects.filter(action="investigations.publication_refused").exists()
    # A case in another town does not block this town's alerts.
    Alert.objects.all().delete()
    world["case"].suspect_identifiers.all().delete()
    elsewhere = AreaFactory()
    case_naming(elsewhere, [SUSPECT])
    assert send(world["police_noord"], title="Kees van der Meer vermist").status == AlertStatus.SENT


def test_the_closing_message_is_checked_too(world):
    alert = send(world["police_noord"])
    with pytest.raises(services.AlertValidationError) as caught:
        services.alert_end(
            actor=world["police_noord"],
            alert=alert,
            closing_message="Opgelost: het was Kees van der Meer.",
        )
    assert "closing_message" in caught.value.errors
    alert.refresh_from_db()
    assert alert.closed_at is None
    row = AuditEvent.objects.get(action="investigations.publication_refused")
    assert row.details["where"] == "alert_closing"


def test_the_api_refuses_it_with_a_clear_message(client, world):
    login(client, world["police_noord"])
    response = client.post(
        "/api/v1/alerts",
        {
            "kind": "missing_person",
            "title": "Vermist",
            "message": "Zoek naar Kees van der Meer",
            "person": dict(PERSON),
            "lat": CENTRE[0],
            "lon": CENTRE[1],
        },
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert any("cannot be published" in e["message"] for e in body["errors"])
    assert not Alert.objects.exists()
