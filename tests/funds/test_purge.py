"""Retention of expense claims (PLT-6): a paid claim keeps its receipt for the fiscal period, a
rejected one for a year; then the receipt file and the claimant go, and the ledger stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from samenveilig.core.models import AuditEvent
from samenveilig.funds import services
from samenveilig.funds.models import ClaimStatus, ExpenseClaim, LedgerEntry

pytestmark = pytest.mark.django_db


def _paid(scene, *, days_ago: int):
    claim = scene.claim(1_000)
    services.claim_decide(actor=scene.municipality, claim=claim, approve=True, reason="")
    services.claim_mark_paid(actor=scene.treasurer, claim=claim)
    ExpenseClaim.objects.filter(pk=claim.pk).update(
        paid_at=timezone.now() - timedelta(days=days_ago)
    )
    return ExpenseClaim.objects.get(pk=claim.pk)


def _rejected(scene, *, days_ago: int):
    claim = scene.claim(1_000)
    services.claim_decide(actor=scene.municipality, claim=claim, approve=False, reason="Geen bon")
    ExpenseClaim.objects.filter(pk=claim.pk).update(
        decided_at=timezone.now() - timedelta(days=days_ago)
    )
    return ExpenseClaim.objects.get(pk=claim.pk)


def test_expense_claim_receipts_go_after_their_retention_and_nothing_else(scene, settings):
    settings.FUNDS_CLAIM_RETENTION_DAYS = 2557
    settings.FUNDS_REJECTED_CLAIM_RETENTION_DAYS = 365
    scene.income(100_000)
    old_paid = _paid(scene, days_ago=2558)
    young_paid = _paid(scene, days_ago=2556)
    old_rejected = _rejected(scene, days_ago=366)
    young_rejected = _rejected(scene, days_ago=364)
    waiting = scene.claim(500)
    ExpenseClaim.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(days=4000)
    )
    old_file = old_paid.receipt.name
    storage = old_paid.receipt.storage
    entries_before = LedgerEntry.objects.count()

    assert services.purge_expense_claims() == 2

    for claim in (old_paid, old_rejected):
        claim.refresh_from_db()
        assert claim.receipt.name == "" and claim.claimant_id is None
        assert claim.created_by_id is None and claim.amount_cents == 1_000
    assert not storage.exists(old_file)
    for claim in (young_paid, young_rejected, waiting):
        claim.refresh_from_db()
        assert claim.receipt.name and claim.claimant_id == scene.member.pk
        assert storage.exists(claim.receipt.name)
    assert LedgerEntry.objects.count() == entries_before
    assert old_paid.status == ClaimStatus.PAID
    row = AuditEvent.objects.filter(action="funds.claims_purged").get()
    assert row.details == {"count": 2}
    # A second run finds nothing more.
    assert services.purge_expense_claims() == 0


def test_a_purged_claim_page_says_the_receipt_was_removed(client, scene):
    from django.urls import reverse

    from tests.funds.conftest import as_user

    scene.income(10_000)
    claim = _paid(scene, days_ago=3000)
    services.purge_expense_claims()
    as_user(client, scene.treasurer)
    page = client.get(reverse("funds:claim", args=[scene.community.slug, claim.pk]))
    assert page.status_code == 200
    assert "Removed after the retention period." in page.content.decode()
    assert (
        client.get(reverse("funds:receipt", args=[scene.community.slug, claim.pk])).status_code
        == 404
    )
