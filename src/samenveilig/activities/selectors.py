"""Reads of tasks and projects, already scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from samenveilig.activities.models import (
    LIVE_CLAIM_STATUSES,
    ClaimStatus,
    Project,
    Task,
    TaskClaim,
    TaskReport,
    TaskStatus,
)
from samenveilig.communities.models import Community, Membership, MembershipStatus, WatchPoint
from samenveilig.communities.permissions import MANAGING_ROLES
from samenveilig.core.geo import bbox_around, haversine_m

NEAR_RADIUS_M = 3000


def with_counts(queryset: QuerySet[Task]) -> QuerySet[Task]:
    return queryset.annotate(
        claimed=Count("claims", filter=Q(claims__status__in=LIVE_CLAIM_STATUSES))
    )


def member_communities(user: Any) -> QuerySet[Community]:
    """Active communities whose tasks the user sees as a verified member."""
    if not user.is_authenticated:
        return Community.objects.none()
    return Community.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__status=MembershipStatus.VERIFIED,
    ).distinct()


def managed_community_ids(user: Any) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(
            user=user, status=MembershipStatus.VERIFIED, role__in=MANAGING_ROLES
        ).values_list("community_id", flat=True)
    )


def home_point(user: Any) -> WatchPoint | None:
    if not user.is_authenticated:
        return None
    return WatchPoint.objects.filter(user=user, is_home=True).first()


@dataclass
class TaskRow:
    task: Task
    distance_m: float | None
    mine: TaskClaim | None


def upcoming_tasks(
    user: Any,
    *,
    communities: QuerySet[Community],
    near: WatchPoint | None = None,
    now: datetime | None = None,
) -> list[TaskRow]:
    """Open tasks not yet over in the given communities, soonest first; with ``near``, only
    those whose meeting point lies within 3 km of it (and those without a point, which are
    somewhere in the neighbourhood), nearest first."""
    now = now or timezone.now()
    queryset = with_counts(
        Task.objects.filter(community__in=communities, status=TaskStatus.OPEN).filter(
            Q(ends_at__gt=now) | Q(ends_at__isnull=True, due_at__gt=now)
        )
    ).select_related("community", "project")
    if near is not None:
        box = bbox_around(near.lat, near.lon, NEAR_RADIUS_M)
        queryset = queryset.filter(
            Q(meeting_lat__isnull=True)
            | Q(
                meeting_lat__gte=box.min_lat,
                meeting_lat__lte=box.max_lat,
                meeting_lon__gte=box.min_lon,
                meeting_lon__lte=box.max_lon,
            )
        )
    tasks = list(queryset.order_by("starts_at", "due_at", "pk")[:200])
    mine = {
        claim.task_id: claim
        for claim in TaskClaim.objects.filter(
            user=user, task__in=tasks, status__in=LIVE_CLAIM_STATUSES
        )
    }
    rows = []
    for task in tasks:
        distance = None
        if near is not None and task.meeting_lat is not None:
            distance = haversine_m(near.lat, near.lon, task.meeting_lat, task.meeting_lon)
            if distance > NEAR_RADIUS_M:
                continue
        rows.append(TaskRow(task=task, distance_m=distance, mine=mine.get(task.pk)))
    if near is not None:
        rows.sort(key=lambda row: (row.distance_m is None, row.distance_m or 0))
    return rows


def my_claims(user: Any, now: datetime | None = None) -> QuerySet[TaskClaim]:
    """The member's claims of tasks still to do or to close."""
    now = now or timezone.now()
    return (
        TaskClaim.objects.filter(
            user=user,
            status__in=(ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN),
            task__status=TaskStatus.OPEN,
        )
        .select_related("task__community")
        .order_by("task__starts_at", "task__due_at")
    )


def proposals_for(user: Any) -> QuerySet[Task]:
    return (
        Task.objects.filter(
            community_id__in=managed_community_ids(user),
            community__is_active=True,
            status=TaskStatus.PROPOSED,
        )
        .select_related("community", "proposed_by")
        .order_by("created_at")
    )


def claims_of(task: Task) -> QuerySet[TaskClaim]:
    return (
        TaskClaim.objects.filter(task=task, status__in=LIVE_CLAIM_STATUSES)
        .select_related("user")
        .order_by("claimed_at", "pk")
    )


def reports_made_from(task: Task) -> list[TaskReport]:
    """The reports made from the task's pre-filled report form, oldest first."""
    return list(
        TaskReport.objects.filter(task=task).select_related("report").order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def project_progress(project: Project) -> Progress:
    """Steps done out of the steps that count (cancelled and declined steps do not)."""
    steps = project.steps.exclude(
        status__in=(TaskStatus.CANCELLED, TaskStatus.REJECTED, TaskStatus.PROPOSED)
    )
    return Progress(
        done=steps.filter(status=TaskStatus.DONE).count(),
        total=steps.count(),
    )


def projects_of(community: Community) -> list[tuple[Project, Progress]]:
    return [
        (project, project_progress(project))
        for project in Project.objects.filter(community=community).order_by("-created_at")
    ]


def project_steps(project: Project) -> QuerySet[Task]:
    return with_counts(project.steps.all()).order_by("step_number", "pk")
