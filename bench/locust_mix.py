"""Locust users for the load test (issue 12, "Scale-out"): run by bench_load_mix.py, not by hand.

A realistic mix on the demo town: members read the home page and their alerts and file a report
now and then; partners (the wijkagenten and the municipality, with two-factor login) work their
inbox; anonymous residents answer the survey. ``BENCH_DATA`` names a JSON file with the accounts,
the survey link, categories and places (written by bench_load_mix.py). Think times are seconds
between one person's clicks. ``HealthOnly`` is the baseline: the same number of people with the
same think times, each click a trivial ``GET /api/v1/health``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pyotp
import requests
from gevent.event import Event
from locust import HttpUser, between, events, task
from locust.exception import StopUser

DATA = json.loads(open(os.environ["BENCH_DATA"]).read())  # noqa: SIM115 - read once at import
_members = itertools.cycle(DATA["members"])
_partners = itertools.cycle(DATA["partners"])
_lock = threading.Lock()
# Logging in (Argon2, TOTP) happens once per person while the users are spawned. It is timed on
# its own and kept out of the measured window: every user waits until all are logged in, then the
# statistics are reset and BENCH_WINDOW_FILE is written; the driver stops locust (SIGTERM) after
# the window's length.
EXPECTED_USERS = int(os.environ.get("BENCH_USERS", "0"))
_all_in = Event()
_login_seconds: list[float] = []
_login_failures: list[str] = []
_arrivals = itertools.count(1)


def _arrived(environment) -> None:
    with _lock:
        if next(_arrivals) < EXPECTED_USERS:
            return
    environment.stats.reset_all()
    window_file = os.environ.get("BENCH_WINDOW_FILE")
    if window_file:
        with open(window_file, "w") as handle:
            handle.write(str(time.time()))
    _all_in.set()


@events.quitting.add_listener
def _write_login_times(environment, **_kwargs) -> None:
    out = os.environ.get("BENCH_LOGIN_OUT")
    if out:
        with open(out, "w") as handle:
            json.dump({"seconds": _login_seconds, "failures": _login_failures}, handle)


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REPORT_LINK = re.compile(r"/meldingen/(M-[0-9A-Z]{8})/behandelen/")
OWN_REPORT_LINK = re.compile(r'href="/meldingen/(M-[0-9A-Z]{8})/"')
ALERT_LINK = re.compile(r'href="/signalementen/(A-[0-9A-Z]{8})/"')


def _next(pool: itertools.cycle) -> dict:
    with _lock:
        return next(pool)


def _csrf(html: str) -> str:
    found = CSRF_FIELD.search(html)
    return found.group(1) if found else ""


class _Waiting(HttpUser):
    abstract = True

    def _ready(self) -> None:
        _arrived(self.environment)
        _all_in.wait()


class _LoggedIn(_Waiting):
    abstract = True

    def _untracked(self, session: requests.Session, method: str, path: str, **kwargs):
        # A plain requests session: the same server, but no locust statistics.
        response = session.request(method, self.host + path, timeout=120, **kwargs)
        response.raise_for_status()
        return response

    def _login(self, email: str, totp_secret: str | None = None) -> None:
        started = time.monotonic()
        session = requests.Session()
        try:
            page = self._untracked(session, "GET", "/accounts/login/")
            landed = self._untracked(
                session,
                "POST",
                "/accounts/login/",
                data={
                    "login": email,
                    "password": DATA["password"],
                    "csrfmiddlewaretoken": _csrf(page.text),
                },
            )
            if totp_secret:
                second = self._untracked(session, "GET", "/accounts/2fa/authenticate/")
                landed = self._untracked(
                    session,
                    "POST",
                    "/accounts/2fa/authenticate/",
                    data={
                        "code": pyotp.TOTP(totp_secret).now(),
                        "csrfmiddlewaretoken": _csrf(second.text),
                    },
                )
            if "/accounts/" in landed.url:  # still on the login or two-factor form
                raise RuntimeError(f"login refused, ended on {landed.url}")
        except Exception as error:  # noqa: BLE001 - any failure: count it, never hang the others
            with _lock:
                _login_failures.append(f"{email}: {error}")
            self._ready()
            raise StopUser() from error
        self.client.cookies.update(session.cookies)
        with _lock:
            _login_seconds.append(time.monotonic() - started)
        self._ready()


class Member(_LoggedIn):
    """A verified member: mostly reading, now and then a report (REP) through the API."""

    weight = 30
    wait_time = between(3, 10)

    def on_start(self) -> None:
        self._login(_next(_members)["email"])
        self.alerts: list[str] = []
        self.own_reports: list[str] = []

    @task(4)
    def home(self) -> None:
        self.client.get("/", name="member: home")

    @task(4)
    def alert_inbox(self) -> None:
        page = self.client.get("/signalementen/", name="member: alert inbox")
        self.alerts = ALERT_LINK.findall(page.text) or self.alerts

    @task(3)
    def alert_detail(self) -> None:
        if self.alerts:
            reference = random.choice(self.alerts)
            self.client.get(f"/signalementen/{reference}/", name="member: alert detail")

    @task(2)
    def my_reports(self) -> None:
        page = self.client.get("/meldingen/mijn/", name="member: my reports")
        self.own_reports = OWN_REPORT_LINK.findall(page.text) or self.own_reports

    @task(1)
    def my_report(self) -> None:
        if self.own_reports:
            reference = random.choice(self.own_reports)
            self.client.get(f"/meldingen/{reference}/", name="member: my report")

    @task(1)
    def file_report(self) -> None:
        lat, lon = random.choice(DATA["places"])
        body = {
            "category": random.choice(DATA["categories"]),
            "description": "Iemand liep langs de geparkeerde auto's en voelde aan de portieren.",
            "observed_at": (datetime.now(UTC) - timedelta(minutes=random.randint(5, 600)))
            .isoformat(),
            "lat": lat,
            "lon": lon,
        }  # fmt: skip
        self.client.post(
            "/api/v1/reports",
            json=body,
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="member: file a report (API)",
        )


class Partner(_LoggedIn):
    """A wijkagent or municipality officer working the inbox: reading, opening, acknowledging."""

    fixed_count = len(DATA["partners"])
    wait_time = between(2, 6)

    def on_start(self) -> None:
        account = _next(_partners)
        self._login(account["email"], account["totp_secret"])
        self.inbox: list[str] = []

    @task(4)
    def inbox_new(self) -> None:
        page = self.client.get("/meldingen/inbox/", name="partner: inbox (new)")
        self.inbox = REPORT_LINK.findall(page.text) or self.inbox

    @task(1)
    def inbox_overdue(self) -> None:
        self.client.get("/meldingen/inbox/?view=overdue", name="partner: inbox (overdue)")

    @task(3)
    def open_report(self) -> None:
        if self.inbox:
            reference = random.choice(self.inbox)
            self.client.get(f"/meldingen/{reference}/behandelen/", name="partner: report page")

    @task(1)
    def acknowledge(self) -> None:
        if not self.inbox:
            return
        reference = self.inbox.pop(random.randrange(len(self.inbox)))
        page = self.client.get(f"/meldingen/{reference}/behandelen/", name="partner: report page")
        self.client.post(
            f"/meldingen/{reference}/behandelen/acknowledge/",
            {"csrfmiddlewaretoken": _csrf(page.text)},
            name="partner: acknowledge",
        )


class Respondent(_Waiting):
    """A resident answering the anonymous survey from the QR poster (MON-2), one answer each."""

    weight = 6
    wait_time = between(5, 15)

    def on_start(self) -> None:
        self._ready()

    @task
    def answer(self) -> None:
        self.client.cookies.clear()  # another resident, another phone
        url = f"/enquete/{DATA['survey_token']}/"
        page = self.client.get(url, name="resident: survey page")
        answers = {f"q/{name}": value for name, value in DATA["survey_answers"].items()}
        answers["csrfmiddlewaretoken"] = _csrf(page.text)
        self.client.post(url, answers, name="resident: send survey answers")


class HealthOnly(_Waiting):
    """The baseline: as many people with the same think times, each click a trivial request."""

    wait_time = between(3, 10)

    def on_start(self) -> None:
        self._ready()

    @task
    def health(self) -> None:
        self.client.get("/api/v1/health", name="baseline: health")
