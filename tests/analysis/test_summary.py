"""The plain-language summary of a Knox result (shared by the command and the future page)."""

from __future__ import annotations

import itertools
import math

import pytest
from django.utils import translation

from samenveilig.analysis.knox import knox
from samenveilig.analysis.summary import describe_space, describe_time, format_p, summarise


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def month1_result(month1):
    return knox(month1.points, month1.times, [0, 0.1, 200, 400, 600], [0, 7, 14, 21], 999, seed=1)


def test_summary_names_the_significant_near_repeat_and_repeat_cells(month1_result):
    # Given the reference month, where [0.1,200)x[0,7) and [0,0.1)x[0,7) stand out
    lines = summarise(month1_result, distance_unit="ft")
    # Then the summary says so in the Near Repeat Calculator's style
    assert lines[0].startswith("A significant and meaningful near-repeat pattern was found")
    assert lines[1] == (
        "Within 200 ft and up to 7 days, near repeats are over-represented "
        f"(ratio {month1_result.knox_ratio[1, 0]:.2f}, p = 0.001)."
    )
    assert lines[2].startswith("The strongest over-representation is within 200 ft and up to 7")
    assert "A significant and meaningful repeat pattern was found at the same location." in lines
    assert any(line.startswith("At the same location and up to 7 days") for line in lines)
    assert lines[-1] == (
        "Significant and meaningful means p < 0.05 and a Knox ratio of at least 1.2, "
        "with 999 permutations."
    )
    # And the cells that are not significant are not mentioned
    assert not any("between 7 and 14 days" in line for line in lines)


def test_band_descriptions(month1_result):
    assert describe_space(month1_result, 0, "ft") == "at the same location"
    assert describe_space(month1_result, 1, "ft") == "within 200 ft"
    assert describe_space(month1_result, 2, "ft") == "between 200 and 400 ft"
    assert describe_time(month1_result, 0) == "up to 7 days"
    assert describe_time(month1_result, 1) == "between 7 and 14 days"


def test_open_bands_and_no_pattern_are_described():
    # Given events without any space-time clustering signal worth the name
    points = [(0, 0), (0, 0.5), (100, 0), (0, 300)]
    result = knox(
        points,
        [0, 0, 10, 20],
        [0, 50, math.inf],
        [0, 1, math.inf],
        permutations=list(itertools.permutations(range(4))),
    )
    lines = summarise(result, distance_unit="m")
    assert lines[0] == "No significant and meaningful near-repeat pattern was found."
    assert describe_space(result, 1, "m") == "50 m or more away"
    assert describe_time(result, 1) == "1 day or more"


def test_p_values_show_the_precision_the_permutations_allow():
    assert format_p(0.001, 999) == "0.001"
    assert format_p(0.05, 19) == "0.05"
    assert format_p(0.01, 99) == "0.01"
