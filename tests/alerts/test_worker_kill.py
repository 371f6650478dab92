"""A worker killed in the middle of a fan-out (issue 4, "Reliability"; ALR-3).

Real processes: ``manage.py db_worker`` (the default, database-backed task queue) on a database
shared with this test, e-mail over SMTP to a local aiosmtpd sink that records every Message-ID.
Worker 1 is killed with SIGKILL (no clean-up of any kind) once some but not all e-mails arrived;
worker 2 and ``alerts_drain`` must finish the job although the task worker 1 held stays
"running" in the queue for ever.

What "exactly once" means here, honestly: the database holds exactly one delivery per recipient
and channel, and every recipient's e-mail arrived. On the wire, messages that worker 1 had handed
to the SMTP server but not yet recorded as sent (at most MARK_EVERY per drain that was running)
are sent again after its lease ran out; they carry the same Message-ID, so mail clients and the
test can recognise them. The test prints the figures.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

from samenveilig.alerts.channels.email import RECIPIENTS_PER_MESSAGE
from samenveilig.alerts.fanout import MARK_EVERY
from tests.alerts.conftest import SEED_SCRIPT, WorkerSite, wait_for

RECIPIENTS = 3_000
LEASE_S = 3
PARALLELISM = 2


def test_killed_worker_fan_out_is_finished_by_the_next_worker(tmp_path, smtp_sink):
    site = WorkerSite(tmp_path, smtp_sink.port, "django_tasks_db.DatabaseBackend")
    site.env["ALERT_DELIVERY_LEASE_SECONDS"] = str(LEASE_S)
    site.env["ALERT_FANOUT_PARALLELISM"] = str(PARALLELISM)
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = round(time.monotonic() - started, 1)

    try:
        site.manage("migrate", "--noinput", "-v0")
        phase("migrated")
        alert_id = int(site.python(SEED_SCRIPT, str(RECIPIENTS)).strip())
        phase("seeded")
        worker = ["db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"]

        # Worker 1 plans the fan-out and starts sending; killed a few hundred messages in.
        first = site.start(*worker, name="worker1")
        arrived = wait_for(lambda: smtp_sink.delivered >= 400, timeout=30, interval=0.02)
        assert arrived, "worker 1 sent too little within 30 s:\n" + site.log("worker1")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        phase("killed")
        at_kill = smtp_sink.delivered
        assert at_kill < RECIPIENTS, "worker 1 finished before it could be killed"

        # The task worker 1 was running stays RUNNING: nobody will ever finish it.
        running = site.query(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
        )
        assert running[0][0] >= 1

        # Worker 2, and the operator's safety net from cron.
        site.start(*worker, name="worker2")
        site.manage("alerts_drain")

        def finished() -> bool:
            (pending,) = site.query(
                "SELECT count(*) FROM alerts_delivery WHERE status = 'pending'"
            )[0]
            received = {pair for m in smtp_sink.messages for pair in m.received}
            return pending == 0 and len(received) >= RECIPIENTS

        done = wait_for(finished, timeout=45, interval=0.2)
        assert done, "the fan-out did not finish:\n" + site.log("worker2")
        phase("finished")

        # The database: exactly one sent delivery per recipient and channel, nothing else.
        rows = site.query(
            "SELECT channel, status, count(*), count(DISTINCT user_id) FROM alerts_delivery "
            f"WHERE alert_id = {alert_id} GROUP BY channel, status ORDER BY channel"
        )
        assert rows == [
            ("email", "sent", RECIPIENTS, RECIPIENTS),
            ("inbox", "sent", RECIPIENTS, RECIPIENTS),
        ]
        members = site.query(
            "SELECT u.email, u.language FROM alerts_delivery AS d "
            "JOIN accounts_user AS u ON u.id = d.user_id "
            f"WHERE d.alert_id = {alert_id} AND d.channel = 'email'"
        )
        expected = {
            (address, f"<alert-{alert_id}-alert-{language}@127.0.0.1>")
            for address, language in members
        }

        # The wire: every recipient's message arrived; repeats only from worker 1's last group.
        on_wire = Counter(pair for m in smtp_sink.messages for pair in m.received)
        assert set(on_wire) == expected
        repeats = sum(count - 1 for count in on_wire.values())
        print(
            f"\nkill test: {RECIPIENTS} recipients, killed after {at_kill} e-mails, "
            f"{smtp_sink.delivered} messages on the wire, {repeats} repeated "
            f"(bound {MARK_EVERY * PARALLELISM}); seconds since start: {phases}"
        )
        assert repeats <= MARK_EVERY * PARALLELISM
        # One SMTP transaction per group of members who read the same language.
        for message in smtp_sink.messages:
            assert 1 <= len(message.envelope_to) <= RECIPIENTS_PER_MESSAGE
    finally:
        site.close()
