"""Helpers for the training tests: English messages, certificates, and answers to a drawn quiz."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from samenveilig.training.content import get_module
from samenveilig.training.models import Certificate, QuizAttempt


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English msgids unless a test switches language itself."""
    with translation.override("en"):
        yield


def certify(
    user: Any,
    module: str,
    *,
    valid_until: dt.datetime | None = None,
    issued_at: dt.datetime | None = None,
) -> Certificate:
    """A certificate as if the user had passed the module's quiz (valid two years by default)."""
    now = timezone.now()
    valid_until = valid_until or now + dt.timedelta(days=730)
    issued_at = issued_at or min(now, valid_until - dt.timedelta(days=730))
    return Certificate.objects.create(
        user=user, module=module, issued_at=issued_at, valid_until=valid_until
    )


def answers(attempt: QuizAttempt, *, right: int) -> dict[str, str]:
    """Answers to the attempt's questions: the first ``right`` correct, the rest wrong."""
    module = get_module(attempt.module)
    assert module is not None
    result = {}
    for index, key in enumerate(attempt.question_keys):
        question = module.question(key)
        assert question is not None
        if index < right:
            result[key] = question.correct_option.key
        else:
            result[key] = next(o.key for o in question.options if not o.correct)
    return result


def form_data(attempt: QuizAttempt, *, right: int) -> dict[str, str]:
    """The same answers as the quiz form posts them."""
    return {f"q-{key}": value for key, value in answers(attempt, right=right).items()}


def expire(user: Any, module: str) -> None:
    """Let the user's certificates for the module run out (as if two years had passed)."""
    past = timezone.now() - dt.timedelta(minutes=1)
    Certificate.objects.filter(user=user, module=module).update(
        issued_at=past - dt.timedelta(days=730), valid_until=past
    )
