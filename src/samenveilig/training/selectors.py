"""Reads of the training app, already scoped: a member's own status and certificates, and the
certificates of a group's verified members for the people who manage the group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from samenveilig.communities.models import Community, Membership, MembershipStatus
from samenveilig.training.content import Module, modules
from samenveilig.training.models import Certificate, QuizAttempt

DEFAULT_REMINDER_DAYS = 30

VALID = "valid"
EXPIRING = "expiring"
EXPIRED = "expired"
NOT_TAKEN = "not_taken"


def reminder_window() -> timedelta:
    return timedelta(days=int(getattr(settings, "TRAINING_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)))


def certificate_state(certificate: Certificate | None, now: datetime | None = None) -> str:
    if certificate is None:
        return NOT_TAKEN
    now = now or timezone.now()
    if certificate.valid_until <= now:
        return EXPIRED
    if certificate.valid_until <= now + reminder_window():
        return EXPIRING
    return VALID


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    certificate: Certificate | None  # the one that lasts longest
    state: str
    last_attempt: QuizAttempt | None


def _latest_certificates(certificates: Any) -> dict[tuple[int, str], Certificate]:
    """Per (user, module) the certificate valid longest."""
    latest: dict[tuple[int, str], Certificate] = {}
    for certificate in certificates:
        key = (certificate.user_id, certificate.module)
        if key not in latest or certificate.valid_until > latest[key].valid_until:
            latest[key] = certificate
    return latest


def module_statuses(user: Any) -> list[ModuleStatus]:
    """Every module with the user's certificate (if any), its state and the last attempt."""
    now = timezone.now()
    latest = _latest_certificates(Certificate.objects.filter(user=user))
    attempts: dict[str, QuizAttempt] = {}
    for attempt in QuizAttempt.objects.filter(user=user).order_by("started_at", "pk"):
        attempts[attempt.module] = attempt
    statuses = []
    for module in modules():
        certificate = latest.get((user.pk, module.slug))
        statuses.append(
            ModuleStatus(
                module=module,
                certificate=certificate,
                state=certificate_state(certificate, now),
                last_attempt=attempts.get(module.slug),
            )
        )
    return statuses


def module_status(user: Any, module: Module) -> ModuleStatus:
    return next(status for status in module_statuses(user) if status.module.slug == module.slug)


def certificates_of(user: Any) -> QuerySet[Certificate]:
    """All of the user's certificates, newest first (renewals keep the older ones as history)."""
    return Certificate.objects.filter(user=user).order_by("-issued_at", "-pk")


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    cells: list[tuple[Module, Certificate | None, str]]


def member_certificates(community: Community) -> list[MemberRow]:
    """The group's verified members with, per module, their longest-valid certificate."""
    now = timezone.now()
    memberships = list(
        Membership.objects.filter(community=community, status=MembershipStatus.VERIFIED)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    latest = _latest_certificates(
        Certificate.objects.filter(user_id__in=[m.user_id for m in memberships])
    )
    all_modules = modules()
    rows = []
    for membership in memberships:
        cells = []
        for module in all_modules:
            certificate = latest.get((membership.user_id, module.slug))
            cells.append((module, certificate, certificate_state(certificate, now)))
        rows.append(MemberRow(membership=membership, cells=cells))
    return rows


def managed_communities(user: Any) -> QuerySet[Community]:
    """Active groups whose member certificates the user may see."""
    from samenveilig.communities.permissions import MANAGING_ROLES
    from samenveilig.training.permissions import user_can_see_member_certificates

    if not user.is_authenticated:
        return Community.objects.none()
    candidates = Community.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__status=MembershipStatus.VERIFIED,
        memberships__role__in=MANAGING_ROLES,
    ).distinct()
    allowed = [c.pk for c in candidates if user_can_see_member_certificates(user, c)]
    return Community.objects.filter(pk__in=allowed).order_by("name")
