"""Forms of the report pages: they parse input and give early feedback; the submission service
decides (and checks everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.areas.forms import clean_place
from samenveilig.areas.models import Address
from samenveilig.reports.categories import category_description, category_name
from samenveilig.reports.models import DESCRIPTION_MAX_LENGTH, PersonDescription, VehicleDescription
from samenveilig.reports.photos import MAX_PHOTO_BYTES, MAX_PHOTOS
from samenveilig.reports.validators import validate_plate

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MAX_PERSON_FORMS = 2
MAX_VEHICLE_FORMS = 1
WHAT_YOU_SAW = _("Write what you saw, not what you suspect.")


class CategorySelect(forms.Select):
    """A select whose options say whether the category asks for persons and vehicles, so the
    form script can show only the sections that matter (without script all are shown)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-asks-person"] = "1" if instance.asks_person else "0"
            option["attrs"]["data-asks-vehicle"] = "1" if instance.asks_vehicle else "0"
        return option


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return category_name(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); content is checked later."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    category = CategoryChoiceField(
        label=_("What is it about?"),
        queryset=None,
        empty_label=_("Choose a category"),
        widget=CategorySelect,
        error_messages={"required": _("Choose what kind of report this is.")},
    )
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=10)
    house_number = forms.CharField(label=_("House number"), required=False, max_length=10)
    house_number_addition = forms.CharField(label=_("Addition"), required=False, max_length=10)
    lat = forms.FloatField(
        label=_("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    location_text = forms.CharField(
        label=_("Where exactly?"),
        required=False,
        max_length=255,
        help_text=_("For example: on the corner, by the playground, behind the shop."),
    )
    observed_at = forms.DateTimeField(
        label=_("When did you see it?"),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
        error_messages={
            "required": _("Say when you saw it."),
            "invalid": _("Enter a date and time, for example 2025-03-14 21:30."),
        },
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=WHAT_YOU_SAW,
        error_messages={"required": _("Describe what happened.")},
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("At most %(n)d photos of %(mb)d MB each. Location and camera data are removed.")
        % {"n": MAX_PHOTOS, "mb": MAX_PHOTO_BYTES // (1024 * 1024)},
    )
    share_identity = forms.BooleanField(
        label=_("The police and municipality may see who I am"),
        required=False,
        help_text=_("Without this they see only a pseudonym. Neighbours never see who you are."),
    )
    happening_now = forms.BooleanField(required=False, widget=forms.HiddenInput)
    called_112 = forms.BooleanField(required=False, widget=forms.HiddenInput)

    # Sections of the page, in order; the template renders them as fieldsets.
    WHAT_FIELDS = ("category",)
    ADDRESS_FIELDS = ("postcode", "house_number", "house_number_addition")
    PIN_FIELDS = ("lat", "lon")
    DETAIL_FIELDS = ("location_text", "observed_at", "description")
    LAST_FIELDS = ("photos", "share_identity")

    def __init__(self, *args: Any, categories: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.address: Address | None = None
        if not self.is_bound:
            self.initial.setdefault(
                "observed_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def section(self, names: tuple[str, ...]) -> list[Any]:
        return [self[name] for name in names]

    def what_fields(self) -> list[Any]:
        return self.section(self.WHAT_FIELDS)

    def address_fields(self) -> list[Any]:
        return self.section(self.ADDRESS_FIELDS)

    def pin_fields(self) -> list[Any]:
        return self.section(self.PIN_FIELDS)

    def detail_fields(self) -> list[Any]:
        return self.section(self.DETAIL_FIELDS)

    def last_fields(self) -> list[Any]:
        return self.section(self.LAST_FIELDS)

    def category_explanations(self) -> list[tuple[str, str]]:
        return [
            (category_name(c), category_description(c)) for c in self.fields["category"].queryset
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.address = clean_place(
            self,
            cleaned,
            required_message=_(
                "Say where it happened: give postcode and house number, or place a pin."
            ),
        )
        return cleaned


def _formfield(model: Any, name: str, **kwargs: Any) -> forms.Field:
    field = model._meta.get_field(name).formfield(required=False, **kwargs)
    assert field is not None
    return field


PERSON_FIELD_ORDER = (
    "behaviour",
    "sex",
    "age_min",
    "age_max",
    "height_min_cm",
    "height_max_cm",
    "build",
    "skin_colour",
    "hair_colour",
    "hair_style",
    "beard",
    "glasses",
    "top",
    "bottom",
    "shoes",
    "headwear",
    "features",
    "direction",
    "transport",
)
VEHICLE_FIELD_ORDER = (
    "kind",
    "make",
    "model",
    "colour",
    "lettering",
    "licence_plate",
    "direction",
)
SEX_CHOICES = [
    ("", _("Not seen / not sure")),
    ("male", _("Man")),
    ("female", _("Woman")),
    ("other", _("Other")),
]


class _DescriptionForm(forms.Form):
    """One person or vehicle; left empty it is valid and ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_permitted", True)
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)

    def is_filled(self) -> bool:
        return self.is_bound and self.has_changed()

    def to_dict(self) -> dict[str, Any]:
        return {
            name: ("" if value is None and name not in self.integer_fields else value)
            for name, value in self.cleaned_data.items()
        }

    integer_fields: frozenset[str] = frozenset()


class PersonForm(_DescriptionForm):
    integer_fields = frozenset({"age_min", "age_max", "height_min_cm", "height_max_cm"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PERSON_FIELD_ORDER:
            if name == "behaviour":
                field = _formfield(
                    PersonDescription, name, widget=forms.Textarea(attrs={"rows": 3})
                )
                field.help_text = WHAT_YOU_SAW
            elif name == "sex":
                field = forms.ChoiceField(label=_("Sex"), required=False, choices=SEX_CHOICES)
            else:
                field = _formfield(PersonDescription, name)
            self.fields[name] = field
        self.fields["skin_colour"].help_text = _(
            "Optional. If you give it, also give at least two other details (hair, top, bottom, "
            "shoes or distinctive features): skin colour alone fits many innocent people."
        )
        self.fields["direction"].help_text = _("Which way did the person go?")


class VehicleForm(_DescriptionForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in VEHICLE_FIELD_ORDER:
            self.fields[name] = _formfield(VehicleDescription, name)
        self.fields["licence_plate"].help_text = _(
            "Even partly: use ? for one character you did not see and * for several, for "
            "example 12-?B-* ."
        )

    def clean_licence_plate(self) -> str:
        value = (self.cleaned_data.get("licence_plate") or "").strip()
        if value:
            try:
                validate_plate(value)
            except ValidationError as error:
                raise ValidationError(error.messages) from error
        return value


class AddInformationForm(forms.Form):
    text = forms.CharField(
        label=_("What do you want to add?"),
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Answer a question or add something you remembered later."),
    )
    photos = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
