"""E-mails about tasks, each in the recipient's own language (TSK-1).

- a proposal waits for the coordinators; the proposer hears the decision;
- claimants hear that a task was cancelled or did not start (too few people);
- ``send_start_reminders`` (``manage.py activities_daily``, run hourly or daily): a reminder to each
  claimant of a task that starts within a day, once per claim. The claim row is taken with a
  conditional update before the e-mail goes out, so two runs at once or a rerun never send it
  twice; a failed send releases it for the next run.

An e-mail says *what* task and *when*, with a link; nothing about other members.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.activities.models import (
    LIVE_CLAIM_STATUSES,
    ClaimStatus,
    Task,
    TaskClaim,
    TaskStatus,
)
from samenveilig.communities.models import Membership, MembershipStatus
from samenveilig.communities.permissions import MANAGING_ROLES

logger = structlog.get_logger(__name__)

REMINDER_AHEAD = timedelta(hours=24)


def absolute_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _when(task: Task) -> str:
    moment = task.starts_at or task.due_at
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _mail(user: Any, subject_body: Any) -> int:
    """Render subject and body in the user's language and send; 0 when the user has no
    address or is inactive."""
    if user is None or not user.is_active or not user.email:
        return 0
    with override(user.language or settings.LANGUAGE_CODE):
        subject, body = subject_body()
    return send_mail(subject, body + "\n\nSamen Veilig", None, [user.email])


def _task_values(task: Task) -> dict[str, str]:
    return {
        "title": task.title,
        "when": _when(task),
        "community": task.community.name,
        "link": absolute_url(reverse("activities:detail", args=[task.pk])),
    }


def coordinators_of(community_id: int) -> Iterable[Any]:
    return [
        m.user
        for m in Membership.objects.filter(
            community_id=community_id, status=MembershipStatus.VERIFIED, role__in=MANAGING_ROLES
        ).select_related("user")
    ]


def _task(task_id: int) -> Task | None:
    return Task.objects.select_related("community", "proposed_by").filter(pk=task_id).first()


def notify_proposal(*, task_id: int) -> int:
    task = _task(task_id)
    if task is None or task.status != TaskStatus.PROPOSED:
        return 0
    values = _task_values(task)

    def text() -> tuple[str, str]:
        return (
            _("A task was proposed in %(community)s") % values,
            _("Hello,")
            + "\n\n"
            + _("A member proposed the task “%(title)s”. Approve or decline it here:\n%(link)s")
            % values,
        )

    return sum(_mail(user, text) for user in coordinators_of(task.community_id))


def notify_decision(*, task_id: int) -> int:
    task = _task(task_id)
    if task is None or task.proposed_by is None:
        return 0
    values = {**_task_values(task), "note": task.decision_note}

    def text() -> tuple[str, str]:
        if task.status == TaskStatus.OPEN:
            subject = _("Your task “%(title)s” is open") % values
            body = _("The coordinator approved your task. Members can claim it now:\n%(link)s")
        else:
            subject = _("Your task “%(title)s” was not accepted") % values
            body = _("The coordinator did not accept your proposal.")
        body = _("Hello,") + "\n\n" + body % values
        if task.decision_note:
            body += "\n\n" + _("Note: %(note)s") % values
        return subject, body

    return _mail(task.proposed_by, text)


def _claimants(task: Task, statuses: Iterable[str] = LIVE_CLAIM_STATUSES) -> list[Any]:
    return [
        claim.user
        for claim in TaskClaim.objects.filter(task=task, status__in=list(statuses)).select_related(
            "user"
        )
    ]


def notify_cancelled(*, task_id: int) -> int:
    task = _task(task_id)
    if task is None:
        return 0
    values = _task_values(task)

    def text() -> tuple[str, str]:
        return (
            _("Cancelled: %(title)s on %(when)s") % values,
            _("Hello,") + "\n\n" + _("The coordinator cancelled the task “%(title)s”.") % values,
        )

    return sum(_mail(user, text) for user in _claimants(task))


def notify_not_started(*, task_id: int) -> int:
    task = _task(task_id)
    if task is None:
        return 0
    values = {**_task_values(task), "n": str(task.min_people)}

    def text() -> tuple[str, str]:
        return (
            _("Did not start: %(title)s on %(when)s") % values,
            _("Hello,")
            + "\n\n"
            + _(
                "The task “%(title)s” needed at least %(n)s people and did not start with "
                "fewer. Nobody patrols alone. Thank you for claiming it."
            )
            % values,
        )

    return sum(_mail(user, text) for user in _claimants(task))


def due_reminders(now: datetime) -> Any:
    return (
        TaskClaim.objects.filter(
            status=ClaimStatus.CLAIMED,
            reminded_at__isnull=True,
            task__status=TaskStatus.OPEN,
            task__starts_at__gt=now,
            task__starts_at__lte=now + REMINDER_AHEAD,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("task__community", "user")
        .order_by("task__starts_at", "pk")
    )


def send_start_reminders(now: datetime | None = None) -> int:
    now = now or timezone.now()
    sent = 0
    for claim in due_reminders(now):
        taken = TaskClaim.objects.filter(pk=claim.pk, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not taken:
            continue
        task = claim.task
        values = {**_task_values(task), "place": task.meeting_point or "—"}

        def text(values: dict[str, str] = values) -> tuple[str, str]:
            return (
                _("Reminder: %(title)s on %(when)s") % values,
                _("Hello,")
                + "\n\n"
                + _(
                    "You claimed “%(title)s” on %(when)s. Meeting point: %(place)s. Can you "
                    "not come after all? Withdraw here so someone else can take your place:\n"
                    "%(link)s"
                )
                % values,
            )

        try:
            sent += _mail(claim.user, text)
        except Exception:
            TaskClaim.objects.filter(pk=claim.pk, reminded_at=now).update(reminded_at=None)
            logger.warning("tasks.reminder_failed", claim_id=claim.pk)
    return sent
