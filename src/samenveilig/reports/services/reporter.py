"""What a reporter does with and reads of their own reports (REP-8, REP-11).

Reads here are scoped to the reporter themselves: a report of someone else is ``None``, so a
page can answer 404 without revealing that it exists. Partner-side reads live in ``selectors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.core import audit
from samenveilig.reports import photos as photo_processing
from samenveilig.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    OPEN_STATUSES,
    EventKind,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
)
from samenveilig.reports.permissions import NOT_FOR_PARTNERS
from samenveilig.reports.types import ReportActionError, ReportValidationError

if TYPE_CHECKING:
    from samenveilig.accounts.models import User
    from samenveilig.accounts.roles import AnyUser

# A reporter can add to a report until it is closed, also while it waits for a coordinator.
ADDABLE_STATUSES = (*OPEN_STATUSES, ReportStatus.PENDING_MODERATION)


# --- reads ---------------------------------------------------------------------------------------


def reports_of(user: AnyUser) -> QuerySet[Report]:
    """The user's own reports, newest first."""
    if not user.is_authenticated:
        return Report.objects.none()
    return (
        Report.objects.filter(reporter=user)
        .select_related("category", "neighbourhood")
        .order_by("-submitted_at", "-id")
    )


def reports_with_news_count(user: AnyUser) -> int:
    """How many of the user's reports have steps they have not read yet (the navigation shows
    it on every page). One count over the user's own reports, by the reporter index."""
    if not user.is_authenticated:
        return 0
    return (
        Report.objects.filter(reporter=user, reporter_news_at__isnull=False)
        .filter(Q(reporter_seen_at__isnull=True) | Q(reporter_news_at__gt=F("reporter_seen_at")))
        .count()
    )


def own_report_or_none(user: AnyUser, reference: str) -> Report | None:
    """The report with this reference if ``user`` filed it, else ``None``."""
    if not user.is_authenticated:
        return None
    return (
        Report.objects.select_related("category", "neighbourhood", "address")
        .filter(reference=reference, reporter=user)
        .first()
    )


def history_for_reporter(report: Report) -> QuerySet[ReportEvent]:
    """The events the reporter may see, oldest first: status changes, messages, thanks."""
    return report.events.filter(visible_to_reporter=True).order_by("created_at", "id")


def mark_seen_by_reporter(report: Report) -> datetime | None:
    """The reporter opened the report's page: what the partners added so far is no longer new.

    Returns when they looked before (``None`` the first time), so the page can still mark the
    steps added since then. Written only when there is something new (one column update, no
    audit row: reading is not an action)."""
    before = report.reporter_seen_at
    if report.has_news_for_reporter:
        report.reporter_seen_at = timezone.now()
        Report.objects.filter(pk=report.pk).update(reporter_seen_at=report.reporter_seen_at)
    return before


def can_add_information(user: AnyUser, report: Report) -> bool:
    return (
        user.is_authenticated
        and report.reporter_id == user.pk
        and report.status in ADDABLE_STATUSES
    )


# --- writes --------------------------------------------------------------------------------------


def _notify_partners(event: ReportEvent) -> None:
    from samenveilig.reports import tasks

    event_id = event.pk
    # robust: a failing enqueue is logged; it must not turn a committed addition into an error.
    transaction.on_commit(lambda: tasks.notify_partners.enqueue(event_id=event_id), robust=True)


def report_add_information(
    *,
    reporter: User,
    report: Report,
    text: str,
    photos: Sequence[UploadedFile] = (),
) -> ReportEvent:
    """The reporter adds information or answers a partner's question (the one path for both;
    partners see the pseudonym).

    Only the reporter of an open report (or one waiting for moderation) may; others get
    ``ReportActionError``. Bad text or photos raise ``ReportValidationError`` (``text``,
    ``photos``). Creates an ``INFORMATION_ADDED`` event the partner sees in the history and,
    after the commit, e-mails the partner users who handle the report (not while it waits for
    a coordinator: partners do not see it yet).
    """
    if reporter is None or not reporter.is_authenticated or report.reporter_id != reporter.pk:
        raise ReportActionError(_("Only the person who sent this report can add to it."))
    errors: dict[str, list[str]] = {}
    text = text if isinstance(text, str) else ""
    if not text.strip() and not photos:
        errors["text"] = [_("Write what you want to add, or add a photo.")]
    elif len(text) > DESCRIPTION_MAX_LENGTH:
        errors["text"] = [
            _("Keep it under %(max)d characters (now %(n)d).")
            % {"max": DESCRIPTION_MAX_LENGTH, "n": len(text)}
        ]
    processed: list[photo_processing.ProcessedPhoto] = []
    if not errors and photos:
        try:
            processed = photo_processing.process_photos(list(photos), already=report.photos.count())
        except photo_processing.PhotoError as error:
            errors["photos"] = [error.message]
    if errors:
        raise ReportValidationError(errors)

    stored_files: list[str] = []
    try:
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report.pk)
            if locked.status not in ADDABLE_STATUSES:
                raise ReportActionError(
                    _(
                        "This report is closed, so nothing can be added. Send a new report if "
                        "something happened again."
                    )
                )
            for photo in processed:
                stored = ReportPhoto(report=locked, width=photo.width, height=photo.height)
                stored.image.save(photo.content.name, photo.content, save=False)
                stored_files.append(stored.image.name)
                stored.save()
            event = ReportEvent.objects.create(
                report=locked,
                kind=EventKind.INFORMATION_ADDED,
                actor=reporter,
                actor_side="reporter",
                text=text,
                visible_to_reporter=True,
            )
            locked.updated_by = reporter
            # The partner's inbox shows "new information" until one of them opens the report.
            locked.partner_news_at = event.created_at
            locked.save(update_fields=["updated_at", "updated_by", "partner_news_at"])
            audit.record(
                actor=reporter,
                action="reports.information_added",
                obj=locked,
                details={"event_id": event.pk, "photos": len(processed)},
            )
            if locked.status not in NOT_FOR_PARTNERS:
                _notify_partners(event)
    except Exception:
        for name in stored_files:
            ReportPhoto._meta.get_field("image").storage.delete(name)
        raise
    return event
