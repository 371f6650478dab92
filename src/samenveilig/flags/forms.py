"""Forms of the flags pages. They only parse; ``services`` validates (and says what to fix)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.accounts.models import Role
from samenveilig.flags import conf
from samenveilig.flags.models import FlagCategory, LookupPurpose
from samenveilig.flags.normalise import IdentifierKind

DEFAULT_MONTHS = 3


def partner_type_choices() -> list[tuple[str, Any]]:
    labels = dict(Role.choices)
    return [(role, labels[role]) for role in conf.PARTNER_ROLES]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdentifierForm(forms.Form):
    """What a flag is on, or what is asked about: one kind, and its identifier."""

    kind = forms.ChoiceField(
        label=_("Kind of identifier"),
        choices=IdentifierKind.choices,
        widget=forms.RadioSelect,
        initial=IdentifierKind.LICENCE_PLATE,
    )
    identifier = forms.CharField(
        label=_("Licence plate, KvK number or person pseudonym"),
        required=False,
        max_length=80,
        help_text=_("Spaces and dashes do not matter: XX-99-99 and xx 99 99 are the same plate."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    postcode = forms.CharField(
        label=_("Postcode (for an address)"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    house_number = forms.CharField(
        label=_("House number"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    house_number_addition = forms.CharField(label=_("Addition"), required=False, max_length=12)

    # Which form field shows a service error of each key.
    ERROR_FIELDS = {"address": "postcode"}

    def identifier_value(self) -> Any:
        data = self.cleaned_data
        if data.get("kind") == IdentifierKind.ADDRESS:
            return {
                "postcode": data.get("postcode", ""),
                "house_number": data.get("house_number", ""),
                "house_number_addition": data.get("house_number_addition", ""),
            }
        return data.get("identifier", "")

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            name = self.ERROR_FIELDS.get(key, key)
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class FlagForm(IdentifierForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=FlagCategory.objects.filter(is_active=True),
        empty_label=_("Choose a category"),
    )
    owner_role = forms.ChoiceField(label=_("You set this flag as"), required=False)
    owner_contact = forms.CharField(
        label=_("Contact for partners"),
        max_length=200,
        help_text=_(
            "What partners see with a hit, besides the category: your name or desk and a "
            "number. Never the reason."
        ),
    )
    visible_to = forms.MultipleChoiceField(
        label=_("Partner types that see hits"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You are always told about hits yourself."),
    )
    expires_on = forms.DateField(
        label=_("Ends on"),
        widget=DateInput(),
        help_text=_("Required; at most twelve months from today. You get a reminder before."),
    )
    note = forms.CharField(
        label=_("Your note (only you see this)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stored encrypted. Partners never see it."),
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["owner_role"].choices = [(role, labels[role]) for role in roles]
        self.fields["owner_role"].initial = roles[0] if roles else ""
        if len(roles) <= 1:
            self.fields["owner_role"].widget = forms.HiddenInput()
        self.fields["visible_to"].choices = partner_type_choices()
        self.fields["visible_to"].initial = list(conf.PARTNER_ROLES)
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(
            days=30 * DEFAULT_MONTHS
        )


class ExtendForm(forms.Form):
    expires_on = forms.DateField(
        label=_("New end date"),
        widget=DateInput(),
        help_text=_("At most twelve months from today."),
    )


class LookupForm(IdentifierForm):
    purpose = forms.ChoiceField(
        label=_("Why do you ask?"), choices=[("", _("Choose a purpose")), *LookupPurpose.choices]
    )
    purpose_note = forms.CharField(
        label=_("Reference or reason"),
        max_length=300,
        help_text=_(
            "The number of your report, case or inquiry, or a few words. Recorded with your "
            "question; no names."
        ),
    )
