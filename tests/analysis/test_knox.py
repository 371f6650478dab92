"""Behaviour of the Knox engine: band semantics, missing values, open bands, seeds, p-values."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from samenveilig.analysis.knox import knox, knox_bruteforce

INF = math.inf
BOTH = pytest.mark.parametrize("impl", [knox, knox_bruteforce], ids=["fast", "bruteforce"])


def random_events(n: int, seed: int, *, extent: float = 1000.0, days: int = 60):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, extent, size=(n, 2))
    # Some exact repeats (same place) so the small bands are not empty.
    points[n // 2 : n // 2 + n // 10] = points[: n // 10]
    times = rng.integers(0, days, size=n).astype(float)
    return points, times


def assert_same(a, b):
    assert a.observed.tolist() == b.observed.tolist()
    assert np.array_equal(a.permutation_counts, b.permutation_counts)
    np.testing.assert_array_equal(a.p_values, b.p_values)
    np.testing.assert_array_equal(a.knox_ratio, b.knox_ratio)


# --- band edges ------------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize(
    ("metric", "other"), [("manhattan", (150.0, 50.0)), ("euclidean", (120.0, 160.0))]
)
def test_pair_exactly_on_a_spatial_break_belongs_to_the_band_above(impl, metric, other):
    # Given two events exactly 200 apart (150+50 Manhattan; 3-4-5 triangle Euclidean), 3 days apart
    points = [(0.0, 0.0), other]
    # When banded with breaks 0, 200, 400
    result = impl(points, [0, 3], [0, 200, 400], [0, 7], permutations=1, metric=metric, seed=1)
    # Then the pair is in [200,400), not in [0,200)
    assert result.observed.tolist() == [[0], [1]]


@BOTH
@pytest.mark.parametrize("metric", ["manhattan", "euclidean"])
def test_pair_exactly_on_the_outer_spatial_break_is_dropped(impl, metric):
    # Given two events exactly 600 apart (the outermost break)
    points = [(0.0, 0.0), (600.0, 0.0)]
    # When banded up to 600, and up to Inf
    closed = impl(points, [0, 0], [0, 200, 600], [0, 7], permutations=1, metric=metric, seed=1)
    opened = impl(points, [0, 0], [0, 200, 600, INF], [0, 7], permutations=1, metric=metric, seed=1)
    # Then it is outside [200,600) and counted in [600,Inf)
    assert closed.observed.tolist() == [[0], [0]]
    assert opened.observed.tolist() == [[0], [0], [1]]


@BOTH
def test_time_breaks_are_left_closed_and_the_outer_time_break_is_dropped(impl):
    # Given one pair 7 days apart and one pair 14 days apart, far from each other
    points = [(0, 0), (1, 0), (10_000, 0), (10_001, 0)]
    times = [0, 7, 100, 114]
    # When banded with time breaks 0, 7, 14
    result = impl(points, times, [0, 10], [0, 7, 14], permutations=1, seed=1)
    # Then the 7-day pair is in [7,14) and the 14-day pair is not counted
    assert result.observed.tolist() == [[0, 1]]


def test_pairs_below_the_first_break_are_dropped_and_count_in_no_band():
    # Given bands that start above 0 (no "same location" band)
    points, times = random_events(120, seed=3, extent=300)
    fast = knox(points, times, [5, 50, 100], [2, 9, INF], 9, seed=5, return_permutations=True)
    brute = knox_bruteforce(
        points, times, [5, 50, 100], [2, 9, INF], 9, seed=5, return_permutations=True
    )
    # Then both implementations agree, including the permutations
    assert_same(fast, brute)


# --- missing values -------------------------------------------------------------------------


@BOTH
def test_rows_with_a_missing_coordinate_or_time_are_dropped_and_reported(impl):
    # Given six events of which three miss x, y or the time (NaN / NaT)
    points = [(0, 0), (np.nan, 1), (1, 1), (2, np.nan), (3, 3), (4, 4)]
    times = np.array(
        ["2016-01-01", "2016-01-02", "2016-01-03", "2016-01-04", "NaT", "2016-01-05"],
        dtype="datetime64[D]",
    )
    # When the test runs
    result = impl(points, times, [0, 10], [0, 7], permutations=5, seed=1)
    # Then rows 1, 3 and 4 are dropped and named, and the rest is counted as if given alone
    assert result.dropped.tolist() == [1, 3, 4]
    assert result.n_dropped == 3 and result.n_events == 3
    clean = impl([(0, 0), (1, 1), (4, 4)], [0, 2, 4], [0, 10], [0, 7], permutations=5, seed=1)
    assert result.observed.tolist() == clean.observed.tolist() == [[3]]


def test_too_few_usable_events_is_refused():
    with pytest.raises(ValueError, match="at least two events"):
        knox([(0, 0), (np.nan, 0)], [0, 1], [0, 1], [0, 1], 9, seed=1)


# --- open (Inf) bands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("space", "time"),
    [
        ([0, 0.5, 50, 150, INF], [0, 3, 10]),  # open spatial band
        ([0, 0.5, 50, 150], [0, 3, 10, INF]),  # open temporal band
        ([0, 0.5, 50, 150, INF], [0, 3, 10, INF]),  # both
        ([0, INF], [0, 7, INF]),  # one open spatial band: no pair list at all
        ([20, INF], [1, 5]),  # open band above a first break > 0
    ],
)
@pytest.mark.parametrize("metric", ["manhattan", "euclidean"])
def test_open_bands_equal_the_brute_force_result(space, time, metric):
    # Given random events with repeats and a bounded area (so every band has pairs)
    points, times = random_events(150, seed=11, extent=400)
    # When both implementations run with the same seed
    fast = knox(points, times, space, time, 25, metric=metric, seed=9, return_permutations=True)
    brute = knox_bruteforce(
        points, times, space, time, 25, metric=metric, seed=9, return_permutations=True
    )
    # Then observed and every permuted table are identical
    assert_same(fast, brute)


def test_open_spatial_band_counts_every_remaining_pair_once():
    points, times = random_events(80, seed=2)
    result = knox(points, times, [0, 100, INF], [0, INF], 3, seed=1, return_permutations=True)
    # Every permutation distributes the same n(n-1)/2 pairs over the two bands
    assert (result.permutation_counts.sum(axis=(1, 2)) == 80 * 79 // 2).all()
    assert result.observed.sum() == 80 * 79 // 2


# --- seeds, workers, chunks -----------------------------------------------------------------


def test_same_seed_gives_the_same_result_and_another_seed_another():
    points, times = random_events(200, seed=4)
    args = (points, times, [0, 1, 100, 200], [0, 5, 10])
    first = knox(*args, 49, seed=123, return_permutations=True)
    again = knox(*args, 49, seed=123, return_permutations=True)
    other = knox(*args, 49, seed=124, return_permutations=True)
    assert_same(first, again)
    assert not np.array_equal(first.permutation_counts, other.permutation_counts)


def test_an_unseeded_run_reports_the_seed_that_reproduces_it():
    points, times = random_events(100, seed=5)
    args = (points, times, [0, 100, 200], [0, 5, 10])
    unseeded = knox(*args, 19, return_permutations=True)
    assert isinstance(unseeded.seed, int)
    assert_same(unseeded, knox(*args, 19, seed=unseeded.seed, return_permutations=True))


def test_workers_and_chunking_do_not_change_the_result():
    points, times = random_events(300, seed=6, extent=500)
    args = (points, times, [0, 1, 60, 120, INF], [0, 4, 8, INF], 37)
    one = knox(*args, seed=8, return_permutations=True, workers=1)
    two = knox(*args, seed=8, return_permutations=True, workers=2)
    # a tiny chunk size forces the row-block pair search meant for huge finite bands
    chunked = knox(*args, seed=8, return_permutations=True, workers=2, max_pairs_per_chunk=400)
    assert chunked.extra["chunks"] > 1
    assert_same(one, two)
    assert_same(one, chunked)


# --- p-values and ratios on a hand-worked example -------------------------------------------


def test_p_value_and_ratios_on_a_hand_worked_example():
    # Given four events: A and B at (almost) the same place on day 0, C and D far away on days
    # 10 and 20. Spatial band [0,1) holds only the pair AB; time bands [0,1) and [1,5).
    points = [(0, 0), (0, 0.5), (100, 0), (0, 300)]
    times = [0, 0, 10, 20]
    # Observed: AB are 0 days apart -> [0,1)x[0,1) = 1; nothing in [1,5).
    # All 24 permutations of the times over A, B, C, D: AB get equal times only when they get
    # the two 0s — 2 ways for AB times 2 ways for C and D = 4 of 24 permutations count 1, the
    # other 20 count 0. AB's time difference is then 0, 10 or 20, never in [1,5).
    all_permutations = list(itertools.permutations(range(4)))
    # When the test runs on exactly those 24 permutations
    result = knox(
        points, times, [0, 1], [0, 1, 5], permutations=all_permutations, return_permutations=True
    )
    # Then:
    #   [0,1): mean = 4/24 = 1/6, ratio = 1 / (1/6) = 6; median = 0, ratio = 1/0 = Inf;
    #          p = (#{count >= 1} + 1) / (24 + 1) = (4 + 1) / 25 = 0.2
    #   [1,5): observed 0, mean 0 -> ratio 0/0 = NaN (as in R); every permutation has
    #          count >= 0, so p = (24 + 1) / 25 = 1
    assert result.observed.tolist() == [[1, 0]]
    assert result.permutation_counts[:, 0, 0].sum() == 4
    assert result.mean[0, 0] == pytest.approx(1 / 6)
    assert result.knox_ratio[0, 0] == pytest.approx(6.0)
    assert math.isinf(result.knox_ratio_median[0, 0])
    assert result.p_values[0, 0] == pytest.approx(0.2)
    assert math.isnan(result.knox_ratio[0, 1])
    assert result.p_values[0, 1] == pytest.approx(1.0)
    assert result.seed is None
    # And the brute-force reference says the same
    brute = knox_bruteforce(
        points, times, [0, 1], [0, 1, 5], permutations=all_permutations, return_permutations=True
    )
    assert_same(result, brute)


def test_significant_cells_need_both_a_small_p_and_a_ratio_of_at_least_1_2():
    points = [(0, 0), (0, 0.5), (100, 0), (0, 300)]
    result = knox(
        points,
        [0, 0, 10, 20],
        [0, 1],
        [0, 1, 5],
        permutations=list(itertools.permutations(range(4))),
    )
    assert result.significant(alpha=0.25).tolist() == [[True, False]]
    assert result.significant(alpha=0.05).tolist() == [[False, False]]
    assert result.significant(alpha=0.25, min_ratio=7).tolist() == [[False, False]]


# --- inputs ---------------------------------------------------------------------------------


def test_datetime64_times_equal_the_same_times_in_days():
    points, days = random_events(60, seed=7)
    dates = np.datetime64("2016-01-01") + days.astype("timedelta64[D]")
    a = knox(points, dates, [0, 100, 300], [0, 7, 14], 19, seed=3, return_permutations=True)
    b = knox(points, days, [0, 100, 300], [0, 7, 14], 19, seed=3, return_permutations=True)
    assert_same(a, b)


def test_fractional_times_use_exact_differences():
    points, days = random_events(120, seed=8, extent=300)
    hours = days + np.random.default_rng(1).integers(0, 24, size=days.size) / 24
    fast = knox(
        points, hours, [0, 50, INF], [0, 0.5, 2.25, INF], 15, seed=2, return_permutations=True
    )
    brute = knox_bruteforce(
        points, hours, [0, 50, INF], [0, 0.5, 2.25, INF], 15, seed=2, return_permutations=True
    )
    assert_same(fast, brute)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space_bands": [0, 200, 100]}, "strictly increasing"),
        ({"space_bands": [0, 0]}, "strictly increasing"),
        ({"time_bands": [0, INF, 10]}, "only the last"),
        ({"time_bands": [7]}, "at least two breaks"),
        ({"space_bands": [-1, 10]}, "start at 0"),
        ({"space_bands": [0, np.nan]}, "missing value"),
        ({"metric": "chebyshev"}, "metric"),
        ({"permutations": 0}, "at least one permutation"),
        ({"permutations": 9.5}, "whole number"),
        ({"points": [(0, 0, 0), (1, 1, 1)]}, "shape"),
        ({"times": [0, 1, 2]}, "one value per point"),
        ({"permutations": [[0, 0]]}, "permutation of 0..n-1"),
        ({"seed": -3}, "seed"),
    ],
)
def test_invalid_input_is_refused_with_a_clear_message(kwargs, message):
    args = {
        "points": [(0, 0), (1, 1)],
        "times": [0, 1],
        "space_bands": [0, 10],
        "time_bands": [0, 7],
        "permutations": 9,
        "seed": 1,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        knox(**args)


# --- progress and serialisation -------------------------------------------------------------


def test_progress_is_reported_until_done():
    points, times = random_events(200, seed=9)
    calls: list[tuple[int, int]] = []
    knox(
        points,
        times,
        [0, 100],
        [0, 7],
        99,
        seed=1,
        progress=lambda d, t: calls.append((d, t)),
        workers=2,
    )
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] > 0
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_an_exception_in_the_progress_callback_aborts_the_run():
    points, times = random_events(200, seed=9)

    def cancel(done: int, total: int) -> None:
        if done > 0:
            raise InterruptedError("cancelled by the user")

    with pytest.raises(InterruptedError):
        knox(points, times, [0, 100], [0, 7], 999, seed=1, progress=cancel, workers=2)


def test_result_serialises_to_json_with_non_finite_numbers_as_strings():
    points = [(0, 0), (0, 0.5), (100, 0), (0, 300)]
    result = knox(
        points,
        [0, 0, 10, 20],
        [0, 1, INF],
        [0, 1, 5],
        permutations=list(itertools.permutations(range(4))),
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["space_labels"] == ["[0,1)", "[1,Inf)"]
    assert data["space_bands"][-1] == "Inf"
    assert data["knox_ratio"][0][1] == "NaN"
    assert data["observed"][0] == [1, 0]
