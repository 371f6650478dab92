from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samenveilig.questionnaires.models import Questionnaire


@pytest.mark.django_db
def test_shipped_form_is_installed_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("load_questionnaire", stdout=out)
    assert "buurtonderzoek.xlsx" in out.getvalue() and "installed" in out.getvalue()
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.is_active and questionnaire.definition
    out = io.StringIO()
    call_command("load_questionnaire", stdout=out)
    assert "already installed" in out.getvalue()
    assert Questionnaire.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_file_is_refused_with_the_reason(tmp_path):
    bad = tmp_path / "kapot.xlsx"
    bad.write_bytes(b"not a workbook at all")
    with pytest.raises(CommandError) as caught:
        call_command("load_questionnaire", str(bad))
    assert "kapot.xlsx: not installed" in str(caught.value)
    with pytest.raises(CommandError):
        call_command("load_questionnaire", str(tmp_path / "missing.xlsx"))
    assert not Questionnaire.objects.exists()
