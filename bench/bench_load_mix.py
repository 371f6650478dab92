"""Load test of a realistic mix on PostgreSQL (issue 12, "Scale-out"): figures for
docs/benchmarks.md. Target: 200 concurrent users, p95 < 300 ms, no errors.

Run from the repository root (needs PostgreSQL at 127.0.0.1:5432 and locust, the `bench` extra:
``.venv/bin/pip install -e '.[dev,bench]'``):

    .venv/bin/python bench/bench_load_mix.py                       # 200 users, 120 s per phase
    .venv/bin/python bench/bench_load_mix.py --users 20 --duration 20   # a smoke run

What it does, all on 127.0.0.1 and bounded in time:

1. a scratch PostgreSQL database ``samenveilig_bench_load`` (dropped at the end unless
   ``--keep``): migrate, then the demo town (``load_demo``: 9 buurten, ~6,400 addresses, ~300
   people in 5 communities, ~1,700 reports, alerts, survey waves), then an open resident survey
   round for the municipality;
2. gunicorn (``--workers`` processes, gthread × ``--threads``) and one ``db_worker`` with
   production settings (DEBUG off, explicit secrets, collected static files); the per-user and
   per-IP limits are lifted for the load generator's one address (``_common.SETTINGS_MODULE_TEXT``);
3. locust, headless, on the same machine (``bench/locust_mix.py``), in two phases of
   ``--duration`` seconds each, statistics reset once every user has logged in:
   * baseline: ``--users`` people with the same think times whose every click is the trivial
     ``GET /api/v1/health``: what transport and framework alone cost at this concurrency;
   * the mix: members (home, alert inbox and pages, their reports, a report through the API now
     and then), every partner account of the demo town (wijkagenten and municipality, logged in
     with TOTP: inbox, report pages, acknowledging) and anonymous residents answering the survey.
Not a test (nothing here is named test_*).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
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
    percentile,
    pg_create,
    pg_drop,
    pg_facts,
    run_manage,
)

PG_NAME = "samenveilig_bench_load"
DEMO_PASSWORD = "veilig-demo-2026"
TARGET_P95_MS = 300.0
Phase = tuple[list[dict], list[dict], dict]  # locust stats, failures, logins
PARTNERS = (
    "wijkagent.centrum@voorbeeldstad.demo",
    "wijkagent.noord@voorbeeldstad.demo",
    "wijkagent.haven@voorbeeldstad.demo",
    "gemeente@voorbeeldstad.demo",
    "boa@voorbeeldstad.demo",
)
RESIDENT_ANSWERS = {
    "is_member": "no",
    "feels_unsafe": "no",
    "cohesion_know": "disagree",
    "cohesion_pleasant": "agree",
    "cohesion_together": "agree",
    "cohesion_at_home": "agree",
    "cohesion_contact": "agree",
}


# --- inside the Django environment (child process) -----------------------------------------------


def child_data() -> None:
    """The accounts, survey link, categories and places the locust users need, as JSON."""
    import datetime as dt

    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from django.utils import timezone
    from shapely.geometry import shape

    from samenveilig.accounts.models import User
    from samenveilig.areas.models import Area, AreaLevel
    from samenveilig.communities.models import Membership, MembershipStatus
    from samenveilig.core.demo import totp_secret_for
    from samenveilig.monitor import services
    from samenveilig.monitor.models import Audience
    from samenveilig.reports.models import Category

    # Members who log in with a password only; coordinators (TOTP) are not in the member pool.
    with_totp = Authenticator.objects.values_list("user_id", flat=True)
    members = sorted(
        set(
            Membership.objects.filter(status=MembershipStatus.VERIFIED)
            .exclude(user_id__in=with_totp)
            .values_list("user__email", flat=True)
        )
    )
    municipality = Area.objects.get(level=AreaLevel.MUNICIPALITY)
    officer = User.objects.get(email="gemeente@voorbeeldstad.demo")
    now = timezone.now()
    survey_round = services.round_open(
        actor=officer,
        name="Loadtest",
        audience=Audience.RESIDENTS,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(days=7),
        area=municipality,
    )
    places = []
    for buurt in Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD).exclude(geometry=None):
        point = shape(buurt.geometry).representative_point()
        places.append((round(point.y, 6), round(point.x, 6)))
    categories = list(
        Category.objects.filter(
            municipality__isnull=True, is_active=True, asks_person=False
        ).values_list("code", flat=True)
    )
    print(
        json.dumps(
            {
                "password": DEMO_PASSWORD,
                "members": [{"email": email} for email in members],
                "partners": [
                    {"email": email, "totp_secret": totp_secret_for(email)} for email in PARTNERS
                ],
                "survey_token": survey_round.token,
                "survey_answers": RESIDENT_ANSWERS,
                "categories": categories,
                "places": places,
            }
        )
    )


def child_counts() -> None:
    import django

    django.setup()
    from samenveilig.core.audit import verify_chain
    from samenveilig.monitor.models import SurveyResponse
    from samenveilig.reports.models import Report

    print(
        json.dumps(
            {
                "reports": Report.objects.count(),
                "acknowledgements": Report.objects.exclude(acknowledged_at=None).count(),
                "survey_responses": SurveyResponse.objects.filter(round__name="Loadtest").count(),
                "audit_problems": len(verify_chain()),
            }
        )
    )


def in_child(env: dict[str, str], what: str) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, what], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- processes -----------------------------------------------------------------------------------


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(port: int, timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not become healthy")


def run_locust(
    port: int, data: Path, prefix: Path, classes: list[str], args: argparse.Namespace
) -> Phase:
    window_file = Path(f"{prefix}_window")
    env = {
        **os.environ,
        "BENCH_DATA": str(data),
        "BENCH_USERS": str(args.users),
        "BENCH_WINDOW_FILE": str(window_file),
        "BENCH_LOGIN_OUT": f"{prefix}_logins.json",
    }
    locust = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "locust"),
            "-f",
            str(ROOT / "bench" / "locust_mix.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--only-summary",
            "--csv",
            str(prefix),
            "--host",
            f"http://127.0.0.1:{port}",
            "--loglevel",
            "WARNING",
            *classes,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(f"{prefix}_locust.log", "w"),  # noqa: SIM115 - closed with the process
    )
    try:
        # The window starts once everybody is logged in (locust_mix.py writes the file then).
        deadline = time.monotonic() + 600
        while not window_file.exists():
            if locust.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "locust stopped before every user was logged in:\n"
                    + Path(f"{prefix}_locust.log").read_text()[-3000:]
                )
            time.sleep(0.5)
        time.sleep(args.duration)
    finally:
        locust.send_signal(signal.SIGTERM)  # locust writes its statistics on SIGTERM
        try:
            locust.wait(timeout=60)
        except subprocess.TimeoutExpired:
            locust.kill()
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = list(csv.DictReader(handle))
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    logins_path = Path(f"{prefix}_logins.json")
    logins = json.loads(logins_path.read_text()) if logins_path.exists() else {}
    return stats, failures, logins


# --- report --------------------------------------------------------------------------------------


def _row(stat: dict) -> str:
    name = "**all requests**" if stat["Name"] == "Aggregated" else stat["Name"]
    return (
        f"| {name} | {int(stat['Request Count']):,} | {int(stat['Failure Count']):,} | "
        f"{float(stat['Requests/s']):.1f} | {stat['50%']} | **{stat['95%']}** | {stat['99%']} | "
        f"{stat['100%']} |"
    )


def markdown(phases: dict[str, Phase], facts: dict, args: argparse.Namespace) -> str:
    lines = [
        *machine_lines(),
        f"- {pg_facts()}, on the same machine",
        f"- gunicorn {args.workers} workers × {args.threads} threads (gthread), one db_worker, "
        "locust (one process) on the same 2 CPUs",
        "",
        f"Command: `.venv/bin/python bench/bench_load_mix.py --users {args.users} "
        f"--duration {args.duration}` ({args.users} concurrent users, spawned at "
        f"{args.spawn_rate}/s, statistics reset once all are logged in, then {args.duration} s "
        "per phase; think time 3–10 s for members and the baseline, 2–6 s for partners, 5–15 s "
        "for survey respondents).",
        "",
    ]
    for title, (stats, failed, logins) in phases.items():
        total = next(s for s in stats if s["Name"] == "Aggregated")
        p95 = float(total["95%"]) if total["95%"] != "N/A" else float("nan")
        failures = int(total["Failure Count"])
        verdict = "met" if p95 < TARGET_P95_MS and failures == 0 else "**not met**"
        lines += [
            f"**{title}** (load average before: {facts[title]['load']}): p95 {p95:.0f} ms, "
            f"{failures} failures — target p95 < {TARGET_P95_MS:.0f} ms, no errors: {verdict}",
            "",
            "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|",
            *[_row(s) for s in stats if s["Name"] != "Aggregated"],
            _row(total),
            "",
        ]
        if logins.get("seconds"):
            seconds = logins["seconds"]
            lines += [
                f"Logins while spawning (before the window above): {len(seconds)}, "
                f"p50 {percentile(seconds, 50) * 1000:.0f} ms, "
                f"p95 {percentile(seconds, 95) * 1000:.0f} ms (form, Argon2, TOTP for partners); "
                f"failed logins: {len(logins['failures'])}"
                + (f" ({'; '.join(logins['failures'][:3])})" if logins["failures"] else "")
                + ".",
                "",
            ]
        if failed:
            lines += ["Failures:", ""]
            lines += [
                f"- {f['Method']} {f['Name']}: {f['Error']} ({f['Occurrences']}×)" for f in failed
            ]
            lines.append("")
    counts = facts["counts"]
    lines.append(
        f"After the run: {counts['reports']:,} reports ({counts['acknowledgements']:,} "
        "acknowledged, the demo's and the load test's), "
        f"{counts['survey_responses']:,} survey responses of the load test, "
        f"audit chain problems: {counts['audit_problems']}."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=int, default=4)
    parser.add_argument("--duration", type=int, default=120, help="seconds per phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    if shutil.which("locust", path=str(Path(PYTHON).parent)) is None:
        sys.exit("locust is missing: .venv/bin/pip install -e '.[dev,bench]'")

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url = pg_create(PG_NAME)
    env = django_env(url, tmp / "var", settings_dir=tmp, log_level="WARNING")
    # Plain HTTP on 127.0.0.1 (production terminates TLS in front): cookies without the Secure
    # flag, or the load generator's HTTP client would not send them back.
    env["SECURE_COOKIES"] = "0"
    # Every respondent comes from 127.0.0.1: the per-address survey limit (60/h) would refuse them.
    env["SURVEY_ANSWERS_PER_HOUR_PER_IP"] = "1000000"
    processes: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        run_manage(env, "migrate", "--noinput")
        run_manage(env, "compile_translations")
        run_manage(env, "collectstatic", "--noinput")
        run_manage({**env, "SAMENVEILIG_DEMO": "1"}, "load_demo")
        data = in_child(env, "--child-data")
        data_path = tmp / "data.json"
        data_path.write_text(json.dumps(data))
        print(
            f"set-up {time.monotonic() - started:.0f} s: {len(data['members'])} members, "
            f"{len(data['partners'])} partners",
            file=sys.stderr,
        )

        port = free_port()
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        processes.append(
            start(
                [
                    gunicorn, "samenveilig.wsgi", "--bind", f"127.0.0.1:{port}",
                    "--workers", str(args.workers), "--threads", str(args.threads),
                    "--worker-class", "gthread", "--timeout", "60",
                ],
                env,
                tmp / "gunicorn.log",
            )
        )  # fmt: skip
        processes.append(start([PYTHON, "manage.py", "db_worker"], env, tmp / "worker.log"))
        wait_healthy(port)

        phases: dict[str, Phase] = {}
        facts: dict = {}
        for title, classes in (
            ("Baseline: trivial health endpoint", ["HealthOnly"]),
            ("Realistic mix", ["Member", "Partner", "Respondent"]),
        ):
            facts[title] = {"load": loadavg()}
            print(f"{title} …", file=sys.stderr)
            phases[title] = run_locust(port, data_path, tmp / title.split(":")[0], classes, args)
        facts["counts"] = in_child(env, "--child-counts")
        print(markdown(phases, facts, args))
    finally:
        for process in processes:
            stop(process)
        if not args.keep:
            pg_drop(PG_NAME)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-data":
        child_data()
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-counts":
        child_counts()
    else:
        main()
