"""The periodic work of community tasks, shared by the commands and the background tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from samenveilig.activities import notifications, services
from samenveilig.activities.models import Task, TaskStatus


@dataclass(frozen=True)
class DailyResult:
    occurrences: int
    not_started: int
    reminders: int


def run_daily(now: datetime | None = None) -> DailyResult:
    """Top up weekly series, mark tasks that began short of people as not started (a patrol
    with one person) and send start reminders. Idempotent; run hourly or at least daily."""
    now = now or timezone.now()
    occurrences = services.extend_all_series(now=now)
    not_started = 0
    started = Task.objects.filter(status=TaskStatus.OPEN, starts_at__lte=now, min_people__gt=1)
    for task in started.iterator():
        if services.mark_not_started(task=task, now=now):
            not_started += 1
    reminders = notifications.send_start_reminders(now)
    return DailyResult(occurrences=occurrences, not_started=not_started, reminders=reminders)
