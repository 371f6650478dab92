"""The demo town's fund (issue 11): Buurtpreventie Binnenstad with a municipal grant and own
contributions, one claim approved and paid, one waiting; receipts that pass the upload checks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole
from samenveilig.core.demo_funds import (
    CONTRIBUTIONS_CENTS,
    GRANT_CENTS,
    PAID_CLAIM_CENTS,
    WAITING_CLAIM_CENTS,
    build_funds,
    receipt_pdf,
    receipt_photo,
)
from samenveilig.funds import selectors
from samenveilig.funds.models import ClaimStatus, ExpenseClaim, Fund, LedgerEntry, ReceiptKind
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_town(town):
    patrol = CommunityFactory(areas=[town["noord_west"], town["noord_oost"]])
    coordinator = MembershipFactory(community=patrol, role=MembershipRole.COORDINATOR).user
    member = MembershipFactory(community=patrol).user
    neighbour = MembershipFactory(community=patrol).user
    municipality = UserFactory()
    grant(municipality, Role.MUNICIPALITY, town["municipality"])
    return SimpleNamespace(
        communities={"patrol": patrol},
        users={"coordinator": coordinator, "member": member, "municipality": municipality},
        neighbour=neighbour,
    )


def test_demo_fund_has_a_grant_a_paid_claim_and_a_waiting_one(demo_town):
    build_funds(demo_town)

    fund = Fund.objects.get()
    member = demo_town.users["member"]
    assert fund.community == demo_town.communities["patrol"]
    assert fund.treasurer == member
    paid = ExpenseClaim.objects.get(status=ClaimStatus.PAID)
    assert (paid.claimant, paid.amount_cents, paid.paid_by) == (
        demo_town.neighbour,
        PAID_CLAIM_CENTS,
        member,
    )
    assert paid.decided_by == demo_town.users["municipality"]
    assert paid.receipt_kind == ReceiptKind.IMAGE
    waiting = ExpenseClaim.objects.get(status=ClaimStatus.SUBMITTED)
    assert (waiting.claimant, waiting.amount_cents) == (member, WAITING_CLAIM_CENTS)
    assert waiting.receipt_kind == ReceiptKind.PDF
    for claim in (paid, waiting):
        with claim.receipt.open("rb") as handle:
            assert handle.read(4) in (b"%PDF", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")

    balance = GRANT_CENTS + CONTRIBUTIONS_CENTS - PAID_CLAIM_CENTS
    assert selectors.balance_cents(fund) == balance
    assert LedgerEntry.objects.filter(fund=fund).order_by(
        "-sequence"
    ).first().balance_after_cents == (balance)
    totals = selectors.transparency(fund)
    assert {row.category: row.cents for row in totals.income} == {
        "municipal_grant": GRANT_CENTS,
        "own_contributions": CONTRIBUTIONS_CENTS,
    }
    assert [(row.category, row.count, row.cents) for row in totals.expenses] == [
        ("materials", 1, PAID_CLAIM_CENTS)
    ]
    assert totals.waiting_claims == 1


def test_demo_fund_is_skipped_without_the_patrol_community():
    build_funds(SimpleNamespace(communities={}, users={}))
    assert not Fund.objects.exists()


def test_demo_receipts_are_the_same_every_time():
    lines = ("Drukkerij", "Totaal EUR 18,50")
    assert receipt_pdf(lines) == receipt_pdf(lines)
    assert receipt_photo(lines) == receipt_photo(lines)
