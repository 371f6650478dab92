"""Forms of the communities pages: they parse and validate input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from samenveilig.areas.models import Area
from samenveilig.areas.normalise import normalise_postcode
from samenveilig.communities.models import AlertKind, Community, CommunityKind, MembershipRole
from samenveilig.communities.permissions import role_allowed_in
from samenveilig.communities.services import (
    DECISION_NOTE_MAX_LENGTH,
    MOTIVATION_MAX_LENGTH,
    WATCH_POINT_LABEL_MAX_LENGTH,
)


class CommunityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *CommunityKind.choices]
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        required=False,
        queryset=Area.objects.none(),
        empty_label=_("All neighbourhoods"),
    )

    def __init__(self, *args: Any, neighbourhoods: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = neighbourhoods


class JoinForm(forms.Form):
    motivation = forms.CharField(
        label=_("Why do you want to join?"),
        required=False,
        max_length=MOTIVATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. Only the coordinators read this. Do not share anything sensitive."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("verify", _("Admit")), ("reject", _("Turn down"))]
    )
    note = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        max_length=DECISION_NOTE_MAX_LENGTH,
        help_text=_("Optional. Sent with the decision."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label)
            for value, label in MembershipRole.choices
            if role_allowed_in(value, community)
        ]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the person to add"),
        help_text=_("They need an account on Samen Veilig already."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (value, label)
            for value, label in MembershipRole.choices
            if role_allowed_in(value, community)
        ]


class LocationForm(forms.Form):
    """A place given by postcode + house number, or by latitude and longitude."""

    postcode = forms.CharField(
        label=_("Postcode"), required=False, max_length=7, help_text=_("For example 1234 AB.")
    )
    house_number = forms.IntegerField(
        label=_("House number"), required=False, min_value=1, max_value=99999
    )
    house_number_addition = forms.CharField(label=_("Addition"), required=False, max_length=10)
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Only if you do not use an address, for example 52.0907."),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("For example 5.1214."),
    )

    def clean_postcode(self) -> str:
        raw = (self.cleaned_data.get("postcode") or "").strip()
        if not raw:
            return ""
        value = normalise_postcode(raw)
        if value is None:
            raise forms.ValidationError(_("Enter a Dutch postcode: four digits and two letters."))
        return value

    def clean_house_number_addition(self) -> str:
        return (self.cleaned_data.get("house_number_addition") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        postcode, number = cleaned.get("postcode"), cleaned.get("house_number")
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        cleaned["address"] = None
        if postcode or number:
            if not postcode:
                self.add_error("postcode", _("Enter the postcode as well."))
                return cleaned
            if not number:
                self.add_error("house_number", _("Enter the house number as well."))
                return cleaned
            from samenveilig.areas.selectors import address_lookup

            address = address_lookup(postcode, number, cleaned.get("house_number_addition", ""))
            if address is None:
                self.add_error(
                    "postcode",
                    _(
                        "We could not find this address. Check the postcode, house number and "
                        "addition."
                    ),
                )
                return cleaned
            cleaned["address"] = address
            cleaned["lat"], cleaned["lon"] = address.lat, address.lon
        elif lat is None or lon is None:
            raise forms.ValidationError(
                _("Enter a postcode and house number, or both latitude and longitude.")
            )
        return cleaned


class WatchPointForm(LocationForm):
    label = forms.CharField(
        label=_("Name of the place"),
        max_length=WATCH_POINT_LABEL_MAX_LENGTH,
        help_text=_("For example “Work” or “My parents”."),
    )
    field_order = ["label", "postcode", "house_number", "house_number_addition", "lat", "lon"]


class SubscriptionsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Alerts I want to receive"),
        required=False,
        choices=AlertKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class CommunityCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Short name in links"),
        max_length=80,
        required=False,
        help_text=_("Optional; made from the name when left empty."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CommunityKind.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    areas = forms.ModelMultipleChoiceField(label=_("Areas covered"), queryset=Area.objects.none())
    is_open = forms.BooleanField(
        label=_("Accepts join requests"),
        required=False,
        initial=True,
        help_text=_("Investigation teams never accept requests; they add members by invitation."),
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = areas
