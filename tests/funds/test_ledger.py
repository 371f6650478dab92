"""The ledger's invariants (FND-1): balance = sum of entries, never below zero, append-only."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samenveilig.funds import selectors, services
from samenveilig.funds.models import (
    ClaimStatus,
    EntryKind,
    ExpenseCategory,
    IncomeCategory,
    LedgerEntry,
    LedgerIsAppendOnly,
    ReceiptKind,
)
from samenveilig.funds.receipts import CheckedReceipt
from tests.funds.conftest import png_bytes

pytestmark = pytest.mark.django_db

PNG = png_bytes()


def receipt() -> CheckedReceipt:
    return CheckedReceipt(ContentFile(PNG, name="r.jpg"), ReceiptKind.IMAGE, "image/jpeg")


def check_invariants(fund, expected: int) -> None:
    entries = list(LedgerEntry.objects.filter(fund=fund).order_by("sequence"))
    total = sum(e.amount_cents for e in entries)
    assert selectors.balance_cents(fund) == total == expected
    assert total >= 0
    running = 0
    for number, entry in enumerate(entries, start=1):
        running += entry.amount_cents
        assert entry.sequence == number
        assert entry.balance_after_cents == running >= 0


amounts = st.integers(min_value=1, max_value=50_000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("income"), amounts),
        st.tuples(st.just("approve"), amounts),
        st.tuples(st.just("reject"), amounts),
        st.tuples(st.just("pay"), st.just(0)),
        st.tuples(
            st.just("correct"), st.integers(min_value=-50_000, max_value=50_000).filter(bool)
        ),
    ),
    max_size=12,
)


class Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_any_sequence_keeps_the_balance_the_sum_and_never_overdraws(scene, ops):
    try:
        with transaction.atomic():
            fund = scene.fund
            expected = 0
            approved = []
            for op, amount in ops:
                if op == "income":
                    services.income_record(
                        actor=scene.treasurer,
                        fund=fund,
                        category=IncomeCategory.OWN_CONTRIBUTIONS,
                        amount_cents=amount,
                    )
                    expected += amount
                elif op in ("approve", "reject"):
                    claim = services.claim_submit(
                        actor=scene.member,
                        fund=fund,
                        category=ExpenseCategory.ACTIVITIES,
                        amount_cents=amount,
                        description="Koffie",
                        receipt=receipt(),
                    )
                    if op == "reject":
                        services.claim_decide(
                            actor=scene.municipality, claim=claim, approve=False, reason="Nee"
                        )
                    elif amount <= expected:
                        services.claim_decide(
                            actor=scene.municipality, claim=claim, approve=True, reason=""
                        )
                        expected -= amount
                        approved.append(claim)
                    else:
                        with pytest.raises(services.FundError):
                            services.claim_decide(
                                actor=scene.municipality, claim=claim, approve=True, reason=""
                            )
                        claim.refresh_from_db()
                        assert claim.status == ClaimStatus.SUBMITTED
                        assert not LedgerEntry.objects.filter(claim=claim).exists()
                elif op == "pay" and approved:
                    services.claim_mark_paid(actor=scene.treasurer, claim=approved.pop())
                elif op == "correct":
                    target = LedgerEntry.objects.filter(fund=fund).order_by("?").first()
                    if target is None:
                        continue
                    if expected + amount >= 0:
                        services.entry_correct(
                            actor=scene.treasurer, entry=target, amount_cents=amount, note="Fout"
                        )
                        expected += amount
                    else:
                        with pytest.raises(services.FundError):
                            services.entry_correct(
                                actor=scene.treasurer,
                                entry=target,
                                amount_cents=amount,
                                note="Fout",
                            )
                check_invariants(fund, expected)
            raise Rollback
    except Rollback:
        pass


def test_approval_refused_when_the_fund_cannot_pay(scene):
    scene.income(1_000)
    claim = scene.claim(1_001)
    with pytest.raises(services.FundError, match="below zero"):
        services.claim_decide(actor=scene.municipality, claim=claim, approve=True, reason="")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    exact = scene.claim(1_000)
    services.claim_decide(actor=scene.municipality, claim=exact, approve=True, reason="")
    check_invariants(scene.fund, 0)


def test_a_claim_is_decided_once(scene):
    scene.income(10_000)
    claim = scene.claim(1_000)
    services.claim_decide(actor=scene.municipality, claim=claim, approve=True, reason="")
    with pytest.raises(services.FundError):
        services.claim_decide(actor=scene.municipality, claim=claim, approve=True, reason="")
    assert LedgerEntry.objects.filter(kind=EntryKind.EXPENSE).count() == 1


def test_rejection_needs_a_reason(scene):
    claim = scene.claim(1_000)
    with pytest.raises(services.FundError):
        services.claim_decide(actor=scene.municipality, claim=claim, approve=False, reason=" ")
    services.claim_decide(actor=scene.municipality, claim=claim, approve=False, reason="Geen bon")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.decision_reason == "Geen bon"


def test_entries_cannot_be_changed_or_removed_through_the_orm(scene):
    entry = scene.income(1_000)
    entry.amount_cents = 1
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_cents=5)
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount_cents == 1_000


def test_the_database_refuses_updates_and_negative_balances(scene):
    entry = scene.income(1_000)
    with pytest.raises(Exception) as info, transaction.atomic():  # noqa: PT011 - backend error
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE funds_ledgerentry SET amount_cents = 5 WHERE id = %s", [entry.pk]
            )
    assert "append-only" in str(info.value)
    if connection.vendor == "postgresql":
        with pytest.raises(Exception) as info, transaction.atomic():  # noqa: PT011
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM funds_ledgerentry WHERE id = %s", [entry.pk])
        assert "append-only" in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            fund=scene.fund,
            sequence=2,
            kind=EntryKind.CORRECTION,
            category=entry.category,
            amount_cents=-2_000,
            balance_after_cents=-1_000,
            corrects=entry,
            recorded_at=entry.recorded_at,
        )
    assert LedgerEntry.objects.get(pk=entry.pk).amount_cents == 1_000


def test_a_correction_is_a_new_entry(scene):
    entry = scene.income(1_000)
    correction = services.entry_correct(
        actor=scene.municipality, entry=entry, amount_cents=-100, note="Was 9 euro"
    )
    assert correction.pk != entry.pk and correction.corrects == entry
    assert correction.kind == EntryKind.CORRECTION and correction.sequence == 2
    check_invariants(scene.fund, 900)
    totals = selectors.transparency(scene.fund)
    assert [(r.category, r.cents) for r in totals.income] == [("municipal_grant", 900)]


def test_roles_refused_by_the_services(scene):
    scene.income(10_000)
    claim = scene.claim(1_000)
    for actor in (
        scene.member,
        scene.coordinator,
        scene.treasurer,
        scene.police,
        scene.other_municipality,
    ):
        with pytest.raises(PermissionDenied):
            services.claim_decide(actor=actor, claim=claim, approve=True, reason="")
    with pytest.raises(PermissionDenied):
        services.income_record(
            actor=scene.treasurer,
            fund=scene.fund,
            category=IncomeCategory.MUNICIPAL_GRANT,
            amount_cents=100,
        )
    with pytest.raises(PermissionDenied):
        services.income_record(
            actor=scene.member, fund=scene.fund, category="own_contributions", amount_cents=100
        )
    with pytest.raises(PermissionDenied):
        scene.claim(100, claimant=scene.outsider)
    services.claim_decide(actor=scene.municipality, claim=claim, approve=True, reason="")
    for actor in (scene.member, scene.coordinator, scene.municipality):
        with pytest.raises(PermissionDenied):
            services.claim_mark_paid(actor=actor, claim=claim)
    services.claim_mark_paid(actor=scene.treasurer, claim=claim)
    entry = LedgerEntry.objects.filter(fund=scene.fund).first()
    for actor in (scene.member, scene.coordinator):
        with pytest.raises(PermissionDenied):
            services.entry_correct(actor=actor, entry=entry, amount_cents=-1, note="x")


def test_nobody_decides_or_pays_their_own_claim(scene):
    from tests.factories import MembershipFactory

    MembershipFactory(community=scene.community, user=scene.municipality)
    scene.income(10_000)
    own = scene.claim(100, claimant=scene.municipality)
    with pytest.raises(PermissionDenied):
        services.claim_decide(actor=scene.municipality, claim=own, approve=True, reason="")
    treasurers = scene.claim(100, claimant=scene.treasurer)
    from tests.factories import UserFactory, grant

    second = UserFactory()
    grant(second, "municipality", scene.community.areas.first())
    services.claim_decide(actor=second, claim=treasurers, approve=True, reason="")
    with pytest.raises(PermissionDenied):
        services.claim_mark_paid(actor=scene.treasurer, claim=treasurers)
    services.claim_mark_paid(actor=scene.coordinator, claim=treasurers)
