"""Team-health figures and the drift check on hand-made histories: closed claims placed at chosen
days in the past."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samenveilig.activities import health
from samenveilig.activities.models import (
    ClaimStatus,
    DriftSignal,
    Task,
    TaskClaim,
    TaskKind,
    TaskStatus,
)
from samenveilig.communities.models import MembershipRole
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def done(scene, user, days_ago: float) -> TaskClaim:
    """A task in the past that ``user`` closed ``days_ago`` days ago."""
    closed = NOW - timedelta(days=days_ago)
    task = Task.objects.create(
        community=scene.community,
        kind=TaskKind.FLYERING,
        title="Flyeren",
        status=TaskStatus.DONE,
        starts_at=closed - timedelta(hours=2),
        ends_at=closed,
        capacity=4,
        min_people=1,
        created_by=scene.coordinator,
    )
    return TaskClaim.objects.create(
        task=task,
        user=user,
        status=ClaimStatus.CLOSED,
        claimed_at=closed - timedelta(days=3),
        closed_at=closed,
        minutes=120,
    )


def open_task(scene) -> Task:
    start = NOW + timedelta(days=3)
    return Task.objects.create(
        community=scene.community,
        kind=TaskKind.MAINTENANCE,
        title="Snoeien",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=2,
        min_people=1,
    )


def test_figures(scene):
    # member: 4 tasks (2 recent), member2: 1 recent, member3: 1 at 60 days, coordinator: none
    for days in (3, 10, 40, 70):
        done(scene, scene.member, days)
    done(scene, scene.member2, 5)
    done(scene, scene.member3, 60)
    done(scene, scene.member, 120)  # outside every window
    done(scene, scene.outsider, 8)  # not a member: counts as work, not as an active member
    open_task(scene)
    claimed = open_task(scene)
    TaskClaim.objects.create(task=claimed, user=scene.member2, claimed_at=NOW)
    h = health.team_health(scene.community, NOW)
    assert h.members == 4  # coordinator and three members
    assert (h.active_30, h.active_90) == (2, 3)
    assert (h.work_30, h.work_earlier_60, h.work_90) == (4, 3, 7)
    assert h.top1_share == round(4 / 7, 2)
    assert h.top2_share == round(5 / 7, 2)  # member and one of the people with one task each
    assert h.open_without_people == 1
    assert h.coordinators == 1 and h.coordinator_share == 0.0
    assert h.others_active_30 == 2 and not h.coordinator_active_30


def test_healthy_team_is_not_signalled(scene, mailoutbox):
    for user in (scene.member, scene.member2, scene.coordinator):
        for days in (5, 20, 45, 75):
            done(scene, user, days)
    assert health.drift_reasons(health.team_health(scene.community, NOW)) == []
    assert health.check_drift(NOW) == 0
    assert mailoutbox == []


def test_activity_falling(scene):
    # 8 tasks in days 31–90 (4 per 30 days), 1 in the last 30: below half
    for days in (35, 40, 50, 55, 65, 70, 80, 85):
        done(scene, scene.member if days % 2 else scene.member2, days)
    done(scene, scene.member3, 10)
    reasons = health.drift_reasons(health.team_health(scene.community, NOW))
    assert health.ACTIVITY_FALLING in reasons
    # exactly half is not falling
    done(scene, scene.member2, 12)
    reasons = health.drift_reasons(health.team_health(scene.community, NOW))
    assert health.ACTIVITY_FALLING not in reasons


def test_little_history_is_not_falling(scene):
    for days in (40, 60, 80):  # fewer than MIN_EARLIER_WORK
        done(scene, scene.member, days)
    assert health.ACTIVITY_FALLING not in health.drift_reasons(
        health.team_health(scene.community, NOW)
    )


def test_coordinator_alone(scene):
    for days in (2, 6, 12, 20):
        done(scene, scene.coordinator, days)
    h = health.team_health(scene.community, NOW)
    assert h.coordinator_share == 1.0 and h.others_active_30 == 0
    assert health.COORDINATOR_ALONE in health.drift_reasons(h)
    # a second coordinator: not alone
    MembershipFactory(community=scene.community, role=MembershipRole.COORDINATOR)
    assert health.COORDINATOR_ALONE not in health.drift_reasons(
        health.team_health(scene.community, NOW)
    )


def test_nobody_but_open_tasks_means_coordinator_alone(scene):
    open_task(scene)
    h = health.team_health(scene.community, NOW)
    assert health.drift_reasons(h) == [health.COORDINATOR_ALONE]


def test_drift_tells_coordinator_and_liaison_once_a_week(scene, mailoutbox):
    for person in (scene.coordinator, scene.liaison):
        person.language = "en"  # the e-mail goes out in the recipient's language
        person.save(update_fields=["language"])
    for days in (2, 6, 12, 20):
        done(scene, scene.coordinator, days)
    assert health.check_drift(NOW) == 1
    recipients = sorted(address for m in mailoutbox for address in m.to)
    assert recipients == sorted([scene.coordinator.email, scene.liaison.email])
    body = mailoutbox[0].body
    assert "The coordinator is doing it alone" in body
    assert "Tasks done in the last 30 days: 4" in body
    assert "by the most active person: 100%" in body
    signal = DriftSignal.objects.get()
    assert signal.figures["work_30"] == 4 and signal.recipients == 2
    # a rerun the same week sends nothing
    assert health.check_drift(NOW) == 0
    assert len(mailoutbox) == 2
    # next week it is signalled again
    assert health.check_drift(NOW + timedelta(days=7)) == 1


def test_other_municipality_is_not_told(scene, mailoutbox):
    from samenveilig.accounts.models import Role
    from samenveilig.areas.models import Area
    from tests.factories import UserFactory, grant

    elsewhere = UserFactory()
    grant(elsewhere, Role.MUNICIPALITY, Area.objects.get(code="GM7777"))
    open_task(scene)
    health.check_drift(NOW)
    assert elsewhere.email not in [a for m in mailoutbox for a in m.to]


def test_health_page_shows_the_figures(client, scene):
    from django.urls import reverse

    from tests.activities.conftest import as_user

    for days in (2, 6):
        done(scene, scene.coordinator, days)
    as_user(client, scene.liaison, privileged=True)
    page = client.get(reverse("activities:health", args=[scene.community.slug])).content.decode()
    assert "The coordinator is doing it alone" in page
    assert "data-top1>100%<" in page
