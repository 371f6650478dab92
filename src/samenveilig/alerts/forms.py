"""Forms of the alert pages. They parse input and give early feedback; the services decide and
check everything again (``services.check_alert``).

The person and vehicle sections reuse the report form's fields (REP-3, REP-4), so an officer
describes a person in the same words whether it is a report or an alert.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.alerts.models import (
    DEFAULT_RADIUS_M,
    DEFAULT_VALIDITY,
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    Alert,
    ConcernReason,
)
from samenveilig.areas.forms import clean_place
from samenveilig.areas.models import Address, Area
from samenveilig.communities.models import AlertKind
from samenveilig.reports.forms import PersonForm, VehicleForm

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_INPUT_FORMATS = [DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
TIP_MAX_LENGTH = 2000
CLOSING_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 300

__all__ = [
    "AlertForm",
    "ChannelPreferenceForm",
    "DecisionForm",
    "EndForm",
    "PersonForm",
    "TipForm",
    "VehicleForm",
]


def _hours(delta: timedelta) -> str:
    if delta >= timedelta(days=1):
        days = delta.days
        return str(_("%(n)d days") % {"n": days}) if days != 1 else str(_("1 day"))
    hours = int(delta.total_seconds() // 3600)
    return str(_("%(n)d hours") % {"n": hours}) if hours != 1 else str(_("1 hour"))


class _PlaceMixin:
    """Postcode + house number or a pin (lat/lon): the place without a map (ARCHITECTURE §3)."""

    address: Address | None

    def _clean_place(self, cleaned: dict[str, Any], *, required_message: Any | None) -> None:
        self.address = clean_place(self, cleaned, required_message=required_message)  # type: ignore[arg-type]

    def place(self) -> tuple[float | None, float | None]:
        cleaned = self.cleaned_data
        if cleaned.get("lat") is not None and cleaned.get("lon") is not None:
            return cleaned["lat"], cleaned["lon"]
        if self.address is not None:
            return self.address.lat, self.address.lon
        return None, None


def _place_fields() -> dict[str, forms.Field]:
    return {
        "postcode": forms.CharField(label=_("Postcode"), required=False, max_length=10),
        "house_number": forms.CharField(label=_("House number"), required=False, max_length=10),
        "house_number_addition": forms.CharField(
            label=_("Addition"), required=False, max_length=10
        ),
        "lat": forms.FloatField(
            label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
        ),
        "lon": forms.FloatField(
            label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
        ),
    }


class NeighbourhoodChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        # A value no database id can have (not digits, or beyond 64 bits) is simply not one of
        # the choices; SQLite would otherwise fail on converting it.
        for item in value or []:
            text = str(item)
            if not text.isdigit() or int(text) > 2**63 - 1:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": text},
                )
        return super().clean(value)

    def label_from_instance(self, obj: Any) -> str:
        parent = getattr(obj, "parent", None)
        return f"{obj.name} ({parent.name})" if parent is not None else obj.name


class AlertForm(_PlaceMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of alert"),
        choices=[("", _("Choose a kind")), *AlertKind.choices],
        error_messages={"required": _("Choose what kind of alert this is.")},
    )
    title = forms.CharField(
        label=_("Headline"),
        max_length=120,
        help_text=_("Short and factual, for example “Vermiste man, 82 jaar”."),
        error_messages={
            "required": _("Write a short headline, for example “Vermiste man, 82 jaar”.")
        },
    )
    message = forms.CharField(
        label=_("What should recipients do?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: “Do not approach; call 112 and say where and when you saw him.” "
            "Describe the person or vehicle in the fields below, not here."
        ),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("Only the police may add a photo. Location and camera data are removed."),
    )
    radius_m = forms.IntegerField(
        label=_("Radius in metres"),
        required=False,
        initial=DEFAULT_RADIUS_M,
        widget=forms.NumberInput(attrs={"min": MIN_RADIUS_M, "max": MAX_RADIUS_M, "step": 50}),
        help_text=_("Default 1,000 m, at most 10,000 m."),
        error_messages={"invalid": _("Enter the radius as a whole number of metres.")},
    )
    areas = NeighbourhoodChoiceField(
        label=_("Or choose neighbourhoods"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone in these neighbourhoods receives the alert; the radius is ignored."),
        error_messages={"invalid_choice": _("Choose neighbourhoods from the list.")},
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until (optional)"),
        required=False,
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
        error_messages={"invalid": _("Enter a date and time, for example 2025-03-14 21:30.")},
    )
    source_report = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)

    TEXT_FIELDS = ("kind", "title", "message")
    ADDRESS_FIELDS = ("postcode", "house_number", "house_number_addition")
    PIN_FIELDS = ("lat", "lon")

    def __init__(self, *args: Any, neighbourhoods: Any, allow_photo: bool, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.fields.update(_place_fields())
        self.fields["areas"].queryset = neighbourhoods
        if not allow_photo:
            del self.fields["photo"]
        defaults = ", ".join(
            f"{AlertKind(kind).label}: {_hours(delta)}" for kind, delta in DEFAULT_VALIDITY.items()
        )
        self.fields["valid_until"].help_text = _("Empty: the default for the kind (%(list)s).") % {
            "list": defaults
        }
        self.address = None

    def section(self, names: tuple[str, ...]) -> list[Any]:
        return [self[name] for name in names if name in self.fields]

    def text_fields(self) -> list[Any]:
        return self.section(self.TEXT_FIELDS)

    def address_fields(self) -> list[Any]:
        return self.section(self.ADDRESS_FIELDS)

    def pin_fields(self) -> list[Any]:
        return self.section(self.PIN_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Without a pin or an address the chosen buurten are the place; the service says so
        # when neither is given.
        self._clean_place(cleaned, required_message=None)
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve and send")), ("reject", _("Reject"))],
        error_messages={"required": _("Choose approve or reject.")},
    )
    note = forms.CharField(
        label=_("Note to the coordinator"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you reject the proposal."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)


class EndForm(forms.Form):
    closing_message = forms.CharField(
        label=_("Closing message (optional)"),
        required=False,
        max_length=CLOSING_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Sent to everyone who received the alert, for example “Gevonden, dank voor het "
            "uitkijken.” The description disappears at once either way."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        kwargs.setdefault("auto_id", "end_%s")
        super().__init__(*args, **kwargs)


class TipForm(_PlaceMixin, forms.Form):
    observed_at = forms.DateTimeField(
        label=_("When did you see it?"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
        error_messages={
            "required": _("Say when you saw it."),
            "invalid": _("Enter a date and time, for example 2025-03-14 21:30."),
        },
    )
    notes = forms.CharField(
        label=_("What did you see?"),
        max_length=TIP_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Write what you saw, not what you suspect: where the person or vehicle went."),
        error_messages={"required": _("Describe what you saw.")},
    )

    ADDRESS_FIELDS = ("postcode", "house_number", "house_number_addition")
    PIN_FIELDS = ("lat", "lon")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.fields.update(_place_fields())
        self.address = None
        if not self.is_bound:
            self.initial.setdefault(
                "observed_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def address_fields(self) -> list[Any]:
        return [self[name] for name in self.ADDRESS_FIELDS]

    def pin_fields(self) -> list[Any]:
        return [self[name] for name in self.PIN_FIELDS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self._clean_place(
            cleaned,
            required_message=_(
                "Say where you saw it: give postcode and house number, or place a pin."
            ),
        )
        return cleaned


class ChannelPreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("Send me alerts by e-mail"), required=False)
    push = forms.BooleanField(
        label=_("Send me alerts as a push notification on the browsers I registered"),
        required=False,
    )


def alert_initial_from_report(report: Any) -> dict[str, Any]:
    """What an alert from a report starts with: kind, place, and nothing of the reporter's text
    (it was written for the police, not for a hundred inboxes)."""
    category = report.category
    kind = (
        AlertKind.VEHICLE
        if category.asks_vehicle and not category.asks_person
        else AlertKind.WANTED_PERSON
    )
    return {"kind": kind, "lat": report.lat, "lon": report.lon, "source_report": report.reference}


def description_initial(instance: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if instance is None:
        return {}
    return {name: getattr(instance, name) for name in names if getattr(instance, name, None)}


def alert_kind_label(alert: Alert) -> str:
    return str(alert.get_kind_display())


class ConcernForm(forms.Form):
    """A recipient's report of a problem with an alert (REP-10)."""

    reason = forms.ChoiceField(
        label=_("What is wrong with this alert?"),
        choices=ConcernReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is wrong with the alert.")},
    )
    note = forms.CharField(
        label=_("Explanation (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the police of the alert's area read this. Do not name anyone."),
    )


class ConcernHandleForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("keep", "keep"), ("end", "end")],
        error_messages={"required": _("Choose what to do with the alert.")},
    )
    note = forms.CharField(label=_("Answer (optional)"), required=False, max_length=500)
