"""Scale-out (PLT-4, issue 12): two web processes and two workers on one PostgreSQL database and
one Redis, as production runs them.

Everything here is a real process started the way `docs/operations.md` describes: gunicorn for
the web, `manage.py rqworker` for the workers (one queue in Redis, the cache in Redis too), with
production settings (no SAMENVEILIG_TESTING, DEBUG off, explicit secrets). The test then

* logs residents in on one web process and uses the session on the other;
* sends a burst of reports through both web processes at once and checks that every one is
  stored exactly once, with unique references and an intact audit chain;
* checks that the per-user report limit (REP-10) holds across both processes (shared cache);
* fans an alert out with both workers and checks that every member got it exactly once.

It runs in the PostgreSQL suite (CI) and skips on SQLite, which serialises writers anyway.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerts.conftest import ROOT, SmtpServer, WorkerSite, free_port, wait_for

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Its own Redis database number (CI gives each parallel suite one; +2 keeps clear of test_rq's).
REDIS_DB = int(os.environ.get("SAMENVEILIG_TEST_REDIS_DB", "14")) - 2
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
PASSWORD = "scale-out-correct-horse"
REPORTERS = 16
REPORTS_EACH = 5
MEMBERS = 200
USER_LIMIT = 10  # REPORTS_RATE_LIMIT_PER_USER's default

SEED = """
import json, sys
import django
django.setup()
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from samenveilig.accounts.models import User
from samenveilig.alerts.models import Alert
from samenveilig.alerts.tasks import plan_fanout
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.communities.models import (
    AlertSubscription, Community, Membership, MembershipStatus, WatchPoint,
)
from samenveilig.reports.models import Category

reporters, members = int(sys.argv[1]), int(sys.argv[2])
LAT, LON, SIZE = 52.0, 5.0, 0.01

def square(lat, lon, size):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}

gm = Area.objects.create(code="GM7777", name="Schaalstad", level=AreaLevel.MUNICIPALITY,
                         geometry=square(LAT, LON, 2 * SIZE))
wijk = Area.objects.create(code="WK777700", name="Wijk", level=AreaLevel.DISTRICT, parent=gm,
                           geometry=square(LAT, LON, 2 * SIZE))
for i, (dlat, dlon) in enumerate([(0, 0), (0, SIZE), (SIZE, 0), (SIZE, SIZE)]):
    Area.objects.create(code=f"BU7777000{i}", name=f"Buurt {i}", level=AreaLevel.NEIGHBOURHOOD,
                        parent=wijk, geometry=square(LAT + dlat, LON + dlon, SIZE))

password = make_password(sys.argv[3])
people = User.objects.bulk_create(
    [User(email=f"melder{i}@example.test", display_name=f"Melder {i}", password=password)
     for i in range(reporters)]
    + [User(email=f"lid{i}@example.test", password="!") for i in range(members)]
)
EmailAddress.objects.bulk_create(
    [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in people]
)
listeners = [u for u in people if u.email.startswith("lid")]
community = Community.objects.create(name="Buurtpreventie", slug="bp", kind="patrol")
Membership.objects.bulk_create(
    [Membership(community=community, user=u, status=MembershipStatus.VERIFIED) for u in listeners]
)
WatchPoint.objects.bulk_create(
    [WatchPoint(user=u, label="Thuis", is_home=True, lat=LAT + SIZE, lon=LON + SIZE)
     for u in listeners]
)
AlertSubscription.objects.bulk_create(
    [AlertSubscription(user=u, kind="warning") for u in listeners]
)
now = timezone.now()
alert = Alert.objects.create(
    reference="A-SCALE001", kind="warning", title="Inbraakgolf", lat=LAT + SIZE, lon=LON + SIZE,
    radius_m=1000, municipality=gm, valid_from=now, expires_at=now + timedelta(hours=2),
)
categories = list(Category.objects.filter(municipality__isnull=True, is_active=True,
                                          asks_person=False).values_list("code", flat=True))
print(json.dumps({"alert": alert.pk, "categories": categories}))
"""

ENQUEUE_FANOUT = """
import sys
import django
django.setup()
from samenveilig.alerts.tasks import plan_fanout
plan_fanout.enqueue(int(sys.argv[1]), "alert")
"""

AUDIT_CHAIN = """
import django
django.setup()
from samenveilig.core.audit import verify_chain
print(len(verify_chain()))
"""


@pytest.fixture
def smtp_sink() -> Iterator[SmtpServer]:
    """A real SMTP server the worker processes deliver to."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _skip_unless_postgres_and_redis() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("scale-out runs on PostgreSQL (the CI PostgreSQL suite); SQLite has one writer")
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            pass
    except OSError:
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} (CI runs it)")


# --- HTTP as a browser does it -------------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def _login(port: int, email: str) -> tuple[str, str]:
    """allauth's login form; returns (Cookie header, CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        response.read()
        jar = _cookies(response)
        body = urllib.parse.urlencode(
            {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": jar["csrftoken"]}
        )
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={jar['csrftoken']}",
            },
        )
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    jar.update(_cookies(response))
    assert response.status == 302 and "sessionid" in jar, f"login of {email}: {response.status}"
    return f"csrftoken={jar['csrftoken']}; sessionid={jar['sessionid']}", jar["csrftoken"]


def _post_report(port: int, session: tuple[str, str], body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            "POST",
            "/api/v1/reports",
            body=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "Cookie": session[0],
                "X-CSRFToken": session[1],
            },
        )
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(data or b"{}")
    except ValueError:
        return response.status, {"raw": data[:500].decode(errors="replace")}


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/v1/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def _report(category: str, marker: str, index: int) -> dict:
    return {
        "category": category,
        "description": f"Melding {marker}: iemand liep langs de auto's en voelde aan portieren.",
        "observed_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3600)),
        # Spread over the four buurten, never on a border.
        "lat": 52.0 + 0.002 + (index % 7) * 0.0025,
        "lon": 5.0 + 0.002 + (index % 5) * 0.003,
        "happening_now": False,
    }


def _start_gunicorn(site: WorkerSite, port: int, name: str) -> subprocess.Popen:
    log = open(site.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "samenveilig.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    site.processes.append(process)
    return process


def test_two_web_processes_and_two_workers_lose_nothing_and_send_nothing_twice(tmp_path, smtp_sink):
    _skip_unless_postgres_and_redis()
    import redis

    queue = redis.Redis.from_url(REDIS_URL)
    queue.flushdb()
    site = WorkerSite(tmp_path, smtp_sink.port, "django_tasks_rq.RQBackend")
    site.env.update(
        {
            "REDIS_URL": REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1",
            # Every request comes from 127.0.0.1: the per-IP limit would stop the burst.
            "REPORTS_RATE_LIMIT_PER_IP": "100000",
            "REPORTS_RATE_LIMIT_PER_USER": str(USER_LIMIT),
        }
    )
    try:
        site.manage("migrate", "--noinput", "-v0", timeout=300)
        seeded = json.loads(site.python(SEED, str(REPORTERS + 1), str(MEMBERS), PASSWORD))
        categories = seeded["categories"]
        assert categories, "the default categories come with the migrations"

        ports = [free_port(), free_port()]
        for number, port in enumerate(ports):
            _start_gunicorn(site, port, f"web{number}")
        for number in range(2):
            site.start(
                "rqworker", "default", "--job-class", "django_tasks_rq.Job",
                "--with-scheduler", name=f"worker{number}",
            )  # fmt: skip
        for number, port in enumerate(ports):
            assert wait_for(lambda p=port: _healthy(p), timeout=60), site.log(f"web{number}")

        # A session made on one web process is valid on the other (sessions live in the database).
        sessions = [_login(ports[i % 2], f"melder{i}@example.test") for i in range(REPORTERS + 1)]

        # The burst: every reporter sends REPORTS_EACH reports, alternating between the two web
        # processes, eight at a time.
        jobs = [
            (user, n, f"[burst-{user:02d}-{n}]")
            for user in range(REPORTERS)
            for n in range(REPORTS_EACH)
        ]
        results: dict[str, tuple[int, dict]] = {}
        lock = threading.Lock()
        todo = iter(jobs)

        def send() -> None:
            while True:
                with lock:
                    job = next(todo, None)
                if job is None:
                    return
                user, n, marker = job
                port = ports[(user + n) % 2]
                outcome = _post_report(
                    port, sessions[user], _report(categories[n % len(categories)], marker, n + user)
                )
                with lock:
                    results[marker] = outcome

        threads = [threading.Thread(target=send) for _ in range(8)]
        for thread in threads:
            thread.start()

        # Meanwhile the fan-out goes to the queue; either worker may take each job.
        site.python(ENQUEUE_FANOUT, str(seeded["alert"]))

        for thread in threads:
            thread.join(timeout=300)
        statuses = Counter(status for status, _ in results.values())
        assert statuses == {201: len(jobs)}, {
            marker: outcome for marker, outcome in results.items() if outcome[0] != 201
        }

        # Stored exactly once each, with unique references.
        rows = site.query("SELECT reference, description FROM reports_report")
        assert len(rows) == len(jobs)
        assert len({reference for reference, _ in rows}) == len(jobs)
        stored_markers = Counter(
            description.split(":")[0][len("Melding ") :] for _, description in rows
        )
        assert stored_markers == Counter({marker: 1 for _, _, marker in jobs})
        answered = {body.get("reference") for _, body in results.values()}
        assert answered == {reference for reference, _ in rows}

        # REP-10 across processes: the limit is counted in the shared cache, not per process.
        last = sessions[REPORTERS]
        limited = [
            _post_report(ports[n % 2], last, _report(categories[0], f"[limit-{n}]", n))
            for n in range(USER_LIMIT + 1)
        ]
        assert [status for status, _ in limited[:USER_LIMIT]] == [201] * USER_LIMIT
        refused_status, refused_body = limited[USER_LIMIT]
        assert refused_status in (422, 429) and "0900-8844" in json.dumps(refused_body)
        assert site.query(
            "SELECT count(*) FROM reports_report WHERE description LIKE 'Melding [limit-%%'"
        ) == [(USER_LIMIT,)]

        # The fan-out: every member once per channel, in the database and on the wire.
        def fanned_out() -> bool:
            done = site.query(
                "SELECT count(*) FROM alerts_delivery "
                f"WHERE alert_id = {seeded['alert']} AND status = 'sent'"
            )[0][0]
            return done >= 2 * MEMBERS

        assert wait_for(fanned_out, timeout=180, interval=0.5), site.log("worker0") + site.log(
            "worker1"
        )
        deliveries = site.query(
            "SELECT channel, status, count(*), count(DISTINCT user_id) FROM alerts_delivery "
            f"WHERE alert_id = {seeded['alert']} GROUP BY channel, status ORDER BY channel"
        )
        assert deliveries == [
            ("email", "sent", MEMBERS, MEMBERS),
            ("inbox", "sent", MEMBERS, MEMBERS),
        ]
        on_wire = Counter(
            pair
            for message in smtp_sink.messages
            if "Inbraakgolf" in message.subject
            for pair in message.received
        )
        assert len(on_wire) == MEMBERS and set(on_wire.values()) == {1}

        # No web process or worker fell over on the way, and the audit chain is intact.
        for process in site.processes:
            assert process.poll() is None
        assert site.python(AUDIT_CHAIN).strip() == "0"
    finally:
        site.close()
        queue.flushdb()
