"""Community funds (FND-1): a pot per community, expense claims and an append-only ledger.

The ledger is the only source of the balance: the balance of a fund is the sum of its entries,
and every entry stores the running balance after it (``balance_after_cents``), which a database
check constraint keeps at zero or above. Entries are never changed or removed: a correction is a
new entry pointing at the one it corrects. ``LedgerEntry.save`` refuses updates, its ``delete``
and its queryset's ``update``/``delete`` refuse, and a database trigger (see the migration)
refuses UPDATE on both SQLite and PostgreSQL and DELETE on PostgreSQL.

Amounts are whole euro cents (integers): no rounding in sums.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel


class LedgerIsAppendOnly(Exception):
    """Raised on any attempt to change or remove a ledger entry."""


class Fund(TrackedModel):
    """The pot of one community. Its treasurer (a verified member) marks payouts."""

    community = models.OneToOneField(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="fund",
        verbose_name=_("community"),
    )
    treasurer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="treasurer_of",
        verbose_name=_("treasurer"),
    )

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")

    def __str__(self) -> str:
        return str(self.community)


class IncomeCategory(models.TextChoices):
    MUNICIPAL_GRANT = "municipal_grant", _("Municipal grant")
    OWN_CONTRIBUTIONS = "own_contributions", _("Own contributions")
    DONATIONS = "donations", _("Donations and sponsoring")
    OTHER_INCOME = "other_income", _("Other income")


class ExpenseCategory(models.TextChoices):
    MATERIALS = "materials", _("Materials and equipment")
    ACTIVITIES = "activities", _("Activities and meetings")
    COMMUNICATION = "communication", _("Communication and printing")
    TRAINING = "training", _("Training")
    OTHER_EXPENSE = "other_expense", _("Other expenses")


def category_label(value: str) -> str:
    for choices in (IncomeCategory, ExpenseCategory):
        if value in choices.values:
            return str(choices(value).label)
    return value


class EntryKind(models.TextChoices):
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Approved expense")
    CORRECTION = "correction", _("Correction")


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise LedgerIsAppendOnly("Ledger entries cannot be changed; add a correction instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerIsAppendOnly("Ledger entries cannot be removed; add a correction instead.")


class LedgerEntry(models.Model):
    """One line of a fund's ledger; written once by ``services``, never changed.

    No foreign key to a user: erasing a user must not rewrite the ledger (it would be an UPDATE),
    so who recorded an entry is a plain id, as in the audit chain. ``note`` is shown to those
    who manage the fund, never on the public page.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    sequence = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    category = models.CharField(_("category"), max_length=30)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    balance_after_cents = models.BigIntegerField(_("balance after (cents)"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    claim = models.OneToOneField(
        "funds.ExpenseClaim",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entry",
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["fund", "sequence"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["fund", "sequence"], name="funds_entry_sequence"),
            models.CheckConstraint(
                condition=models.Q(balance_after_cents__gte=0), name="funds_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(amount_cents=0), name="funds_entry_amount_not_zero"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="income") | models.Q(amount_cents__gt=0),
                name="funds_income_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="expense")
                | models.Q(amount_cents__lt=0, claim__isnull=False),
                name="funds_expense_negative_with_claim",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="correction") | models.Q(corrects__isnull=False),
                name="funds_correction_names_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} #{self.sequence}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerIsAppendOnly("Ledger entries cannot be changed; add a correction instead.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LedgerIsAppendOnly("Ledger entries cannot be removed; add a correction instead.")

    @property
    def category_label(self) -> str:
        return category_label(self.category)


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for the municipality")
    APPROVED = "approved", _("Approved, to be paid")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


class ReceiptKind(models.TextChoices):
    IMAGE = "image", _("Photo")
    PDF = "pdf", _("PDF")


class ExpenseClaim(TrackedModel):
    """A member's request to be reimbursed from the fund, with the receipt."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expense_claims",
        verbose_name=_("claimant"),
    )
    category = models.CharField(_("category"), max_length=30, choices=ExpenseCategory.choices)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    description = models.CharField(_("what was it for?"), max_length=300)
    receipt = models.FileField(_("receipt"), upload_to="funds/receipts/%Y/%m/")
    receipt_kind = models.CharField(max_length=10, choices=ReceiptKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="funds_claim_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(decision_reason=""),
                name="funds_rejection_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["fund", "status"])]

    def __str__(self) -> str:
        return f"{self.fund} claim {self.pk}"
