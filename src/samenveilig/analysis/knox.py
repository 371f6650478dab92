"""Knox space–time test for near-repeat victimisation (PRODUCT.md §13, NRA-1).

Definitions follow the R package NearRepeat (Steenbeek, v0.1.1) so results can be cross-checked:

* every unordered pair of events is counted once, in the spatial band of its distance and the
  temporal band of ``|t_i - t_j|`` (days);
* bands are left-closed and right-open, ``[a, b)``; a pair outside the outermost breaks in either
  dimension is not counted; ``inf`` is allowed as the last break of either dimension;
* the null model permutes the event times over the events (space stays fixed);
* the Knox ratio is observed / mean (and observed / median) of the permuted counts;
* the one-sided p-value is ``(#{permuted >= observed} + 1) / (permutations + 1)``.

Two implementations share input handling, the permutations and the summary statistics:

``knox`` (fast): the pairs that can fall in a finite spatial band do not change between
permutations, so they are found once with a k-d tree and each permutation only re-bands their
time differences, vectorised over blocks of permutations and spread over threads (numpy releases
the GIL in the gathers and comparisons). An open last spatial band ``[s, inf)`` is never listed
pair by pair: its count in time band k is "all pairs in time band k" minus "pairs closer than s in
time band k", and the first term is the same for every permutation (permuting times over points
does not change the multiset of pairwise time differences), so it is computed once from the sorted
times. Work per permutation is O(pairs closer than the largest finite spatial break).

``knox_bruteforce``: every pair in every permutation, O(n²) time and memory — the reference for
tests and the benchmark baseline.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

Metric = Literal["manhattan", "euclidean"]
ProgressCallback = Callable[[int, int], None]

#: Defaults used to call a cell "significant and meaningful" (PRODUCT.md NRA-2).
SIGNIFICANCE_LEVEL = 0.05
MEANINGFUL_RATIO = 1.2

#: Pairs handled in one chunk of the fast path. A chunk's pair arrays cost about 16 bytes per
#: pair, the per-thread working arrays are capped separately (``_BLOCK_BYTES``).
DEFAULT_MAX_PAIRS_PER_CHUNK = 2_000_000
#: Memory a worker thread may use for one block of permutations (gathered times and masks).
_BLOCK_BYTES = 32 * 1024 * 1024
#: More permutations per block amortise Python overhead; beyond ~32 the arrays leave the cache
#: and nothing is gained (16–32 measured best on the 2-core benchmark machine).
_MAX_BLOCK_PERMUTATIONS = 32


@dataclass(frozen=True)
class KnoxResult:
    """Outcome of a Knox test. Matrices are indexed ``[space band, time band]``.

    Knox ratios follow R's arithmetic: when the mean (or median) of the permuted counts is 0 the
    ratio is ``nan`` if the observed count is 0 too and ``inf`` otherwise. Such a cell carries no
    evidence (``nan``) or only says that the permutations never produced a pair there (``inf``);
    read it together with its p-value and observed count.
    """

    space_bands: tuple[float, ...]
    time_bands: tuple[float, ...]
    space_labels: tuple[str, ...]
    time_labels: tuple[str, ...]
    metric: Metric
    permutations: int
    n_events: int
    #: Positions (0-based, in the input order) of rows dropped for a missing or non-finite
    #: coordinate or time.
    dropped: NDArray[np.intp]
    observed: NDArray[np.int64]
    mean: NDArray[np.float64]
    median: NDArray[np.float64]
    knox_ratio: NDArray[np.float64]
    knox_ratio_median: NDArray[np.float64]
    p_values: NDArray[np.float64]
    #: Permuted counts, shape ``(permutations, space bands, time bands)``; only when asked for.
    permutation_counts: NDArray[np.int64] | None = None
    #: Seed that reproduces the permutations (pass it as ``seed=``); ``None`` when explicit
    #: permutations were given.
    seed: int | None = None
    #: Diagnostics of the fast path: ``near_pairs`` (pairs listed) and ``chunks``.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_dropped(self) -> int:
        return int(self.dropped.size)

    def significant(
        self, alpha: float = SIGNIFICANCE_LEVEL, min_ratio: float = MEANINGFUL_RATIO
    ) -> NDArray[np.bool_]:
        """Cells with p < alpha and a Knox ratio (mean) of at least ``min_ratio``."""
        with np.errstate(invalid="ignore"):
            return (self.p_values < alpha) & (self.knox_ratio >= min_ratio)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for storing a background task's result); non-finite numbers become
        the strings ``"Inf"`` / ``"NaN"`` because JSON has no such numbers."""

        def clean(a: NDArray[Any]) -> list[Any]:
            return [[_json_number(v) for v in row] for row in np.asarray(a, dtype=float).tolist()]

        return {
            "space_bands": [_json_number(b) for b in self.space_bands],
            "time_bands": [_json_number(b) for b in self.time_bands],
            "space_labels": list(self.space_labels),
            "time_labels": list(self.time_labels),
            "metric": self.metric,
            "permutations": self.permutations,
            "n_events": self.n_events,
            "dropped": self.dropped.tolist(),
            "observed": self.observed.tolist(),
            "mean": clean(self.mean),
            "median": clean(self.median),
            "knox_ratio": clean(self.knox_ratio),
            "knox_ratio_median": clean(self.knox_ratio_median),
            "p_values": clean(self.p_values),
            "seed": None if self.seed is None else str(self.seed),
        }


def _json_number(v: float) -> float | str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Inf" if v > 0 else "-Inf"
    return v


def format_break(value: float) -> str:
    """A band break as R's ``cut(..., dig.lab = 10)`` prints it: 0, 0.1, 200, Inf."""
    if math.isinf(value):
        return "Inf"
    return f"{value:.10g}"


def band_labels(breaks: Sequence[float]) -> tuple[str, ...]:
    return tuple(
        f"[{format_break(a)},{format_break(b)})"
        for a, b in zip(breaks[:-1], breaks[1:], strict=True)
    )


# --------------------------------------------------------------------------------------------
# Input handling shared by both implementations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    points: NDArray[np.float64]
    times: NDArray[np.float64]
    dropped: NDArray[np.intp]
    space_bands: NDArray[np.float64]
    time_bands: NDArray[np.float64]
    metric: Metric
    permutations: int
    explicit_permutations: NDArray[np.intp] | None
    seed: int | None


def _validate_bands(breaks: ArrayLike, what: str) -> NDArray[np.float64]:
    try:
        b = np.asarray(breaks, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} bands must be numbers") from exc
    if b.ndim != 1 or b.size < 2:
        raise ValueError(f"{what} bands need at least two breaks (one band)")
    if np.isnan(b).any():
        raise ValueError(f"{what} bands contain a missing value")
    if b[0] < 0:
        raise ValueError(f"{what} bands must start at 0 or more (distances are never negative)")
    if np.isinf(b[:-1]).any():
        raise ValueError(f"only the last {what} break may be Inf")
    if not (np.diff(b) > 0).all():
        raise ValueError(f"{what} bands must be strictly increasing, got {b.tolist()}")
    return b


def _times_as_days(times: ArrayLike) -> NDArray[np.float64]:
    """Numbers are taken as days; datetime64 values become days since the earliest one."""
    t = np.asarray(times)
    if t.dtype == object:
        try:
            t = t.astype(np.float64)
        except (TypeError, ValueError):
            t = t.astype("datetime64[us]")
    if np.issubdtype(t.dtype, np.datetime64):
        valid = ~np.isnat(t)
        days = np.full(t.shape, np.nan)
        if valid.any():
            start = t[valid].min()
            days[valid] = (t[valid] - start) / np.timedelta64(1, "D")
        return days
    try:
        return t.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("times must be numbers (days) or datetime64 values") from exc


def _prepare(
    points: ArrayLike,
    times: ArrayLike,
    space_bands: ArrayLike,
    time_bands: ArrayLike,
    permutations: int | ArrayLike,
    metric: str,
    seed: int | None,
) -> _Prepared:
    if metric not in ("manhattan", "euclidean"):
        raise ValueError(f"metric must be 'manhattan' or 'euclidean', not {metric!r}")
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {pts.shape}")
    t = _times_as_days(times)
    if t.ndim != 1 or t.shape[0] != pts.shape[0]:
        raise ValueError(f"times must have one value per point ({pts.shape[0]}), got {t.shape}")
    keep = np.isfinite(pts).all(axis=1) & np.isfinite(t)
    dropped = np.flatnonzero(~keep)
    pts, t = pts[keep], t[keep]
    n = t.shape[0]
    if n < 2:
        raise ValueError(f"at least two events with coordinates and a time are needed, got {n}")
    sb = _validate_bands(space_bands, "spatial")
    tb = _validate_bands(time_bands, "temporal")

    explicit: NDArray[np.intp] | None = None
    if np.ndim(permutations) == 0 and not isinstance(permutations, int | np.integer):
        raise ValueError("permutations must be a whole number or an array of permutations")
    if isinstance(permutations, int | np.integer):
        nrep = int(permutations)
        if nrep < 1:
            raise ValueError("at least one permutation is needed")
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
        elif not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError("seed must be a non-negative integer or None")
        seed = int(seed)
    else:
        explicit = np.asarray(permutations, dtype=np.intp)
        if explicit.ndim != 2 or explicit.shape[1] != n or explicit.shape[0] < 1:
            raise ValueError(
                f"explicit permutations must have shape (k, {n}) — one row per permutation of "
                "the events that remain after dropping missing values"
            )
        if not (np.sort(explicit, axis=1) == np.arange(n)).all():
            raise ValueError("every row of explicit permutations must be a permutation of 0..n-1")
        nrep = explicit.shape[0]
        seed = None
    return _Prepared(pts, t, dropped, sb, tb, metric, nrep, explicit, seed)  # type: ignore[arg-type]


def _permutation_rows(prep: _Prepared, lo: int, hi: int) -> NDArray[np.intp]:
    """Permutations ``lo..hi-1``. Permutation r depends only on (seed, r, n), never on blocking,
    threads or chunking — which is what lets the fast path, the brute-force reference and any
    number of workers produce identical permuted counts."""
    if prep.explicit_permutations is not None:
        return prep.explicit_permutations[lo:hi]
    n = prep.times.shape[0]
    rows = np.empty((hi - lo, n), dtype=np.intp)
    for k, r in enumerate(range(lo, hi)):
        seed_seq = np.random.SeedSequence(prep.seed, spawn_key=(r,))
        rng = np.random.Generator(np.random.PCG64(seed_seq))
        rows[k] = rng.permutation(n)
    return rows


def _pair_distance(
    points: NDArray[np.float64], i: NDArray[np.intp], j: NDArray[np.intp], metric: Metric
) -> NDArray[np.float64]:
    """Distances of pairs, computed the same way (same rounding) in both implementations."""
    dx = points[i, 0] - points[j, 0]
    dy = points[i, 1] - points[j, 1]
    if metric == "manhattan":
        return np.abs(dx) + np.abs(dy)
    return np.sqrt(dx * dx + dy * dy)


def _band_index(values: NDArray[np.float64], breaks: NDArray[np.float64]) -> NDArray[np.intp]:
    """Band of each value under [a, b) banding; -1 outside the outermost breaks."""
    idx = np.searchsorted(breaks, values, side="right") - 1
    idx[idx >= breaks.size - 1] = -1
    return idx


def _result(
    prep: _Prepared,
    observed: NDArray[np.int64],
    perm_counts: NDArray[np.int64],
    return_permutations: bool,
    extra: dict[str, Any] | None = None,
) -> KnoxResult:
    mean = perm_counts.mean(axis=0)
    median = np.median(perm_counts, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / mean
        ratio_median = observed / median
    p_values = ((perm_counts >= observed[None]).sum(axis=0) + 1) / (prep.permutations + 1)
    return KnoxResult(
        space_bands=tuple(float(b) for b in prep.space_bands),
        time_bands=tuple(float(b) for b in prep.time_bands),
        space_labels=band_labels(prep.space_bands.tolist()),
        time_labels=band_labels(prep.time_bands.tolist()),
        metric=prep.metric,
        permutations=prep.permutations,
        n_events=int(prep.times.shape[0]),
        dropped=prep.dropped,
        observed=observed,
        mean=mean,
        median=median,
        knox_ratio=ratio,
        knox_ratio_median=ratio_median,
        p_values=p_values,
        permutation_counts=perm_counts if return_permutations else None,
        seed=prep.seed,
        extra=extra or {},
    )


# --------------------------------------------------------------------------------------------
# Brute-force reference
# --------------------------------------------------------------------------------------------


def knox_bruteforce(
    points: ArrayLike,
    times: ArrayLike,
    space_bands: ArrayLike,
    time_bands: ArrayLike,
    permutations: int | ArrayLike = 999,
    metric: Metric = "manhattan",
    seed: int | None = None,
    return_permutations: bool = False,
) -> KnoxResult:
    """The Knox test the way NearRepeat computes it: all n(n-1)/2 pairs in every permutation.

    Same contract and same permutations (for the same seed) as :func:`knox`; O(n²) memory, so
    only for small inputs, tests and the benchmark baseline.
    """
    prep = _prepare(points, times, space_bands, time_bands, permutations, metric, seed)
    n = prep.times.shape[0]
    n_s, n_t = prep.space_bands.size - 1, prep.time_bands.size - 1
    i, j = np.triu_indices(n, k=1)
    s_idx = _band_index(_pair_distance(prep.points, i, j, prep.metric), prep.space_bands)

    def table(t: NDArray[np.float64]) -> NDArray[np.int64]:
        t_idx = _band_index(np.abs(t[i] - t[j]), prep.time_bands)
        ok = (s_idx >= 0) & (t_idx >= 0)
        cells = np.bincount(s_idx[ok] * n_t + t_idx[ok], minlength=n_s * n_t)
        return cells.reshape(n_s, n_t).astype(np.int64)

    observed = table(prep.times)
    perm_counts = np.empty((prep.permutations, n_s, n_t), dtype=np.int64)
    for r in range(prep.permutations):
        perm_counts[r] = table(prep.times[_permutation_rows(prep, r, r + 1)[0]])
    return _result(prep, observed, perm_counts, return_permutations)


# --------------------------------------------------------------------------------------------
# Fast path
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PairChunk:
    """Pairs grouped by row (spatial band): row k is ``i[bounds[k]:bounds[k+1]]``."""

    i: NDArray[np.intp]
    j: NDArray[np.intp]
    bounds: NDArray[np.intp]

    @property
    def lengths(self) -> NDArray[np.intp]:
        return np.diff(self.bounds)


def _make_chunk(
    i: NDArray[np.intp], j: NDArray[np.intp], row: NDArray[np.intp], n_rows: int
) -> _PairChunk:
    order = np.argsort(row, kind="stable")
    bounds = np.searchsorted(row[order], np.arange(n_rows + 1), side="left").astype(np.intp)
    return _PairChunk(i[order], j[order], bounds)


PairChunks = Iterator[tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]]


def _near_pairs(
    points: NDArray[np.float64], radius: float, metric: Metric, max_pairs: int
) -> tuple[int, PairChunks]:
    """All pairs (i < j) closer than ``radius``, with their distances, as (number of chunks,
    chunks of roughly at most ``max_pairs`` pairs). Chunks are produced lazily, so only one is
    in memory at a time.

    The k-d tree's own distance test is ``<= r`` and may round differently from
    :func:`_pair_distance`, so the query radius is widened slightly and the exact ``< radius``
    filter is applied to our own distances — the pair set is then exactly the brute-force one.
    """
    n = points.shape[0]
    if radius <= 0 or n < 2:
        return 0, iter(())
    p = 1.0 if metric == "manhattan" else 2.0
    query_r = radius * (1 + 1e-9)
    tree = cKDTree(points)
    # Counting is cheap (no pair list) and tells whether the pairs fit in one chunk.
    n_pairs = (int(tree.count_neighbors(tree, query_r, p=p)) - n) // 2

    def exact(i: NDArray[np.intp], j: NDArray[np.intp]) -> tuple[Any, Any, Any]:
        d = _pair_distance(points, i, j, metric)
        keep = d < radius
        return i[keep], j[keep], d[keep]

    def one_chunk() -> PairChunks:
        ij = tree.query_pairs(query_r, p=p, output_type="ndarray").astype(np.intp, copy=False)
        yield exact(ij[:, 0], ij[:, 1])

    if n_pairs <= max_pairs:
        return 1, one_chunk()
    # Too many pairs for one chunk (a very large finite outer band): walk the points in row
    # blocks so memory stays bounded; each unordered pair is emitted by the block holding i.
    rows_per_block = max(1, int(n * max_pairs / max(2 * n_pairs, 1)))

    def row_blocks() -> PairChunks:
        for start in range(0, n, rows_per_block):
            block = cKDTree(points[start : start + rows_per_block])
            sdm = block.sparse_distance_matrix(tree, query_r, p=p, output_type="ndarray")
            i = sdm["i"].astype(np.intp) + start
            j = sdm["j"].astype(np.intp)
            upper = j > i
            yield exact(i[upper], j[upper])

    return -(-n // rows_per_block), row_blocks()


def _time_plan(
    times: NDArray[np.float64], breaks: NDArray[np.float64]
) -> tuple[NDArray[Any], list[Any]]:
    """Times in the narrowest exact dtype and the comparison thresholds for ``dt < break``.

    Whole-day times (the usual case) are shifted to start at 0 and stored as int16/int32: the
    gathers then move 4x less memory than float64. For an integer dt, ``dt < b`` equals
    ``dt < ceil(b)``. A threshold is ``None`` when no pair can be below it (b <= 0) and ``"all"``
    when every pair is (b beyond the largest possible difference, or Inf).
    """
    lo, hi = float(times.min()), float(times.max())
    span = hi - lo
    integral = bool(np.all(times == np.floor(times))) and span < 2**31 - 1
    thresholds: list[Any] = []
    if integral:
        dtype = np.int16 if span <= np.iinfo(np.int16).max else np.int32
        t = (times - lo).astype(dtype)
        for b in breaks:
            if b <= 0:
                thresholds.append(None)
            elif math.isinf(b) or math.ceil(b) > span:
                thresholds.append("all")
            else:
                thresholds.append(dtype(math.ceil(b)))
        return t, thresholds
    for b in breaks:
        if b <= 0:
            thresholds.append(None)
        elif math.isinf(b):
            thresholds.append("all")
        else:
            thresholds.append(float(b))
    return times, thresholds


def _count_block(
    t_perm: NDArray[Any], chunk: _PairChunk, thresholds: list[Any]
) -> NDArray[np.int64]:
    """Pair counts per (permutation, row, time band) for one block of permuted time vectors
    ``t_perm`` of shape (block, n)."""
    n_rows = chunk.bounds.size - 1
    # np.take keeps the result C-contiguous (t_perm[:, i] does not), so each permutation's pairs
    # of one row are a contiguous slice below.
    a = np.take(t_perm, chunk.i, axis=1)
    np.subtract(a, np.take(t_perm, chunk.j, axis=1), out=a)
    np.abs(a, out=a)
    # below[:, row, k] = pairs of that row with dt < break k; a band is a difference of two.
    block = t_perm.shape[0]
    below = np.zeros((block, n_rows, len(thresholds)), dtype=np.int64)
    bounds = chunk.bounds.tolist()
    for k, thr in enumerate(thresholds):
        if thr is None:
            continue
        if isinstance(thr, str):
            below[:, :, k] = chunk.lengths[None, :]
            continue
        mask = a < thr
        # count_nonzero over a contiguous 1-d bool slice is a SIMD count (~0.2 ns a pair); a
        # single call with axis= is a generic reduction, and popcount + cumsum measured slower.
        for row in range(n_rows):
            lo, hi = bounds[row], bounds[row + 1]
            if hi > lo:
                for p in range(block):
                    below[p, row, k] = np.count_nonzero(mask[p, lo:hi])
    return np.diff(below, axis=2)


def _pairs_closer_in_time(sorted_t: NDArray[np.float64], b: float) -> int:
    """Number of pairs with ``|t_i - t_j| < b`` among all pairs, from sorted times, in
    O(n log n). Exact under floating point: ``searchsorted(t + b)`` is only a first guess because
    ``t_i + b`` rounds differently from ``t_j - t_i``; the guess is then moved run by run of equal
    times until the exact test ``t_j - t_i < b`` (monotone in t_j) holds on both sides."""
    n = sorted_t.size
    if b <= 0:
        return 0
    if math.isinf(b):
        return n * (n - 1) // 2
    idx = np.arange(n)
    k = np.searchsorted(sorted_t, sorted_t + b, side="left")
    while True:  # too far: the element before k is not closer than b
        prev = np.maximum(k - 1, 0)
        m = (k - 1 > idx) & (sorted_t[prev] - sorted_t >= b)
        if not m.any():
            break
        k[m] = np.searchsorted(sorted_t, sorted_t[k[m] - 1], side="left")
    while True:  # not far enough: the element at k is still closer than b
        at = np.minimum(k, n - 1)
        m = (k < n) & (sorted_t[at] - sorted_t < b)
        if not m.any():
            break
        k[m] = np.searchsorted(sorted_t, sorted_t[k[m]], side="right")
    return int(np.maximum(k - idx - 1, 0).sum())


def _default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def knox(
    points: ArrayLike,
    times: ArrayLike,
    space_bands: ArrayLike,
    time_bands: ArrayLike,
    permutations: int | ArrayLike = 999,
    metric: Metric = "manhattan",
    seed: int | None = None,
    return_permutations: bool = False,
    progress: ProgressCallback | None = None,
    *,
    workers: int | None = None,
    max_pairs_per_chunk: int = DEFAULT_MAX_PAIRS_PER_CHUNK,
) -> KnoxResult:
    """Knox space–time test with NearRepeat's definitions (see the module docstring).

    points: (n, 2) coordinates in a projected unit (metres, feet); bands are in that unit.
    times: n times in days (numbers) or ``datetime64`` values.
    space_bands, time_bands: increasing breaks, at least two; the last may be ``inf``.
    permutations: number of Monte Carlo permutations, or an explicit (k, n) array of
        permutations of the events kept after dropping missing values (for exact enumeration).
    seed: makes the permutations reproducible; the seed used is returned in ``result.seed``.
        The same seed gives the same permutations here and in :func:`knox_bruteforce`,
        whatever ``workers`` and ``max_pairs_per_chunk`` are.
    progress: called as ``progress(done, total)`` from the calling thread while permutations
        complete, last with ``done == total``; an exception raised in it aborts the run.
    workers: threads for the permutations (default: the CPUs this process may use).
    max_pairs_per_chunk: the pairs closer than the largest finite spatial break are processed in
        chunks of about this many (≈16 bytes each), so a very large finite outer band costs
        time, not unbounded memory. Prefer ``inf`` as last break for "everything further away":
        that band is computed without listing its pairs.

    Rows with a missing (or non-finite) coordinate or time are dropped and listed in
    ``result.dropped``. Raises ValueError for invalid bands, metric or shapes, or fewer than two
    usable events.
    """
    prep = _prepare(points, times, space_bands, time_bands, permutations, metric, seed)
    n_s, n_t = prep.space_bands.size - 1, prep.time_bands.size - 1
    nrep = prep.permutations
    open_space = math.isinf(prep.space_bands[-1])
    # Rows of the working tables: the finite spatial bands, plus (open last band only) one row
    # for pairs closer than the first break, which must also be subtracted from "all pairs".
    n_finite = n_s - 1 if open_space else n_s
    radius = float(prep.space_bands[-2] if open_space else prep.space_bands[-1])
    t_work, thresholds = _time_plan(prep.times, prep.time_bands)
    n_rows = n_finite + (1 if open_space else 0)

    n_chunks, pair_chunks = _near_pairs(prep.points, radius, prep.metric, max_pairs_per_chunk)
    observed_rows = np.zeros((n_rows, n_t), dtype=np.int64)
    perm_rows = np.zeros((nrep, n_rows, n_t), dtype=np.int64)
    n_workers = max(1, workers if workers is not None else _default_workers())
    total = nrep * max(n_chunks, 1)
    done = 0
    near_pairs = 0
    if progress is not None:
        progress(0, total)

    def task(chunk: _PairChunk, lo: int, hi: int) -> tuple[int, int, NDArray[np.int64]]:
        perms = _permutation_rows(prep, lo, hi)
        return lo, hi, _count_block(t_work[perms], chunk, thresholds)

    def blocks(chunk: _PairChunk) -> Iterator[tuple[_PairChunk, int, int]]:
        # two gathered time arrays and a mask per pair, the permuted times and indices
        itemsize = t_work.itemsize
        per_perm = max(1, chunk.i.size) * (2 * itemsize + 1) + t_work.size * (itemsize + 8)
        size = int(min(_MAX_BLOCK_PERMUTATIONS, max(1, _BLOCK_BYTES // per_perm)))
        for lo in range(0, nrep, size):
            yield chunk, lo, min(nrep, lo + size)

    def fold(lo: int, hi: int, counts: NDArray[np.int64]) -> None:
        nonlocal done
        perm_rows[lo:hi] += counts
        done += hi - lo
        if progress is not None:
            progress(done, total)

    # One chunk of pairs at a time: observed counts, then every permutation on it, then the
    # chunk is dropped — memory is one chunk plus the blocks in flight.
    pool = ThreadPoolExecutor(max_workers=n_workers) if n_workers > 1 else None
    pending: set[Future[tuple[int, int, NDArray[np.int64]]]] = set()
    try:
        for i, j, d in pair_chunks:
            row = _band_index(d, prep.space_bands)
            if open_space:
                row[row < 0] = n_finite  # closer than the first break
            else:
                keep = row >= 0
                i, j, row = i[keep], j[keep], row[keep]
            chunk = _make_chunk(i, j, row, n_rows)
            del i, j, d, row
            if chunk.i.size == 0:  # nothing to count, in no permutation either
                fold(0, nrep, np.zeros((nrep, n_rows, n_t), dtype=np.int64))
                continue
            near_pairs += chunk.i.size
            observed_rows += _count_block(t_work[None, :], chunk, thresholds)[0]
            if pool is None:
                for args in blocks(chunk):
                    fold(*task(*args))
                continue
            # A bounded number of blocks in flight; results are folded in (and progress
            # reported, from this thread) as they arrive.
            for args in blocks(chunk):
                pending.add(pool.submit(task, *args))
                while len(pending) >= 2 * n_workers:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in finished:
                        fold(*f.result())
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    fold(*f.result())
    except BaseException:
        # e.g. the progress callback cancelling the run: drop the blocks not yet started.
        for f in pending:
            f.cancel()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if n_chunks == 0 and progress is not None:
        progress(total, total)

    observed = np.zeros((n_s, n_t), dtype=np.int64)
    perm_counts = np.zeros((nrep, n_s, n_t), dtype=np.int64)
    observed[:n_finite] = observed_rows[:n_finite]
    perm_counts[:, :n_finite] = perm_rows[:, :n_finite]
    if open_space:
        # [last finite break, Inf): all pairs in the time band minus those closer than the
        # break. "All pairs per time band" is the same for every permutation of the times.
        sorted_t = np.sort(prep.times)
        below = [_pairs_closer_in_time(sorted_t, float(b)) for b in prep.time_bands]
        all_pairs = np.diff(np.asarray(below, dtype=np.int64))
        observed[n_s - 1] = all_pairs - observed_rows.sum(axis=0)
        perm_counts[:, n_s - 1] = all_pairs[None, :] - perm_rows.sum(axis=1)
    extra = {"near_pairs": near_pairs, "chunks": n_chunks}
    return _result(prep, observed, perm_counts, return_permutations, extra)
