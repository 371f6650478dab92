"""Quality score and hints (REP-6)."""

from __future__ import annotations

import pytest

from samenveilig.reports.quality import assess, hint_message
from tests.reports.intake.conftest import category, report_input

pytestmark = pytest.mark.django_db


def test_a_bare_report_scores_low_with_concrete_hints():
    # given a suspicious-person report with one short sentence and no person
    data = report_input(category=category("verdachte-situatie-persoon"), description="Verdacht.")
    # when it is assessed
    quality = assess(data)
    # then the score is low and the hints say what to add
    assert quality.score < 50
    assert "Describe what happened in a few sentences." in quality.hints
    assert "add_person" in quality.codes


def test_a_complete_report_scores_high():
    data = report_input(
        category=category("verdachte-situatie-persoon"),
        description="Een man liep van deur naar deur en voelde aan de klinken. " * 4,
        location_text="Bij de speeltuin",
        persons=[
            {
                "behaviour": "Voelde aan deurklinken van nummer 2 tot 12.",
                "sex": "male",
                "age_min": 20,
                "age_max": 30,
                "height_min_cm": 175,
                "build": "slank",
                "hair_colour": "bruin",
                "top": "groene jas",
                "bottom": "spijkerbroek",
                "shoes": "witte sneakers",
                "direction": "richting station",
            }
        ],
        vehicles=[{"kind": "scooter", "colour": "rood", "licence_plate": "F-123-XX"}],
    )
    quality = assess(data)
    assert quality.score >= 90
    assert "add_clothing" not in quality.codes


def test_person_hints_ask_for_clothing_and_direction():
    data = report_input(
        category=category("verdachte-situatie-persoon"),
        persons=[{"behaviour": "keek door ramen"}],
    )
    hints = assess(data).hints
    assert "Add clothing (top, bottom)." in hints
    assert "Which direction did they go?" in hints


def test_vehicle_without_plate_asks_for_the_plate():
    data = report_input(
        category=category("verdachte-situatie-voertuig"), vehicles=[{"kind": "bestelbus"}]
    )
    assert "Add the licence plate, even partly." in assess(data).hints


def test_more_detail_never_lowers_the_score():
    base = report_input(category=category("woninginbraak"), persons=[{"behaviour": "wegrennen"}])
    richer = report_input(
        category=category("woninginbraak"),
        persons=[{"behaviour": "wegrennen", "top": "rode jas", "bottom": "zwarte broek"}],
    )
    assert assess(richer).score >= assess(base).score


def test_a_category_without_persons_can_reach_full_marks():
    data = report_input(
        category=category("onveilige-plek"),
        description="De lantaarnpalen in het hele pad achter de school zijn al weken kapot. " * 3,
        location_text="Pad achter de school",
    )
    assert assess(data).score == 100


def test_unknown_hint_codes_are_shown_as_they_are():
    assert hint_message("something_new") == "something_new"
