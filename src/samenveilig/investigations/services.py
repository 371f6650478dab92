"""Every write of citizen investigations (INV-1…INV-10), and the audited reads of case content.

Each action checks its permission here (not only in the view), runs in one transaction and
appends an audit row with ids, statuses and counts only — never suspicion text, names or handles.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.communities.models import Community
from samenveilig.core import audit, uploads
from samenveilig.core.crypto import fernet
from samenveilig.flags import keys as flag_keys
from samenveilig.investigations import conf, content, entrapment, permissions, publication
from samenveilig.investigations.models import (
    Case,
    CaseOutcome,
    CaseStatus,
    CaseTally,
    CustodyEvent,
    EvidenceItem,
    EvidenceKind,
    Exposure,
    HandoverPackage,
    Method,
    Offence,
    Participant,
    PoliceAgreement,
    Relevance,
    SuspectIdentifier,
    WorkingCopy,
)
from samenveilig.training.permissions import INVESTIGATION, NotCertified, missing_modules

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TEXT_KINDS = (
    EvidenceKind.NOTE,
    EvidenceKind.CHAT_EXCERPT,
    EvidenceKind.OBSERVATION,
    EvidenceKind.DECOY_LOG,
)
# Where material of the sexual abuse of minors must be reported instead of uploaded (INV-5).
REPORT_ABUSE_MATERIAL = (
    "https://www.meldpunt-kinderporno.nl/",
    "https://www.politie.nl/aangifte-of-melding-doen",
)


class CaseError(Exception):
    """Field name (or ``""``) → message, shown next to the field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors

    @property
    def message(self) -> str:
        return " ".join(self.errors.values())


class CheckinRequired(Exception):
    """The reader spent the set time in case content: a wellbeing check-in comes first (INV-9)."""


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    data: bytes


# --- helpers ------------------------------------------------------------------------------------


def _encrypt(data: bytes) -> str:
    return fernet().encrypt(data).decode()


def _decrypt(token: str) -> bytes:
    return fernet().decrypt(token.encode())


def encrypt_text(value: str) -> str:
    return _encrypt(value.encode())


def decrypt_text(token: str) -> str:
    return _decrypt(token).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _new_reference() -> str:
    while True:
        reference = "Z-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if not Case.objects.filter(reference=reference).exists():
            return reference


def _require_team_worker(actor: Any, team: Community) -> None:
    """Team investigators only; a team investigator without the modules hears which to take."""
    if permissions.team_membership(actor, team) is None:
        raise PermissionDenied
    missing = missing_modules(actor, INVESTIGATION)
    if missing:
        raise NotCertified(INVESTIGATION, missing, permissions.certification_message(actor))


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _audit(actor: Any, action: str, case: Case, **details: Any) -> None:
    audit.record(
        actor=actor,
        action=f"investigations.{action}",
        obj=case,
        details={"status": case.status, **details},
    )


def active_agreement(team: Community, on: date | None = None) -> PoliceAgreement | None:
    """The team's written agreement with police in force on ``on`` (today), if any (INV-3)."""
    on = on or timezone.localdate()
    for agreement in team.police_agreements.filter(revoked_at__isnull=True, signed_on__lte=on):
        if agreement.valid_until is None or agreement.valid_until >= on:
            return agreement
    return None


def allowed_methods(team: Community) -> list[str]:
    methods = [Method.OBSERVE_PUBLIC.value, Method.PUBLIC_PROFILES.value]
    if active_agreement(team) is not None:
        methods.append(Method.DECOY.value)
    return methods


# --- opening, joining, approval (INV-1, INV-2, INV-3) -------------------------------------------


def case_open(
    *,
    actor: Any,
    team: Community,
    offence: Offence,
    suspicion: str,
    confirm: str,
    disprove: str,
    scope: str,
    methods: list[str],
    identifiers: list[str] | None = None,
) -> Case:
    _require_team_worker(actor, team)
    errors: dict[str, str] = {}
    identifiers = [value for value in (identifiers or []) if value.strip()]
    for value in identifiers:
        problem = publication.identifier_error(value)
        if problem:
            errors["identifiers"] = problem
            break
    if not offence.is_active:
        errors["offence"] = _("Choose an offence from the catalogue.")
    for name, value in (
        ("suspicion", suspicion),
        ("confirm", confirm),
        ("disprove", disprove),
        ("scope", scope),
    ):
        if not value.strip():
            errors[name] = _("This field is required.")
    chosen = list(dict.fromkeys(methods))
    allowed = allowed_methods(team)
    if not chosen:
        errors["methods"] = _("Choose at least one method.")
    elif Method.DECOY in chosen and Method.DECOY not in allowed:
        errors["methods"] = _(
            "Decoy conversations need a written agreement with police recorded for your team. "
            "Without it, document what you see in public and hand it over to police."
        )
    elif any(method not in Method.values for method in chosen):
        errors["methods"] = _("Choose methods from the list.")
    if errors:
        raise CaseError(errors)
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            reference=_new_reference(),
            team=team,
            offence=offence,
            suspicion_encrypted=encrypt_text(suspicion.strip()),
            confirm_encrypted=encrypt_text(confirm.strip()),
            disprove_encrypted=encrypt_text(disprove.strip()),
            scope_encrypted=encrypt_text(scope.strip()),
            methods=chosen,
            opened_by=actor,
            created_by=actor,
            updated_by=actor,
            purge_after=now + conf.draft_duration() + conf.retention(),
        )
        Participant.objects.create(case=case, user=actor, joined_at=now)
        added = _store_identifiers(actor, case, identifiers, now)
        _audit(actor, "case_open", case, offence=offence.code, methods=chosen, identifiers=added)
    return case


def _store_identifiers(actor: Any, case: Case, values: list[str], now: datetime) -> int:
    """Keyed hashes of the normalised identifiers, and the values encrypted (INV-8)."""
    key = flag_keys.keys()[0]
    known = set(case.suspect_identifiers.values_list("digest", flat=True))
    rows = []
    for value in values:
        normalised = publication.normalise(value)
        digest = publication.digest(normalised, key=key)
        if digest in known:
            continue
        known.add(digest)
        rows.append(
            SuspectIdentifier(
                case=case,
                digest=digest,
                key_id=flag_keys.key_id(key),
                words=len(normalised.split(" ")),
                value_encrypted=encrypt_text(value.strip()[:200]),
                added_by=actor,
                added_at=now,
            )
        )
    SuspectIdentifier.objects.bulk_create(rows)
    return len(rows)


def identifiers_add(*, actor: Any, case: Case, identifiers: list[str]) -> int:
    """Record suspects' names, handles or other identifiers for the publication guard (INV-8).

    Any certified investigator of the team may add them while the case is not closed."""
    _require_team_worker(actor, case.team)
    values = [value for value in identifiers if value.strip()]
    if not values:
        raise CaseError({"identifiers": _("Give at least one name, handle or identifier.")})
    for value in values:
        problem = publication.identifier_error(value)
        if problem:
            raise CaseError({"identifiers": problem})
    with transaction.atomic():
        case = _locked(case)
        if case.is_locked:
            raise CaseError({"": _("This case is closed.")})
        added = _store_identifiers(actor, case, values, timezone.now())
        _audit(actor, "identifiers_add", case, identifiers=added)
    return added


def identifiers_read(*, actor: Any, case: Case) -> list[str]:
    """The recorded identifiers in plain text, for the team's investigators (read audited with
    the case: callers read them together with ``case_read``)."""
    if not permissions.user_can_read_case(actor, case):
        refused_read(actor=actor, case=case)
        raise PermissionDenied
    return [decrypt_text(row.value_encrypted) for row in case.suspect_identifiers.all()]


def case_join(*, actor: Any, case: Case) -> Participant:
    _require_team_worker(actor, case.team)
    with transaction.atomic():
        case = _locked(case)
        if case.is_locked:
            raise CaseError({"": _("This case is closed.")})
        if permissions.is_participant(actor, case):
            raise CaseError({"": _("You already take part in this case.")})
        participant = Participant.objects.create(case=case, user=actor, joined_at=timezone.now())
        _audit(actor, "case_join", case, participants=case.participants.count())
    return participant


def case_approve(*, actor: Any, case: Case) -> Case:
    """Four-eyes: a lead other than the opener, once a second member has joined."""
    _require_team_worker(actor, case.team)
    with transaction.atomic():
        case = _locked(case)
        if case.status != CaseStatus.DRAFT:
            raise CaseError({"": _("Only a case waiting for approval can be approved.")})
        if not permissions.is_team_lead(actor, case.team):
            raise PermissionDenied
        if case.opened_by_id == actor.pk:
            raise CaseError({"": _("A lead who did not open the case must approve it.")})
        if case.participants.count() < 2:
            raise CaseError(
                {"": _("A second team member must join the case before it can be approved.")}
            )
        if Method.DECOY in case.methods and active_agreement(case.team) is None:
            raise CaseError(
                {"": _("The team has no written agreement with police: decoys are not allowed.")}
            )
        now = timezone.now()
        case.status = CaseStatus.APPROVED
        case.approved_by = actor
        case.approved_at = now
        case.collect_until = now + conf.case_duration()
        case.purge_after = case.collect_until + conf.retention()
        case.updated_by = actor
        case.save()
        _audit(actor, "case_approve", case)
    return case


# --- evidence (INV-4 … INV-7) -------------------------------------------------------------------


def is_image_or_video(upload: Upload) -> bool:
    """Whether ``upload`` may not be kept in a case about minors (INV-5). Decided by the bytes,
    deny by default: only text without picture markup and PDFs without images pass
    (``investigations.content``); a declared image type or extension is refused as well."""
    why = content.refusal(upload.data, name=upload.name, content_type=upload.content_type)
    return why is not None


def minors_upload_message() -> str:
    return _(
        "In a case about sexual offences against minors only text files (a chat export, a "
        "text, CSV or JSON file, a web page without pictures) and PDFs without pictures can be "
        "added. Images, screenshots, videos, audio, archives and documents that contain "
        "pictures are refused: possessing sexual images of minors is itself a crime. Do not "
        "save or forward them; the police collect images themselves. Describe in a note what "
        "you saw, where and when. Report such material to police (politie.nl, or 0900-8844) or "
        "to the Meldpunt Kinderporno (meldpunt-kinderporno.nl)."
    )


def evidence_add(
    *,
    actor: Any,
    case: Case,
    kind: str,
    source: str,
    relevance: str,
    relevance_reason: str,
    text: str = "",
    upload: Upload | None = None,
    url: str = "",
    captured_at: datetime | None = None,
    decoy_handle: str = "",
    corrects: EvidenceItem | None = None,
) -> EvidenceItem:
    _require_team_worker(actor, case.team)
    errors: dict[str, str] = {}
    if kind not in EvidenceKind.values:
        errors["kind"] = _("Choose a kind of evidence.")
    if relevance not in Relevance.values:
        errors["relevance"] = _("Say whether this confirms, disproves or gives context.")
    if not relevance_reason.strip():
        errors["relevance_reason"] = _("Say why this item matters for the suspicion.")
    if not source.strip():
        errors["source"] = _("Say where this comes from.")
    if kind in TEXT_KINDS and not text.strip():
        errors["text"] = _("This field is required.")
    if kind == EvidenceKind.FILE and upload is None:
        errors["upload"] = _("Choose a file.")
    if kind == EvidenceKind.CAPTURED_PAGE:
        if not url:
            errors["url"] = _("Give the address of the page.")
        if captured_at is None:
            errors["captured_at"] = _("Give the time of the capture.")
        if upload is None:
            errors["upload"] = _("Upload the capture of the page.")
    if upload is not None:
        # INV-5: images and videos are refused in minors cases, whatever the name or type.
        _check_upload(case, upload, errors)
    if corrects is not None and corrects.case_id != case.pk:
        errors["corrects"] = _("A correction refers to an item of the same case.")
    guard: entrapment.GuardResult | None = None
    if kind == EvidenceKind.DECOY_LOG and not errors:
        if Method.DECOY not in case.methods or active_agreement(case.team) is None:
            raise CaseError(
                {
                    "kind": _(
                        "Decoy conversations are not part of this case's plan or the team has no "
                        "written agreement with police."
                    )
                }
            )
        try:
            guard = entrapment.check(entrapment.parse_transcript(text, decoy_handle))
        except entrapment.TranscriptError as error:
            errors["text"] = error.message
    if errors:
        raise CaseError(errors)

    data = upload.data if upload is not None else text.encode()
    now = timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if not permissions.user_can_collect(actor, case):
            if case.status == CaseStatus.DRAFT:
                raise CaseError({"": _("Nothing can be collected before the case is approved.")})
            if case.status in (CaseStatus.REVIEW, CaseStatus.HANDOVER_REQUIRED) or case.is_locked:
                raise CaseError({"": _("This case does not accept new evidence now.")})
            if not permissions.is_participant(actor, case):
                raise CaseError({"": _("Join the case before you collect evidence.")})
            raise CaseError({"": _("A case needs at least two members before collecting.")})
        if case.collect_until is not None and now > case.collect_until:
            raise CaseError(
                {"": _("The time limit of this case has passed: hand it over or close it.")}
            )
        number = (case.evidence.aggregate(n=Max("number"))["n"] or 0) + 1
        item = EvidenceItem.objects.create(
            case=case,
            number=number,
            kind=kind,
            collected_by=actor,
            collected_at=now,
            source=source.strip()[:300],
            url=url,
            captured_at=captured_at,
            relevance=relevance,
            relevance_reason_encrypted=encrypt_text(relevance_reason.strip()),
            content_encrypted=_encrypt(data),
            filename=(upload.name[-200:] if upload else ""),
            content_type=(upload.content_type[:100] if upload else "text/plain; charset=utf-8"),
            size=len(data),
            sha256=sha256(data),
            corrects=corrects,
        )
        CustodyEvent.objects.create(
            case=case, item=item, at=now, actor=actor, action="intake", sha256=item.sha256
        )
        _audit(actor, "evidence_add", case, item=item.number, kind=kind)
        if guard is not None and guard.meeting_by_subject:
            # INV-7: no help to meet, ever: the case goes straight to hand-over.
            case.status = CaseStatus.HANDOVER_REQUIRED
            case.meeting_proposed_at = now
            case.save(update_fields=["status", "meeting_proposed_at", "updated_at"])
            _audit(actor, "meeting_proposed", case, item=item.number)
        elif guard is not None and guard.blocked:
            case.status = CaseStatus.REVIEW
            case.blocked_by_item = item
            case.save(update_fields=["status", "blocked_by_item", "updated_at"])
            _audit(
                actor,
                "entrapment_block",
                case,
                item=item.number,
                topics=guard.decoy_first,
                age_missing=guard.age_missing,
            )
    return item


def case_review(*, actor: Any, case: Case) -> Case:
    """The lead reviewed a blocked decoy log and lets collecting continue."""
    _require_team_worker(actor, case.team)
    with transaction.atomic():
        case = _locked(case)
        if case.status != CaseStatus.REVIEW or not permissions.is_team_lead(actor, case.team):
            raise PermissionDenied
        if case.blocked_by_item is not None and case.blocked_by_item.collected_by_id == actor.pk:
            # Four-eyes (INV-1, INV-6): the one who added the decoy log never lifts its block.
            raise CaseError(
                {
                    "": _(
                        "You added the decoy conversation log that blocked this case: another "
                        "lead of the team must review it."
                    )
                }
            )
        if not permissions.user_can_review_case(actor, case):
            raise PermissionDenied
        reviewed = case.blocked_by_item_id
        case.status = CaseStatus.APPROVED
        case.blocked_by_item = None
        case.updated_by = actor
        case.save(update_fields=["status", "blocked_by_item", "updated_by", "updated_at"])
        _audit(actor, "entrapment_review", case, item_id=reviewed)
    return case


# --- working copies (INV-4) ---------------------------------------------------------------------


def _check_upload(
    case: Case, upload: Upload, errors: dict[str, str], field: str = "upload"
) -> None:
    if len(upload.data) > conf.max_upload_bytes():
        errors[field] = _("The file is too large.")
    elif not upload.data:
        errors[field] = _("The file is empty.")
    elif case.offence.involves_minors and is_image_or_video(upload):
        # INV-5: nothing is stored (the error is raised before any write).
        errors[field] = minors_upload_message()
    elif uploads.sniff(upload.data[:4096]) == "executable":
        # Other cases keep photos, videos and documents, but never programs.
        errors[field] = _("Programs cannot be added to a case. Send a photo, a PDF or text.")


def working_copy_create(
    *,
    actor: Any,
    item: EvidenceItem,
    purpose: str,
    text: str = "",
    upload: Upload | None = None,
) -> WorkingCopy:
    """A working copy derived from an item — redacted, annotated, transcribed — stored apart from
    the evidentiary original, which stays byte for byte as it was taken in (INV-4)."""
    case = item.case
    _require_team_worker(actor, case.team)
    errors: dict[str, str] = {}
    if not purpose.strip():
        errors["purpose"] = _(
            "Say what this working copy is for, for example “names of bystanders blacked out”."
        )
    if upload is not None and text.strip():
        errors["text"] = _("Give either a text or a file, not both.")
    elif upload is None and not text.strip():
        errors["text"] = _("Give the text of the working copy or upload a file.")
    if upload is not None:
        _check_upload(case, upload, errors)
    if errors:
        raise CaseError(errors)
    data = upload.data if upload is not None else text.encode()
    now = timezone.now()
    with transaction.atomic():
        case = _locked(case)
        if not permissions.user_can_make_working_copy(actor, case):
            if case.is_locked:
                raise CaseError({"": _("This case is closed.")})
            raise PermissionDenied
        original = EvidenceItem.objects.get(pk=item.pk, case=case)
        if sha256(evidence_content(original)) != original.sha256:
            raise CaseError(
                {"": _("The original of this item does not verify; contact the administrator.")}
            )
        number = (original.working_copies.aggregate(n=Max("number"))["n"] or 0) + 1
        copy = WorkingCopy.objects.create(
            case=case,
            item=original,
            number=number,
            created_by=actor,
            created_at=now,
            purpose_encrypted=encrypt_text(purpose.strip()),
            content_encrypted=_encrypt(data),
            filename=(upload.name[-200:] if upload else ""),
            content_type=(upload.content_type[:100] if upload else "text/plain; charset=utf-8"),
            size=len(data),
            sha256=sha256(data),
            original_sha256=original.sha256,
        )
        CustodyEvent.objects.create(
            case=case,
            item=original,
            at=now,
            actor=actor,
            action=CustodyEvent.Action.COPY_MADE,
            sha256=original.sha256,
        )
        _audit(actor, "working_copy_create", case, item=original.number, copy=copy.number)
    return copy


def working_copy_read(*, actor: Any, copy: WorkingCopy) -> bytes:
    """The content of a working copy, for the team's investigators; every read is audited and in
    the custody log, and counts towards the reader's exposure (INV-8, INV-9)."""
    case = copy.case
    if not permissions.user_can_read_case(actor, case):
        refused_read(actor=actor, case=case)
        raise PermissionDenied
    if checkin_due(actor):
        raise CheckinRequired
    now = timezone.now()
    with transaction.atomic():
        _exposure_touch(actor, now)
        CustodyEvent.objects.create(
            case=case, item=copy.item, at=now, actor=actor, action="read", sha256=copy.sha256
        )
        _audit(actor, "working_copy_read", case, item=copy.item.number, copy=copy.number)
    return _decrypt(copy.content_encrypted)


def evidence_read(*, actor: Any, item: EvidenceItem) -> bytes:
    """The evidentiary original of one item, for the team's investigators (audited)."""
    case = item.case
    if not permissions.user_can_read_case(actor, case):
        refused_read(actor=actor, case=case)
        raise PermissionDenied
    if checkin_due(actor):
        raise CheckinRequired
    now = timezone.now()
    with transaction.atomic():
        _exposure_touch(actor, now)
        CustodyEvent.objects.create(
            case=case, item=item, at=now, actor=actor, action="read", sha256=item.sha256
        )
        _audit(actor, "evidence_read", case, item=item.number)
    return evidence_content(item)


def working_copy_purpose(copy: WorkingCopy) -> str:
    return decrypt_text(copy.purpose_encrypted)


# --- reading case content (audited, INV-8, INV-9) -----------------------------------------------


def _exposure_touch(actor: Any, now: datetime) -> Exposure:
    exposure, _created = Exposure.objects.select_for_update().get_or_create(user=actor)
    if exposure.last_read_at is not None:
        gap = now - exposure.last_read_at
        if gap <= conf.session_gap():
            seconds = int(gap.total_seconds())
            exposure.seconds_since_checkin += seconds
            exposure.total_seconds += seconds
    exposure.last_read_at = now
    exposure.save()
    return exposure


def checkin_due(user: Any) -> bool:
    exposure = Exposure.objects.filter(user=user).first()
    return (
        exposure is not None
        and exposure.seconds_since_checkin >= conf.checkin_after().total_seconds()
    )


def case_read(*, actor: Any, case: Case) -> dict[str, str]:
    """The case plan in plain text, for a team investigator; the read is audited and counts
    towards the reader's exposure. Police read handed-over cases without the exposure count."""
    now = timezone.now()
    team_reader = permissions.user_can_read_case(actor, case)
    if not team_reader and not permissions.user_can_receive_case(actor, case):
        refused_read(actor=actor, case=case)  # outside the action: the refusal must stay
        raise PermissionDenied
    if team_reader and checkin_due(actor):
        raise CheckinRequired
    with transaction.atomic():
        if team_reader:
            _exposure_touch(actor, now)
        CustodyEvent.objects.create(case=case, at=now, actor=actor, action="read")
        _audit(actor, "case_read", case)
    return {
        "suspicion": decrypt_text(case.suspicion_encrypted),
        "confirm": decrypt_text(case.confirm_encrypted),
        "disprove": decrypt_text(case.disprove_encrypted),
        "scope": decrypt_text(case.scope_encrypted),
    }


def refused_read(*, actor: Any, case: Case) -> None:
    """A read that was refused is itself in the audit chain (INV-8)."""
    audit.record(actor=actor, action="investigations.case_read_refused", obj=case)


def evidence_text(item: EvidenceItem) -> str:
    """A working copy in memory of a text item (the stored original never changes)."""
    return _decrypt(item.content_encrypted).decode() if item.kind in TEXT_KINDS else ""


def relevance_reason(item: EvidenceItem) -> str:
    return decrypt_text(item.relevance_reason_encrypted)


def evidence_content(item: EvidenceItem) -> bytes:
    return _decrypt(item.content_encrypted)


def wellbeing_checkin(*, actor: Any) -> Exposure:
    """The check-in was done: the exposure count starts again. Answers are not stored."""
    with transaction.atomic():
        exposure, _created = Exposure.objects.select_for_update().get_or_create(user=actor)
        exposure.seconds_since_checkin = 0
        exposure.last_checkin_at = timezone.now()
        exposure.save()
        audit.record(actor=actor, action="investigations.wellbeing_checkin", obj=exposure)
    return exposure


# --- hand-over, closing, verification, purge (INV-8, INV-10) ------------------------------------


def verify_case(case: Case) -> list[str]:
    """Recompute every item's SHA-256 from the stored copy; each mismatch is one line."""
    problems = []
    for item in case.evidence.order_by("number"):
        try:
            data = evidence_content(item)
        except Exception:  # noqa: BLE001 — a token that does not decrypt is tampering too
            problems.append(f"item {item.number}: stored copy cannot be decrypted")
            continue
        if sha256(data) != item.sha256:
            problems.append(f"item {item.number}: SHA-256 does not match")
    return problems


def case_hand_over(*, actor: Any, case: Case) -> Case:
    """Build the package for police and lock the case (INV-8)."""
    from samenveilig.investigations.handover import build_package

    _require_team_worker(actor, case.team)
    with transaction.atomic():
        case = _locked(case)
        if not permissions.user_can_hand_over(actor, case):
            if case.is_locked:
                raise CaseError({"": _("This case was already handed over or closed.")})
            raise PermissionDenied
        problems = verify_case(case)
        if problems:
            raise CaseError({"": _("The evidence log does not verify; contact the administrator.")})
        now = timezone.now()
        case.status = CaseStatus.HANDED_OVER
        case.handed_over_at = now
        case.handed_over_by = actor
        case.purge_after = None
        case.updated_by = actor
        case.save()
        for item in case.evidence.all():
            CustodyEvent.objects.create(
                case=case, item=item, at=now, actor=actor, action="packaged", sha256=item.sha256
            )
        data = build_package(case)
        HandoverPackage.objects.create(
            case=case,
            created_at=now,
            sha256=sha256(data),
            size=len(data),
            zip_encrypted=_encrypt(data),
        )
        _audit(actor, "case_hand_over", case, items=case.evidence.count())
    return case


def package_download(*, actor: Any, case: Case) -> bytes:
    """The hand-over ZIP — the only export of a case; every download is audited."""
    if not permissions.user_can_download_package(actor, case):
        refused_read(actor=actor, case=case)
        raise PermissionDenied
    with transaction.atomic():
        CustodyEvent.objects.create(
            case=case,
            at=timezone.now(),
            actor=actor,
            action="downloaded",
            sha256=case.package.sha256,
        )
        _audit(actor, "package_download", case)
    return _decrypt(case.package.zip_encrypted)


def case_acknowledge(*, actor: Any, case: Case, police_reference: str) -> Case:
    """Police record their reference: the case is closed as handed over (INV-10)."""
    reference = police_reference.strip()
    if not reference:
        raise CaseError({"police_reference": _("Give the police reference.")})
    with transaction.atomic():
        case = _locked(case)
        if case.status != CaseStatus.HANDED_OVER or not permissions.user_can_receive_case(
            actor, case
        ):
            raise PermissionDenied
        case.police_reference = reference[:60]
        case.status = CaseStatus.CLOSED
        case.outcome = CaseOutcome.HANDED_OVER
        case.closed_at = timezone.now()
        case.save()
        _audit(actor, "case_acknowledge", case, outcome=case.outcome)
    return case


def case_close(*, actor: Any, case: Case, outcome: str) -> Case:
    """Closing without hand-over: disproved or insufficient; purged after the retention period."""
    _require_team_worker(actor, case.team)
    if outcome not in (CaseOutcome.DISPROVED, CaseOutcome.INSUFFICIENT):
        raise CaseError({"outcome": _("Choose disproved or insufficient.")})
    with transaction.atomic():
        case = _locked(case)
        if case.status == CaseStatus.HANDOVER_REQUIRED:
            raise CaseError(
                {"": _("The subject proposed a meeting: hand the case over to police.")}
            )
        if not permissions.user_can_close_case(actor, case):
            raise PermissionDenied
        now = timezone.now()
        case.status = CaseStatus.CLOSED
        case.outcome = outcome
        case.closed_at = now
        case.purge_after = now + conf.retention()
        case.updated_by = actor
        case.save()
        _audit(actor, "case_close", case, outcome=outcome)
    return case


def pdf_problem(document: Upload) -> str:
    """Empty when the upload is a readable PDF with at least one page; else why not."""
    from pypdf import PdfReader

    if not document.data:
        return _("Upload the signed agreement.")
    if len(document.data) > conf.max_upload_bytes():
        return _("The file is too large.")
    if not document.name.lower().endswith(".pdf") or not document.data.startswith(b"%PDF-"):
        return _("Upload the signed agreement as a PDF file.")
    try:  # the shared upload service refuses scripts, launch actions and attachments
        uploads.check_pdf(document.data)
    except uploads.UploadError as error:
        if error.code == "active_content":
            return error.message
    try:
        reader = PdfReader(io.BytesIO(document.data))
        if reader.is_encrypted:
            return _("The PDF is protected with a password: upload it without the password.")
        pages = len(reader.pages)
    except Exception:  # noqa: BLE001 — pypdf raises many kinds on broken files: all mean unreadable
        return _("The PDF cannot be read. Upload the signed agreement as a PDF file.")
    if pages < 1:
        return _("The PDF has no pages.")
    return ""


def record_police_agreement(
    *,
    actor: Any,
    team: Community,
    signed_on: date | None,
    police_contact: str,
    document: Upload | None,
    valid_until: date | None = None,
) -> PoliceAgreement:
    """The team's written agreement with police (INV-3): recorded by a certified lead of the team
    (or the police of its area, or an administrator), with the signed document as a PDF."""
    if not permissions.user_can_record_agreement(actor, team):
        raise PermissionDenied
    errors = {}
    if signed_on is None:
        errors["signed_on"] = _("Give the date the agreement was signed.")
    elif signed_on > timezone.localdate():
        errors["signed_on"] = _("The date of signing cannot lie in the future.")
    if not police_contact.strip():
        errors["police_contact"] = _("This field is required.")
    problem = pdf_problem(document) if document is not None else _("Upload the signed agreement.")
    if problem:
        errors["document"] = problem
    if valid_until is not None and signed_on is not None and valid_until < signed_on:
        errors["valid_until"] = _("The end lies before the date of signing.")
    if errors:
        raise CaseError(errors)
    assert document is not None and signed_on is not None
    with transaction.atomic():
        agreement = PoliceAgreement.objects.create(
            team=team,
            signed_on=signed_on,
            valid_until=valid_until,
            police_contact=police_contact.strip()[:200],
            document_name=document.name[-200:],
            document_sha256=sha256(document.data),
            document_encrypted=_encrypt(document.data),
            created_by=actor,
            updated_by=actor,
        )
        audit.record(
            actor=actor,
            action="investigations.police_agreement",
            obj=agreement,
            details={"team": team.pk},
        )
    return agreement


def police_agreement_revoke(*, actor: Any, agreement: PoliceAgreement) -> PoliceAgreement:
    """End an agreement now; cases that chose decoys can no longer take in decoy logs."""
    if not permissions.user_can_record_agreement(actor, agreement.team):
        raise PermissionDenied
    with transaction.atomic():
        agreement = PoliceAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.revoked_at is not None:
            raise CaseError({"": _("This agreement was already revoked.")})
        agreement.revoked_at = timezone.now()
        agreement.updated_by = actor
        agreement.save(update_fields=["revoked_at", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action="investigations.police_agreement_revoke",
            obj=agreement,
            details={"team": agreement.team_id},
        )
    return agreement


def police_agreement_document(*, actor: Any, agreement: PoliceAgreement) -> bytes:
    """The signed document, for whoever may record agreements for the team (audited)."""
    if not permissions.user_can_record_agreement(actor, agreement.team):
        raise PermissionDenied
    audit.record(
        actor=actor,
        action="investigations.police_agreement_read",
        obj=agreement,
        details={"team": agreement.team_id},
    )
    return _decrypt(agreement.document_encrypted)


def purge_cases(now: datetime | None = None) -> int:
    """Remove cases not handed over whose retention period has passed; keep anonymous counts.

    Registered in ``core``'s ``PURGE_JOBS`` (INV-10).
    """
    now = now or timezone.now()
    purged = 0
    due = (
        Case.objects.filter(purge_after__lt=now)
        .exclude(status=CaseStatus.HANDED_OVER)
        .exclude(outcome=CaseOutcome.HANDED_OVER)
    )
    for case_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update()
                .select_related("offence")
                .filter(pk=case_id)
                .first()
            )
            if case is None or case.purge_after is None or case.purge_after >= now:
                continue
            ended = case.closed_at or now
            tally, _created = CaseTally.objects.get_or_create(
                month=ended.date().replace(day=1),
                offence_code=case.offence.code,
                outcome=case.outcome or "expired",
            )
            CaseTally.objects.filter(pk=tally.pk).update(count=F("count") + 1)
            audit.record(
                actor=None,
                action="investigations.case_purge",
                obj=case,
                details={"outcome": case.outcome or "expired"},
            )
            # Corrections refer to earlier items (RESTRICT): delete the log newest first.
            for item in case.evidence.order_by("-number"):
                item.delete()
            case.delete()
            purged += 1
    return purged
