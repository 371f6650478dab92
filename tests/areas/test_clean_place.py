"""The one place clean-up of the report, alert and tip forms."""

from __future__ import annotations

import pytest
from django import forms

from samenveilig.areas.forms import clean_place
from tests.factories import AddressFactory


class PlaceForm(forms.Form):
    postcode = forms.CharField(required=False)
    house_number = forms.CharField(required=False)
    house_number_addition = forms.CharField(required=False)
    lat = forms.FloatField(required=False)
    lon = forms.FloatField(required=False)


def run(data: dict, required: str | None = "Where?"):
    form = PlaceForm(data)
    form.is_valid()  # fills cleaned_data; the place errors come from clean_place
    address = clean_place(form, form.cleaned_data, required_message=required)
    return address, form.errors


@pytest.mark.django_db
def test_known_address_is_found_and_unknown_is_an_error():
    home = AddressFactory(postcode="1234AB", house_number=5)
    assert run({"postcode": "1234 ab", "house_number": "5"}) == (home, {})
    address, errors = run({"postcode": "1234AB", "house_number": "6"})
    assert address is None and "postcode" in errors


@pytest.mark.django_db
def test_a_typo_next_to_a_pin_is_not_ignored_and_half_a_pin_is_an_error():
    _, errors = run({"postcode": "12", "house_number": "5", "lat": "52.0", "lon": "5.0"})
    assert "postcode" in errors
    _, errors = run({"lat": "52.0"})
    assert "lat" in errors


@pytest.mark.django_db
def test_nothing_given_uses_the_callers_message_or_none():
    assert run({})[1] == {"postcode": ["Where?"]}
    assert run({}, required=None)[1] == {}
    assert run({"lat": "52.0", "lon": "5.0"}) == (None, {})
