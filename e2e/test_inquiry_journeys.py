"""Journeys of neighbourhood inquiries (INQ-1 … INQ-3): the coordinator previews and starts an
inquiry from the form, gives a member the canvasser mark, two canvassers sign up, the
coordinator pairs them up and the route shows the pair; a member without the mark gets a 404.
A wijkagent requests an inquiry, which the coordinator then accepts.

The UI is Dutch (the users' default language); elements are found by name, attribute and URL.
axe-core checks every page (list, start form, detail, canvasser marks).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect
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
from samenveilig.communities.models import MembershipRole
from samenveilig.inquiries.models import (
    CanvassSignup,
    CanvassVisit,
    Inquiry,
    InquiryStatus,
)
from samenveilig.training.content import CANVASSING

pytestmark = pytest.mark.django_db(transaction=True)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def town():
    """Proefstad with two short streets around a burglary at Kerkstraat 6, a group with a
    coordinator (TOTP), a canvasser, a member who is not one yet, and a wijkagent."""
    cache.clear()
    _gm, wk, bu = proefstad(95)
    kerkstraat = [
        AddressFactory(
            street="Kerkstraat",
            postcode="4321AB",
            house_number=n,
            lat=52.01,
            lon=5.01 + 0.0001 * n,
            neighbourhood=bu,
        )
        for n in range(1, 13)
    ]
    for n in range(1, 9):
        AddressFactory(
            street="Molenweg",
            postcode="4321AC",
            house_number=n,
            lat=52.0102 + 0.0001 * n,
            lon=5.0112,
            neighbourhood=bu,
        )
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug="bp-marktbuurt", areas=[bu])
    coordinator = UserFactory(email="coordinator@example.test", display_name="Coby Coördinator")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    enrol_totp(coordinator)
    anna = UserFactory(email="anna@example.test", display_name="Anna Aanbeller")
    MembershipFactory(community=community, user=anna)
    certify(anna, CANVASSING)  # training module 3 gates canvassing
    bram = UserFactory(email="bram@example.test", display_name="Bram Buurman")
    MembershipFactory(community=community, user=bram)
    police = UserFactory(email="wijkagent@example.test", display_name="Wijkagent Willem")
    grant(police, Role.POLICE, wk)
    enrol_totp(police)
    yield {
        "community": community,
        "coordinator": coordinator,
        "anna": anna,
        "bram": bram,
        "police": police,
        "victim": kerkstraat[5],
    }
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def fill_start_form(page: Page, town) -> None:
    page.select_option("select[name=community]", str(town["community"].pk))
    page.select_option("select[name=kind]", "burglary")
    happened = timezone.localtime() - timedelta(hours=3)
    page.fill("input[name=occurred_at]", happened.strftime(DATETIME_LOCAL))
    page.fill("textarea[name=summary]", "Inbraak via de achterdeur, gisteravond.")
    page.fill("input[name=postcode]", "4321 ab")
    page.fill("input[name=house_number]", str(town["victim"].house_number))
    page.fill("input[name=route_size]", "6")


def test_coordinator_starts_an_inquiry_and_pairs_two_canvassers(
    live_server, browser_page: Page, town
):
    page, base = browser_page, live_server.url
    coordinator, anna, bram = town["coordinator"], town["anna"], town["bram"]

    # The coordinator finds the start form on the list, previews the area, then starts.
    sign_in(page.context, base, coordinator)
    visit(page, base + "/buurtonderzoek/")
    submit(page, "a[href='/buurtonderzoek/nieuw/']")
    expect(page.locator("input[name=radius_m]")).to_have_value("200")
    fill_start_form(page, town)
    submit(page, "button[name=action][value=preview]")
    expect(page.locator("[data-testid=preview-addresses]")).to_have_text("19")  # 20 minus victim
    assert not Inquiry.objects.exists()
    submit(page, "button[name=action][value=start]")
    inquiry = Inquiry.objects.get()
    assert inquiry.status == InquiryStatus.OPEN
    detail = f"/buurtonderzoek/{inquiry.reference}/"
    assert page.url.endswith(detail)
    expect(page.locator("[data-testid=victim]")).to_contain_text("Kerkstraat 6")
    first_route = inquiry.routes.get(position=1)

    # The coordinator sees who may canvass: Bram has not passed training module 3 yet.
    visit(page, base + "/buurtonderzoek/lopers/")  # one group: straight to its page
    assert page.url.endswith("/buurtonderzoek/lopers/bp-marktbuurt/")
    expect(
        page.locator(f"tr[data-user='{bram.pk}'] [data-testid=may-canvass]")
    ).not_to_contain_text(re.compile("^(Ja|Yes)$"))
    certify(bram, CANVASSING)  # he passed training module 3 (e2e/test_training_journey.py)
    visit(page, base + "/buurtonderzoek/lopers/bp-marktbuurt/")
    expect(page.locator(f"tr[data-user='{bram.pk}'] [data-testid=may-canvass]")).to_have_text(
        re.compile("Ja|Yes")
    )

    # Both canvassers sign up on the detail page.
    for person in (anna, bram):
        sign_in(page.context, base, person)
        visit(page, base + "/buurtonderzoek/")
        submit(page, f"a[href='{detail}']")
        submit(page, f"form[action='{detail}aanmelden/'] button[type=submit]")
        expect(page.locator(f"form[action='{detail}afmelden/'] button")).to_be_visible()
        assert "Kerkstraat 6" not in main_text(page)  # the victim's address is not theirs
    assert CanvassSignup.objects.filter(inquiry=inquiry).count() == 2

    # The coordinator pairs them up: the nearest route goes to Anna and Bram.
    sign_in(page.context, base, coordinator)
    visit(page, base + detail)
    submit(page, f"form[action='{detail}koppelen/'] button[type=submit]")
    first_route.refresh_from_db()
    assert first_route.pair_ids == {anna.pk, bram.pk}
    expect(page.locator("#route-1 [data-testid=pair]")).to_have_text(
        "Anna Aanbeller & Bram Buurman"
    )

    # The coordinator records the visit to the victim's own door, which is on no route.
    submit(page, "[data-testid=victim-visit-link]")
    page.check("input[name='q/outcome'][value='niet_thuis']")
    page.check("input[name='q/leaflet_left'][value='yes']")
    submit(page, "[data-testid=save-visit]")
    assert page.url.endswith(detail)
    expect(page.locator("[data-testid=victim]")).to_contain_text("Kerkstraat 6")
    assert CanvassVisit.objects.get(stop__is_victim=True).visited_by == coordinator

    # Anna sees her route on the page.
    sign_in(page.context, base, anna)
    visit(page, base + detail)
    assert first_route.label in page.locator("#mine-heading + *").inner_text()


def test_a_lone_assignment_is_refused_and_an_outsider_gets_a_404(
    live_server, browser_page: Page, town
):
    page, base = browser_page, live_server.url
    coordinator, anna = town["coordinator"], town["anna"]
    sign_in(page.context, base, coordinator)
    visit(page, base + "/buurtonderzoek/nieuw/")
    fill_start_form(page, town)
    submit(page, "button[name=action][value=start]")
    inquiry = Inquiry.objects.get()
    detail = f"/buurtonderzoek/{inquiry.reference}/"
    CanvassSignup.objects.create(inquiry=inquiry, user=anna)

    # One person on a route: the page says why nothing changed.
    visit(page, base + detail)
    page.select_option("select[name=r1-first]", str(anna.pk))
    submit(page, "#route-1 button[name=action][value=assign]")
    expect(page.locator("#route-1 [role=alert]")).to_be_visible()
    assert inquiry.routes.get(position=1).pair_ids == set()

    # Bram has no training certificate yet: for him the inquiry does not exist.
    sign_in(page.context, base, town["bram"])
    visit(page, base + detail, status=404)


def test_the_wijkagent_requests_and_the_coordinator_accepts(live_server, browser_page: Page, town):
    page, base = browser_page, live_server.url
    sign_in(page.context, base, town["police"])
    visit(page, base + "/buurtonderzoek/nieuw/")
    fill_start_form(page, town)
    submit(page, "button[name=action][value=start]")
    inquiry = Inquiry.objects.get()
    assert inquiry.status == InquiryStatus.REQUESTED
    expect(page.locator("form[action$='/accepteren/']")).to_have_count(0)

    sign_in(page.context, base, town["coordinator"])
    visit(page, base + f"/buurtonderzoek/{inquiry.reference}/")
    submit(page, "form[action$='/accepteren/'] button[type=submit]")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN
