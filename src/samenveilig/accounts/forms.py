from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.accounts.models import User


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Name shown to others"),
        max_length=80,
        required=False,
        help_text=_("Optional. A first name is enough; your e-mail address is never shown."),
    )

    def signup(self, request, user: User) -> None:  # type: ignore[no-untyped-def]
        user.display_name = self.cleaned_data.get("display_name", "").strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "language", "quiet_hours_start", "quiet_hours_end"]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("quiet_hours_start"), cleaned.get("quiet_hours_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(
                _("Fill in both the start and the end of your quiet hours, or leave both empty.")
            )
        if start is not None and start == end:
            self.add_error(
                "quiet_hours_end", _("Quiet hours must end at a different time than they start.")
            )
        return cleaned
