"""Scoring against hand-worked examples (no database)."""

from __future__ import annotations

import math

import pytest

from samenveilig.monitor import scoring
from samenveilig.monitor.scoring import (
    MIN_RESPONDENTS,
    cohesion_score,
    derive_scores,
    mean_figure,
    mean_figure_from_sums,
    proportion_figure,
    summarise,
    wilson_interval,
)

ALL_AGREE = {name: "strongly_agree" for name, _reversed in scoring.COHESION_ITEMS}


def test_cohesion_hand_worked_example():
    # know: agree = 3, reversed → 1; pleasant 3; together 2; at home 4; contact 1.
    # Sum 11, mean 2.2, × 2.5 = 5.5.
    answers = {
        "cohesion_know": "agree",
        "cohesion_pleasant": "agree",
        "cohesion_together": "neutral",
        "cohesion_at_home": "strongly_agree",
        "cohesion_contact": "disagree",
    }
    assert cohesion_score(answers) == pytest.approx(5.5)


def test_negative_item_is_reversed():
    # Strongly agreeing everywhere, including "people hardly know each other", is not 10:
    # the negative item scores 0, so (0 + 4 × 4) / 5 × 2.5 = 8.0.
    assert cohesion_score(ALL_AGREE) == pytest.approx(8.0)
    best = {**ALL_AGREE, "cohesion_know": "strongly_disagree"}
    assert cohesion_score(best) == pytest.approx(10.0)
    worst = {name: "strongly_disagree" for name, _reversed in scoring.COHESION_ITEMS}
    worst["cohesion_know"] = "strongly_agree"
    assert cohesion_score(worst) == pytest.approx(0.0)


def test_cohesion_needs_all_five_items():
    partial = {**ALL_AGREE}
    del partial["cohesion_contact"]
    assert cohesion_score(partial) is None
    assert cohesion_score({**ALL_AGREE, "cohesion_contact": "dont_know"}) is None
    assert cohesion_score({}) is None


def test_feeling_unsafe_and_frequency():
    scores = derive_scores(
        {"feels_unsafe": "yes", "unsafe_frequency": "often", "role": "member"}, audience="members"
    )
    assert scores.feels_unsafe is True
    assert scores.unsafe_frequency == "often"
    assert scores.is_member is True
    # A frequency without "yes" is ignored (it is only asked after yes).
    scores = derive_scores({"feels_unsafe": "no", "unsafe_frequency": "often"}, audience="members")
    assert scores.feels_unsafe is False
    assert scores.unsafe_frequency == ""
    assert derive_scores({}, audience="residents").feels_unsafe is None


def test_membership_per_audience():
    assert derive_scores({"role": "not_member"}, audience="members").is_member is False
    assert derive_scores({"is_member": "yes"}, audience="residents").is_member is True
    assert derive_scores({"is_member": "no"}, audience="residents").is_member is False
    assert derive_scores({}, audience="residents").is_member is None


def test_agreement_items_score_0_to_4_and_dont_know_is_missing():
    scores = derive_scores(
        {
            "police_cooperation": "strongly_agree",
            "municipality_cooperation": "dont_know",
            "recognition": "disagree",
        },
        audience="members",
    )
    assert scores.police_cooperation == 4
    assert scores.municipality_cooperation is None
    assert scores.recognition == 1
    assert scores.follow_up is None


def test_wilson_interval_hand_worked():
    # p = 5/20 = 0.25, z = 1.96: centre (0.25 + 0.09604) / 1.19208 = 0.29028,
    # half-width 1.96 · √(0.009375 + 0.0024010) / 1.19208 = 0.17842 → 0.1119 … 0.4687.
    low, high = wilson_interval(5, 20)
    assert low == pytest.approx(0.1119, abs=1e-4)
    assert high == pytest.approx(0.4687, abs=1e-4)


def test_wilson_interval_at_zero_stays_inside_0_1():
    # 0 of 10: the normal approximation would give 0 ± 0; Wilson gives 0 … 0.2775.
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(1 - 0.2775, abs=1e-4)


def test_t_interval_for_a_mean_hand_worked():
    # 1..10: mean 5.5, s = √(82.5 / 9) = 3.0277, se = 0.95743, t(0.975, 9) = 2.2622
    # → 5.5 ± 2.1659 = 3.334 … 7.666.
    figure = mean_figure(range(1, 11))
    assert figure.shown
    assert figure.n == 10
    assert figure.value == pytest.approx(5.5)
    assert figure.low == pytest.approx(3.334, abs=1e-3)
    assert figure.high == pytest.approx(7.666, abs=1e-3)


def test_mean_from_sums_equals_mean_from_values():
    values = [5.5, 8.0, 6.5, 7.0, 4.5, 10.0, 6.0, 7.5, 5.0, 6.5, 9.0, 3.5]
    direct = mean_figure(values)
    from_sums = mean_figure_from_sums(len(values), sum(values), sum(v * v for v in values))
    assert from_sums.value == pytest.approx(direct.value)
    assert from_sums.low == pytest.approx(direct.low)
    assert from_sums.high == pytest.approx(direct.high)


def test_fewer_than_ten_respondents_are_not_shown():
    assert MIN_RESPONDENTS == 10
    hidden = proportion_figure(3, 9)
    assert hidden.shown is False
    assert (hidden.value, hidden.low, hidden.high) == (None, None, None)
    assert hidden.n == 9
    assert mean_figure([5.0] * 9).shown is False
    assert mean_figure_from_sums(9, 45.0, 225.0).value is None
    shown = proportion_figure(3, 10)
    assert shown.shown and shown.value == pytest.approx(0.3)
    assert shown.percentage == pytest.approx(30.0)
    low, high = wilson_interval(3, 10)
    assert shown.low_percentage == pytest.approx(low * 100)
    assert shown.high_percentage == pytest.approx(high * 100)
    assert hidden.percentage is None and hidden.low_percentage is None


def test_none_values_do_not_count_towards_the_minimum():
    figure = mean_figure([6.0] * 9 + [None] * 5)
    assert figure.n == 9
    assert not figure.shown


def test_summarise_responses():
    rows = (
        [{"feels_unsafe": True, "unsafe_frequency": "often", "cohesion_score": 4.0}] * 3
        + [{"feels_unsafe": True, "unsafe_frequency": "rarely", "cohesion_score": 6.0}] * 2
        + [{"feels_unsafe": False, "unsafe_frequency": "", "cohesion_score": 8.0}] * 5
        + [{"feels_unsafe": None, "unsafe_frequency": "", "cohesion_score": None}] * 2
    )
    summary = summarise(rows)
    assert summary.respondents == 12
    assert summary.feels_unsafe.n == 10  # the two without an answer are not in the base
    assert summary.feels_unsafe.value == pytest.approx(0.5)
    assert summary.often_unsafe.value == pytest.approx(0.3)
    assert summary.cohesion.n == 10
    assert summary.cohesion.value == pytest.approx((12 + 12 + 40) / 10)
    assert not summary.police_cooperation.shown
    assert math.isclose(summary.feels_unsafe.low, wilson_interval(5, 10)[0])


def test_summarise_small_group_shows_nothing():
    summary = summarise([{"feels_unsafe": True, "cohesion_score": 5.0}] * 4)
    assert summary.respondents == 4
    assert not summary.shown
    assert not summary.feels_unsafe.shown and summary.feels_unsafe.value is None
    assert not summary.cohesion.shown and summary.cohesion.value is None


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
