"""E-mails about reports, each in the recipient's own language.

The reporter hears of every step they can see (a status change, a message or question, a
thanks, the coordinator's decision, their report being marked as misuse). An e-mail says *that*
something happened, with the reference and a link to the report; never the report text, the
partner's message, an outcome note or anything about other people: those are read on the site
after logging in.

Partner users get a reminder with the number of their overdue reports and a link to the
overdue view of their inbox, and hear when a reporter answers or adds information (again only
*that* it happened, with a link to the report's page).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from samenveilig.reports import permissions, selectors
from samenveilig.reports.models import EventKind, Outcome, Report, ReportEvent, ReportStatus


def absolute_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def reporter_report_url(reference: str) -> str:
    """The reporter's page of a report, as an absolute link for an e-mail."""
    return absolute_url(reverse("reports:detail", args=[reference]))


def _status_sentence(event: ReportEvent) -> str:
    status = event.to_status
    report = event.report
    if event.kind == EventKind.FORWARDED:
        return _("Your report has been passed on to the partner who can best deal with it.")
    if status == ReportStatus.ACKNOWLEDGED:
        return _("Your report has been received and will be looked at.")
    if status == ReportStatus.IN_PROGRESS:
        return _("Work has started on your report.")
    if status == ReportStatus.CLOSED:
        outcome = str(Outcome(report.outcome).label) if report.outcome in Outcome.values else ""
        return _("Your report has been closed. Outcome: %(outcome)s.") % {"outcome": outcome}
    if status == ReportStatus.SUBMITTED and event.kind == EventKind.MODERATED:
        return _("A coordinator approved your report; it has gone to the police or municipality.")
    if status == ReportStatus.REJECTED:
        return _("A coordinator did not accept your report. The reason is on the report's page.")
    return _("The status of your report changed to: %(status)s.") % {
        "status": str(ReportStatus(status).label) if status in ReportStatus.values else status
    }


def _reporter_mail(event: ReportEvent) -> tuple[str, str] | None:
    """Subject and first paragraph for this event, or ``None`` when it is not for the reporter."""
    reference = event.report.reference
    if not event.visible_to_reporter or event.actor_side == "reporter":
        return None
    if event.kind == EventKind.MESSAGE:
        return (
            _("A message about your report %(reference)s") % {"reference": reference},
            _(
                "There is a new message or question about your report. Read it and answer on the "
                "report's page."
            ),
        )
    if event.kind == EventKind.THANKED:
        return (
            _("Thank you: your report %(reference)s helped") % {"reference": reference},
            _("The police or municipality let you know that your report helped. Thank you!"),
        )
    if event.kind == EventKind.ABUSE_FLAGGED:
        return (
            _("About your report %(reference)s") % {"reference": reference},
            _(
                "Your report has been marked as misuse of Samen Veilig. Read why on the "
                "report's page."
            ),
        )
    if event.kind in (EventKind.STATUS_CHANGED, EventKind.FORWARDED, EventKind.MODERATED):
        return (
            _("News about your report %(reference)s") % {"reference": reference},
            _status_sentence(event),
        )
    return None


def send_reporter_update(*, event_id: int) -> int:
    """E-mail the reporter about one event of their report; returns the number of e-mails."""
    event = (
        ReportEvent.objects.select_related("report", "report__reporter").filter(pk=event_id).first()
    )
    if event is None:
        return 0
    recipient = event.report.reporter
    if recipient is None or not recipient.is_active or not recipient.email:
        return 0
    reference = event.report.reference
    with override(recipient.language or settings.LANGUAGE_CODE):
        mail = _reporter_mail(event)
        if mail is None:
            return 0
        subject, paragraph = mail
        body = (
            _("Hello,")
            + "\n\n"
            + paragraph
            + "\n\n"
            + _("Report %(reference)s: %(link)s")
            % {"reference": reference, "link": reporter_report_url(reference)}
            + "\n\n"
            + _("You get this e-mail because you sent this report on Samen Veilig.")
            + "\n\nSamen Veilig"
        )
    return send_mail(subject, body, None, [recipient.email])


def partner_report_url(reference: str) -> str:
    """The partner's page of a report, as an absolute link for an e-mail."""
    return absolute_url(reverse("reports:handle", kwargs={"reference": reference}))


def partner_recipients(report: Report) -> list[Any]:
    """Active users of the side now responsible for the report (the one it was forwarded to,
    else the one it was routed to) with a grant on its buurt, wijk or gemeente."""
    from samenveilig.accounts.models import RoleGrant
    from samenveilig.areas.selectors import area_and_ancestor_ids

    if report.status in permissions.NOT_FOR_PARTNERS:
        return []
    side = report.forwarded_to or report.partner
    user_ids = RoleGrant.objects.filter(
        role=side, area_id__in=area_and_ancestor_ids(report.neighbourhood)
    ).values_list("user_id", flat=True)
    User = get_user_model()
    recipients = User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    # The grant says where; the permission check says whether (e.g. the side still matches).
    return [
        user
        for user in recipients.order_by("pk")
        if permissions.user_can_handle_report(user, report)
    ]


def send_partner_update(*, event_id: int) -> int:
    """E-mail the partner users of a report that the reporter answered or added information.

    Like the reporter's e-mails it says only *that* something was added, with the reference
    and a link; the text and photos are read on the site. Returns the number of e-mails.
    """
    event = (
        ReportEvent.objects.select_related("report", "report__neighbourhood")
        .filter(pk=event_id, actor_side="reporter")
        .first()
    )
    if event is None:
        return 0
    report = event.report
    link = partner_report_url(report.reference)
    sent = 0
    for user in partner_recipients(report):
        with override(user.language or settings.LANGUAGE_CODE):
            subject = _("The reporter added to report %(reference)s") % {
                "reference": report.reference
            }
            body = (
                _("Hello,")
                + "\n\n"
                + _(
                    "The reporter of %(reference)s answered a question or added information. "
                    "Read it in the report's history."
                )
                % {"reference": report.reference}
                + "\n\n"
                + _("Report %(reference)s: %(link)s")
                % {"reference": report.reference, "link": link}
                + "\n\nSamen Veilig"
            )
        sent += send_mail(subject, body, None, [user.email])
    return sent


def send_overdue_reminders() -> int:
    """E-mail every police and municipality user the number of their overdue reports.

    Users without overdue reports get nothing. Returns the number of e-mails sent.
    """
    from samenveilig.accounts.models import RoleGrant

    User = get_user_model()
    user_ids = (
        RoleGrant.objects.filter(role__in=permissions.PARTNER_ROLES, area__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )
    link = absolute_url(reverse("reports:inbox") + "?view=overdue")
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        count = selectors.overdue_count(user)
        if not count or not user.email:
            continue
        with override(user.language or settings.LANGUAGE_CODE):
            subject = _("Overdue reports: %(count)d") % {"count": count}
            body = (
                _("Hello,")
                + "\n\n"
                + ngettext(
                    "%(count)d report in your inbox is past its response-time target.",
                    "%(count)d reports in your inbox are past their response-time target.",
                    count,
                )
                % {"count": count}
            )
            body += "\n\n" + _("Overdue reports: %(link)s") % {"link": link} + "\n\nSamen Veilig"
        sent += send_mail(subject, body, None, [user.email])
    return sent
