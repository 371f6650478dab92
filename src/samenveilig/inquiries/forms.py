"""Forms of the inquiry pages. They parse input and give early feedback; the services decide and
check everything again (``services._check``, the permission predicates)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from samenveilig.areas.forms import clean_place
from samenveilig.areas.models import Address
from samenveilig.inquiries.models import (
    DEFAULT_RADIUS_M,
    DEFAULT_ROUTE_SIZE,
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    IncidentKind,
)

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_INPUT_FORMATS = [DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
MIN_ROUTE_SIZE = 2
MAX_ROUTE_SIZE = 100
SUMMARY_MAX_LENGTH = 1000
MAX_DB_ID = 2**63 - 1


def _radius_text(template: str) -> str:
    from django.utils.translation import gettext

    return gettext(template) % {"min": MIN_RADIUS_M, "max": MAX_RADIUS_M}


# Lazy all the way: "lazy % numbers" would be formatted once, at import, in the import's language.
_radius_range = lambda: lazy(_radius_text, str)(  # noqa: E731
    gettext_noop("The radius must be between %(min)s and %(max)s metres.")
)
_radius_help = lambda: lazy(_radius_text, str)(  # noqa: E731
    gettext_noop(
        "Default 200 m: the risk of another burglary is raised within 200 m for at least "
        "two weeks. Between %(min)d and %(max)d m."
    )
)


class _SafeModelChoiceField(forms.ModelChoiceField):
    """A value no database id can have (not digits, or beyond 64 bits) is simply not one of
    the choices; SQLite would otherwise fail on converting it."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            text = str(value)
            if not text.isdigit() or int(text) > MAX_DB_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
        return super().to_python(value)


class CommunityChoiceField(_SafeModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class InquiryForm(forms.Form):
    community = CommunityChoiceField(
        label=_("Group doing the canvass"),
        queryset=None,
        empty_label=_("Choose a group"),
        error_messages={
            "required": _("Choose the group that does the canvass."),
            "invalid_choice": _("Choose one of the groups in the list."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Incident"),
        choices=[("", _("Choose the incident")), *IncidentKind.choices],
        error_messages={
            "required": _("Choose the kind of incident."),
            "invalid_choice": _("Choose one of the incidents in the list."),
        },
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it happen?"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
        help_text=_("Date and time, as well as you know it."),
        error_messages={
            "required": _("Give the date and time of the incident."),
            "invalid": _("Enter a date and time, for example 2025-03-14 21:30."),
        },
    )
    summary = forms.CharField(
        label=_("What happened (short)"),
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Canvassers tell residents this at the door; it also goes on the leaflet. No names "
            "and no house number of the victim."
        ),
        error_messages={
            "max_length": _("Keep the summary under %(limit_value)d characters."),
        },
    )
    postcode = forms.CharField(
        label=_("Postcode of the victim's address"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 8}),
        help_text=_(
            "For example 1234 AB. The police or a coordinator visit this address; canvassers "
            "do not."
        ),
    )
    house_number = forms.CharField(
        label=_("House number"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6, "autocomplete": "off"}),
    )
    house_number_addition = forms.CharField(
        label=_("Addition"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"size": 6, "autocomplete": "off"}),
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={"invalid": _("Enter the latitude as a number, for example 52.0907.")},
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={"invalid": _("Enter the longitude as a number, for example 5.1214.")},
    )
    radius_m = forms.IntegerField(
        label=_("Radius in metres"),
        initial=DEFAULT_RADIUS_M,
        min_value=MIN_RADIUS_M,
        max_value=MAX_RADIUS_M,
        widget=forms.NumberInput(attrs={"step": 50}),
        help_text=_radius_help(),
        error_messages={
            "required": _("Give the radius in metres."),
            "invalid": _("Enter the radius as a whole number of metres."),
            "min_value": _radius_range(),
            "max_value": _radius_range(),
        },
    )
    route_size = forms.IntegerField(
        label=_("Addresses per route"),
        initial=DEFAULT_ROUTE_SIZE,
        min_value=MIN_ROUTE_SIZE,
        max_value=MAX_ROUTE_SIZE,
        help_text=_("How many doors one pair visits; a long street is split into routes."),
        error_messages={
            "required": _("Give the number of addresses per route."),
            "invalid": _("Enter a whole number of addresses."),
            "min_value": _("A route has between 2 and 100 addresses."),
            "max_value": _("A route has between 2 and 100 addresses."),
        },
    )
    melding = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)

    TEXT_FIELDS = ("community", "kind", "occurred_at", "summary")
    ADDRESS_FIELDS = ("postcode", "house_number", "house_number_addition")
    PIN_FIELDS = ("lat", "lon")
    AREA_FIELDS = ("radius_m", "route_size")

    def __init__(self, *args: Any, communities: Any, place_from_report: bool = False, **kwargs):
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.place_from_report = place_from_report
        self.address: Address | None = None

    def _section(self, names: tuple[str, ...]) -> list[Any]:
        return [self[name] for name in names]

    def text_fields(self) -> list[Any]:
        return self._section(self.TEXT_FIELDS)

    def address_fields(self) -> list[Any]:
        return self._section(self.ADDRESS_FIELDS)

    def pin_fields(self) -> list[Any]:
        return self._section(self.PIN_FIELDS)

    def area_fields(self) -> list[Any]:
        return self._section(self.AREA_FIELDS)

    def clean_summary(self) -> str:
        return (self.cleaned_data.get("summary") or "").strip()

    def clean_occurred_at(self) -> Any:
        value = self.cleaned_data["occurred_at"]
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The incident cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Following up a report, its place is the default: no address or pin is needed.
        required = (
            None
            if self.place_from_report
            else _(
                "Give the address of the incident (postcode and house number) or a pin on the map."
            )
        )
        self.address = clean_place(self, cleaned, required_message=required)  # type: ignore[assignment]
        return cleaned

    def pin(self) -> tuple[float | None, float | None]:
        lat, lon = self.cleaned_data.get("lat"), self.cleaned_data.get("lon")
        if lat is None or lon is None:
            return None, None
        return lat, lon


class RouteAssignForm(forms.Form):
    """Two of the signed-up canvassers for one route; both empty takes the route back. The
    people are read once per page (a page has a form per route), not once per select."""

    first = forms.ChoiceField(
        label=_("Canvasser"),
        required=False,
        error_messages={"invalid_choice": _("Choose someone who signed up.")},
    )
    second = forms.ChoiceField(
        label=_("Second canvasser"),
        required=False,
        error_messages={"invalid_choice": _("Choose someone who signed up.")},
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        choices = [("", _("Nobody"))] + [
            (key, str(person.public_name)) for key, person in self.people.items()
        ]
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices

    def clean_first(self) -> Any:
        return self.people.get(self.cleaned_data.get("first") or "")

    def clean_second(self) -> Any:
        return self.people.get(self.cleaned_data.get("second") or "")


class MemberSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a member by name"), required=False, max_length=100)

    def clean_q(self) -> str:
        return (self.cleaned_data.get("q") or "").strip()


class MarkForm(forms.Form):
    user = forms.IntegerField(min_value=1, max_value=MAX_DB_ID)
    granted = forms.TypedChoiceField(
        choices=[("1", "grant"), ("0", "revoke")], coerce=lambda v: v == "1"
    )
