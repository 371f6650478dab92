"""Photo questions on the canvass door form (INQ-5 with an XLSForm ``image`` question): the photo
goes with the form (multipart, no JavaScript needed), is re-encoded without EXIF and becomes the
answer; a bad file is a message at the question and keeps the other answers; "update" keeps the
photo; it can be removed. The photo is shown to the person who took it and to the managers of
the inquiry (audited), to nobody else; photos no saved visit took are purged."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from samenveilig.core.models import AuditEvent
from samenveilig.inquiries import services
from samenveilig.inquiries.models import CanvassVisit, Inquiry
from samenveilig.questionnaires.images import answer_image_upload, purge_unused_answer_images
from samenveilig.questionnaires.models import AnswerImage
from tests.inquiries.test_batch_sync import photo_version
from tests.inquiries.test_canvass import as_user, door_url, not_home_post, stops
from tests.reports.intake.test_photos import GPS_IFD, jpeg_with_gps

pytestmark = pytest.mark.django_db

PHOTO_FIELD = "q/door_photo@photo"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def inquiry(scene):
    inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=8))
    for user in scene.canvassers:
        services.canvass_signup(actor=user, inquiry=inquiry)
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
    version = photo_version(inquiry.questionnaire)
    Inquiry.objects.filter(pk=inquiry.pk).update(questionnaire=version)
    inquiry.refresh_from_db()
    return inquiry


@pytest.fixture
def route(inquiry):
    return inquiry.routes.order_by("position").first()


def photo_url(reference):
    return reverse("questionnaires:answer_photo", args=[reference])


def test_the_door_form_takes_a_photo_without_javascript(client, scene, route):
    anna = scene.canvassers[0]
    stop = stops(route)[0]
    page = as_user(client, anna).get(door_url(route, stop))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert f'name="{PHOTO_FIELD}"' in page.text and 'accept="image/jpeg' in page.text
    assert "Photos cannot be added" not in page.text

    response = client.post(
        door_url(route, stop), {**not_home_post("photo-key-0001"), PHOTO_FIELD: jpeg_with_gps()}
    )
    assert response.status_code == 302, response.content
    visit = CanvassVisit.objects.get(stop=stop)
    image = AnswerImage.objects.get()
    assert visit.answer_set.answers["door_photo"] == image.reference
    assert image.answer_set_id == visit.answer_set_id and image.uploaded_by_id == anna.pk
    with Image.open(io.BytesIO(image.image.read())) as stored:
        assert stored.format == "JPEG" and not stored.getexif().get_ifd(GPS_IFD)


def test_a_file_that_is_no_photo_is_a_message_and_keeps_the_answers(client, scene, route):
    anna = scene.canvassers[0]
    stop = stops(route)[0]
    fake = SimpleUploadedFile("foto.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    response = as_user(client, anna).post(
        door_url(route, stop), {**not_home_post("photo-key-0002"), PHOTO_FIELD: fake}
    )
    assert response.status_code == 400
    assert 'id="q:door_photo:error">' in response.text
    error = response.text.split('id="q:door_photo:error">', 1)[1].split("</p>", 1)[0]
    assert error.strip(), "the message stands at the photo question"
    assert 'value="niet_thuis" checked' in response.text
    assert not CanvassVisit.objects.exists() and not AnswerImage.objects.exists()


def test_update_keeps_the_photo_and_it_can_be_removed(client, scene, route):
    anna = scene.canvassers[0]
    stop = stops(route)[0]
    as_user(client, anna)
    response = client.post(
        door_url(route, stop),
        {**not_home_post("photo-key-0003"), PHOTO_FIELD: jpeg_with_gps(), "q/_update": "1"},
    )
    assert response.status_code == 200
    image = AnswerImage.objects.get()
    assert f'name="q/door_photo" value="{image.reference}"' in response.text
    assert photo_url(image.reference) in response.text
    assert client.get(photo_url(image.reference)).status_code == 200

    # Saved without choosing the file again: the photo of the first post is the answer.
    response = client.post(
        door_url(route, stop),
        {**not_home_post("photo-key-0003"), "q/door_photo": image.reference},
    )
    assert response.status_code == 302
    visit = CanvassVisit.objects.get(stop=stop)
    assert visit.answer_set.answers["door_photo"] == image.reference

    second = stops(route)[1]
    other = answer_image_upload(
        actor=anna,
        questionnaire=route.inquiry.questionnaire,
        question="door_photo",
        upload=jpeg_with_gps(),
    )
    response = client.post(
        door_url(route, second),
        {
            **not_home_post("photo-key-0004"),
            "q/door_photo": other.reference,
            "q/door_photo@remove": "1",
        },
    )
    assert response.status_code == 302
    visit = CanvassVisit.objects.get(stop=second)
    assert not visit.answer_set.answers.get("door_photo")
    other.refresh_from_db()
    assert other.answer_set_id is None  # left for the purge


def test_someone_elses_reference_is_refused(client, scene, route):
    anna, bram = scene.canvassers[:2]
    theirs = answer_image_upload(
        actor=bram,
        questionnaire=route.inquiry.questionnaire,
        question="door_photo",
        upload=jpeg_with_gps(),
    )
    stop = stops(route)[0]
    response = as_user(client, anna).post(
        door_url(route, stop), {**not_home_post("photo-key-0005"), "q/door_photo": theirs.reference}
    )
    assert response.status_code == 400
    assert "This photo was not found; add it again." in response.text
    assert not CanvassVisit.objects.exists()


def _stored_visit_photo(client, scene, route):
    anna = scene.canvassers[0]
    stop = stops(route)[0]
    as_user(client, anna).post(
        door_url(route, stop), {**not_home_post("photo-key-0006"), PHOTO_FIELD: jpeg_with_gps()}
    )
    client.logout()
    return AnswerImage.objects.get()


def test_the_photo_is_for_its_taker_and_the_inquiry_managers_only(client, scene, route):
    image = _stored_visit_photo(client, scene, route)
    url = photo_url(image.reference)

    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    for who in [scene.canvassers[1], scene.member, scene.outsider, scene.other_police]:
        as_user(client, who, privileged=who is scene.other_police)
        assert client.get(url).status_code == 404, who
        client.logout()
    assert not AuditEvent.objects.filter(action="questionnaires.photo_viewed").exists()

    as_user(client, scene.canvassers[0])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    client.logout()

    for manager in [scene.coordinator, scene.police]:
        as_user(client, manager, privileged=True)
        assert client.get(url).status_code == 200
        # A made-up or malformed reference is a plain 404; only GET.
        assert client.get(photo_url("img-" + "0" * 32)).status_code == 404
        assert client.get(photo_url("..%2F..%2Fetc%2Fpasswd")).status_code == 404
        assert client.post(url).status_code == 405
        client.logout()
    rows = AuditEvent.objects.filter(action="questionnaires.photo_viewed")
    assert sorted(rows.values_list("actor_id", flat=True)) == sorted(
        [scene.coordinator.pk, scene.police.pk]
    )


def test_unused_photos_are_purged_and_used_ones_stay(client, scene, route, settings):
    settings.ANSWER_IMAGE_UNUSED_RETENTION_DAYS = 2
    used = _stored_visit_photo(client, scene, route)
    anna = scene.canvassers[0]
    version = route.inquiry.questionnaire
    old, young = (
        answer_image_upload(
            actor=anna, questionnaire=version, question="door_photo", upload=jpeg_with_gps()
        )
        for _ in range(2)
    )
    AnswerImage.objects.filter(pk__in=[old.pk, used.pk]).update(
        uploaded_at=timezone.now() - timedelta(days=3)
    )
    storage = old.image.storage
    old_name = old.image.name
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert purge_unused_answer_images() == 1
    assert set(AnswerImage.objects.values_list("pk", flat=True)) == {used.pk, young.pk}
    assert not storage.exists(old_name)
    assert storage.exists(used.image.name) and storage.exists(young.image.name)
    row = AuditEvent.objects.get(action="questionnaires.unused_photos_purged")
    assert row.details == {"count": 1}
