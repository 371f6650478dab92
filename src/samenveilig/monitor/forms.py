"""The open-round form: name, audience, one community or area, and a period in whole days."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.areas.models import Area
from samenveilig.communities.models import Community
from samenveilig.monitor.models import Audience

MAX_ROUND_DAYS = 366


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class RoundForm(forms.Form):
    """``scope`` is ``community:<id>`` or ``area:<id>`` from the choices the user may survey."""

    name = forms.CharField(
        label=_("Name of the round"),
        max_length=120,
        help_text=_("For example: Communitymonitor spring 2027."),
    )
    audience = forms.ChoiceField(
        label=_("Who is it for?"),
        choices=[
            (Audience.MEMBERS, _("Community members (Communitymonitor, about 3 minutes)")),
            (Audience.RESIDENTS, _("All residents (short resident survey, about 2 minutes)")),
        ],
        widget=forms.RadioSelect,
        initial=Audience.MEMBERS,
    )
    scope = forms.ChoiceField(
        label=_("Community or area"),
        help_text=_("The answers count for this community or area."),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    closes_on = forms.DateField(
        label=_("Closes after"),
        widget=DateInput(),
        help_text=_("The last day on which answers are accepted."),
    )

    def __init__(self, *args, communities: list[Community], areas: list[Area], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {str(c.pk): c for c in communities}
        self.areas = {str(a.pk): a for a in areas}
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        if communities:
            groups.append(
                (str(_("Communities")), [(f"community:{c.pk}", c.name) for c in communities])
            )
        if areas:
            groups.append(
                (
                    str(_("Areas")),
                    [(f"area:{a.pk}", f"{a.name} ({a.get_level_display()})") for a in areas],
                )
            )
        self.fields["scope"].choices = [("", _("Choose …")), *groups]
        today = timezone.localdate()
        self.fields["opens_on"].initial = today
        self.fields["closes_on"].initial = today + dt.timedelta(days=28)

    def clean_scope(self) -> tuple[Community | None, Area | None]:
        kind, _sep, pk = (self.cleaned_data.get("scope") or "").partition(":")
        if kind == "community" and pk in self.communities:
            return self.communities[pk], None
        if kind == "area" and pk in self.areas:
            return None, self.areas[pk]
        raise forms.ValidationError(_("Choose a community or area from the list."))

    def clean(self) -> dict:
        data = super().clean()
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on:
            if closes_on < opens_on:
                self.add_error("closes_on", _("The closing day cannot be before the opening day."))
            elif (closes_on - opens_on).days >= MAX_ROUND_DAYS:
                self.add_error("closes_on", _("A round lasts at most a year."))
            elif closes_on < timezone.localdate():
                self.add_error("closes_on", _("The closing day cannot be in the past."))
            elif closes_on > timezone.localdate() + dt.timedelta(days=2 * MAX_ROUND_DAYS):
                self.add_error("closes_on", _("The closing day is too far in the future."))
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime]:
        """From the start of the opening day to the end of the closing day (local time)."""
        opens_on: dt.date = self.cleaned_data["opens_on"]
        closes_on: dt.date = self.cleaned_data["closes_on"]
        opens_at = timezone.make_aware(dt.datetime.combine(opens_on, dt.time.min))
        closes_at = timezone.make_aware(
            dt.datetime.combine(closes_on + dt.timedelta(days=1), dt.time.min)
        )
        return opens_at, closes_at


class CloseForm(forms.Form):
    """Closing needs only the POST itself (and its CSRF token)."""
