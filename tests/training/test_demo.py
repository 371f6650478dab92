"""Demo certificates (PLT-8) are earned through the real quiz services and dated back, so the
demo shows valid, expiring and expired certificates."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from samenveilig.training import content, selectors
from samenveilig.training.demo import build_training, certify_for_demo
from samenveilig.training.models import Certificate
from samenveilig.training.permissions import missing_modules, user_is_certified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_demo_certificate_comes_from_a_passed_attempt_dated_back():
    user = UserFactory()
    passed = timezone.now() - dt.timedelta(days=60)
    certificate = certify_for_demo(user, content.CANVASSING, passed_at=passed)
    assert certificate.issued_at == passed
    assert certificate.valid_until == passed + dt.timedelta(days=730)
    attempt = certificate.attempt
    assert attempt.passed and attempt.score == attempt.total == 8
    assert attempt.submitted_at == passed
    assert user_is_certified(user, content.CANVASSING)


def test_the_demo_accounts_get_certificates_of_different_ages():
    keys = ["coordinator", "member", "team_lead", "investigator", "investigator2"]
    town = SimpleNamespace(users={key: UserFactory() for key in keys})
    build_training(town)
    coordinator, member = town.users["coordinator"], town.users["member"]
    states = {
        c.module: selectors.certificate_state(c)
        for c in Certificate.objects.filter(user=coordinator)
    }
    assert states[content.REPORTING] == selectors.EXPIRED
    assert all(states[s] == selectors.VALID for s in content.SLUGS if s != content.REPORTING)
    member_states = {
        c.module: selectors.certificate_state(c) for c in Certificate.objects.filter(user=member)
    }
    assert member_states == {
        content.REPORTING: selectors.VALID,
        content.DESCRIPTION: selectors.EXPIRING,
    }
    for key in ("team_lead", "investigator", "investigator2"):
        assert missing_modules(town.users[key], "investigation") == []
