"""Team health per community (TSK-4) and the drift check.

The figures, over closed task claims (the work members actually did) and the community's verified
memberships:

- ``active_30`` / ``active_90``: verified members who closed at least one task in the last 30 / 90
  days, out of ``members``;
- ``top1_share`` / ``top2_share``: the share of the last 90 days' closed claims done by the one and
  the two most active people (high: the work rests on one or two shoulders);
- ``open_without_people``: open tasks not yet over that nobody has claimed;
- coordinator load: ``coordinators`` (verified), ``coordinator_share`` of the last 30 days' work
  done by coordinators, ``proposals_waiting``, and ``tasks_per_coordinator`` created in 90 days.

Drift (``drift_reasons``):

- *activity falling*: the last 30 days saw fewer than half the claims closed per 30 days in the 60
  days before (days 31–90), and that earlier period had at least ``MIN_EARLIER_WORK`` closed;
- *coordinator alone*: a single coordinator, and in the last 30 days either nobody but the
  coordinator closed a task while there was work, or the coordinator did at least 75% of it.

``check_drift`` runs weekly (``manage.py activities_team_health``): for each drifting community it
e-mails the coordinators and the municipality's liaison (municipality officers whose jurisdiction
holds the community's areas) once per ISO week, with the figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.accounts.models import Role, RoleGrant
from samenveilig.activities.models import (
    LIVE_CLAIM_STATUSES,
    ClaimStatus,
    DriftSignal,
    Task,
    TaskClaim,
    TaskStatus,
)
from samenveilig.communities.models import Community, Membership, MembershipStatus
from samenveilig.communities.permissions import MANAGING_ROLES

logger = structlog.get_logger(__name__)

MIN_EARLIER_WORK = 4
FALLING_RATIO = 0.5
ALONE_SHARE = 0.75

ACTIVITY_FALLING = "activity_falling"
COORDINATOR_ALONE = "coordinator_alone"


@dataclass(frozen=True)
class TeamHealth:
    members: int
    active_30: int
    active_90: int
    work_30: int
    work_earlier_60: int
    work_90: int
    top1_share: float
    top2_share: float
    open_without_people: int
    coordinators: int
    coordinator_share: float
    coordinator_active_30: bool
    others_active_30: int
    proposals_waiting: int
    tasks_per_coordinator: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 2) if whole else 0.0


def team_health(community: Community, now: datetime | None = None) -> TeamHealth:
    now = now or timezone.now()
    day30, day90 = now - timedelta(days=30), now - timedelta(days=90)
    memberships = Membership.objects.filter(community=community, status=MembershipStatus.VERIFIED)
    member_ids = set(memberships.values_list("user_id", flat=True))
    coordinator_ids = set(
        memberships.filter(role__in=MANAGING_ROLES).values_list("user_id", flat=True)
    )
    closed = list(
        TaskClaim.objects.filter(
            task__community=community,
            status=ClaimStatus.CLOSED,
            closed_at__gt=day90,
            closed_at__lte=now,
        ).values_list("user_id", "closed_at")
    )
    recent = [user for user, at in closed if at > day30]
    per_person = Counter(user for user, _at in closed)
    ranked = [count for _user, count in per_person.most_common(2)]
    work_90 = len(closed)
    active_30 = {user for user in recent if user in member_ids}
    open_without = (
        Task.objects.filter(community=community, status=TaskStatus.OPEN)
        .filter(Q(ends_at__gt=now) | Q(ends_at__isnull=True, due_at__gt=now))
        .exclude(claims__status__in=LIVE_CLAIM_STATUSES)
        .count()
    )
    created_90 = Task.objects.filter(
        community=community, created_at__gt=day90, created_by_id__in=coordinator_ids
    ).count()
    return TeamHealth(
        members=len(member_ids),
        active_30=len(active_30),
        active_90=len({user for user in per_person if user in member_ids}),
        work_30=len(recent),
        work_earlier_60=work_90 - len(recent),
        work_90=work_90,
        top1_share=_share(sum(ranked[:1]), work_90),
        top2_share=_share(sum(ranked[:2]), work_90),
        open_without_people=open_without,
        coordinators=len(coordinator_ids),
        coordinator_share=_share(sum(1 for u in recent if u in coordinator_ids), len(recent)),
        coordinator_active_30=bool(active_30 & coordinator_ids),
        others_active_30=len(active_30 - coordinator_ids),
        proposals_waiting=Task.objects.filter(
            community=community, status=TaskStatus.PROPOSED
        ).count(),
        tasks_per_coordinator=round(created_90 / len(coordinator_ids), 1)
        if coordinator_ids
        else 0.0,
    )


def drift_reasons(health: TeamHealth) -> list[str]:
    reasons = []
    earlier_per_30 = health.work_earlier_60 / 2
    if (
        health.work_earlier_60 >= MIN_EARLIER_WORK
        and health.work_30 < FALLING_RATIO * earlier_per_30
    ):
        reasons.append(ACTIVITY_FALLING)
    if health.coordinators == 1:
        had_work = health.work_30 > 0 or health.open_without_people > 0
        nobody_else = health.others_active_30 == 0 and had_work
        carries_it = health.work_30 >= 2 and health.coordinator_share >= ALONE_SHARE
        if nobody_else or carries_it:
            reasons.append(COORDINATOR_ALONE)
    return reasons


def reason_label(reason: str) -> str:
    return {
        ACTIVITY_FALLING: _("Activity is falling"),
        COORDINATOR_ALONE: _("The coordinator is doing it alone"),
    }.get(reason, reason)


def liaisons_of(community: Community) -> list[Any]:
    """Municipality officers whose jurisdiction holds every area of the community."""
    from samenveilig.funds.permissions import is_municipality_for

    candidates = (
        RoleGrant.objects.filter(role=Role.MUNICIPALITY, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    seen: dict[int, Any] = {}
    for grant in candidates:
        if grant.user_id not in seen and is_municipality_for(grant.user, community):
            seen[grant.user_id] = grant.user
    return list(seen.values())


def _figures_text(health: TeamHealth) -> str:
    values = {
        "members": health.members,
        "active_30": health.active_30,
        "active_90": health.active_90,
        "work_30": health.work_30,
        "work_earlier": health.work_earlier_60,
        "top1": round(health.top1_share * 100),
        "top2": round(health.top2_share * 100),
        "open": health.open_without_people,
        "coordinators": health.coordinators,
        "coordinator_share": round(health.coordinator_share * 100),
    }
    lines = [
        _(
            "Members: %(members)d; active in the last 30 days: %(active_30)d, in 90 days: "
            "%(active_90)d."
        ),
        _("Tasks done in the last 30 days: %(work_30)d; in the 60 days before: %(work_earlier)d."),
        _("Share of the work by the most active person: %(top1)d%%; by the top two: %(top2)d%%."),
        _("Open tasks nobody has claimed: %(open)d."),
        _(
            "Coordinators: %(coordinators)d; their share of the last 30 days' work: "
            "%(coordinator_share)d%%."
        ),
    ]
    return "\n".join("- " + line % values for line in lines)


def _send_signal(community: Community, health: TeamHealth, reasons: list[str]) -> int:
    recipients: dict[int, Any] = {}
    for membership in Membership.objects.filter(
        community=community, status=MembershipStatus.VERIFIED, role__in=MANAGING_ROLES
    ).select_related("user"):
        recipients[membership.user_id] = membership.user
    for user in liaisons_of(community):
        recipients[user.pk] = user
    link = getattr(settings, "SITE_URL", "").rstrip("/") + reverse(
        "activities:health", args=[community.slug]
    )
    sent = 0
    for user in recipients.values():
        if not user.is_active or not user.email:
            continue
        with override(user.language or settings.LANGUAGE_CODE):
            subject = _("Team health of %(community)s: attention needed") % {
                "community": community.name
            }
            body = (
                _("Hello,")
                + "\n\n"
                + _("The weekly check of %(community)s found:") % {"community": community.name}
                + "\n"
                + "\n".join("- " + str(reason_label(r)) for r in reasons)
                + "\n\n"
                + _("The figures:")
                + "\n"
                + _figures_text(health)
                + "\n\n"
                + _("More on the team-health page:\n%(link)s") % {"link": link}
                + "\n\nSamen Veilig"
            )
        sent += send_mail(subject, body, None, [user.email])
    return sent


def iso_week(now: datetime) -> str:
    year, week, _day = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def check_drift(now: datetime | None = None) -> int:
    """Signal every drifting active community once per ISO week; returns the signals made."""
    now = now or timezone.now()
    week = iso_week(now)
    made = 0
    for community in Community.objects.filter(is_active=True).order_by("pk"):
        health = team_health(community, now)
        reasons = drift_reasons(health)
        if not reasons:
            continue
        try:
            with transaction.atomic():
                signal = DriftSignal.objects.create(
                    community=community, week=week, reasons=reasons, figures=health.as_dict()
                )
        except IntegrityError:
            continue  # already signalled this week
        try:
            sent = _send_signal(community, health, reasons)
        except Exception:
            DriftSignal.objects.filter(pk=signal.pk).delete()
            logger.warning("tasks.drift_signal_failed", community_id=community.pk)
            continue
        DriftSignal.objects.filter(pk=signal.pk).update(recipients=sent)
        made += 1
    return made
