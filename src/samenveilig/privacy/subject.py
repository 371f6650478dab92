"""Data subject rights (GDPR art. 15, 17, 20; PLT-6): what the platform holds about one account,
its export and its erasure.

``USER_LINKS`` names every foreign key to the user model in every installed app and says what the
export shows of it and what erasure does with it. ``tests/privacy/test_subject_services.py``
introspects the model graph and fails when a new foreign key to the user is not in this table, so a
new app cannot hold personal data the export and erasure forget.

Erasure keeps the account row (deactivated, e-mail and name replaced, no usable password) rather
than deleting it: records the law makes us keep (expense claims under the fiscal retention duty,
the chain of custody of investigation evidence, the privacy register itself) keep pointing at a
row that no longer says who it was. Everything else is deleted or unlinked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.core import audit
from samenveilig.privacy.models import PrivacyRequest, RequestKind, RequestStatus, one_month_after
from samenveilig.privacy.retention import BY_KEY

DELETE = "delete"  # the row is the user's own (a membership, a preference): it goes
UNLINK = "unlink"  # the row belongs to the community or a partner: the link to the user goes
KEEP = "keep"  # a retention rule requires keeping the link: it stays, the account is anonymised


@dataclass(frozen=True)
class Link:
    section: str  # key in the export; rows of links with the same section are listed together
    erase: str  # DELETE, UNLINK or KEEP
    retention: str | None = None  # for KEEP: the retention rule that requires it
    full: bool = True  # export every column (the user's own data) or only id and date
    extra: dict[str, Any] = field(default_factory=dict)  # extra fields set on UNLINK


# "app_label.Model.field" → Link. Authorship columns (created_by, decided_by, …) are unlinked:
# the record is the community's, only the fact that this account wrote it is about the user.
USER_LINKS: dict[str, Link] = {
    "admin.LogEntry.user": Link("admin_log", DELETE, full=False),
    "account.EmailAddress.user": Link("email_addresses", DELETE),
    "mfa.Authenticator.user": Link("two_factor_methods", DELETE),
    "accounts.RoleGrant.user": Link("roles", DELETE),
    "accounts.RoleGrant.granted_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.Community.created_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.Community.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.Membership.created_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.Membership.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.Membership.user": Link("memberships", DELETE),
    "communities.Membership.decided_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.WatchPoint.created_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.WatchPoint.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "communities.WatchPoint.user": Link("watch_points", DELETE),
    "communities.AlertSubscription.user": Link("alert_subscriptions", DELETE),
    "analysis.KnoxRun.requested_by": Link("records_you_wrote", UNLINK, full=False),
    "analysis.NearRepeatDefaults.adopted_by": Link("records_you_wrote", UNLINK, full=False),
    "reports.Report.created_by": Link("records_you_wrote", UNLINK, full=False),
    "reports.Report.updated_by": Link("records_you_wrote", UNLINK, full=False),
    # The report stays for the partner it was routed to; only the reporter identity goes (the
    # pseudonym stays, and is no longer linked to anyone).
    # When the reporter last opened the report is about them too: it goes with the link.
    "reports.Report.reporter": Link(
        "reports", UNLINK, extra={"share_identity": False, "reporter_seen_at": None}
    ),
    "reports.ReportEvent.actor": Link("report_messages_and_events", UNLINK),
    "reports.Open311ApiKey.created_by": Link("records_you_wrote", UNLINK, full=False),
    # A report marked as misuse (REP-10): the mark stays with the report; the partner or
    # coordinator who marked it is only unlinked. The reporter's copy of the link (it counts
    # towards checking their new reports first) is listed with their reports and goes on erasure
    # like the report's own link. Id only: the row names the partner's account and holds the
    # partner's note; the reporter reads the reason on the report's page.
    "reports.ReportAbuse.flagged_by": Link("records_you_wrote", UNLINK, full=False),
    "reports.ReportAbuse.reporter": Link("reports", UNLINK, full=False),
    "alerts.Alert.created_by": Link("records_you_wrote", UNLINK, full=False),
    "alerts.Alert.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "alerts.Alert.decided_by": Link("records_you_wrote", UNLINK, full=False),
    "alerts.Delivery.user": Link("alert_deliveries", DELETE),
    "alerts.WebhookEndpoint.created_by": Link("records_you_wrote", UNLINK, full=False),
    "alerts.WebhookEndpoint.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "alerts.PushSubscription.user": Link("push_subscriptions", DELETE),
    "alerts.ChannelPreference.user": Link("channel_preferences", DELETE),
    "alerts.AlertConcern.raised_by": Link("alert_problems_reported", UNLINK),
    "alerts.AlertConcern.handled_by": Link("records_you_wrote", UNLINK, full=False),
    "questionnaires.Questionnaire.created_by": Link("records_you_wrote", UNLINK, full=False),
    "questionnaires.Questionnaire.updated_by": Link("records_you_wrote", UNLINK, full=False),
    # Answers recorded at a door are the resident's and the inquiry's, not the canvasser's.
    "questionnaires.AnswerSet.submitted_by": Link("answers_you_recorded", UNLINK, full=False),
    "questionnaires.AnswerImage.uploaded_by": Link("answers_you_recorded", UNLINK, full=False),
    "inquiries.Inquiry.created_by": Link("records_you_wrote", UNLINK, full=False),
    "inquiries.Inquiry.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "inquiries.CanvasserMark.created_by": Link("records_you_wrote", UNLINK, full=False),
    "inquiries.CanvasserMark.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "inquiries.CanvasserMark.user": Link("canvassing", DELETE),
    "inquiries.CanvassSignup.user": Link("canvassing", DELETE),
    "inquiries.CanvassRoute.first_canvasser": Link("canvassing", UNLINK),
    "inquiries.CanvassRoute.second_canvasser": Link("canvassing", UNLINK),
    "inquiries.CanvassVisit.visited_by": Link("answers_you_recorded", UNLINK, full=False),
    "monitor.SurveyRound.created_by": Link("records_you_wrote", UNLINK, full=False),
    "monitor.SurveyRound.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "training.QuizAttempt.user": Link("training", DELETE),
    "training.Certificate.created_by": Link("records_you_wrote", UNLINK, full=False),
    "training.Certificate.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "training.Certificate.user": Link("training", DELETE),
    "flags.Flag.created_by": Link("flags", KEEP, "flags", full=False),
    "flags.Flag.updated_by": Link("flags", KEEP, "flags", full=False),
    # The flag is the partner organisation's record (public task); it ends on its own expiry.
    "flags.Flag.owner": Link("flags", KEEP, "flags", full=False),
    "flags.FlagLookup.asked_by": Link("flags", KEEP, "flags", full=False),
    # Investigations: every action stays attributed (INV-1, INV-4 chain of custody) until the
    # case is purged or handed over to the police: a legal hold, not ours to lift.
    "investigations.PoliceAgreement.created_by": Link("records_you_wrote", UNLINK, full=False),
    "investigations.PoliceAgreement.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "investigations.Case.created_by": Link("investigations", KEEP, "investigation_cases", False),
    "investigations.Case.updated_by": Link("investigations", KEEP, "investigation_cases", False),
    "investigations.Case.opened_by": Link("investigations", KEEP, "investigation_cases", False),
    "investigations.Case.approved_by": Link("investigations", KEEP, "investigation_cases", False),
    "investigations.Case.handed_over_by": Link(
        "investigations", KEEP, "investigation_cases", False
    ),
    "investigations.Participant.user": Link("investigations", KEEP, "investigation_cases", False),
    "investigations.EvidenceItem.collected_by": Link(
        "investigations", KEEP, "investigation_cases", False
    ),
    "investigations.WorkingCopy.created_by": Link(
        "investigations", KEEP, "investigation_cases", False
    ),
    "investigations.SuspectIdentifier.added_by": Link(
        "investigations", KEEP, "investigation_cases", False
    ),
    "investigations.CustodyEvent.actor": Link("investigations", KEEP, "investigation_cases", False),
    # Time spent in cases is the member's wellbeing record, nobody else needs it afterwards.
    "investigations.Exposure.user": Link("investigations_wellbeing", DELETE),
    "funds.Fund.created_by": Link("records_you_wrote", UNLINK, full=False),
    "funds.Fund.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "funds.Fund.treasurer": Link("funds", UNLINK, full=False),
    "funds.ExpenseClaim.created_by": Link("expense_claims", KEEP, "expense_claims", False),
    "funds.ExpenseClaim.updated_by": Link("expense_claims", KEEP, "expense_claims", False),
    "funds.ExpenseClaim.claimant": Link("expense_claims", KEEP, "expense_claims"),
    "funds.ExpenseClaim.decided_by": Link("expense_claims", KEEP, "expense_claims", False),
    "funds.ExpenseClaim.paid_by": Link("expense_claims", KEEP, "expense_claims", False),
    "programme.ChecklistItem.created_by": Link("records_you_wrote", UNLINK, full=False),
    "programme.ChecklistItem.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "programme.CommunityProgramme.created_by": Link("records_you_wrote", UNLINK, full=False),
    "programme.CommunityProgramme.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "programme.ChecklistTick.ticked_by": Link("records_you_wrote", UNLINK, full=False),
    "programme.ProgrammeEvent.actor": Link("records_you_wrote", UNLINK, full=False),
    "programme.Evaluation.created_by": Link("records_you_wrote", UNLINK, full=False),
    "programme.Evaluation.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "activities.Project.created_by": Link("records_you_wrote", UNLINK, full=False),
    "activities.Project.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "activities.Task.created_by": Link("records_you_wrote", UNLINK, full=False),
    "activities.Task.updated_by": Link("records_you_wrote", UNLINK, full=False),
    "activities.Task.proposed_by": Link("activities", UNLINK, full=False),
    "activities.Task.decided_by": Link("records_you_wrote", UNLINK, full=False),
    "activities.TaskClaim.user": Link("activities", DELETE),
    "activities.CalendarFeed.user": Link("activities", DELETE),
    # The register proves we answered the request (accountability, art. 5(2)).
    "privacy.PrivacyRequest.subject": Link("privacy_requests", KEEP, "privacy_requests"),
    "privacy.PrivacyRequest.recorded_by": Link("records_you_wrote", UNLINK, full=False),
    "privacy.PrivacyRequest.closed_by": Link("records_you_wrote", UNLINK, full=False),
}

# Sections in the order the HTML page shows them, with a heading.
SECTIONS: dict[str, Any] = {
    "account": _("Account"),
    "email_addresses": _("E-mail addresses"),
    "two_factor_methods": _("Two-factor authentication"),
    "roles": _("Roles"),
    "memberships": _("Community memberships"),
    "watch_points": _("Home and watch points"),
    "alert_subscriptions": _("Alert subscriptions"),
    "channel_preferences": _("How alerts reach you"),
    "push_subscriptions": _("Phones and browsers that get push messages"),
    "alert_deliveries": _("Alerts sent to you (delivery log)"),
    "alert_problems_reported": _("Problems you reported about alerts"),
    "reports": _("Reports you filed (including tips on alerts)"),
    "report_messages_and_events": _("Messages and status changes on reports"),
    "answers_you_recorded": _("Inquiry answers and visits you recorded"),
    "canvassing": _("Canvassing (door-to-door inquiries)"),
    "training": _("Training and certificates"),
    "activities": _("Tasks and activities"),
    "funds": _("Community funds"),
    "expense_claims": _("Expense claims"),
    "investigations": _("Investigation teams"),
    "investigations_wellbeing": _("Time spent in investigations"),
    "flags": _("Partner flags"),
    "privacy_requests": _("Your privacy requests"),
    "records_you_wrote": _("Other records you created or changed"),
    "admin_log": _("Administration log"),
    "audit_rows": _("Audit log entries about you"),
    "surveys": _("Surveys"),
}

# Columns never exported: secrets that would let someone take over the account or a device,
# and encrypted case or flag content that is not about the user (INV-8, FLG-2).
_SECRET_PARTS = ("password", "secret", "token", "encrypted", "hmac", "key_hash", "keys", "p256dh")
_SECRET_FIELDS = {"auth", "data", "hash", "identifier_hash", "hashed_key"}


def user_foreign_keys() -> set[str]:
    """Every concrete relation to the user model in every installed app, as "app.Model.field"."""
    user_model = get_user_model()
    found = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete and f.related_model is user_model:
                found.add(f"{model._meta.app_label}.{model.__name__}.{f.name}")
    return found


def _model(key: str) -> tuple[type[models.Model], str]:
    app_label, model_name, field_name = key.split(".")
    return apps.get_model(app_label, model_name), field_name


def _value(f: models.Field, obj: models.Model) -> Any:
    if isinstance(f, models.ForeignKey):
        return getattr(obj, f.attname)
    value = getattr(obj, f.attname)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(f, models.FileField):
        return value.name if value else ""
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


def _row(obj: models.Model, *, full: bool, via: str) -> dict[str, Any]:
    meta = obj._meta
    row: dict[str, Any] = {"record": str(meta.verbose_name), "id": obj.pk, "as": via}
    if not full:
        for name in ("reference", "created_at", "submitted_at", "occurred_at", "joined_at"):
            if hasattr(obj, name):
                row[name] = _value(meta.get_field(name), obj)
        return row
    for f in meta.concrete_fields:
        name = f.name
        if f.primary_key or name in _SECRET_FIELDS or any(p in name for p in _SECRET_PARTS):
            continue
        if isinstance(f, models.BinaryField):
            continue
        row[name] = _value(f, obj)
    return row


def _account(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "active": user.is_active,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "quiet_hours": {
            "start": user.quiet_hours_start.isoformat() if user.quiet_hours_start else None,
            "end": user.quiet_hours_end.isoformat() if user.quiet_hours_end else None,
        },
    }


def collect_export(user: Any) -> dict[str, Any]:
    """Everything the platform holds about ``user``, JSON-ready, one key per section."""
    from samenveilig.core.models import AuditEvent

    data: dict[str, Any] = {key: [] for key in SECTIONS}
    data["account"] = _account(user)
    for key, link in USER_LINKS.items():
        model, field_name = _model(key)
        for obj in model._default_manager.filter(**{field_name: user}).order_by("pk"):
            row = _row(obj, full=link.full, via=field_name)
            if key == "mfa.Authenticator.user":
                row = {"record": row["record"], "id": obj.pk, "type": obj.type}
            data[link.section].append(row)
    # Audit rows name the account by id only; they are the user's data all the same.
    user_type = user._meta.label_lower
    data["audit_rows"] = [
        {
            "sequence": e.sequence,
            "occurred_at": e.occurred_at.isoformat(),
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "as": "actor" if e.actor_id == user.pk else "subject",
        }
        for e in AuditEvent.objects.filter(
            models.Q(actor_id=user.pk)
            | models.Q(object_type=user_type, object_id=str(user.pk))
            | models.Q(details__subject_id=user.pk)
        ).order_by("sequence")
    ]
    data["surveys"] = [
        {
            "note": str(
                _(
                    "Survey answers (Communitymonitor, resident survey) are anonymous: they are "
                    "not linked to your account, so they cannot be shown or erased per person."
                )
            )
        }
    ]
    data["generated_at"] = timezone.now().isoformat()
    return data


def _record_request(*, user: Any, actor: Any, kind: str, note: str) -> PrivacyRequest:
    today = timezone.localdate()
    return PrivacyRequest.objects.create(
        kind=kind,
        status=RequestStatus.DONE,
        subject=user,
        self_service=actor == user,
        received_on=today,
        due_on=one_month_after(today),
        recorded_by=actor,
        closed_at=timezone.now(),
        closed_by=actor,
        outcome_note=note,
    )


def export_user_data(
    *, user: Any, actor: Any, fmt: str, request: PrivacyRequest | None = None
) -> dict[str, Any]:
    """The export (art. 15/20), recorded in the register and the audit chain in one transaction.

    ``request``: an open access request the privacy officer carries out; it is closed as done.
    Otherwise (self-service) a done request is added to the register.
    """
    with transaction.atomic():
        data = collect_export(user)
        counts = {k: len(v) for k, v in data.items() if isinstance(v, list) and v}
        note = f"Export ({fmt}) handed over: " + ", ".join(f"{k} {n}" for k, n in counts.items())
        if request is None:
            request = _record_request(user=user, actor=actor, kind=RequestKind.ACCESS, note=note)
        else:
            _close(request, actor=actor, status=RequestStatus.DONE, note=note)
        # The action name is the one the old profile export used, so the chain reads as one.
        audit.record(
            actor=actor,
            action="accounts.data_export",
            obj=request,
            details={"subject_id": user.pk, "format": fmt, "sections": len(counts)},
        )
    return data


@dataclass
class Kept:
    section: str
    count: int
    reason: str
    until: dt.date | None
    period: str


@dataclass
class ErasureResult:
    request: PrivacyRequest
    removed: dict[str, int]
    unlinked: dict[str, int]
    kept: list[Kept]


def _max_date(values: list[dt.datetime | None]) -> dt.date | None:
    dates = [v.date() if isinstance(v, dt.datetime) else v for v in values if v is not None]
    return max(dates) if dates else None


def _kept_until(rule_key: str, user: Any, now: dt.datetime) -> dt.date | None:
    """When the last record kept under ``rule_key`` for this user goes; None when that depends on
    an event still to come (a case still running, a claim not decided)."""
    rule = BY_KEY[rule_key]
    delta = rule.delta
    if rule_key == "expense_claims":
        from django.conf import settings

        from samenveilig.funds.models import ExpenseClaim

        rejected = dt.timedelta(days=getattr(settings, "FUNDS_REJECTED_CLAIM_RETENTION_DAYS", 365))
        ends = []
        for claim in ExpenseClaim.objects.filter(claimant=user):
            if claim.paid_at:
                ends.append(claim.paid_at + delta)
            elif claim.status == "rejected" and claim.decided_at:
                ends.append(claim.decided_at + rejected)
            else:
                return None
        return _max_date(ends)
    if rule_key == "investigation_cases":
        from samenveilig.investigations.models import Case, Participant

        case_ids = Participant.objects.filter(user=user).values_list("case_id", flat=True)
        ends = list(Case.objects.filter(pk__in=case_ids).values_list("purge_after", flat=True))
        return None if any(e is None for e in ends) else _max_date(ends)
    if rule_key == "flags":
        from samenveilig.flags.models import Flag

        ends = [
            min(f.ended_at or f.expires_at, f.expires_at) + delta
            for f in Flag.objects.filter(owner=user)
        ]
        return _max_date(ends) or (now + delta).date()
    if delta is not None:
        return (now + delta).date()
    return None


def _close(request: PrivacyRequest, *, actor: Any, status: str, note: str) -> None:
    request.status = status
    request.closed_at = timezone.now()
    request.closed_by = actor
    request.outcome_note = note
    request.save(update_fields=["status", "closed_at", "closed_by", "outcome_note"])


def _end_sessions(user: Any) -> int:
    """Log the account out everywhere (database sessions; the session names the account by id)."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def erase_user(*, user: Any, actor: Any, request: PrivacyRequest | None = None) -> ErasureResult:
    """Erase the account's data (art. 17) in one transaction, except what a retention rule
    requires keeping; the result says what was kept, why and until when."""
    now = timezone.now()
    removed: dict[str, int] = {}
    unlinked: dict[str, int] = {}
    kept_counts: dict[str, tuple[int, str]] = {}
    with transaction.atomic():
        user = get_user_model()._default_manager.select_for_update().get(pk=user.pk)
        if request is None:
            # Recorded first, so the register's own row is listed among what is kept.
            request = _record_request(user=user, actor=actor, kind=RequestKind.ERASURE, note="")
        request.self_service = actor is not None and actor.pk == user.pk
        request.save(update_fields=["self_service"])
        for key, link in USER_LINKS.items():
            model, field_name = _model(key)
            rows = model._default_manager.filter(**{field_name: user})
            if link.erase == DELETE:
                count, _by_model = rows.delete()
                if count:
                    removed[link.section] = removed.get(link.section, 0) + count
            elif link.erase == UNLINK:
                count = rows.update(**{field_name: None, **link.extra})
                if count:
                    unlinked[link.section] = unlinked.get(link.section, 0) + count
            else:
                count = rows.count()
                if count:
                    total, _rule = kept_counts.get(link.section, (0, link.retention or ""))
                    kept_counts[link.section] = (total + count, link.retention or "")
        _end_sessions(user)
        pk = user.pk
        user.email = f"erased-{pk}@erased.invalid"
        user.display_name = ""
        user.first_name = ""
        user.last_name = ""
        user.quiet_hours_start = None
        user.quiet_hours_end = None
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()

        kept = [
            Kept(
                section=section,
                count=count,
                reason=BY_KEY[rule].legal_ground,
                until=_kept_until(rule, user, now),
                period=BY_KEY[rule].period_text(),
            )
            for section, (count, rule) in kept_counts.items()
        ]
        audit_rule = BY_KEY["audit_rows"]
        kept.append(
            Kept(
                section="audit_rows",
                count=0,
                reason=audit_rule.legal_ground,
                until=(now + audit_rule.delta).date() if audit_rule.delta else None,
                period=audit_rule.period_text(),
            )
        )
        note = "Erased: " + ", ".join(
            [f"removed {k} {n}" for k, n in removed.items()]
            + [f"unlinked {k} {n}" for k, n in unlinked.items()]
            + [f"kept {k.section} {k.count} until {k.until or 'see retention'}" for k in kept]
        )
        _close(
            request,
            actor=actor if actor is not None and actor.pk != pk else None,
            status=RequestStatus.DONE,
            note=note[:4000],
        )
        audit.record(
            actor=actor if actor is not None and actor.pk != pk else None,
            action="privacy.erasure",
            obj=request,
            details={
                "subject_id": pk,
                "removed": sum(removed.values()),
                "unlinked": sum(unlinked.values()),
                "kept": {k.section: k.count for k in kept if k.count},
            },
        )
    return ErasureResult(request=request, removed=removed, unlinked=unlinked, kept=kept)
