from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.privacy.models import PrivacyRequest, RequestStatus


class ErasureForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("We ask for it again so nobody else can erase your account."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is closed and cannot be restored."),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class RecordRequestForm(forms.ModelForm):
    account_email = forms.EmailField(
        label=_("E-mail address of the account concerned (if they have one)"),
        required=False,
        help_text=_("Leave empty for someone without an account."),
    )

    class Meta:
        model = PrivacyRequest
        fields = ["kind", "requester_name", "requester_contact", "details", "received_on"]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requester_name"].required = True
        self.fields["requester_contact"].required = True
        self.fields["received_on"].initial = timezone.localdate()
        self.subject = None

    def clean_received_on(self) -> dt.date:
        received = self.cleaned_data["received_on"]
        if received > timezone.localdate():
            raise forms.ValidationError(_("The date of receipt cannot be in the future."))
        return received

    def clean_account_email(self) -> str:
        email = self.cleaned_data["account_email"].strip()
        if email:
            user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
            if user is None:
                raise forms.ValidationError(
                    _(
                        "No active account has this e-mail address; leave it empty for someone "
                        "without an account."
                    )
                )
            self.subject = user
        return email


class CloseRequestForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(RequestStatus.DONE, _("Done")), (RequestStatus.REFUSED, _("Refused"))],
    )
    outcome_note = forms.CharField(
        label=_("Answer given"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was answered or done, and why (a refusal must say why)."),
    )
