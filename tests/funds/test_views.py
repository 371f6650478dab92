"""Fund pages: every page and endpoint with an allowed role and the roles it refuses."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from samenveilig.funds import services
from samenveilig.funds.models import ClaimStatus, ExpenseClaim, LedgerEntry
from tests.funds.conftest import as_user, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

PRIVILEGED = {"coordinator", "municipality", "other_municipality", "police"}


def client_for(client, scene, who):
    if who == "anonymous":
        return client
    return as_user(client, getattr(scene, who), privileged=who in PRIVILEGED)


def url(scene, name, **kwargs):
    return reverse(f"funds:{name}", kwargs={"slug": scene.community.slug, **kwargs})


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("treasurer", 200),
        ("coordinator", 200),
        ("municipality", 200),
        ("outsider", 404),
        ("police", 404),
        ("other_municipality", 404),
        ("anonymous", 302),
    ],
)
def test_fund_page(client, scene, who, status):
    response = client_for(client, scene, who).get(url(scene, "fund"))
    assert response.status_code == status


def test_member_sees_own_claims_only_and_no_notes(client, scene):
    scene.income(5_000).note  # noqa: B018
    services.income_record(
        actor=scene.treasurer,
        fund=scene.fund,
        category="donations",
        amount_cents=100,
        note="Gift van bakker Jansen",
    )
    mine = scene.claim(100)
    theirs = scene.claim(200, claimant=scene.other_member)
    page = client_for(client, scene, "member").get(url(scene, "fund")).content.decode()
    assert f'data-claim="{mine.pk}"' in page and f'data-claim="{theirs.pk}"' not in page
    assert "bakker Jansen" not in page
    response = client.get(url(scene, "claim", pk=theirs.pk))
    assert response.status_code == 404
    assert client.get(url(scene, "receipt", pk=theirs.pk)).status_code == 404


def test_member_files_a_claim_with_a_pdf(client, scene):
    c = client_for(client, scene, "member")
    assert c.get(url(scene, "claim_new")).status_code == 200
    response = c.post(
        url(scene, "claim_new"),
        {
            "category": "materials",
            "amount": "12.50",
            "description": "Hesjes",
            "receipt": upload(pdf_bytes(), "bon.pdf", "application/pdf"),
        },
    )
    claim = ExpenseClaim.objects.get()
    assert response.status_code == 302
    assert claim.amount_cents == 1_250 and claim.claimant == scene.member
    receipt = c.get(url(scene, "receipt", pk=claim.pk))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert "attachment" in receipt["Content-Disposition"]


def test_a_bad_receipt_gives_a_message_and_saves_nothing(client, scene):
    response = client_for(client, scene, "member").post(
        url(scene, "claim_new"),
        {
            "category": "materials",
            "amount": "12.50",
            "description": "Hesjes",
            "receipt": upload(b"<script>alert(1)</script>", "bon.png", "image/png"),
        },
    )
    assert response.status_code == 200
    assert "not a photo or PDF we can read" in response.content.decode()
    assert not ExpenseClaim.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [("0", "greater than or equal to 0.01"), ("abc", "Enter a number"), ("-3", "greater")],
)
def test_bad_amounts_are_refused(client, scene, amount, message):
    response = client_for(client, scene, "member").post(
        url(scene, "claim_new"),
        {
            "category": "materials",
            "amount": amount,
            "description": "x",
            "receipt": upload(png_bytes()),
        },
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not ExpenseClaim.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 200), ("outsider", 404), ("police", 404), ("anonymous", 302)],
)
def test_claim_form_roles(client, scene, who, status):
    assert client_for(client, scene, who).get(url(scene, "claim_new")).status_code == status


def test_municipality_approves_and_public_page_shows_it(client, scene):
    scene.income(10_000)
    claim = scene.claim(2_500)
    c = client_for(client, scene, "municipality")
    page = c.get(url(scene, "claim", pk=claim.pk)).content.decode()
    assert "Decide on the claim" in page
    response = c.post(url(scene, "decide", pk=claim.pk), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    client.logout()
    public = client.get(url(scene, "public"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Materials and equipment" in public
    assert re.search(r"25[.,]00", public) and re.search(r"75[.,]00", public)
    assert scene.member.display_name not in public and "Zaklampen" not in public


def test_rejection_without_reason_is_a_field_error(client, scene):
    claim = scene.claim(2_500)
    c = client_for(client, scene, "municipality")
    response = c.post(url(scene, "decide", pk=claim.pk), {"decision": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_overdraft_approval_is_refused_with_a_message(client, scene):
    claim = scene.claim(2_500)
    c = client_for(client, scene, "municipality")
    response = c.post(url(scene, "decide", pk=claim.pk), {"decision": "approve"})
    assert response.status_code == 400 and "below zero" in response.content.decode()
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 404),
        ("coordinator", 403),
        ("treasurer", 403),
        ("outsider", 404),
        ("police", 404),
        ("other_municipality", 404),
    ],
)
def test_decide_refused(client, scene, who, status):
    scene.income(10_000)
    claim = scene.claim(100, claimant=scene.other_member)
    response = client_for(client, scene, who).post(
        url(scene, "decide", pk=claim.pk), {"decision": "approve"}
    )
    assert response.status_code == status
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 404),
        ("coordinator", 403),
        ("municipality", 403),
        ("outsider", 404),
        ("treasurer", 302),
    ],
)
def test_mark_paid(client, scene, who, status):
    scene.income(10_000)
    claim = scene.claim(100, claimant=scene.other_member)
    services.claim_decide(actor=scene.municipality, claim=claim, approve=True, reason="")
    response = client_for(client, scene, who).post(url(scene, "paid", pk=claim.pk))
    assert response.status_code == status
    claim.refresh_from_db()
    assert (claim.status == ClaimStatus.PAID) is (status == 302)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("treasurer", 200),
        ("coordinator", 200),
        ("municipality", 200),
        ("member", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_income_page_roles(client, scene, who, status):
    assert client_for(client, scene, who).get(url(scene, "income")).status_code == status


def test_treasurer_records_own_contributions_not_grants(client, scene):
    c = client_for(client, scene, "treasurer")
    page = c.get(url(scene, "income")).content.decode()
    assert "Own contributions" in page and "Municipal grant" not in page
    bad = c.post(url(scene, "income"), {"category": "municipal_grant", "amount": "10"})
    assert bad.status_code == 200 and not LedgerEntry.objects.exists()
    ok = c.post(url(scene, "income"), {"category": "own_contributions", "amount": "10,00"})
    ok = (
        ok
        if ok.status_code == 302
        else c.post(url(scene, "income"), {"category": "own_contributions", "amount": "10.00"})
    )
    assert ok.status_code == 302
    assert LedgerEntry.objects.get().amount_cents == 1_000


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("treasurer", 200),
        ("municipality", 200),
        ("coordinator", 403),
        ("member", 403),
        ("outsider", 404),
    ],
)
def test_correction_page_roles(client, scene, who, status):
    entry = scene.income(1_000)
    assert (
        client_for(client, scene, who).get(url(scene, "correct", entry_pk=entry.pk)).status_code
        == status
    )


def test_correction_through_the_page_is_a_new_entry(client, scene):
    entry = scene.income(1_000)
    c = client_for(client, scene, "treasurer")
    too_much = c.post(url(scene, "correct", entry_pk=entry.pk), {"amount": "-20", "note": "x"})
    assert too_much.status_code == 200 and "below zero" in too_much.content.decode()
    ok = c.post(url(scene, "correct", entry_pk=entry.pk), {"amount": "-2.50", "note": "Typfout"})
    assert ok.status_code == 302
    assert list(LedgerEntry.objects.values_list("amount_cents", flat=True)) == [1_000, -250]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("treasurer", 200),
        ("coordinator", 200),
        ("municipality", 200),
        ("member", 403),
        ("outsider", 404),
        ("police", 404),
        ("anonymous", 302),
    ],
)
def test_csv_export_roles(client, scene, who, status):
    services.income_record(
        actor=scene.treasurer,
        fund=scene.fund,
        category="donations",
        amount_cents=1_234,
        note='=HYPERLINK("x")',
    )
    response = client_for(client, scene, who).get(url(scene, "export"))
    assert response.status_code == status
    if status == 200:
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] == "number"
        assert rows[1][4] == "12.34" and rows[1][8].startswith("'=")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 302),
        ("municipality", 302),
        ("treasurer", 403),
        ("member", 403),
        ("outsider", 404),
    ],
)
def test_set_treasurer_roles(client, scene, who, status):
    response = client_for(client, scene, who).post(
        url(scene, "treasurer"), {"treasurer": str(scene.other_member.pk)}
    )
    assert response.status_code == status
    scene.fund.refresh_from_db()
    expected = scene.other_member if status == 302 else scene.treasurer
    assert scene.fund.treasurer == expected


def test_treasurer_must_be_a_member(client, scene):
    c = client_for(client, scene, "coordinator")
    c.post(url(scene, "treasurer"), {"treasurer": str(scene.outsider.pk)})
    scene.fund.refresh_from_db()
    assert scene.fund.treasurer == scene.treasurer


def test_open_fund_roles(client, town):
    from samenveilig.accounts.models import Role
    from samenveilig.communities.models import MembershipRole
    from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant

    community = CommunityFactory(areas=[town["zuid_west"]])
    member = MembershipFactory(community=community).user
    coordinator = MembershipFactory(community=community, role=MembershipRole.COORDINATOR).user
    path = reverse("funds:open", kwargs={"slug": community.slug})
    assert as_user(client, member).post(path).status_code == 404
    police = UserFactory()
    grant(police, Role.POLICE, town["municipality"])
    assert as_user(client, police, privileged=True).post(path).status_code == 404
    assert as_user(client, coordinator, privileged=True).post(path).status_code == 302
    assert community.fund is not None


def test_index_lists_work_per_role(client, scene):
    scene.income(10_000)
    claim = scene.claim(100)
    page = client_for(client, scene, "municipality").get(reverse("funds:index")).content.decode()
    assert reverse("funds:claim", kwargs={"slug": scene.community.slug, "pk": claim.pk}) in page
    other = client_for(client, scene, "other_municipality").get(reverse("funds:index"))
    assert scene.community.name not in other.content.decode()


def test_public_page_is_open_and_404_for_unknown(client, scene):
    assert client.get(url(scene, "public")).status_code == 200
    assert client.get(reverse("funds:public", kwargs={"slug": "nope"})).status_code == 404
