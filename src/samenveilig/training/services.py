"""Every write of the training app: start a quiz, hand it in (and earn a certificate).

One transaction per action, an audit row for every state change with the module, score and ids
only — never answers or names.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.core import audit
from samenveilig.training import permissions
from samenveilig.training.content import Module, get_module
from samenveilig.training.models import Certificate, QuizAttempt

DEFAULT_VALIDITY_DAYS = 730  # two years (TRN-1)

_system_random = random.SystemRandom()


class TrainingError(Exception):
    """The action does not fit the attempt's state; ``message`` is shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuizAnswerError(Exception):
    """Question key -> message, shown next to the questions."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def validity() -> timedelta:
    return timedelta(
        days=int(getattr(settings, "TRAINING_CERTIFICATE_VALIDITY_DAYS", DEFAULT_VALIDITY_DAYS))
    )


def draw_questions(module: Module, rng: random.Random | None = None) -> tuple[list[str], dict]:
    """``module.draw`` different questions from the pool in random order, each with its options
    shuffled. Returns the question keys and, per key, the option keys in the order to show."""
    rng = rng or _system_random
    drawn = rng.sample(list(module.questions), module.draw)
    order = {q.key: rng.sample([o.key for o in q.options], len(q.options)) for q in drawn}
    return [q.key for q in drawn], order


def quiz_start(*, actor: Any, module: Module, rng: random.Random | None = None) -> QuizAttempt:
    """A new attempt with freshly drawn questions. Earlier attempts of the module that were never
    handed in are dropped: they have no result and nobody can answer them any more."""
    if not permissions.user_can_train(actor):
        raise PermissionDenied
    question_keys, option_order = draw_questions(module, rng)
    with transaction.atomic():
        QuizAttempt.objects.filter(
            user=actor, module=module.slug, submitted_at__isnull=True
        ).delete()
        attempt = QuizAttempt.objects.create(
            user=actor,
            module=module.slug,
            question_keys=question_keys,
            option_order=option_order,
            pass_mark=module.pass_mark,
        )
        audit.record(
            actor=actor,
            action="training.quiz_start",
            obj=attempt,
            details={"module": module.slug, "questions": len(question_keys)},
        )
    return attempt


def score_answers(module: Module, attempt: QuizAttempt, answers: Mapping[str, str]) -> list[str]:
    """The keys of the drawn questions answered right. Every drawn question needs an answer that
    is one of its options, else ``QuizAnswerError``."""
    errors: dict[str, str] = {}
    correct: list[str] = []
    for key in attempt.question_keys:
        question = module.question(key)
        if question is None:
            raise TrainingError(
                _("This quiz has been changed since you started it. Please start it again.")
            )
        given = answers.get(key) or ""
        option = question.option(given) if given else None
        if not given:
            errors[key] = _("Choose an answer.")
        elif option is None:
            errors[key] = _("Choose one of the answers shown.")
        elif option.correct:
            correct.append(key)
    if errors:
        raise QuizAnswerError(errors)
    return correct


def quiz_submit(*, actor: Any, attempt: QuizAttempt, answers: Mapping[str, str]) -> QuizAttempt:
    """Score the attempt; passing (at least the pass mark right) issues a certificate valid for
    ``TRAINING_CERTIFICATE_VALIDITY_DAYS`` (two years by default) from now."""
    if not permissions.user_owns_attempt(actor, attempt):
        raise PermissionDenied
    module = get_module(attempt.module)
    if module is None:
        raise TrainingError(_("This training module no longer exists."))
    correct = score_answers(module, attempt, answers)
    with transaction.atomic():
        attempt = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.is_submitted:
            raise TrainingError(_("You have already handed in this quiz."))
        now = timezone.now()
        attempt.submitted_at = now
        attempt.score = len(correct)
        attempt.passed = attempt.score >= attempt.pass_mark
        attempt.correct_keys = correct
        attempt.save(update_fields=["submitted_at", "score", "passed", "correct_keys"])
        audit.record(
            actor=actor,
            action="training.quiz_submit",
            obj=attempt,
            details={
                "module": module.slug,
                "score": attempt.score,
                "total": attempt.total,
                "passed": attempt.passed,
            },
        )
        if attempt.passed:
            certificate = Certificate.objects.create(
                user=actor,
                module=module.slug,
                attempt=attempt,
                issued_at=now,
                valid_until=now + validity(),
                created_by=actor,
                updated_by=actor,
            )
            audit.record(
                actor=actor,
                action="training.certificate_issue",
                obj=certificate,
                details={"module": module.slug, "attempt_id": attempt.pk},
            )
    return attempt
