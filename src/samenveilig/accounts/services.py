"""Writes and exports concerning a user's own account."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from samenveilig.accounts.models import User
from samenveilig.core import audit


def profile_update(*, user: User, actor: User, data: dict[str, Any]) -> User:
    """Update the user's own profile fields (already validated by ProfileForm)."""
    if actor.pk != user.pk:
        raise PermissionError("Only the user may change their own profile.")
    with transaction.atomic():
        for field in ("display_name", "language", "quiet_hours_start", "quiet_hours_end"):
            if field in data:
                setattr(user, field, data[field])
        user.save()
    return user


def language_set(*, user: User, language: str) -> None:
    if language in {"nl", "en"} and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the user, as JSON-ready data (GDPR art. 15 and 20).

    Each app contributes its own section; a later app adds a section here.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from samenveilig.communities.models import AlertSubscription, Membership, WatchPoint

    with transaction.atomic():
        audit.record(actor=user, action="accounts.data_export", obj=user)
    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "quiet_hours": {
                "start": user.quiet_hours_start.isoformat() if user.quiet_hours_start else None,
                "end": user.quiet_hours_end.isoformat() if user.quiet_hours_end else None,
            },
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
            "two_factor_methods": list(
                Authenticator.objects.filter(user=user).values_list("type", flat=True)
            ),
        },
        "roles": [
            {
                "role": g.role,
                "area": g.area.name if g.area else None,
                "organisation": g.organisation,
            }
            for g in user.role_grants.select_related("area")
        ],
        "memberships": [
            {
                "community": m.community.name,
                "role": m.role,
                "status": m.status,
                "motivation": m.motivation,
                "requested_at": m.created_at.isoformat(),
                "decided_at": m.decided_at.isoformat() if m.decided_at else None,
            }
            for m in Membership.objects.filter(user=user).select_related("community")
        ],
        "watch_points": [
            {"label": w.label, "home": w.is_home, "lat": w.lat, "lon": w.lon}
            for w in WatchPoint.objects.filter(user=user)
        ],
        "alert_subscriptions": list(
            AlertSubscription.objects.filter(user=user).values_list("kind", flat=True)
        ),
    }
