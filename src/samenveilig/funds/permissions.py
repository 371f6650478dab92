"""Who may do what with a community's fund (FND-1). Deny by default.

- Verified members of the community see the fund (balance and ledger without notes or names)
  and file expense claims; they see their own claims only.
- The fund's *managers* — the community's coordinators, the treasurer and municipality officers
  whose jurisdiction holds every area the community covers — see every claim and the notes,
  record income and download the CSV export.
- Only the municipality approves or rejects a claim (never the claimant's own), and records a
  municipal grant.
- The treasurer marks an approved claim as paid; a claim of the treasurer themselves is marked by
  a coordinator (nobody pays out to themselves).
- Corrections: the treasurer and the municipality.
- The coordinator chooses the treasurer among the verified members and opens the fund; so may
  the municipality.
- The public transparency page (totals per category) is open to everyone.
"""

from __future__ import annotations

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role, jurisdiction_area_ids
from samenveilig.communities.models import Community
from samenveilig.communities.permissions import is_community_manager, is_verified_member
from samenveilig.funds.models import ClaimStatus, ExpenseClaim, Fund, IncomeCategory


def is_municipality_for(user: AnyUser, community: Community) -> bool:
    """A municipality officer whose jurisdiction holds every area the community covers."""
    if not user.is_authenticated or not has_role(user, Role.MUNICIPALITY):
        return False
    area_ids = set(community.areas.values_list("pk", flat=True))
    return bool(area_ids) and area_ids <= jurisdiction_area_ids(user, Role.MUNICIPALITY)


def is_treasurer(user: AnyUser, fund: Fund) -> bool:
    return (
        user.is_authenticated
        and fund.treasurer_id == user.pk
        and is_verified_member(user, fund.community)
    )


def user_can_open_fund(user: AnyUser, community: Community) -> bool:
    return community.is_active and (
        is_community_manager(user, community) or is_municipality_for(user, community)
    )


def user_can_manage_fund(user: AnyUser, fund: Fund) -> bool:
    community = fund.community
    return (
        is_community_manager(user, community)
        or is_treasurer(user, fund)
        or is_municipality_for(user, community)
    )


def user_can_view_fund(user: AnyUser, fund: Fund) -> bool:
    return is_verified_member(user, fund.community) or user_can_manage_fund(user, fund)


def user_can_file_claim(user: AnyUser, fund: Fund) -> bool:
    return fund.community.is_active and is_verified_member(user, fund.community)


def user_can_see_claim(user: AnyUser, claim: ExpenseClaim) -> bool:
    if not user.is_authenticated:
        return False
    if claim.claimant_id == user.pk and is_verified_member(user, claim.fund.community):
        return True
    return user_can_manage_fund(user, claim.fund)


def user_can_decide_claim(user: AnyUser, claim: ExpenseClaim) -> bool:
    return (
        claim.status == ClaimStatus.SUBMITTED
        and claim.claimant_id != user.pk
        and is_municipality_for(user, claim.fund.community)
    )


def user_can_mark_paid(user: AnyUser, claim: ExpenseClaim) -> bool:
    if claim.status != ClaimStatus.APPROVED or claim.claimant_id == user.pk:
        return False
    fund = claim.fund
    if fund.treasurer_id is not None and claim.claimant_id == fund.treasurer_id:
        return is_community_manager(user, fund.community)
    return is_treasurer(user, fund)


def income_categories_for(user: AnyUser, fund: Fund) -> list[str]:
    """The income categories the user may record (empty: may not record income)."""
    if is_municipality_for(user, fund.community):
        return list(IncomeCategory.values)
    if is_treasurer(user, fund) or is_community_manager(user, fund.community):
        return [c for c in IncomeCategory.values if c != IncomeCategory.MUNICIPAL_GRANT]
    return []


def user_can_record_income(user: AnyUser, fund: Fund) -> bool:
    return fund.community.is_active and bool(income_categories_for(user, fund))


def user_can_correct(user: AnyUser, fund: Fund) -> bool:
    return is_treasurer(user, fund) or is_municipality_for(user, fund.community)


def user_can_set_treasurer(user: AnyUser, fund: Fund) -> bool:
    return is_community_manager(user, fund.community) or is_municipality_for(user, fund.community)
