"""Forms of the investigation pages: they parse input; the rules live in ``services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.investigations.models import CaseOutcome, EvidenceKind, Method, Offence, Relevance


class CaseForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, label=_("Investigation team"))
    offence = forms.ModelChoiceField(
        queryset=Offence.objects.filter(is_active=True), label=_("Suspected offence")
    )
    suspicion = forms.CharField(
        label=_("Facts that cause the suspicion"), widget=forms.Textarea(attrs={"rows": 4})
    )
    confirm = forms.CharField(
        label=_("What would confirm the suspicion"), widget=forms.Textarea(attrs={"rows": 3})
    )
    disprove = forms.CharField(
        label=_("What would disprove the suspicion"), widget=forms.Textarea(attrs={"rows": 3})
    )
    scope = forms.CharField(
        label=_("Scope (platforms, places)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    methods = forms.MultipleChoiceField(
        label=_("Methods"),
        choices=Method.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Decoy conversations are possible only when your team has a written agreement with "
            "police."
        ),
    )

    identifiers = forms.CharField(
        label=_("Names, handles or other identifiers of the suspect (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Kept encrypted for the team. They can never appear in alerts or other public "
            "messages: such texts are refused."
        ),
    )

    def clean_identifiers(self) -> list[str]:
        return identifier_lines(self.cleaned_data.get("identifiers", ""))

    def __init__(self, *args, teams=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        from samenveilig.communities.models import Community

        self.fields["team"].queryset = Community.objects.filter(pk__in=[t.pk for t in teams])
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
        self.fields["offence"].label_from_instance = lambda o: f"{o.name} — {o.legal_reference}"


def identifier_lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()][:50]


class IdentifiersForm(forms.Form):
    identifiers = forms.CharField(
        label=_("Names, handles or other identifiers of the suspect (one a line)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_identifiers(self) -> list[str]:
        return identifier_lines(self.cleaned_data.get("identifiers", ""))


class WorkingCopyForm(forms.Form):
    purpose = forms.CharField(
        label=_("What is this working copy for?"),
        max_length=300,
        help_text=_("For example: names of bystanders blacked out, or a transcript with notes."),
    )
    text = forms.CharField(
        label=_("Text of the working copy"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    upload = forms.FileField(label=_("Or a file"), required=False)


class DateInput(forms.DateInput):
    input_type = "date"


class AgreementForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, label=_("Investigation team"))
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    police_contact = forms.CharField(
        label=_("Police contact"),
        max_length=200,
        help_text=_("Name, unit and how to reach them, as in the agreement."),
    )
    document = forms.FileField(
        label=_("The signed agreement (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, teams=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        from samenveilig.communities.models import Community

        self.fields["team"].queryset = Community.objects.filter(pk__in=[t.pk for t in teams])
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind.choices)
    text = forms.CharField(
        label=_("Text (note, excerpt, observation or decoy transcript)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A decoy transcript: one message a line, as in “20:14 name: text”."),
    )
    decoy_handle = forms.CharField(label=_("The decoy's handle"), required=False, max_length=80)
    upload = forms.FileField(label=_("File or capture"), required=False)
    url = forms.URLField(
        label=_("Address of the page"), required=False, max_length=1000, assume_scheme="https"
    )
    captured_at = forms.DateTimeField(
        label=_("Time of the capture"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    source = forms.CharField(label=_("Source"), max_length=300)
    relevance = forms.ChoiceField(
        label=_("Relevance"), choices=Relevance.choices, widget=forms.RadioSelect
    )
    relevance_reason = forms.CharField(
        label=_("Why it matters for the suspicion"), widget=forms.Textarea(attrs={"rows": 2})
    )
    corrects = forms.IntegerField(
        label=_("Corrects item number"), required=False, min_value=1,
        help_text=_("Items are never edited: a correction is a new item."),
    )  # fmt: skip


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(CaseOutcome.DISPROVED, CaseOutcome.DISPROVED.label),
                 (CaseOutcome.INSUFFICIENT, CaseOutcome.INSUFFICIENT.label)],
        widget=forms.RadioSelect,
    )  # fmt: skip


class AcknowledgeForm(forms.Form):
    police_reference = forms.CharField(label=_("Police reference"), max_length=60)


class CheckinForm(forms.Form):
    """Questions to reflect on; the answers are not stored (INV-9)."""

    feeling = forms.ChoiceField(
        label=_("How are you after the content you saw?"),
        choices=[("good", _("Fine")), ("mixed", _("Mixed")), ("bad", _("Not well"))],
        widget=forms.RadioSelect,
    )
    break_taken = forms.BooleanField(label=_("I took a break away from the screen"), required=True)
