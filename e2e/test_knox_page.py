"""Near-repeat analysis in the browser: a police user requests a Knox run and reads the result;
axe-core on the form and the result page (phone-sized screen). Under pytest settings.TASKS uses
the ImmediateBackend, so the run completes when the request's transaction commits."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from tests.analysis.near_repeat_data import (
    PERIOD_END,
    PERIOD_START,
    SPACE_BANDS,
    TIME_BANDS,
    burglary,
    done_run,
    make_events,
)
from tests.factories import AreaFactory, UserFactory, enrol_totp, grant, square

from e2e.axe import assert_accessible
from e2e.test_page_crawl import sign_in
from samenveilig.accounts.models import Role
from samenveilig.analysis.models import KnoxRun, KnoxRunStatus
from samenveilig.areas.models import AreaLevel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def knox_town():
    gm = AreaFactory(
        code="GM9999", name="Teststad", level=AreaLevel.MUNICIPALITY, geometry=square(52.0, 5.0)
    )
    wk = AreaFactory(
        code="WK999901",
        name="Noord",
        level=AreaLevel.DISTRICT,
        parent=gm,
        geometry=square(52.0, 5.0),
    )
    bu = AreaFactory(code="BU99990101", name="Noord-West", parent=wk, geometry=square(52.0, 5.0))
    police = UserFactory()
    grant(police, Role.POLICE, wk)
    municipality = UserFactory()
    grant(municipality, Role.MUNICIPALITY, gm)
    for user in (police, municipality):
        enrol_totp(user)
    burglary()
    make_events(bu)
    return {"municipality": gm, "noord": wk, "bu": bu, "police": police, "mun": municipality}


def test_police_requests_a_run_and_reads_the_result(live_server, page: Page, knox_town):
    sign_in(page.context, live_server.url, knox_town["police"])
    page.goto(live_server.url + "/analyse/near-repeat/")
    assert_accessible(page)
    page.select_option("select[name=category]", label="Woninginbraak")
    page.select_option("select[name=area]", value=str(knox_town["noord"].pk))
    page.fill("input[name=period_start]", PERIOD_START.isoformat())
    page.fill("input[name=period_end]", PERIOD_END.isoformat())
    page.fill("input[name=space_bands]", SPACE_BANDS)
    page.fill("input[name=time_bands]", TIME_BANDS)
    page.fill("input[name=permutations]", "99")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/analyse/near-repeat/*/")
    run = KnoxRun.objects.get()
    assert run.status == KnoxRunStatus.DONE
    main = page.locator("main").inner_text()
    assert "Knox" in main
    assert page.locator("table.knox-table").count() == 1
    assert_accessible(page)
    # Validation error on the form: field messages, still accessible.
    page.goto(live_server.url + "/analyse/near-repeat/")
    page.fill("input[name=space_bands]", "0,200,100")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".errorlist").count() >= 1
    assert_accessible(page)


def test_progress_and_adopt_pages_are_accessible(live_server, page: Page, knox_town):
    run = done_run(knox_town)
    sign_in(page.context, live_server.url, knox_town["mun"])
    page.goto(f"{live_server.url}/analyse/near-repeat/{run.pk}/")
    assert page.locator("input[name=radius_m]").input_value() == "100"
    assert_accessible(page)
    page.locator("form[action$='/adopt/'] button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator(".utrecht-alert--ok").count() == 1
    KnoxRun.objects.filter(pk=run.pk).update(status=KnoxRunStatus.RUNNING, progress=40, result=None)
    page.goto(f"{live_server.url}/analyse/near-repeat/{run.pk}/")
    assert page.locator("progress").get_attribute("value") == "40"
    assert_accessible(page)
