"""The same fan-out tasks on Redis (PLT-4 scale-out): ``django_tasks_rq.RQBackend`` with real
``manage.py rqworker`` processes against the local Redis, on a database shared with the test.

Deferred tasks (``run_after``: retries, the end of quiet hours, a dead worker's lease) are RQ
"scheduled jobs"; they run only where a worker runs RQ's scheduler (``rqworker
--with-scheduler``). The second half of the test shows both sides of that. Every worker needs
``--job-class django_tasks_rq.Job`` (django-tasks-rq's README); without it the job fails.
"""

from __future__ import annotations

import os
import socket
import time
from collections import Counter

import pytest

from tests.alerts.conftest import SEED_SCRIPT, WorkerSite

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A database number of its own, emptied before and after: the test never touches db 0. CI runs the
# SQLite and PostgreSQL suites side by side and gives each its own number.
REDIS_DB = int(os.environ.get("SAMENVEILIG_TEST_REDIS_DB", "14"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
RECIPIENTS = 150
# django-tasks-rq's own Job class: without it a worker calls the Task object and fails.
JOB_CLASS = ("--job-class", "django_tasks_rq.Job")

# Long enough for a worker to start and look at the queue (2–3 s each) before the job is due.
DEFER_S = 10
DEFERRED_DRAIN = f"""
DEFER_S = {DEFER_S}
import django
django.setup()
from datetime import timedelta
from django.utils import timezone
from samenveilig.alerts import fanout
from samenveilig.alerts.models import Alert
from samenveilig.alerts.tasks import drain_deliveries

alert = Alert.objects.get()
Alert.objects.filter(pk=alert.pk).update(reference="A-WORKER02", fanout_planned_at=None)
alert = Alert.objects.create(
    reference="A-WORKER01", kind=alert.kind, title=alert.title, lat=alert.lat, lon=alert.lon,
    radius_m=alert.radius_m, municipality=alert.municipality, valid_from=alert.valid_from,
    expires_at=alert.expires_at,
)
fanout.plan(alert.pk)
run_after = timezone.now() + timedelta(seconds=DEFER_S)
drain_deliveries.using(run_after=run_after).enqueue(alert.pk, "alert", "email")
print(alert.pk, run_after.timestamp())
"""


def _redis_or_skip():
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            pass
    except OSError:
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} (CI runs it)")
    import redis

    return redis.Redis.from_url(REDIS_URL)


def test_fan_out_runs_on_rq_workers_and_deferred_drains_need_the_scheduler(tmp_path, smtp_sink):
    client = _redis_or_skip()
    client.flushdb()
    site = WorkerSite(tmp_path, smtp_sink.port, "django_tasks_rq.RQBackend")
    site.env["REDIS_URL"] = REDIS_URL
    try:
        site.manage("migrate", "--noinput", "-v0")
        first_alert = int(site.python(SEED_SCRIPT, str(RECIPIENTS)).strip())
        # plan_fanout is now a job in Redis, not a row in the database queue.
        assert site.query("SELECT count(*) FROM django_tasks_database_dbtaskresult") == [(0,)]
        assert client.llen("rq:queue:default") == 1

        # A burst worker runs the plan, then the drains the plan enqueued, then exits.
        site.manage("rqworker", "default", *JOB_CLASS, "--burst", "--with-scheduler", timeout=120)
        rows = site.query(
            "SELECT channel, status, count(*) FROM alerts_delivery "
            f"WHERE alert_id = {first_alert} GROUP BY channel, status ORDER BY channel"
        )
        assert rows == [("email", "sent", RECIPIENTS), ("inbox", "sent", RECIPIENTS)], (
            site.last_output[-3000:]
        )
        on_wire = Counter(pair for m in smtp_sink.messages for pair in m.received)
        assert len(on_wire) == RECIPIENTS and set(on_wire.values()) == {1}

        # A drain deferred by DEFER_S seconds (what a retry or a follow-up is).
        alert_text, due_text = site.python(DEFERRED_DRAIN).split()
        second_alert, due = int(alert_text), float(due_text)
        assert client.zcard("rq:scheduled:default") == 1
        site.manage("rqworker", "default", *JOB_CLASS, "--burst", "--with-scheduler", timeout=120)
        checked_early = time.time() < due  # a very slow machine may have reached it already
        if checked_early:
            assert smtp_sink.delivered == RECIPIENTS, "the deferred drain ran too early"
        time.sleep(max(0.0, due - time.time()) + 0.5)
        if checked_early:
            # Without the scheduler a worker never sees the due job...
            site.manage("rqworker", "default", *JOB_CLASS, "--burst", timeout=120)
            assert smtp_sink.delivered == RECIPIENTS
        # ...with it, the due job is moved to the queue and runs.
        site.manage("rqworker", "default", *JOB_CLASS, "--burst", "--with-scheduler", timeout=120)
        assert site.query(
            "SELECT status, count(*) FROM alerts_delivery "
            f"WHERE alert_id = {second_alert} AND channel = 'email' GROUP BY status"
        ) == [("sent", RECIPIENTS)]
        assert smtp_sink.delivered == 2 * RECIPIENTS
    finally:
        site.close()
        client.flushdb()
