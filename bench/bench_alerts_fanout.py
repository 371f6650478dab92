"""Benchmark of one alert's fan-out to 100,000 members (issue 4): figures for docs/benchmarks.md.

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/bench_alerts_fanout.py                      # 100,000 recipients
    .venv/bin/python bench/bench_alerts_fanout.py --recipients 10000   # smoke run

What runs is the production path: a police officer's ``alert_create`` (in this process) enqueues
the fan-out on the database-backed task queue; two real worker processes (``manage.py
db_worker``) plan it (recipient selection, bulk insert of in-app and e-mail deliveries) and drain
the e-mail deliveries over SMTP to a local sink (aiosmtpd on 127.0.0.1, in this process) that
records every Message-ID. Measured: time from ``alert_create`` until no delivery is pending,
recipients per second, duplicates (in the database and on the wire), and each worker's peak
resident memory (VmHWM). Members are generated in SQL inside a 2 km circle, all verified,
subscribed, with a verified e-mail address and no quiet hours. Not a test.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PYTHON,
    ROOT,
    django_env,
    free_port,
    loadavg,
    machine_lines,
    pg_create,
    pg_drop,
    pg_facts,
)

PG_NAME = "samenveilig_bench_fanout"
CENTRE = (52.1, 5.1)
RADIUS_M = 2_000
TARGET_S = 60.0


class Sink:
    """An SMTP server that keeps only what the benchmark checks: who got which Message-ID."""

    def __init__(self) -> None:
        # (recipient, Message-ID) → how often it arrived: one message reaches many recipients.
        self.received: collections.Counter[tuple[str, bytes]] = collections.Counter()
        self.messages = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        content = envelope.original_content or b""
        start = content.find(b"Message-ID:")
        key = content[start : content.find(b"\n", start)].strip() if start >= 0 else b"?"
        with self.lock:
            self.messages += 1
            for address in envelope.rcpt_tos:
                self.received[(address, key)] += 1
        return "250 OK"


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _square(lat: float, lon: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _town():
    from samenveilig.areas.models import Area, AreaLevel

    lat, lon, size = CENTRE[0] - 0.1, CENTRE[1] - 0.1, 0.2
    common = dict(
        geometry=_square(lat, lon, size),
        min_lat=lat,
        min_lon=lon,
        max_lat=lat + size,
        max_lon=lon + size,
        centroid_lat=lat + size / 2,
        centroid_lon=lon + size / 2,
    )
    gm = Area.objects.create(code="GM9101", name="Bankstad", level=AreaLevel.MUNICIPALITY, **common)
    wk = Area.objects.create(
        code="WK910101", name="Centrum", level=AreaLevel.DISTRICT, parent=gm, **common
    )
    return Area.objects.create(
        code="BU91010101", name="Binnenstad", level=AreaLevel.NEIGHBOURHOOD, parent=wk, **common
    )


def _generate(recipients: int) -> float:
    from django.db import connection

    from samenveilig.core.geo import bbox_around

    box = bbox_around(CENTRE[0], CENTRE[1], RADIUS_M / 1.5)  # well inside the circle
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO communities_community
                (created_at, updated_at, name, slug, kind, description, is_open, is_active)
            VALUES (now(), now(), 'Buurtpreventie', 'buurtpreventie', 'patrol', '', true, true)
            """
        )
        cursor.execute(
            """
            INSERT INTO accounts_user
                (password, is_superuser, is_staff, is_active, date_joined, email, display_name,
                 language)
            SELECT '!', false, false, true, now(), 'lid' || g || '@bench.test', 'Buur ' || g,
                   CASE WHEN g %% 10 = 0 THEN 'en' ELSE 'nl' END
            FROM generate_series(1, %s) AS g
            """,
            [recipients],
        )
        cursor.execute(
            """
            INSERT INTO account_emailaddress (email, verified, "primary", user_id)
            SELECT email, true, true, id FROM accounts_user WHERE email LIKE '%%@bench.test'
            """
        )
        cursor.execute(
            """
            INSERT INTO communities_membership
                (created_at, updated_at, role, status, motivation, decision_note,
                 community_id, user_id)
            SELECT now(), now(), 'member', 'verified', '', '',
                   (SELECT id FROM communities_community WHERE slug = 'buurtpreventie'), id
            FROM accounts_user WHERE email LIKE '%%@bench.test'
            """
        )
        cursor.execute(
            """
            INSERT INTO communities_watchpoint
                (created_at, updated_at, label, is_home, lat, lon, user_id)
            SELECT now(), now(), 'Thuis', true,
                   %s + random() * %s, %s + random() * %s, id
            FROM accounts_user WHERE email LIKE '%%@bench.test'
            """,
            [box.min_lat, box.max_lat - box.min_lat, box.min_lon, box.max_lon - box.min_lon],
        )
        cursor.execute(
            """
            INSERT INTO communities_alertsubscription (user_id, kind)
            SELECT id, 'wanted_person' FROM accounts_user WHERE email LIKE '%%@bench.test'
            """
        )
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    for line in machine_lines():
        print(line)
    print(f"- {pg_facts()}")
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    database_url = pg_create(PG_NAME)
    workers: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            env = django_env(database_url, Path(var_dir), log_level="WARNING")
            env.update(
                {
                    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
                    "EMAIL_HOST": "127.0.0.1",
                    "EMAIL_PORT": str(smtp_port),
                    "EMAIL_USE_TLS": "0",
                    "SITE_URL": "https://samenveilig.example",
                }
            )
            _setup_django(env)
            seconds = _generate(args.recipients)
            print(
                f"- {args.recipients:,} members generated in {seconds:.0f} s; "
                f"load average {loadavg()}"
            )
            from django.db.models import Count

            from samenveilig.accounts.models import Role, RoleGrant, User
            from samenveilig.alerts.models import Channel, Delivery, DeliveryStatus
            from samenveilig.alerts.services import AlertInput, alert_create

            buurt = _town()
            officer = User.objects.create_user(email="wijkagent@bench.test", password="x" * 20)
            RoleGrant.objects.create(user=officer, role=Role.POLICE, area=buurt)
            log = Path(var_dir) / "workers.log"
            with log.open("w") as log_file:
                for number in range(args.workers):
                    workers.append(
                        subprocess.Popen(
                            [
                                PYTHON,
                                str(ROOT / "manage.py"),
                                "db_worker",
                                "--interval",
                                "0.2",
                                "--no-startup-delay",
                                "--no-reload",
                                "--worker-id",
                                f"bench-{number}",
                            ],
                            env=env,
                            stdout=log_file,
                            stderr=subprocess.STDOUT,
                        )
                    )
            time.sleep(3)  # let the workers import Django before the clock starts
            started = time.perf_counter()
            alert = alert_create(
                actor=officer,
                data=AlertInput(
                    kind="wanted_person",
                    title="Gezocht na overval op juwelier",
                    person={
                        "behaviour": "Rende weg met een tas",
                        "hair_colour": "blond",
                        "top": "rode jas",
                        "shoes": "witte sneakers",
                    },
                    lat=CENTRE[0],
                    lon=CENTRE[1],
                    radius_m=RADIUS_M,
                ),
            )
            planned_at = None
            samples = []
            while time.perf_counter() - started < args.timeout:
                time.sleep(0.5)
                alert.refresh_from_db()
                pending = Delivery.objects.filter(
                    alert=alert, status=DeliveryStatus.PENDING
                ).count()
                elapsed = time.perf_counter() - started
                samples.append((elapsed, len(sink.received)))
                if alert.fanout_planned_at and planned_at is None:
                    planned_at = elapsed
                if alert.fanout_planned_at and pending == 0:
                    break
            total = time.perf_counter() - started
            peaks = [_peak_rss_mb(w.pid) for w in workers]
            counts = {
                (row["channel"], row["status"]): row["n"]
                for row in Delivery.objects.filter(alert=alert)
                .values("channel", "status")
                .annotate(n=Count("id"))
            }
            per_member = Delivery.objects.filter(alert=alert, channel=Channel.EMAIL).count()
            wire_total = sum(sink.received.values())
            wire_dupes = sum(n - 1 for n in sink.received.values() if n > 1)
            print()
            print("| figure | value |")
            print("|---|---|")
            print(f"| recipients (members reached) | {alert.recipient_count:,} |")
            print(f"| planned (deliveries inserted) after | {planned_at or float('nan'):.1f} s |")
            print(
                f"| **all deliveries done after** (target < {TARGET_S:.0f} s) | **{total:.1f} s** "
                f"({'met' if total < TARGET_S else '**not met**'}) |"
            )
            print(f"| recipients per second (end to end) | {alert.recipient_count / total:,.0f} |")
            print(
                "| deliveries by channel/status | "
                + ", ".join(f"{c}/{s}: {n:,}" for (c, s), n in sorted(counts.items()))
                + " |"
            )
            print(
                "| e-mail delivery rows per member | "
                f"{per_member / max(alert.recipient_count, 1):.3f} |"
            )
            print(
                f"| e-mails received by the sink (recipient × message) | {wire_total:,} "
                f"({len(sink.received):,} distinct, in {sink.messages:,} SMTP transactions) |"
            )
            print(f"| duplicate e-mails on the wire | {wire_dupes} |")
            print(
                "| peak worker memory (VmHWM) | " + ", ".join(f"{mb:.0f} MB" for mb in peaks) + " |"
            )
            print(f"\nload average after: {loadavg()}")
            print(
                "progress (s → e-mails received): "
                + ", ".join(f"{t:.0f}→{n:,}" for t, n in samples[:: max(1, len(samples) // 12)])
            )
            if alert.recipient_count == 0 or wire_total == 0:
                print(log.read_text()[-3000:])
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        controller.stop()
        from django.db import connections

        connections.close_all()
        pg_drop(PG_NAME)


if __name__ == "__main__":
    main()
