"""axe-core over every page of the foundation, as each role sees it, on a phone-sized screen."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    enrol_totp,
    grant,
)

from e2e.axe import assert_accessible
from e2e.places import proefstad
from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole, MembershipStatus
from samenveilig.funds import services as fund_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def small_town():
    gm, wk, bu = proefstad(90)
    AddressFactory(postcode="1234AB", house_number=1, lat=52.005, lon=5.005, neighbourhood=bu)
    community = CommunityFactory(name="Waakzaam Centrum", slug="waakzaam-centrum", areas=[bu])
    coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    member = MembershipFactory(community=community).user
    MembershipFactory(community=community, status=MembershipStatus.REQUESTED)
    WatchPointFactory(user=member)
    police = UserFactory()
    grant(police, Role.POLICE, wk)
    municipality = UserFactory()
    grant(municipality, Role.MUNICIPALITY, gm)
    privacy = UserFactory()
    grant(privacy, Role.PRIVACY_OFFICER)
    admin = UserFactory(is_staff=True, is_superuser=True)
    for user in (coordinator, police, municipality, privacy, admin):
        enrol_totp(user)
    fund_services.fund_open(actor=coordinator, community=community)
    return {
        "resident": UserFactory(),
        "member": member,
        "coordinator": coordinator,
        "police": police,
        "municipality": municipality,
        "privacy_officer": privacy,
        "admin": admin,
    }


def sign_in(context: BrowserContext, base_url: str, user) -> None:
    """Reuse Django's test login: the browser gets the session cookie of a logged-in user."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


PAGES_FOR_EVERYONE = [
    "/",
    "/me/",
    "/communities/",
    "/communities/waakzaam-centrum/",
    "/communities/me/watch-points/",
    "/areas/map/",
    "/areas/lookup/",
    "/signalementen/",
    "/signalementen/instellingen/",
    "/potten/",
    "/potten/waakzaam-centrum/openbaar/",
    "/programma/",
]
ALERT_SENDER_PAGES = [
    "/signalementen/nieuw/",
    "/signalementen/verzonden/",
    "/signalementen/goedkeuren/",
]
FUND_PAGES = ["/potten/waakzaam-centrum/", "/potten/waakzaam-centrum/inkomsten/"]
EXTRA_PAGES = {
    "police": ALERT_SENDER_PAGES,
    "member": ["/potten/waakzaam-centrum/", "/potten/waakzaam-centrum/declaraties/nieuw/"],
    "coordinator": [
        "/communities/waakzaam-centrum/members/",
        *FUND_PAGES,
        "/potten/waakzaam-centrum/declaraties/nieuw/",
        "/programma/waakzaam-centrum/",
    ],
    "admin": ["/communities/waakzaam-centrum/members/", "/communities/new/"],
    "municipality": [
        "/communities/new/",
        *FUND_PAGES,
        "/programma/waakzaam-centrum/",
        "/programma/checklijsten/",
    ],
}


@pytest.mark.parametrize(
    "role",
    ["resident", "member", "coordinator", "police", "municipality", "privacy_officer", "admin"],
)
def test_every_page_is_accessible_for_each_role(live_server, page: Page, small_town, role):
    sign_in(page.context, live_server.url, small_town[role])
    for path in PAGES_FOR_EVERYONE + EXTRA_PAGES.get(role, []):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (
            f"{role} {path}: {response and response.status}"
        )
        assert_accessible(page)


def test_address_lookup_result_is_accessible(live_server, page: Page, small_town):
    sign_in(page.context, live_server.url, small_town["resident"])
    page.goto(live_server.url + "/areas/lookup/")
    page.fill("input[name=postcode]", "1234 ab")
    page.fill("input[name=house_number]", "1")
    page.locator("form.address-lookup button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Marktbuurt" in page.locator("main").inner_text()
    assert_accessible(page)
    # Bad input: a message on the field, not an error page.
    page.fill("input[name=postcode]", "0000")
    page.locator("form.address-lookup button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".errorlist").count() >= 1
    assert_accessible(page)


def test_english_pages_are_accessible(live_server, page: Page, small_town):
    member = small_town["member"]
    member.language = "en"
    member.save()
    sign_in(page.context, live_server.url, member)
    for path in ["/", "/communities/", "/me/"]:
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == "en"
        assert_accessible(page)
