"""report_add_information and the reporter's reads."""

from __future__ import annotations

import pytest

from samenveilig.reports.models import EventKind, ReportEvent, ReportStatus
from samenveilig.reports.services.reporter import (
    history_for_reporter,
    own_report_or_none,
    report_add_information,
    reports_of,
)
from samenveilig.reports.services.submission import report_submit
from samenveilig.reports.types import ReportActionError, ReportValidationError
from tests.factories import UserFactory
from tests.reports.intake.conftest import report_input
from tests.reports.intake.test_photos import jpeg_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(town, resident):
    return report_submit(reporter=resident, data=report_input())


def test_the_reporter_adds_information(report, resident):
    event = report_add_information(reporter=resident, report=report, text="Hij droeg een pet.")
    assert event.kind == EventKind.INFORMATION_ADDED and event.visible_to_reporter
    assert event.actor == resident and event.actor_side == "reporter"
    assert list(history_for_reporter(report)) == [report.events.first(), event]


def test_photos_can_be_added_up_to_the_limit(report, resident):
    report_add_information(reporter=resident, report=report, text="", photos=[jpeg_with_gps()])
    assert report.photos.count() == 1
    with pytest.raises(ReportValidationError) as info:
        report_add_information(
            reporter=resident, report=report, text="x", photos=[jpeg_with_gps()] * 5
        )
    assert "photos" in info.value.errors


def test_someone_else_cannot_add_information(report):
    with pytest.raises(ReportActionError):
        report_add_information(reporter=UserFactory(), report=report, text="Ik ook")
    assert not ReportEvent.objects.filter(kind=EventKind.INFORMATION_ADDED).exists()


def test_nothing_can_be_added_to_a_closed_report(report, resident):
    report.status = ReportStatus.CLOSED
    report.save()
    with pytest.raises(ReportActionError):
        report_add_information(reporter=resident, report=report, text="Nog iets")


def test_empty_or_too_long_text_is_refused(report, resident):
    for text in ("   ", "x" * 4001):
        with pytest.raises(ReportValidationError) as info:
            report_add_information(reporter=resident, report=report, text=text)
        assert "text" in info.value.errors


def test_reads_are_scoped_to_the_reporter(report, resident):
    other = UserFactory()
    assert list(reports_of(resident)) == [report]
    assert list(reports_of(other)) == []
    assert own_report_or_none(resident, report.reference) == report
    assert own_report_or_none(other, report.reference) is None


def test_hidden_events_are_not_in_the_reporter_history(report):
    ReportEvent.objects.create(report=report, kind=EventKind.MESSAGE, visible_to_reporter=False)
    assert all(e.visible_to_reporter for e in history_for_reporter(report))
