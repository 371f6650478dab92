"""Background tasks of the alert fan-out (ALR-3). They run on the database-backed worker by
default (``manage.py db_worker``) and unchanged on Redis (``django-tasks-rq``)."""

from __future__ import annotations

from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend

from samenveilig.alerts import fanout


@task()
def plan_fanout(alert_id: int, purpose: str = "alert") -> int:
    def start_sending() -> None:
        fanout.start_drains(alert_id, purpose)

    # With real workers, sending starts after the first chunk of deliveries is in; inline (the
    # tests' backend) the drains would run inside the plan, so they wait for its end.
    early = None if isinstance(plan_fanout.get_backend(), ImmediateBackend) else start_sending
    reached = fanout.plan(alert_id, purpose, on_first_chunk=early)
    fanout.start_drains(alert_id, purpose)
    return reached


@task()
def drain_deliveries(alert_id: int, purpose: str, channel: str) -> int:
    return fanout.drain(alert_id, purpose, channel)
