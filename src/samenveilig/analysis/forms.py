"""Forms of the near-repeat pages. Choices are limited to what the user may analyse; the service
validates again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samenveilig.accounts.roles import AnyUser
from samenveilig.analysis import selectors, services
from samenveilig.analysis.models import KnoxMetric
from samenveilig.areas.models import Area
from samenveilig.reports.models import Category

DEFAULT_SPACE_BANDS = "0,100,200,300,400"
DEFAULT_TIME_BANDS = "0,7,14,21,28"
DEFAULT_PERMUTATIONS = 999


class _CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:  # type: ignore[override]
        return obj.name((get_language() or "nl")[:2])


class _AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.get_level_display()})"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class KnoxRunForm(forms.Form):
    category = _CategoryChoice(label=_("Category"), queryset=Category.objects.none())
    area = _AreaChoice(label=_("Area"), queryset=Area.objects.none())
    period_start = forms.DateField(label=_("From"), widget=DateInput())
    period_end = forms.DateField(label=_("To (inclusive)"), widget=DateInput())
    space_bands = forms.CharField(
        label=_("Distance bands (metres)"),
        initial=DEFAULT_SPACE_BANDS,
        max_length=200,
        help_text=_("Breaks separated by commas; Inf as the last break for “further away”."),
    )
    time_bands = forms.CharField(
        label=_("Time bands (days)"),
        initial=DEFAULT_TIME_BANDS,
        max_length=200,
        help_text=_("Breaks separated by commas, e.g. 0,7,14,21,28."),
    )
    permutations = forms.IntegerField(
        label=_("Permutations"),
        initial=DEFAULT_PERMUTATIONS,
        min_value=services.MIN_PERMUTATIONS,
        max_value=services.MAX_PERMUTATIONS,
        help_text=_("More permutations give more precise p-values and take longer; 999 is usual."),
    )
    metric = forms.ChoiceField(
        label=_("Distance"), choices=KnoxMetric.choices, initial=KnoxMetric.MANHATTAN
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.categories_for_analysis(user)  # type: ignore[attr-defined]
        self.fields["area"].queryset = selectors.areas_for_analysis(user)  # type: ignore[attr-defined]
        today = timezone.localdate()
        self.fields["period_end"].initial = today
        self.fields["period_start"].initial = today - dt.timedelta(days=365)

    def clean_space_bands(self) -> str:
        return self._bands("space_bands")

    def clean_time_bands(self) -> str:
        return self._bands("time_bands")

    def _bands(self, name: str) -> str:
        value = self.cleaned_data[name]
        try:
            services.parse_bands(value, field=name)
        except services.AnalysisError as error:
            raise forms.ValidationError(error.message) from None
        return value


class AdoptDefaultsForm(forms.Form):
    radius_m = forms.IntegerField(
        label=_("Inquiry radius (metres)"),
        min_value=services.MIN_RADIUS_M,
        max_value=services.MAX_RADIUS_M,
    )
    days = forms.IntegerField(
        label=_("Cocoon warning (days)"), min_value=1, max_value=services.MAX_DAYS
    )
