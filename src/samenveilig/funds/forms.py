"""Forms of the fund pages; amounts are typed in euros and kept in cents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.funds.models import ExpenseCategory, category_label
from samenveilig.funds.receipts import CheckedReceipt, ReceiptError, check_receipt
from samenveilig.funds.services import MAX_AMOUNT_CENTS


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _amount_field(*, signed: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Amount in euros"),
        max_digits=9,
        decimal_places=2,
        min_value=None if signed else Decimal("0.01"),
        max_value=Decimal(MAX_AMOUNT_CENTS) / 100,
        help_text=_("For example 12.50")
        if not signed
        else _("Negative to take money out, for example -5.00"),
    )


class ClaimForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ExpenseCategory.choices)
    amount = _amount_field()
    description = forms.CharField(
        label=_("What was it for?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown to the treasurer, the coordinators and the municipality. Do not "
            "write names of other people."
        ),
    )
    receipt = forms.FileField(
        label=_("Receipt"),
        help_text=_("A photo (JPEG or PNG) or a PDF, at most 8 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    checked_receipt: CheckedReceipt | None = None

    def clean_receipt(self) -> Any:
        upload = self.cleaned_data["receipt"]
        try:
            self.checked_receipt = check_receipt(upload)
        except ReceiptError as error:
            raise forms.ValidationError(error.message) from error
        return upload

    def amount_cents(self) -> int:
        return to_cents(self.cleaned_data["amount"])


class IncomeForm(forms.Form):
    category = forms.ChoiceField(label=_("Source"))
    amount = _amount_field()
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("For example the grant decision's number. Not shown on the public page."),
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c, category_label(c)) for c in categories]

    def amount_cents(self) -> int:
        return to_cents(self.cleaned_data["amount"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject the claim; the claimant reads it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the rejection; the claimant reads it."))
        return data


class CorrectionForm(forms.Form):
    amount = _amount_field(signed=True)
    note = forms.CharField(
        label=_("Why is the correction needed?"),
        max_length=300,
        help_text=_("Kept with the correction. Not shown on the public page."),
    )

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Enter an amount other than zero."))
        if abs(amount) > Decimal(MAX_AMOUNT_CENTS) / 100:
            raise forms.ValidationError(_("This amount is too large."))
        return amount

    def amount_cents(self) -> int:
        return to_cents(self.cleaned_data["amount"])


class TreasurerForm(forms.Form):
    treasurer = forms.TypedChoiceField(
        label=_("Treasurer"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["treasurer"].choices = [("", _("Nobody yet")), *members]
