"""Marking a report as misuse of the platform (REP-10, abuse reporting).

The partner who may handle a report (police or municipality) and the coordinator who may
moderate it mark a report as misuse with one of four reasons (``AbuseReason``). Once per report.

What a flag does, in one transaction with the flag itself:

- a ``ReportEvent`` ``abuse_flagged`` the reporter sees, with an e-mail like every other step.
  The event carries no text: the reporter's page explains the reason with a fixed sentence in
  the *reader's* language (``explanation``), never the note. The note is the flagging side's
  justification for partners and coordinators; unlike a note on "start" or "close", which is
  written to the reporter, it may speak about the person described, and a reporter who misuses
  the platform must not learn more about their target from it;
- an audit row with ids and the reason (no text);
- for profiling or discrimination: the appearance of every person described in the report is
  removed (``APPEARANCE_FIELDS``), because an innocent person was described;
- the report keeps its status. Closing needs an outcome and a word to the reporter that the
  partner chooses (``report_close``); a flag is a judgement about the reporter's conduct, not
  about whether there is still something to do (a harassing report can describe a real event).

A reporter whose reports collected ``REPORT_ABUSE_MODERATION_THRESHOLD`` flags (default 2) within
``REPORT_ABUSE_WINDOW_DAYS`` (default 365) sees every new report wait for a coordinator
(``submission._needs_moderation`` asks ``reporter_is_checked_first``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.core import audit
from samenveilig.reports import permissions
from samenveilig.reports.models import (
    ABUSE_NOTE_MAX_LENGTH,
    AbuseReason,
    EventKind,
    PersonDescription,
    Report,
    ReportAbuse,
    ReportStatus,
)
from samenveilig.reports.services.lifecycle import _clean_text, _event, _lock, _notify_reporter
from samenveilig.reports.types import ReportActionError

if TYPE_CHECKING:
    from samenveilig.accounts.models import User
    from samenveilig.accounts.roles import AnyUser

DEFAULT_MODERATION_THRESHOLD = 2
DEFAULT_WINDOW_DAYS = 365

# A coordinator marks what they moderate: a report waiting for them, or one they did not accept.
COORDINATOR_STATUSES = frozenset({ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED})

# What a profiling flag keeps of a described person: ``behaviour`` (what the report says the
# person did: the substance of the report that the partner still has to judge and, if needed,
# close with an outcome; the same text is in the report's description, which stays too, until the
# closed-report purge), ``direction`` and ``transport`` (where someone went and how: about the
# event, not the person), and the row's own keys. Everything else says what the person looks
# like, could be or wears and is removed; derived from the model, so a field added later is
# removed too unless it is listed here.
KEPT_PERSON_FIELDS: tuple[str, ...] = (
    "id",
    "report",
    "position",
    "behaviour",
    "direction",
    "transport",
)
APPEARANCE_FIELDS: tuple[str, ...] = tuple(
    field.name
    for field in PersonDescription._meta.concrete_fields
    if field.name not in KEPT_PERSON_FIELDS
)


def moderation_threshold() -> int:
    return int(getattr(settings, "REPORT_ABUSE_MODERATION_THRESHOLD", DEFAULT_MODERATION_THRESHOLD))


def window_days() -> int:
    return int(getattr(settings, "REPORT_ABUSE_WINDOW_DAYS", DEFAULT_WINDOW_DAYS))


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=window_days())


def explanation(reason: str) -> str:
    """The sentence the reporter reads about a flag with this reason, in the active language."""
    sentences = {
        AbuseReason.PROFILING: _(
            "Your report singles out a person for how they look or where they come from, not "
            "for what they did. The description of that person has been removed."
        ),
        AbuseReason.FALSE_ACCUSATION: _(
            "Your report accuses a neighbour of something that did not happen, or does so to "
            "harm them."
        ),
        AbuseReason.HARASSMENT: _("Your report is used to harass or threaten someone."),
        AbuseReason.SPAM: _("Your report is not a genuine report (spam or a joke)."),
    }
    return str(sentences.get(reason, _("Your report was not used for what reports are for.")))


# --- reads ---------------------------------------------------------------------------------------


def recent_flag_count(reporter: AnyUser | None, *, now: datetime | None = None) -> int:
    """How many of the reporter's reports were flagged within the window (one query)."""
    if reporter is None or not reporter.is_authenticated:
        return 0
    return ReportAbuse.objects.filter(reporter=reporter, flagged_at__gte=window_start(now)).count()


def reporter_is_checked_first(reporter: User | None) -> bool:
    """Whether every new report of this reporter waits for a coordinator (one query, counting
    at most ``threshold`` rows; none for anonymous reporters or a threshold of 0 = off)."""
    threshold = moderation_threshold()
    if reporter is None or reporter.pk is None or threshold <= 0:
        return False
    recent = ReportAbuse.objects.filter(reporter_id=reporter.pk, flagged_at__gte=window_start())
    return recent.values("pk")[:threshold].count() >= threshold


def earlier_flag_counts(reports: Iterable[Report]) -> dict[int, int]:
    """For each report (by pk): how many flags its reporter had collected within the window
    before it was submitted — why it waits for a coordinator. One query for the whole list."""
    reports = [r for r in reports if r.reporter_id is not None]
    if not reports:
        return {}
    days = timedelta(days=window_days())
    oldest = min(r.submitted_at for r in reports) - days
    flags: dict[int, list[datetime]] = {}
    rows = ReportAbuse.objects.filter(
        reporter_id__in={r.reporter_id for r in reports}, flagged_at__gte=oldest
    ).values_list("reporter_id", "flagged_at")
    for reporter_id, flagged_at in rows:
        flags.setdefault(reporter_id, []).append(flagged_at)
    return {
        r.pk: sum(
            1 for at in flags.get(r.reporter_id, []) if r.submitted_at - days <= at < r.submitted_at
        )
        for r in reports
    }


def flag_of(report: Report) -> ReportAbuse | None:
    return ReportAbuse.objects.filter(report=report).select_related("report").first()


def flagging_side(actor: AnyUser, report: Report) -> str | None:
    """The side in which ``actor`` may mark ``report``: the partner side that handles it, else
    ``"coordinator"`` for a coordinator who moderates it; ``None``: not allowed."""
    if not actor.is_authenticated or report.reporter_id == actor.pk:
        return None
    sides = permissions.partner_sides_for(actor, report)
    if sides:
        return sides[0]
    if report.status in COORDINATOR_STATUSES and permissions.user_can_moderate_report(
        actor, report
    ):
        return "coordinator"
    return None


# --- write ---------------------------------------------------------------------------------------


def report_flag_abuse(*, actor: User, report: Report, reason: str, note: str = "") -> ReportAbuse:
    """Mark ``report`` as misuse of the platform (see the module's docstring).

    Raises ``ReportActionError`` (translated) when the actor may not, the reason is not one of
    ``AbuseReason``, the note is too long, or the report is already marked; nothing is saved then.
    """
    if reason not in AbuseReason.values:
        raise ReportActionError(_("Choose why this report is misuse of the platform."))
    note = _clean_text(note, required=False, message="", max_length=ABUSE_NOTE_MAX_LENGTH)
    with transaction.atomic():
        locked = _lock(report)
        side = flagging_side(actor, locked)
        if side is None:
            raise ReportActionError(_("You cannot mark this report."))
        if ReportAbuse.objects.filter(report=locked).exists():
            raise ReportActionError(
                _("This report has already been marked as misuse of the platform.")
            )
        flag = ReportAbuse.objects.create(
            report=locked,
            reason=reason,
            note=note,
            flagged_by=actor,
            side=side,
            reporter_id=locked.reporter_id,
        )
        cleared = 0
        if reason == AbuseReason.PROFILING:
            cleared = PersonDescription.objects.filter(report=locked).update(
                **{name: _empty(name) for name in APPEARANCE_FIELDS}
            )
        event = _event(locked, kind=EventKind.ABUSE_FLAGGED, actor=actor, side=side)
        audit.record(
            actor=actor,
            action="reports.abuse_flagged",
            obj=locked,
            details={
                "abuse_id": flag.pk,
                "event_id": event.pk,
                "reason": reason,
                "side": side,
                "persons_cleared": cleared,
            },
        )
        _notify_reporter(event)
    return flag


def _empty(name: str) -> object:
    """The "not given" value of a person field: ``None`` for numbers, ``""`` for text."""
    field = PersonDescription._meta.get_field(name)
    return None if field.null else ""


# --- retention -----------------------------------------------------------------------------------


def purge_abuse_reporter_links(*, now: datetime | None = None) -> int:
    """Unlink flags older than the window from the reporter's account: they no longer count, and
    the flag stays with its report (reason, side, date) as long as the report does."""
    due = ReportAbuse.objects.filter(reporter__isnull=False, flagged_at__lt=window_start(now))
    with transaction.atomic():
        count = due.update(reporter=None)
        if count:
            audit.record(
                actor=None, action="privacy.abuse_reporter_links_purged", details={"count": count}
            )
    return count
