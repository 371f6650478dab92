from __future__ import annotations

import pytest
from django.utils import translation

from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole, MembershipStatus
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    """Assertions read the English msgids; photos go to a throwaway media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def _user(**kwargs):
    kwargs.setdefault("language", "en")
    return UserFactory(**kwargs)


@pytest.fixture
def police_noord(town):
    """A wijkagent for the wijk Noord."""
    user = _user(display_name="Agent Noord")
    grant(user, Role.POLICE, town["noord"])
    return user


@pytest.fixture
def police_zuid(town):
    user = _user(display_name="Agent Zuid")
    grant(user, Role.POLICE, town["zuid"])
    return user


@pytest.fixture
def municipality(town):
    """A wijkregisseur for the whole gemeente."""
    user = _user(display_name="Wijkregisseur")
    grant(user, Role.MUNICIPALITY, town["municipality"])
    return user


@pytest.fixture
def resident(db):
    return _user(display_name="Bewoner")


@pytest.fixture
def reporter(db):
    return _user(display_name="Melder Jansen", email="melder.jansen@example.test")


@pytest.fixture
def community_noord(town):
    return CommunityFactory(areas=[town["noord"]])


@pytest.fixture
def member(community_noord):
    membership = MembershipFactory(
        community=community_noord, user=_user(display_name="Lid"), role=MembershipRole.MEMBER
    )
    return membership.user


@pytest.fixture
def coordinator(community_noord):
    membership = MembershipFactory(
        community=community_noord,
        user=_user(display_name="Coordinator"),
        role=MembershipRole.COORDINATOR,
        status=MembershipStatus.VERIFIED,
    )
    return membership.user
