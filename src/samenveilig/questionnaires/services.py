"""Every write on questionnaires: uploading a version and submitting an answer set."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samenveilig.core.audit import record
from samenveilig.questionnaires.exports import answers_csv, answers_xlsx
from samenveilig.questionnaires.images import AnswerImageError, images_attach, images_check
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.questionnaires.permissions import (
    COMMUNITY_FORM_IDS,
    user_can_upload_for_community,
    user_can_upload_questionnaire,
)
from samenveilig.questionnaires.validation import validate_answers
from samenveilig.questionnaires.xlsform import (
    MAX_UPLOAD_BYTES,
    Problem,
    XLSFormError,
    parse_xlsform,
)

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,100}\Z")


class AnswerValidationError(ValueError):
    """The answers break the form; ``errors`` maps field path -> message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class IdempotencyConflict(ValueError):
    """The key is already used for an answer set of another questionnaire."""


def questionnaire_upload(
    *,
    actor: Any,
    file: BinaryIO | bytes,
    name: str = "",
    filename: str = "",
    community: Any = None,
) -> Questionnaire:
    """Parse, check and store a new questionnaire version; it becomes the active one.

    Without ``community`` (administrators and the municipality) the version is for the whole
    deployment and the deployment's older versions of the form become inactive. With a
    ``community`` (its coordinators, INQ-4) it is that community's version of a community form
    (``COMMUNITY_FORM_IDS``) and only the community's older versions become inactive.
    Raises ``PermissionDenied`` or ``XLSFormError`` (sheet, row, reason for every problem).
    """
    if community is None:
        if not user_can_upload_questionnaire(actor):
            raise PermissionDenied
    elif not user_can_upload_for_community(actor, community):
        raise PermissionDenied
    return _store_new_version(
        actor=actor, file=file, name=name, filename=filename, community=community
    )


SHIPPED_FORMS = Path(__file__).resolve().parent / "forms"


def questionnaire_install(path: Path) -> tuple[Questionnaire, bool]:
    """Install a questionnaire that ships with the deployment (``manage.py load_questionnaire``,
    the demo): the operator's act, so no user role applies. Idempotent: when this form_id and
    version are already stored, that row is returned with ``False``."""
    data = path.read_bytes()
    form = parse_xlsform(data, default_form_id=path.stem)
    existing = Questionnaire.objects.filter(
        form_id=form.form_id, version=form.version, community__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    return _store_new_version(actor=None, file=data, name="", filename=path.name), True


def _store_new_version(
    *, actor: Any, file: BinaryIO | bytes, name: str, filename: str, community: Any = None
) -> Questionnaire:
    if isinstance(file, bytes):
        data = file
    else:
        filename = filename or Path(getattr(file, "name", "") or "").name
        data = file.read(MAX_UPLOAD_BYTES + 1)
    stem = re.sub(r"[^A-Za-z0-9_]", "_", Path(filename).stem) if filename else ""
    if stem and not re.match(r"[A-Za-z_]", stem):
        stem = f"form_{stem}"
    form = parse_xlsform(data, default_form_id=stem)
    if community is not None and form.form_id not in COMMUNITY_FORM_IDS:
        raise XLSFormError(
            [
                Problem(
                    "settings",
                    2,
                    _("A community can only have its own version of: %(forms)s.")
                    % {"forms": ", ".join(sorted(COMMUNITY_FORM_IDS))},
                )
            ]
        )
    with transaction.atomic():
        same_scope = Questionnaire.objects.filter(form_id=form.form_id)
        same_scope = (
            same_scope.filter(community__isnull=True)
            if community is None
            else same_scope.filter(community=community)
        )
        # Lock the current versions; a race on a first version ends at the unique indexes.
        list(same_scope.select_for_update().values_list("pk", flat=True))
        if same_scope.filter(version=form.version).exists():
            raise XLSFormError(
                [
                    Problem(
                        "settings",
                        2,
                        _("Version %(v)s of %(f)s already exists; raise the version.")
                        % {"v": form.version, "f": form.form_id},
                    )
                ]
            )
        same_scope.filter(is_active=True).update(is_active=False)
        questionnaire = Questionnaire(
            name=(name or form.title)[:200],
            form_id=form.form_id,
            version=form.version,
            language=form.default_language,
            definition=form.to_dict(),
            is_active=True,
            community=community,
            created_by=actor,
            updated_by=actor,
        )
        scope = f"c{community.pk}-" if community is not None else ""
        questionnaire.source.save(
            f"{form.form_id}-{scope}{form.version}.xlsx", ContentFile(data), save=False
        )
        try:
            with transaction.atomic():
                questionnaire.save()
        except IntegrityError as exc:  # a concurrent upload of the same version won the race
            questionnaire.source.delete(save=False)
            raise XLSFormError(
                [
                    Problem(
                        "settings",
                        2,
                        _("Version %(v)s of %(f)s already exists; raise the version.")
                        % {"v": form.version, "f": form.form_id},
                    )
                ]
            ) from exc
        details = {"form_id": form.form_id, "version": form.version}
        if community is not None:
            details["community_id"] = community.pk
        record(
            actor=actor,
            action="questionnaire.upload",
            obj=questionnaire,
            details=details,
        )
    return questionnaire


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    content_type: str
    answer_sets: int


EXPORT_FORMATS = ("csv", "xlsx")


def answers_export(
    *, actor: Any, questionnaire: Questionnaire, answer_sets: Any, fmt: str, repeat: str = ""
) -> Export:
    """The given answer sets (already scoped to what ``actor`` may see, see
    ``selectors.answer_sets_visible_to``) as CSV or XLSX. Every export of answers is audited
    (who, which version, how many sets; never the answers)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    sets = list(answer_sets)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{questionnaire.form_id}-{questionnaire.version}")
    if fmt == "csv":
        content = answers_csv(questionnaire, sets, repeat=repeat).encode("utf-8")
        suffix = f"-{repeat}" if repeat else ""
        export = Export(
            f"{safe}-answers{suffix}.csv", content, "text/csv; charset=utf-8", len(sets)
        )
    else:
        export = Export(
            f"{safe}-answers.xlsx",
            answers_xlsx(questionnaire, sets),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            len(sets),
        )
    with transaction.atomic():
        record(
            actor=actor,
            action="questionnaire.answers_export",
            obj=questionnaire,
            details={"format": fmt, "repeat": repeat, "answer_sets": len(sets)},
        )
    return export


def answers_submit(
    *,
    actor: Any,
    questionnaire: Questionnaire,
    answers: Any,
    idempotency_key: str,
    submitted_at: dt.datetime | None = None,
    language: str = "nl",
) -> AnswerSet:
    """Validate and store one answer set, once per ``idempotency_key``.

    The same key again returns the stored set unchanged (an offline client may retry), so a
    sync never creates a duplicate. The set stays with the questionnaire version it was made on,
    active or not. Raises ``AnswerValidationError`` with messages in ``language``.
    """
    if not IDEMPOTENCY_KEY_RE.match(idempotency_key or ""):
        raise AnswerValidationError({"idempotency_key": _("Invalid idempotency key.")})
    existing = _existing(questionnaire, idempotency_key)
    if existing is not None:
        return existing
    result = validate_answers(questionnaire.form, answers, language=language)
    if not result.is_valid:
        raise AnswerValidationError(result.errors)
    with translation.override(language):
        image_ids, image_errors = images_check(
            actor=actor, questionnaire=questionnaire, cleaned=result.cleaned
        )
    if image_errors:
        raise AnswerValidationError(image_errors)
    user = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    when = submitted_at if submitted_at is not None and submitted_at <= now else now
    try:
        with transaction.atomic():
            answer_set = AnswerSet.objects.create(
                questionnaire=questionnaire,
                answers=result.cleaned,
                submitted_by=user,
                submitted_at=when,
                idempotency_key=idempotency_key,
            )
            images_attach(answer_set.pk, image_ids)
            return answer_set
    except AnswerImageError as taken:  # another answer set took a photo in the meantime
        raise AnswerValidationError({"__all__": taken.message}) from taken
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its row.
        found = _existing(questionnaire, idempotency_key)
        if found is None:
            raise
        return found


def _existing(questionnaire: Questionnaire, key: str) -> AnswerSet | None:
    existing = AnswerSet.objects.filter(idempotency_key=key).first()
    if existing is not None and existing.questionnaire_id != questionnaire.pk:
        raise IdempotencyConflict(key)
    return existing
