"""The demo town's programme (issue 11): every community somewhere in the four phases, one in its
second cycle with the first cycle's evaluation; the history spread over the past year."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from samenveilig.communities.models import MembershipRole
from samenveilig.core.demo import COMMUNITIES
from samenveilig.core.demo_programme import ACTIONS, IN_PHASES, build_programme
from samenveilig.programme.models import (
    PHASE_ORDER,
    CommunityProgramme,
    CycleStep,
    Evaluation,
    EventKind,
    Phase,
)
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_town(town):
    communities, users = {}, {}
    for key, *_rest, coordinator_key in COMMUNITIES:
        community = CommunityFactory(areas=[town["noord_west"]])
        role = MembershipRole.TEAM_LEAD if key == "investigation" else MembershipRole.COORDINATOR
        users[coordinator_key] = MembershipFactory(community=community, role=role).user
        communities[key] = community
    return SimpleNamespace(communities=communities, users=users)


def test_demo_programme_states(demo_town):
    build_programme(demo_town)

    patrol = CommunityProgramme.objects.get(community=demo_town.communities["patrol"])
    assert (patrol.in_cycle, patrol.cycle_number, patrol.step) == (True, 2, CycleStep.ANALYSE)
    evaluation = Evaluation.objects.get()
    assert evaluation.programme == patrol and evaluation.cycle_number == 1
    assert [a.text for a in evaluation.actions.all()] == list(ACTIONS)
    assert "respondents" in evaluation.figures
    assert (timezone.now() - evaluation.created_at).days == 10
    kinds = list(patrol.events.order_by("occurred_at").values_list("kind", flat=True))
    assert kinds == [EventKind.PHASE_COMPLETED] * 4 + [EventKind.STEP_COMPLETED] * 4 + [
        EventKind.EVALUATED
    ]
    assert (timezone.now() - patrol.events.order_by("occurred_at").first().occurred_at).days > 300

    for key, (done, ticked, days) in IN_PHASES.items():
        programme = CommunityProgramme.objects.get(community=demo_town.communities[key])
        assert not programme.in_cycle
        assert programme.phase == PHASE_ORDER[done]
        assert programme.ticks.filter(phase=programme.phase).count() == ticked
        assert programme.events.count() == done
        assert (timezone.now() - programme.stage_started_at).days == days
    assert (
        CommunityProgramme.objects.get(community=demo_town.communities["whatsapp"]).phase
        == Phase.ROLES
    )
    assert not CommunityProgramme.objects.filter(
        community=demo_town.communities["investigation"]
    ).exists()
