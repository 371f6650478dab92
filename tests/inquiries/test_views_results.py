"""Results pages (INQ-7, INQ-8): every page and endpoint with the allowed roles (police of the
buurt, the group's coordinator) and the refused ones (police elsewhere, a plain member, a
canvasser, someone without a role, anonymous); phone numbers only for the police; the downloads
(attachment, no personal data in the file name, audited); the alert form filled in from a
description; the cocoon warning button and its status; the leaflet's language."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from samenveilig.alerts.models import Alert, AlertStatus
from samenveilig.communities.models import AlertKind
from samenveilig.core.models import AuditEvent
from samenveilig.inquiries import results
from tests.alerts.factories import allow_proposals
from tests.conftest import login
from tests.inquiries.results_scene import PHONE, SECOND_PHONE, WHAT_SEEN, build_canvass

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def canvass(scene):
    return build_canvass(scene)


def as_user(client, scene, who):
    if who == "anonymous":
        return client
    user = scene.canvassers[0] if who == "canvasser" else getattr(scene, who)
    # Pages in English: the assertions read the English msgids, Dutch is the users' default.
    user.language = "en"
    user.save(update_fields=["language"])
    privileged = who in ("police", "coordinator", "other_police")
    return login(client, user, with_mfa=privileged)


def lead_visit(canvass):
    return canvass.inquiry.visits.filter(stop=canvass.stops[0]).order_by("-visited_at").first()


def endpoints(canvass):
    """(method, url) of every page and endpoint of the results."""
    ref = canvass.inquiry.reference
    visit = lead_visit(canvass)
    return [
        ("get", reverse("inquiries:results", args=[ref])),
        ("get", reverse("inquiries:results_csv", args=[ref])),
        ("get", reverse("inquiries:results_pdf", args=[ref])),
        ("get", reverse("inquiries:leaflet", args=[ref]) + "?taal=nl"),
        ("post", reverse("inquiries:cocoon", args=[ref])),
        ("get", reverse("inquiries:alert_from_person", args=[ref, visit.pk, 1])),
        ("get", reverse("inquiries:alert_from_vehicle", args=[ref, visit.pk])),
    ]


ENDPOINT_NAMES = ["results", "csv", "pdf", "leaflet", "cocoon", "alert_person", "alert_vehicle"]


# --- refused roles on every page ---------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(ENDPOINT_NAMES)), ids=ENDPOINT_NAMES)
@pytest.mark.parametrize(
    "who,status",
    [("other_police", 404), ("member", 404), ("outsider", 404), ("canvasser", 403)],
)
def test_refused_roles(client, scene, canvass, index, who, status):
    method, url = endpoints(canvass)[index]
    response = getattr(as_user(client, scene, who), method)(url)
    assert response.status_code == status
    assert PHONE.encode() not in response.content
    assert not Alert.objects.exists()
    assert not AuditEvent.objects.filter(
        action__in=["inquiry.results_export", "inquiry.leaflet_export", "inquiry.cocoon_warning"]
    ).exists()


@pytest.mark.parametrize("index", range(len(ENDPOINT_NAMES)), ids=ENDPOINT_NAMES)
def test_anonymous_goes_to_the_login_page(client, canvass, index):
    method, url = endpoints(canvass)[index]
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Alert.objects.exists()


def test_an_unknown_inquiry_is_a_404(client, scene):
    as_user(client, scene, "police")
    assert client.get(reverse("inquiries:results", args=["B-ZZZZZZZZ"])).status_code == 404


def test_the_results_page_takes_no_post(client, scene, canvass):
    as_user(client, scene, "police")
    url = reverse("inquiries:results", args=[canvass.inquiry.reference])
    assert client.post(url).status_code == 405


# --- the results page --------------------------------------------------------------------------


def results_url(canvass):
    return reverse("inquiries:results", args=[canvass.inquiry.reference])


def test_police_see_the_results_with_phone_numbers(client, scene, canvass):
    response = as_user(client, scene, "police").get(results_url(canvass))
    assert response.status_code == 200
    html = response.content.decode()
    computed = response.context["results"]
    assert computed.shows_phone
    assert f'data-total="doors">{computed.totals.doors}<' in html
    assert 'data-total="reached">2<' in html and 'data-total="leads">1<' in html
    assert PHONE in html and SECOND_PHONE in html
    assert WHAT_SEEN in html
    assert 'data-testid="victim-door"' in html
    assert "Send the cocoon warning" in html
    assert "Make an alert" in html


def test_coordinators_see_consent_but_no_phone_number(client, scene, canvass):
    response = as_user(client, scene, "coordinator").get(results_url(canvass))
    assert response.status_code == 200
    html = response.content.decode()
    assert PHONE not in html and SECOND_PHONE not in html
    assert html.count("consented: yes — phone visible to police") == 2
    assert WHAT_SEEN in html


def test_a_lead_is_marked_in_words_not_only_by_colour(client, scene, canvass):
    html = as_user(client, scene, "police").get(results_url(canvass)).content.decode()
    lead_stop = canvass.stops[0].pk
    row_start = html.index(f'data-stop="{lead_stop}"')
    row = html[html.rindex("<tr", 0, row_start) : html.index("</tr>", row_start)]
    assert 'class="lead-row"' in row and ">Lead<" in row
    quiet = html[html.index(f'data-stop="{canvass.stops[2].pk}"') :]
    assert ">Lead<" not in quiet[: quiet.index("</tr>")]


def test_a_coordinator_without_alert_rights_gets_an_explanation(client, scene, canvass):
    html = as_user(client, scene, "coordinator").get(results_url(canvass)).content.decode()
    assert 'data-testid="cocoon-not-allowed"' in html
    assert reverse("inquiries:cocoon", args=[canvass.inquiry.reference]) not in html
    assert "Propose an alert" not in html and "Make an alert" not in html


def test_a_coordinator_may_propose_where_the_municipality_allows(client, scene, canvass):
    allow_proposals(scene.town["municipality"])
    html = as_user(client, scene, "coordinator").get(results_url(canvass)).content.decode()
    assert "Propose the cocoon warning to the police" in html
    assert "Propose an alert" in html


# --- downloads ---------------------------------------------------------------------------------


def test_the_csv_download(client, scene, canvass):
    url = reverse("inquiries:results_csv", args=[canvass.inquiry.reference])
    response = as_user(client, scene, "police").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="buurtonderzoek-{canvass.inquiry.reference}-resultaten.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == results.CSV_HEADER
    assert {r["phone"] for r in rows} >= {PHONE, "'" + SECOND_PHONE}
    event = AuditEvent.objects.get(action="inquiry.results_export")
    assert event.details == {"format": "csv", "doors": len(rows), "phone_numbers": True}
    assert event.actor_id == scene.police.pk


def test_the_coordinators_csv_has_no_phone_numbers(client, scene, canvass):
    url = reverse("inquiries:results_csv", args=[canvass.inquiry.reference])
    response = as_user(client, scene, "coordinator").get(url)
    body = response.content.decode("utf-8-sig")
    assert PHONE not in body and SECOND_PHONE.lstrip("+") not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sum(r["wants_contact"] == "yes" for r in rows) == 2
    assert AuditEvent.objects.get(action="inquiry.results_export").details["phone_numbers"] is False


def test_the_pdf_download(client, scene, canvass):
    url = reverse("inquiries:results_pdf", args=[canvass.inquiry.reference])
    response = as_user(client, scene, "coordinator").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="buurtonderzoek-{canvass.inquiry.reference}-resultaten.pdf"'
    )
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages
    )
    assert canvass.inquiry.reference in text and WHAT_SEEN in text
    assert PHONE not in text
    assert AuditEvent.objects.get(action="inquiry.results_export").details["format"] == "pdf"


# --- leaflet -----------------------------------------------------------------------------------


def leaflet_url(canvass, query="?taal=en"):
    return reverse("inquiries:leaflet", args=[canvass.inquiry.reference]) + query


def test_the_leaflet_download(client, scene, canvass):
    response = as_user(client, scene, "coordinator").get(leaflet_url(canvass))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="buurtonderzoek-{canvass.inquiry.reference}-folder-en.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    expected = results.inquiry_results(canvass.inquiry, viewer=scene.coordinator).leaflet_doors
    assert len(reader.pages) == len(expected)
    assert "Something happened in your neighbourhood" in reader.pages[0].extract_text()
    assert "/meldingen/nieuw/" in reader.pages[0].extract_text()
    event = AuditEvent.objects.get(action="inquiry.leaflet_export")
    assert event.details == {"addresses": len(expected), "language": "en"}


def test_the_leaflet_defaults_to_dutch(client, scene, canvass):
    url = reverse("inquiries:leaflet", args=[canvass.inquiry.reference])
    response = as_user(client, scene, "police").get(url)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-nl.pdf"')


def test_an_unknown_leaflet_language_is_a_field_error(client, scene, canvass):
    response = as_user(client, scene, "police").get(leaflet_url(canvass, "?taal=xx"))
    assert response.status_code == 400
    assert "Choose Nederlands or English." in response.content.decode()
    assert not AuditEvent.objects.filter(action="inquiry.leaflet_export").exists()


def test_no_leaflet_when_every_door_was_reached(client, scene, canvass):
    from samenveilig.inquiries.models import CanvassAddress

    computed = results.inquiry_results(canvass.inquiry, viewer=scene.coordinator)
    CanvassAddress.objects.filter(pk__in=[d.stop.pk for d in computed.leaflet_doors]).delete()
    as_user(client, scene, "coordinator")
    page = client.get(results_url(canvass))
    assert 'data-testid="leaflet-count">0 addresses need' in page.content.decode()
    response = client.get(leaflet_url(canvass))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "no leaflets are needed" in page.content.decode()
    assert not AuditEvent.objects.filter(action="inquiry.leaflet_export").exists()


# --- cocoon warning ----------------------------------------------------------------------------


def cocoon_url(canvass):
    return reverse("inquiries:cocoon", args=[canvass.inquiry.reference])


def test_police_send_the_cocoon_warning_from_the_page(client, scene, canvass):
    as_user(client, scene, "police")
    response = client.post(cocoon_url(canvass), follow=True)
    assert response.status_code == 200
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.COCOON and alert.status == AlertStatus.SENT
    html = response.content.decode()
    assert "has been sent to the members nearby" in html
    assert 'data-status="sent"' in html and alert.reference in html
    assert reverse("alerts:detail", args=[alert.reference]) in html
    assert "Send the cocoon warning" not in html  # no second one while it runs
    again = client.post(cocoon_url(canvass), follow=True)
    assert "already running or waiting for approval" in again.content.decode()
    assert Alert.objects.count() == 1


def test_a_coordinators_cocoon_warning_waits_for_the_police(client, scene, canvass):
    allow_proposals(scene.town["municipality"])
    as_user(client, scene, "coordinator")
    html = client.post(cocoon_url(canvass), follow=True).content.decode()
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.PENDING_APPROVAL
    assert "waits for approval by the police" in html
    assert 'data-status="pending_approval"' in html and "Waiting for police approval" in html


def test_a_coordinator_without_alert_rights_is_refused(client, scene, canvass):
    as_user(client, scene, "coordinator")
    assert client.post(cocoon_url(canvass)).status_code == 403
    assert not Alert.objects.exists()


def test_the_cocoon_endpoint_takes_no_get(client, scene, canvass):
    as_user(client, scene, "police")
    assert client.get(cocoon_url(canvass)).status_code == 405


# --- from a description to an alert ------------------------------------------------------------


def person_url(canvass, visit=None, number=1):
    visit = visit or lead_visit(canvass)
    return reverse(
        "inquiries:alert_from_person", args=[canvass.inquiry.reference, visit.pk, number]
    )


def test_the_alert_form_opens_filled_in_from_a_person(client, scene, canvass):
    response = as_user(client, scene, "police").get(person_url(canvass))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "alerts/new.html"
    html = response.content.decode()
    assert f'action="{reverse("alerts:new")}"' in html
    assert 'value="Zwarte jas met capuchon"' in html and 'name="person-top"' in html
    assert 'name="person-age_min" value="25"' in html
    assert 'name="vehicle-licence_plate" value="12-ABC-3"' in html
    assert '<option value="wanted_person" selected>' in html
    assert "Filled in from a description in neighbourhood inquiry" in html
    assert PHONE not in html  # not part of any alert


def alert_post_data(canvass, person=True):
    computed = results.inquiry_results(canvass.inquiry, viewer=None)
    door = computed.leads[0]
    draft = results.alert_draft(canvass.inquiry, door, person=door.persons[0] if person else None)
    data = {**draft["alert"], "action": "send"}
    data.update({f"person-{k}": v for k, v in draft["person"].items()})
    data.update({f"vehicle-{k}": v for k, v in draft["vehicle"].items()})
    return data


def test_the_filled_in_form_sends_as_it_is(client, scene, canvass):
    """The draft passes the alert checks: the officer only has to press Send."""
    as_user(client, scene, "police")
    response = client.post(reverse("alerts:new"), alert_post_data(canvass))
    assert response.status_code == 302, response.content.decode()[:2000]
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.WANTED_PERSON and alert.status == AlertStatus.SENT
    assert alert.person["top"] == "Zwarte jas met capuchon"
    assert alert.vehicle["licence_plate"] == "12-ABC-3"


def test_a_coordinators_alert_from_a_description_is_a_proposal(client, scene, canvass):
    allow_proposals(scene.town["municipality"])
    as_user(client, scene, "coordinator")
    assert client.get(person_url(canvass)).status_code == 200
    response = client.post(reverse("alerts:new"), alert_post_data(canvass, person=False))
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.kind == AlertKind.VEHICLE and alert.status == AlertStatus.PENDING_APPROVAL


def test_a_coordinator_without_alert_rights_gets_no_alert_form(client, scene, canvass):
    as_user(client, scene, "coordinator")
    assert client.get(person_url(canvass)).status_code == 403


def test_only_the_newest_visits_descriptions_open(client, scene, canvass):
    as_user(client, scene, "police")
    older = canvass.inquiry.visits.filter(stop=canvass.stops[0]).order_by("visited_at").first()
    assert client.get(person_url(canvass, visit=older)).status_code == 404
    assert client.get(person_url(canvass, number=2)).status_code == 404
    quiet = canvass.inquiry.visits.get(stop=canvass.stops[2])
    url = reverse("inquiries:alert_from_vehicle", args=[canvass.inquiry.reference, quiet.pk])
    assert client.get(url).status_code == 404
