"""report_submit draws a reference without asking the database; a clash with a stored report is
refused by the unique constraint, rolled back whole and saved again with another reference."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from samenveilig.core.audit import verify_chain
from samenveilig.core.models import AuditEvent
from samenveilig.reports.models import (
    PersonDescription,
    Report,
    ReportEvent,
    ReportPhoto,
    VehicleDescription,
)
from samenveilig.reports.services import submission
from samenveilig.reports.services.submission import report_submit
from tests.reports.intake.conftest import category, report_input
from tests.reports.intake.test_photos import jpeg_with_gps

pytestmark = pytest.mark.django_db


def _full_input():
    return report_input(
        category=category("verdachte-situatie-persoon"),
        persons=[{"behaviour": "Voelde aan deuren", "top": "rode jas"}],
        vehicles=[{"kind": "auto", "licence_plate": "gv-123-x"}],
        photos=[jpeg_with_gps()],
    )


def _draws(monkeypatch, references):
    drawn = iter(references)
    monkeypatch.setattr(submission, "random_reference", lambda: next(drawn))


def test_a_clashing_reference_is_drawn_again_and_nothing_of_the_try_remains(
    town, resident, monkeypatch, settings
):
    # given a stored report with reference M-AAAAAAAA
    _draws(monkeypatch, ["M-AAAAAAAA"])
    first = report_submit(reporter=resident, data=report_input())
    assert first.reference == "M-AAAAAAAA"
    # when the next report draws the same reference first, then another
    _draws(monkeypatch, ["M-AAAAAAAA", "M-BBBBBBBB"])
    second = report_submit(reporter=resident, data=_full_input())
    # then it is saved once, whole, with the second reference
    assert second.reference == "M-BBBBBBBB"
    assert Report.objects.count() == 2
    assert PersonDescription.objects.get().report == second
    assert VehicleDescription.objects.get().report == second
    assert ReportPhoto.objects.get().report == second
    assert ReportEvent.objects.filter(report=second).count() == 1
    assert AuditEvent.objects.filter(action="reports.submitted").count() == 2
    assert verify_chain() == []
    # and the photo file of the failed try is gone: one file for the one photo row
    files = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert len(files) == 1


def test_after_clashing_every_time_the_error_comes_through(town, resident, monkeypatch):
    _draws(monkeypatch, ["M-CCCCCCCC"])
    report_submit(reporter=resident, data=report_input())
    _draws(monkeypatch, ["M-CCCCCCCC"] * submission.REFERENCE_ATTEMPTS)
    with pytest.raises(IntegrityError):
        report_submit(reporter=resident, data=report_input())
    assert Report.objects.count() == 1


def test_another_integrity_error_is_not_retried(town, resident, monkeypatch):
    calls = []

    def broken(report):
        calls.append(report.reference)
        raise IntegrityError("something else")

    monkeypatch.setattr(submission, "incident_for", broken)
    with pytest.raises(IntegrityError):
        report_submit(reporter=resident, data=report_input())
    assert len(calls) == 1
    assert Report.objects.count() == 0


def test_no_query_asks_whether_the_reference_is_free(town, resident):
    report_submit(reporter=resident, data=report_input())  # caches warm
    with CaptureQueriesContext(connection) as captured:
        report = report_submit(reporter=resident, data=report_input())
    asked = [q["sql"] for q in captured.captured_queries if report.reference in q["sql"]]
    assert asked == [q for q in asked if q.lstrip().upper().startswith("INSERT")]
    # And no savepoint for the audit row inside the report's transaction: the one savepoint is
    # the report's own transaction inside the test's.
    savepoints = [q for q in captured.captured_queries if q["sql"].upper().startswith("SAVEPOINT")]
    assert len(savepoints) == 1
