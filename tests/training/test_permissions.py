"""The gate (TRN-1): one service says whether a user holds a valid certificate, and which modules
an activity still needs, in a sentence in the user's language that names them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from samenveilig.training import content
from samenveilig.training.permissions import (
    CANVASS,
    INVESTIGATION,
    PATROL,
    NotCertified,
    missing_modules,
    refusal_message,
    require_certified,
    user_is_certified,
)
from tests.factories import UserFactory
from tests.training.conftest import certify

pytestmark = pytest.mark.django_db


def test_a_valid_certificate_certifies_for_that_module_only():
    user = UserFactory()
    certify(user, content.CANVASSING)
    assert user_is_certified(user, content.CANVASSING)
    assert not user_is_certified(user, content.RIGHTS)


def test_an_expired_certificate_does_not_certify():
    user = UserFactory()
    certify(user, content.CANVASSING, valid_until=timezone.now() - dt.timedelta(minutes=1))
    assert not user_is_certified(user, content.CANVASSING)


def test_nobody_without_an_account_or_with_a_blocked_one_is_certified():
    assert not user_is_certified(AnonymousUser(), content.CANVASSING)
    blocked = UserFactory(is_active=False)
    certify(blocked, content.CANVASSING)
    assert not user_is_certified(blocked, content.CANVASSING)


def test_an_unknown_module_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown training module"):
        user_is_certified(UserFactory(), "buurtonderzoekk")
    with pytest.raises(ValueError, match="unknown activity"):
        missing_modules(UserFactory(), "surfing")


def test_an_uncertified_member_is_refused_with_the_module_to_take():
    user = UserFactory()
    assert [m.number for m in missing_modules(user, CANVASS)] == [3]
    assert refusal_message(user, CANVASS) == (
        "Take training module 3 “Neighbourhood inquiry” first."
    )
    with pytest.raises(NotCertified) as refused:
        require_certified(user, CANVASS)
    assert refused.value.message == refusal_message(user, CANVASS)
    assert [m.slug for m in refused.value.modules] == [content.CANVASSING]


def test_the_message_is_in_the_user_s_language():
    user = UserFactory()
    with translation.override("nl"):
        message = refusal_message(user, CANVASS)
    assert "Buurtonderzoek" in message and "3" in message


def test_several_missing_modules_are_all_named():
    user = UserFactory()
    certify(user, content.ONLINE)
    assert [m.number for m in missing_modules(user, INVESTIGATION)] == [4, 6]
    message = refusal_message(user, INVESTIGATION)
    assert message.startswith("Take training modules 4 ")
    assert "6 “Looking after yourself”" in message
    assert "5 " not in message


def test_a_certified_member_passes_the_gate():
    user = UserFactory()
    for slug in (content.REPORTING, content.DESCRIPTION):
        certify(user, slug)
    assert missing_modules(user, PATROL) == []
    assert refusal_message(user, PATROL) == ""
    require_certified(user, PATROL)  # does not raise
