"""The "report misuse" form of the partner's report page and the moderation page (REP-10), and
what those pages show of a flag. The service (``services.abuse``) decides; this parses."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.reports.models import ABUSE_NOTE_MAX_LENGTH, AbuseReason, ReportAbuse
from samenveilig.reports.services import abuse as abuse_services

SIDE_LABELS = {
    "police": _("the police"),
    "municipality": _("the municipality"),
    "coordinator": _("a coordinator"),
}


class AbuseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is this report misuse of the platform?"),
        choices=AbuseReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose why this report is misuse of the platform."),
            "invalid_choice": _("Choose one of the reasons given."),
        },
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_(
            "Only partners and coordinators read this, not the reporter. Say why you mark the "
            "report; do not describe anyone."
        ),
        required=False,
        max_length=ABUSE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def abuse_panel(
    report: Any, flag: ReportAbuse | None, *, form: AbuseForm | None = None, prefix: str = "abuse"
) -> dict[str, Any]:
    """What the ``reports/partner/_abuse.html`` panel needs: the flag if there is one, else the
    form (bound after a refused POST)."""
    return {
        "flag": flag,
        "flag_side": SIDE_LABELS.get(flag.side, flag.side) if flag else "",
        "form": None if flag else (form or AbuseForm(prefix=prefix)),
        "threshold": abuse_services.moderation_threshold(),
        "window_days": abuse_services.window_days(),
    }
