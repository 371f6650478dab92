"""Forms of the questionnaire pages. They parse input; the services decide (``services``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samenveilig.communities.models import Community
from samenveilig.questionnaires.permissions import (
    COMMUNITY_FORM_IDS,
    coordinated_communities,
    manages_deployment_forms,
)
from samenveilig.questionnaires.xlsform import MAX_UPLOAD_BYTES

WHOLE_DEPLOYMENT = "deployment"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("XLSForm workbook (.xlsx)"),
        help_text=_("An .xlsx file with the sheets survey, choices and settings; at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    scope = forms.ChoiceField(label=_("For whom"))
    name = forms.CharField(
        label=_("Name (optional)"),
        help_text=_("Empty: the form_title of the settings sheet."),
        max_length=200,
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = []
        if manages_deployment_forms(user):
            choices.append((WHOLE_DEPLOYMENT, str(_("The whole deployment (every community)"))))
        self.communities = {str(c.pk): c for c in coordinated_communities(user).order_by("name")}
        forms_list = ", ".join(sorted(COMMUNITY_FORM_IDS))
        for key, community in self.communities.items():
            choices.append(
                (
                    key,
                    str(_("Only %(community)s (form %(forms)s)"))
                    % {"community": community.name, "forms": forms_list},
                )
            )
        self.fields["scope"].choices = choices
        if len(choices) == 1:
            self.fields["scope"].initial = choices[0][0]

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return upload
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB."), params={"mb": 5})
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Choose an .xlsx workbook."))
        return upload

    @property
    def community(self) -> Community | None:
        scope = self.cleaned_data.get("scope")
        return None if scope == WHOLE_DEPLOYMENT else self.communities.get(scope)
