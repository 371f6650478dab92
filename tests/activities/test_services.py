"""Tasks and claims: capacity, minimum people, certificate gating, repeating tasks, proposals,
projects."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from samenveilig.activities import jobs, selectors, services
from samenveilig.activities.models import ClaimStatus, Repeat, Task, TaskClaim, TaskKind, TaskStatus
from samenveilig.training import content
from tests.activities.conftest import certify, certify_patrol, task_data

pytestmark = pytest.mark.django_db


def _start_now(task: Task, minutes: int = 5) -> None:
    """Move the slot so that it started ``minutes`` ago (check-in is open)."""
    Task.objects.filter(pk=task.pk).update(
        starts_at=timezone.now() - timedelta(minutes=minutes),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    task.refresh_from_db()


class TestRules:
    def test_patrol_needs_two_people(self, scene):
        with pytest.raises(services.TaskError) as error:
            scene.task(kind=TaskKind.PATROL, min_people=1)
        assert "min_people" in error.value.errors
        assert "nobody patrols alone" in error.value.errors["min_people"][0]

    def test_capacity_below_minimum_refused(self, scene):
        with pytest.raises(services.TaskError) as error:
            scene.task(min_people=3, capacity=2)
        assert "capacity" in error.value.errors

    def test_slot_or_deadline(self, scene):
        with pytest.raises(services.TaskError):
            scene.task(starts_at=None, ends_at=None, due_at=None)
        task = scene.task(starts_at=None, ends_at=None, due_at=timezone.now() + timedelta(days=3))
        assert task.due_at and not task.has_slot
        with pytest.raises(services.TaskError):
            scene.task(due_at=timezone.now() + timedelta(days=3))  # a slot and a deadline

    def test_past_slot_refused(self, scene):
        start = timezone.now() - timedelta(days=1)
        with pytest.raises(services.TaskError):
            scene.task(starts_at=start, ends_at=start + timedelta(hours=1))

    def test_unknown_module_refused(self, scene):
        with pytest.raises(services.TaskError) as error:
            scene.task(required_module="nope")
        assert "required_module" in error.value.errors


class TestCapacity:
    def test_full_task_refuses_the_next_claim(self, scene):
        task = scene.task(capacity=2)
        services.claim_task(actor=scene.member, task=task)
        services.claim_task(actor=scene.member2, task=task)
        with pytest.raises(services.TaskError, match="full"):
            services.claim_task(actor=scene.member3, task=task)
        assert TaskClaim.objects.filter(task=task).count() == 2

    def test_withdraw_frees_the_place(self, scene):
        task = scene.task(capacity=1)
        services.claim_task(actor=scene.member, task=task)
        services.claim_withdraw(actor=scene.member, task=task)
        services.claim_task(actor=scene.member2, task=task)
        # and the one who withdrew may claim again once a place is free
        services.claim_withdraw(actor=scene.member2, task=task)
        services.claim_task(actor=scene.member, task=task)
        assert TaskClaim.objects.filter(task=task, user=scene.member).count() == 2

    def test_claim_twice_refused(self, scene):
        task = scene.task()
        services.claim_task(actor=scene.member, task=task)
        with pytest.raises(services.TaskError, match="already claimed"):
            services.claim_task(actor=scene.member, task=task)

    def test_capacity_cannot_shrink_below_claims(self, scene):
        task = scene.task(capacity=3)
        services.claim_task(actor=scene.member, task=task)
        services.claim_task(actor=scene.member2, task=task)
        with pytest.raises(services.TaskError) as error:
            services.task_update(actor=scene.coordinator, task=task, data=task_data(capacity=1))
        assert "capacity" in error.value.errors

    def test_outsiders_and_other_communities_cannot_claim(self, scene):
        task = scene.task()
        for user in (scene.outsider, scene.other_member, scene.liaison, scene.police):
            with pytest.raises(PermissionDenied):
                services.claim_task(actor=user, task=task)


class TestMinimumPeople:
    def test_patrol_with_one_person_does_not_start(self, scene):
        task = scene.patrol()
        certify_patrol(scene.member)
        services.claim_task(actor=scene.member, task=task)
        _start_now(task)
        with pytest.raises(services.TaskError, match="at least 2 people"):
            services.claim_check_in(actor=scene.member, task=task)
        # the daily job marks it as not started and tells the claimant
        result = jobs.run_daily()
        task.refresh_from_db()
        assert result.not_started == 1
        assert task.status == TaskStatus.NOT_STARTED

    def test_patrol_with_two_starts_and_is_done_when_both_close(self, scene, mailoutbox):
        task = scene.patrol()
        for user in (scene.member, scene.member2):
            certify_patrol(user)
            services.claim_task(actor=user, task=task)
        _start_now(task)
        services.claim_check_in(actor=scene.member, task=task)
        services.claim_check_in(actor=scene.member2, task=task)
        assert jobs.run_daily().not_started == 0
        services.claim_close(actor=scene.member, task=task, note="Lamp kapot bij nr 12")
        task.refresh_from_db()
        assert task.status == TaskStatus.OPEN
        claim = services.claim_close(actor=scene.member2, task=task, minutes=90)
        task.refresh_from_db()
        assert task.status == TaskStatus.DONE
        assert claim.minutes == 90
        first = TaskClaim.objects.get(task=task, user=scene.member)
        assert first.minutes == 125  # the slot's length by default (moved: 5 min ago + 2 h)

    def test_withdraw_after_check_in_refused(self, scene):
        task = scene.task()
        services.claim_task(actor=scene.member, task=task)
        _start_now(task)
        services.claim_check_in(actor=scene.member, task=task)
        with pytest.raises(services.TaskError):
            services.claim_withdraw(actor=scene.member, task=task)

    def test_check_in_not_too_early(self, scene):
        task = scene.task()
        services.claim_task(actor=scene.member, task=task)
        with pytest.raises(services.TaskError, match="half an hour"):
            services.claim_check_in(actor=scene.member, task=task)

    def test_slot_task_closed_only_after_check_in(self, scene):
        task = scene.task()
        services.claim_task(actor=scene.member, task=task)
        with pytest.raises(services.TaskError, match="Check in first"):
            services.claim_close(actor=scene.member, task=task, note="x")

    def test_deadline_task_closed_from_the_claim(self, scene):
        task = scene.task(starts_at=None, ends_at=None, due_at=timezone.now() + timedelta(days=3))
        services.claim_task(actor=scene.member, task=task)
        claim = services.claim_close(actor=scene.member, task=task, note="Gedaan")
        assert claim.status == ClaimStatus.CLOSED and claim.minutes == 60


class TestCertificateGating:
    def test_patrol_needs_modules_one_and_two(self, scene):
        task = scene.patrol()
        with pytest.raises(services.TaskError, match="Take training modules"):
            services.claim_task(actor=scene.member, task=task)
        certify(scene.member, content.REPORTING)
        with pytest.raises(services.TaskError, match="module 2"):
            services.claim_task(actor=scene.member, task=task)
        certify(scene.member, content.DESCRIPTION)
        assert services.claim_task(actor=scene.member, task=task).status == ClaimStatus.CLAIMED

    def test_expired_certificate_does_not_count(self, scene):
        task = scene.task(required_module=content.CANVASSING)
        certify(scene.member, content.CANVASSING, days_left=-1)
        with pytest.raises(services.TaskError, match="module 3"):
            services.claim_task(actor=scene.member, task=task)
        certify(scene.member, content.CANVASSING)
        services.claim_task(actor=scene.member, task=task)


class TestRepeating:
    def test_weekly_until_a_date(self, scene):
        start = timezone.now() + timedelta(days=1)
        last_day = timezone.localtime(start).date() + timedelta(weeks=3)
        head = scene.patrol(
            repeat=Repeat.WEEKLY,
            repeat_until=last_day,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
        occurrences = list(head.occurrences.order_by("starts_at"))
        assert len(occurrences) == 3
        for week, occurrence in enumerate(occurrences, start=1):
            assert timezone.localtime(occurrence.starts_at).date() == timezone.localtime(
                start
            ).date() + timedelta(weeks=week)
            assert occurrence.kind == TaskKind.PATROL and occurrence.min_people == 2
            assert occurrence.repeat == Repeat.NONE
        # idempotent
        assert services.generate_occurrences(task=head) == 0
        assert services.extend_all_series() == 0

    def test_open_ended_series_tops_up_to_the_horizon(self, scene):
        head = scene.task(repeat=Repeat.WEEKLY)
        assert head.occurrences.count() == 7  # eight weeks ahead, the first is the head itself
        later = timezone.now() + timedelta(weeks=2)
        assert services.extend_all_series(now=later) == 2
        assert head.occurrences.count() == 9

    def test_same_wall_clock_time_across_dst(self, scene, settings):
        amsterdam = ZoneInfo("Europe/Amsterdam")
        start = datetime(2030, 3, 20, 20, 0, tzinfo=amsterdam)  # before the clocks go forward
        with timezone.override(amsterdam):
            head = scene.task(
                repeat=Repeat.WEEKLY,
                repeat_until=date(2030, 4, 10),
                starts_at=start,
                ends_at=start + timedelta(hours=2),
            )
            services.generate_occurrences(task=head, now=start - timedelta(days=1))
            hours = {o.starts_at.astimezone(amsterdam).hour for o in head.occurrences.all()}
        assert head.occurrences.count() == 3
        assert hours == {20}

    def test_each_week_is_claimed_separately(self, scene):
        head = scene.task(repeat=Repeat.WEEKLY, capacity=1)
        week2 = head.occurrences.order_by("starts_at").first()
        services.claim_task(actor=scene.member, task=head)
        services.claim_task(actor=scene.member2, task=week2)

    def test_weekly_needs_a_slot(self, scene):
        with pytest.raises(services.TaskError) as error:
            scene.task(
                repeat=Repeat.WEEKLY,
                starts_at=None,
                ends_at=None,
                due_at=timezone.now() + timedelta(days=2),
            )
        assert "repeat" in error.value.errors


class TestProposals:
    def test_member_proposes_coordinator_approves(
        self, scene, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            task = services.task_create(
                actor=scene.member, community=scene.community, data=task_data(repeat=Repeat.WEEKLY)
            )
        assert task.status == TaskStatus.PROPOSED and task.proposed_by == scene.member
        assert task.occurrences.count() == 0
        assert any(scene.coordinator.email in m.to for m in mailoutbox)
        with pytest.raises(services.TaskError):
            services.claim_task(actor=scene.member2, task=task)
        with pytest.raises(PermissionDenied):
            services.task_decide(actor=scene.member, task=task, approve=True)
        with django_capture_on_commit_callbacks(execute=True):
            services.task_decide(actor=scene.coordinator, task=task, approve=True, note="Goed idee")
        task.refresh_from_db()
        assert task.status == TaskStatus.OPEN
        assert task.occurrences.count() == 7
        assert any(scene.member.email in m.to for m in mailoutbox)

    def test_outsider_cannot_propose(self, scene):
        with pytest.raises(PermissionDenied):
            services.task_create(actor=scene.outsider, community=scene.community, data=task_data())


class TestProjects:
    def test_progress_counts_done_steps(self, scene):
        project = services.project_create(
            actor=scene.coordinator, community=scene.community, title="Buurttuin", description=""
        )
        steps = [
            services.task_create(
                actor=scene.coordinator,
                community=scene.community,
                project=project,
                data=task_data(
                    kind=TaskKind.PROJECT_STEP,
                    title=f"Stap {n}",
                    starts_at=None,
                    ends_at=None,
                    due_at=timezone.now() + timedelta(days=5),
                ),
            )
            for n in range(3)
        ]
        assert [s.step_number for s in steps] == [1, 2, 3]
        assert selectors.project_progress(project).percent == 0
        services.claim_task(actor=scene.member, task=steps[0])
        services.claim_close(actor=scene.member, task=steps[0], note="Grond gekocht")
        services.task_cancel(actor=scene.coordinator, task=steps[2])
        progress = selectors.project_progress(project)
        assert (progress.done, progress.total, progress.percent) == (1, 2, 50)

    def test_member_cannot_make_a_project(self, scene):
        with pytest.raises(PermissionDenied):
            services.project_create(
                actor=scene.member, community=scene.community, title="X", description=""
            )


class TestReminders:
    def test_reminder_once_per_claim(self, scene, mailoutbox):
        task = scene.task(
            starts_at=timezone.now() + timedelta(hours=3),
            ends_at=timezone.now() + timedelta(hours=5),
        )
        services.claim_task(actor=scene.member, task=task)
        assert jobs.run_daily().reminders == 1
        assert jobs.run_daily().reminders == 0
        assert mailoutbox[-1].to == [scene.member.email]
        assert task.title in mailoutbox[-1].subject
