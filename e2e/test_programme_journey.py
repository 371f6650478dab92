"""Programme journey (PRG-1): the coordinator ticks the items of the first phase (Relatie
opbouwen) in two goes, completes the phase with a note, and the municipality's overview shows the
community in the second phase (Rollen verdelen), read only. A member of the community is refused
the programme pages. axe-core checks every page on the way, on a phone-sized screen.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, enrol_totp, grant

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, checked, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole
from samenveilig.programme.defaults import DEFAULT_CHECKLISTS
from samenveilig.programme.models import CommunityProgramme, EventKind, Phase

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "bp-programma"
NOTE = "Kennismaking met wijkagent en gemeente gehouden in het buurthuis."


@pytest.fixture
def town():
    cache.clear()
    gm, _wk, bu = proefstad(72)
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug=SLUG, areas=[bu])
    coordinator = UserFactory(display_name="Coby Coördinator", language="en")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    member = UserFactory(display_name="Mila Meeloper", language="en")
    MembershipFactory(community=community, user=member)
    municipality = UserFactory(display_name="Gemma Gemeente", language="en")
    grant(municipality, Role.MUNICIPALITY, gm)
    for user in (coordinator, municipality):
        enrol_totp(user)
    yield {
        "community": community,
        "coordinator": coordinator,
        "member": member,
        "municipality": municipality,
    }
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def test_coordinator_completes_phase_one_and_the_municipality_sees_phase_two(
    live_server, browser_page: Page, town
):
    page, base = browser_page, live_server.url
    community_url = f"{base}/programma/{SLUG}/"
    items = len(DEFAULT_CHECKLISTS[Phase.RELATIONSHIP])
    phase_form = f"form[action='/programma/{SLUG}/fase-afronden/']"
    ticks_form = f"form[action='/programma/{SLUG}/afvinken/']"

    # --- The coordinator ticks two items first: the phase cannot be completed yet ------------
    sign_in(page.context, base, town["coordinator"])
    visit(page, base + "/programma/")
    row = page.locator(f"tr[data-community={SLUG}]")
    expect(row).to_contain_text("Building the relationship")
    expect(row).to_contain_text("not started")
    visit(page, community_url)
    expect(page.locator("ol.programme-phases li[aria-current=step]")).to_contain_text(
        "Building the relationship"
    )
    boxes = page.locator(f"{ticks_form} input[type=checkbox][name=item]")
    expect(boxes).to_have_count(items)
    expect(page.locator(phase_form)).to_have_count(0)
    boxes.nth(0).check()
    boxes.nth(1).check()
    submit(page, f"{ticks_form} button[type=submit]")
    assert page.url == community_url
    boxes = page.locator(f"{ticks_form} input[type=checkbox][name=item]")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    expect(boxes.nth(2)).not_to_be_checked()
    expect(page.locator(phase_form)).to_have_count(0)
    programme = CommunityProgramme.objects.get(community=town["community"])
    assert programme.ticks.count() == 2

    # --- Then the rest, and the phase is completed with a note -------------------------------
    for n in range(items):
        boxes.nth(n).check()
    submit(page, f"{ticks_form} button[type=submit]")
    expect(page.locator(phase_form)).to_have_count(1)
    page.fill(f"{phase_form} textarea[name=note]", NOTE)
    submit(page, f"{phase_form} button[type=submit]")
    assert page.url == community_url
    expect(page.locator("ol.programme-phases li[aria-current=step]")).to_contain_text(
        "Dividing the roles"
    )
    expect(page.locator("ol.programme-phases li").first).to_contain_text("done")
    # The second phase's checklist starts empty.
    boxes = page.locator(f"{ticks_form} input[type=checkbox][name=item]")
    expect(boxes).to_have_count(len(DEFAULT_CHECKLISTS[Phase.ROLES]))
    for n in range(boxes.count()):
        expect(boxes.nth(n)).not_to_be_checked()
    expect(page.locator("main")).to_contain_text(NOTE)
    programme.refresh_from_db()
    assert programme.phase == Phase.ROLES and not programme.in_cycle
    event = programme.events.get()
    assert (event.kind, event.phase, event.note) == (
        EventKind.PHASE_COMPLETED,
        Phase.RELATIONSHIP,
        NOTE,
    )

    # --- The municipality's overview shows the new phase; its view is read only --------------
    sign_in(page.context, base, town["municipality"])
    visit(page, base + "/programma/")
    row = page.locator(f"tr[data-community={SLUG}]")
    expect(row).to_contain_text("Dividing the roles")
    expect(row).not_to_contain_text("not started")
    with page.expect_navigation():
        row.locator(f"a[href='/programma/{SLUG}/']").click()
    checked(page)
    assert page.url == community_url
    expect(page.locator("ol.programme-phases li[aria-current=step]")).to_contain_text(
        "Dividing the roles"
    )
    expect(page.locator(ticks_form)).to_have_count(0)
    expect(page.locator(phase_form)).to_have_count(0)
    expect(page.locator("main")).to_contain_text(NOTE)
    # The municipality may not tick for the community (a valid form post is refused).
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{community_url}afvinken/",
        form={"item": "d-roles-0"},
        headers={"X-CSRFToken": token, "Referer": community_url},
    )
    assert response.status == 403
    assert programme.ticks.filter(phase=Phase.ROLES).count() == 0


def test_a_member_is_refused_the_programme(live_server, browser_page: Page, town):
    page, base = browser_page, live_server.url
    sign_in(page.context, base, town["member"])
    visit(page, base + "/programma/")
    expect(page.locator(f"tr[data-community={SLUG}]")).to_have_count(0)
    visit(page, f"{base}/programma/{SLUG}/", status=404)
    visit(page, f"{base}/programma/checklijsten/", status=403)
