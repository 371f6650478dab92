"""Quizzes and certificates (TRN-1): drawing from the pool, scoring against the pass mark, a
certificate only for a pass, its validity, renewal, and what the audit log keeps."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from samenveilig.core.models import AuditEvent
from samenveilig.training import content, services
from samenveilig.training.content import get_module
from samenveilig.training.models import Certificate, QuizAttempt
from samenveilig.training.permissions import user_is_certified
from samenveilig.training.services import QuizAnswerError, TrainingError
from tests.factories import UserFactory
from tests.training.conftest import answers

pytestmark = pytest.mark.django_db

CANVASSING = get_module(content.CANVASSING)


# --- drawing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", content.modules(), ids=lambda m: m.slug)
def test_a_draw_takes_the_module_s_number_of_different_questions_from_the_pool(module):
    keys, order = services.draw_questions(module, random.Random(1))
    assert len(keys) == module.draw
    assert len(set(keys)) == len(keys)
    assert set(keys) <= {q.key for q in module.questions}
    for key in keys:
        question = module.question(key)
        assert sorted(order[key]) == sorted(o.key for o in question.options)


def test_draws_differ_in_questions_and_in_order():
    draws = [services.draw_questions(CANVASSING, random.Random(seed))[0] for seed in range(30)]
    assert len({tuple(d) for d in draws}) > 1, "the order changes from draw to draw"
    assert len({frozenset(d) for d in draws}) > 1, "different questions are drawn"
    pool_order = [q.key for q in CANVASSING.questions]
    assert any(d != [k for k in pool_order if k in d] for d in draws), "not in pool order"
    drawn_anywhere = {key for d in draws for key in d}
    assert drawn_anywhere == set(pool_order), "every question of the pool can come up"


def test_options_are_shuffled_per_draw():
    orders = {
        tuple(services.draw_questions(CANVASSING, random.Random(seed))[1]["pairs"])
        for seed in range(40)
        if "pairs" in services.draw_questions(CANVASSING, random.Random(seed))[0]
    }
    assert len(orders) > 1


def test_starting_a_quiz_stores_the_draw_and_drops_an_unfinished_one():
    user = UserFactory()
    first = services.quiz_start(actor=user, module=CANVASSING, rng=random.Random(3))
    assert first.question_keys and len(first.question_keys) == CANVASSING.draw
    assert first.pass_mark == CANVASSING.pass_mark
    assert not first.is_submitted
    second = services.quiz_start(actor=user, module=CANVASSING, rng=random.Random(4))
    assert list(QuizAttempt.objects.filter(user=user)) == [second]


def test_a_handed_in_attempt_stays_when_a_new_one_starts():
    user = UserFactory()
    first = services.quiz_start(actor=user, module=CANVASSING)
    services.quiz_submit(actor=user, attempt=first, answers=answers(first, right=0))
    services.quiz_start(actor=user, module=CANVASSING)
    assert QuizAttempt.objects.filter(user=user).count() == 2


def test_an_inactive_user_cannot_start():
    user = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        services.quiz_start(actor=user, module=CANVASSING)


# --- scoring and the pass mark --------------------------------------------------------------------


def test_exactly_the_pass_mark_passes_and_issues_a_certificate():
    user = UserFactory()
    attempt = services.quiz_start(actor=user, module=CANVASSING)
    result = services.quiz_submit(
        actor=user, attempt=attempt, answers=answers(attempt, right=CANVASSING.pass_mark)
    )
    assert result.score == CANVASSING.pass_mark
    assert result.passed is True
    assert result.correct_keys == attempt.question_keys[: CANVASSING.pass_mark]
    certificate = Certificate.objects.get(user=user)
    assert certificate.module == content.CANVASSING
    assert certificate.attempt_id == attempt.pk
    assert user_is_certified(user, content.CANVASSING)


def test_one_below_the_pass_mark_fails_without_a_certificate():
    user = UserFactory()
    attempt = services.quiz_start(actor=user, module=CANVASSING)
    result = services.quiz_submit(
        actor=user, attempt=attempt, answers=answers(attempt, right=CANVASSING.pass_mark - 1)
    )
    assert result.score == CANVASSING.pass_mark - 1
    assert result.passed is False
    assert not Certificate.objects.exists()
    assert not user_is_certified(user, content.CANVASSING)


@pytest.mark.parametrize("module", content.modules(), ids=lambda m: m.slug)
def test_each_module_has_its_own_pass_mark(module):
    user = UserFactory()
    attempt = services.quiz_start(actor=user, module=module)
    assert attempt.pass_mark == module.pass_mark
    services.quiz_submit(actor=user, attempt=attempt, answers=answers(attempt, right=module.draw))
    attempt.refresh_from_db()
    assert attempt.score == module.draw and attempt.passed


def test_all_questions_must_be_answered_with_one_of_their_options():
    user = UserFactory()
    attempt = services.quiz_start(actor=user, module=CANVASSING)
    given = answers(attempt, right=CANVASSING.draw)
    first, second = attempt.question_keys[:2]
    del given[first]
    given[second] = "not-an-option"
    with pytest.raises(QuizAnswerError) as error:
        services.quiz_submit(actor=user, attempt=attempt, answers=given)
    assert error.value.errors == {
        first: "Choose an answer.",
        second: "Choose one of the answers shown.",
    }
    attempt.refresh_from_db()
    assert not attempt.is_submitted
    assert not Certificate.objects.exists()


def test_an_attempt_is_handed_in_once():
    user = UserFactory()
    attempt = services.quiz_start(actor=user, module=CANVASSING)
    services.quiz_submit(actor=user, attempt=attempt, answers=answers(attempt, right=0))
    with pytest.raises(TrainingError):
        services.quiz_submit(
            actor=user, attempt=attempt, answers=answers(attempt, right=CANVASSING.draw)
        )
    assert not Certificate.objects.exists()


def test_nobody_hands_in_someone_else_s_attempt():
    owner, other = UserFactory(), UserFactory()
    attempt = services.quiz_start(actor=owner, module=CANVASSING)
    with pytest.raises(PermissionDenied):
        services.quiz_submit(
            actor=other, attempt=attempt, answers=answers(attempt, right=CANVASSING.draw)
        )
    assert not Certificate.objects.exists()


def test_a_question_removed_from_the_pool_asks_for_a_new_attempt():
    user = UserFactory()
    attempt = services.quiz_start(actor=user, module=CANVASSING)
    given = answers(attempt, right=CANVASSING.draw)
    attempt.question_keys = [*attempt.question_keys[:-1], "gone"]
    attempt.save()
    given["gone"] = "a"
    with pytest.raises(TrainingError, match="start it again"):
        services.quiz_submit(actor=user, attempt=attempt, answers=given)


def test_the_attempt_keeps_no_answers_and_the_audit_log_no_personal_data():
    user = UserFactory(display_name="Geheime Naam")
    attempt = services.quiz_start(actor=user, module=CANVASSING)
    services.quiz_submit(actor=user, attempt=attempt, answers=answers(attempt, right=8))
    attempt.refresh_from_db()
    stored = {f.name for f in QuizAttempt._meta.get_fields()}
    assert "answers" not in stored
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.action for e in events] == [
        "training.quiz_start",
        "training.quiz_submit",
        "training.certificate_issue",
    ]
    assert events[1].details == {"module": "buurtonderzoek", "score": 8, "total": 8, "passed": True}
    for event in events:
        assert "Geheime" not in str(event.details) and user.email not in str(event.details)


# --- validity, expiry and renewal -----------------------------------------------------------------


def pass_quiz(user, module=CANVASSING):
    attempt = services.quiz_start(actor=user, module=module)
    services.quiz_submit(actor=user, attempt=attempt, answers=answers(attempt, right=module.draw))
    return Certificate.objects.get(attempt=attempt)


def test_a_certificate_is_valid_two_years_by_default():
    before = timezone.now()
    certificate = pass_quiz(UserFactory())
    assert certificate.issued_at >= before
    assert certificate.valid_until - certificate.issued_at == dt.timedelta(days=730)


def test_the_validity_is_a_setting(settings):
    settings.TRAINING_CERTIFICATE_VALIDITY_DAYS = 365
    certificate = pass_quiz(UserFactory())
    assert certificate.valid_until - certificate.issued_at == dt.timedelta(days=365)


def test_an_expired_certificate_no_longer_counts_and_passing_again_renews_it():
    user = UserFactory()
    old = pass_quiz(user)
    Certificate.objects.filter(pk=old.pk).update(
        issued_at=timezone.now() - dt.timedelta(days=800),
        valid_until=timezone.now() - dt.timedelta(seconds=1),
    )
    assert not user_is_certified(user, content.CANVASSING)
    new = pass_quiz(user)
    assert user_is_certified(user, content.CANVASSING)
    assert new.pk != old.pk
    assert Certificate.objects.filter(user=user).count() == 2, "the old one stays as history"


def test_renewing_early_starts_a_new_two_years_from_the_pass():
    user = UserFactory()
    old = pass_quiz(user)
    Certificate.objects.filter(pk=old.pk).update(
        issued_at=timezone.now() - dt.timedelta(days=710),
        valid_until=timezone.now() + dt.timedelta(days=20),
    )
    new = pass_quiz(user)
    assert new.valid_until > timezone.now() + dt.timedelta(days=729)
    assert user_is_certified(user, content.CANVASSING)
