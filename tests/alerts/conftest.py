"""Shared fixtures of the alert tests: a real SMTP server, a real HTTP receiver, recipients.

Both servers run on 127.0.0.1 in a thread of the test process and record what arrived, so a
test reads the messages and requests exactly as another system would have received them.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SMTP ----------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    envelope_to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def received(self) -> list[tuple[str, str]]:
        """(recipient, Message-ID) for every envelope recipient: one alert message in one
        language goes to many members in one SMTP transaction."""
        return [(address, self.message_id) for address in self.envelope_to]

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class _RecordingHandler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.server.unknown_addresses:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.server.refuse:
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            self.server.messages.append(ReceivedMail(list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpServer:
    """aiosmtpd on a fixed free port; ``stop()`` and ``start()`` take it down and bring it back
    on the same port, ``refuse = True`` makes it answer every message with a temporary error and
    addresses in ``unknown_addresses`` are refused permanently (550)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[ReceivedMail] = []
        self.lock = threading.Lock()
        self.refuse = False
        self.unknown_addresses: set[str] = set()
        self.controller: Any = None

    @property
    def delivered(self) -> int:
        """Messages as members count them: one per envelope recipient."""
        return sum(len(m.envelope_to) for m in self.messages)

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO: thousands of lines in the kill test.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

        self.controller = Controller(
            _RecordingHandler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.messages if address in m.envelope_to]


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:
    """A real SMTP server, with Django's SMTP backend pointed at it."""
    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: CaseInsensitiveDict
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    """A real HTTP server; ``status`` is the answer to every request (or a callable of the
    request returning one)."""

    port: int
    requests: list[ReceivedRequest] = field(default_factory=list)
    status: int | Callable[[ReceivedRequest], int] = 201
    server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                request = ReceivedRequest(
                    "POST",
                    self.path,
                    CaseInsensitiveDict(self.headers.items()),
                    self.rfile.read(length),
                )
                receiver.requests.append(request)
                status = receiver.status
                code = status(request) if callable(status) else status
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(free_port())
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


# --- people and alerts ---------------------------------------------------------------------------

# A point in the town's Zuid-West buurt (see tests/conftest.py ``town``), and one 3 km away.
INSIDE = (52.0025, 5.0025)
FAR_AWAY = (52.03, 5.03)


@pytest.fixture
def make_member(town) -> Callable[..., Any]:
    """A member who receives alerts of ``kinds`` at ``point``: verified membership of a
    community covering the town, a home watch point, subscriptions. Returns the user."""
    from samenveilig.communities.models import AlertKind, AlertSubscription
    from tests.factories import CommunityFactory, MembershipFactory, UserFactory, WatchPointFactory

    community = CommunityFactory(areas=[town["municipality"]])

    def make(
        *,
        point: tuple[float, float] = INSIDE,
        kinds: tuple[str, ...] = tuple(AlertKind.values),
        language: str = "nl",
        verified: bool = True,
        **user_fields: Any,
    ) -> Any:
        from samenveilig.communities.models import MembershipStatus

        user = UserFactory(language=language, **user_fields)
        MembershipFactory(
            community=community,
            user=user,
            status=MembershipStatus.VERIFIED if verified else MembershipStatus.REQUESTED,
        )
        WatchPointFactory(user=user, lat=point[0], lon=point[1], neighbourhood=town["zuid_west"])
        for kind in kinds:
            AlertSubscription.objects.create(user=user, kind=kind)
        return user

    return make


@pytest.fixture
def police(town) -> Any:
    from samenveilig.accounts.models import Role
    from tests.factories import UserFactory, grant

    officer = UserFactory(display_name="Wijkagent")
    grant(officer, Role.POLICE, town["municipality"])
    return officer


@pytest.fixture
def make_alert(town, police) -> Callable[..., Any]:
    """An alert written straight to the database (status sent, live for two hours), for tests of
    the fan-out itself; ``alert_create`` is exercised where the journey matters."""
    from django.utils import timezone

    from samenveilig.alerts.models import Alert, AlertStatus
    from samenveilig.communities.models import AlertKind

    counter = iter(range(10_000_000, 99_999_999))

    def make(**fields: Any) -> Alert:
        now = timezone.now()
        values: dict[str, Any] = {
            "reference": f"A-{next(counter)}",
            "kind": AlertKind.WARNING,
            "status": AlertStatus.SENT,
            "title": "Inbraken in de buurt",
            "message": "Let op open ramen.",
            "lat": INSIDE[0],
            "lon": INSIDE[1],
            "radius_m": 1_000,
            "municipality": town["municipality"],
            "centre_neighbourhood": town["zuid_west"],
            "valid_from": now,
            "expires_at": now + timedelta(hours=2),
            "created_by": police,
        }
        values.update(fields)
        return Alert.objects.create(**values)

    return make


# --- real worker processes on a database shared with the test ------------------------------------

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# Seeds a separate database for worker tests: a municipality, ``count`` verified, subscribed
# members with a verified e-mail address inside the circle, and one sent alert whose fan-out is
# enqueued on the configured task backend. Prints the alert's id.
SEED_SCRIPT = """
import sys
import django
django.setup()
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.utils import timezone
from samenveilig.accounts.models import User
from samenveilig.alerts.models import Alert
from samenveilig.alerts.tasks import plan_fanout
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.communities.models import (
    AlertSubscription, Community, Membership, MembershipStatus, WatchPoint,
)

count = int(sys.argv[1])
lat, lon = 52.0025, 5.0025
municipality = Area.objects.create(code="GM9999", name="Teststad", level=AreaLevel.MUNICIPALITY)
community = Community.objects.create(name="Buurtpreventie", slug="bp", kind="patrol")
users = User.objects.bulk_create(
    [User(email=f"lid{i}@example.test", password="!") for i in range(count)], batch_size=1000
)
users = list(User.objects.order_by("id"))
EmailAddress.objects.bulk_create(
    [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
    batch_size=1000,
)
Membership.objects.bulk_create(
    [Membership(community=community, user=u, status=MembershipStatus.VERIFIED) for u in users],
    batch_size=1000,
)
WatchPoint.objects.bulk_create(
    [WatchPoint(user=u, label="Thuis", is_home=True, lat=lat, lon=lon) for u in users],
    batch_size=1000,
)
AlertSubscription.objects.bulk_create(
    [AlertSubscription(user=u, kind="warning") for u in users], batch_size=1000
)
now = timezone.now()
alert = Alert.objects.create(
    reference="A-WORKER01", kind="warning", title="Inbraken", lat=lat, lon=lon, radius_m=1000,
    municipality=municipality, valid_from=now, expires_at=now + timedelta(hours=2),
)
plan_fanout.enqueue(alert.pk, "alert")
print(alert.pk)
"""


class WorkerSite:
    """A database of its own (a SQLite file, or a fresh PostgreSQL database when the suite runs
    on PostgreSQL), migrated and used by ``manage.py`` subprocesses with production-like
    settings: no SAMENVEILIG_TESTING, explicit secrets, the real task backend."""

    def __init__(self, tmp: Path, smtp_port: int, tasks_backend: str) -> None:
        self.tmp = tmp
        self.processes: list[subprocess.Popen] = []
        self.pg_admin_url: str | None = None
        self.pg_name: str | None = None
        suite_url = os.environ.get("DATABASE_URL", "")
        if suite_url.startswith(("postgres://", "postgresql://")):
            self.pg_admin_url = suite_url
            self.pg_name = f"samenveilig_workers_{os.getpid()}"
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            self._pg_admin(f'CREATE DATABASE "{self.pg_name}"')
            self.database_url = suite_url.rsplit("/", 1)[0] + "/" + self.pg_name
        else:
            self.database_url = f"sqlite:///{tmp / 'workers.sqlite3'}"
        from cryptography.fernet import Fernet

        env = dict(os.environ)
        for name in ("SAMENVEILIG_TESTING", "SAMENVEILIG_DEMO", "DEBUG", "REDIS_URL"):
            env.pop(name, None)
        env.update(
            {
                "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
                "DJANGO_SETTINGS_MODULE": "samenveilig.settings",
                "DATABASE_URL": self.database_url,
                "SAMENVEILIG_VAR_DIR": str(tmp / "var"),
                "SECRET_KEY": "workers-" + os.urandom(16).hex(),
                "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "SITE_URL": "http://127.0.0.1:8000",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_port),
                "EMAIL_USE_TLS": "0",
                "TASKS_BACKEND": tasks_backend,
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "console",
            }
        )
        self.env = env

    def _pg_admin(self, sql: str) -> None:
        import psycopg

        assert self.pg_admin_url is not None
        base = self.pg_admin_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(base.replace("postgres://", "postgresql://", 1), autocommit=True) as c:
            c.execute(sql)

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        self.last_output = done.stdout + done.stderr
        return done.stdout

    def python(self, code: str, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [PYTHON, "-c", code, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"script failed:\n{done.stderr[-3000:]}"
        return done.stdout

    def start(self, *args: str, name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text()[-4000:] if path.exists() else ""

    def query(self, sql: str) -> list[tuple]:
        if self.pg_name is not None:
            import psycopg

            url = self.database_url.replace("postgres://", "postgresql://", 1)
            with psycopg.connect(url) as conn:
                return conn.execute(sql).fetchall()
        import sqlite3

        conn = sqlite3.connect(self.tmp / "workers.sqlite3", timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if self.pg_name is not None:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def wait_for(condition: Callable[[], Any], *, timeout: float, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpServer]:
    """A real SMTP server without touching this process's Django settings (for subprocesses)."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
