"""Questionnaire pages in the browser: the upload page (a refused workbook shows every problem,
a good one is stored), and the preview: skip logic hides and shows questions as answers change,
repeat_count adds entries, a cascading select offers only the fitting choices, and a constraint
is refused with the form's own message — live in the browser and, without JavaScript, by the
server. axe-core checks every page; no Content Security Policy violation may occur.

The UI is Dutch (the users' default language); messages are compared with the form's Dutch
texts and the app's own Dutch translations.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect
from tests.factories import UserFactory, enrol_totp, grant
from tests.questionnaires.workbooks import SHIPPED_FORM, SURVEY_HEADER, household_form, row, xlsx

from e2e.report_helpers import block_external_requests, checked, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.questionnaires.services import questionnaire_install

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_MESSAGE = "Vul een Nederlands telefoonnummer in, bijv. 06 12345678."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dutch(msgid: str) -> str:
    with translation.override("nl"):
        return translation.gettext(msgid)


@pytest.fixture
def admin(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = UserFactory(email="beheer@example.test", display_name="Beheerder")
    grant(user, Role.ADMIN)
    enrol_totp(user)
    return user


@pytest.fixture
def inquiry_form(admin) -> Questionnaire:
    questionnaire, _created = questionnaire_install(SHIPPED_FORM)
    return questionnaire


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def watch_csp(page: Page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def node(page: Page, path: str):
    """The wrapper of a question or group by its path (ids hold ':', so match the attribute)."""
    return page.locator(f'.q-node[data-path="{path}"]')


def test_upload_shows_every_problem_then_stores_a_good_workbook(
    live_server, browser_page: Page, admin
):
    page, base = browser_page, live_server.url
    violations = watch_csp(page)
    sign_in(page.context, base, admin)
    visit(page, base + "/vragenlijsten/")
    visit(page, base + "/vragenlijsten/uploaden/")

    broken = xlsx(
        [SURVEY_HEADER, row("rating", "stars", "Sterren", "Stars"), row("text", "x", "", "")],
        None,
        [["form_id", "version"], ["kapot", "1"]],
    )
    page.set_input_files(
        "input[name=file]", {"name": "kapot.xlsx", "mimeType": XLSX, "buffer": broken}
    )
    submit(page, "main form button[type=submit]")
    table = page.locator("[data-testid=problems]")
    expect(table.locator("tbody tr")).to_have_count(2)
    first = table.locator("tbody tr").nth(0).locator("td")
    expect(first).to_have_text(["survey", "2", dutch("Unknown type %(t)r.") % {"t": "rating"}])
    expect(table.locator("tbody tr").nth(1).locator("td").nth(2)).to_have_text(
        dutch("label is missing.")
    )
    assert not Questionnaire.objects.exists()

    page.set_input_files(
        "input[name=file]",
        {"name": "huishouden.xlsx", "mimeType": XLSX, "buffer": household_form("3")},
    )
    submit(page, "main form button[type=submit]")
    stored = Questionnaire.objects.get()
    assert page.url.endswith(f"/vragenlijsten/{stored.pk}/")
    assert stored.version == "3" and stored.is_active
    assert not violations, violations


def test_preview_skip_logic_repeats_cascades_and_constraints(
    live_server, browser_page: Page, admin, inquiry_form
):
    page, base = browser_page, live_server.url
    violations = watch_csp(page)
    sign_in(page.context, base, admin)
    visit(page, f"{base}/vragenlijsten/{inquiry_form.pk}/")

    # Nothing but the first questions until the visit outcome says there was a conversation.
    conversation = node(page, "conversation")
    expect(conversation).to_be_hidden()
    expect(page.locator("[data-q-nojs]")).to_be_hidden()  # JavaScript makes "update" needless
    page.check('input[name="q/outcome"][value="gesproken"]')
    expect(conversation).to_be_visible()
    expect(node(page, "conversation/what_seen")).to_be_hidden()

    # The question about what was seen appears with "yes" and hides again with "no".
    page.check('input[name="q/conversation/saw_something"][value="yes"]')
    what_seen = node(page, "conversation/what_seen")
    expect(what_seen).to_be_visible()
    page.fill('textarea[name="q/conversation/what_seen"]', "Twee mannen bij de achterdeur")
    page.check('input[name="q/conversation/saw_something"][value="no"]')
    expect(what_seen).to_be_hidden()
    expect(page.locator('textarea[name="q/conversation/what_seen"]')).to_be_disabled()
    page.check('input[name="q/conversation/saw_something"][value="yes"]')
    expect(what_seen).to_be_visible()

    # repeat_count: as many person descriptions as people seen.
    page.fill('input[name="q/conversation/persons_count"]', "2")
    expect(
        page.locator('.q-repeat[data-path="conversation/persons"] [data-q-entry]')
    ).to_have_count(2)
    expect(page.locator('input[name="q/conversation/persons[2]/person_age"]')).to_be_visible()
    page.fill('input[name="q/conversation/persons_count"]', "1")
    expect(
        page.locator('.q-repeat[data-path="conversation/persons"] [data-q-entry]')
    ).to_have_count(1)

    # A cascading select: only makes of the chosen kind of vehicle.
    page.check('input[name="q/conversation/vehicle_seen"][value="yes"]')
    page.check('input[name="q/conversation/vehicle_kind"][value="van"]')
    brands = page.locator('input[name="q/conversation/vehicle_brand"]:visible')
    expect(brands).to_have_count(3)
    page.check('input[name="q/conversation/vehicle_brand"][value="ford_transit"]')
    page.check('input[name="q/conversation/vehicle_kind"][value="car"]')
    expect(brands).to_have_count(4)
    expect(page.locator('input[name="q/conversation/vehicle_brand"]:checked')).to_have_count(0)

    # The phone number is asked only with consent, and checked with the form's own message.
    phone = node(page, "conversation/phone")
    expect(phone).to_be_hidden()
    page.check('input[name="q/conversation/camera"][value="no"]')
    page.check('input[name="q/conversation/contact_consent"][value="yes"]')
    expect(phone).to_be_visible()
    page.fill('input[name="q/conversation/phone"]', "12345")
    page.locator('input[name="q/conversation/phone"]').blur()
    expect(phone.locator(".q-error")).to_have_text(PHONE_MESSAGE)
    expect(page.locator('input[name="q/conversation/phone"]')).to_have_attribute(
        "aria-invalid", "true"
    )
    page.check('input[name="q/leaflet_left"][value="yes"]')
    checked(page)

    # Submitting is stopped in the browser while an answer is wrong.
    url = page.url
    page.locator("#preview-form button[type=submit]:not([formnovalidate])").click()
    expect(page.locator("[data-q-summary]")).to_be_visible()
    expect(page.locator('input[name="q/conversation/phone"]')).to_be_focused()
    assert page.url == url

    # With a good number the server checks everything and stores nothing.
    page.fill('input[name="q/conversation/phone"]', "06 12345678")
    page.locator('input[name="q/conversation/phone"]').blur()
    expect(phone.locator(".q-error")).to_have_text("")
    submit(page, "#preview-form button[type=submit]:not([formnovalidate])")
    expect(page.locator("main")).to_contain_text(
        dutch("These answers are valid. Nothing was stored.")
    )
    # the answers come back filled in, the irrelevant ones still hidden
    expect(page.locator('input[name="q/conversation/phone"]')).to_have_value("06 12345678")
    expect(page.locator('input[name="q/conversation/persons[1]/person_age"]')).to_be_visible()
    assert not AnswerSet.objects.exists()
    assert not violations, violations


def plain_submit(page: Page, selector: str) -> None:
    """A submit without axe-core: axe needs JavaScript, which this context has switched off."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator(selector).click()


def test_without_javascript_the_server_refuses_the_constraint(
    live_server, browser: Browser, admin, inquiry_form
):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="nl-NL"
    )
    block_external_requests(context)
    page = context.new_page()
    base = live_server.url
    sign_in(context, base, admin)
    response = page.goto(f"{base}/vragenlijsten/{inquiry_form.pk}/", wait_until="domcontentloaded")
    assert response is not None and response.status == 200
    expect(node(page, "conversation")).to_be_hidden()
    page.check('input[name="q/outcome"][value="gesproken"]')
    # without JavaScript, "update" shows what now applies
    plain_submit(page, "button[data-q-nojs]")
    expect(node(page, "conversation")).to_be_visible()
    page.check('input[name="q/conversation/saw_something"][value="no"]')
    page.check('input[name="q/conversation/camera"][value="no"]')
    page.check('input[name="q/conversation/contact_consent"][value="yes"]')
    page.check('input[name="q/leaflet_left"][value="yes"]')
    plain_submit(page, "button[data-q-nojs]")
    page.fill('input[name="q/conversation/phone"]', "12345")
    plain_submit(page, "#preview-form button[type=submit]:not([formnovalidate])")
    expect(node(page, "conversation/phone").locator(".q-error")).to_have_text(PHONE_MESSAGE)
    expect(page.locator("main [role=alert]").first).to_be_visible()
    assert not AnswerSet.objects.exists()
    context.close()
