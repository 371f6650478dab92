"""Forms of the area pages: they parse and validate input; selectors find the address."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.areas.models import Area
from samenveilig.areas.normalise import (
    MAX_HOUSE_NUMBER,
    normalise_addition,
    normalise_house_number,
    normalise_postcode,
)


class AddressLookupForm(forms.Form):
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        help_text=_("For example 1234 AB."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "size": 8}),
    )
    house_number = forms.CharField(
        label=_("House number"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
    house_number_addition = forms.CharField(
        label=_("Addition"),
        required=False,
        max_length=12,
        help_text=_("Optional. A letter or addition, for example A or 2-hoog."),
        widget=forms.TextInput(attrs={"size": 6}),
    )

    def clean_postcode(self) -> str:
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if postcode is None:
            raise forms.ValidationError(_("Enter a postcode like 1234 AB."), code="invalid")
        return postcode

    def clean_house_number(self) -> int:
        number = normalise_house_number(self.cleaned_data["house_number"])
        if number is None:
            raise forms.ValidationError(
                _("Enter the house number as a whole number from 1 to %(max)d, like 12."),
                code="invalid",
                params={"max": MAX_HOUSE_NUMBER},
            )
        return number

    def clean_house_number_addition(self) -> str:
        addition = normalise_addition(self.cleaned_data.get("house_number_addition", ""))
        if addition is None:
            raise forms.ValidationError(
                _("Enter the addition as letters and digits only, like A or 2."), code="invalid"
            )
        return addition


class MunicipalityChoiceForm(forms.Form):
    """Chooses which gemeente the map and table show (a country has hundreds of buurten)."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Area.objects.none(),
        to_field_name="code",
        empty_label=None,
    )

    def __init__(self, *args: object, municipalities: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
