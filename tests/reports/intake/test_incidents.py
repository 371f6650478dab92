"""Incident grouping (REP-7): same category, within 250 m and 48 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samenveilig.reports.models import EventKind, Incident, ReportStatus
from samenveilig.reports.services.submission import report_submit
from tests.factories import UserFactory
from tests.reports.intake.conftest import ZUID_WEST, category, report_input

pytestmark = pytest.mark.django_db

# About 111 m per 0.001° of latitude.
NEAR = (ZUID_WEST[0] + 0.001, ZUID_WEST[1])
FAR = (ZUID_WEST[0], ZUID_WEST[1] + 0.0045)  # ~310 m east, in the next buurt


def submit(lat_lon, observed_at=None, code="fietsdiefstal"):
    observed_at = observed_at or timezone.now() - timedelta(hours=1)
    return report_submit(
        reporter=UserFactory(),
        data=report_input(
            category=category(code), lat=lat_lon[0], lon=lat_lon[1], observed_at=observed_at
        ),
    )


def test_a_single_report_has_no_incident(town):
    report = submit(ZUID_WEST)
    assert report.incident is None
    assert Incident.objects.count() == 0


def test_close_reports_share_one_incident(town):
    # given a report, when a second close in space and time arrives
    first = submit(ZUID_WEST)
    second = submit(NEAR)
    # then both are linked to one incident with two reports
    first.refresh_from_db()
    assert first.incident_id == second.incident_id is not None
    incident = second.incident
    incident.refresh_from_db()
    assert incident.report_count == 2
    assert incident.first_observed_at <= incident.last_observed_at
    # and a third close one joins the same incident
    third = submit((ZUID_WEST[0], ZUID_WEST[1] + 0.001))
    incident.refresh_from_db()
    assert third.incident_id == incident.pk and incident.report_count == 3
    assert first.events.filter(kind=EventKind.INCIDENT_LINKED, visible_to_reporter=False).exists()


def test_far_reports_are_not_grouped(town):
    submit(ZUID_WEST)
    assert submit(FAR).incident is None


def test_late_reports_are_not_grouped(town):
    now = timezone.now()
    submit(ZUID_WEST, observed_at=now - timedelta(hours=60))
    assert submit(NEAR, observed_at=now - timedelta(hours=1)).incident is None


def test_other_categories_are_not_grouped(town):
    submit(ZUID_WEST, code="fietsdiefstal")
    assert submit(NEAR, code="overlast").incident is None


def test_reports_waiting_for_moderation_are_not_grouped(town):
    cat = category("fietsdiefstal")
    cat.moderate_unverified = True
    cat.save()
    first = submit(ZUID_WEST)
    assert first.status == ReportStatus.PENDING_MODERATION
    assert submit(NEAR).incident is None
