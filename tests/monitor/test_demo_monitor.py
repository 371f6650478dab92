"""The demo town's survey rounds: two waves six months apart, a few hundred anonymous responses
each, valid against the shipped forms, deterministic, showing a modest improvement."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from samenveilig.core import demo_monitor
from samenveilig.monitor.models import Audience, SurveyResponse, SurveyRound
from samenveilig.monitor.selectors import summarise_queryset
from samenveilig.questionnaires.models import AnswerSet
from samenveilig.questionnaires.validation import validate_answers


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEMO_MODE=True):
            call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _resident_rounds():
    return list(SurveyRound.objects.filter(audience=Audience.RESIDENTS).order_by("opens_at"))


def test_two_resident_waves_about_six_months_apart(demo_loaded):
    before, after = _resident_rounds()
    assert before.area.code == "GM9001" and after.area.code == "GM9001"
    gap = (after.opens_at - before.opens_at).days
    assert 150 <= gap <= 200
    assert before.status() == "closed"
    assert after.status() == "open"  # the demo link can still be answered
    for survey_round in (before, after):
        assert 250 <= survey_round.responses.count() <= 400
    assert SurveyRound.objects.filter(audience=Audience.MEMBERS).count() == 6


def test_modest_improvement(demo_loaded):
    before, after = (summarise_queryset(r.responses.all()) for r in _resident_rounds())
    assert before.feels_unsafe.shown and after.feels_unsafe.shown
    assert after.feels_unsafe.value < before.feels_unsafe.value
    assert before.feels_unsafe.value - after.feels_unsafe.value < 0.15
    assert 0.1 < after.cohesion.value - before.cohesion.value < 1.5
    member_rounds = SurveyRound.objects.filter(audience=Audience.MEMBERS)
    follow_before = summarise_queryset(
        SurveyResponse.objects.filter(
            round__in=member_rounds, created_on__lt=_resident_rounds()[1].first_day
        )
    ).follow_up
    follow_after = summarise_queryset(
        SurveyResponse.objects.filter(
            round__in=member_rounds, created_on__gte=_resident_rounds()[1].first_day
        )
    ).follow_up
    assert follow_after.value > follow_before.value


def test_members_and_non_members_both_answer_the_resident_survey(demo_loaded):
    responses = SurveyResponse.objects.filter(audience=Audience.RESIDENTS)
    assert responses.filter(is_member=True).count() > 50
    assert responses.filter(is_member=False).count() > 200


def test_demo_answers_are_valid_anonymous_and_dated_within_the_round(demo_loaded):
    for response in SurveyResponse.objects.select_related("round", "answer_set")[:800:7]:
        answer_set = response.answer_set
        result = validate_answers(answer_set.questionnaire.form, answer_set.answers)
        assert result.is_valid, result.errors
        assert answer_set.submitted_by_id is None
        local = timezone.localtime(answer_set.created_at)
        assert (local.hour, local.minute, local.second) == (0, 0, 0)
        assert local.date() == response.created_on
        assert response.round.first_day <= response.created_on <= response.round.last_day
        assert response.created_on <= timezone.localdate()
    assert not AnswerSet.objects.filter(
        idempotency_key__startswith="mon-", submitted_by__isnull=False
    ).exists()


def test_answers_are_deterministic():
    wave = demo_monitor.WAVES[0]
    first = [demo_monitor.resident_answers(random.Random(7), wave) for _ in range(3)]
    second = [demo_monitor.resident_answers(random.Random(7), wave) for _ in range(3)]
    assert first == second
