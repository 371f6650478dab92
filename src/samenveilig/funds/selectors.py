"""Reads of the funds (FND-1), scoped to what the user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.communities.models import Community
from samenveilig.communities.selectors import coordinated_community_ids, verified_community_ids
from samenveilig.funds import permissions
from samenveilig.funds.models import (
    ClaimStatus,
    EntryKind,
    ExpenseCategory,
    ExpenseClaim,
    Fund,
    IncomeCategory,
    LedgerEntry,
    category_label,
)


def balance_cents(fund: Fund) -> int:
    """The sum of the fund's entries (the ledger is the only source of the balance)."""
    return LedgerEntry.objects.filter(fund=fund).aggregate(total=Sum("amount_cents"))["total"] or 0


def entries_of(fund: Fund) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(fund=fund).order_by("-sequence")


def claims_visible_to(user: AnyUser, fund: Fund) -> QuerySet[ExpenseClaim]:
    claims = ExpenseClaim.objects.filter(fund=fund).select_related("claimant")
    if permissions.user_can_manage_fund(user, fund):
        return claims
    if permissions.user_can_view_fund(user, fund):
        return claims.filter(claimant=user)
    return claims.none()


def funds_of(user: AnyUser) -> QuerySet[Fund]:
    """Funds of the communities the user is a verified member of, or in their jurisdiction."""
    if not user.is_authenticated:
        return Fund.objects.none()
    query = Q(community_id__in=verified_community_ids(user))
    if has_role(user, Role.MUNICIPALITY):
        query |= Q(community_id__in=municipality_community_ids(user))
    return Fund.objects.filter(query).select_related("community").order_by("community__name")


def municipality_community_ids(user: AnyUser) -> set[int]:
    """Communities every area of which lies in the user's municipality jurisdiction."""
    if not has_role(user, Role.MUNICIPALITY):
        return set()
    within = jurisdiction_area_ids(user, Role.MUNICIPALITY)
    areas: dict[int, set[int]] = defaultdict(set)
    for community_id, area_id in Community.areas.through.objects.values_list(
        "community_id", "area_id"
    ):
        areas[community_id].add(area_id)
    return {cid for cid, ids in areas.items() if ids and ids <= within}


def communities_without_fund(user: AnyUser) -> QuerySet[Community]:
    """Communities where the user could open a fund and none exists yet."""
    ids = coordinated_community_ids(user) | municipality_community_ids(user)
    return Community.objects.filter(pk__in=ids, is_active=True, fund__isnull=True).order_by("name")


def claims_to_decide(user: AnyUser) -> QuerySet[ExpenseClaim]:
    """Claims waiting for a decision in the municipality officer's jurisdiction."""
    ids = municipality_community_ids(user)
    if not ids:
        return ExpenseClaim.objects.none()
    return (
        ExpenseClaim.objects.filter(fund__community_id__in=ids, status=ClaimStatus.SUBMITTED)
        .exclude(claimant=user)
        .select_related("fund__community")
        .order_by("created_at")
    )


def claims_to_pay(user: AnyUser) -> list[ExpenseClaim]:
    if not user.is_authenticated:
        return []
    claims = ExpenseClaim.objects.filter(
        status=ClaimStatus.APPROVED,
        fund__community_id__in=verified_community_ids(user),
    ).select_related("fund__community")
    return [c for c in claims if permissions.user_can_mark_paid(user, c)]


@dataclass
class CategoryTotal:
    category: str
    label: str
    cents: int
    count: int


@dataclass
class Transparency:
    """What the public page shows: totals per category, nothing about people."""

    income: list[CategoryTotal] = field(default_factory=list)
    expenses: list[CategoryTotal] = field(default_factory=list)
    income_cents: int = 0
    expense_cents: int = 0
    balance_cents: int = 0
    waiting_claims: int = 0


def transparency(fund: Fund) -> Transparency:
    """Totals per category. A correction counts in the category of the entry it corrects, as
    income when that entry was income and as expense otherwise."""
    rows = (
        LedgerEntry.objects.filter(fund=fund)
        .values("kind", "category", "corrects__kind")
        .annotate(total=Sum("amount_cents"))
        .order_by()
    )
    income: dict[str, int] = defaultdict(int)
    expense: dict[str, int] = defaultdict(int)
    for row in rows:
        is_income = row["kind"] == EntryKind.INCOME or (
            row["kind"] == EntryKind.CORRECTION and row["corrects__kind"] == EntryKind.INCOME
        )
        if is_income:
            income[row["category"]] += row["total"]
        else:
            expense[row["category"]] -= row["total"]
    counts = dict(
        ExpenseClaim.objects.filter(fund=fund, status__in=[ClaimStatus.APPROVED, ClaimStatus.PAID])
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result = Transparency()
    for value in IncomeCategory.values:
        if value in income:
            result.income.append(CategoryTotal(value, category_label(value), income[value], 0))
    for value in ExpenseCategory.values:
        if value in expense or value in counts:
            result.expenses.append(
                CategoryTotal(
                    value, category_label(value), expense.get(value, 0), counts.get(value, 0)
                )
            )
    result.income_cents = sum(income.values())
    result.expense_cents = sum(expense.values())
    result.balance_cents = balance_cents(fund)
    result.waiting_claims = ExpenseClaim.objects.filter(
        fund=fund, status=ClaimStatus.SUBMITTED
    ).count()
    return result
