"""Every write to tasks, claims, projects and calendar feeds (TSK-1, TSK-2).

One transaction per action, an audit row for each (ids and statuses only), e-mails after commit.
Claims that change the number of people on a task (claim, withdraw, check in, close) lock the
task's row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises write transactions),
so two members racing for the last place are served one after the other and the capacity holds.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.activities import permissions
from samenveilig.activities.models import (
    LIVE_CLAIM_STATUSES,
    CalendarFeed,
    ClaimStatus,
    Project,
    Repeat,
    Task,
    TaskClaim,
    TaskKind,
    TaskReport,
    TaskStatus,
)
from samenveilig.activities.rules import FIELDS, task_errors
from samenveilig.communities.models import Community
from samenveilig.core import audit
from samenveilig.investigations.publication import PublicationRefused, check_publication
from samenveilig.training import permissions as training

# Weekly occurrences are made this far ahead; the daily command extends the horizon.
OCCURRENCE_HORIZON = timedelta(weeks=8)
# Checking in opens this long before the start of the slot.
CHECK_IN_EARLY = timedelta(minutes=30)
MAX_MINUTES = 24 * 60


class TaskError(Exception):
    """An action that cannot be done as asked; ``message`` is translated and says why."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def _raise_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise TaskError(first, errors)


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("community").get(pk=task.pk)


def live_claims(task: Task) -> Any:
    return TaskClaim.objects.filter(task=task, status__in=LIVE_CLAIM_STATUSES)


def _on_commit(func: Any, **kwargs: Any) -> None:
    from samenveilig.activities import notifications

    transaction.on_commit(lambda: getattr(notifications, func)(**kwargs))


# --- tasks -----------------------------------------------------------------------------------


def _public_texts(values: dict[str, Any]) -> list[Any]:
    """The texts of a task that members read."""
    return [values["title"], values["description"], values["meeting_point"], *values["checklist"]]


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    values = {field: data.get(field) for field in FIELDS}
    values["title"] = (values["title"] or "").strip()
    values["description"] = (values["description"] or "").strip()
    values["meeting_point"] = (values["meeting_point"] or "").strip()
    values["required_module"] = values["required_module"] or ""
    values["checklist"] = list(values["checklist"] or [])
    values["repeat"] = values["repeat"] or Repeat.NONE
    if values["repeat"] != Repeat.WEEKLY:
        values["repeat_until"] = None
    return values


def _check_publication(actor: Any, community: Community, texts: list[Any], where: str) -> None:
    """INV-8: a task or project is read by every member of the community, so it may not name a
    suspect recorded in an investigation of the town, just like an alert. Called before the
    action's transaction, so the refusal stays in the audit chain."""
    area_ids = list(community.areas.values_list("pk", flat=True))
    try:
        check_publication([str(text) for text in texts if text], area_ids, actor=actor, where=where)
    except PublicationRefused as refusal:
        raise TaskError(refusal.message, {"__all__": [refusal.message]}) from refusal


def task_create(
    *, actor: Any, community: Community, data: dict[str, Any], project: Project | None = None
) -> Task:
    """A coordinator's task is open at once; a member's is a proposal for the coordinator."""
    manages = permissions.user_can_manage_tasks(actor, community)
    if not manages and not permissions.user_can_propose_task(actor, community):
        raise PermissionDenied
    if project is not None and project.community_id != community.pk:
        raise PermissionDenied
    _raise_errors(task_errors(data, new=True))
    values = _clean(data)
    _check_publication(actor, community, _public_texts(values), "task")
    now = timezone.now()
    with transaction.atomic():
        task = Task(
            community=community,
            project=project,
            status=TaskStatus.OPEN if manages else TaskStatus.PROPOSED,
            proposed_by=None if manages else actor,
            created_by=actor,
            updated_by=actor,
            **values,
        )
        if project is not None:
            last = project.steps.order_by("-step_number").values_list("step_number", flat=True)
            task.step_number = (last.first() or 0) + 1
        if manages:
            task.decided_by, task.decided_at = actor, now
        task.save()
        audit.record(
            actor=actor,
            action="tasks.created" if manages else "tasks.proposed",
            obj=task,
            details={"community": community.pk, "kind": task.kind},
        )
        if manages:
            generate_occurrences(task=task, now=now)
        else:
            _on_commit("notify_proposal", task_id=task.pk)
    return task


def task_update(*, actor: Any, task: Task, data: dict[str, Any]) -> Task:
    if not permissions.user_can_manage_tasks(actor, task.community):
        raise PermissionDenied
    if not task_errors(data, new=False):
        _check_publication(actor, task.community, _public_texts(_clean(data)), "task")
    with transaction.atomic():
        task = _locked(task)
        if task.status not in (TaskStatus.OPEN, TaskStatus.PROPOSED):
            raise TaskError(_("Only an open or proposed task can be changed."))
        _raise_errors(task_errors(data, new=False))
        values = _clean(data)
        taken = live_claims(task).count()
        if values["capacity"] < taken:
            raise TaskError(
                _("%(n)d people have already claimed this task; keep at least as many places.")
                % {"n": taken},
                {"capacity": [_("Keep at least %(n)d places.") % {"n": taken}]},
            )
        if task.series_id is not None:
            # An occurrence keeps its series' rhythm; only the series' first task repeats.
            values["repeat"], values["repeat_until"] = Repeat.NONE, None
        for field, value in values.items():
            setattr(task, field, value)
        task.updated_by = actor
        task.save()
        audit.record(actor=actor, action="tasks.updated", obj=task)
        if task.status == TaskStatus.OPEN:
            generate_occurrences(task=task)
    return task


def task_decide(*, actor: Any, task: Task, approve: bool, note: str = "") -> Task:
    """The coordinator approves a member's proposal (it opens) or declines it with a note."""
    if not permissions.user_can_manage_tasks(actor, task.community):
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        if task.status != TaskStatus.PROPOSED:
            raise TaskError(_("This proposal has already been decided."))
        if approve and task.finishes_at and task.finishes_at <= timezone.now():
            raise TaskError(_("This task's moment has passed; change it before approving."))
        task.status = TaskStatus.OPEN if approve else TaskStatus.REJECTED
        task.decided_by, task.decided_at = actor, timezone.now()
        task.decision_note = (note or "").strip()[:300]
        task.updated_by = actor
        task.save()
        audit.record(
            actor=actor,
            action="tasks.approved" if approve else "tasks.rejected",
            obj=task,
        )
        if approve:
            generate_occurrences(task=task)
        _on_commit("notify_decision", task_id=task.pk)
    return task


def task_cancel(*, actor: Any, task: Task) -> Task:
    if not permissions.user_can_manage_tasks(actor, task.community):
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        if task.status != TaskStatus.OPEN:
            raise TaskError(_("Only an open task can be cancelled."))
        task.status = TaskStatus.CANCELLED
        task.updated_by = actor
        task.save(update_fields=["status", "updated_by", "updated_at"])
        audit.record(actor=actor, action="tasks.cancelled", obj=task)
        _on_commit("notify_cancelled", task_id=task.pk)
    return task


def _shift_weeks(moment: datetime, weeks: int) -> datetime:
    """The same wall-clock time ``weeks`` later (a patrol at 20:00 stays at 20:00 across DST)."""
    local = timezone.localtime(moment)
    shifted = local.replace(tzinfo=None) + timedelta(weeks=weeks)
    return timezone.make_aware(shifted, local.tzinfo)


def generate_occurrences(*, task: Task, now: datetime | None = None) -> int:
    """Make the weekly occurrences of a series' first task up to its last date or, without one,
    eight weeks ahead. Idempotent: a week that exists is left alone (unique per series and
    start); returns the number made."""
    if task.repeat != Repeat.WEEKLY or task.series_id is not None or task.starts_at is None:
        return 0
    if task.status != TaskStatus.OPEN:
        return 0
    now = now or timezone.now()
    limit = now + OCCURRENCE_HORIZON
    if task.repeat_until is not None:
        end_of_last_day = timezone.make_aware(
            datetime.combine(task.repeat_until + timedelta(days=1), datetime.min.time())
        )
        limit = min(limit, end_of_last_day)
    existing = set(task.occurrences.values_list("starts_at", flat=True))
    length = task.ends_at - task.starts_at  # type: ignore[operator]
    made = []
    week = 1
    while True:
        starts = _shift_weeks(task.starts_at, week)
        if starts >= limit:
            break
        week += 1
        if starts in existing or starts + length <= now:
            continue
        made.append(
            Task(
                community_id=task.community_id,
                project_id=task.project_id,
                kind=task.kind,
                title=task.title,
                description=task.description,
                status=TaskStatus.OPEN,
                starts_at=starts,
                ends_at=starts + length,
                meeting_point=task.meeting_point,
                meeting_lat=task.meeting_lat,
                meeting_lon=task.meeting_lon,
                capacity=task.capacity,
                min_people=task.min_people,
                required_module=task.required_module,
                checklist=list(task.checklist),
                repeat=Repeat.NONE,
                series=task,
                created_by_id=task.created_by_id,
                updated_by_id=task.updated_by_id,
                decided_by_id=task.decided_by_id,
                decided_at=task.decided_at,
            )
        )
    if made:
        with transaction.atomic():
            Task.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def extend_all_series(now: datetime | None = None) -> int:
    """Top up every open weekly series to the horizon (the daily command)."""
    made = 0
    heads = Task.objects.filter(repeat=Repeat.WEEKLY, series__isnull=True, status=TaskStatus.OPEN)
    for head in heads.iterator():
        made += generate_occurrences(task=head, now=now)
    return made


# --- claims ----------------------------------------------------------------------------------


def required_training_refusal(user: Any, task: Task) -> str:
    """Empty when the user may claim as far as training goes; otherwise which modules to take.
    A patrol needs the patrol modules (training's ``PATROL`` activity); any task may ask for one
    module more."""
    from samenveilig.training.content import get_module

    missing = []
    if task.kind == TaskKind.PATROL:
        missing.extend(training.missing_modules(user, training.PATROL))
    if task.required_module and not training.user_is_certified(user, task.required_module):
        module = get_module(task.required_module)
        if module is not None and module not in missing:
            missing.append(module)
    return training.modules_sentence(missing) if missing else ""


def _own_live_claim(task: Task, user: Any) -> TaskClaim | None:
    return (
        TaskClaim.objects.select_for_update()
        .filter(task=task, user=user, status__in=LIVE_CLAIM_STATUSES)
        .first()
    )


def claim_task(*, actor: Any, task: Task) -> TaskClaim:
    if not permissions.user_can_take_part(actor, task):
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        now = timezone.now()
        if task.status != TaskStatus.OPEN:
            raise TaskError(_("This task is not open for claims."))
        if task.finishes_at is not None and task.finishes_at <= now:
            raise TaskError(_("This task is over."))
        if _own_live_claim(task, actor) is not None:
            raise TaskError(_("You have already claimed this task."))
        refusal = required_training_refusal(actor, task)
        if refusal:
            raise TaskError(refusal)
        if live_claims(task).count() >= task.capacity:
            raise TaskError(_("This task is full."))
        claim = TaskClaim.objects.create(task=task, user=actor, claimed_at=now)
        audit.record(actor=actor, action="tasks.claimed", obj=claim, details={"task": task.pk})
    return claim


def claim_withdraw(*, actor: Any, task: Task) -> TaskClaim:
    if not permissions.user_can_take_part(actor, task):
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        claim = _own_live_claim(task, actor)
        if claim is None:
            raise TaskError(_("You have not claimed this task."))
        if claim.status != ClaimStatus.CLAIMED:
            raise TaskError(_("You have already checked in; close the task with a note instead."))
        claim.status = ClaimStatus.WITHDRAWN
        claim.withdrawn_at = timezone.now()
        claim.save(update_fields=["status", "withdrawn_at"])
        audit.record(actor=actor, action="tasks.withdrawn", obj=claim, details={"task": task.pk})
    return claim


def can_start(task: Task) -> bool:
    """Enough people have claimed the task for it to start (a patrol: at least two)."""
    return live_claims(task).count() >= task.min_people


def claim_check_in(*, actor: Any, task: Task) -> TaskClaim:
    if not permissions.user_can_take_part(actor, task):
        raise PermissionDenied
    with transaction.atomic():
        task = _locked(task)
        claim = _own_live_claim(task, actor)
        if claim is None:
            raise TaskError(_("Claim the task before checking in."))
        if claim.status != ClaimStatus.CLAIMED:
            raise TaskError(_("You have already checked in."))
        if task.status != TaskStatus.OPEN:
            raise TaskError(_("This task is not open."))
        now = timezone.now()
        if task.starts_at is not None and now < task.starts_at - CHECK_IN_EARLY:
            raise TaskError(_("Checking in opens half an hour before the start."))
        if task.finishes_at is not None and now > task.finishes_at:
            raise TaskError(_("This task is over."))
        if not can_start(task):
            raise TaskError(
                _(
                    "This task needs at least %(n)d people and has %(claimed)d; it does not "
                    "start with fewer. Ask a neighbour to join."
                )
                % {"n": task.min_people, "claimed": live_claims(task).count()}
            )
        claim.status = ClaimStatus.CHECKED_IN
        claim.checked_in_at = now
        claim.save(update_fields=["status", "checked_in_at"])
        audit.record(actor=actor, action="tasks.checked_in", obj=claim, details={"task": task.pk})
    return claim


def default_minutes(task: Task, claim: TaskClaim, now: datetime) -> int:
    if task.starts_at is not None and task.ends_at is not None:
        return int((task.ends_at - task.starts_at).total_seconds() // 60)
    if claim.checked_in_at is not None:
        return max(1, min(MAX_MINUTES, int((now - claim.checked_in_at).total_seconds() // 60)))
    return 60


def claim_close(*, actor: Any, task: Task, note: str = "", minutes: int | None = None) -> TaskClaim:
    """Close one's own part with a note and the time spent. A task with a time slot is closed
    after checking in; one with a deadline may be closed straight from the claim. When every
    live claim is closed the task is done."""
    if not permissions.user_can_take_part(actor, task):
        raise PermissionDenied
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        raise TaskError(_("Give the time spent in minutes, at most 24 hours."))
    with transaction.atomic():
        task = _locked(task)
        claim = _own_live_claim(task, actor)
        if claim is None:
            raise TaskError(_("You have not claimed this task."))
        if claim.status == ClaimStatus.CLOSED:
            raise TaskError(_("You have already closed this task."))
        if claim.status == ClaimStatus.CLAIMED and task.has_slot:
            raise TaskError(_("Check in first; a task with a time slot is closed after it."))
        if task.status != TaskStatus.OPEN:
            raise TaskError(_("This task is not open."))
        now = timezone.now()
        claim.status = ClaimStatus.CLOSED
        claim.closed_at = now
        claim.note = (note or "").strip()[:2000]
        claim.minutes = minutes if minutes is not None else default_minutes(task, claim, now)
        claim.save(update_fields=["status", "closed_at", "note", "minutes"])
        audit.record(actor=actor, action="tasks.closed", obj=claim, details={"task": task.pk})
        claims = list(live_claims(task).values_list("status", flat=True))
        if claims and all(status == ClaimStatus.CLOSED for status in claims):
            task.status = TaskStatus.DONE
            task.done_at = now
            task.save(update_fields=["status", "done_at", "updated_at"])
            audit.record(actor=actor, action="tasks.done", obj=task)
    return claim


def mark_not_started(*, task: Task, now: datetime | None = None) -> bool:
    """A task whose start has passed with fewer people than its minimum did not start (a patrol
    with one person). Returns whether it was marked; the claimants are told after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        task = _locked(task)
        if task.status != TaskStatus.OPEN or task.starts_at is None or task.starts_at > now:
            return False
        if can_start(task):
            return False
        task.status = TaskStatus.NOT_STARTED
        task.save(update_fields=["status", "updated_at"])
        audit.record(actor=None, action="tasks.not_started", obj=task)
        _on_commit("notify_not_started", task_id=task.pk)
    return True


def link_report(*, actor: Any, task_id: Any, report: Any) -> TaskReport | None:
    """Record that ``report`` was made from the task's pre-filled report form, so the task page
    lists it. Called inside the transaction that saved the report (the ``report_made_from``
    signal); the member must still be one who may report from the task, otherwise nothing is
    linked (the report itself stands). Returns the link, or None."""
    if not isinstance(task_id, int):
        return None
    task = Task.objects.select_related("community").filter(pk=task_id).first()
    if task is None or report.reporter_id != getattr(actor, "pk", None):
        return None
    if not (
        permissions.user_can_view_task(actor, task) and permissions.user_can_take_part(actor, task)
    ):
        return None
    link, created = TaskReport.objects.get_or_create(report=report, defaults={"task": task})
    if created:
        audit.record(
            actor=actor,
            action="tasks.report_linked",
            obj=link,
            details={"task": task.pk, "report": report.pk},
        )
    return link


def on_report_made_from(sender: Any, *, report: Any, user: Any, origin: Any, **kwargs: Any) -> None:
    """Receiver of ``reports.signals.report_made_from`` for reports made from a task."""
    if isinstance(origin, dict) and origin.get("kind") == "task":
        link_report(actor=user, task_id=origin.get("id"), report=report)


# --- projects --------------------------------------------------------------------------------


def project_create(*, actor: Any, community: Community, title: str, description: str) -> Project:
    if not permissions.user_can_manage_tasks(actor, community):
        raise PermissionDenied
    title = (title or "").strip()
    if not title:
        raise TaskError(_("Give the project a title."), {"title": [_("Give the project a title.")]})
    _check_publication(actor, community, [title, description], "project")
    with transaction.atomic():
        project = Project.objects.create(
            community=community,
            title=title[:120],
            description=(description or "").strip()[:2000],
            created_by=actor,
            updated_by=actor,
        )
        audit.record(actor=actor, action="tasks.project_created", obj=project)
    return project


# --- calendar --------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_renew(*, actor: Any) -> str:
    """A new secret link for the member's calendar; the old one stops working. Returns the
    token (shown once; only its hash is stored)."""
    if not permissions.user_has_contributions(actor):
        raise PermissionDenied
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            user=actor, defaults={"token_hash": token_hash(token)}
        )
        audit.record(actor=actor, action="tasks.calendar_renewed")
    return token


def calendar_feed_remove(*, actor: Any) -> None:
    with transaction.atomic():
        CalendarFeed.objects.filter(user=actor).delete()
        audit.record(actor=actor, action="tasks.calendar_removed")
