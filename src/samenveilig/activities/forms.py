"""Forms of the task pages: they parse input and put the rules' messages next to the fields; the
services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.activities.models import MAX_CAPACITY, Repeat, Task, TaskKind
from samenveilig.activities.rules import FIELDS, parse_checklist, task_errors
from samenveilig.training.content import modules

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_INPUTS = [DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _datetime_field(label: Any, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT),
        error_messages={"invalid": _("Enter a date and time, for example 2026-03-14 19:30.")},
    )


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of task"), choices=TaskKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("What to do"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    starts_at = _datetime_field(_("Starts at"), _("A time slot: give the start and the end."))
    ends_at = _datetime_field(_("Ends at"))
    due_at = _datetime_field(_("Or: deadline"), _("For a task without a time slot."))
    meeting_point = forms.CharField(
        label=_("Meeting point"),
        required=False,
        max_length=200,
        help_text=_("For example: by the playground on the Lindenlaan."),
    )
    meeting_lat = forms.FloatField(
        label=_("Latitude of the meeting point"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    meeting_lon = forms.FloatField(
        label=_("Longitude of the meeting point"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=MAX_CAPACITY, initial=4)
    min_people = forms.IntegerField(
        label=_("Minimum number of people"),
        min_value=1,
        initial=1,
        help_text=_("A patrol needs at least 2; with fewer it does not start."),
    )
    required_module = forms.ChoiceField(
        label=_("Required training"),
        required=False,
        help_text=_("A patrol always needs training modules 1 and 2."),
    )
    checklist_text = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One item per line, for example: Street lights on the Lindenlaan work."),
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=Repeat.choices, initial=Repeat.NONE)
    repeat_until = forms.DateField(
        label=_("Repeat until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: the series keeps going; weeks are added eight weeks ahead."),
    )

    def __init__(self, *args: Any, new: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        self.new = new
        self.fields["required_module"].choices = [
            ("", _("None")),
            *[(module.slug, f"{module.number}. {module.title}") for module in modules()],
        ]

    @classmethod
    def initial_from(cls, task: Task) -> dict[str, Any]:
        initial = {field: getattr(task, field) for field in FIELDS}
        initial["checklist_text"] = "\n".join(task.checklist)
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["checklist"] = parse_checklist(cleaned.get("checklist_text") or "")
        if not self.errors:
            for field, messages in task_errors(cleaned, new=self.new).items():
                target = "checklist_text" if field == "checklist" else field
                for message in messages:
                    self.add_error(target if target in self.fields else None, message)
        return cleaned

    def data_for_service(self) -> dict[str, Any]:
        return {field: self.cleaned_data.get(field) for field in FIELDS}


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What did you see or do? You can turn the note into a report afterwards."),
    )
    minutes = forms.IntegerField(
        label=_("Minutes spent"),
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text=_("Empty: the length of the time slot."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Decline"))],
        error_messages={"required": _("Choose to approve or decline.")},
    )
    note = forms.CharField(label=_("Note to the proposer"), required=False, max_length=300)


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
