"""Benchmark of report intake over HTTP (issue 3): figures for docs/benchmarks.md.

Run from the repository root (needs wrk, PostgreSQL at 127.0.0.1:5432 for the PostgreSQL part):

    .venv/bin/python bench/bench_reports_intake.py                  # both databases, markdown out
    .venv/bin/python bench/bench_reports_intake.py --db sqlite --duration 5   # a smoke run

For each database (a fresh SQLite file in a temporary directory; a scratch PostgreSQL database
``samenveilig_bench_intake``, dropped at the end):

1. migrate, then a setup process with the same environment creates a town (one gemeente, five
   wijken, 50 buurten) and ``--users`` residents with verified e-mail addresses;
2. start gunicorn (2 workers; gthread with 4 threads by default, ``--worker-class sync`` for the
   other one) on a free port of 127.0.0.1, DEBUG off, explicit SECRET_KEY,
   FIELD_ENCRYPTION_KEYS and ALLOWED_HOSTS;
3. log every user in through allauth's login form (session cookie + CSRF token, as a browser);
4. closed-loop maximum throughput with wrk (1 thread, ``--connections``): ``GET /api/v1/health``
   (the floor of the issue: anonymous, one ``SELECT 1`` through the whole middleware stack),
   the same with the logged-in users' session cookies (a second floor for comparison: session,
   user and MFA gate before the same ``SELECT 1``), then ``POST /api/v1/reports`` (session auth,
   ``X-CSRFToken``, payloads varied over categories, buurten, persons and vehicles), then both
   floors again, to bracket drift from other load;
5. open-loop latency of ``POST /api/v1/reports`` at half the intake maximum: requests are
   scheduled at a fixed rate and latency counts from the scheduled time (so a stalled server
   cannot hide queued requests), Python threads with keep-alive connections.

The per-user and per-IP report limits (REP-10) and allauth's login limit are lifted through a
settings module written to the temporary directory (the check itself still runs); see
``_common.SETTINGS_MODULE_TEXT``. Not a test (nothing here is named test_*).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
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

PASSWORD = "bench-correct-horse-battery"
PG_NAME = "samenveilig_bench_intake"
TOWN_LAT, TOWN_LON, BUURT_SIZE = 52.0, 5.0, 0.005  # 10 × 5 buurten of about 340 m × 550 m
TARGET_RATIO = 0.40
TARGET_P95_MS = 100.0

WRK_LUA = r"""
local threads = {}
statuses = {}
local entries = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local data = os.getenv("BENCH_DATA")
  if data ~= nil and data ~= "" then
    for line in io.lines(data) do
      local cookie, token, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      entries[#entries + 1] = {cookie, token, body}
    end
    math.randomseed(os.time())
    counter = math.random(#entries)
  end
end

if os.getenv("BENCH_MODE") == "post" then
  function request()
    counter = counter % #entries + 1
    local e = entries[counter]
    return wrk.format("POST", "/api/v1/reports", {
      ["Content-Type"] = "application/json",
      ["Cookie"] = e[1],
      ["X-CSRFToken"] = e[2],
    }, e[3])
  end
elseif os.getenv("BENCH_MODE") == "authget" then
  -- The same sessions as the intake phase, on the trivial endpoint.
  function request()
    counter = counter % #entries + 1
    return wrk.format("GET", "/api/v1/health", {["Cookie"] = entries[counter][1]})
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do merged[tostring(k)] = (merged[tostring(k)] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ",")))
end
"""


# --- run inside the Django environment (child processes) ------------------------------------------


def _square(lat: float, lon: float, size_lat: float, size_lon: float) -> dict:
    ring = [
        [lon, lat],
        [lon + size_lon, lat],
        [lon + size_lon, lat + size_lat],
        [lon, lat + size_lat],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def child_setup(users: int) -> None:
    """Town and residents; prints JSON with the buurt grid and the categories."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from samenveilig.accounts.models import User
    from samenveilig.areas.models import Area, AreaLevel
    from samenveilig.reports.models import Category

    gm = Area.objects.create(
        code="GM8888",
        name="Bankstad",
        level=AreaLevel.MUNICIPALITY,
        geometry=_square(TOWN_LAT, TOWN_LON, 5 * BUURT_SIZE, 10 * BUURT_SIZE),
    )
    for row in range(5):
        lat = TOWN_LAT + row * BUURT_SIZE
        wijk = Area.objects.create(
            code=f"WK8888{row:02d}",
            name=f"Wijk {row}",
            level=AreaLevel.DISTRICT,
            parent=gm,
            geometry=_square(lat, TOWN_LON, BUURT_SIZE, 10 * BUURT_SIZE),
        )
        for col in range(10):
            Area.objects.create(
                code=f"BU8888{row:02d}{col:02d}",
                name=f"Buurt {row}-{col}",
                level=AreaLevel.NEIGHBOURHOOD,
                parent=wijk,
                geometry=_square(lat, TOWN_LON + col * BUURT_SIZE, BUURT_SIZE, BUURT_SIZE),
            )
    # One Argon2 hash for everyone: hashing is the slow part of setup, and each login still
    # verifies it (salted, so one hash works for every account).
    password = make_password(PASSWORD)
    created = User.objects.bulk_create(
        [
            User(email=f"bench{i}@example.test", display_name=f"Bench {i}", password=password)
            for i in range(users)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created]
    )
    categories = [
        {"code": c.code, "person": c.asks_person, "vehicle": c.asks_vehicle}
        for c in Category.objects.filter(municipality__isnull=True, is_active=True)
    ]
    print(json.dumps({"emails": [u.email for u in created], "categories": categories}))


def child_counts() -> None:
    import django

    django.setup()
    from samenveilig.core.audit import verify_chain
    from samenveilig.core.models import AuditEvent
    from samenveilig.reports.models import Incident, Report

    problems = verify_chain()
    print(
        json.dumps(
            {
                "reports": Report.objects.count(),
                "incidents": Incident.objects.count(),
                "audit_events": AuditEvent.objects.count(),
                "audit_problems": len(problems),
            }
        )
    )


def in_env_child(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- HTTP helpers ---------------------------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def login(port: int, email: str) -> tuple[str, str]:
    """Log in through allauth's form like a browser; returns (Cookie header, CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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
    conn.close()
    jar.update(_cookies(response))
    if response.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login of {email} failed: {response.status}")
    return f"csrftoken={jar['csrftoken']}; sessionid={jar['sessionid']}", jar["csrftoken"]


def login_all(port: int, emails: list[str]) -> list[tuple[str, str]]:
    results: list[tuple[str, str] | None] = [None] * len(emails)
    index = iter(range(len(emails)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(index, None)
            if i is None:
                return
            results[i] = login(port, emails[i])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None]


DESCRIPTIONS = [
    "Iemand liep langs de geparkeerde auto's en voelde aan de portieren.",
    "Twee mensen keken bij de achterdeuren van de huizen aan het pad naar binnen.",
    "Er werd 's avonds met een scooter hard over de stoep gereden, rakelings langs kinderen.",
    "De lantaarnpaal bij het speeltuintje is al een week kapot; het pad is 's avonds donker.",
    "Bij de fietsenstalling werd een slot doorgeknipt en een fiets meegenomen.",
    "Een bestelbus reed drie keer langzaam door de straat en stopte bij nummer 12.",
]
PERSONS = [
    {
        "behaviour": "Voelde aan autoportieren",
        "top": "Zwarte jas met capuchon",
        "shoes": "Witte sneakers",
        "age_min": 18,
        "age_max": 30,
        "direction": "Richting station",
    },
    {
        "behaviour": "Keek bij de ramen naar binnen",
        "top": "Groene regenjas",
        "bottom": "Spijkerbroek",
        "height_min_cm": 170,
        "height_max_cm": 185,
    },
    {
        "behaviour": "Knipte een fietsslot door",
        "headwear": "Rode pet",
        "top": "Grijze hoodie",
        "transport": "Op een fiets",
    },
]
VEHICLES = [
    {"kind": "Bestelbus", "colour": "Wit", "licence_plate": "VXB-12-T", "direction": "Noord"},
    {"kind": "Scooter", "colour": "Zwart", "make": "Piaggio"},
    {"kind": "Personenauto", "colour": "Blauw", "licence_plate": "12-AB*-3"},
]


def make_payloads(setup: dict, count: int, seed: int = 3) -> list[str]:
    """Varied, valid report bodies: category, place in one of the 50 buurten, time in the last
    30 days (spread, so incident grouping sees a realistic density), persons and vehicles."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    bodies = []
    for _ in range(count):
        category = rng.choice(setup["categories"])
        payload: dict = {
            "category": category["code"],
            "description": rng.choice(DESCRIPTIONS),
            "observed_at": (now - timedelta(minutes=rng.uniform(10, 30 * 24 * 60))).isoformat(),
            "lat": round(TOWN_LAT + rng.uniform(0.0001, 5 * BUURT_SIZE - 0.0001), 6),
            "lon": round(TOWN_LON + rng.uniform(0.0001, 10 * BUURT_SIZE - 0.0001), 6),
            "happening_now": rng.random() < 0.1,
        }
        if category["person"] and rng.random() < 0.6:
            payload["persons"] = [rng.choice(PERSONS)]
        if category["vehicle"] and rng.random() < 0.3:
            payload["vehicles"] = [rng.choice(VEHICLES)]
        bodies.append(json.dumps(payload, separators=(",", ":")))
    return bodies


def one_post(port: int, session: tuple[str, str], body: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/reports",
        body=body,
        headers={
            "Content-Type": "application/json",
            "Cookie": session[0],
            "X-CSRFToken": session[1],
        },
    )
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


# --- gunicorn and process CPU --------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def worker_pids(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def workers_cpu(master: int) -> float:
    return sum(_cpu_seconds(pid) for pid in worker_pids(master))


def py_spy_start(
    folder: str | None, name: str, master: int, duration: float
) -> list[subprocess.Popen]:
    """``--py-spy DIR``: sample every gunicorn worker during one phase (py-spy, not a project
    dependency: ``pip install py-spy``). Writes collapsed stacks ``DIR/<db>-<phase>-<pid>.txt``
    (one line per stack with its sample count; ``--idle`` off, so waiting threads do not count).
    Sampling takes CPU from the same two cores: figures of a profiled run are not comparable."""
    if not folder or not name.split("-", 1)[1]:
        return []
    Path(folder).mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(1, int(duration))),
                "--rate",
                "200",
                "--format",
                "raw",
                "--nonblocking",
                "--output",
                str(Path(folder) / f"{name}-{pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in worker_pids(master)
    ]


def py_spy_wait(spies: list[subprocess.Popen]) -> None:
    for spy in spies:
        spy.wait(timeout=120)


def start_gunicorn(
    env: dict[str, str], port: int, worker_class: str, threads: int, log: Path
) -> subprocess.Popen:
    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    command = [
        gunicorn,
        "samenveilig.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--worker-class",
        worker_class,
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
        "--timeout",
        "60",
    ]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(log, "ab")
    )  # noqa: SIM115
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200 and len(worker_pids(process.pid)) >= 2:
                conn.close()
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- load generators ------------------------------------------------------------------------------


def wrk(
    port: int,
    lua: Path,
    duration: float,
    connections: int,
    *,
    post_data: Path | None,
    master: int,
    logged_in: bool = False,
) -> dict:
    """Closed-loop maximum throughput; returns wrk's figures plus CPU used per request.

    With ``post_data``: ``POST /api/v1/reports`` with its sessions and bodies; with
    ``logged_in`` (and ``post_data`` for the sessions): ``GET /api/v1/health`` with those
    sessions' cookies; otherwise the anonymous ``GET /api/v1/health``.
    """
    mode = "authget" if logged_in else ("post" if post_data else "get")
    env = dict(
        os.environ,
        BENCH_MODE=mode,
        BENCH_DATA=str(post_data) if post_data else "",
    )
    url = (
        f"http://127.0.0.1:{port}/api/v1/reports"
        if mode == "post"
        else (f"http://127.0.0.1:{port}/api/v1/health")
    )
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "10s",
        "-s",
        str(lua),
        url,
    ]
    load_before = loadavg()
    cpu_before = workers_cpu(master)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = workers_cpu(master) - cpu_before
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    result = json.loads(line[len("WRKJSON ") :])
    seconds = result["duration_us"] / 1e6
    ok = sum(v for k, v in result["statuses"].items() if k.startswith("2"))
    result.update(
        {
            "seconds": seconds,
            "ok": ok,
            "rps": ok / seconds,
            "worker_cpu_ms_per_req": 1000 * cpu / max(result["requests"], 1),
            "wrk_cpu_s": (children_after.ru_utime + children_after.ru_stime)
            - (children_before.ru_utime + children_before.ru_stime),
            "server_cpu_share": cpu / seconds / 2,  # of the 2 CPUs
            "load": load_before,
        }
    )
    return result


def paced(
    port: int,
    sessions: list[tuple[str, str]],
    bodies: list[str],
    rate: float,
    duration: float,
    *,
    post: bool,
    concurrency: int = 32,
) -> dict:
    """Open loop: request i is due at start + i/rate; latency counts from that due time."""
    total = int(rate * duration)
    start = time.perf_counter() + 0.5
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    service: list[float] = []
    statuses: dict[int, int] = {}
    late_starts = [0]

    def work() -> None:
        conn: http.client.HTTPConnection | None = None
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.005:
                with lock:
                    late_starts[0] += 1
            sent = time.perf_counter()
            status = 0
            # A kept-alive connection the server closed while idle (gthread's keep-alive is
            # 2 s) fails on first use: retry once on a new connection, as a browser does.
            for attempt in range(2):
                reused = conn is not None
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    if post:
                        session = sessions[i % len(sessions)]
                        conn.request(
                            "POST",
                            "/api/v1/reports",
                            body=bodies[i % len(bodies)],
                            headers={
                                "Content-Type": "application/json",
                                "Cookie": session[0],
                                "X-CSRFToken": session[1],
                            },
                        )
                    else:
                        conn.request("GET", "/api/v1/health")
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                    if response.will_close:
                        conn.close()
                        conn = None
                    break
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                    if not reused or attempt == 1:
                        break
            finished = time.perf_counter()
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append(finished - due)
                service.append(finished - sent)
        if conn is not None:
            conn.close()

    load_before = loadavg()
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ms = [x * 1000 for x in latencies]
    return {
        "rate": rate,
        "sent": total,
        "achieved_rps": total / elapsed,
        "statuses": statuses,
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "max": max(ms),
        "service_p95": percentile([x * 1000 for x in service], 95),
        "late_starts": late_starts[0],
        "load": load_before,
    }


# --- one database -------------------------------------------------------------------------------


def run_backend(kind: str, args: argparse.Namespace, lua: Path) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-intake-{kind}-"))
    process = None
    try:
        if kind == "sqlite":
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        else:
            url = pg_create(args.pg_name)
        env = django_env(url, tmp / "var", settings_dir=tmp)
        t0 = time.perf_counter()
        run_manage(env, "migrate", "--noinput")
        setup = in_env_child(env, "--child-setup", "--users", str(args.users))
        setup_s = time.perf_counter() - t0
        port = free_port()
        log = tmp / "gunicorn.log"
        process = start_gunicorn(env, port, args.worker_class, args.threads, log)
        sessions = login_all(port, setup["emails"])
        bodies = make_payloads(setup, 3000)
        status, data = one_post(port, sessions[0], bodies[0])
        if status != 201:
            raise RuntimeError(f"smoke POST answered {status}: {data[:500]!r}")
        post_data = tmp / "post.tsv"
        with post_data.open("w") as fh:
            for i, body in enumerate(bodies):
                cookie, token = sessions[i % len(sessions)]
                fh.write(f"{cookie}\t{token}\t{body}\n")
        # Warm-up: imports, template/URL caches, the spatial index in every worker.
        wrk(port, lua, 3, args.connections, post_data=None, master=process.pid)
        wrk(port, lua, 3, args.connections, post_data=post_data, master=process.pid)
        wrk(port, lua, 3, args.connections, post_data=post_data, master=process.pid, logged_in=True)

        def phase(profile: str = "", **kwargs: object) -> dict:
            spies = py_spy_start(args.py_spy, f"{kind}-{profile}", process.pid, args.duration)
            try:
                return wrk(port, lua, args.duration, args.connections, master=process.pid, **kwargs)
            finally:
                py_spy_wait(spies)

        # The floor of the issue (anonymous) and a second one with the same logged-in sessions
        # as the intake (session, user and MFA gate before the same SELECT 1), each before and
        # after the intake phase.
        floor1 = phase(post_data=None)
        auth1 = phase(post_data=post_data, logged_in=True, profile="auth")
        intake = phase(post_data=post_data, profile="intake")
        auth2 = phase(post_data=post_data, logged_in=True)
        floor2 = phase(post_data=None)
        rate = max(intake["rps"] / 2, 1.0)
        paced_intake = paced(port, sessions, bodies, rate, args.duration, post=True)
        paced_floor = paced(port, sessions, bodies, rate, args.duration, post=False)
        stop(process)
        process = None
        counts = in_env_child(env, "--child-counts")
        errors = log.read_text(errors="replace") if log.exists() else ""
        exceptions: dict[str, int] = {}
        for line in errors.splitlines():
            for name in (
                "IntegrityError",
                "OperationalError",
                "database is locked",
                "UniqueViolation",
                "DeadlockDetected",
                "Traceback",
            ):
                if name in line:
                    exceptions[name] = exceptions.get(name, 0) + 1
        if exceptions:
            keep = ROOT / "var" / f"bench-intake-{kind}-gunicorn.log"
            keep.parent.mkdir(exist_ok=True)
            shutil.copy(log, keep)
            exceptions["log"] = str(keep.relative_to(ROOT))  # type: ignore[assignment]
        return {
            "kind": kind,
            "setup_s": setup_s,
            "users": len(sessions),
            "floor1": floor1,
            "auth1": auth1,
            "intake": intake,
            "auth2": auth2,
            "floor2": floor2,
            "paced_intake": paced_intake,
            "paced_floor": paced_floor,
            "counts": counts,
            "exceptions": exceptions,
        }
    finally:
        if process is not None:
            stop(process)
        if kind == "postgresql":
            pg_drop(args.pg_name)
        shutil.rmtree(tmp, ignore_errors=True)


# --- report ---------------------------------------------------------------------------------------


def _statuses(statuses: dict) -> str:
    return ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))


def markdown(results: list[dict], args: argparse.Namespace, machine: list[str]) -> str:
    server = f"gunicorn, 2 workers, `{args.worker_class}`" + (
        f" × {args.threads} threads" if args.worker_class == "gthread" else ""
    )
    lines = [
        "### Report intake over HTTP",
        "",
        *machine,
        "",
        f"Command: `.venv/bin/python bench/bench_reports_intake.py --worker-class "
        f"{args.worker_class}` ({server}; wrk 1 thread × {args.connections} connections, "
        f"{args.duration:g} s per phase; {args.users} residents logged in through the login form; "
        "floor = anonymous `GET /api/v1/health`, logged-in health = the same with the intake's "
        "session cookies; both measured before and after intake).",
        "",
        "| database | floor (anonymous health) req/s | logged-in health req/s "
        "| intake (`POST /api/v1/reports`) req/s "
        f"| intake / floor (target ≥ {TARGET_RATIO:.0%}) | intake / logged-in health (for "
        "comparison) "
        f"| intake at half its max: p50 / p95 / p99 (target p95 < {TARGET_P95_MS:.0f} ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        floor = (r["floor1"]["rps"] + r["floor2"]["rps"]) / 2
        auth = (r["auth1"]["rps"] + r["auth2"]["rps"]) / 2
        ratio = r["intake"]["rps"] / floor
        auth_ratio = r["intake"]["rps"] / auth
        p = r["paced_intake"]
        ok_ratio = "met" if ratio >= TARGET_RATIO else "**not met**"
        ok_p95 = "met" if p["p95"] < TARGET_P95_MS else "**not met**"
        lines.append(
            f"| {r['kind']} | {r['floor1']['rps']:,.0f} / {r['floor2']['rps']:,.0f} "
            f"(mean {floor:,.0f}) | {r['auth1']['rps']:,.0f} / {r['auth2']['rps']:,.0f} "
            f"(mean {auth:,.0f}) | **{r['intake']['rps']:,.0f}** | **{ratio:.0%}** ({ok_ratio}) "
            f"| {auth_ratio:.0%} "
            f"| {p['p50']:.1f} / **{p['p95']:.1f}** / {p['p99']:.1f} ms at {p['rate']:.0f} req/s "
            f"({ok_p95}) |"
        )
    lines += [
        "",
        "Details per phase (server CPU = both gunicorn workers, in ms per request; wrk latency is "
        "closed-loop at full load, not the target):",
        "",
        "| database | phase | requests (statuses) | req/s | server CPU / req | "
        "server busy (of 2 CPUs) | latency p50 / p95 | load avg before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name, key in (
            ("floor", "floor1"),
            ("logged-in health", "auth1"),
            ("intake", "intake"),
            ("logged-in health again", "auth2"),
            ("floor again", "floor2"),
        ):
            w = r[key]
            socket_errors = w["connect"] + w["read"] + w["write"] + w["timeout"]
            lines.append(
                f"| {r['kind']} | {name} (wrk) | {w['requests']:,} ({_statuses(w['statuses'])}"
                f"{f'; socket errors {socket_errors}' if socket_errors else ''}) "
                f"| {w['rps']:,.0f} | {w['worker_cpu_ms_per_req']:.2f} ms "
                f"| {w['server_cpu_share']:.0%} | {w['p50_us'] / 1000:.1f} / "
                f"{w['p95_us'] / 1000:.1f} ms | {w['load']} |"
            )
        for name, key in (
            ("intake, open loop", "paced_intake"),
            ("health, open loop, same rate", "paced_floor"),
        ):
            p = r[key]
            lines.append(
                f"| {r['kind']} | {name} at {p['rate']:.0f} req/s | {p['sent']:,} "
                f"({_statuses(p['statuses'])}) | {p['achieved_rps']:,.0f} | — | — "
                f"| {p['p50']:.1f} / {p['p95']:.1f} ms (p99 {p['p99']:.1f}, max {p['max']:.0f}) "
                f"| {p['load']} |"
            )
    lines += ["", "After the run:", ""]
    for r in results:
        c = r["counts"]
        lines.append(
            f"- {r['kind']}: {c['reports']:,} reports, {c['incidents']:,} incidents, "
            f"{c['audit_events']:,} audit events, audit chain problems: {c['audit_problems']}; "
            f"setup (migrate, town, {r['users']} users) {r['setup_s']:.0f} s"
            + (f"; errors in the server log: {r['exceptions']}" if r["exceptions"] else "")
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--json", action="store_true", help="also print the raw figures")
    parser.add_argument(
        "--pg-name", default=PG_NAME, help="scratch PostgreSQL database (created, then dropped)"
    )
    parser.add_argument(
        "--py-spy", metavar="DIR", help="sample the workers with py-spy during intake and auth"
    )
    parser.add_argument("--child-setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-counts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_setup:
        child_setup(args.users)
        return
    if args.child_counts:
        child_counts()
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install wrk)")
    sys.path.insert(0, str(ROOT / "src"))
    machine = machine_lines()
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if "postgresql" in kinds:
        machine.append(f"- {pg_facts()}, on the same machine")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    machine.append(
        f"- load generator: {(wrk_version.stdout or wrk_version.stderr).split()[1]} "
        "(wrk) and Python threads, on the same 2 CPUs as the server"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "bench.lua"
        lua.write_text(WRK_LUA)
        for kind in kinds:
            results.append(run_backend(kind, args, lua))
    print(markdown(results, args, machine))
    if args.json:
        print(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
