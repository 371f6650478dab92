"""Property tests: the fast Knox path equals the all-pairs reference on random small data."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samenveilig.analysis.knox import knox, knox_bruteforce


@st.composite
def breaks(draw, *, top: int, fractional: bool):
    """2–5 increasing breaks, sometimes starting above 0, sometimes ending in Inf."""
    values = draw(st.lists(st.integers(0, top), min_size=2, max_size=5, unique=True))
    values = sorted(values)
    if fractional:
        values = [v / 4 for v in values]
    if draw(st.booleans()):
        values[0] = 0
        if values[1] == 0:
            values = values[1:] if len(values) > 2 else [0, 1]
    if draw(st.booleans()):
        values.append(math.inf)
    return values


@st.composite
def events(draw):
    n = draw(st.integers(2, 30))
    if draw(st.booleans()):
        # Integer grid: many exact ties, repeated places, pairs exactly on a break.
        coord = st.integers(0, 12).map(float)
    else:
        coord = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
    points = draw(st.lists(st.tuples(coord, coord), min_size=n, max_size=n))
    if draw(st.booleans()):
        time = st.integers(0, 20).map(float)  # whole days: the integer fast path
    else:
        time = st.floats(0, 20, allow_nan=False, allow_infinity=False)  # the float path
    times = draw(st.lists(time, min_size=n, max_size=n))
    return np.array(points, dtype=float), np.array(times, dtype=float)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=events(),
    space=breaks(top=16, fractional=False),
    time=breaks(top=24, fractional=True),
    metric=st.sampled_from(["manhattan", "euclidean"]),
    permutations=st.integers(1, 6),
    seed=st.integers(0, 2**32),
    workers=st.sampled_from([1, 2]),
    max_pairs_per_chunk=st.sampled_from([1, 7, 2_000_000]),
)
def test_fast_path_equals_bruteforce(
    data, space, time, metric, permutations, seed, workers, max_pairs_per_chunk
):
    points, times = data
    # Given the same events, bands, metric and seed
    fast = knox(
        points,
        times,
        space,
        time,
        permutations,
        metric=metric,
        seed=seed,
        return_permutations=True,
        workers=workers,
        max_pairs_per_chunk=max_pairs_per_chunk,
    )
    brute = knox_bruteforce(
        points, times, space, time, permutations, metric=metric, seed=seed, return_permutations=True
    )
    # Then observed and every permuted table are identical, and so are the statistics
    assert fast.observed.tolist() == brute.observed.tolist()
    assert np.array_equal(fast.permutation_counts, brute.permutation_counts)
    np.testing.assert_array_equal(fast.p_values, brute.p_values)
    np.testing.assert_array_equal(fast.knox_ratio, brute.knox_ratio)
    np.testing.assert_array_equal(fast.knox_ratio_median, brute.knox_ratio_median)
    # And a pair is counted at most once per permutation
    assert (fast.permutation_counts.sum(axis=(1, 2)) <= len(times) * (len(times) - 1) // 2).all()


@settings(max_examples=100, deadline=None)
@given(
    times=st.lists(
        st.one_of(st.integers(0, 30).map(float), st.floats(0, 1e6, allow_nan=False)),
        min_size=2,
        max_size=40,
    ),
    bands=breaks(top=40, fractional=True),
)
def test_open_spatial_band_time_counts_equal_bruteforce(times, bands):
    # Given events all at one place, so every pair is in [0, Inf) and the count per time band
    # comes only from the sorted-times shortcut
    points = np.zeros((len(times), 2))
    fast = knox(points, times, [0, math.inf], bands, 2, seed=1, return_permutations=True)
    brute = knox_bruteforce(
        points, times, [0, math.inf], bands, 2, seed=1, return_permutations=True
    )
    assert fast.observed.tolist() == brute.observed.tolist()
    assert np.array_equal(fast.permutation_counts, brute.permutation_counts)
