"""A photo question on the canvass door form, on a phone-sized screen in Chromium.

Anna answers a door with a photo of the front door: with signal the visit goes to the server at
once (the queue on the phone holds answers, not files), the photo is the answer and is shown on
the form after "update". Without signal, choosing a photo and saving tells her to wait for signal
or remove the photo; nothing is queued and nothing is lost. axe-core checks the form with and
without a photo.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect
from tests.inquiries.test_batch_sync import photo_version

from e2e.report_helpers import checked, sign_in, visit
from e2e.test_canvass_offline import QUEUE_ITEMS, door_path, route_path
from e2e.test_canvass_offline import scene as offline_scene  # noqa: F401 - fixture
from samenveilig.inquiries.models import CanvassVisit, Inquiry
from samenveilig.questionnaires.models import AnswerImage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(offline_scene, settings, tmp_path):  # noqa: F811 - the offline scene, with a photo
    settings.MEDIA_ROOT = tmp_path
    inquiry = offline_scene["inquiry"]
    version = photo_version(inquiry.questionnaire)
    Inquiry.objects.filter(pk=inquiry.pk).update(questionnaire=version)
    return offline_scene


def front_door_jpeg() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (30, 90, 160)).save(buffer, format="JPEG")
    return {"name": "voordeur.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_a_door_with_a_photo_online_and_the_message_offline(live_server, page: Page, scene):
    base, route, stops = live_server.url, scene["route"], scene["stops"]
    sign_in(page.context, base, scene["anna"])

    # Door 1, with signal: "update" shows the photo, saving stores it as the answer.
    visit(page, base + door_path(route, stops[0]))
    page.check("input[name='q/outcome'][value='niet_thuis']")
    page.check("input[name='q/leaflet_left'][value='yes']")
    page.set_input_files("input[name='q/door_photo@photo']", files=[front_door_jpeg()])
    with page.expect_navigation():
        # The "update" button is for pages without JavaScript (hidden here): press it anyway to
        # see the form as it comes back from the server with the photo.
        page.evaluate("document.querySelector(\"button[name='q/_update']\").click()")
    checked(page)
    image = AnswerImage.objects.get()
    expect(page.locator("input[name='q/door_photo']")).to_have_value(image.reference)
    expect(page.locator(f"img[src$='{image.reference}.jpg']")).to_be_visible()
    with page.expect_navigation():
        page.locator("[data-testid=save-visit]").click()
    page.wait_for_url(f"**{route_path(route)}#door-{stops[0].pk}")
    checked(page)
    visit_row = CanvassVisit.objects.get(stop=stops[0])
    assert visit_row.answer_set.answers["door_photo"] == image.reference
    assert page.evaluate(QUEUE_ITEMS) == []

    # Door 2, without signal: a chosen photo cannot be queued; she is told, nothing is lost.
    visit(page, base + door_path(route, stops[1]))
    page.check("input[name='q/outcome'][value='niet_thuis']")
    page.check("input[name='q/leaflet_left'][value='yes']")
    page.set_input_files("input[name='q/door_photo@photo']", files=[front_door_jpeg()])
    page.context.set_offline(True)
    page.locator("[data-testid=save-visit]").click()
    banner = page.locator("[data-canvass-fix]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile("foto|photo", re.IGNORECASE))  # Dutch, or English
    assert page.url.endswith(door_path(route, stops[1]))
    assert page.evaluate(QUEUE_ITEMS) == []
    assert not CanvassVisit.objects.filter(stop=stops[1]).exists()
    page.context.set_offline(False)
    assert reverse("questionnaires:answer_photo", args=[image.reference]).endswith(".jpg")
