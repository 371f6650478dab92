"""Paired before/after of the report read paths (issue 3) on a kept database: two copies of
``src/`` measured request by request in turn, so both see the same state of a noisy machine.

On a shared virtual machine the speed of the same code moved by a factor of 1.5–2 within
minutes (the same Open311 page: p95 29 ms in one run, 49 ms in the next), more than most changes
being measured. Runs of ``bench_reports_read.py`` one after another then compare the machine,
not the code. Here two child processes (``--src-a``, ``--src-b``), each with its own copy of
the code and its own database connection, take turns: for every case, request i goes to A then
B, request i + 1 to B then A. The report gives each side's p50/p95 and the median of the
per-pair ratios B/A, which the machine's drift cancels out of.

    .venv/bin/python bench/bench_reports_read.py --sizes 1000000 --keep   # fill once
    .venv/bin/python bench/paired_reports_read.py --src-a /tmp/before/src --src-b src

Needs the database that ``bench_reports_read.py --keep`` left (``--database``). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PG_ADMIN_URL, PYTHON, django_env, loadavg, machine_lines, summary_ms  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve()


def child(src: str, database: str, groups: set[str]) -> None:
    """Serve "case index" lines from stdin with one timed request each (milliseconds out)."""
    sys.path.insert(0, src)
    import django

    django.setup()
    import bench_reports_read as read
    from django.test import Client

    town = read.load_town()
    chosen = [c for c in read.cases(town) if c["group"] in groups]
    clients = []
    for case in chosen:
        client = Client()
        if case["user"] is not None:
            client.force_login(case["user"])
        for _ in range(5):
            assert client.get(case["url"]).status_code == 200, case["url"]
        clients.append(client)
    print(json.dumps([f"{c['group']}: {c['label']}" for c in chosen]), flush=True)
    for line in sys.stdin:
        index = int(line)
        start = time.perf_counter()
        clients[index].get(chosen[index]["url"])
        print(f"{(time.perf_counter() - start) * 1000:.3f}", flush=True)


def start_child(src: str, args: argparse.Namespace, var: Path) -> subprocess.Popen:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    env = django_env(f"{base}/{args.database}", var, log_level="WARNING")
    env["PYTHONPATH"] = os.pathsep.join([src, str(HERE.parent), str(ROOT)])
    return subprocess.Popen(
        [PYTHON, str(HERE), "--child", src, "--database", args.database, "--cases", args.cases],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def ask(process: subprocess.Popen, index: int) -> float:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{index}\n")
    process.stdin.flush()
    return float(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src-a", help="the code before (a copy of src/); required")
    parser.add_argument("--src-b", default=str(ROOT / "src"), help="the code after")
    parser.add_argument("--database", default="samenveilig_bench_read")
    parser.add_argument("--cases", default="inbox,open311")
    parser.add_argument("--repeat", type=int, default=100, help="pairs per case")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    groups = {g.strip() for g in args.cases.split(",") if g.strip()}
    if args.child:
        child(args.child, args.database, groups)
        return
    if not args.src_a:
        parser.error("--src-a is required")
    var = Path(tempfile.mkdtemp(prefix="bench-paired-"))
    a = start_child(str(Path(args.src_a).resolve()), args, var / "a")
    b = start_child(str(Path(args.src_b).resolve()), args, var / "b")
    try:
        assert a.stdout is not None and b.stdout is not None
        labels = json.loads(a.stdout.readline())
        if json.loads(b.stdout.readline()) != labels:
            sys.exit("the two copies measure different cases")
        print("\n".join(machine_lines()))
        print(f"- load average (1/5/15 min) before: {loadavg()}")
        print(f"- A = `{args.src_a}`, B = `{args.src_b}`; {args.repeat} pairs per case\n")
        print("| case | A p50 / **p95** ms | B p50 / **p95** ms | median of B/A per pair |")
        print("|---|---|---|---|")
        for index, label in enumerate(labels):
            times_a, times_b, ratios = [], [], []
            for i in range(args.repeat):
                order = (a, b) if i % 2 == 0 else (b, a)
                first, second = ask(order[0], index), ask(order[1], index)
                ms_a, ms_b = (first, second) if order[0] is a else (second, first)
                times_a.append(ms_a / 1000)
                times_b.append(ms_b / 1000)
                ratios.append(ms_b / ms_a)
            sa, sb = summary_ms(times_a), summary_ms(times_b)
            print(
                f"| {label} | {sa['p50']:.1f} / **{sa['p95']:.1f}** | "
                f"{sb['p50']:.1f} / **{sb['p95']:.1f}** | {statistics.median(ratios):.2f} |",
                flush=True,
            )
        print(f"\n- load average after: {loadavg()}")
    finally:
        for process in (a, b):
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
