"""A patrol community with a coordinator, three members, the municipality's liaison, the police,
a member of another community and an outsider; helpers to make tasks and certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from samenveilig.accounts.models import Role
from samenveilig.activities import services
from samenveilig.activities.models import Task, TaskKind
from samenveilig.communities.models import Community, MembershipRole
from samenveilig.training import content
from samenveilig.training.models import Certificate
from tests.conftest import login
from tests.factories import AreaFactory, CommunityFactory, MembershipFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def certify(user: Any, *slugs: str, days_left: int = 300) -> None:
    now = timezone.now()
    for slug in slugs:
        Certificate.objects.create(
            user=user,
            module=slug,
            issued_at=now - timedelta(days=10),
            valid_until=now + timedelta(days=days_left),
        )


def certify_patrol(user: Any) -> None:
    certify(user, content.REPORTING, content.DESCRIPTION)


def task_data(**overrides: Any) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=2)
    data: dict[str, Any] = {
        "kind": TaskKind.FLYERING,
        "title": "Flyers in de Lindenlaan",
        "description": "",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "due_at": None,
        "meeting_point": "Speeltuin Lindenlaan",
        "meeting_lat": 52.012,
        "meeting_lon": 5.002,
        "capacity": 4,
        "min_people": 1,
        "required_module": "",
        "checklist": [],
        "repeat": "none",
        "repeat_until": None,
    }
    data.update(overrides)
    return data


@dataclass
class Scene:
    community: Community
    coordinator: Any
    member: Any
    member2: Any
    member3: Any
    liaison: Any
    police: Any
    other_member: Any
    outsider: Any

    def task(self, **overrides: Any) -> Task:
        return services.task_create(
            actor=self.coordinator, community=self.community, data=task_data(**overrides)
        )

    def patrol(self, **overrides: Any) -> Task:
        return self.task(
            kind=TaskKind.PATROL, title="Avondronde", min_people=2, capacity=3, **overrides
        )


@pytest.fixture
def scene(town) -> Scene:
    community = CommunityFactory(areas=[town["noord_west"]])
    coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    members = [MembershipFactory(community=community).user for _ in range(3)]
    liaison = UserFactory()
    grant(liaison, Role.MUNICIPALITY, town["municipality"])
    police = UserFactory()
    grant(police, Role.POLICE, town["municipality"])
    other = MembershipFactory(community=CommunityFactory(areas=[town["zuid_oost"]])).user
    AreaFactory(code="GM7777", name="Elders", level="municipality")
    return Scene(
        community=community,
        coordinator=coordinator,
        member=members[0],
        member2=members[1],
        member3=members[2],
        liaison=liaison,
        police=police,
        other_member=other,
        outsider=UserFactory(),
    )


def as_user(client, user, *, privileged: bool = False):
    user.language = "en"
    user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return login(client, user, with_mfa=privileged)


def at(days: float = 0, **kwargs: float) -> datetime:
    return timezone.now() + timedelta(days=days, **kwargs)
