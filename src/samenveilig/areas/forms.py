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


def clean_place(form: forms.Form, cleaned: dict, *, required_message: object | None) -> object:
    """The place of a report, alert or tip form: a pin (``lat``/``lon``), or postcode + house
    number (+ addition) looked up in the address register. Puts the errors on the form's fields
    and returns the ``Address`` found, or ``None``.

    A typed address is checked even next to a pin, so a typo is never silently ignored; when
    neither is given, ``required_message`` (if any) goes on the postcode field.
    """
    from samenveilig.areas.selectors import address_lookup

    postcode = (cleaned.get("postcode") or "").strip()
    number = (cleaned.get("house_number") or "").strip()
    addition = cleaned.get("house_number_addition") or ""
    lat, lon = cleaned.get("lat"), cleaned.get("lon")
    if (lat is None) != (lon is None):
        form.add_error("lat", _("Give both latitude and longitude, or place a pin."))
    if postcode or number:
        if normalise_postcode(postcode) is None:
            form.add_error("postcode", _("Enter a Dutch postcode, for example 1234 AB."))
        elif normalise_house_number(number) is None:
            form.add_error("house_number", _("Enter the house number as digits."))
        elif normalise_addition(addition) is None:
            form.add_error("house_number_addition", _("Enter letters and digits only."))
        else:
            address = address_lookup(postcode, number, addition)
            if address is None:
                form.add_error(
                    "postcode",
                    _(
                        "We do not know this address. Check postcode and house number, or "
                        "place a pin on the map."
                    ),
                )
            return address
    elif lat is None and lon is None and required_message is not None:
        form.add_error("postcode", required_message)
    return None
