"""The canvass without signal (INQ-5, INQ-6), on a phone-sized screen in Chromium.

Anna opens her route online (the service worker saves the route page, its door forms, the route
bundle and the static files), loses signal, fills in two doors — each is kept on the phone and
the route page says two visits wait — and gets signal back: the queue is sent and the server
holds exactly two visits. The phone then sends the same two again (as if it never heard the
answer): still two. A visit the server refuses stays on the phone with the server's message, is
opened again filled in, corrected and sent.

The UI is Dutch (the users' default language); elements are found by attribute and URL.
axe-core checks the route page and the door form.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    enrol_totp,
)

from e2e.places import proefstad
from e2e.report_helpers import checked, sign_in, visit
from samenveilig.communities.models import MembershipRole
from samenveilig.inquiries import services
from samenveilig.inquiries.models import CanvassVisit, IncidentKind
from samenveilig.training.content import CANVASSING
from samenveilig.training.models import Certificate

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "06 12345678"
SYNC_TIMEOUT_MS = 20_000


@pytest.fixture
def scene():
    """Proefstad with Kerkstraat around a burglary at number 6 and an open inquiry whose first
    route Anna and Bram walk (both certified for the canvass training module)."""
    cache.clear()
    _gm, _wk, bu = proefstad(86)
    addresses = [
        AddressFactory(
            street="Kerkstraat",
            postcode="4386AB",
            house_number=n,
            lat=52.01,
            lon=5.01 + 0.0001 * n,
            neighbourhood=bu,
        )
        for n in range(1, 11)
    ]
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug="bp-offline", areas=[bu])
    coordinator = UserFactory(email="coordinator-o@example.test", display_name="Coby Coördinator")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    enrol_totp(coordinator)
    pair = []
    now = timezone.now()
    for name in ("Anna", "Bram"):
        user = UserFactory(email=f"{name.lower()}-o@example.test", display_name=name)
        MembershipFactory(community=community, user=user)
        Certificate.objects.create(
            user=user,
            module=CANVASSING,
            issued_at=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=729),
        )
        pair.append(user)
    inquiry = services.inquiry_start(
        actor=coordinator,
        data=services.InquiryInput(
            community=community,
            kind=IncidentKind.BURGLARY,
            occurred_at=now - dt.timedelta(hours=5),
            victim_address=addresses[5],
            summary="Inbraak via de achterdeur, gisteravond.",
            route_size=5,
        ),
    )
    for person in pair:
        services.canvass_signup(actor=person, inquiry=inquiry)
    services.routes_pair_up(actor=coordinator, inquiry=inquiry)
    route = inquiry.routes.get(position=1)
    yield {
        "inquiry": inquiry,
        "route": route,
        "anna": pair[0],
        "stops": list(route.stops.order_by("position")),
    }
    cache.clear()


def route_path(route) -> str:
    return reverse(
        "inquiries:canvass_route",
        kwargs={"reference": route.inquiry.reference, "position": route.position},
    )


def door_path(route, stop) -> str:
    return reverse(
        "inquiries:canvass_door",
        kwargs={
            "reference": route.inquiry.reference,
            "position": route.position,
            "stop_id": stop.pk,
        },
    )


def open_route_online(page: Page, base: str, route) -> None:
    """Open the route page and wait until the service worker saved it for use without signal."""
    visit(page, base + route_path(route))
    expect(page.locator("html")).to_have_attribute(
        "data-canvass-offline", "ready", timeout=SYNC_TIMEOUT_MS
    )
    expect(page.locator("[data-offline-ready]")).to_be_visible()


def open_door(page: Page, stop) -> None:
    with page.expect_navigation():
        page.locator(f"#door-{stop.pk} a").click()
    expect(page.locator("input[name='q/outcome']").first).to_be_visible()


def save_door(page: Page, route, stop) -> None:
    with page.expect_navigation():
        page.locator("[data-testid=save-visit]").click()
    page.wait_for_url(f"**{route_path(route)}#door-{stop.pk}")


def queue(page: Page):
    return page.locator("[data-canvass-queue]")


QUEUE_ITEMS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("samenveilig-canvass");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("queue").objectStore("queue").getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  };
})"""

PUT_ITEMS = """(items) => new Promise((resolve, reject) => {
  const open = indexedDB.open("samenveilig-canvass");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const transaction = open.result.transaction("queue", "readwrite");
    items.forEach((item) => transaction.objectStore("queue").put(item));
    transaction.oncomplete = () => resolve(items.length);
    transaction.onerror = () => reject(transaction.error);
  };
})"""


def test_two_doors_without_signal_are_stored_exactly_once(live_server, page: Page, scene):
    base, route, stops = live_server.url, scene["route"], scene["stops"]
    sign_in(page.context, base, scene["anna"])
    open_route_online(page, base, route)
    # The door form, online once, with axe-core (the service worker already saved it).
    visit(page, base + door_path(route, stops[0]))
    visit(page, base + route_path(route))

    page.context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False

    # Door 1: nobody home, a leaflet left.
    open_door(page, stops[0])
    page.check("input[name='q/outcome'][value='niet_thuis']")
    page.check("input[name='q/leaflet_left'][value='yes']")
    save_door(page, route, stops[0])
    expect(queue(page)).to_have_attribute("data-waiting", "1")
    expect(page.locator(f"#door-{stops[0].pk} [data-door-queued]")).to_be_visible()

    # Door 2: a conversation with a lead, camera footage and consent to be called.
    open_door(page, stops[1])
    page.check("input[name='q/outcome'][value='gesproken']")
    page.check("input[name='q/conversation/saw_something'][value='yes']")
    page.fill(
        "textarea[name='q/conversation/what_seen'], input[name='q/conversation/what_seen']",
        "Een man met een koevoet, rond 21 uur.",
    )
    page.check("input[name='q/conversation/camera'][value='yes']")
    page.check("input[name='q/conversation/camera_keep']")
    page.check("input[name='q/conversation/contact_consent'][value='yes']")
    page.fill("input[name='q/conversation/phone']", PHONE)
    page.check("input[name='q/leaflet_left'][value='no']")
    save_door(page, route, stops[1])
    checked(page)  # the route page from the phone's copy, with the queue shown
    expect(queue(page)).to_have_attribute("data-waiting", "2")
    expect(page.locator("[data-queue-state]")).not_to_be_empty()
    queued = page.evaluate(QUEUE_ITEMS)
    assert sorted(item["stop"] for item in queued) == sorted([stops[0].pk, stops[1].pk])
    assert CanvassVisit.objects.count() == 0, "nothing reaches the server without signal"

    # Signal again: the "online" event sends the queue.
    page.context.set_offline(False)
    expect(queue(page)).to_have_attribute("data-waiting", "0", timeout=SYNC_TIMEOUT_MS)
    assert CanvassVisit.objects.count() == 2
    assert page.evaluate(QUEUE_ITEMS) == []
    spoken = CanvassVisit.objects.get(stop=stops[1])
    assert (spoken.outcome, spoken.is_lead, spoken.has_camera, spoken.wants_contact) == (
        "gesproken",
        True,
        True,
        True,
    )
    assert spoken.answer_set.answers["conversation"]["phone"] == PHONE
    assert spoken.visited_by == scene["anna"]
    expect(page.locator(f"#door-{stops[1].pk} [data-door-lead]")).to_be_visible()

    # The phone never heard the answer and sends the same two again: still two.
    rounds = int(page.locator("#canvass").get_attribute("data-syncs") or 0)
    page.evaluate(PUT_ITEMS, queued)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#canvass")).to_have_attribute(
        "data-syncs", str(rounds + 1), timeout=SYNC_TIMEOUT_MS
    )
    expect(queue(page)).to_have_attribute("data-waiting", "0")
    assert page.evaluate(QUEUE_ITEMS) == []
    assert CanvassVisit.objects.count() == 2


def test_a_refused_visit_stays_on_the_phone_until_it_is_corrected(live_server, page: Page, scene):
    base, route, stops = live_server.url, scene["route"], scene["stops"]
    anna = scene["anna"]
    sign_in(page.context, base, anna)
    open_route_online(page, base, route)
    # An answer set from an older copy of the form that the server does not accept: a phone
    # number in a shape the form refuses.
    bad = {
        "key": "web-e2e-refused-0001",
        "user": anna.pk,
        "stop": stops[2].pk,
        "questionnaire_id": scene["inquiry"].questionnaire_id,
        "answers": {
            "outcome": "gesproken",
            "conversation": {
                "saw_something": "no",
                "camera": "no",
                "contact_consent": "yes",
                "phone": "12",
            },
            "leaflet_left": "no",
        },
        "visited_at": timezone.now().isoformat(),
        "address": "Kerkstraat",
        "route_url": route_path(route),
        "door_url": door_path(route, stops[2]),
        "status": "waiting",
        "detail": "",
        "errors": [],
        "created": 1,
    }
    page.evaluate(PUT_ITEMS, [bad])
    page.locator("[data-sync-now]").click()
    refused = page.locator("[data-queue-refused-list] li").first
    expect(refused).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    expect(refused).to_contain_text("06 12345678")  # the form's own message, e.g. 06 12345678
    expect(queue(page)).to_have_attribute("data-refused", "1")
    expect(page.locator(f"#door-{stops[2].pk} [data-door-queued]")).to_be_visible()
    assert CanvassVisit.objects.count() == 0

    # "Correct" opens the door form filled in, with the message at the phone number.
    with page.expect_navigation():
        refused.locator(f"a[href='{door_path(route, stops[2])}']").click()
    phone = page.locator("input[name='q/conversation/phone']")
    expect(phone).to_have_value("12")
    expect(page.locator("[id='q:conversation:phone:error']")).to_contain_text("06 12345678")
    expect(page.locator("[data-canvass-fix]")).to_be_visible()
    checked(page)
    phone.fill(PHONE)
    save_door(page, route, stops[2])
    expect(queue(page)).to_have_attribute("data-waiting", "0", timeout=SYNC_TIMEOUT_MS)
    expect(queue(page)).to_have_attribute("data-refused", "0")
    visit_row = CanvassVisit.objects.get()
    assert visit_row.stop == stops[2]
    assert visit_row.answer_set.answers["conversation"]["phone"] == PHONE
