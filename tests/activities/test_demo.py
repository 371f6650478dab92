"""The demo town's tasks: a weekly patrol two people claimed, a safety walk with a checklist,
Lisa's past flyering round and a garden project in three steps."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from samenveilig.activities import recognition, selectors
from samenveilig.activities.demo import build_tasks
from samenveilig.activities.models import Project, Task, TaskKind
from samenveilig.communities.models import CommunityKind, MembershipRole
from tests.activities.conftest import certify_patrol
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_tasks(town):
    patrol = CommunityFactory(areas=[town["noord_west"]])
    initiative = CommunityFactory(kind=CommunityKind.RESIDENTS_INITIATIVE)
    coordinator = MembershipFactory(community=patrol, role=MembershipRole.COORDINATOR).user
    member = MembershipFactory(community=patrol).user
    MembershipFactory(community=patrol)
    MembershipFactory(community=initiative, role=MembershipRole.COORDINATOR)
    certify_patrol(member)
    town_ = SimpleNamespace(
        communities={"patrol": patrol, "initiative": initiative},
        users={"coordinator": coordinator, "member": member},
    )
    build_tasks(town_)
    head = Task.objects.get(kind=TaskKind.PATROL, series__isnull=True)
    assert head.occurrences.count() == 7
    assert selectors.claims_of(head).count() == 2
    assert Task.objects.get(kind=TaskKind.SAFETY_WALK).checklist
    assert recognition.contributions_of(member).tasks_done == 1
    project = Project.objects.get(community=initiative)
    assert selectors.project_progress(project).total == 3
