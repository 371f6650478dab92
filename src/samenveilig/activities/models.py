"""Community tasks, claims, projects, calendar feeds and team-health signals (TSK-1 … TSK-4).

A ``Task`` is a piece of work anyone in the community can pick up: a patrol, a safety walk
(schouw) with a checklist, flyering, a workshop, maintenance or a step of a ``Project``. It has a
time slot (``starts_at``/``ends_at``) or a deadline (``due_at``), a meeting point, a capacity and a
minimum number of people (a patrol needs at least two and does not start with fewer). A weekly
task is the first of a series: its occurrences are rows of their own pointing at it
(``series``), so each week can be claimed, checked in and closed separately.

A ``TaskClaim`` is one member's part: claimed → (withdrawn) → checked in → closed with a note and
the hours spent. A member has at most one live (not withdrawn) claim per task.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel

PATROL_MIN_PEOPLE = 2
MAX_CAPACITY = 200


class TaskKind(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    SAFETY_WALK = "safety_walk", _("Safety walk (schouw)")
    FLYERING = "flyering", _("Flyering")
    WORKSHOP = "workshop", _("Workshop")
    MAINTENANCE = "maintenance", _("Maintenance")
    PROJECT_STEP = "project_step", _("Project step")


class TaskStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    NOT_STARTED = "not_started", _("Did not start (too few people)")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Proposal not accepted")


class Repeat(models.TextChoices):
    NONE = "none", _("Once")
    WEEKLY = "weekly", _("Every week")


class Project(TrackedModel):
    """A residents' initiative cut into steps; each step is a task (``Task.project``)."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="projects"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title


class Task(TrackedModel):
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="tasks"
    )
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("project"),
    )
    step_number = models.PositiveSmallIntegerField(_("step number"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what to do"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    meeting_point = models.CharField(_("meeting point"), max_length=200, blank=True)
    meeting_lat = models.FloatField(_("latitude of the meeting point"), null=True, blank=True)
    meeting_lon = models.FloatField(_("longitude of the meeting point"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("places"), default=4)
    min_people = models.PositiveSmallIntegerField(_("minimum number of people"), default=1)
    required_module = models.CharField(
        _("required training module"), max_length=40, blank=True, default=""
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    repeat = models.CharField(
        _("repeat"), max_length=10, choices=Repeat.choices, default=Repeat.NONE
    )
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    # The first task of a weekly series; its occurrences point here (the first points nowhere).
    series = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="occurrences"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note to the proposer"), max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # One-off start reminder / not-started notice per task (claimed by a conditional update).
    reminders_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["community", "status", "starts_at"], name="task_community_open"),
            models.Index(fields=["status", "starts_at"], name="task_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    starts_at__isnull=False, ends_at__isnull=False, ends_at__gt=F("starts_at")
                )
                | Q(starts_at__isnull=True, ends_at__isnull=True, due_at__isnull=False),
                name="task_slot_or_deadline",
            ),
            models.CheckConstraint(
                condition=Q(min_people__gte=1) & Q(capacity__gte=F("min_people")),
                name="task_capacity_holds_minimum",
            ),
            models.CheckConstraint(
                condition=~Q(kind="patrol") | Q(min_people__gte=PATROL_MIN_PEOPLE),
                name="task_patrol_min_two",
            ),
            models.UniqueConstraint(
                fields=["series", "starts_at"],
                condition=Q(series__isnull=False),
                name="task_one_occurrence_per_slot",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def when(self):  # type: ignore[no-untyped-def]
        """The moment that orders tasks: the start of the slot or the deadline."""
        return self.starts_at or self.due_at

    @property
    def finishes_at(self):  # type: ignore[no-untyped-def]
        return self.ends_at or self.due_at

    @property
    def has_slot(self) -> bool:
        return self.starts_at is not None

    @property
    def is_weekly(self) -> bool:
        return self.repeat == Repeat.WEEKLY or self.series_id is not None


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed")
    CHECKED_IN = "checked_in", _("Checked in")
    CLOSED = "closed", _("Done")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LIVE_CLAIM_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.CHECKED_IN, ClaimStatus.CLOSED)


class TaskClaim(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_claims"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.CLAIMED
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    minutes = models.PositiveIntegerField(_("minutes spent"), null=True, blank=True)
    # The claimant's reminder before the start, once per claim.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("task claim")
        verbose_name_plural = _("task claims")
        indexes = [
            models.Index(fields=["user", "status"], name="claim_user_status"),
            models.Index(fields=["task", "status"], name="claim_task_status"),
            models.Index(fields=["closed_at"], name="claim_closed_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "user"],
                condition=~Q(status="withdrawn"),
                name="one_live_claim_per_member",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="claim_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} / {self.user_id}"

    @property
    def hours(self) -> float:
        return round((self.minutes or 0) / 60, 1)


class TaskReport(models.Model):
    """A report sent from a task's pre-filled report form (a checklist item or a closing note):
    the task page lists it for the claimants and coordinators. One task per report."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="made_reports")
    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, related_name="from_task"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report made from a task")
        verbose_name_plural = _("reports made from tasks")

    def __str__(self) -> str:
        return f"{self.task_id} / {self.report_id}"


class CalendarFeed(models.Model):
    """A member's secret iCalendar link. Only a SHA-256 of the token is stored; the link is
    shown once when made, and making a new one retires the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_calendar"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"


class DriftSignal(models.Model):
    """One drift notice for a community in one ISO week: the figures it was sent with. The unique
    week makes the weekly check idempotent (a rerun or two at once send it once)."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="drift_signals"
    )
    week = models.CharField(max_length=8)  # "2026-W14"
    reasons = models.JSONField(default=list)
    figures = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("team drift signal")
        verbose_name_plural = _("team drift signals")
        constraints = [
            models.UniqueConstraint(fields=["community", "week"], name="one_drift_signal_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.week}"
