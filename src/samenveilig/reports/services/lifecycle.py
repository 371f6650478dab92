"""What partners, coordinators and reporters do with a report after it came in (REP-8…REP-11).

Every action takes keyword-only arguments and the acting user, re-reads the report under a row
lock in one transaction, checks role and status against ``TRANSITIONS``, writes a
``ReportEvent`` (actor and side) and an audit row (ids and statuses only), and after the commit
hands the reporter's e-mail to a background task. A refusal is a ``ReportActionError`` with a
translated message; nothing is saved then.

Timestamps for the response-time figures (REP-9): ``acknowledged_at`` is set by the first partner
action of any kind (a question, a start, a forward or a close also prove the report was
received); ``first_response_at`` by the first message to the reporter, start, forward or close;
``closed_at`` by closing. A bare acknowledgement is not a response.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.core import audit
from samenveilig.reports import permissions
from samenveilig.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    OPEN_STATUSES,
    EventKind,
    Outcome,
    Partner,
    Report,
    ReportEvent,
    ReportStatus,
)
from samenveilig.reports.types import ReportActionError

if TYPE_CHECKING:
    from samenveilig.accounts.models import User

S = ReportStatus
NOTE_MAX_LENGTH = 2000

# action -> (statuses it may start from, status it leads to; None: the status stays).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "acknowledge": (frozenset({S.SUBMITTED, S.FORWARDED}), S.ACKNOWLEDGED),
    "start": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.FORWARDED}), S.IN_PROGRESS),
    "ask_reporter": (frozenset(OPEN_STATUSES), None),
    "forward": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS}), S.FORWARDED),
    "close": (frozenset(OPEN_STATUSES), S.CLOSED),
    "thank": (frozenset({*OPEN_STATUSES, S.CLOSED}), None),
    "approve": (frozenset({S.PENDING_MODERATION}), S.SUBMITTED),
    "reject": (frozenset({S.PENDING_MODERATION}), S.REJECTED),
}
# Outcomes that need a word of explanation to the reporter.
OUTCOMES_NEEDING_NOTE = frozenset({Outcome.NO_ACTION_POSSIBLE, Outcome.INSUFFICIENT_INFORMATION})


# --- helpers -------------------------------------------------------------------------------------


def _lock(report: Report) -> Report:
    # of=("self",): lock the report row only, not the category it is joined with (PostgreSQL).
    return (
        Report.objects.select_for_update(of=("self",)).select_related("category").get(pk=report.pk)
    )


def _check_status(report: Report, action: str) -> str | None:
    allowed, target = TRANSITIONS[action]
    if report.status not in allowed:
        if report.status == S.CLOSED:
            raise ReportActionError(_("This report is already closed."))
        if report.status == S.PENDING_MODERATION:
            raise ReportActionError(_("This report is still waiting for a coordinator."))
        raise ReportActionError(
            _("This is not possible while the report is “%(status)s”.")
            % {"status": ReportStatus(report.status).label}
        )
    return target


def _partner_side(actor: User, report: Report) -> str:
    """The side the actor acts for, or a refusal that does not reveal anything about the report."""
    sides = permissions.partner_sides_for(actor, report)
    if not sides:
        raise ReportActionError(_("You cannot handle this report."))
    return sides[0]


def _clean_text(text: str | None, *, required: bool, message: str, max_length: int) -> str:
    text = (text if isinstance(text, str) else "").strip()
    if required and not text:
        raise ReportActionError(message)
    if len(text) > max_length:
        raise ReportActionError(
            _("Keep it under %(max)d characters (now %(n)d).") % {"max": max_length, "n": len(text)}
        )
    return text


def _mark_response(report: Report, now: datetime, *, responded: bool) -> list[str]:
    changed: list[str] = []
    if report.acknowledged_at is None:
        report.acknowledged_at = now
        changed.append("acknowledged_at")
    if responded and report.first_response_at is None:
        report.first_response_at = now
        changed.append("first_response_at")
    return changed


def _notify_reporter(event: ReportEvent) -> None:
    from samenveilig.reports import tasks

    event_id = event.pk
    # robust: a failing enqueue is logged; it must not turn a committed action into an error.
    transaction.on_commit(lambda: tasks.notify_reporter.enqueue(event_id=event_id), robust=True)


def _event(
    report: Report,
    *,
    kind: str,
    actor: User,
    side: str,
    from_status: str = "",
    to_status: str = "",
    text: str = "",
    visible_to_reporter: bool = True,
) -> ReportEvent:
    event = ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor=actor,
        actor_side=side,
        from_status=from_status,
        to_status=to_status,
        text=text,
        visible_to_reporter=visible_to_reporter,
    )
    if visible_to_reporter and side != "reporter":
        # "New since you last looked" on the reporter's list. The actions save the report with
        # ``update_fields`` before their events, so the column is written here, in the same
        # transaction; the instance follows so that a later save keeps it.
        report.reporter_news_at = event.created_at
        Report.objects.filter(pk=report.pk).update(reporter_news_at=event.created_at)
    return event


def mark_seen_by_partner(viewer: User, report: Report) -> datetime | None:
    """Someone who may handle the report opened its page: what the reporter added is no longer
    new for the team that handles it now. Returns when that team looked before (``None`` the
    first time).

    Only the side that handles the report now (the one it was forwarded to, else the one it was
    routed to) clears the mark: after a forward the first side can still open the page, and its
    look must not hide the reporter's answer from the side that has to act on it. Written only
    when there is something new (one column update, no audit row: reading is not an action)."""
    before = report.partner_seen_at
    handling = report.forwarded_to or report.partner
    if report.has_news_for_partner and handling in permissions.partner_sides_for(viewer, report):
        report.partner_seen_at = timezone.now()
        Report.objects.filter(pk=report.pk).update(partner_seen_at=report.partner_seen_at)
    return before


def _status_change(
    *,
    actor: User,
    report: Report,
    action: str,
    audit_action: str,
    kind: str = EventKind.STATUS_CHANGED,
    text: str = "",
    responded: bool,
    extra_fields: dict[str, object] | None = None,
) -> Report:
    """The common path of acknowledge / start / close: lock, check, change, record, notify."""
    with transaction.atomic():
        locked = _lock(report)
        side = _partner_side(actor, locked)
        target = _check_status(locked, action)
        assert target is not None
        now = timezone.now()
        previous = locked.status
        locked.status = target
        changed = ["status", "updated_at", "updated_by"]
        changed += _mark_response(locked, now, responded=responded)
        for name, value in (extra_fields or {}).items():
            setattr(locked, name, value)
            changed.append(name)
        locked.updated_by = actor
        locked.save(update_fields=changed)
        event = _event(
            locked,
            kind=kind,
            actor=actor,
            side=side,
            from_status=previous,
            to_status=target,
            text=text,
        )
        audit.record(
            actor=actor,
            action=audit_action,
            obj=locked,
            details={
                "event_id": event.pk,
                "from_status": previous,
                "to_status": target,
                "side": side,
                **{k: v for k, v in (extra_fields or {}).items() if k == "outcome"},
            },
        )
        _notify_reporter(event)
    return locked


# --- partner actions -----------------------------------------------------------------------------


def report_acknowledge(*, actor: User, report: Report) -> Report:
    """The partner confirms receipt: submitted (or forwarded to them) → acknowledged."""
    return _status_change(
        actor=actor,
        report=report,
        action="acknowledge",
        audit_action="reports.acknowledged",
        responded=False,
    )


def report_start(*, actor: User, report: Report, note: str = "") -> Report:
    """The partner starts working on it → in progress; an optional note goes to the reporter."""
    note = _clean_text(note, required=False, message="", max_length=NOTE_MAX_LENGTH)
    return _status_change(
        actor=actor,
        report=report,
        action="start",
        audit_action="reports.started",
        text=note,
        responded=True,
    )


def report_close(*, actor: User, report: Report, outcome: str, note: str = "") -> Report:
    """Close with an outcome (REP-8). "No action possible" and "insufficient information" need a
    note to the reporter saying why; the note is also kept as ``status_note``."""
    if outcome not in Outcome.values:
        raise ReportActionError(_("Choose the outcome of the report."))
    note = _clean_text(
        note,
        required=outcome in OUTCOMES_NEEDING_NOTE,
        message=_("Explain to the reporter why, in a note."),
        max_length=NOTE_MAX_LENGTH,
    )
    return _status_change(
        actor=actor,
        report=report,
        action="close",
        audit_action="reports.closed",
        text=note,
        responded=True,
        extra_fields={"outcome": outcome, "status_note": note, "closed_at": timezone.now()},
    )


def report_forward(*, actor: User, report: Report, to_partner: str, note: str) -> Report:
    """Hand the report to the other partner (police ↔ municipality); it appears in their inbox.

    The note is for the receiving partner only; the reporter sees that it was forwarded. A
    report is forwarded once: the receiving partner closes it (outcome "referred" elsewhere).
    """
    note = _clean_text(
        note,
        required=True,
        message=_("Write a note for the partner you forward the report to."),
        max_length=NOTE_MAX_LENGTH,
    )
    with transaction.atomic():
        locked = _lock(report)
        side = _partner_side(actor, locked)
        target = _check_status(locked, "forward")
        if locked.forwarded_to:
            raise ReportActionError(_("This report has already been forwarded."))
        if to_partner not in Partner.values or to_partner == locked.partner:
            raise ReportActionError(_("Choose the other partner to forward the report to."))
        now = timezone.now()
        previous = locked.status
        locked.status = target
        locked.forwarded_to = to_partner
        locked.updated_by = actor
        changed = ["status", "forwarded_to", "updated_at", "updated_by"]
        changed += _mark_response(locked, now, responded=True)
        locked.save(update_fields=changed)
        event = _event(
            locked,
            kind=EventKind.FORWARDED,
            actor=actor,
            side=side,
            from_status=previous,
            to_status=str(target),
        )
        _event(
            locked,
            kind=EventKind.MESSAGE,
            actor=actor,
            side=side,
            text=note,
            visible_to_reporter=False,
        )
        audit.record(
            actor=actor,
            action="reports.forwarded",
            obj=locked,
            details={
                "event_id": event.pk,
                "from_status": previous,
                "to_status": str(target),
                "from_partner": locked.partner,
                "to_partner": to_partner,
                "side": side,
            },
        )
        _notify_reporter(event)
    return locked


def report_ask_reporter(*, actor: User, report: Report, text: str) -> ReportEvent:
    """A message (usually a question) from the partner to the reporter, who stays pseudonymous."""
    text = _clean_text(
        text,
        required=True,
        message=_("Write your question or message to the reporter."),
        max_length=DESCRIPTION_MAX_LENGTH,
    )
    with transaction.atomic():
        locked = _lock(report)
        side = _partner_side(actor, locked)
        _check_status(locked, "ask_reporter")
        changed = _mark_response(locked, timezone.now(), responded=True)
        locked.updated_by = actor
        locked.save(update_fields=[*changed, "updated_at", "updated_by"])
        event = _event(locked, kind=EventKind.MESSAGE, actor=actor, side=side, text=text)
        audit.record(
            actor=actor,
            action="reports.question_asked",
            obj=locked,
            details={"event_id": event.pk, "side": side},
        )
        _notify_reporter(event)
    return event


def report_thank(*, actor: User, report: Report, text: str = "") -> ReportEvent:
    """ "This helped" (REP-11): once per report; it counts for the reporter's recognition."""
    text = _clean_text(text, required=False, message="", max_length=NOTE_MAX_LENGTH)
    with transaction.atomic():
        locked = _lock(report)
        side = _partner_side(actor, locked)
        _check_status(locked, "thank")
        if ReportEvent.objects.filter(report=locked, kind=EventKind.THANKED).exists():
            raise ReportActionError(_("The reporter has already been thanked for this report."))
        event = _event(locked, kind=EventKind.THANKED, actor=actor, side=side, text=text)
        audit.record(
            actor=actor,
            action="reports.thanked",
            obj=locked,
            details={"event_id": event.pk, "side": side},
        )
        _notify_reporter(event)
    return event


# --- reporter ------------------------------------------------------------------------------------

# The reporter's answers and additions (text and/or photos) have one path:
# ``services.reporter.report_add_information``; it also tells the partner.


# --- coordinator ---------------------------------------------------------------------------------


def report_moderate(*, actor: User, report: Report, approve: bool, note: str = "") -> Report:
    """A coordinator decides on a report of an unverified resident (REP-10).

    Approve → submitted: the response-time targets count from now (the partner could not see the
    report before) and the report joins an incident where one is near. Reject → not accepted,
    with a note to the reporter (required).
    """
    from samenveilig.reports.incidents import incident_for
    from samenveilig.reports.routing import due_dates

    note = _clean_text(
        note,
        required=not approve,
        message=_("Tell the reporter why the report is not accepted."),
        max_length=NOTE_MAX_LENGTH,
    )
    with transaction.atomic():
        locked = _lock(report)
        if not permissions.user_can_moderate_report(actor, locked):
            raise ReportActionError(_("You cannot moderate this report."))
        action = "approve" if approve else "reject"
        target = _check_status(locked, action)
        assert target is not None
        previous = locked.status
        locked.status = target
        locked.updated_by = actor
        changed = ["status", "updated_at", "updated_by"]
        if approve:
            due = due_dates(locked.category, timezone.now())
            locked.acknowledge_due_at = due.acknowledge
            locked.respond_due_at = due.respond
            locked.close_due_at = due.close
            changed += ["acknowledge_due_at", "respond_due_at", "close_due_at"]
        else:
            locked.status_note = note
            changed.append("status_note")
        locked.save(update_fields=changed)
        event = _event(
            locked,
            kind=EventKind.MODERATED,
            actor=actor,
            side="coordinator",
            from_status=previous,
            to_status=str(target),
            text=note,
        )
        incident = incident_for(locked) if approve else None
        audit.record(
            actor=actor,
            action="reports.moderated",
            obj=locked,
            details={
                "event_id": event.pk,
                "from_status": previous,
                "to_status": str(target),
                "incident_id": incident.pk if incident else None,
            },
        )
        _notify_reporter(event)
    return locked
