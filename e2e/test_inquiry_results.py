"""Journeys on the results of a neighbourhood inquiry (INQ-7, INQ-8), on a phone-sized screen:
the wijkagent opens the results from the inquiry page (leads marked, phone numbers shown),
sends the cocoon warning (its status then shows and the button is gone), turns a person
description into an alert and sends it; the coordinator sees the consent but not the number,
downloads the CSV and the English leaflets; a canvasser is refused.

The UI is Dutch (the users' default language); elements are found by attribute and URL.
axe-core checks every page (results as police and as coordinator, the filled-in alert form).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    enrol_totp,
    grant,
)
from tests.training.conftest import certify

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.alerts.models import Alert, AlertStatus
from samenveilig.communities.models import AlertKind, MembershipRole
from samenveilig.inquiries import services
from samenveilig.inquiries.models import IncidentKind
from samenveilig.training.content import CANVASSING

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "06 12345678"


@pytest.fixture
def scene():
    """Proefstad with Kerkstraat around a burglary at number 6, an open inquiry walked by Anna
    and Bram: at the first door a lead (person, camera, consent with a phone number), at the
    second nobody home; the rest not visited."""
    cache.clear()
    _gm, wk, bu = proefstad(84)
    addresses = [
        AddressFactory(
            street="Kerkstraat",
            postcode="4384AB",
            house_number=n,
            lat=52.01,
            lon=5.01 + 0.0001 * n,
            neighbourhood=bu,
        )
        for n in range(1, 11)
    ]
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug="bp-res", areas=[bu])
    coordinator = UserFactory(email="coordinator-r@example.test", display_name="Coby Coördinator")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    enrol_totp(coordinator)
    police = UserFactory(email="wijkagent-r@example.test", display_name="Wijkagent Willem")
    grant(police, Role.POLICE, wk)
    enrol_totp(police)
    pair = []
    for name in ("Anna", "Bram"):
        user = UserFactory(email=f"{name.lower()}-r@example.test", display_name=name)
        MembershipFactory(community=community, user=user)
        certify(user, CANVASSING)  # training module 3 gates canvassing
        pair.append(user)
    inquiry = services.inquiry_start(
        actor=coordinator,
        data=services.InquiryInput(
            community=community,
            kind=IncidentKind.BURGLARY,
            occurred_at=timezone.now() - dt.timedelta(hours=5),
            victim_address=addresses[5],
            summary="Inbraak via de achterdeur, gisteravond.",
            route_size=5,
        ),
    )
    for person in pair:
        services.canvass_signup(actor=person, inquiry=inquiry)
    services.routes_pair_up(actor=coordinator, inquiry=inquiry)
    stops = list(inquiry.routes.get(position=1).stops.order_by("position"))
    lead = {
        "outcome": "gesproken",
        "leaflet_left": "no",
        "conversation": {
            "saw_something": "yes",
            "what_seen": "Een man met een koevoet bij de achterdeur, rond 21 uur.",
            "persons_count": "1",
            "persons": [
                {
                    "person_gender": "male",
                    "person_age": "35",
                    "person_build": "heavy",
                    "person_height": "1,90 m",
                    "person_clothing": "Grijze hoodie",
                    "person_features": "Rode rugzak",
                }
            ],
            "vehicle_seen": "no",
            "camera": "yes",
            "camera_keep": "OK",
            "camera_location": "Deurbelcamera op de stoep",
            "contact_consent": "yes",
            "phone": PHONE,
        },
    }
    services.visit_record(actor=pair[0], stop=stops[0], answers=lead, idempotency_key="e2e-r-01")
    services.visit_record(
        actor=pair[1],
        stop=stops[1],
        answers={"outcome": "niet_thuis", "leaflet_left": "no"},
        idempotency_key="e2e-r-02",
    )
    yield {
        "inquiry": inquiry,
        "coordinator": coordinator,
        "police": police,
        "anna": pair[0],
        "lead_stop": stops[0],
    }
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def test_the_wijkagent_reads_the_results_sends_the_cocoon_warning_and_an_alert(
    live_server, browser_page: Page, scene
):
    page, base = browser_page, live_server.url
    inquiry = scene["inquiry"]
    detail = f"/buurtonderzoek/{inquiry.reference}/"
    results = f"{detail}resultaten/"

    sign_in(page.context, base, scene["police"])
    visit(page, base + detail)
    submit(page, f"a[href='{results}']")
    assert page.url.endswith(results)
    expect(page.locator("[data-total=leads]")).to_have_text("1")
    expect(page.locator("[data-total=reached]")).to_have_text("1")
    expect(page.locator("[data-total=not_home]")).to_have_text("1")
    lead_row = page.locator(f"tr[data-stop='{scene['lead_stop'].pk}']")
    expect(lead_row).to_have_class("lead-row")
    expect(lead_row.locator(".badge--warn")).to_be_visible()  # a word, not only a colour
    expect(page.locator("[data-testid=contacts]")).to_contain_text(PHONE)
    expect(page.locator("[data-testid=victim-door]")).to_contain_text("Kerkstraat 6")

    # The cocoon warning: sent at once, its status shown, no second button.
    submit(page, f"form[action='{detail}cocon/'] button[type=submit]")
    alert = Alert.objects.get(kind=AlertKind.COCOON)
    assert alert.status == AlertStatus.SENT
    expect(page.locator("[data-testid=cocoon-status] [data-status=sent]")).to_be_visible()
    expect(page.locator(f"form[action='{detail}cocon/']")).to_have_count(0)
    inquiry.refresh_from_db()
    assert inquiry.cocoon_alert == alert

    # A person description becomes an alert: the form opens filled in; the officer sends it.
    submit(page, "a[href*='/resultaten/signalement/'][href$='/persoon/1/']")
    assert "signalement" in page.url and PHONE not in page.content()
    expect(page.locator("select[name=kind]")).to_have_value("wanted_person")
    expect(page.locator("input[name=person-top]")).to_have_value("Grijze hoodie")
    expect(page.locator("input[name=person-height_min_cm]")).to_have_value("185")
    submit(page, "button[name=action][value=send]")
    wanted = Alert.objects.get(kind=AlertKind.WANTED_PERSON)
    assert wanted.status == AlertStatus.SENT and wanted.person["features"] == "Rode rugzak"
    assert page.url.endswith(f"/signalementen/{wanted.reference}/")


def test_the_coordinator_sees_consent_not_numbers_and_downloads(
    live_server, browser_page: Page, scene
):
    page, base = browser_page, live_server.url
    inquiry = scene["inquiry"]
    results = f"/buurtonderzoek/{inquiry.reference}/resultaten/"

    sign_in(page.context, base, scene["coordinator"])
    visit(page, base + results)
    contacts = page.locator("[data-testid=contacts]")
    expect(contacts).not_to_contain_text(PHONE)
    assert PHONE not in page.content()
    # Coordinators of a municipality without proposals: no cocoon button, a reason instead.
    expect(page.locator("[data-testid=cocoon-not-allowed]")).to_be_visible()

    with page.expect_download() as csv_download:
        page.locator(f"a[href='/buurtonderzoek/{inquiry.reference}/resultaten.csv']").click()
    download = csv_download.value
    assert download.suggested_filename == f"buurtonderzoek-{inquiry.reference}-resultaten.csv"
    body = open(download.path(), encoding="utf-8-sig").read()
    assert "Grijze hoodie" in body and PHONE not in body

    page.select_option("select[name=taal]", "en")
    with page.expect_download() as leaflet_download:
        page.locator("form[action$='/folder.pdf'] button[type=submit]").click()
    leaflet = leaflet_download.value
    assert leaflet.suggested_filename.endswith("-folder-en.pdf")
    with open(leaflet.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == inquiry.addresses.filter(is_victim=False).count() - 1  # one reached
    assert all("Something happened in your neighbourhood" in t for t in texts)


def test_a_canvasser_is_refused(live_server, browser_page: Page, scene):
    page, base = browser_page, live_server.url
    sign_in(page.context, base, scene["anna"])
    visit(page, base + f"/buurtonderzoek/{scene['inquiry'].reference}/resultaten/", status=403)
