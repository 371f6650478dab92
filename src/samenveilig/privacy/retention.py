"""The retention table (PLT-6): every kind of personal data the platform holds, why, on what legal
ground, who sees it, how long it is kept and which function purges it.

This table is the single source: ``manage.py purge`` runs the ``purge`` functions in this order,
``docs/privacy.md`` is rendered from it (``manage.py privacy_doc``; a test fails when the two
differ) and the subject-rights pages use it to say until when retained data stays.

A purge function takes ``now`` (keyword) and returns how many records it purged; it removes only
what is due and writes its own audit rows. Rows with ``purge=None`` are not removed on a clock;
``period`` says what ends them instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class RetentionRule:
    key: str
    label: str  # short, for the purge command's output
    data: str
    purpose: str
    legal_ground: str
    who_sees: str
    # ``{days}`` is replaced by the value of ``days_setting`` (or ``days_default``).
    period: str
    purge: str | None
    days_setting: str | None = None
    days_default: int | None = None

    @property
    def days(self) -> int | None:
        if self.days_setting is None:
            return None
        return int(getattr(settings, self.days_setting, self.days_default))

    @property
    def delta(self) -> timedelta | None:
        days = self.days
        return None if days is None else timedelta(days=days)

    def period_text(self, *, use_default: bool = False) -> str:
        days = self.days_default if use_default else self.days
        return self.period.format(days=days) if days is not None else self.period


PUBLIC_TASK = "public task (AVG art. 6(1)(e)): community safety with police and municipality"
CONSENT = "consent (AVG art. 6(1)(a))"
LEGITIMATE = "legitimate interest (AVG art. 6(1)(f))"
LEGAL_OBLIGATION = "legal obligation (AVG art. 6(1)(c)) and accountability (art. 5(2))"

RETENTION: tuple[RetentionRule, ...] = (
    RetentionRule(
        key="account",
        label="accounts",
        data="Account: e-mail address, display name, language, quiet hours, password hash, "
        "two-factor secrets, role grants, memberships (with motivation), watch points, "
        "subscriptions and channel preferences, training results, task claims, calendar feeds",
        purpose="Logging in, membership of communities, sending alerts to the right people",
        legal_ground="contract / consent at sign-up (AVG art. 6(1)(a),(b))",
        who_sees="the user; coordinators of their communities see name and membership; "
        "the privacy officer on a request",
        period="As long as the account exists; erased at once on the user's request "
        "(or the privacy officer's)",
        purge=None,
    ),
    RetentionRule(
        key="alert_descriptions",
        label="expired alert descriptions",
        data="Alert descriptions: person and vehicle description, message, photo, title; and "
        "the problems recipients reported about the alert (who, what, their explanation)",
        purpose="Warning members about a person or vehicle; questions afterwards",
        legal_ground=PUBLIC_TASK,
        who_sees="members in the alert's area while it runs; the issuing police or municipality",
        period="{days} days after the alert expired (the reference, kind, place and figures stay)",
        purge="samenveilig.alerts.services.purge_expired_alerts",
        days_setting="ALERT_RETENTION_DAYS",
        days_default=30,
    ),
    RetentionRule(
        key="reporter_identity",
        label="reporter identity of closed reports",
        data="Reporter identity: the link from a report to the account that made it "
        "(the report keeps its pseudonym)",
        purpose="Telling the reporter what happened with their report; follow-up questions",
        legal_ground=PUBLIC_TASK,
        who_sees="the reporter; partners and coordinators see only the pseudonym",
        period="{days} days after the report was closed or not accepted",
        purge="samenveilig.privacy.purge.purge_reporter_identity",
        days_setting="REPORTER_IDENTITY_RETENTION_DAYS",
        days_default=90,
    ),
    RetentionRule(
        key="closed_reports",
        label="content of closed reports",
        data="Closed reports: description, location text, status note, messages, person and "
        "vehicle descriptions, photos, the note on a misuse mark (the mark itself, with reason "
        "and date, stays as long as the report)",
        purpose="Handling the report by the partner it was routed to",
        legal_ground=PUBLIC_TASK,
        who_sees="the reporter; the partner and coordinators of the buurt",
        period="{days} days after the report was closed or not accepted (category, buurt, dates "
        "and outcome stay for the figures)",
        purge="samenveilig.privacy.purge.purge_closed_reports",
        days_setting="REPORT_RETENTION_DAYS",
        days_default=365,
    ),
    RetentionRule(
        key="report_abuse_reporter",
        label="old misuse marks linked to a reporter",
        data="Misuse marks on reports (REP-10): the link from the mark to the account of the "
        "reporter (the report's own link may be purged earlier)",
        purpose="Checking every new report of a resident whose reports were repeatedly marked as "
        "profiling, a false accusation, harassment or spam before it reaches a partner",
        legal_ground=PUBLIC_TASK,
        who_sees="nobody as such; coordinators see how many earlier marks made a report wait, "
        "the reporter sees their own marks",
        period="{days} days after the mark (REPORT_ABUSE_WINDOW_DAYS, the window in which marks "
        "count)",
        purge="samenveilig.reports.services.abuse.purge_abuse_reporter_links",
        days_setting="REPORT_ABUSE_WINDOW_DAYS",
        days_default=365,
    ),
    RetentionRule(
        key="investigation_cases",
        label="investigation cases not handed over",
        data="Investigation cases not handed over: suspicion, scope, evidence log, working "
        "copies, suspects' identifiers",
        purpose="A citizen investigation under police agreement",
        legal_ground=LEGITIMATE,
        who_sees="the investigation team of the case; the police after hand-over",
        period="{days} days after the case ended without hand-over (anonymous counts stay); "
        "handed-over cases go to the police",
        purge="samenveilig.investigations.services.purge_cases",
        days_setting="INVESTIGATIONS_RETENTION_DAYS",
        days_default=30,
    ),
    RetentionRule(
        key="flags",
        label="expired flags and old flag lookups",
        data="Partner flags (encrypted identifiers, keyed hashes, notes), their hits, and the "
        "record of hit/no-hit questions",
        purpose="Letting a partner know when a flagged vehicle or person turns up",
        legal_ground=PUBLIC_TASK,
        who_sees="the partner who set the flag and those it is shared with",
        period="{days} days after the flag ended or expired; questions after "
        "FLAG_LOOKUP_RETENTION_DAYS (default 365)",
        purge="samenveilig.flags.services.purge_flags",
        days_setting="FLAG_RETENTION_DAYS",
        days_default=90,
    ),
    RetentionRule(
        key="inquiry_contact",
        label="phone numbers of closed inquiries",
        data="Neighbourhood inquiry answers with contact consent: the resident's phone number",
        purpose="The police contacting a resident who asked for it",
        legal_ground=CONSENT,
        who_sees="the police of the buurt (coordinators see only that consent was given)",
        period="{days} days after the inquiry closed (the other answers stay with the inquiry)",
        purge="samenveilig.privacy.purge.purge_inquiry_contacts",
        days_setting="INQUIRY_CONTACT_RETENTION_DAYS",
        days_default=90,
    ),
    RetentionRule(
        key="survey_free_text",
        label="free text of closed survey rounds",
        data="Survey free text (the 'remarks' answer of the Communitymonitor and resident survey)",
        purpose="Hearing what respondents want to add; may name people by accident",
        legal_ground=LEGITIMATE,
        who_sees="the owner of the survey round",
        period="{days} days after the round closed (the scored answers stay, anonymous)",
        purge="samenveilig.privacy.purge.purge_survey_free_text",
        days_setting="SURVEY_FREE_TEXT_RETENTION_DAYS",
        days_default=180,
    ),
    RetentionRule(
        key="delivery_logs",
        label="old delivery logs",
        data="Delivery logs: which member got which alert on which channel, when it was sent "
        "and read",
        purpose="Sending each alert once, retries, read receipts",
        legal_ground=PUBLIC_TASK,
        who_sees="the member (inbox); the issuer sees counts only",
        period="{days} days after the delivery was made, once it is no longer waiting",
        purge="samenveilig.privacy.purge.purge_delivery_logs",
        days_setting="DELIVERY_LOG_RETENTION_DAYS",
        days_default=90,
    ),
    RetentionRule(
        key="sessions",
        label="expired sessions",
        data="Login sessions (account id, in the session table)",
        purpose="Staying logged in",
        legal_ground="contract (AVG art. 6(1)(b))",
        who_sees="nobody (server only)",
        period="Until the session expires (SESSION_COOKIE_AGE, 12 hours) or the user logs out",
        purge="samenveilig.privacy.purge.purge_sessions",
    ),
    RetentionRule(
        key="unused_answer_photos",
        label="unused answer photos",
        data="Photos uploaded as the answer to a questionnaire's photo question that no saved "
        "answer was given with (the visit was never saved, or the photo was replaced)",
        purpose="Keeping a photo while the form is being filled in",
        legal_ground=PUBLIC_TASK,
        who_sees="the person who took it",
        period="{days} days after the upload",
        purge="samenveilig.questionnaires.images.purge_unused_answer_images",
        days_setting="ANSWER_IMAGE_UNUSED_RETENTION_DAYS",
        days_default=2,
    ),
    RetentionRule(
        key="expense_claims",
        label="expense claim receipts",
        data="Expense claims of a community fund: the receipt (photo or PDF, may show a name "
        "or card number) and the link to the claimant's account",
        purpose="Reimbursing a member and accounting for the fund to the municipality",
        legal_ground="legal obligation (AVG art. 6(1)(c)): fiscal retention duty, art. 52 AWR",
        who_sees="the claimant; the fund's treasurer and coordinators; the municipality that "
        "decides",
        period="{days} days after payment; rejected claims 365 days after the decision "
        "(FUNDS_REJECTED_CLAIM_RETENTION_DAYS). Amount, category and description stay in the "
        "ledger",
        purge="samenveilig.funds.services.purge_expense_claims",
        days_setting="FUNDS_CLAIM_RETENTION_DAYS",
        days_default=2557,
    ),
    RetentionRule(
        key="task_results",
        label="old task results",
        data="Background task results (ids of records handled, error traces)",
        purpose="Running and retrying background work",
        legal_ground=LEGITIMATE,
        who_sees="administrators",
        period="{days} days after the task finished",
        purge="samenveilig.privacy.purge.purge_task_results",
        days_setting="TASK_RESULT_RETENTION_DAYS",
        days_default=30,
    ),
    RetentionRule(
        key="privacy_requests",
        label="closed privacy requests",
        data="Privacy requests register: requester name and contact, what was asked, the answer",
        purpose="Handling and proving the handling of data subject requests",
        legal_ground=LEGAL_OBLIGATION,
        who_sees="privacy officers; the requester (own self-service requests)",
        period="{days} days after the request was closed",
        purge="samenveilig.privacy.purge.purge_privacy_requests",
        days_setting="PRIVACY_REQUEST_RETENTION_DAYS",
        days_default=730,
    ),
    RetentionRule(
        key="audit_rows",
        label="old audit rows",
        data="Audit rows: who (account id) read or changed what (ids, counts), when",
        purpose="Accountability for access to sensitive data; tamper evidence",
        legal_ground=LEGAL_OBLIGATION,
        who_sees="privacy officers and administrators (`verify_audit`)",
        period="{days} days; the oldest rows are cut off and the cut is recorded in the chain",
        purge="samenveilig.privacy.purge.purge_audit_rows",
        days_setting="AUDIT_RETENTION_DAYS",
        days_default=1825,
    ),
)

BY_KEY = {rule.key: rule for rule in RETENTION}


def render_markdown(*, use_defaults: bool = False) -> str:
    """The retention table as Markdown; ``use_defaults``: with the shipped retention periods
    rather than the configured ones (what ``docs/privacy.md`` shows)."""
    lines = [
        "| data | purpose | legal ground | who sees it | retention | purged by |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RETENTION:
        purge = f"`{rule.purge}`" if rule.purge else "— (see retention)"
        cells = [
            f"**{rule.key}** — {rule.data}",
            rule.purpose,
            rule.legal_ground,
            rule.who_sees,
            rule.period_text(use_default=use_defaults),
            purge,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
