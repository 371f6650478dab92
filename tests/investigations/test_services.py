"""The guards of citizen investigations at the service layer (INV-1 … INV-10)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.utils import timezone

from samenveilig.core.audit import verify_chain
from samenveilig.core.models import AuditEvent
from samenveilig.investigations import handover, services
from samenveilig.investigations.models import (
    Case,
    CaseStatus,
    CaseTally,
    CustodyEvent,
    EvidenceImmutable,
    EvidenceItem,
    Method,
)
from samenveilig.training.permissions import NotCertified

from .conftest import add_note, agreement, approved_case, open_case

pytestmark = pytest.mark.django_db


# --- INV-1 / INV-2: who opens, four-eyes, nothing before approval ----------------------


def test_certified_investigator_opens_a_case_with_the_suspicion_encrypted(world):
    case = open_case(world)
    assert case.status == CaseStatus.DRAFT
    assert "Marktplaats" not in case.scope_encrypted
    assert services.decrypt_text(case.scope_encrypted).startswith("Marktplaats")
    event = AuditEvent.objects.get(action="investigations.case_open")
    assert "Marktplaats" not in str(event.details)
    assert event.details["offence"] == "fraud"


def test_uncertified_investigator_is_told_which_modules_to_take(world):
    with pytest.raises(NotCertified) as caught:
        open_case(world, opener=world.uncertified)
    assert "module" in caught.value.message
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["member", "outsider", "police"])
def test_others_cannot_open_a_case_for_the_team(world, who):
    with pytest.raises(PermissionDenied):
        open_case(world, opener=getattr(world, who))


def test_every_field_of_the_suspicion_is_required(world):
    with pytest.raises(services.CaseError) as caught:
        services.case_open(
            actor=world.opener,
            team=world.team,
            offence=world.fraud,
            suspicion=" ",
            confirm="",
            disprove="x",
            scope="x",
            methods=[],
        )
    assert set(caught.value.errors) == {"suspicion", "confirm", "methods"}


def test_nothing_can_be_collected_before_approval(world):
    case = open_case(world)
    services.case_join(actor=world.second, case=case)
    with pytest.raises(services.CaseError, match="before the case is approved"):
        add_note(world, case)
    assert not EvidenceItem.objects.exists()


def test_the_opener_cannot_approve_even_as_lead(world):
    case = open_case(world, opener=world.lead)
    services.case_join(actor=world.second, case=case)
    with pytest.raises(services.CaseError, match="did not open"):
        services.case_approve(actor=world.lead, case=case)


def test_a_single_person_case_cannot_be_approved(world):
    case = open_case(world)
    with pytest.raises(services.CaseError, match="second team member"):
        services.case_approve(actor=world.lead, case=case)


def test_an_investigator_who_is_not_lead_cannot_approve(world):
    case = open_case(world)
    services.case_join(actor=world.second, case=case)
    with pytest.raises(PermissionDenied):
        services.case_approve(actor=world.second, case=case)


def test_a_lone_member_cannot_collect(world):
    case = approved_case(world)
    case.participants.filter(user=world.second).delete()  # the second member left
    with pytest.raises(services.CaseError, match="at least two members"):
        add_note(world, case)


def test_a_non_participant_cannot_collect(world):
    case = approved_case(world)
    with pytest.raises(services.CaseError, match="Join the case"):
        add_note(world, case, actor=world.lead)


def test_collecting_stops_at_the_time_limit(world):
    case = approved_case(world)
    Case.objects.filter(pk=case.pk).update(collect_until=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(services.CaseError, match="time limit"):
        add_note(world, Case.objects.get(pk=case.pk))


# --- INV-3: methods, decoys only with a police agreement -----


def test_decoy_is_refused_without_a_police_agreement(world):
    with pytest.raises(services.CaseError) as caught:
        open_case(world, methods=[Method.DECOY])
    assert "agreement with police" in caught.value.errors["methods"]


def test_decoy_is_allowed_with_an_agreement_and_refused_once_it_is_revoked(world):
    record = agreement(world.team)
    case = approved_case(world, methods=[Method.DECOY])
    assert case.methods == ["decoy"]
    record.revoked_at = timezone.now()
    record.save()
    with pytest.raises(services.CaseError, match="agreement with police"):
        services.evidence_add(
            actor=world.opener,
            case=case,
            kind="decoy_log",
            source="Chat app",
            relevance="context",
            relevance_reason="Gesprek met de verdachte.",
            text="20:00 lisa13: hoi\n20:01 jan: hoi",
            decoy_handle="lisa13",
        )


def test_another_teams_agreement_does_not_count(world):
    agreement(world.other_team)
    with pytest.raises(services.CaseError):
        open_case(world, methods=[Method.DECOY])


def test_unknown_methods_are_refused(world):
    with pytest.raises(services.CaseError):
        open_case(world, methods=["hacking"])


# --- INV-4: the evidence log -----


def test_evidence_is_hashed_encrypted_and_logged(world):
    case = approved_case(world)
    item = add_note(world, case, text="Gezien: advertentie 123")
    assert item.sha256 == services.sha256(b"Gezien: advertentie 123")
    assert "advertentie" not in item.content_encrypted
    assert item.collected_by == world.opener
    assert CustodyEvent.objects.filter(item=item, action="intake", sha256=item.sha256).exists()
    assert services.verify_case(case) == []


def test_relevance_statement_is_required(world):
    case = approved_case(world)
    with pytest.raises(services.CaseError) as caught:
        add_note(world, case, relevance="", relevance_reason="")
    assert {"relevance", "relevance_reason"} <= set(caught.value.errors)


def test_captured_page_needs_url_time_and_capture(world):
    case = approved_case(world)
    with pytest.raises(services.CaseError) as caught:
        add_note(world, case, kind="captured_page", text="")
    assert {"url", "captured_at", "upload"} <= set(caught.value.errors)


def test_an_item_cannot_be_edited_through_the_model(world):
    item = add_note(world, approved_case(world))
    item.source = "iets anders"
    with pytest.raises(EvidenceImmutable):
        item.save()


def test_the_database_refuses_to_change_an_item(world):
    item = add_note(world, approved_case(world))
    with pytest.raises(DatabaseError), transaction.atomic():
        EvidenceItem.objects.filter(pk=item.pk).update(sha256="0" * 64)
    assert EvidenceItem.objects.get(pk=item.pk).sha256 == item.sha256


def test_a_correction_is_a_new_item_referring_to_the_old(world):
    case = approved_case(world)
    first = add_note(world, case, text="Om 20:14")
    second = add_note(world, case, text="Correctie: om 21:14", corrects=first)
    assert (first.number, second.number) == (1, 2)
    assert second.corrects == first
    assert services.evidence_text(EvidenceItem.objects.get(pk=first.pk)) == "Om 20:14"


def test_verification_detects_a_tampered_item(world):
    case = approved_case(world)
    add_note(world, case)
    EvidenceItem.objects.create(
        case=case,
        number=2,
        kind="note",
        collected_at=timezone.now(),
        source="x",
        relevance="context",
        relevance_reason_encrypted=services.encrypt_text("x"),
        content_encrypted=services.encrypt_text("changed"),
        size=7,
        sha256=services.sha256(b"original"),
    )
    assert services.verify_case(case) == ["item 2: SHA-256 does not match"]
    with pytest.raises(CommandError):
        call_command("verify_evidence", stdout=io.StringIO(), stderr=io.StringIO())


# --- INV-5: no images in minors cases -----

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32


@pytest.mark.parametrize(
    "upload",
    [
        services.Upload("foto.jpg", "image/jpeg", JPEG),
        services.Upload("notes.txt", "text/plain", JPEG),  # lying name and type: bytes decide
        services.Upload("clip.bin", "application/octet-stream", MP4),
        services.Upload("scherm.png", "application/octet-stream", b"plain bytes"),
    ],
)
def test_image_and_video_uploads_are_refused_in_a_minors_case(world, upload):
    case = approved_case(world, offence=world.grooming)
    with pytest.raises(services.CaseError) as caught:
        services.evidence_add(
            actor=world.opener,
            case=case,
            kind="file",
            source="Chat",
            relevance="confirms",
            relevance_reason="x",
            upload=upload,
        )
    assert "meldpunt-kinderporno.nl" in caught.value.errors["upload"]
    assert not EvidenceItem.objects.exists()


def test_a_text_file_is_accepted_in_a_minors_case_and_images_elsewhere(world):
    minors = approved_case(world, offence=world.grooming)
    services.evidence_add(
        actor=world.opener,
        case=minors,
        kind="file",
        source="Chat",
        relevance="confirms",
        relevance_reason="x",
        upload=services.Upload("chat.txt", "text/plain", b"20:00 a: hoi"),
    )
    fraud = approved_case(world)
    item = services.evidence_add(
        actor=world.opener,
        case=fraud,
        kind="file",
        source="Marktplaats",
        relevance="confirms",
        relevance_reason="x",
        upload=services.Upload("advertentie.jpg", "image/jpeg", JPEG),
    )
    assert item.sha256 == services.sha256(JPEG)


# --- INV-6 / INV-7: decoy logs -----------------------------------------------------------


def _decoy_case(world):
    agreement(world.team)
    return approved_case(world, offence=world.grooming, methods=[Method.DECOY])


def _log(world, case, text):
    return services.evidence_add(
        actor=world.opener,
        case=case,
        kind="decoy_log",
        source="Chat app",
        relevance="confirms",
        relevance_reason="Gesprek met de verdachte.",
        text=text,
        decoy_handle="lisa13",
    )


def test_decoy_raising_sexual_content_first_blocks_the_case_until_the_lead_reviews(world):
    case = _decoy_case(world)
    _log(world, case, "20:00 lisa13: ik ben 13\n20:01 lisa13: wil je naaktfoto's?\n20:02 jan: ok")
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEW
    event = AuditEvent.objects.get(action="investigations.entrapment_block")
    assert event.details["topics"] == ["sexual"]
    with pytest.raises(services.CaseError, match="does not accept"):
        add_note(world, case)
    with pytest.raises(PermissionDenied):
        services.case_review(actor=world.second, case=case)
    services.case_review(actor=world.lead, case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED


def test_a_clean_decoy_log_keeps_the_case_open(world):
    case = _decoy_case(world)
    _log(
        world,
        case,
        "20:00 jan: hoi\n20:01 lisa13: hoi, ik ben 13 jaar\n20:02 jan: stuur een sexy foto",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED


def test_a_meeting_proposed_by_the_subject_moves_the_case_to_hand_over(world):
    case = _decoy_case(world)
    _log(world, case, "20:00 lisa13: ik ben 13\n20:05 jan: zullen we zaterdag afspreken?")
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDOVER_REQUIRED
    assert case.meeting_proposed_at is not None
    with pytest.raises(services.CaseError):
        add_note(world, case)
    with pytest.raises(services.CaseError, match="hand the case over"):
        services.case_close(actor=world.lead, case=case, outcome="insufficient")
    services.case_hand_over(actor=world.opener, case=case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.HANDED_OVER


def test_an_unreadable_transcript_is_a_field_error(world):
    case = _decoy_case(world)
    with pytest.raises(services.CaseError) as caught:
        _log(world, case, "zomaar wat tekst")
    assert "Line 1" in caught.value.errors["text"]


# --- INV-8: hand-over is the only export; reading is scoped and audited -----------------


def test_hand_over_builds_a_verifiable_package_and_locks_the_case(world, tmp_path):
    case = approved_case(world)
    add_note(world, case)
    services.evidence_add(
        actor=world.second,
        case=case,
        kind="file",
        source="Marktplaats",
        relevance="confirms",
        relevance_reason="x",
        upload=services.Upload("advertentie.pdf", "application/pdf", b"%PDF-1.4 test"),
    )
    services.case_hand_over(actor=world.opener, case=case)
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.HANDED_OVER and case.is_locked
    data = services.package_download(actor=world.police, case=case)
    assert handover.verify_package(data) == []
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"manifest.json", "custody_log.csv", "summary.pdf", "evidence/002-file.pdf"} <= set(
        names
    )
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("verify_handover", str(path), stdout=out)
    assert out.getvalue().startswith("OK")
    with pytest.raises(services.CaseError):
        add_note(world, case)
    with pytest.raises(services.CaseError):
        services.case_hand_over(actor=world.opener, case=case)
    with pytest.raises(PermissionDenied):
        services.case_close(actor=world.lead, case=case, outcome="disproved")
    with pytest.raises(services.CaseError):
        services.case_join(actor=world.lead, case=case)


def _rezip(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def test_verification_detects_one_changed_byte(world, tmp_path):
    case = approved_case(world)
    add_note(world, case, text="Origineel bewijs")
    services.case_hand_over(actor=world.opener, case=case)
    data = services.package_download(actor=world.opener, case=Case.objects.get(pk=case.pk))

    def flip(name, content):
        if name == "evidence/001-note.txt":
            return bytes([content[0] ^ 1]) + content[1:]
        return content

    problems = handover.verify_package(_rezip(data, flip))
    assert problems == ["evidence/001-note.txt: SHA-256 does not match"]
    path = tmp_path / "changed.zip"
    path.write_bytes(_rezip(data, flip))
    with pytest.raises(CommandError):
        call_command("verify_handover", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    # A byte changed inside the stored (compressed) archive is caught as well.
    raw = bytearray(data)
    at = bytes(raw).index(b"evidence/001-note.txt") + 40
    raw[at] ^= 0xFF
    assert handover.verify_package(bytes(raw)) != []


def test_a_rewritten_manifest_is_detected(world):
    case = approved_case(world)
    add_note(world, case)
    services.case_hand_over(actor=world.opener, case=case)
    data = services.package_download(actor=world.opener, case=Case.objects.get(pk=case.pk))
    changed = _rezip(
        data, lambda n, c: c.replace(b'"fraud"', b'"threat"') if n == "manifest.json" else c
    )
    assert any("signature" in p for p in handover.verify_package(changed))


def test_no_export_before_hand_over(world):
    case = approved_case(world)
    add_note(world, case)
    with pytest.raises(PermissionDenied):
        services.package_download(actor=world.opener, case=case)


@pytest.mark.parametrize("who", ["member", "outsider", "far_police", "police", "uncertified"])
def test_reading_a_case_is_refused_and_audited(world, who):
    case = approved_case(world)
    with pytest.raises(PermissionDenied):
        services.case_read(actor=getattr(world, who), case=case)
    event = AuditEvent.objects.get(action="investigations.case_read_refused")
    assert event.actor_id == getattr(world, who).pk
    assert verify_chain() == []


def test_reads_are_audited_and_police_read_after_hand_over(world):
    case = approved_case(world)
    plan = services.case_read(actor=world.second, case=case)
    assert plan["confirm"].startswith("Meerdere kopers")
    services.case_hand_over(actor=world.opener, case=case)
    case = Case.objects.get(pk=case.pk)
    services.case_read(actor=world.police, case=case)
    assert AuditEvent.objects.filter(action="investigations.case_read").count() == 2
    with pytest.raises(PermissionDenied):
        services.case_read(actor=world.far_police, case=case)
    services.case_acknowledge(actor=world.police, case=case, police_reference="PL0900-2025-123")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "handed_over")


# --- INV-9: wellbeing -----


def test_a_check_in_is_required_after_the_set_exposure(world, settings):
    settings.INVESTIGATIONS_CHECKIN_AFTER_MINUTES = 10
    case = approved_case(world)
    services.case_read(actor=world.second, case=case)
    from samenveilig.investigations.models import Exposure

    Exposure.objects.filter(user=world.second).update(seconds_since_checkin=600)
    with pytest.raises(services.CheckinRequired):
        services.case_read(actor=world.second, case=case)
    services.wellbeing_checkin(actor=world.second)
    services.case_read(actor=world.second, case=case)


def test_time_between_reads_is_counted(world):
    from samenveilig.investigations.models import Exposure

    case = approved_case(world)
    services.case_read(actor=world.second, case=case)
    Exposure.objects.filter(user=world.second).update(
        last_read_at=timezone.now() - dt.timedelta(minutes=5)
    )
    services.case_read(actor=world.second, case=case)
    assert Exposure.objects.get(user=world.second).seconds_since_checkin >= 299


# --- INV-10: closing and purging -----


def test_closing_without_hand_over_purges_after_retention_keeping_counts(world, settings):
    settings.INVESTIGATIONS_RETENTION_DAYS = 7
    case = approved_case(world)
    first = add_note(world, case)
    add_note(world, case, corrects=first)
    services.case_close(actor=world.lead, case=case, outcome="disproved")
    assert services.purge_cases() == 0
    assert services.purge_cases(now=timezone.now() + dt.timedelta(days=8)) == 1
    assert not Case.objects.exists() and not EvidenceItem.objects.exists()
    tally = CaseTally.objects.get()
    assert (tally.offence_code, tally.outcome, tally.count) == ("fraud", "disproved", 1)


def test_handed_over_cases_are_not_purged(world):
    case = approved_case(world)
    services.case_hand_over(actor=world.opener, case=case)
    assert services.purge_cases(now=timezone.now() + dt.timedelta(days=3650)) == 0
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_draft_never_approved_is_purged_and_the_purge_command_runs_it(world):
    open_case(world)
    Case.objects.update(purge_after=timezone.now() - dt.timedelta(minutes=1))
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "investigation cases not handed over: 1 purged" in out.getvalue()
    assert CaseTally.objects.get().outcome == "expired"


def test_only_a_lead_closes(world):
    case = approved_case(world)
    with pytest.raises(PermissionDenied):
        services.case_close(actor=world.second, case=case, outcome="insufficient")
    with pytest.raises(services.CaseError):
        services.case_close(actor=world.lead, case=case, outcome="handed_over")
