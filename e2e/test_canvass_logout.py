"""Logging out forgets the saved canvass pages (INQ-5; privacy on a shared phone), in Chromium.

Anna opens her route online: the service worker saves the route page, its door forms and the
route bundle, and the route is listed as saved. One visit still waits in the queue on the phone.
She logs out from the header: the page she lands on (nobody logged in) deletes the saved pages and
the list of saved routes; the static files stay and so does her unsent visit (it is sent when she
logs in again: nothing lost). Offline, the route page no longer opens from the phone.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.report_helpers import sign_in, visit
from e2e.test_canvass_offline import (  # noqa: F401 (the scene fixture)
    PUT_ITEMS,
    QUEUE_ITEMS,
    open_route_online,
    route_path,
    scene,
)

pytestmark = pytest.mark.django_db(transaction=True)

CACHE_NAMES = "() => caches.keys()"
SAVED_PAGES = """() => caches.keys().then((names) => Promise.all(
  names.filter((n) => n.startsWith("sv-canvass-pages-"))
    .map((n) => caches.open(n).then((c) => c.keys()).then((keys) => keys.length))
)).then((counts) => counts.reduce((a, b) => a + b, 0))"""
SAVED_ROUTES = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("samenveilig-canvass");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("routes").objectStore("routes").count();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  };
})"""


def test_logging_out_forgets_the_saved_pages_but_not_the_unsent_visits(
    live_server,
    page: Page,
    scene,  # noqa: F811 (the fixture imported above)
):
    base, route, stops, anna = live_server.url, scene["route"], scene["stops"], scene["anna"]
    sign_in(page.context, base, anna)
    open_route_online(page, base, route)
    page.wait_for_function(f"({SAVED_ROUTES})().then((n) => n > 0)")
    assert page.evaluate(SAVED_PAGES) >= len(stops) + 1  # the route page and every door form
    waiting = {
        "key": "web-e2e-logout-0001",
        "user": anna.pk,
        "stop": stops[0].pk,
        "questionnaire_id": scene["inquiry"].questionnaire_id,
        "answers": {"outcome": "niet_thuis", "leaflet_left": "yes"},
        "visited_at": timezone.now().isoformat(),
        "address": "Kerkstraat",
        "route_url": route_path(route),
    }
    page.evaluate(PUT_ITEMS, [waiting])

    visit(page, base + "/")
    with page.expect_navigation():
        page.locator("form[action$='/accounts/logout/'] button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("data-canvass-forgotten", "yes")

    names = page.evaluate(CACHE_NAMES)
    assert not [name for name in names if name.startswith("sv-canvass-pages-")]
    assert [name for name in names if name.startswith("sv-canvass-assets-")]
    assert page.evaluate(SAVED_ROUTES) == 0
    assert [item["key"] for item in page.evaluate(QUEUE_ITEMS)] == ["web-e2e-logout-0001"]

    # Without signal the route page is not on the phone any more.
    page.context.set_offline(True)
    try:
        page.goto(base + route_path(route))
    except Exception:  # noqa: BLE001 - the service worker answers with a network error
        pass
    assert page.locator("[data-canvass='route']").count() == 0
