"""Subject rights in the browser (phone-sized screen): a member reads and downloads their data and
erases their account; the privacy officer records a request and closes it. axe-core on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.factories import MembershipFactory, UserFactory, enrol_totp, grant

from e2e.axe import assert_accessible
from e2e.test_page_crawl import sign_in
from samenveilig.accounts.models import Role
from samenveilig.privacy.models import PrivacyRequest, RequestKind, RequestStatus

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "een-lang-wachtwoord-42"


def test_member_reads_downloads_and_erases_their_data(live_server, page: Page):
    member = MembershipFactory(motivation="Ik wil helpen").user
    member.set_password(PASSWORD)
    member.language = "en"  # the texts below are the English ones
    member.save()
    sign_in(page.context, live_server.url, member)

    page.goto(live_server.url + "/me/")
    page.locator("main a[href='/privacy/mijn-gegevens/']").click()
    expect(page.locator("h1")).to_have_text("My data")
    expect(page.locator("#memberships")).to_contain_text("Ik wil helpen")
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("main a[href='/privacy/mijn-gegevens.json']").click()
    assert download.value.suggested_filename.endswith(".json")

    page.locator("main a[href='/privacy/verwijderen/']").click()
    assert_accessible(page)
    page.fill("input[name=password]", "verkeerd")
    page.check("input[name=confirm]")
    page.get_by_role("button", name="Erase my account").click()
    expect(page.locator(".errorlist")).to_contain_text("That is not your password.")
    assert_accessible(page)
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=confirm]")
    page.get_by_role("button", name="Erase my account").click()
    expect(page.locator("h1")).to_have_text("Account erased")
    expect(page.locator("#kept-privacy_requests")).to_contain_text("Goes by")
    assert_accessible(page)
    member.refresh_from_db()
    assert not member.is_active
    assert PrivacyRequest.objects.filter(kind=RequestKind.ERASURE, status="done").exists()


def test_officer_records_and_closes_a_request(live_server, page: Page):
    officer = UserFactory(language="en")
    grant(officer, Role.PRIVACY_OFFICER)
    enrol_totp(officer)
    sign_in(page.context, live_server.url, officer)

    page.goto(live_server.url + "/privacy/verzoeken/")
    assert_accessible(page)
    page.get_by_role("link", name="Record a request").click()
    assert_accessible(page)
    page.select_option("select[name=kind]", value="access")
    page.fill("input[name=requester_name]", "Piet Puk")
    page.fill("input[name=requester_contact]", "piet@example.org")
    page.fill("textarea[name=details]", "Welke gegevens hebben jullie van mij?")
    page.fill("input[name=received_on]", "2026-01-31")
    page.get_by_role("button", name="Record").click()
    request = PrivacyRequest.objects.get()
    expect(page.locator("h1")).to_contain_text(request.reference)
    expect(page.locator("main")).to_contain_text("28-02-2026")
    assert_accessible(page)

    page.select_option("select[name=status]", value="done")
    page.fill("textarea[name=outcome_note]", "Overzicht per post verstuurd.")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator("h1")).to_have_text("Privacy requests")
    assert_accessible(page)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE
