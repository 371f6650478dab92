"""The PDFs of an inquiry, read back with pypdf: the results PDF (title, reference, totals, leads
first, descriptions, cameras, contacts; phone numbers only in the police's copy) and the cocoon
leaflet (one page per address not reached, what happened without the victim, how to report,
tips, the group; in the language asked for)."""

from __future__ import annotations

import io

import pytest
from django.utils import formats, timezone, translation
from pypdf import PdfReader

from samenveilig.inquiries import results
from samenveilig.inquiries.pdf import leaflet_pdf, postal_code, results_pdf
from tests.inquiries.results_scene import (
    CAMERA_PLACE,
    PHONE,
    SECOND_PHONE,
    WHAT_SEEN,
    build_canvass,
)

pytestmark = pytest.mark.django_db

REPORT_URL = "https://samenveilig.example/meldingen/nieuw/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def canvass(scene):
    return build_canvass(scene)


def pages(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def text_of(data: bytes) -> str:
    return " ".join(pages(data))


def test_the_results_pdf_is_an_a4_with_the_summary(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    data = results_pdf(computed)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert reader.metadata.title == f"Neighbourhood inquiry {canvass.inquiry.reference}: results"
    text = text_of(data)
    reference = canvass.inquiry.reference
    assert f"Neighbourhood inquiry {reference}: results" in text
    assert "Burglary" in text and scene.community.name in text
    t = computed.totals
    assert f"Doors in the area {t.doors}" in text
    assert f"Reached (spoke with someone) {t.reached}" in text
    assert f"Not at home {t.not_home}" in text
    assert f"Did not want to talk {t.refused}" in text
    assert f"Leads (saw or heard something) {t.leads}" in text
    assert WHAT_SEEN in text
    assert "Clothing: Zwarte jas met capuchon" in text
    assert "Licence plate: 12-ABC-3" in text
    assert CAMERA_PLACE in text
    assert PHONE in text and SECOND_PHONE in text
    # Leads first, then descriptions, cameras, contacts, all doors.
    order = [
        text.index("Totals"),
        text.index("Leads Kerkstraat") if "Leads Kerkstraat" in text else text.index(WHAT_SEEN),
        text.index("Descriptions"),
        text.index("Camera footage Address"),
        text.index("Residents who want to be contacted by police"),
        text.index("All doors, leads first"),
    ]
    assert order == sorted(order)
    lead = computed.leads[0]
    all_doors = text[text.index("All doors, leads first") :]
    assert all_doors.index(lead.address_line) < all_doors.index("Not visited yet")


def test_the_coordinators_pdf_has_no_phone_numbers(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.coordinator)
    text = text_of(results_pdf(computed))
    assert PHONE not in text and SECOND_PHONE not in text
    assert "consented: yes — phone visible to police" in text
    assert WHAT_SEEN in text


def test_text_is_escaped_not_read_as_markup(scene, canvass):
    canvass.inquiry.community.name = "Buurt <b>&amp; Co</b>"
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    assert "Buurt <b>&amp; Co</b>" in text_of(results_pdf(computed))


def test_the_leaflet_has_one_page_per_address_not_reached(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.coordinator)
    doors = computed.leaflet_doors
    data = leaflet_pdf(canvass.inquiry, doors, language="en", report_url=REPORT_URL)
    texts = pages(data)
    assert len(texts) == len(doors)
    victim = canvass.inquiry.victim_address
    for door, text in zip(doors, texts, strict=True):
        assert door.address_line in text and postal_code(door.postcode) in text
        assert canvass.inquiry.summary in text
        assert "Something happened in your neighbourhood" in text
        assert "there was a burglary near Kerkstraat" in text
        assert scene.community.name in text
        assert "Call 112" in text and "0900-8844" in text and REPORT_URL in text
        assert canvass.inquiry.reference in text
        assert "Lock doors and windows" in text
        # Nothing about the victim beyond the street; no canvass answers.
        assert f"Kerkstraat {victim.house_number}," not in text.replace(door.address_line, "")
        assert postal_code(victim.postcode) not in text and victim.postcode not in text
        assert WHAT_SEEN not in text and PHONE not in text
    date_en = formats.date_format(timezone.localtime(canvass.inquiry.occurred_at), "DATE_FORMAT")
    assert date_en in texts[0]


def test_the_leaflet_follows_the_language(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.coordinator)
    doors = computed.leaflet_doors[:1]
    when = timezone.localtime(canvass.inquiry.occurred_at)
    with translation.override("nl"):
        date_nl = formats.date_format(when, "DATE_FORMAT")
    date_en = formats.date_format(when, "DATE_FORMAT")
    assert date_nl != date_en
    dutch = text_of(leaflet_pdf(canvass.inquiry, doors, language="nl", report_url=REPORT_URL))
    english = text_of(leaflet_pdf(canvass.inquiry, doors, language="en", report_url=REPORT_URL))
    assert date_nl in dutch and date_en not in dutch
    assert date_en in english


def test_tips_fit_the_kind_of_incident(scene):
    from samenveilig.inquiries import services
    from samenveilig.inquiries.models import IncidentKind

    inquiry = services.inquiry_start(
        actor=scene.coordinator, data=scene.input(kind=IncidentKind.BIKE_THEFT)
    )
    computed = results.inquiry_results(inquiry, viewer=scene.coordinator)
    text = text_of(
        leaflet_pdf(inquiry, computed.leaflet_doors[:1], language="en", report_url=REPORT_URL)
    )
    assert "there was a bike theft near" in text and "two locks" in text
    assert "Lock doors and windows" not in text


def test_a_leaflet_without_addresses_is_one_spare_page(scene, canvass):
    data = leaflet_pdf(canvass.inquiry, [], language="en", report_url=REPORT_URL)
    (text,) = pages(data)
    assert "Something happened in your neighbourhood" in text and "To the residents of" not in text
