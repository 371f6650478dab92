"""The victim's own door (INQ-2): not on any route; the wijkagent of the buurt or a coordinator of
the group records the visit on its own page with the inquiry's questionnaire, once per key, while
the inquiry is open. Canvassers get a 403, anyone else a 404, anonymous visitors the login page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from samenveilig.inquiries import services
from samenveilig.inquiries.models import CanvassVisit
from tests.inquiries.test_canvass import as_user, hidden_key, not_home_post, spoken_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(scene):
    inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=8))
    for user in scene.canvassers:
        services.canvass_signup(actor=user, inquiry=inquiry)
    return inquiry


def victim_url(inquiry):
    return reverse("inquiries:victim_door", args=[inquiry.reference])


def detail_url(inquiry):
    return reverse("inquiries:detail", args=[inquiry.reference])


@pytest.mark.parametrize("who", ["police", "coordinator"])
def test_the_police_or_a_coordinator_records_the_victims_visit(client, scene, inquiry, who):
    user = getattr(scene, who)
    as_user(client, user, privileged=True)
    detail = client.get(detail_url(inquiry))
    assert victim_url(inquiry) in detail.text and "record the visit" in detail.text

    page = client.get(victim_url(inquiry))
    assert page.status_code == 200
    assert "Visit to the victim" in page.text and scene.victim.street in page.text
    key = hidden_key(page.text)
    post = spoken_post(
        key,
        **{
            "q/conversation/saw_something": "yes",
            "q/conversation/what_seen": "Twee mannen bij de schuur",
        },
    )
    response = client.post(victim_url(inquiry), post)
    assert response.status_code == 302 and response["Location"] == detail_url(inquiry)
    # "Save" pressed twice: still one visit.
    assert client.post(victim_url(inquiry), post).status_code == 302
    visit = CanvassVisit.objects.get()
    assert visit.stop.is_victim and visit.visited_by == user and visit.is_lead
    detail = client.get(detail_url(inquiry))
    assert "visited: Spoke with resident" in detail.text and "record another visit" in detail.text
    assert "Spoke with resident" in client.get(victim_url(inquiry)).text  # earlier visits


def test_bad_answers_come_back_with_the_forms_messages(client, scene, inquiry):
    as_user(client, scene.police, privileged=True)
    response = client.post(victim_url(inquiry), {"idempotency_key": "victim-key-000001"})
    assert response.status_code == 400
    assert "The visit has not been stored yet" in response.text
    assert not CanvassVisit.objects.exists()


def test_refused_roles(client, scene, inquiry):
    url = victim_url(inquiry)
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    canvasser = scene.canvassers[0]
    as_user(client, canvasser)
    assert client.get(url).status_code == 403
    assert client.post(url, not_home_post("victim-key-000002")).status_code == 403
    assert "record the visit" not in client.get(detail_url(inquiry)).text
    client.logout()

    for who, privileged in [
        (scene.member, False),
        (scene.outsider, False),
        (scene.other_police, True),
    ]:
        as_user(client, who, privileged=privileged)
        assert client.get(url).status_code == 404
        assert client.post(url, not_home_post("victim-key-000003")).status_code == 404
        client.logout()
    assert not CanvassVisit.objects.exists()
    assert client.get(reverse("inquiries:victim_door", args=["B-ZZZZZZZZ"])).status_code == 302


def test_a_closed_inquiry_takes_no_more_visits(client, scene, inquiry):
    services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)
    as_user(client, scene.police, privileged=True)
    assert client.get(victim_url(inquiry)).status_code == 403
    assert "record the visit" not in client.get(detail_url(inquiry)).text
