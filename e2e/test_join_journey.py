"""Journey: a new resident signs up and asks to join; the coordinator (with TOTP) admits them;
the new member sees the community. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from tests.factories import (
    PASSWORD,
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    enrol_totp,
    square,
)

from e2e.axe import assert_accessible
from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def community_with_coordinator():
    buurt = AreaFactory(code="BU00990101", name="Lindebuurt", geometry=square(52.0, 5.0, 0.01))
    community = CommunityFactory(name="Buurtpreventie Lindebuurt", slug="lindebuurt", areas=[buurt])
    coordinator = UserFactory(email="coordinator@example.test", display_name="Coby")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    secret = enrol_totp(coordinator)
    return community, coordinator, secret


def checked(page: Page) -> Page:
    """Every page a journey visits must be free of serious and critical accessibility findings."""
    page.wait_for_load_state("domcontentloaded")
    assert_accessible(page)
    return page


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    checked(page)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()


def log_out(page: Page) -> None:
    page.locator("header form[action$='/accounts/logout/'] button").click()
    page.wait_for_load_state("domcontentloaded")


def test_resident_joins_and_coordinator_verifies(
    live_server, page: Page, community_with_coordinator
):
    community, coordinator, secret = community_with_coordinator
    base = live_server.url

    # A new resident signs up.
    page.goto(base + "/accounts/signup/")
    checked(page)
    page.fill("input[name=email]", "nieuwe.buur@example.test")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=display_name]", "Nina")
    page.locator("main form button[type=submit]").first.click()
    checked(page)

    # They confirm their e-mail address with the link from the mail.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    checked(page)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("domcontentloaded")
    if "/accounts/login/" in page.url:
        log_in(page, base, "nieuwe.buur@example.test")

    # They find the community and ask to join.
    page.goto(f"{base}/communities/")
    checked(page)
    page.locator(f"a[href='/communities/{community.slug}/']").first.click()
    checked(page)
    page.fill("textarea[name=motivation]", "Ik woon hier sinds kort en wil meelopen.")
    page.locator("form[action$='/join/'] button[type=submit]").click()
    checked(page)
    expect(page.locator("form[action$='/leave/']")).to_be_visible()
    assert (
        Membership.objects.get(user__email="nieuwe.buur@example.test").status
        == MembershipStatus.REQUESTED
    )
    log_out(page)

    # The coordinator logs in with a TOTP code and admits the new resident.
    log_in(page, base, coordinator.email)
    checked(page)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").first.click()
    checked(page)
    page.goto(f"{base}/communities/{community.slug}/members/")
    checked(page)
    expect(page.get_by_role("heading", name="Nina")).to_be_visible()
    page.locator("button[value=verify]").first.click()
    checked(page)
    assert (
        Membership.objects.get(user__email="nieuwe.buur@example.test").status
        == MembershipStatus.VERIFIED
    )
    log_out(page)

    # The new member sees the community as theirs.
    log_in(page, base, "nieuwe.buur@example.test")
    checked(page)
    expect(page.locator(f"main a[href='/communities/{community.slug}/']").first).to_be_visible()
    page.goto(f"{base}/communities/{community.slug}/")
    checked(page)
    expect(page.locator("form[action$='/leave/']")).to_be_visible()


def test_member_of_another_community_cannot_open_members_page(
    live_server, page: Page, community_with_coordinator
):
    community, _coordinator, _secret = community_with_coordinator
    outsider = MembershipFactory(user=UserFactory(email="buiten@example.test"))
    assert outsider.community != community
    log_in(page, live_server.url, "buiten@example.test")
    response = page.goto(f"{live_server.url}/communities/{community.slug}/members/")
    assert response is not None and response.status == 403
    checked(page)
