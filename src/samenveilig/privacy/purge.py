"""Purge functions for the kinds of personal data in the retention table that no other app
purges itself, and ``run_purge`` which runs every function of the table (``manage.py purge`` and
the daily background task).

Each function removes only what is due at ``now``, in one transaction per batch, and writes one
audit row with the count (ids and counts only, never content). ``run_purge`` records the totals of
a run in the audit chain as ``privacy.purge_run``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from samenveilig.core import audit
from samenveilig.privacy.retention import BY_KEY, RETENTION

BATCH = 500


def _cutoff(key: str, now: datetime) -> datetime:
    delta = BY_KEY[key].delta
    assert delta is not None
    return now - delta


def _closed_reports(cutoff: datetime) -> Any:
    from samenveilig.reports.models import Report, ReportStatus

    return Report.objects.annotate(ended_at=Coalesce("closed_at", "updated_at")).filter(
        status__in=[ReportStatus.CLOSED, ReportStatus.REJECTED], ended_at__lt=cutoff
    )


def _record(action: str, count: int, **details: Any) -> None:
    if count:
        audit.record(actor=None, action=action, details={"count": count, **details})


def purge_reporter_identity(*, now: datetime | None = None) -> int:
    """Unlink closed reports from their reporter's account; the pseudonym stays."""
    now = now or timezone.now()
    due = _closed_reports(_cutoff("reporter_identity", now)).filter(
        Q(reporter__isnull=False) | Q(created_by__isnull=False) | Q(updated_by__isnull=False)
    )
    from samenveilig.reports.models import Report

    with transaction.atomic():
        ids = list(due.values_list("pk", flat=True))
        count = Report.objects.filter(pk__in=ids).update(
            reporter=None,
            share_identity=False,
            reporter_seen_at=None,
            created_by=None,
            updated_by=None,
        )
        _record("privacy.reporter_identity_purged", count)
    return count


def purge_closed_reports(*, now: datetime | None = None) -> int:
    """Remove the free text, descriptions and photos of reports closed longer ago than the
    retention period. Category, buurt, dates, status and outcome stay for the figures; a purged
    report has an empty description."""
    from samenveilig.reports.models import (
        PersonDescription,
        Report,
        ReportAbuse,
        ReportEvent,
        ReportPhoto,
        VehicleDescription,
    )

    now = now or timezone.now()
    due = _closed_reports(_cutoff("closed_reports", now)).exclude(description="")
    total = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        with transaction.atomic():
            for photo in ReportPhoto.objects.filter(report_id__in=ids):
                photo.image.delete(save=False)
            ReportPhoto.objects.filter(report_id__in=ids).delete()
            PersonDescription.objects.filter(report_id__in=ids).delete()
            VehicleDescription.objects.filter(report_id__in=ids).delete()
            ReportEvent.objects.filter(report_id__in=ids).exclude(text="").update(text="")
            ReportAbuse.objects.filter(report_id__in=ids).exclude(note="").update(note="")
            Report.objects.filter(pk__in=ids).update(
                description="", location_text="", status_note="", address=None, quality_hints=[]
            )
            _record("privacy.closed_reports_purged", len(ids))
        total += len(ids)
    return total


def purge_inquiry_contacts(*, now: datetime | None = None) -> int:
    """Remove the phone number a resident gave with contact consent, once the inquiry has been
    closed longer ago than the retention period. The consent flag (a count) stays."""
    from samenveilig.inquiries.models import CanvassVisit, InquiryStatus
    from samenveilig.questionnaires.models import AnswerSet

    now = now or timezone.now()
    cutoff = _cutoff("inquiry_contact", now)
    visits = CanvassVisit.objects.filter(
        inquiry__status=InquiryStatus.CLOSED, inquiry__closed_at__lt=cutoff
    ).values_list("answer_set_id", flat=True)
    count = 0
    with transaction.atomic():
        for answer_set in AnswerSet.objects.select_for_update().filter(pk__in=visits):
            talk = (answer_set.answers or {}).get("conversation")
            if not isinstance(talk, dict) or "phone" not in talk:
                continue
            del talk["phone"]
            answer_set.save(update_fields=["answers"])
            count += 1
        _record("privacy.inquiry_contacts_purged", count)
    return count


def purge_survey_free_text(*, now: datetime | None = None) -> int:
    """Remove the free-text answer of survey responses of rounds closed longer ago than the
    retention period; the scored (anonymous) answers stay."""
    from samenveilig.monitor.models import SurveyResponse
    from samenveilig.monitor.scoring import REMARKS
    from samenveilig.questionnaires.models import AnswerSet

    now = now or timezone.now()
    cutoff = _cutoff("survey_free_text", now)
    answer_ids = SurveyResponse.objects.filter(round__closes_at__lt=cutoff).values_list(
        "answer_set_id", flat=True
    )
    count = 0
    with transaction.atomic():
        rows = AnswerSet.objects.select_for_update().filter(
            pk__in=answer_ids, answers__has_key=REMARKS
        )
        for answer_set in rows:
            del answer_set.answers[REMARKS]
            answer_set.save(update_fields=["answers"])
            count += 1
        _record("privacy.survey_free_text_purged", count)
    return count


def purge_delivery_logs(*, now: datetime | None = None) -> int:
    """Delete delivery rows older than the retention period that no longer wait to be sent."""
    from samenveilig.alerts.models import Delivery, DeliveryStatus

    now = now or timezone.now()
    due = Delivery.objects.filter(created_at__lt=_cutoff("delivery_logs", now)).exclude(
        status=DeliveryStatus.PENDING
    )
    total = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        with transaction.atomic():
            Delivery.objects.filter(pk__in=ids).delete()
            _record("privacy.delivery_logs_purged", len(ids))
        total += len(ids)
    return total


def purge_sessions(*, now: datetime | None = None) -> int:
    """Delete expired login sessions (what ``clearsessions`` does, counted and audited)."""
    from django.contrib.sessions.models import Session

    now = now or timezone.now()
    with transaction.atomic():
        count, _deleted = Session.objects.filter(expire_date__lt=now).delete()
        _record("privacy.sessions_purged", count)
    return count


def purge_task_results(*, now: datetime | None = None) -> int:
    """Delete results of background tasks that finished longer ago than the retention period
    (database task backend only; Redis keeps its own expiry)."""
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    with transaction.atomic():
        count, _deleted = DBTaskResult.objects.filter(
            finished_at__isnull=False, finished_at__lt=_cutoff("task_results", now)
        ).delete()
        _record("privacy.task_results_purged", count)
    return count


def purge_privacy_requests(*, now: datetime | None = None) -> int:
    """Delete privacy requests closed longer ago than the retention period."""
    from samenveilig.privacy.models import PrivacyRequest

    now = now or timezone.now()
    with transaction.atomic():
        count, _deleted = PrivacyRequest.objects.filter(
            closed_at__isnull=False, closed_at__lt=_cutoff("privacy_requests", now)
        ).delete()
        _record("privacy.requests_purged", count)
    return count


def purge_audit_rows(*, now: datetime | None = None) -> int:
    """Cut off the oldest audit rows, those older than the retention period.

    The chain stays verifiable: the cut is a prefix (every row up to sequence N) and a new row
    ``core.audit_pruned`` records N and the hash of row N, which the first remaining row links to
    (``core.audit.verify_chain`` accepts a start that such a row vouches for).
    """
    from samenveilig.core.models import AuditEvent

    now = now or timezone.now()
    cutoff = _cutoff("audit_rows", now)
    with transaction.atomic():
        audit._lock_chain()
        newest = AuditEvent.objects.order_by("-sequence").first()
        if newest is None:
            return 0
        # occurred_at grows with the sequence (writers are serialised), so the old rows are a
        # prefix. Never cut the tail: the chain's newest row carries every hash before it.
        first_young = (
            AuditEvent.objects.filter(occurred_at__gte=cutoff).order_by("sequence").first()
        )
        through = min(newest.sequence, first_young.sequence if first_young else newest.sequence)
        last_old = (
            AuditEvent.objects.filter(sequence__lt=through, occurred_at__lt=cutoff)
            .order_by("-sequence")
            .first()
        )
        if last_old is None:
            return 0
        count, _deleted = AuditEvent.objects.filter(sequence__lte=last_old.sequence).delete()
        audit.record(
            actor=None,
            action=audit.PRUNED_ACTION,
            details={"through_sequence": last_old.sequence, "hash": last_old.hash, "count": count},
        )
    return count


@dataclass(frozen=True)
class PurgeOutcome:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def run_purge(*, now: datetime | None = None) -> PurgeOutcome:
    """Run every purge function of the retention table in order; record the counts of the run in
    the audit chain (``privacy.purge_run``)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for rule in RETENTION:
        if rule.purge is None:
            continue
        job: Callable[..., int] = import_string(rule.purge)
        counts[rule.key] = int(job(now=now))
    audit.record(actor=None, action="privacy.purge_run", details={"counts": counts})
    return PurgeOutcome(counts=counts)


def retained_until(key: str, ended_at: datetime | None) -> datetime | None:
    """When data of kind ``key`` that ended at ``ended_at`` will be purged (None: not on a clock
    or not ended yet)."""
    delta = BY_KEY[key].delta
    if delta is None or ended_at is None:
        return None
    return ended_at + delta
