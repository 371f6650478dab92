"""The anonymous answering page /enquete/<token>/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samenveilig.monitor import services
from samenveilig.monitor.models import Audience, SurveyResponse
from samenveilig.monitor.survey_views import COOKIE_NAME
from samenveilig.questionnaires.models import AnswerSet
from tests.conftest import login
from tests.monitor.conftest import MEMBER_ANSWERS, RESIDENT_ANSWERS

pytestmark = pytest.mark.django_db


def url(survey_round) -> str:
    return reverse("survey:answer", args=[survey_round.token])


def posted(answers: dict[str, str]) -> dict[str, str]:
    """The answers as the rendered form posts them (field names behind the ``q/`` prefix)."""
    return {f"q/{name}": value for name, value in answers.items()}


def test_anyone_can_open_the_link_and_gets_a_nonce_cookie(scene):
    survey_round = scene.open_round()
    client = Client()
    page = client.get(url(survey_round), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Voelt u zich wel eens onveilig in uw eigen buurt?" in html
    assert "De mensen kennen elkaar in deze buurt nauwelijks." in html
    cookie = page.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["path"] == "/enquete/"
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]


def test_english_labels(scene):
    survey_round = scene.open_round()
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get(url(survey_round), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Do you ever feel unsafe in your own neighbourhood?" in html


def test_unknown_or_malformed_tokens_are_404(scene):
    scene.open_round()
    for token in ["x" * 32, "short", "bad token with spaces and more chars"]:
        assert Client().get(f"/enquete/{token}/").status_code == 404


def test_answering_counts_once_per_browser(scene):
    survey_round = scene.open_round()
    client = Client()
    client.get(url(survey_round))
    response = client.post(url(survey_round), posted(MEMBER_ANSWERS))
    assert response.status_code == 302
    assert response["Location"] == reverse("survey:thanks", args=[survey_round.token])
    assert SurveyResponse.objects.filter(round=survey_round).count() == 1
    # The same browser again: a notice, no form, and a second POST does not count.
    again = client.get(url(survey_round))
    assert again.status_code == 200
    assert again.context["again"] is True
    assert "fields" not in again.context
    assert 'name="q/feels_unsafe"' not in again.content.decode()
    client.post(url(survey_round), posted(MEMBER_ANSWERS))
    assert SurveyResponse.objects.filter(round=survey_round).count() == 1
    # Another browser is another response.
    Client().post(url(survey_round), posted(MEMBER_ANSWERS))
    assert SurveyResponse.objects.filter(round=survey_round).count() == 2


def test_logged_in_people_answer_anonymously_too(scene):
    survey_round = scene.open_round()
    client = login(Client(), scene.member)
    response = client.post(url(survey_round), posted(MEMBER_ANSWERS))
    assert response.status_code == 302
    answer_set = AnswerSet.objects.get()
    assert answer_set.submitted_by_id is None
    stored = SurveyResponse.objects.get()
    assert stored.created_on == timezone.localdate()


def test_missing_answers_give_field_messages_and_keep_the_given_ones(scene):
    survey_round = scene.open_round(
        scene.officer, audience=Audience.RESIDENTS, area=scene.town["noord_west"]
    )
    answers = {**RESIDENT_ANSWERS, "feels_unsafe": "yes"}
    del answers["cohesion_contact"]
    page = Client().post(url(survey_round), posted(answers), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert set(page.context["errors"]) == {"unsafe_frequency", "cohesion_contact"}
    html = page.content.decode()
    assert 'id="q:cohesion_contact:error">Choose an answer.</p>' in html
    fields = {f.name: f for f in page.context["fields"]}
    assert fields["cohesion_know"].selected_names == ["strongly_disagree"]
    assert fields["unsafe_frequency"].relevant_now  # shown now that feels_unsafe is yes
    assert not SurveyResponse.objects.exists()


def test_nonsense_input_is_a_field_error_not_a_500(scene):
    survey_round = scene.open_round()
    answers = {**MEMBER_ANSWERS, "feels_unsafe": "<script>", "remarks": "x" * 20_000}
    page = Client().post(url(survey_round), posted(answers))
    assert page.status_code == 200
    assert "feels_unsafe" in page.context["errors"]
    assert not SurveyResponse.objects.exists()


def test_closed_round_shows_a_clear_page(scene):
    survey_round = scene.open_round()
    services.round_close(actor=scene.coordinator, survey_round=survey_round)
    page = Client().get(url(survey_round), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "This survey is closed" in page.content.decode()
    answered = Client().post(url(survey_round), posted(MEMBER_ANSWERS), HTTP_ACCEPT_LANGUAGE="en")
    assert answered.status_code == 200
    assert "This survey is closed" in answered.content.decode()
    assert not SurveyResponse.objects.exists()


def test_round_not_open_yet_shows_a_clear_page(scene):
    now = timezone.now()
    survey_round = services.round_open(
        actor=scene.coordinator,
        name="Later",
        audience=Audience.MEMBERS,
        opens_at=now + dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=9),
        community=scene.community,
    )
    page = Client().get(url(survey_round), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "This survey has not started yet" in page.content.decode()
    Client().post(url(survey_round), posted(MEMBER_ANSWERS))
    assert not SurveyResponse.objects.exists()


def test_response_shows_up_on_the_round_page(scene):
    survey_round = scene.open_round()
    for _ in range(10):
        Client().post(url(survey_round), posted(MEMBER_ANSWERS))
    page = login(Client(), scene.coordinator, with_mfa=True).get(
        reverse("monitor:round_detail", args=[survey_round.pk])
    )
    summary = page.context["summary"]
    assert summary.respondents == 10
    assert summary.feels_unsafe.shown and summary.feels_unsafe.value == pytest.approx(1.0)
    assert summary.cohesion.value == pytest.approx(5.5)


def test_update_button_shows_follow_up_questions_without_saving(scene):
    survey_round = scene.open_round()
    client = Client()
    fresh = client.get(url(survey_round))
    fields = {f.name: f for f in fresh.context["fields"]}
    assert not fields["unsafe_frequency"].relevant_now  # asked only after "yes"
    page = client.post(url(survey_round), {"q/feels_unsafe": "yes", "q/_update": "1"})
    assert page.status_code == 200
    assert page.context["errors"] == {}
    fields = {f.name: f for f in page.context["fields"]}
    assert fields["unsafe_frequency"].relevant_now
    assert fields["feels_unsafe"].selected_names == ["yes"]
    assert not SurveyResponse.objects.exists()


def test_no_ip_address_or_user_agent_is_stored_or_logged(scene, caplog):
    """Answer through the page from a recognisable address and browser: neither appears in the
    response, its answer set, the audit trail or the log."""
    from django.db import connection

    from samenveilig.core.models import AuditEvent

    survey_round = scene.open_round()
    events_before = AuditEvent.objects.count()
    client = Client(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="HerkenbareBrowser/9.9")
    client.get(url(survey_round))
    with caplog.at_level("DEBUG"):
        page = client.post(url(survey_round), posted(MEMBER_ANSWERS))
    assert page.status_code == 302
    response = SurveyResponse.objects.get(round=survey_round)
    assert AuditEvent.objects.count() == events_before  # answering is not audited
    with connection.cursor() as cursor:
        for table, pk in (
            ("monitor_surveyresponse", response.pk),
            ("questionnaires_answerset", response.answer_set_id),
        ):
            cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
            row = " ".join(str(value) for value in cursor.fetchone())
            assert "203.0.113" not in row and "HerkenbareBrowser" not in row
    assert "203.0.113" not in caplog.text and "HerkenbareBrowser" not in caplog.text
