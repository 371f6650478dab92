"""Background tasks of the flags app: thin wrappers around ``services`` and ``notifications``.
They run on the database-backed worker by default (``manage.py db_worker``) and unchanged on
Redis (``django-tasks-rq``)."""

from __future__ import annotations

from django_tasks import task

from samenveilig.flags import notifications, services


@task()
def match_item(item_type: str, item_id: int) -> int:
    """Record the hits of one new report, doorstep visit or alert (FLG-3)."""
    return services.match_item(item_type=item_type, item_id=item_id)


@task()
def notify_owner_of_hit(hit_id: int) -> int:
    return notifications.notify_owner_of_hit(hit_id=hit_id)


@task()
def send_expiry_reminders() -> int:
    return notifications.send_expiry_reminders()


@task()
def match_flag_backwards(flag_id: int) -> int:
    """Match a flag just set or extended against the recent past (FLG-3)."""
    return services.match_flag_backwards(flag_id=flag_id)


@task()
def hand_over_orphaned_flags() -> dict[str, int]:
    """Pass the flags of departed owners to a colleague, or tell the admins (``orphans``)."""
    from samenveilig.flags.orphans import hand_over_orphaned_flags as hand_over

    return hand_over()
