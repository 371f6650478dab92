"""Background tasks of the alert fan-out (ALR-3). They run on the database-backed worker by
default (``manage.py db_worker``) and unchanged on Redis (``django-tasks-rq``)."""

from __future__ import annotations

from django_tasks import task

from samenveilig.alerts import fanout


@task()
def plan_fanout(alert_id: int, purpose: str = "alert") -> int:
    reached = fanout.plan(alert_id, purpose)
    fanout.start_drains(alert_id, purpose)
    return reached


@task()
def drain_deliveries(alert_id: int, purpose: str, channel: str) -> int:
    return fanout.drain(alert_id, purpose, channel)
