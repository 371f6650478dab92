"""Every write to the funds (FND-1): one transaction per action, an audit row for each.

The balance rule: an entry that takes money out (an approved claim, a negative correction) is
written only while the fund's row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite runs
write transactions with BEGIN IMMEDIATE, which serialises them), after reading the running balance
of the last entry under that lock. Two approvals racing for the last euro therefore run one after
the other and the second sees the first's entry. The database check on ``balance_after_cents``
catches any path that would forget this.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.communities.models import Community, Membership, MembershipStatus
from samenveilig.core import audit
from samenveilig.funds import permissions
from samenveilig.funds.models import (
    ClaimStatus,
    EntryKind,
    ExpenseCategory,
    ExpenseClaim,
    Fund,
    LedgerEntry,
)
from samenveilig.funds.receipts import CheckedReceipt

MAX_AMOUNT_CENTS = 100_000 * 100  # one entry or claim: at most € 100,000


class FundError(Exception):
    """An action that cannot be done as asked; ``message`` is translated and says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def euros(cents: int) -> str:
    """``1234`` → ``"12.34"`` (for messages; pages format with the locale)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _check_amount(amount_cents: int, *, allow_negative: bool = False) -> None:
    if amount_cents == 0 or (amount_cents < 0 and not allow_negative):
        raise FundError(_("Enter an amount above zero."))
    if abs(amount_cents) > MAX_AMOUNT_CENTS:
        raise FundError(
            _("One amount can be at most € %(max)s.") % {"max": euros(MAX_AMOUNT_CENTS)}
        )


def _locked(fund: Fund) -> Fund:
    return Fund.objects.select_for_update().select_related("community").get(pk=fund.pk)


def _append(
    fund: Fund,
    *,
    actor: Any,
    kind: str,
    category: str,
    amount_cents: int,
    note: str = "",
    claim: ExpenseClaim | None = None,
    corrects: LedgerEntry | None = None,
) -> LedgerEntry:
    """Append one entry to a fund whose row the caller has locked in this transaction."""
    last = LedgerEntry.objects.filter(fund=fund).order_by("-sequence").first()
    balance = last.balance_after_cents if last else 0
    new_balance = balance + amount_cents
    if new_balance < 0:
        raise FundError(
            _(
                "The fund holds € %(balance)s; this would take it below zero. Record income "
                "first or lower the amount."
            )
            % {"balance": euros(balance)}
        )
    return LedgerEntry.objects.create(
        fund=fund,
        sequence=(last.sequence + 1) if last else 1,
        kind=kind,
        category=category,
        amount_cents=amount_cents,
        balance_after_cents=new_balance,
        note=note,
        claim=claim,
        corrects=corrects,
        recorded_by_id=getattr(actor, "pk", None),
        recorded_at=timezone.now(),
    )


def fund_open(*, actor: Any, community: Community) -> Fund:
    if not permissions.user_can_open_fund(actor, community):
        raise PermissionDenied
    with transaction.atomic():
        fund, created = Fund.objects.get_or_create(
            community=community, defaults={"created_by": actor, "updated_by": actor}
        )
        if created:
            audit.record(actor=actor, action="funds.fund_opened", obj=fund)
    return fund


def fund_set_treasurer(*, actor: Any, fund: Fund, user_id: int | None) -> Fund:
    if not permissions.user_can_set_treasurer(actor, fund):
        raise PermissionDenied
    with transaction.atomic():
        fund = _locked(fund)
        if (
            user_id is not None
            and not Membership.objects.filter(
                community=fund.community, user_id=user_id, status=MembershipStatus.VERIFIED
            ).exists()
        ):
            raise FundError(_("The treasurer must be a verified member of the community."))
        fund.treasurer_id = user_id
        fund.updated_by = actor
        fund.save(update_fields=["treasurer", "updated_by", "updated_at"])
        audit.record(
            actor=actor, action="funds.treasurer_set", obj=fund, details={"user_id": user_id}
        )
    return fund


def income_record(
    *, actor: Any, fund: Fund, category: str, amount_cents: int, note: str = ""
) -> LedgerEntry:
    if category not in permissions.income_categories_for(actor, fund):
        raise PermissionDenied
    if not fund.community.is_active:
        raise PermissionDenied
    _check_amount(amount_cents)
    with transaction.atomic():
        locked = _locked(fund)
        entry = _append(
            locked,
            actor=actor,
            kind=EntryKind.INCOME,
            category=category,
            amount_cents=amount_cents,
            note=note.strip()[:300],
        )
        audit.record(
            actor=actor,
            action="funds.income_recorded",
            obj=entry,
            details={"fund_id": fund.pk, "amount_cents": amount_cents, "category": category},
        )
    return entry


def claim_submit(
    *,
    actor: Any,
    fund: Fund,
    category: str,
    amount_cents: int,
    description: str,
    receipt: CheckedReceipt,
) -> ExpenseClaim:
    if not permissions.user_can_file_claim(actor, fund):
        raise PermissionDenied
    if category not in ExpenseCategory.values:
        raise FundError(_("Choose one of the categories."))
    _check_amount(amount_cents)
    description = description.strip()
    if not description:
        raise FundError(_("Say what the money was spent on."))
    with transaction.atomic():
        claim = ExpenseClaim(
            fund=fund,
            claimant=actor,
            category=category,
            amount_cents=amount_cents,
            description=description[:300],
            receipt_kind=receipt.kind,
            created_by=actor,
            updated_by=actor,
        )
        claim.receipt.save(receipt.content.name, receipt.content, save=False)
        claim.save()
        audit.record(
            actor=actor,
            action="funds.claim_submitted",
            obj=claim,
            details={"fund_id": fund.pk, "amount_cents": amount_cents},
        )
    return claim


def _locked_claim(claim: ExpenseClaim) -> tuple[Fund, ExpenseClaim]:
    fund = _locked(claim.fund)
    locked = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
    locked.fund = fund
    return fund, locked


def claim_decide(*, actor: Any, claim: ExpenseClaim, approve: bool, reason: str) -> ExpenseClaim:
    """Approve (writes the expense entry, refused when the fund cannot pay it) or reject."""
    reason = reason.strip()
    if not approve and not reason:
        raise FundError(_("Give the reason for the rejection; the claimant reads it."))
    with transaction.atomic():
        fund, claim = _locked_claim(claim)
        if claim.status != ClaimStatus.SUBMITTED:
            raise FundError(_("This claim has already been decided."))
        if not permissions.user_can_decide_claim(actor, claim):
            raise PermissionDenied
        if approve:
            _append(
                fund,
                actor=actor,
                kind=EntryKind.EXPENSE,
                category=claim.category,
                amount_cents=-claim.amount_cents,
                claim=claim,
            )
        claim.status = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
        claim.decided_at = timezone.now()
        claim.decided_by = actor
        claim.decision_reason = reason[:500]
        claim.updated_by = actor
        claim.save(
            update_fields=[
                "status",
                "decided_at",
                "decided_by",
                "decision_reason",
                "updated_by",
                "updated_at",
            ]
        )
        audit.record(
            actor=actor,
            action="funds.claim_approved" if approve else "funds.claim_rejected",
            obj=claim,
            details={"fund_id": fund.pk, "amount_cents": claim.amount_cents},
        )
    return claim


def claim_mark_paid(*, actor: Any, claim: ExpenseClaim) -> ExpenseClaim:
    with transaction.atomic():
        _fund, claim = _locked_claim(claim)
        if claim.status != ClaimStatus.APPROVED:
            raise FundError(_("Only an approved claim that is not yet paid can be marked paid."))
        if not permissions.user_can_mark_paid(actor, claim):
            raise PermissionDenied
        claim.status = ClaimStatus.PAID
        claim.paid_at = timezone.now()
        claim.paid_by = actor
        claim.updated_by = actor
        claim.save(update_fields=["status", "paid_at", "paid_by", "updated_by", "updated_at"])
        audit.record(actor=actor, action="funds.claim_paid", obj=claim)
    return claim


def entry_correct(*, actor: Any, entry: LedgerEntry, amount_cents: int, note: str) -> LedgerEntry:
    """A correction of ``entry``: a new entry of ``amount_cents`` (either sign), never an edit."""
    if not permissions.user_can_correct(actor, entry.fund):
        raise PermissionDenied
    _check_amount(amount_cents, allow_negative=True)
    note = note.strip()
    if not note:
        raise FundError(_("Say why the correction is needed."))
    with transaction.atomic():
        fund = _locked(entry.fund)
        correction = _append(
            fund,
            actor=actor,
            kind=EntryKind.CORRECTION,
            category=entry.category,
            amount_cents=amount_cents,
            note=note[:300],
            corrects=entry,
        )
        audit.record(
            actor=actor,
            action="funds.entry_corrected",
            obj=correction,
            details={"fund_id": fund.pk, "corrects": entry.pk, "amount_cents": amount_cents},
        )
    return correction


def purge_expense_claims(*, now: datetime | None = None) -> int:
    """Remove the receipt and the claimant of claims past their retention (PLT-6).

    A paid claim is bookkeeping: the fiscal retention duty (art. 52 AWR, seven years) keeps its
    receipt that long after payment. A rejected claim never reached the ledger, so it goes after
    a year, long enough to settle a dispute. The claim row stays (the ledger entry points to it,
    and amount, category and description are the fund's figures); a purged claim has no receipt.
    """
    from samenveilig.privacy.retention import BY_KEY

    now = now or timezone.now()
    paid_delta = BY_KEY["expense_claims"].delta
    assert paid_delta is not None
    rejected_delta = timedelta(
        days=int(getattr(settings, "FUNDS_REJECTED_CLAIM_RETENTION_DAYS", 365))
    )
    due = ExpenseClaim.objects.exclude(receipt="").filter(
        Q(status=ClaimStatus.PAID, paid_at__lt=now - paid_delta)
        | Q(status=ClaimStatus.REJECTED, decided_at__lt=now - rejected_delta)
    )
    total = 0
    while True:
        claims = list(due.order_by("pk")[:500])
        if not claims:
            break
        with transaction.atomic():
            for claim in claims:
                claim.receipt.delete(save=False)
            ExpenseClaim.objects.filter(pk__in=[claim.pk for claim in claims]).update(
                receipt="", claimant=None, created_by=None, updated_by=None
            )
            audit.record(actor=None, action="funds.claims_purged", details={"count": len(claims)})
        total += len(claims)
    return total
