"""REP-9 figures: medians, share within target, small samples, window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samenveilig.reports.figures import duration_text, response_time_figures
from samenveilig.reports.models import Partner, ReportStatus
from tests.factories import AreaFactory
from tests.reports.partner.factories import CategoryFactory, ReportFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def handled(neighbourhood, *, ack_hours, resp_hours=None, category=None, days_ago=5, **extra):
    submitted = NOW - timedelta(days=days_ago)
    return ReportFactory(
        neighbourhood=neighbourhood,
        category=category or CATEGORY(),
        submitted_at=submitted,
        status=ReportStatus.ACKNOWLEDGED,
        acknowledged_at=submitted + timedelta(hours=ack_hours) if ack_hours is not None else None,
        first_response_at=submitted + timedelta(hours=resp_hours) if resp_hours else None,
        **extra,
    )


def CATEGORY(partner=Partner.POLICE):  # noqa: N802 - reads like a constant in the tests
    return CategoryFactory(partner=partner, acknowledge_within_hours=4, respond_within_hours=24)


def row_for(result, partner):
    return next(r for r in result.rows if r.partner == partner)


def test_median_and_share_within_target(town):
    category = CATEGORY()
    # acknowledge after 1,2,3,5,6 hours (target 4 h): 3 of 5 on time, median 3 h.
    for hours in (1, 2, 3, 5, 6):
        handled(town["noord_west"], ack_hours=hours, resp_hours=hours * 10, category=category)
    result = response_time_figures(now=NOW)
    row = row_for(result, Partner.POLICE)
    assert row.sample_size == 5
    assert row.median_acknowledge == timedelta(hours=3)
    assert row.share_acknowledged_within_target == pytest.approx(0.6)
    # first responses after 10,20,30,50,60 h (target 24 h): 2 of 5.
    assert row.median_first_response == timedelta(hours=30)
    assert row.share_responded_within_target == pytest.approx(0.4)
    assert row.municipality_name == "Teststad"


def test_unacknowledged_report_counts_only_once_its_target_passed(town):
    category = CATEGORY()
    handled(town["noord_west"], ack_hours=1, category=category)
    handled(town["noord_west"], ack_hours=None, category=category)  # 5 days old: late
    ReportFactory(neighbourhood=town["noord_west"], category=category, submitted_at=NOW)  # fresh
    row = row_for(response_time_figures(now=NOW), Partner.POLICE)
    assert row.sample_size == 3
    assert row.share_acknowledged_within_target == pytest.approx(0.5)
    assert row.median_acknowledge == timedelta(hours=1)


def test_small_samples_are_labelled_and_not_ranked(town):
    category = CATEGORY()
    for _ in range(10):
        handled(town["noord_west"], ack_hours=1, category=category)
    for _ in range(3):
        handled(town["noord_west"], ack_hours=1, category=CATEGORY(Partner.MUNICIPALITY))
    result = response_time_figures(now=NOW)
    police = row_for(result, Partner.POLICE)
    municipality = row_for(result, Partner.MUNICIPALITY)
    assert (police.small_sample, police.rank) == (False, 1)
    assert (municipality.small_sample, municipality.rank) == (True, None)
    assert result.rows[-1] is municipality


def test_ranking_by_share_on_time(town):
    other_gm = AreaFactory(code="GM0001", name="Anderstad", level="municipality")
    other_wk = AreaFactory(code="WK000101", name="Wijk", level="district", parent=other_gm)
    other_bu = AreaFactory(code="BU00010101", name="Buurt", parent=other_wk)
    for _ in range(10):
        handled(town["noord_west"], ack_hours=8)  # late
        handled(other_bu, ack_hours=1)  # on time
    result = response_time_figures(now=NOW)
    assert [r.municipality_name for r in result.rows] == ["Anderstad", "Teststad"]
    assert [r.rank for r in result.rows] == [1, 2]


def test_window_and_excluded_statuses(town):
    handled(town["noord_west"], ack_hours=1, days_ago=100)
    handled(town["noord_west"], ack_hours=1, days_ago=10)
    ReportFactory(neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION)
    ReportFactory(neighbourhood=town["noord_west"], status=ReportStatus.REJECTED)
    assert row_for(response_time_figures(now=NOW), Partner.POLICE).sample_size == 1
    assert row_for(response_time_figures(days=180, now=NOW), Partner.POLICE).sample_size == 2
    assert response_time_figures(days=5, now=NOW).rows == []


def test_duration_text():
    assert duration_text(timedelta(minutes=45)) == "45 min"
    assert duration_text(timedelta(hours=3, minutes=20)) == "3 h 20 min"
    assert duration_text(timedelta(days=2, hours=4)) == "2 d 4 h"
    assert duration_text(None) == ""
