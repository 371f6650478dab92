"""Opening and closing rounds, storing anonymous responses (MON-2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from samenveilig.core.models import AuditEvent
from samenveilig.monitor import services
from samenveilig.monitor.models import Audience, SurveyResponse, SurveyRound
from samenveilig.monitor.scoring import summarise
from samenveilig.monitor.selectors import round_summary
from samenveilig.questionnaires.models import AnswerSet
from samenveilig.questionnaires.services import AnswerValidationError
from tests.monitor.conftest import MEMBER_ANSWERS, RESIDENT_ANSWERS

pytestmark = pytest.mark.django_db


def test_coordinator_opens_a_round_for_their_community(scene):
    survey_round = scene.open_round()
    assert survey_round.created_by == scene.coordinator
    assert survey_round.community == scene.community
    assert survey_round.area is None
    assert survey_round.municipality == scene.town["municipality"]
    assert survey_round.questionnaire.form_id == "communitymonitor"
    assert len(survey_round.token) >= 32
    assert survey_round.status() == "open"
    event = AuditEvent.objects.get(action="monitor.round_open")
    assert event.object_id == str(survey_round.pk)


def test_tokens_are_unique_and_unguessable(scene):
    tokens = {scene.open_round().token for _ in range(3)}
    assert len(tokens) == 3


def test_resident_round_uses_the_resident_survey(scene):
    survey_round = scene.open_round(
        scene.officer, audience=Audience.RESIDENTS, area=scene.town["noord_west"]
    )
    assert survey_round.questionnaire.form_id == "bewonersenquete"
    assert survey_round.municipality == scene.town["municipality"]


def test_coordinator_may_survey_residents_of_the_buurt_their_community_covers(scene):
    survey_round = scene.open_round(audience=Audience.RESIDENTS, area=scene.town["noord_west"])
    assert survey_round.area == scene.town["noord_west"]
    with pytest.raises(PermissionDenied):
        scene.open_round(audience=Audience.RESIDENTS, area=scene.town["zuid_west"])


def test_officer_may_survey_a_community_inside_their_municipality(scene):
    assert scene.open_round(scene.officer).community == scene.community
    with pytest.raises(PermissionDenied):
        scene.open_round(scene.other_officer)


@pytest.mark.parametrize(
    "who", ["member", "police", "resident", "other_coordinator", "other_officer"]
)
def test_refused_roles_cannot_open_a_round(scene, who):
    with pytest.raises(PermissionDenied):
        scene.open_round(getattr(scene, who))
    with pytest.raises(PermissionDenied):
        scene.open_round(getattr(scene, who), area=scene.town["noord_west"])
    assert not SurveyRound.objects.exists()


def test_period_must_be_sensible(scene):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.round_open(
            actor=scene.coordinator,
            name="x",
            audience=Audience.MEMBERS,
            opens_at=now,
            closes_at=now - dt.timedelta(days=1),
            community=scene.community,
        )
    assert "closes_at" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.round_open(
            actor=scene.coordinator,
            name="x",
            audience=Audience.MEMBERS,
            opens_at=now - dt.timedelta(days=10),
            closes_at=now - dt.timedelta(days=1),
            community=scene.community,
        )
    with pytest.raises(ValidationError):
        services.round_open(
            actor=scene.coordinator,
            name="x",
            audience=Audience.MEMBERS,
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
            community=scene.community,
            area=scene.town["noord_west"],
        )


def test_response_is_scored_and_stored_without_identity_or_time(scene):
    survey_round = scene.open_round()
    response, created = services.response_submit(
        survey_round=survey_round, answers=dict(MEMBER_ANSWERS), nonce=services.new_nonce()
    )
    assert created
    response.refresh_from_db()
    assert response.feels_unsafe is True
    assert response.unsafe_frequency == "sometimes"
    assert response.cohesion_score == pytest.approx(5.5)
    assert response.is_member is True
    assert (response.police_cooperation, response.municipality_cooperation) == (3, None)
    assert (response.recognition, response.follow_up) == (4, 0)
    assert response.created_on == timezone.localdate()
    assert response.community_id == scene.community.pk
    assert response.municipality_id == scene.town["municipality"].pk

    # The response row: a date, no time, no user, no IP, no user agent.
    columns = {f.column for f in SurveyResponse._meta.concrete_fields}
    assert not columns & {
        "user_id",
        "ip",
        "ip_address",
        "user_agent",
        "created_at",
        "submitted_by_id",
    }
    assert SurveyResponse._meta.get_field("created_on").get_internal_type() == "DateField"

    # The answer set: no submitter, both timestamps at midnight of the answer date.
    answer_set = AnswerSet.objects.get(pk=response.answer_set_id)
    assert answer_set.submitted_by_id is None
    for moment in (answer_set.submitted_at, answer_set.created_at):
        local = timezone.localtime(moment)
        assert local.date() == timezone.localdate()
        assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert answer_set.answers["remarks"] == MEMBER_ANSWERS["remarks"]

    # Answering writes no audit event (it would carry the exact time and the row id).
    assert not AuditEvent.objects.filter(object_type__startswith="monitor.surveyresponse").exists()
    assert not AuditEvent.objects.filter(object_type="questionnaires.answerset").exists()


def test_raw_rows_hold_no_time_of_day(scene):
    survey_round = scene.open_round()
    services.response_submit(
        survey_round=survey_round, answers=dict(MEMBER_ANSWERS), nonce=services.new_nonce()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT created_on FROM monitor_surveyresponse")
        (value,) = cursor.fetchone()
    assert str(value) == timezone.localdate().isoformat()


def test_same_browser_twice_is_one_response(scene):
    survey_round = scene.open_round()
    nonce = services.new_nonce()
    first, created = services.response_submit(
        survey_round=survey_round, answers=dict(MEMBER_ANSWERS), nonce=nonce
    )
    assert created and services.already_answered(survey_round, nonce)
    again, created = services.response_submit(
        survey_round=survey_round, answers={**MEMBER_ANSWERS, "feels_unsafe": "no"}, nonce=nonce
    )
    assert not created
    assert again.pk == first.pk
    assert SurveyResponse.objects.count() == 1
    # The same browser in another round is a new response; the key differs per round.
    other = scene.open_round()
    assert not services.already_answered(other, nonce)
    _response, created = services.response_submit(
        survey_round=other, answers=dict(MEMBER_ANSWERS), nonce=nonce
    )
    assert created


def test_stored_key_does_not_contain_the_nonce(scene):
    survey_round = scene.open_round()
    nonce = services.new_nonce()
    response, _created = services.response_submit(
        survey_round=survey_round, answers=dict(MEMBER_ANSWERS), nonce=nonce
    )
    key = response.answer_set.idempotency_key
    assert nonce not in key
    assert survey_round.token not in key


def test_invalid_answers_are_refused_with_field_errors(scene):
    survey_round = scene.open_round()
    answers = {**MEMBER_ANSWERS}
    del answers["cohesion_contact"]
    answers["feels_unsafe"] = "maybe"
    with pytest.raises(AnswerValidationError) as error:
        services.response_submit(
            survey_round=survey_round, answers=answers, nonce=services.new_nonce(), language="en"
        )
    assert {"cohesion_contact", "feels_unsafe"} <= set(error.value.errors)
    assert not SurveyResponse.objects.exists()
    assert not AnswerSet.objects.exists()


def test_closed_and_scheduled_rounds_refuse_answers(scene):
    survey_round = scene.open_round()
    services.round_close(actor=scene.coordinator, survey_round=survey_round)
    survey_round.refresh_from_db()
    assert survey_round.status() == "closed"
    with pytest.raises(services.RoundNotOpen) as error:
        services.response_submit(
            survey_round=survey_round, answers=dict(MEMBER_ANSWERS), nonce=services.new_nonce()
        )
    assert error.value.status == "closed"

    now = timezone.now()
    later = services.round_open(
        actor=scene.coordinator,
        name="Najaar",
        audience=Audience.MEMBERS,
        opens_at=now + dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=10),
        community=scene.community,
    )
    with pytest.raises(services.RoundNotOpen) as error:
        services.response_submit(
            survey_round=later, answers=dict(MEMBER_ANSWERS), nonce=services.new_nonce()
        )
    assert error.value.status == "scheduled"
    # Closing a round that never opened keeps it closed for good.
    services.round_close(actor=scene.coordinator, survey_round=later)
    later.refresh_from_db()
    assert later.status() == "closed"
    assert later.status(now + dt.timedelta(days=5)) == "closed"


def test_close_is_for_managers_only(scene):
    survey_round = scene.open_round()
    for who in ("member", "police", "other_coordinator", "other_officer", "resident"):
        with pytest.raises(PermissionDenied):
            services.round_close(actor=getattr(scene, who), survey_round=survey_round)
    services.round_close(actor=scene.co_coordinator, survey_round=survey_round)
    assert AuditEvent.objects.filter(action="monitor.round_close").count() == 1
    # A second close changes nothing and records nothing.
    services.round_close(actor=scene.coordinator, survey_round=survey_round)
    assert AuditEvent.objects.filter(action="monitor.round_close").count() == 1


def test_resident_survey_records_membership(scene):
    survey_round = scene.open_round(
        scene.officer, audience=Audience.RESIDENTS, area=scene.town["noord_west"]
    )
    response, _created = services.response_submit(
        survey_round=survey_round, answers=dict(RESIDENT_ANSWERS), nonce=services.new_nonce()
    )
    assert response.is_member is False
    assert response.feels_unsafe is False
    assert response.cohesion_score == pytest.approx(10.0)
    assert response.area_id == scene.town["noord_west"].pk
    assert response.police_cooperation is None


def test_database_summary_equals_python_summary(scene):
    survey_round = scene.open_round()
    variants = [
        {"feels_unsafe": "no", "unsafe_frequency": ""},
        {"feels_unsafe": "yes", "unsafe_frequency": "often"},
        {"cohesion_contact": "strongly_agree", "police_cooperation": "strongly_disagree"},
    ]
    for i in range(13):
        answers = {**MEMBER_ANSWERS, **variants[i % 3]}
        if answers["feels_unsafe"] == "no":
            answers.pop("unsafe_frequency")
        services.response_submit(
            survey_round=survey_round, answers=answers, nonce=services.new_nonce()
        )
    from_db = round_summary(survey_round)
    in_python = summarise(SurveyResponse.objects.filter(round=survey_round))
    assert from_db.respondents == in_python.respondents == 13
    for name in ("feels_unsafe", "often_unsafe", "cohesion", "police_cooperation"):
        a, b = getattr(from_db, name), getattr(in_python, name)
        assert a.shown and b.shown
        assert a.n == b.n
        assert a.value == pytest.approx(b.value)
        assert a.low == pytest.approx(b.low)
        assert a.high == pytest.approx(b.high)
    assert not from_db.municipality_cooperation.shown  # every answer was "don't know"
