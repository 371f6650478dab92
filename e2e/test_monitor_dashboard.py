"""The impact dashboard (issue 6, MON-3) in a browser on a phone-sized viewport: a municipality
officer opens the dashboard of the town, chooses a period, reads outcome first (charts with
their tables), and downloads the impact report; a resident is refused; anyone reads the public
page of the municipality. axe-core checks every page, the SVG charts included.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect
from tests.factories import AreaFactory, enrol_totp, square
from tests.monitor.dashboard_world import build

from e2e.report_helpers import block_external_requests, checked, sign_in, visit
from samenveilig.areas.models import AreaLevel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    """The hand-worked world of the dashboard tests (see tests/monitor/dashboard_world.py)."""
    cache.clear()
    gm = AreaFactory(
        code="GM9999", name="Teststad", level=AreaLevel.MUNICIPALITY, geometry=square(52, 5, 0.02)
    )
    noord = AreaFactory(code="WK999901", name="Noord", level=AreaLevel.DISTRICT, parent=gm)
    zuid = AreaFactory(code="WK999902", name="Zuid", level=AreaLevel.DISTRICT, parent=gm)
    town = {
        "municipality": gm,
        "noord": noord,
        "zuid": zuid,
        "noord_west": AreaFactory(code="BU99990101", name="Noord-West", parent=noord),
        "noord_oost": AreaFactory(code="BU99990102", name="Noord-Oost", parent=noord),
        "zuid_west": AreaFactory(code="BU99990201", name="Zuid-West", parent=zuid),
        "zuid_oost": AreaFactory(code="BU99990202", name="Zuid-Oost", parent=zuid),
    }
    built = build(town)
    enrol_totp(built.officer)
    yield built
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def test_officer_reads_the_dashboard_and_downloads_the_impact_report(
    live_server, browser_page, world
):
    page, base = browser_page, live_server.url
    assert page.viewport_size == {"width": 390, "height": 844}
    sign_in(page.context, base, world.officer)

    visit(page, base + "/monitor/dashboard/")
    with page.expect_navigation():
        page.get_by_role("link", name="Teststad").click()
    checked(page)
    assert page.url.startswith(base + "/monitor/dashboard/gebied/GM9999/")

    # Choose April 2026 in the period field (a plain GET form).
    page.get_by_label("Period", exact=True).select_option("2026-04")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    checked(page)  # axe-core over the whole page, charts included
    assert "period=2026-04" in page.url
    expect(page.get_by_text("April 2026 compared with March 2026")).to_be_visible()

    # Outcome first; each chart has a name and a table with the same numbers beside it.
    headings = page.locator("h2").all_inner_texts()
    assert headings.index("1. Outcome") < headings.index("2. Cooperation")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 6
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("aria-labelledby")
        block = chart.locator("xpath=ancestor::div[contains(@class, 'dashboard-block')][1]")
        expect(block.locator("table")).to_have_count(1)
    safety = page.get_by_test_id("block-safety")
    expect(safety.get_by_role("cell", name="25% (9–53%)")).to_be_visible()
    expect(
        safety.get_by_role("cell", name="not shown (fewer than 10 respondents)").first
    ).to_be_visible()

    # The explanation opens without JavaScript (details/summary).
    page.get_by_test_id("block-follow-up").get_by_text("How is this computed?").click()
    expect(page.get_by_text("got a first response")).to_be_visible()

    # One click: the impact report for the council.
    with page.expect_download() as download:
        page.get_by_test_id("pdf-link").click()
    assert download.value.suggested_filename == "impact-GM9999-2026-04.pdf"


def test_a_resident_is_refused(live_server, browser_page, world):
    page, base = browser_page, live_server.url
    sign_in(page.context, base, world.resident)
    visit(page, base + "/monitor/dashboard/gebied/GM9999/", status=403)
    visit(page, base + "/monitor/dashboard/", status=403)


def test_the_public_page_of_the_municipality(live_server, browser_page, world):
    page, base = browser_page, live_server.url
    page.context.clear_cookies()
    visit(page, base + "/monitor/cijfers/")
    with page.expect_navigation():
        page.get_by_role("link", name="Teststad").click()
    checked(page)
    page.locator("select[name=period]").select_option("2026-04")
    with page.expect_navigation():
        page.locator(".period-form button[type=submit]").click()
    checked(page)
    main = page.locator("main")
    expect(main).to_contain_text("25%")
    expect(main).not_to_contain_text("Noord-West")  # no per-buurt figures in public
    assert page.locator("svg[role=img]").count() >= 4

    # The same page in English.
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    checked(page)
    expect(page.locator("h1")).to_contain_text("Public figures: Teststad")
