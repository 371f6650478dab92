"""Organiser pages: one allowed and the refused roles on every page; the poster; closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samenveilig.monitor import services
from samenveilig.monitor.models import Audience, SurveyRound
from tests.conftest import login
from tests.monitor.conftest import MEMBER_ANSWERS

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    return login(Client(), user, with_mfa=True)


def round_pages(survey_round: SurveyRound) -> list[str]:
    return [
        reverse("monitor:round_detail", args=[survey_round.pk]),
        reverse("monitor:round_poster", args=[survey_round.pk]),
    ]


def test_anonymous_users_are_sent_to_the_login(scene):
    survey_round = scene.open_round()
    urls = [reverse("monitor:rounds"), reverse("monitor:round_new"), *round_pages(survey_round)]
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    response = Client().post(reverse("monitor:round_close", args=[survey_round.pk]))
    assert response.status_code == 302
    survey_round.refresh_from_db()
    assert survey_round.status() == "open"


@pytest.mark.parametrize("who", ["member", "police", "resident"])
def test_people_without_an_organiser_role_are_refused_the_list_and_form(scene, who):
    client = client_for(getattr(scene, who))
    assert client.get(reverse("monitor:rounds")).status_code == 403
    assert client.get(reverse("monitor:round_new")).status_code == 403
    assert client.post(reverse("monitor:round_new"), {"name": "x"}).status_code == 403


@pytest.mark.parametrize(
    "who", ["member", "police", "resident", "other_coordinator", "other_officer"]
)
def test_round_pages_are_404_for_refused_roles(scene, who):
    survey_round = scene.open_round()
    client = client_for(getattr(scene, who))
    for url in round_pages(survey_round):
        assert client.get(url).status_code == 404
    assert client.post(reverse("monitor:round_close", args=[survey_round.pk])).status_code == 404
    survey_round.refresh_from_db()
    assert survey_round.status() == "open"


def test_municipality_b_does_not_see_municipality_a_rounds_in_its_list(scene):
    area_round = scene.open_round(
        scene.officer, audience=Audience.RESIDENTS, area=scene.town["noord_west"]
    )
    community_round = scene.open_round()
    page = client_for(scene.other_officer).get(reverse("monitor:rounds"))
    assert page.status_code == 200
    assert area_round.name not in page.content.decode() or not page.context["rounds"]
    assert page.context["rounds"] == []
    own = client_for(scene.officer).get(reverse("monitor:rounds"))
    assert {r.pk for r in own.context["rounds"]} == {area_round.pk, community_round.pk}
    other = client_for(scene.other_coordinator).get(reverse("monitor:rounds"))
    assert other.context["rounds"] == []


def test_coordinator_opens_a_round_through_the_form(scene):
    client = client_for(scene.coordinator)
    page = client.get(reverse("monitor:round_new"))
    assert page.status_code == 200
    choices = dict(page.context["form"].fields["scope"].choices)
    today = timezone.localdate()
    response = client.post(
        reverse("monitor:round_new"),
        {
            "name": "Voorjaarsmeting",
            "audience": Audience.MEMBERS,
            "scope": f"community:{scene.community.pk}",
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    survey_round = SurveyRound.objects.get()
    assert response["Location"] == reverse("monitor:round_detail", args=[survey_round.pk])
    assert survey_round.community == scene.community
    assert survey_round.first_day == today
    assert survey_round.last_day == today + dt.timedelta(days=14)
    assert survey_round.status() == "open"
    assert choices  # the form offered something to choose


def test_form_offers_only_what_the_user_may_survey(scene):
    client = client_for(scene.coordinator)
    form = client.get(reverse("monitor:round_new")).context["form"]
    values = {
        value for _group, options in form.fields["scope"].choices[1:] for value, _l in options
    }
    assert f"community:{scene.community.pk}" in values
    assert f"area:{scene.town['noord_west'].pk}" in values
    assert f"area:{scene.town['zuid_west'].pk}" not in values
    assert f"area:{scene.town['municipality'].pk}" not in values


def test_bad_input_gives_field_errors_not_a_500(scene):
    client = client_for(scene.officer)
    today = timezone.localdate()
    response = client.post(
        reverse("monitor:round_new"),
        {
            "name": "",
            "audience": "everyone",
            "scope": f"community:{scene.community.pk + 999}",
            "opens_on": today.isoformat(),
            "closes_on": (today - dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "audience", "scope", "closes_on"} <= set(errors)
    response = client.post(
        reverse("monitor:round_new"),
        {
            "name": "x",
            "audience": "members",
            "scope": f"area:{scene.other_town.pk}",
            "opens_on": "9999-12-31",
            "closes_on": "9999-12-31",
        },
    )
    assert response.status_code == 200
    assert {"scope", "closes_on"} <= set(response.context["form"].errors)
    assert not SurveyRound.objects.exists()


def test_detail_shows_count_link_and_qr(scene):
    survey_round = scene.open_round()
    services.response_submit(
        survey_round=survey_round, answers=dict(MEMBER_ANSWERS), nonce=services.new_nonce()
    )
    page = client_for(scene.co_coordinator).get(
        reverse("monitor:round_detail", args=[survey_round.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/enquete/{survey_round.token}/" in html
    assert "<svg" in html
    assert page.context["summary"].respondents == 1
    assert not page.context["summary"].feels_unsafe.shown  # 1 < 10


def test_free_text_only_for_the_owner(scene):
    survey_round = scene.open_round()
    services.response_submit(
        survey_round=survey_round, answers=dict(MEMBER_ANSWERS), nonce=services.new_nonce()
    )
    url = reverse("monitor:round_detail", args=[survey_round.pk])
    owner_page = client_for(scene.coordinator).get(url).content.decode()
    assert MEMBER_ANSWERS["remarks"] in owner_page
    for who in ("co_coordinator", "officer"):
        page = client_for(getattr(scene, who)).get(url)
        assert page.status_code == 200
        assert MEMBER_ANSWERS["remarks"] not in page.content.decode()


def test_owner_who_stepped_down_loses_the_round(scene):
    survey_round = scene.open_round()
    scene.community.memberships.filter(user=scene.coordinator).update(status="left")
    page = client_for(scene.coordinator).get(
        reverse("monitor:round_detail", args=[survey_round.pk])
    )
    assert page.status_code == 404


def test_poster_pdf_contains_the_link(scene):
    survey_round = scene.open_round()
    response = client_for(scene.coordinator).get(
        reverse("monitor:round_poster", args=[survey_round.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert f"/enquete/{survey_round.token}/".encode() in pdf
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4


def test_close_from_the_page(scene):
    survey_round = scene.open_round()
    client = client_for(scene.officer)
    url = reverse("monitor:round_close", args=[survey_round.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    survey_round.refresh_from_db()
    assert survey_round.status() == "closed"
    page = client.get(reverse("monitor:round_detail", args=[survey_round.pk]))
    assert "Close the round now" not in page.content.decode()
