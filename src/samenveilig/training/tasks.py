"""Background tasks of the training app: thin wrappers around ``notifications``."""

from __future__ import annotations

from django_tasks import task

from samenveilig.training import notifications


@task()
def send_renewal_reminders() -> int:
    """E-mail everyone whose certificate expires within a month, once per certificate."""
    return notifications.send_renewal_reminders()
