"""Key rotation of investigation content: case texts, suspects' identifiers (re-hashed, so the
publication guard still blocks them) and the append-only evidence log, which cannot be rewritten
and keeps needing the old key until its case goes (``--check`` says so)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from samenveilig.investigations import publication, services
from samenveilig.investigations.models import Case
from samenveilig.privacy.keys import is_current
from tests.investigations.conftest import add_note, approved_case, world  # noqa: F401
from tests.privacy.rotation import drop_old_keys, prepend_new_keys

pytestmark = pytest.mark.django_db


def test_case_texts_and_identifiers_rotate_evidence_waits_for_its_case(world, settings):  # noqa: F811
    case = approved_case(world)
    services.identifiers_add(actor=world.opener, case=case, identifiers=["Jan de Vries"])
    item = add_note(world, case)
    old_key, _old_hmac = prepend_new_keys(settings)

    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    text = out.getvalue()
    assert "rotated investigations.case: 1" in text
    assert "rotated investigations.suspectidentifier (hmac): 1" in text
    assert "still under an old key investigations.evidenceitem: 1" in text

    settings.FLAG_HMAC_KEYS = settings.FLAG_HMAC_KEYS[:1]  # the HMAC key can go already
    assert publication.recorded_in_area(["Jan de Vries"], [world.area.pk])
    case = Case.objects.get(pk=case.pk)
    assert is_current(case.suspicion_encrypted)
    assert services.identifiers_read(actor=world.opener, case=case) == ["Jan de Vries"]
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--check", stdout=io.StringIO())
    assert services.evidence_content(item)  # readable while the old key is listed

    # Once the case is gone, the old Fernet key can go too.
    services.purge_cases(now=case.created_at.replace(year=case.created_at.year + 5))
    drop_old_keys(settings)
    call_command("rotate_keys", "--check", stdout=io.StringIO())
    assert old_key not in settings.FIELD_ENCRYPTION_KEYS
