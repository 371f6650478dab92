"""Journey of partner flags (issue 9): a wijkagent sets a flag on a licence plate, a member reports
a van with that plate, the wijkagent of the buurt sees "signaal: category — contact" on the report
and in the hits inbox, asks hit/no-hit, and the member sees nothing of it anywhere. A member is
refused the flag pages. axe-core checks every page, on a phone-sized screen.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import Page, expect
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    enrol_totp,
    grant,
)

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.flags.categories import install_default_categories
from samenveilig.flags.models import Flag, FlagCategory, FlagHit
from samenveilig.reports.categories import install_default_categories as report_categories
from samenveilig.reports.models import Category, Report

pytestmark = pytest.mark.django_db(transaction=True)

CONTACT = "Wijkagent Willem, 0900-8844"


@pytest.fixture
def town(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    report_categories()
    install_default_categories()
    gm, wk, bu = proefstad(93)
    AddressFactory(postcode="1234AB", house_number=1, lat=52.005, lon=5.005, neighbourhood=bu)
    community = CommunityFactory(name="Waakzaam Centrum", slug="waakzaam-flags", areas=[bu])
    member = UserFactory(email="marieke.flags@example.test", display_name="Marieke Melder")
    MembershipFactory(community=community, user=member)
    police = UserFactory(email="wijkagent.flags@example.test", display_name="Wijkagent Willem")
    grant(police, Role.POLICE, wk)
    municipality = UserFactory(email="gemeente.flags@example.test", display_name="Gemma")
    grant(municipality, Role.MUNICIPALITY, gm)
    for user in (police, municipality):
        enrol_totp(user)
    yield {"member": member, "police": police, "municipality": municipality}
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def dutch(text: str) -> str:
    with translation.override("nl"):
        return translation.gettext(text)


def test_police_flag_a_plate_a_member_reports_it_the_wijkagent_sees_the_hit(
    live_server, browser_page: Page, town
):
    page, base = browser_page, live_server.url
    police, member = town["police"], town["member"]

    # --- The wijkagent sets a flag on a plate -----------------------------------------------
    sign_in(page.context, base, police)
    visit(page, base + "/")
    page.locator("header a[href='/signalen/treffers/']").first.click()
    page.wait_for_load_state("domcontentloaded")
    visit(page, base + "/signalen/")
    visit(page, base + "/signalen/nieuw/")
    page.check("input[name=kind][value=licence_plate]")
    page.fill("input[name=identifier]", "vx-123-b")
    category = FlagCategory.objects.get(code="ondermijning")
    page.select_option("select[name=category]", str(category.pk))
    page.fill("input[name=owner_contact]", CONTACT)
    # A date more than twelve months away is refused next to the field; nothing is saved.
    too_far = timezone.localdate() + dt.timedelta(days=400)
    page.fill("input[name=expires_on]", too_far.isoformat())
    page.fill("textarea[name=note]", "Vermoedelijk koerier; onderzoek loopt")
    submit(page, "button[type=submit].utrecht-button--primary-action")
    expect(page.locator("#id_expires_on_error")).to_be_visible()
    assert not Flag.objects.exists()
    page.fill("input[name=expires_on]", (timezone.localdate() + dt.timedelta(90)).isoformat())
    submit(page, "button[type=submit].utrecht-button--primary-action")
    flag = Flag.objects.get()
    assert page.url == f"{base}/signalen/{flag.pk}/"
    expect(page.locator("[data-testid=identifier]")).to_have_text("VX123B")

    # --- A member reports the van, writing the plate their own way ---------------------------
    sign_in(page.context, base, member)
    visit(page, base + "/meldingen/nieuw/?danger=no")
    vehicle = Category.objects.get(code="verdachte-situatie-voertuig", municipality=None)
    page.select_option("select[name=category]", str(vehicle.pk))
    page.fill("input[name=postcode]", "1234 ab")
    page.fill("input[name=house_number]", "1")
    seen = timezone.localtime() - dt.timedelta(minutes=30)
    page.fill("input[name=observed_at]", seen.strftime("%Y-%m-%dT%H:%M"))
    page.fill(
        "textarea[name=description]",
        "Een witte bestelbus reed drie keer langzaam door de straat en stopte bij de garages.",
    )
    page.locator("fieldset[data-section=vehicle] details").first.evaluate("d => { d.open = true; }")
    page.fill("input[name=vehicle-0-kind]", "Bestelbus")
    page.fill("input[name=vehicle-0-colour]", "Wit")
    page.fill("input[name=vehicle-0-licence_plate]", "VX 123 B")
    submit(page, "button[name=action][value=send]")
    report = Report.objects.get()
    assert page.url == f"{base}/meldingen/{report.reference}/"
    hit = FlagHit.objects.get()
    assert (hit.item_type, hit.item_id) == ("report", report.pk)

    # The member sees nothing of the flag on any of their pages.
    for path in (f"/meldingen/{report.reference}/", "/meldingen/mijn/", "/meldingen/buurt/", "/"):
        visit(page, base + path)
        expect(page.locator("[data-testid=flag-signals]")).to_have_count(0)
        text = page.locator("body").inner_text()
        assert CONTACT not in text and "Ondermijning" not in text
        expect(page.locator("header a[href='/signalen/treffers/']")).to_have_count(0)
    # And the flag pages are closed to them.
    for path in ("/signalen/", "/signalen/treffers/", "/signalen/raadplegen/"):
        visit(page, base + path, status=403)
    visit(page, base + f"/signalen/{flag.pk}/", status=404)

    # --- The wijkagent sees the hit on the report and in the hits inbox ----------------------
    sign_in(page.context, base, police)
    visit(page, base + f"/meldingen/{report.reference}/behandelen/")
    signals = page.locator("[data-testid=flag-signals]")
    expect(signals).to_be_visible()
    expect(signals).to_contain_text("Ondermijning")
    expect(signals).to_contain_text(CONTACT)
    expect(page.locator("main")).not_to_contain_text("onderzoek loopt")
    visit(page, base + "/signalen/treffers/")
    expect(page.locator("[data-testid=hit-row]")).to_have_count(1)
    expect(
        page.locator(f"main a[href='/meldingen/{report.reference}/behandelen/']")
    ).to_be_visible()
    submit(page, "form[action='/signalen/treffers/gelezen/'] button")
    visit(page, base + f"/signalen/{flag.pk}/")
    expect(page.locator("[data-testid=hit-row]")).to_have_count(1)

    # --- The municipality asks hit/no-hit with a purpose ------------------------------------
    sign_in(page.context, base, town["municipality"])
    visit(page, base + "/signalen/raadplegen/")
    page.check("input[name=kind][value=licence_plate]")
    page.fill("input[name=identifier]", "vx123b")
    submit(page, "main form button[type=submit]")
    expect(page.locator("#id_purpose_error")).to_be_visible()
    page.check("input[name=kind][value=licence_plate]")
    page.fill("input[name=identifier]", "vx123b")
    page.select_option("select[name=purpose]", "permit")
    page.fill("input[name=purpose_note]", "Vergunning evenement Marktplein")
    submit(page, "main form button[type=submit]")
    result = page.locator("[data-testid=lookup-result]")
    expect(result).to_have_attribute("data-hit", "yes")
    expect(result).to_contain_text(CONTACT)
    page.check("input[name=kind][value=licence_plate]")
    page.fill("input[name=identifier]", "AB-12-CD")
    page.select_option("select[name=purpose]", "permit")
    page.fill("input[name=purpose_note]", "Vergunning evenement Marktplein")
    submit(page, "main form button[type=submit]")
    expect(page.locator("[data-testid=lookup-result]")).to_have_attribute("data-hit", "no")
    assert "vx123b" not in page.url.lower()
