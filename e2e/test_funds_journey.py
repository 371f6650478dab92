"""Funds journey (FND-1): the municipality records a grant, a member files an expense claim with a
photo of the receipt (a file that is not a receipt is refused first), the municipality approves it,
the treasurer marks it paid, and the community's public page shows the totals per category and
nothing about people. A member of another community gets a 404 on every page of the fund; the
public page is open to everyone. axe-core checks every page on the way, on a phone-sized screen.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from PIL import Image
from playwright.sync_api import Page, expect
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, enrol_totp, grant

from e2e.places import proefstad
from e2e.report_helpers import block_external_requests, checked, sign_in, submit, visit
from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole
from samenveilig.funds import services
from samenveilig.funds.models import ClaimStatus, EntryKind, ExpenseClaim, LedgerEntry, ReceiptKind

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "bp-potten"
DESCRIPTION = "Zaklampen en batterijen voor de avondronde"
GRANT_NOTE = "Subsidiebesluit 2025-017"


def receipt_jpeg() -> bytes:
    """A small photo of a 'receipt', as a phone would send it."""
    image = Image.new("RGB", (240, 320), (250, 250, 245))
    for y in range(30, 300, 24):  # a few printed lines
        for x in range(20, 220):
            image.putpixel((x, y), (30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def town(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    gm, _wk, bu = proefstad(71)
    community = CommunityFactory(name="Buurtpreventie Marktbuurt", slug=SLUG, areas=[bu])
    coordinator = UserFactory(display_name="Coby Coördinator", language="en")
    MembershipFactory(community=community, user=coordinator, role=MembershipRole.COORDINATOR)
    mila = UserFactory(display_name="Mila Meeloper", language="en")
    MembershipFactory(community=community, user=mila)
    tom = UserFactory(display_name="Tom Penning", language="en")
    MembershipFactory(community=community, user=tom)
    municipality = UserFactory(display_name="Gemma Gemeente", language="en")
    grant(municipality, Role.MUNICIPALITY, gm)
    elsewhere = CommunityFactory(name="Buurtapp Stationsbuurt", slug="buurtapp-station")
    otto = UserFactory(display_name="Otto Overkant", language="en")
    MembershipFactory(community=elsewhere, user=otto)
    for user in (coordinator, municipality):
        enrol_totp(user)
    fund = services.fund_open(actor=coordinator, community=community)
    services.fund_set_treasurer(actor=coordinator, fund=fund, user_id=tom.pk)
    yield {
        "fund": fund,
        "mila": mila,
        "tom": tom,
        "municipality": municipality,
        "otto": otto,
    }
    cache.clear()


@pytest.fixture
def browser_page(page: Page) -> Page:
    block_external_requests(page.context)
    return page


def test_claim_filed_approved_paid_and_shown_on_the_public_page(
    live_server, browser_page: Page, town
):
    page, base = browser_page, live_server.url
    fund_url = f"{base}/potten/{SLUG}/"

    # --- The municipality records its grant --------------------------------------------------
    sign_in(page.context, base, town["municipality"])
    visit(page, base + "/potten/")
    visit(page, fund_url)
    visit(page, fund_url + "inkomsten/")
    page.select_option("select[name=category]", "municipal_grant")
    page.fill("input[name=amount]", "250.00")
    page.fill("input[name=note]", GRANT_NOTE)
    submit(page, "main form button[type=submit]")
    assert page.url == fund_url
    expect(page.locator("[data-balance]")).to_have_text("€250.00")

    # --- Mila files a claim; a file that is not a receipt is refused next to the field -------
    sign_in(page.context, base, town["mila"])
    visit(page, base + "/potten/")
    expect(page.locator(f"main a[href='/potten/{SLUG}/']")).to_be_visible()
    visit(page, fund_url)
    submit_link = page.locator(f"main a[href='/potten/{SLUG}/declaraties/nieuw/']")
    with page.expect_navigation():
        submit_link.click()
    checked(page)
    page.select_option("select[name=category]", "materials")
    page.fill("input[name=amount]", "34.50")
    page.fill("textarea[name=description]", DESCRIPTION)
    page.set_input_files(
        "input[name=receipt]",
        files=[{"name": "bon.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"}],
    )
    submit(page, "main form button[type=submit]")
    expect(page.locator("#id_receipt_error")).to_be_visible()
    assert not ExpenseClaim.objects.exists()
    page.set_input_files(
        "input[name=receipt]",
        files=[{"name": "bon-mila.jpg", "mimeType": "image/jpeg", "buffer": receipt_jpeg()}],
    )
    submit(page, "main form button[type=submit]")
    claim = ExpenseClaim.objects.get()
    claim_url = f"{fund_url}declaraties/{claim.pk}/"
    assert page.url == claim_url
    assert (claim.receipt_kind, claim.amount_cents) == (ReceiptKind.IMAGE, 3450)
    assert "bon-mila" not in claim.receipt.name  # stored under a random name
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "submitted")
    # She cannot decide on her own claim nor pay it out.
    expect(page.locator("form[action$='/besluit/']")).to_have_count(0)
    expect(page.locator("form[action$='/uitbetaald/']")).to_have_count(0)
    # The receipt opens for her as a photo, private.
    receipt = page.request.get(claim_url + "bon/")
    assert receipt.status == 200
    assert receipt.headers["content-type"] == "image/jpeg"
    assert "no-store" in receipt.headers["cache-control"]

    # --- The municipality approves it --------------------------------------------------------
    sign_in(page.context, base, town["municipality"])
    visit(page, base + "/potten/")
    waiting = page.locator(f"main a[href='/potten/{SLUG}/declaraties/{claim.pk}/']")
    expect(waiting).to_be_visible()
    with page.expect_navigation():
        waiting.click()
    checked(page)
    page.check("input[name=decision][value=approve]")
    submit(page, "form[action$='/besluit/'] button[type=submit]")
    assert page.url == claim_url
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "approved")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    expense = LedgerEntry.objects.get(claim=claim)
    assert (expense.kind, expense.amount_cents, expense.balance_after_cents) == (
        EntryKind.EXPENSE,
        -3450,
        21550,
    )
    # The municipality does not pay out: that is the treasurer's.
    expect(page.locator("form[action$='/uitbetaald/']")).to_have_count(0)

    # --- The treasurer marks it paid ---------------------------------------------------------
    sign_in(page.context, base, town["tom"])
    visit(page, base + "/potten/")
    to_pay = page.locator(f"main a[href='/potten/{SLUG}/declaraties/{claim.pk}/']")
    expect(to_pay).to_be_visible()
    with page.expect_navigation():
        to_pay.click()
    checked(page)
    submit(page, "form[action$='/uitbetaald/'] button[type=submit]")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "paid")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.paid_by == town["tom"]
    visit(page, fund_url)
    expect(page.locator("[data-balance]")).to_have_text("€215.50")
    expect(page.locator(f"tr[data-claim='{claim.pk}']")).to_contain_text("Paid")

    # --- The public page: totals per category, no people, no notes ---------------------------
    # Anyone, not logged in (in Dutch, the browser's language: amounts as "€ 215,50").
    page.context.clear_cookies()
    visit(page, fund_url + "openbaar/")
    expect(page.locator("[data-balance]")).to_have_text(re.compile(r"€\s?215,50"))
    grant_row = page.locator("tr[data-category=municipal_grant]")
    expect(grant_row).to_contain_text(re.compile(r"€\s?250,00"))
    materials = page.locator("tr[data-category=materials]")
    expect(materials.locator("td").first).to_have_text("1")
    expect(materials).to_contain_text(re.compile(r"€\s?34,50"))
    text = page.locator("body").inner_text()
    for private in ("Mila", "Tom", "Penning", "Coby", "Gemma", DESCRIPTION, GRANT_NOTE):
        assert private not in text, private
    expect(page.locator("a[href*='/declaraties/']")).to_have_count(0)


def test_a_member_of_another_community_gets_404_on_the_fund(live_server, browser_page: Page, town):
    page, base = browser_page, live_server.url
    fund_url = f"{base}/potten/{SLUG}/"
    entry = services.income_record(
        actor=town["municipality"],
        fund=town["fund"],
        category="municipal_grant",
        amount_cents=5000,
    )
    claim = services.claim_submit(
        actor=town["mila"],
        fund=town["fund"],
        category="materials",
        amount_cents=1200,
        description=DESCRIPTION,
        receipt=_checked_receipt(),
    )
    sign_in(page.context, base, town["otto"])
    # His own overview lists no fund of the other community.
    visit(page, base + "/potten/")
    expect(page.locator(f"main a[href='/potten/{SLUG}/']")).to_have_count(0)
    for path in (
        "",
        "declaraties/nieuw/",
        f"declaraties/{claim.pk}/",
        "inkomsten/",
        f"correctie/{entry.pk}/",
    ):
        visit(page, fund_url + path, status=404)
    for path in (f"declaraties/{claim.pk}/bon/", "export.csv"):
        assert page.request.get(fund_url + path).status == 404, path
    # Posting a decision or a payout (with a valid CSRF token) is refused the same way.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for action in ("besluit", "uitbetaald"):
        response = page.request.post(
            f"{fund_url}declaraties/{claim.pk}/{action}/",
            form={"decision": "approve"},
            headers={"X-CSRFToken": token, "Referer": base + "/potten/"},
        )
        assert response.status == 404, action
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    # The public page is open to him, as to everyone.
    visit(page, fund_url + "openbaar/")
    expect(page.locator("tr[data-category=materials]")).to_have_count(0)


def _checked_receipt():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from samenveilig.funds.receipts import check_receipt

    return check_receipt(SimpleUploadedFile("bon.jpg", receipt_jpeg(), content_type="image/jpeg"))
