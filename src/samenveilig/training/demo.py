"""Training in the demo town (PLT-8): certificates earned through the real quiz services.

``certify_for_demo`` draws a quiz with a fixed seed, hands in the right answers and then dates
the attempt and certificate back to ``passed_at``, so the demo shows certificates of different
ages: valid, about to expire (the renewal reminder is due) and expired.

``build_training`` certifies the demo's own accounts; the canvassers of the demo inquiry get
module 3 in ``core.demo_inquiries`` before they sign up.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from samenveilig.training import content, services
from samenveilig.training.content import get_module
from samenveilig.training.models import Certificate, QuizAttempt

SEED = 20260901


def certify_for_demo(user: Any, slug: str, *, passed_at: datetime | None = None) -> Certificate:
    module = get_module(slug)
    if module is None:
        raise ValueError(f"unknown training module: {slug!r}")
    rng = random.Random(f"{SEED}-{user.pk}-{slug}")
    attempt = services.quiz_start(actor=user, module=module, rng=rng)
    right = {key: module.question(key).correct_option.key for key in attempt.question_keys}
    services.quiz_submit(actor=user, attempt=attempt, answers=right)
    certificate = Certificate.objects.get(attempt=attempt)
    if passed_at is not None:
        started = passed_at - timedelta(minutes=12)
        QuizAttempt.objects.filter(pk=attempt.pk).update(started_at=started, submitted_at=passed_at)
        Certificate.objects.filter(pk=certificate.pk).update(
            issued_at=passed_at,
            valid_until=passed_at + services.validity(),
            created_at=passed_at,
            updated_at=passed_at,
        )
        certificate.refresh_from_db()
    return certificate


def build_training(town: Any) -> None:
    now = timezone.now()
    # Karin, the coordinator, trained for everything a year ago, except module 1: that was two
    # years and a week ago, so it shows as expired with a renewal to do.
    coordinator = town.users["coordinator"]
    for slug in content.SLUGS:
        days = 737 if slug == content.REPORTING else 365
        certify_for_demo(coordinator, slug, passed_at=now - timedelta(days=days))
    # Lisa, the member: modules 1 and 2; module 2 expires in three weeks (reminder due).
    member = town.users["member"]
    certify_for_demo(member, content.REPORTING, passed_at=now - timedelta(days=200))
    certify_for_demo(member, content.DESCRIPTION, passed_at=now - timedelta(days=709))
    # The investigation team: modules 4, 5 and 6 (INV-1 will gate cases on these).
    for key in ("team_lead", "investigator", "investigator2"):
        user = town.users.get(key)
        if user is None:
            continue
        for slug in (content.RIGHTS, content.ONLINE, content.SELF_CARE):
            certify_for_demo(user, slug, passed_at=now - timedelta(days=90))
