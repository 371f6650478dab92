"""INV-4: working copies are kept apart from the evidentiary original; every read is audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction

from samenveilig.core.models import AuditEvent
from samenveilig.investigations import services
from samenveilig.investigations.handover import verify_package
from samenveilig.investigations.models import (
    CustodyEvent,
    EvidenceImmutable,
    EvidenceItem,
    WorkingCopy,
)

from .conftest import add_note, approved_case, open_case

pytestmark = pytest.mark.django_db

ORIGINAL = "Chat met @jan_1990 en zijn buurvrouw Els de Groot, 3 maart 20:14."
REDACTED = "Chat met @jan_1990 en zijn buurvrouw [weggelaten], 3 maart 20:14."


def _copy(world, item, **kwargs):
    return services.working_copy_create(
        actor=kwargs.pop("actor", world.opener),
        item=item,
        purpose=kwargs.pop("purpose", "Naam van de buurvrouw weggelaten"),
        **({"text": REDACTED} | kwargs),
    )


def test_a_working_copy_is_stored_apart_and_refers_to_the_original_hash(world):
    case = approved_case(world)
    item = add_note(world, case, text=ORIGINAL)
    stored_before = EvidenceItem.objects.get(pk=item.pk).content_encrypted
    copy = _copy(world, item)
    assert copy.original_sha256 == item.sha256 == services.sha256(ORIGINAL.encode())
    assert copy.sha256 == services.sha256(REDACTED.encode())
    # Encrypted at rest: neither the copy nor the purpose is in the row in plain text.
    row = WorkingCopy.objects.get(pk=copy.pk)
    assert "weggelaten" not in row.content_encrypted + row.purpose_encrypted
    # The original is untouched and still verifies.
    original = EvidenceItem.objects.get(pk=item.pk)
    assert original.content_encrypted == stored_before
    assert services.evidence_content(original) == ORIGINAL.encode()
    assert services.verify_case(case) == []
    assert CustodyEvent.objects.filter(item=item, action="copy_made").count() == 1
    second = _copy(world, item, actor=world.second, text=REDACTED + " Nog een versie.")
    assert (copy.number, second.number) == (1, 2)


def test_a_working_copy_cannot_be_changed(world):
    case = approved_case(world)
    copy = _copy(world, add_note(world, case, text=ORIGINAL))
    copy.purpose_encrypted = services.encrypt_text("anders")
    with pytest.raises(EvidenceImmutable):
        copy.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        WorkingCopy.objects.filter(pk=copy.pk).update(sha256="0" * 64)


def test_reading_a_working_copy_and_the_original_is_audited(world):
    case = approved_case(world)
    item = add_note(world, case, text=ORIGINAL)
    copy = _copy(world, item)
    assert services.working_copy_read(actor=world.second, copy=copy) == REDACTED.encode()
    assert services.evidence_read(actor=world.lead, item=item) == ORIGINAL.encode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"investigations.working_copy_read", "investigations.evidence_read"} <= actions
    assert CustodyEvent.objects.filter(item=item, action="read").count() == 2


@pytest.mark.parametrize("who", ["member", "outsider", "police", "uncertified"])
def test_others_cannot_read_or_make_working_copies_and_are_audited(world, who):
    case = approved_case(world)
    item = add_note(world, case, text=ORIGINAL)
    copy = _copy(world, item)
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.working_copy_read(actor=actor, copy=copy)
    with pytest.raises(PermissionDenied):
        services.evidence_read(actor=actor, item=item)
    assert AuditEvent.objects.filter(action="investigations.case_read_refused").count() == 2
    with pytest.raises(PermissionDenied):
        _copy(world, item, actor=actor)


def test_a_non_participant_cannot_make_a_copy_and_purpose_and_content_are_required(world):
    case = approved_case(world)
    item = add_note(world, case, text=ORIGINAL)
    with pytest.raises(PermissionDenied):
        _copy(world, item, actor=world.lead)  # the lead approved but did not join
    with pytest.raises(services.CaseError) as caught:
        _copy(world, item, purpose=" ", text="")
    assert set(caught.value.errors) == {"purpose", "text"}


def test_no_working_copy_before_approval_or_after_closing(world):
    case = open_case(world)
    services.case_join(actor=world.second, case=case)
    # Nothing is collected before approval, so there is no item; a forged one is refused too.
    approved = services.case_approve(actor=world.lead, case=case)
    item = add_note(world, approved)
    services.case_close(actor=world.lead, case=approved, outcome="insufficient")
    with pytest.raises(services.CaseError, match="closed"):
        _copy(world, item)


def test_image_working_copies_are_refused_in_a_minors_case(world):
    case = approved_case(world, offence=world.grooming)
    item = add_note(world, case, text="Profiel beschreven in woorden.")
    with pytest.raises(services.CaseError) as caught:
        _copy(
            world,
            item,
            text="",
            upload=services.Upload("scherm.png", "application/octet-stream", b"\x89PNG\r\n"),
        )
    assert "Meldpunt" in caught.value.errors["upload"]


def test_a_tampered_original_cannot_be_copied(world):
    case = approved_case(world)
    item = add_note(world, case, text=ORIGINAL)
    from django.db import connection

    with connection.cursor() as cursor:  # bypassing the trigger is not possible: drop to raw
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER investigations_evidence_no_update")
        else:  # replica mode skips ordinary triggers for this session (superuser in tests)
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE investigations_evidenceitem SET content_encrypted = %s WHERE id = %s",
            [services.encrypt_text("vervalst"), item.pk],
        )
        if connection.vendor != "sqlite":
            cursor.execute("SET session_replication_role = origin")
    with pytest.raises(services.CaseError, match="does not verify"):
        _copy(world, EvidenceItem.objects.get(pk=item.pk))


def test_the_hand_over_package_holds_the_original_not_the_working_copy(world):
    case = approved_case(world)
    item = add_note(world, case, text=ORIGINAL)
    _copy(world, item)
    services.case_hand_over(actor=world.opener, case=case)
    data = services.package_download(actor=world.opener, case=case)
    assert verify_package(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        contents = b"".join(archive.read(name) for name in archive.namelist())
    assert ORIGINAL.encode() in contents
    assert REDACTED.encode() not in contents


def test_purge_removes_working_copies_with_the_case(world, settings):
    import datetime as dt

    from django.utils import timezone

    settings.INVESTIGATIONS_RETENTION_DAYS = 1
    case = approved_case(world)
    _copy(world, add_note(world, case, text=ORIGINAL))
    services.case_close(actor=world.lead, case=case, outcome="disproved")
    assert services.purge_cases(timezone.now() + dt.timedelta(days=2)) == 1
    assert not WorkingCopy.objects.exists()
