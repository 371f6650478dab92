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
from samenveilig.questionnaires.validation import IMAGE_REFERENCE_RE
from samenveilig.questionnaires.xlsform import Form, Group, Question
from samenveilig.reports.photos import PhotoError, process_photo

__all__ = ["IMAGE_REFERENCE_RE", "answer_image_upload", "images_attach", "images_check"]


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
