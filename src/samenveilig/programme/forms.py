"""Forms of the programme pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.programme.models import Phase


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EvaluationForm(forms.Form):
    went_well = forms.CharField(
        label=_("What went well?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    to_improve = forms.CharField(
        label=_("What should be better next cycle?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    actions = forms.CharField(
        label=_("Agreed actions"),
        max_length=6000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One action per line. Do not write names of residents."),
    )

    def action_lines(self) -> list[str]:
        return [line for line in self.cleaned_data["actions"].splitlines() if line.strip()]


class ChecklistForm(forms.Form):
    """One text area per phase, one item per line."""

    def __init__(self, *args: Any, initial_lines: dict[str, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Phase.choices:
            self.fields[value] = forms.CharField(
                label=label,
                max_length=12000,
                widget=forms.Textarea(attrs={"rows": 6}),
                initial="\n".join(initial_lines.get(value, [])),
                help_text=_("One item per line."),
            )

    def lines(self, phase: str) -> list[str]:
        return self.cleaned_data[phase].splitlines()
