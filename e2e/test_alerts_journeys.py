"""Journeys of alerts (issue 4, steps 1–5): the wijkagent creates an alert (preview of the reach,
then send), a member inside the circle reads it in the inbox and sends a tip, the wijkagent sees
the progress and the tip and ends the alert with a closing message, and the member then sees
"beëindigd" without the description. A member outside the circle gets a 404.

The UI is Dutch (the users' default language); elements are found by name, attribute and URL,
and messages are compared with the app's own Dutch translations. axe-core checks every page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import Page, expect
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    enrol_totp,
    grant,
)

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, checked, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.alerts.models import Alert, AlertPolicy, AlertStatus, Delivery
from samenveilig.communities.models import (
    AlertKind,
    AlertSubscription,
    Community,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from samenveilig.reports.categories import install_default_categories
from samenveilig.reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def town(settings, tmp_path):
    """Proefstad: one buurt of about 2 by 2 km; a member at home near the centre of the alert,
    another in the far corner (outside a 1 km circle), and a wijkagent with TOTP."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    install_default_categories()  # tips become reports in one of these categories
    gm, wk, bu = proefstad(92)
    home = AddressFactory(
        postcode="1234AB", house_number=1, lat=52.005, lon=5.005, neighbourhood=bu
    )
    AddressFactory(postcode="1234AB", house_number=3, lat=52.006, lon=5.006, neighbourhood=bu)
    community = CommunityFactory(name="Waakzaam Centrum", slug="waakzaam-centrum", areas=[bu])
    member = UserFactory(email="marieke@example.test", display_name="Marieke Melder")
    MembershipFactory(community=community, user=member)
    WatchPointFactory(user=member, lat=home.lat, lon=home.lon, address=home, neighbourhood=bu)
    far = UserFactory(email="verweg@example.test", display_name="Vera Verweg")
    MembershipFactory(community=community, user=far)
    WatchPointFactory(user=far, lat=52.019, lon=5.019, neighbourhood=bu)
    for user in (member, far):
        AlertSubscription.objects.create(user=user, kind=AlertKind.MISSING_PERSON)
    police = UserFactory(email="wijkagent@example.test", display_name="Wijkagent Willem")
    grant(police, Role.POLICE, wk)
    enrol_totp(police)
    yield {"buurt": bu, "member": member, "far": far, "police": police}
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def dutch(msgid: str) -> str:
    with translation.override("nl"):
        return translation.gettext(msgid)


def main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def test_alert_from_creation_to_closing_message(live_server, browser_page: Page, town):
    page, base = browser_page, live_server.url
    police, member, far = town["police"], town["member"], town["far"]

    # Step 1: the wijkagent fills in the alert and previews how many members it reaches.
    sign_in(page.context, base, police)
    visit(page, base + "/signalementen/nieuw/")
    page.select_option("select[name=kind]", AlertKind.MISSING_PERSON.value)
    page.fill("input[name=title]", "Vermiste man, 82 jaar")
    page.fill("textarea[name=message]", "Benader hem rustig en bel 112.")
    page.fill("textarea[name=person-behaviour]", "Liep verward weg van het verpleeghuis.")
    page.fill("input[name=person-top]", "Blauwe regenjas")
    page.fill("input[name=person-shoes]", "Bruine pantoffels")
    page.fill("input[name=postcode]", "1234 ab")
    page.fill("input[name=house_number]", "1")
    expect(page.locator("input[name=radius_m]")).to_have_value("1000")
    submit(page, "button[name=action][value=preview]")
    expect(page.locator("[data-testid=reach]")).to_have_text("1")
    assert not Alert.objects.exists()
    submit(page, "button[name=action][value=send]")
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.SENT
    assert page.url.endswith(f"/signalementen/{alert.reference}/")
    assert Delivery.objects.filter(alert=alert, user=member, channel="inbox").exists()
    assert not Delivery.objects.filter(alert=alert, user=far).exists()
    visit(page, base + "/signalementen/verzonden/")
    assert "Vermiste man, 82 jaar" in main_text(page)

    # Step 2: the member finds it in the inbox, reads the description and sends a tip.
    sign_in(page.context, base, member)
    visit(page, base + "/signalementen/")
    expect(page.locator(".alert-inbox__item--unread")).to_have_count(1)
    with page.expect_navigation():
        page.locator(f"a[href='/signalementen/{alert.reference}/']").first.click()
    checked(page)
    assert "Blauwe regenjas" in main_text(page)
    with page.expect_navigation():
        page.locator(f"a[href='/signalementen/{alert.reference}/tip/']").click()
    checked(page)
    page.fill("input[name=postcode]", "1234 ab")
    page.fill("input[name=house_number]", "3")
    seen = timezone.localtime() - timedelta(minutes=10)
    page.fill("input[name=observed_at]", seen.strftime(DATETIME_LOCAL))
    page.fill("textarea[name=notes]", "Man in blauwe regenjas liep richting het park.")
    submit(page, "#tip-form button[type=submit]")
    tip = Report.objects.get(related_alert_id=alert.pk)
    assert page.url.endswith(f"/meldingen/{tip.reference}/")
    visit(page, base + "/signalementen/instellingen/")

    # Step 3: the wijkagent sees progress per channel and the tip, and ends the alert.
    sign_in(page.context, base, police)
    visit(page, base + f"/signalementen/{alert.reference}/")
    expect(page.locator("#alert-progress tr[data-channel=inbox] td").first).to_have_text("1")
    expect(page.locator(f"a[href='/meldingen/{tip.reference}/behandelen/']")).to_be_visible()
    page.fill("textarea[name=closing_message]", "Gevonden, dank voor het uitkijken.")
    submit(page, "form[action$='/einde/'] button[type=submit]")
    alert.refresh_from_db()
    assert alert.closed_at is not None and not alert.is_live
    visit(page, base + "/signalementen/goedkeuren/")

    # Step 5: the member sees that the alert ended, the closing message, no description.
    sign_in(page.context, base, member)
    visit(page, base + f"/signalementen/{alert.reference}/")
    expect(page.locator("[data-state=ended]").first).to_have_text(dutch("Ended"))
    text = main_text(page)
    assert "Gevonden, dank voor het uitkijken." in text
    assert "Blauwe regenjas" not in text and "Bruine pantoffels" not in text
    visit(page, base + "/signalementen/")
    assert "Blauwe regenjas" not in main_text(page)

    # A member outside the circle never sees it; the page does not say it exists.
    sign_in(page.context, base, far)
    visit(page, base + f"/signalementen/{alert.reference}/", status=404)


def test_coordinator_proposes_and_the_police_approve(live_server, browser_page: Page, town):
    """ALR-1: where the municipality allows it a coordinator proposes; the alert reaches the
    members only after the wijkagent approves it on the approvals page."""
    page, base = browser_page, live_server.url
    buurt = town["buurt"]
    AlertPolicy.objects.create(municipality=buurt.parent.parent, coordinators_may_propose=True)
    coordinator = UserFactory(email="coordinator@example.test", display_name="Coby Coördinator")
    Membership.objects.create(
        community=Community.objects.get(slug="waakzaam-centrum"),
        user=coordinator,
        role=MembershipRole.COORDINATOR,
        status=MembershipStatus.VERIFIED,
    )
    enrol_totp(coordinator)

    sign_in(page.context, base, coordinator)
    visit(page, base + "/signalementen/nieuw/")
    expect(page.locator("input[name=photo]")).to_have_count(0)  # police only
    page.select_option("select[name=kind]", AlertKind.MISSING_PERSON.value)
    page.fill("input[name=title]", "Vermiste vrouw, 79 jaar")
    page.fill("textarea[name=person-behaviour]", "Liep zonder jas de straat op.")
    page.fill("input[name=person-top]", "Roze vest")
    page.fill("input[name=person-bottom]", "Grijze rok")
    page.fill("input[name=postcode]", "1234 ab")
    page.fill("input[name=house_number]", "1")
    submit(page, "button[name=action][value=send]")
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.PENDING_APPROVAL
    assert not Delivery.objects.exists()
    visit(page, base + "/signalementen/verzonden/")
    assert "Vermiste vrouw, 79 jaar" in main_text(page)

    sign_in(page.context, base, town["police"])
    visit(page, base + "/signalementen/goedkeuren/")
    assert "Roze vest" in main_text(page)
    submit(page, f"form[action$='/{alert.reference}/besluit/'] button[value=approve]")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SENT
    assert Delivery.objects.filter(alert=alert, user=town["member"], channel="inbox").exists()

    sign_in(page.context, base, town["member"])
    visit(page, base + f"/signalementen/{alert.reference}/")
    assert "Roze vest" in main_text(page)
