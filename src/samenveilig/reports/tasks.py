"""Background tasks of the reports app: thin wrappers around ``notifications``."""

from __future__ import annotations

from django_tasks import task

from samenveilig.reports import notifications


@task()
def notify_reporter(event_id: int) -> int:
    """E-mail the reporter about one step of their report (enqueued after the commit)."""
    return notifications.send_reporter_update(event_id=event_id)


@task()
def notify_partners(event_id: int) -> int:
    """E-mail the partner users who handle a report that its reporter added to it."""
    return notifications.send_partner_update(event_id=event_id)


@task()
def send_overdue_reminders() -> int:
    """E-mail each police and municipality user the number of their overdue reports."""
    return notifications.send_overdue_reminders()
