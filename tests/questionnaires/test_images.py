"""Photos as answers to XLSForm ``image`` questions: uploaded on their own, checked by content and
re-encoded without EXIF (the report photo service); the answer is the photo's reference, which
must name the person's own upload for that question and version, used by one answer set only —
in ``answers_submit`` and in the canvass batch sync."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from samenveilig.accounts.models import Role
from samenveilig.questionnaires.images import (
    AnswerImageError,
    answer_image_upload,
    image_answers,
)
from samenveilig.questionnaires.models import AnswerImage, AnswerSet
from samenveilig.questionnaires.services import (
    AnswerValidationError,
    answers_submit,
    questionnaire_upload,
)
from samenveilig.questionnaires.validation import validate_answers
from tests.factories import UserFactory, grant
from tests.questionnaires.workbooks import SURVEY_HEADER, row, xlsx
from tests.reports.intake.test_photos import GPS_IFD, jpeg_with_gps

pytestmark = pytest.mark.django_db


def photo_form() -> bytes:
    survey = [
        SURVEY_HEADER,
        row("text", "what", "Wat", "What"),
        row("image", "photo", "Foto", "Photo", required="yes"),
        row("begin repeat", "items", "Voorwerp", "Item"),
        row("text", "item_name", "Naam", "Name"),
        row("image", "item_photo", "Foto", "Photo"),
        row("end repeat", ""),
    ]
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        ["Foto's", "photos", "1", "Nederlands (nl)"],
    ]
    return xlsx(survey, None, settings)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def questionnaire():
    admin = UserFactory()
    grant(admin, Role.ADMIN)
    return questionnaire_upload(actor=admin, file=photo_form())


@pytest.fixture
def member():
    return UserFactory()


def test_an_upload_is_reencoded_without_exif(questionnaire, member):
    image = answer_image_upload(
        actor=member, questionnaire=questionnaire, question="photo", upload=jpeg_with_gps()
    )
    assert image.reference.startswith("img-") and len(image.reference) == 36
    assert (image.width, image.height) == (64, 48)
    assert "holiday" not in image.image.name
    data = image.image.read()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "JPEG"
        assert len(stored.getexif()) == 0 and not stored.getexif().get_ifd(GPS_IFD)
    assert b"Secret software" not in data
    assert image.uploaded_by == member and image.answer_set is None


def test_garbage_a_wrong_question_and_nobody_logged_in_are_refused(questionnaire, member):
    garbage = SimpleUploadedFile("x.jpg", b"\xff\xd8 not a photo" * 100, "image/jpeg")
    with pytest.raises(AnswerImageError) as refused:
        answer_image_upload(
            actor=member, questionnaire=questionnaire, question="photo", upload=garbage
        )
    assert refused.value.message == (
        "This file is not a photo we can read. Send a JPEG or PNG image."
    )
    with pytest.raises(AnswerImageError):
        answer_image_upload(
            actor=member, questionnaire=questionnaire, question="what", upload=jpeg_with_gps()
        )
    with pytest.raises(PermissionDenied):
        answer_image_upload(
            actor=AnonymousUser(),
            questionnaire=questionnaire,
            question="photo",
            upload=jpeg_with_gps(),
        )
    assert not AnswerImage.objects.exists()


def test_an_image_answer_must_be_a_reference(questionnaire):
    result = validate_answers(questionnaire.form, {"photo": "holiday.jpg"}, language="en")
    assert result.errors == {"photo": "This answer has the wrong form."}
    result = validate_answers(questionnaire.form, {"photo": "img-" + "a" * 32}, language="en")
    assert result.is_valid
    assert image_answers(questionnaire.form, result.cleaned) == [
        ("photo", "photo", "img-" + "a" * 32)
    ]


def test_answers_with_own_photos_are_stored_and_tie_the_photos(questionnaire, member):
    main = answer_image_upload(
        actor=member, questionnaire=questionnaire, question="photo", upload=jpeg_with_gps()
    )
    item = answer_image_upload(
        actor=member, questionnaire=questionnaire, question="item_photo", upload=jpeg_with_gps()
    )
    answer_set = answers_submit(
        actor=member,
        questionnaire=questionnaire,
        answers={
            "photo": main.reference,
            "items": [{"item_name": "fiets"}, {"item_name": "tas", "item_photo": item.reference}],
        },
        idempotency_key="img-test-0001",
    )
    assert set(answer_set.images.values_list("reference", flat=True)) == {
        main.reference,
        item.reference,
    }
    assert answer_set.answers["items"][1]["item_photo"] == item.reference


def test_a_photo_of_someone_else_another_question_or_used_before_is_refused(questionnaire, member):
    other = UserFactory()
    theirs = answer_image_upload(
        actor=other, questionnaire=questionnaire, question="photo", upload=jpeg_with_gps()
    )
    item = answer_image_upload(
        actor=member, questionnaire=questionnaire, question="item_photo", upload=jpeg_with_gps()
    )
    for answers, path in (
        ({"photo": theirs.reference}, "photo"),
        ({"photo": item.reference}, "photo"),  # uploaded for another question
        ({"photo": "img-" + "0" * 32}, "photo"),  # never uploaded
        (
            {"photo": item.reference, "items": [{"item_photo": theirs.reference}]},
            "items[1]/item_photo",
        ),
    ):
        with pytest.raises(AnswerValidationError) as refused:
            answers_submit(
                actor=member,
                questionnaire=questionnaire,
                answers=answers,
                idempotency_key="img-test-0002",
                language="en",
            )
        assert refused.value.errors[path] == "This photo was not found; add it again."
    mine = answer_image_upload(
        actor=member, questionnaire=questionnaire, question="photo", upload=jpeg_with_gps()
    )
    answers_submit(
        actor=member,
        questionnaire=questionnaire,
        answers={"photo": mine.reference},
        idempotency_key="img-test-0003",
    )
    with pytest.raises(AnswerValidationError) as reused:
        answers_submit(
            actor=member,
            questionnaire=questionnaire,
            answers={"photo": mine.reference},
            idempotency_key="img-test-0004",
            language="en",
        )
    assert reused.value.errors == {"photo": "This photo was not found; add it again."}
    assert AnswerSet.objects.count() == 1


def test_messages_in_dutch(questionnaire, member):
    with pytest.raises(AnswerValidationError) as refused:
        answers_submit(
            actor=member,
            questionnaire=questionnaire,
            answers={"photo": "holiday.jpg"},
            idempotency_key="img-test-0005",
            language="nl",
        )
    assert refused.value.errors == {"photo": "Dit antwoord heeft niet de goede vorm."}
