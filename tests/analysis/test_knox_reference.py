"""The Knox engine against the published references (shared/data/nearrepeat/README.md):
the NearRepeat vignette's table and the Near Repeat Calculator's output on the same file."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from samenveilig.analysis.knox import knox, knox_bruteforce

from .conftest import reference_file

INF = math.inf
PUBLISHED_SDS = [0, 0.1, 200, 400, 600]
PUBLISHED_TDS = [0, 7, 14, 21]
# NearRepeat vignette, chicago_be_month1.csv, Manhattan, [a, b) bands (README, exact).
PUBLISHED_OBSERVED = [
    [28, 5, 5],
    [141, 69, 27],
    [186, 140, 100],
    [237, 192, 128],
]
NRC_SDS = [0, 1, 100, 200, 300, INF]
NRC_TDS = [0, 7, 14, 21, INF]
# The NRC summary (.htm) only shows ratios and p-values. Its observed counts are in the NRC's
# "verbose" output of the same run, section "Observed frequencies distribution":
# github.com/wsteenbeek/NearRepeat, inst/extdata/chicago_be_month1_NRverbose_2019-09-23_143005.csv
# Rows: Same location, 1 to 100, 101 to 200, 201 to 300, More than 300;
# columns: 0 to 7, 8 to 14, 15 to 21, More than 21 (labels shifted by one, see the README).
NRC_OBSERVED = [
    [28, 5, 5, 2],
    [44, 13, 8, 4],
    [97, 56, 19, 16],
    [77, 67, 45, 20],
    [182194, 146149, 95237, 45879],
]
NRC_SIMULATIONS = 19  # "Iterations requested: 19" (20 including the observed arrangement)


def parse_nrc_tables(html: str) -> dict[str, list[list[float]]]:
    """The two tables of an NRC summary page, by their <h3> title, as rows of numbers."""
    tables: dict[str, list[list[float]]] = {}
    for title, body in re.findall(r"<h3>([^<]*table)\s*</h3>(.*?)(?=<h3>|$)", html, flags=re.S):
        rows = []
        for row_html in re.split(r'<th scope="row"', body)[1:]:
            values = re.findall(r"<td[^>]*><div[^>]*>\s*([0-9.]+)\s*</div>", row_html)
            rows.append([float(v) for v in values])
        tables[title.strip()] = rows
    return tables


def test_published_observed_table_is_reproduced_exactly(month1):
    # Given the month of burglaries and the vignette's bands
    # When the Knox test runs (fast path and all-pairs reference)
    fast = knox(month1.points, month1.times, PUBLISHED_SDS, PUBLISHED_TDS, permutations=1, seed=1)
    brute = knox_bruteforce(
        month1.points, month1.times, PUBLISHED_SDS, PUBLISHED_TDS, permutations=1, seed=1
    )
    # Then the observed pair counts are the published ones, to the pair
    assert fast.observed.tolist() == PUBLISHED_OBSERVED
    assert brute.observed.tolist() == PUBLISHED_OBSERVED
    assert fast.n_events == 970 and fast.n_dropped == 0
    assert fast.space_labels == ("[0,0.1)", "[0.1,200)", "[200,400)", "[400,600)")
    assert fast.time_labels == ("[0,7)", "[7,14)", "[14,21)")


@pytest.mark.parametrize(("cell", "published"), [((0, 0), 1.80), ((1, 0), 1.41)])
def test_published_knox_ratios_within_monte_carlo_error(month1, cell, published):
    # Given 999 permutations with a fixed seed
    result = knox(
        month1.points,
        month1.times,
        PUBLISHED_SDS,
        PUBLISHED_TDS,
        999,
        seed=20160101,
        return_permutations=True,
    )
    # When the ratio's Monte Carlo standard error is estimated from our own permutations:
    # ratio = obs / mean, and the mean of 999 draws has standard error sd / sqrt(999).
    counts = result.permutation_counts[:, cell[0], cell[1]]
    ratio = result.knox_ratio[cell]
    se = ratio * counts.std(ddof=1) / (counts.mean() * math.sqrt(999))
    # Then our ratio and the published one (itself a 999-permutation estimate, hence sqrt(2) for
    # the difference of two estimates) agree within 4 standard errors plus the published
    # rounding to two decimals — a false alarm has probability < 1e-4 per cell.
    assert abs(ratio - published) <= 4 * math.sqrt(2) * se + 0.005
    # And no permutation reaches the observed count: p is the smallest attainable, 1/1000
    assert result.p_values[cell] == pytest.approx(0.001)


def test_near_repeat_calculator_observed_table_is_reproduced_exactly(month1):
    # Given the NRC's band convention expressed as [a, b) breaks (README)
    result = knox(month1.points, month1.times, NRC_SDS, NRC_TDS, permutations=1, seed=1)
    # Then the observed table is the NRC's, including the open bands
    assert result.observed.tolist() == NRC_OBSERVED
    # And with open last bands every pair is counted exactly once
    assert result.observed.sum() == 970 * 969 // 2
    assert result.space_labels[-1] == "[300,Inf)" and result.time_labels[-1] == "[21,Inf)"


def test_near_repeat_calculator_ratio_table_agrees_within_monte_carlo_error(month1):
    # Given the NRC summary page and our result on the same file and bands
    html = reference_file("chicago_be_month1_NRC_summary.htm").read_text(encoding="latin-1")
    tables = parse_nrc_tables(html)
    nrc_ratio = np.array(tables["Observed over mean expected frequencies table"])
    nrc_p = np.array(tables["Statistical significance table"])
    assert nrc_ratio.shape == nrc_p.shape == (5, 4)
    result = knox(
        month1.points, month1.times, NRC_SDS, NRC_TDS, 999, seed=7, return_permutations=True
    )
    # When the Monte Carlo error of both estimates is taken into account (the NRC's mean comes
    # from 19 simulations, ours from 999; same observed counts, so only the means differ)
    mean = result.permutation_counts.mean(axis=0)
    sd = result.permutation_counts.std(axis=0, ddof=1)
    se = result.knox_ratio * sd / mean * math.sqrt(1 / NRC_SIMULATIONS + 1 / 999)
    # Then every ratio agrees within 4 standard errors plus the NRC's rounding to 2 decimals
    assert (np.abs(result.knox_ratio - nrc_ratio) <= 4 * se + 0.005).all(), (
        np.round(result.knox_ratio, 3),
        nrc_ratio,
    )
    # And the cells the NRC calls significant and meaningful (p at its best attainable level,
    # 0.05 with 19 simulations, and ratio >= 1.2) are exactly ours (p < 0.05, ratio >= 1.2):
    # the first time band at the same location, within 1-100 and 100-200.
    nrc_significant = (nrc_p <= 0.05) & (nrc_ratio >= 1.2)
    assert (result.significant() == nrc_significant).all()
    assert nrc_significant[:3, 0].all() and nrc_significant.sum() == 3
