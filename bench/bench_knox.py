"""Benchmark of the Knox near-repeat test (issue 10): figures for docs/benchmarks.md.

Run from the repository root:

    .venv/bin/python bench/bench_knox.py            # prints a markdown section
    .venv/bin/python bench/bench_knox.py --quick    # fewer repetitions, for a smoke run

Measures, on shared/data/nearrepeat/chicago_be_2016.csv (11,700 events with a date):
* the issue's case (space 0/0.1/200/400/600 ft, time 0/7/14/21 days, 999 permutations):
  wall time (median of 3) with all CPUs and with one, and peak memory (maxrss of a fresh
  subprocess that loads the data and runs the test once);
* the all-pairs reference (``knox_bruteforce``, NearRepeat's algorithm) on a 1,000-event subset
  with a few permutations, per permutation against the fast path on the same subset, and
  extrapolated to the full file;
* growth with n (1k, 3k, 11.7k events) and with the number of permutations (99, 999);
* open last bands (``Inf``) in space and time, which must not make a permutation O(n²).

Not a test (pytest collects tests/ and e2e/ only, and nothing here is named test_*).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import scipy  # noqa: E402

from samenveilig.analysis.io import read_events_csv  # noqa: E402
from samenveilig.analysis.knox import knox, knox_bruteforce  # noqa: E402

SDS = [0, 0.1, 200, 400, 600]
TDS = [0, 7, 14, 21]
INF = float("inf")
TARGET_SECONDS = 2.0
TARGET_MB = 500


def data_file() -> Path:
    candidates = [ROOT.parent / "shared" / "data" / "nearrepeat" / "chicago_be_2016.csv"]
    env = os.environ.get("SAMENVEILIG_SHARED_DIR")
    if env:
        candidates.insert(0, Path(env) / "data" / "nearrepeat" / "chicago_be_2016.csv")
    for path in candidates:
        if path.is_file():
            return path
    sys.exit(
        "chicago_be_2016.csv not found: put shared/ beside the checkout or set "
        "SAMENVEILIG_SHARED_DIR"
    )


def load() -> tuple[np.ndarray, np.ndarray, int]:
    """Events with coordinates and a date, and how many rows lacked them."""
    events = read_events_csv(data_file())
    keep = np.isfinite(events.times) & np.isfinite(events.points).all(axis=1)
    return events.points[keep], events.times[keep], int((~keep).sum())


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def child_large_finite_band() -> None:
    """Run in a fresh process: a finite outer band holding most pairs (chunked path)."""
    points, times, _ = load()
    start = time.perf_counter()
    result = knox(points, times, [0, 200, 30_000], [0, 7, 14], 9, seed=1)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, **result.extra}))


def child_peak_memory() -> None:
    """Run in a fresh process: load, run the issue's case once, report memory in MB."""
    points, times, _ = load()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    knox(points, times, SDS, TDS, 999, seed=1)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # numpy reports its buffers to tracemalloc: the peak of what the run itself allocates
    tracemalloc.start()
    knox(points, times, SDS, TDS, 999, seed=1)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(json.dumps({"before_mb": before, "peak_mb": after, "traced_mb": traced}))


def in_child(flag: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, flag],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"- CPUs available (nproc): {len(os.sched_getaffinity(0))} ({cpu})",
        f"- Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}",
        f"- load average at start: {os.getloadavg()[0]:.2f} (other work on the machine adds noise)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition per figure")
    parser.add_argument("--child-peak-memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-large-finite-band", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_peak_memory:
        child_peak_memory()
        return
    if args.child_large_finite_band:
        child_large_finite_band()
        return
    repeat = 1 if args.quick else 3
    lines = ["## Near-repeat Knox test", "", *machine()]
    points, times, missing = load()
    n = times.size

    def run(k: int, perms: int, sds=SDS, tds=TDS, workers=None) -> Callable[[], object]:
        return lambda: knox(points[:k], times[:k], sds, tds, perms, seed=1, workers=workers)

    run(n, 9)()  # warm-up: imports, first k-d tree, thread pool
    main_s, main_runs = timed(run(n, 999), repeat)
    single_s, _ = timed(run(n, 999, workers=1), repeat)
    memory = in_child("--child-peak-memory")
    large = None if args.quick else in_child("--child-large-finite-band")
    near_pairs = knox(points, times, SDS, TDS, 1, seed=1).extra["near_pairs"]

    # The all-pairs reference on a subset: per permutation, then extrapolated (O(n²) each).
    subset, brute_perms = 1000, 9 if args.quick else 19
    brute_s, _ = timed(
        lambda: knox_bruteforce(points[:subset], times[:subset], SDS, TDS, brute_perms, seed=1),
        1,
    )
    brute_per_perm = brute_s / brute_perms
    fast_subset_s, _ = timed(run(subset, 999), repeat)
    fast_subset_per_perm = fast_subset_s / 999
    brute_full_estimate = brute_per_perm * (n / subset) ** 2 * 999

    growth = []
    for k in (1000, 3000, n):
        seconds, _ = timed(run(k, 999), repeat)
        growth.append((k, seconds))
    perms_growth = []
    for perms in (99, 999):
        seconds, _ = timed(run(n, perms), repeat)
        perms_growth.append((perms, seconds))
    open_s, _ = timed(run(n, 999, sds=[*SDS, INF], tds=[*TDS, INF]), repeat)
    open_all_s, _ = timed(run(n, 999, sds=[0, 0.1, 200, INF], tds=[0, 7, INF]), repeat)

    lines += [
        "",
        "Command: `.venv/bin/python bench/bench_knox.py` (figures below are from one run; wall "
        f"time is the median of {repeat}).",
        "",
        f"Data: `chicago_be_2016.csv`, {n:,} events ({missing} row without a date dropped), "
        f"Manhattan distance; {near_pairs:,} pairs closer than 600 ft.",
        "",
        "| case | figure | target |",
        "|---|---|---|",
        f"| issue case: space 0/0.1/200/400/600 ft, time 0/7/14/21 d, 999 permutations, "
        f"all CPUs | **{main_s:.2f} s** (runs: {', '.join(f'{r:.2f}' for r in main_runs)}) "
        f"| < {TARGET_SECONDS:.0f} s |",
        f"| same, one thread (`workers=1`) | {single_s:.2f} s | — |",
        f"| peak memory (maxrss of a fresh process: Python, numpy, scipy, data and the run) "
        f"| **{memory['peak_mb']:.0f} MB** (high-water mark {memory['before_mb']:.0f} MB "
        f"before the run; the run itself allocates at most {memory['traced_mb']:.0f} MB, "
        "tracemalloc) "
        f"| < {TARGET_MB} MB |",
        f"| open last bands: space …/600/Inf, time …/21/Inf, 999 permutations "
        f"| {open_s:.2f} s | not O(n²) per permutation |",
        f"| open bands only beyond 200 ft / 7 d: space 0/0.1/200/Inf, time 0/7/Inf "
        f"| {open_all_s:.2f} s | |",
    ]
    if large is not None:
        lines.append(
            f"| large finite outer band: space 0/200/30,000 ft, time 0/7/14, 9 permutations "
            f"({large['near_pairs']:,} pairs in {large['chunks']} chunks; fresh process) "
            f"| {large['seconds']:.1f} s, peak {large['peak_mb']:.0f} MB "
            "| bounded memory, time grows with the pairs |"
        )
    lines += [
        "",
        f"All-pairs reference (`knox_bruteforce`, NearRepeat's algorithm: every pair in every "
        f"permutation) against the fast path on the first {subset:,} events:",
        "",
        "| | per permutation | speed ratio |",
        "|---|---|---|",
        f"| all pairs, {subset:,} events ({brute_perms} permutations) "
        f"| {brute_per_perm * 1000:.1f} ms | 1 |",
        f"| fast path, {subset:,} events (999 permutations) "
        f"| {fast_subset_per_perm * 1000:.3f} ms | {brute_per_perm / fast_subset_per_perm:,.0f}× |",
        f"| all pairs extrapolated to {n:,} events × 999 (n² growth) "
        f"| {brute_full_estimate / 999:.2f} s | "
        f"{brute_full_estimate / main_s:,.0f}× slower than the fast path "
        f"(≈ {brute_full_estimate / 60:.0f} min vs {main_s:.2f} s) |",
        "",
        "The all-pairs method also needs O(n²) memory per permutation: "
        f"{n * (n - 1) // 2:,} pairs at 11.7k events, several GB with the index and distance "
        "arrays, so it is not run at full size.",
        "",
        "Growth (999 permutations; first n events of the file):",
        "",
        "| events | wall time |",
        "|---|---|",
        *(f"| {k:,} | {s:.2f} s |" for k, s in growth),
        "",
        f"Growth with permutations ({n:,} events):",
        "",
        "| permutations | wall time |",
        "|---|---|",
        *(f"| {p} | {s:.2f} s |" for p, s in perms_growth),
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
