"""Photos as answers to ``image`` questions.

A photo is uploaded on its own first (``answer_image_upload``): the report photo service checks
it by content and writes it anew as a JPEG from its pixels alone, so EXIF with the GPS position
never reaches storage. The answer to the question is then the photo's reference
(``img-`` + 32 hex digits). When the answers are stored, every reference in them must name a photo
the same person uploaded for the same question of the same questionnaire version and that no
other answer set uses yet (``images_check``); the photos are then tied to the new answer set
(``images_attach``), in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from samenveilig.questionnaires.models import AnswerImage, Questionnaire
from samenveilig.questionnaires.rendering import DEFAULT_PREFIX, PHOTO_SUFFIX
from samenveilig.questionnaires.validation import IMAGE_REFERENCE_RE
from samenveilig.questionnaires.xlsform import Form, Group, Question
from samenveilig.reports.photos import PhotoError, process_photo

__all__ = [
    "IMAGE_REFERENCE_RE",
    "answer_image_upload",
    "images_attach",
    "images_check",
    "images_from_post",
    "photo_visible_to",
]


class AnswerImageError(ValueError):
    """The upload is refused; ``message`` is translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def image_question(form: Form, name: str) -> Question | None:
    for node in form.walk():
        if isinstance(node, Question) and node.name == name and node.type == "image":
            return node
    return None


def has_image_questions(form: Form) -> bool:
    return any(isinstance(n, Question) and n.type == "image" for n in form.walk())


def answer_image_upload(
    *, actor: Any, questionnaire: Questionnaire, question: str, upload: Any
) -> AnswerImage:
    """Check, re-encode and store one photo for the ``image`` question named ``question``.
    Raises ``PermissionDenied`` for nobody logged in and ``AnswerImageError`` for a question
    that is not an image question or a file that is not a photo we can read."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if image_question(questionnaire.form, question) is None:
        raise AnswerImageError(_("This question does not take a photo."))
    try:
        photo = process_photo(upload)
    except PhotoError as error:
        raise AnswerImageError(error.message) from error
    reference = f"img-{uuid.uuid4().hex}"
    return AnswerImage.objects.create(
        reference=reference,
        questionnaire=questionnaire,
        question=question,
        image=photo.content,
        width=photo.width,
        height=photo.height,
        uploaded_by=actor,
    )


def images_from_post(
    *,
    actor: Any,
    questionnaire: Questionnaire,
    files: Any,
    answers: dict[str, Any],
    prefix: str = DEFAULT_PREFIX,
) -> dict[str, str]:
    """Store the photos posted with a form page (``request.FILES``) and put their references
    into ``answers`` (read by ``answers_from_post``), in place. Returns an error per path whose
    file is not a photo we accept; that answer keeps what it had, so nothing typed is lost.

    This is how a page without JavaScript answers an image question: the file input is named
    after the question's field plus ``@photo``. A photo stored here and never used by a stored
    answer set is removed by the daily purge (``purge_unused_answer_images``)."""
    errors: dict[str, str] = {}
    if not files:
        return errors

    def walk(nodes: list[Question | Group], here: dict[str, Any], path_prefix: str) -> None:
        for node in nodes:
            path = f"{path_prefix}{node.name}"
            value = here.get(node.name)
            if isinstance(node, Group) and node.repeat:
                for index, entry in enumerate(value if isinstance(value, list) else [], start=1):
                    if isinstance(entry, dict):
                        walk(node.children, entry, f"{path}[{index}]/")
            elif isinstance(node, Group):
                if isinstance(value, dict):
                    walk(node.children, value, path + "/")
            elif node.type == "image":
                upload = files.get(prefix + path + PHOTO_SUFFIX)
                if not upload:
                    continue
                try:
                    image = answer_image_upload(
                        actor=actor, questionnaire=questionnaire, question=node.name, upload=upload
                    )
                except AnswerImageError as error:
                    errors[path] = error.message
                else:
                    here[node.name] = image.reference

    walk(questionnaire.form.children, answers, "")
    return errors


def image_answers(form: Form, cleaned: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(path, question name, reference)`` of every image answer in validated answers."""
    found: list[tuple[str, str, str]] = []

    def walk(nodes: list[Question | Group], answers: dict[str, Any], prefix: str) -> None:
        for node in nodes:
            value = answers.get(node.name)
            path = f"{prefix}{node.name}"
            if isinstance(node, Group) and node.repeat and isinstance(value, list):
                for index, instance in enumerate(value, start=1):
                    if isinstance(instance, dict):
                        walk(node.children, instance, f"{path}[{index}]/")
            elif isinstance(node, Group) and isinstance(value, dict):
                walk(node.children, value, path + "/")
            elif isinstance(node, Question) and node.type == "image" and value:
                found.append((path, node.name, str(value)))

    walk(form.children, cleaned, "")
    return found


def images_check(
    *,
    actor: Any,
    questionnaire: Questionnaire,
    cleaned: dict[str, Any],
    taken: set[int] | None = None,
) -> tuple[list[int], dict[str, str]]:
    """The ids of the photos the answers use, and an error per path whose photo is not the
    actor's upload for that question or is used already (also by ``taken``: photos claimed by
    other answer sets of the same batch). One query, none without image answers."""
    wanted = image_answers(questionnaire.form, cleaned)
    if not wanted:
        return [], {}
    user_id = getattr(actor, "pk", None)
    rows = {
        image.reference: image
        for image in AnswerImage.objects.filter(
            reference__in={reference for _path, _name, reference in wanted},
            questionnaire=questionnaire,
            answer_set__isnull=True,
        )
    }
    taken = taken if taken is not None else set()
    ids: list[int] = []
    errors: dict[str, str] = {}
    for path, name, reference in wanted:
        image = rows.get(reference)
        if (
            image is None
            or user_id is None
            or image.uploaded_by_id != user_id
            or image.question != name
            or image.pk in taken
            or image.pk in ids
        ):
            errors[path] = _("This photo was not found; add it again.")
        else:
            ids.append(image.pk)
    return ids, errors


def images_attach(answer_set_id: int, image_ids: list[int]) -> None:
    """Tie the photos to their answer set (inside the transaction that stores it). A photo
    another answer set took in the meantime is not taken over: the caller's transaction fails."""
    if not image_ids:
        return
    updated = AnswerImage.objects.filter(pk__in=image_ids, answer_set__isnull=True).update(
        answer_set_id=answer_set_id
    )
    if updated != len(image_ids):
        raise AnswerImageError(_("This photo was not found; add it again."))


def photo_visible_to(user: Any, image: AnswerImage) -> bool:
    """Who may see an answer photo: the person who took it, and, once it is part of a stored
    visit of a neighbourhood inquiry, those who manage that inquiry (the police of the buurt and
    the group's coordinators). Nobody else, whatever their role."""
    if not getattr(user, "is_authenticated", False):
        return False
    if image.uploaded_by_id is not None and image.uploaded_by_id == user.pk:
        return True
    if image.answer_set_id is None:
        return False
    from samenveilig.inquiries.models import CanvassVisit
    from samenveilig.inquiries.permissions import user_can_manage_inquiry

    visit = (
        CanvassVisit.objects.filter(answer_set_id=image.answer_set_id)
        .select_related("inquiry", "inquiry__community")
        .first()
    )
    return visit is not None and user_can_manage_inquiry(user, visit.inquiry)


def purge_unused_answer_images(*, now: Any = None) -> int:
    """Remove photos uploaded for an answer that no stored answer set took within the retention
    period (the visit was never saved, or the photo was replaced or removed). Files and rows go
    together; one audit row with the count."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from samenveilig.core import audit

    now = now or timezone.now()
    days = int(getattr(settings, "ANSWER_IMAGE_UNUSED_RETENTION_DAYS", 2))
    due = AnswerImage.objects.filter(
        answer_set__isnull=True, uploaded_at__lt=now - timedelta(days=days)
    )
    total = 0
    while True:
        batch = list(due.order_by("pk")[:500])
        if not batch:
            break
        with transaction.atomic():
            deleted, _by_model = AnswerImage.objects.filter(
                pk__in=[image.pk for image in batch], answer_set__isnull=True
            ).delete()
            audit.record(
                actor=None, action="questionnaires.unused_photos_purged", details={"count": deleted}
            )
            # Files only once their rows are gone for good (a photo taken meanwhile stays).
            names = [image.image.name for image in batch]
            transaction.on_commit(lambda names=names: _delete_files(names))
        total += deleted
    return total


def _delete_files(names: list[str]) -> None:
    storage = AnswerImage._meta.get_field("image").storage
    for name in names:
        if name and not AnswerImage.objects.filter(image=name).exists():
            storage.delete(name)
