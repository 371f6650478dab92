from __future__ import annotations

import pytest
from django.utils import translation

from samenveilig.communities.models import MembershipRole
from tests.factories import CommunityFactory, MembershipFactory


@pytest.fixture(autouse=True)
def english():
    """Service messages are asserted in English (the msgids); pages pick their own language."""
    with translation.override("en"):
        yield


@pytest.fixture
def community(town):
    return CommunityFactory(
        name="Waakzaam Noord", slug="waakzaam-noord", areas=[town["noord_west"]]
    )


@pytest.fixture
def coordinator(community):
    """A verified coordinator of ``community`` (a Membership)."""
    return MembershipFactory(
        community=community, role=MembershipRole.COORDINATOR, user__display_name="Coördinator Cor"
    )


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run ``transaction.on_commit`` callbacks (the e-mail tasks) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
