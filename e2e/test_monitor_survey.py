"""Journey of a Communitymonitor round (issue 6, MON-1, MON-2) on a phone-sized viewport: the
coordinator opens a round and finds the link, the QR code and the poster; a resident without an
account answers through the link (a mistake first, then complete); the same browser is told it
already answered; the coordinator sees the response counted and the free text; a refused role
gets a 404; the round is closed and the link says so. axe-core checks every page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, enrol_totp, grant

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, checked, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole
from samenveilig.monitor import services
from samenveilig.monitor.models import SurveyResponse, SurveyRound

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene():
    cache.clear()
    gm, wk, bu = proefstad(96)
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug="bp-markt", areas=[bu])
    coordinator = UserFactory(email="coordinator@example.test", display_name="Coby Coördinator")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    enrol_totp(coordinator)
    police = UserFactory(email="politie@example.test", display_name="Wijkagent Wim")
    grant(police, Role.POLICE, wk)
    enrol_totp(police)
    yield {"community": community, "coordinator": coordinator, "police": police, "buurt": bu}
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def post(page: Page, selector: str) -> None:
    """Submit without the axe check (for a page without JavaScript)."""
    with page.expect_navigation():
        page.locator(selector).click()


def choose(page: Page, name: str, value: str) -> None:
    page.locator(f"input[name='q/{name}'][value={value}]").check()


def test_open_a_round_answer_on_a_phone_and_see_it_counted(live_server, browser_page, scene):
    page, base = browser_page, live_server.url
    assert page.viewport_size == {"width": 390, "height": 844}

    # The coordinator opens a round for the community.
    sign_in(page.context, base, scene["coordinator"])
    visit(page, base + "/monitor/rondes/")
    visit(page, base + "/monitor/rondes/nieuw/")
    submit(page, "form[action='/monitor/rondes/nieuw/'] button[type=submit]")  # nothing filled in
    expect(page.locator("#id_name_error")).to_be_visible()
    assert not SurveyRound.objects.exists()
    page.fill("input[name=name]", "Communitymonitor voorjaar")
    page.locator("input[name=audience][value=members]").check()
    page.select_option("select[name=scope]", f"community:{scene['community'].pk}")
    today = timezone.localdate()
    page.fill("input[name=opens_on]", today.isoformat())
    page.fill("input[name=closes_on]", (today + dt.timedelta(days=14)).isoformat())
    submit(page, "form[action='/monitor/rondes/nieuw/'] button[type=submit]")
    survey_round = SurveyRound.objects.get()
    assert page.url.endswith(f"/monitor/rondes/{survey_round.pk}/")
    expect(page.locator("[data-testid=response-count]")).to_have_text("0")
    expect(page.locator(".qr-code svg")).to_have_count(1)
    link = page.locator("[data-testid=survey-link]").get_attribute("href")
    assert link.endswith(f"/enquete/{survey_round.token}/")
    with page.expect_download() as download:
        page.locator(f"a[href='/monitor/rondes/{survey_round.pk}/poster.pdf']").click()
    pdf = download.value.path().read_bytes()
    assert f"/enquete/{survey_round.token}/".encode() in pdf

    # A resident without an account answers on the phone: first with a question left out.
    page.context.clear_cookies()
    answer_url = f"{base}/enquete/{survey_round.token}/"
    visit(page, answer_url)
    frequency = page.locator("[id='q:unsafe_frequency:node']")
    expect(frequency).to_be_hidden()  # asked only after "yes"
    choose(page, "community_kind", "whatsapp")
    choose(page, "role", "member")
    choose(page, "feels_unsafe", "yes")
    expect(frequency).to_be_visible()  # live skip logic (form.js)
    for name in ("cohesion_know", "cohesion_pleasant", "cohesion_together", "cohesion_at_home"):
        choose(page, name, "agree")
    for name in ("police_cooperation", "municipality_cooperation", "recognition", "follow_up"):
        choose(page, name, "neutral")
    page.fill("textarea[name='q/remarks']", "Meer licht bij het speelveld.")
    page.locator("[data-testid=send]").click()  # stopped in the browser: two answers missing
    expect(page.locator("[id='q:cohesion_contact:error']")).not_to_be_empty()
    expect(page.locator("[id='q:unsafe_frequency:error']")).not_to_be_empty()
    checked(page)
    assert page.url == answer_url
    assert not SurveyResponse.objects.exists()
    choose(page, "unsafe_frequency", "sometimes")
    choose(page, "cohesion_contact", "disagree")
    submit(page, "[data-testid=send]")
    assert page.url.endswith(f"/enquete/{survey_round.token}/bedankt/")
    response = SurveyResponse.objects.get()
    assert response.cohesion_score == pytest.approx(5.5)  # (1 + 3 + 3 + 3 + 1) / 5 × 2.5
    assert response.answer_set.submitted_by_id is None

    # The same browser is told it already answered.
    visit(page, answer_url)
    expect(page.locator("input[name='q/feels_unsafe']")).to_have_count(0)
    expect(page.locator("[data-testid=survey-state]")).to_be_visible()

    # The coordinator sees the response counted and the free text.
    sign_in(page.context, base, scene["coordinator"])
    visit(page, f"{base}/monitor/rondes/{survey_round.pk}/")
    expect(page.locator("[data-testid=response-count]")).to_have_text("1")
    expect(page.locator("[data-testid=free-texts]")).to_contain_text(
        "Meer licht bij het speelveld."
    )

    # The police are refused the round.
    sign_in(page.context, base, scene["police"])
    visit(page, f"{base}/monitor/rondes/{survey_round.pk}/", status=404)
    visit(page, f"{base}/monitor/rondes/", status=403)

    # The coordinator closes the round; the link then says so.
    sign_in(page.context, base, scene["coordinator"])
    visit(page, f"{base}/monitor/rondes/{survey_round.pk}/")
    submit(page, f"form[action='/monitor/rondes/{survey_round.pk}/sluiten/'] button")
    survey_round.refresh_from_db()
    assert survey_round.status() == "closed"
    page.context.clear_cookies()
    visit(page, answer_url)
    expect(page.locator("input[name='q/feels_unsafe']")).to_have_count(0)

    # A round that has not started yet explains when it opens.
    later = services.round_open(
        actor=scene["coordinator"],
        name="Najaar",
        audience="residents",
        opens_at=timezone.now() + dt.timedelta(days=30),
        closes_at=timezone.now() + dt.timedelta(days=60),
        area=scene["buurt"],
    )
    visit(page, f"{base}/enquete/{later.token}/")
    expect(page.locator("[data-testid=survey-state]")).to_be_visible()
    expect(page.locator("input[name='q/feels_unsafe']")).to_have_count(0)


def test_answering_without_javascript(live_server, browser, scene):
    """The survey works as a plain HTML form: the follow-up question appears after "update",
    missing answers come back from the server with their messages. (axe-core needs JavaScript:
    the same pages are checked with it in the journey above.)"""
    survey_round = services.round_open(
        actor=scene["coordinator"],
        name="Bewoners",
        audience="residents",
        opens_at=timezone.now() - dt.timedelta(hours=1),
        closes_at=timezone.now() + dt.timedelta(days=7),
        area=scene["buurt"],
    )
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="nl-NL"
    )
    page = context.new_page()
    block_external_requests(context)
    answer_url = f"{live_server.url}/enquete/{survey_round.token}/"
    assert page.goto(answer_url).status == 200
    choose(page, "is_member", "no")
    choose(page, "feels_unsafe", "yes")
    post(page, "button[name='q/_update']")
    expect(page.locator("[id='q:unsafe_frequency:node']")).to_be_visible()
    assert not SurveyResponse.objects.exists()
    choose(page, "unsafe_frequency", "often")
    post(page, "[data-testid=send]")  # the cohesion statements are still missing
    expect(page.locator("[id='q:cohesion_know:error']")).not_to_be_empty()
    for name in (
        "cohesion_know",
        "cohesion_pleasant",
        "cohesion_together",
        "cohesion_at_home",
        "cohesion_contact",
    ):
        choose(page, name, "neutral")
    post(page, "[data-testid=send]")
    assert page.url.endswith("/bedankt/")
    response = SurveyResponse.objects.get()
    assert (response.feels_unsafe, response.unsafe_frequency) == (True, "often")
    assert response.cohesion_score == pytest.approx(5.0)
    assert response.is_member is False
    context.close()
