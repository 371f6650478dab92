"""Per-user language, and two-factor enforcement for privileged roles (PLT-3)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from allauth.mfa.models import Authenticator
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from samenveilig.accounts.models import Role, RoleGrant
from samenveilig.accounts.roles import MFA_DEPLOYMENT_ROLES, MFA_MEMBERSHIP_ROLES


class UserLanguageMiddleware:
    """Logged-in users see the language from their profile (nl by default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        response = self.get_response(request)
        return response


# Paths a user without MFA may still reach: setting up MFA itself, logging out, static files.
MFA_EXEMPT_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/static/",
    "/i18n/",
    "/health",
)


class RequireMFAMiddleware:
    """Sends a privileged user without TOTP to the set-up page before any other page.

    The gate is read fresh on every request (a role granted or a TOTP device removed counts at
    once), in one query: see ``mfa_gate``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
        ):
            needs_mfa, has_totp = mfa_gate(user)
            if needs_mfa and not has_totp:
                if request.path.startswith("/api/"):
                    return HttpResponse(status=403)
                return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


@cache
def _mfa_gate_sql() -> str:
    from samenveilig.communities.models import Membership

    quote = connection.ops.quote_name

    def table(model: Any) -> str:
        return quote(model._meta.db_table)

    def column(model: Any, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    in_roles = ", ".join(["%s"] * len(MFA_MEMBERSHIP_ROLES))
    return (
        f"SELECT 0, {column(RoleGrant, 'role')} FROM {table(RoleGrant)} "
        f"WHERE {column(RoleGrant, 'user')} = %s "
        f"UNION ALL SELECT 1, '' WHERE EXISTS (SELECT 1 FROM {table(Membership)} "
        f"WHERE {column(Membership, 'user')} = %s AND {column(Membership, 'status')} = %s "
        f"AND {column(Membership, 'role')} IN ({in_roles})) "
        f"UNION ALL SELECT 2, '' WHERE EXISTS (SELECT 1 FROM {table(Authenticator)} "
        f"WHERE {column(Authenticator, 'user')} = %s AND {column(Authenticator, 'type')} = %s)"
    )


def mfa_gate(user: Any) -> tuple[bool, bool]:
    """``(requires_mfa(user), the user has a TOTP authenticator)`` in one query.

    The same answer as ``roles.requires_mfa`` plus the ``Authenticator`` check, which took two
    queries for every logged-in request and three for privileged users. The role grants it reads
    are kept on the user like ``roles.deployment_roles`` does, so permission checks later in the
    request ask no more.
    """
    from samenveilig.communities.models import MembershipStatus

    with connection.cursor() as cursor:
        cursor.execute(
            _mfa_gate_sql(),
            [
                user.pk,
                user.pk,
                MembershipStatus.VERIFIED,
                *sorted(MFA_MEMBERSHIP_ROLES),
                user.pk,
                Authenticator.Type.TOTP,
            ],
        )
        rows = cursor.fetchall()
    roles = getattr(user, "_deployment_roles", None)
    if roles is None:
        roles = {role for kind, role in rows if kind == 0}
        if user.is_superuser:
            roles.add(Role.ADMIN)
        user._deployment_roles = roles
    privileged_member = any(kind == 1 for kind, _role in rows)
    has_totp = any(kind == 2 for kind, _role in rows)
    needs_mfa = bool(user.is_staff or roles & MFA_DEPLOYMENT_ROLES or privileged_member)
    return needs_mfa, has_totp
