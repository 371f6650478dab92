"""What each role sees on its home page and profile."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db.models import Count, Q

from samenveilig.accounts.models import Role, RoleGrant, User
from samenveilig.accounts.roles import deployment_roles
from samenveilig.alerts import selectors as alert_selectors
from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.communities import selectors as community_selectors
from samenveilig.communities.models import (
    AlertKind,
    AlertSubscription,
    Community,
    Membership,
    MembershipStatus,
    WatchPoint,
)
from samenveilig.core.models import AuditEvent


def home_for(user: User) -> dict[str, Any]:
    roles = deployment_roles(user)
    memberships = list(community_selectors.memberships_of(user))
    context: dict[str, Any] = {
        "roles": roles,
        "memberships": memberships,
        "verified_memberships": [m for m in memberships if m.status == MembershipStatus.VERIFIED],
        "open_requests": [m for m in memberships if m.status == MembershipStatus.REQUESTED],
        "has_home_point": WatchPoint.objects.filter(user=user, is_home=True).exists(),
        "pending_join_requests": list(community_selectors.pending_join_requests_for(user)[:20]),
        "alerts_panel": alert_selectors.home_panel(user),
    }
    if not memberships and not roles:
        context["suggested_communities"] = community_selectors.communities_with_counts(
            community_selectors.communities_visible_to(user)
        )[:6]
    for role in (Role.POLICE, Role.MUNICIPALITY):
        if role in roles:
            context[f"{role}_panel"] = partner_panel(user, role)
    if Role.PRIVACY_OFFICER in roles:
        context["privacy_panel"] = {
            "audit_rows": AuditEvent.objects.count(),
            "last_event": AuditEvent.objects.order_by("-sequence").first(),
        }
    if Role.ADMIN in roles:
        context["admin_panel"] = {
            "users": User.objects.count(),
            "communities": Community.objects.count(),
            "neighbourhoods": Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD).count(),
            "addresses": Address.objects.count(),
            "pending_requests": Membership.objects.filter(
                status=MembershipStatus.REQUESTED
            ).count(),
        }
    return context


def partner_panel(user: User, role: str) -> dict[str, Any]:
    """Jurisdiction overview for police and municipality: areas and the communities active there."""
    grants = RoleGrant.objects.filter(user=user, role=role).select_related("area")
    from samenveilig.accounts.roles import jurisdiction_area_ids

    area_ids = jurisdiction_area_ids(user, role)
    communities = (
        Community.objects.filter(is_active=True, areas__id__in=area_ids)
        .distinct()
        .annotate(
            verified_count=Count(
                "memberships",
                filter=Q(memberships__status=MembershipStatus.VERIFIED),
                distinct=True,
            )
        )
        .order_by("name")
    )
    return {
        "jurisdictions": [g.area for g in grants if g.area],
        "neighbourhood_count": Area.objects.filter(
            id__in=area_ids, level=AreaLevel.NEIGHBOURHOOD
        ).count(),
        "communities": communities,
    }


def profile_context(user: User) -> dict[str, Any]:
    subscribed = set(AlertSubscription.objects.filter(user=user).values_list("kind", flat=True))
    return {
        "watch_points": WatchPoint.objects.filter(user=user)
        .select_related("neighbourhood")
        .order_by("-is_home", "label"),
        "subscriptions": [(kind, label, kind in subscribed) for kind, label in AlertKind.choices],
        "has_totp": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        "roles": deployment_roles(user),
    }
