"""Team health per community (TSK-4) and the drift check.

WhatsApp groups and neighbourhood-watch teams rarely stop on a given day: they fade. The figures
here make the fading visible early, to the coordinator and the municipality's liaison.

**Activity** is everything a verified member did for the community, counted per member with one
query per source (never one per member), each scoped to the community's verified members and,
where the item has a place, to the community's areas (and the buurten below them):

- ``tasks``: task claims closed in the community's tasks (anyone who closed one: the work);
- ``reports``: reports (meldingen) filed in the community's areas;
- ``alerts``: alerts the member raised for the community or in its areas;
- ``tips``: tips sent on an alert ("I saw something": the answer to an alert);
- ``canvass``: doors visited in a neighbourhood inquiry of the community or in its areas;
- ``training``: training quizzes completed (no place: the member is enough).

The figures: ``active_30`` / ``active_90`` (verified members with any activity in the last 30 /
90 days), ``activity_30`` / ``activity_earlier_60`` (items of every source), the per-source
breakdown ``by_source``; over closed task claims (the work): ``work_30`` / ``work_earlier_60``,
``top1_share`` / ``top2_share`` (the work resting on one or two shoulders),
``open_without_people``; coordinator load: ``coordinators``, ``coordinator_share`` of the last 30
days' work, ``proposals_waiting``, ``tasks_per_coordinator`` created in 90 days.

Drift (``drift_reasons``); the thresholds are settings (``TEAM_HEALTH_*``, defaults below):

- *activity falling*: the last 30 days saw fewer than half the activity per 30 days of the 60
  days before (days 31–90), and that earlier period had at least ``MIN_EARLIER_WORK`` items;
- *few active members*: in a community at least ``FEW_ACTIVE_MIN_AGE_DAYS`` old, fewer than
  max(``FEW_ACTIVE_MIN`` (3), ``FEW_ACTIVE_SHARE`` (10 %) of the verified members, rounded up)
  members were active in the last 30 days — capped at the number of members, so a small team in
  which everyone takes part is not told it has too few;
- *coordinator alone*: a single coordinator, and in the last 30 days either no other member was
  active while there was work, or the coordinator did at least 75 % of the closed tasks;
- *quiet*: a community at least ``QUIET_MIN_AGE_DAYS`` (8 weeks) old with no activity at all in
  the last ``QUIET_DAYS`` (6 weeks) — the group that never did anything, or stopped. It replaces
  the other reasons (they say the same thing) and is sent once per quiet stretch, not every week:
  after a quiet signal, the next one needs new activity first.

``check_drift`` runs weekly (``manage.py activities_team_health``): for each drifting community it
e-mails the coordinators and the municipality's liaison (municipality officers whose jurisdiction
holds the community's areas) at most once per ISO week (``DriftSignal`` is unique per week), with
the figures and what to do.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from samenveilig.accounts.models import Role, RoleGrant
from samenveilig.activities.models import (
    LIVE_CLAIM_STATUSES,
    ClaimStatus,
    DriftSignal,
    Task,
    TaskClaim,
    TaskStatus,
)
from samenveilig.alerts.models import Alert
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import Community, Membership, MembershipStatus
from samenveilig.communities.permissions import MANAGING_ROLES
from samenveilig.inquiries.models import CanvassVisit
from samenveilig.reports.models import Report, ReportSource
from samenveilig.training.models import QuizAttempt

logger = structlog.get_logger(__name__)

# Defaults; each can be overridden in settings as TEAM_HEALTH_<NAME>
# (e.g. TEAM_HEALTH_FEW_ACTIVE_MIN = 5).
MIN_EARLIER_WORK = 4
FALLING_RATIO = 0.5
ALONE_SHARE = 0.75
FEW_ACTIVE_MIN = 3
FEW_ACTIVE_SHARE = 0.10
# A new community first needs a full 30-day window before "few active" can be judged.
FEW_ACTIVE_MIN_AGE_DAYS = 30
QUIET_DAYS = 42
QUIET_MIN_AGE_DAYS = 56

ACTIVITY_FALLING = "activity_falling"
FEW_ACTIVE = "few_active"
COORDINATOR_ALONE = "coordinator_alone"
QUIET = "quiet"

SOURCE_TASKS = "tasks"
SOURCE_REPORTS = "reports"
SOURCE_ALERTS = "alerts"
SOURCE_TIPS = "tips"
SOURCE_CANVASS = "canvass"
SOURCE_TRAINING = "training"
SOURCES = (
    SOURCE_TASKS,
    SOURCE_REPORTS,
    SOURCE_ALERTS,
    SOURCE_TIPS,
    SOURCE_CANVASS,
    SOURCE_TRAINING,
)
SOURCE_LABELS = {
    SOURCE_TASKS: gettext_lazy("Tasks done"),
    SOURCE_REPORTS: gettext_lazy("Reports filed"),
    SOURCE_ALERTS: gettext_lazy("Alerts raised"),
    SOURCE_TIPS: gettext_lazy("Tips sent on alerts"),
    SOURCE_CANVASS: gettext_lazy("Doors visited in a neighbourhood inquiry"),
    SOURCE_TRAINING: gettext_lazy("Training quizzes completed"),
}


def setting(name: str) -> Any:
    """A threshold: ``settings.TEAM_HEALTH_<NAME>`` when set, else the default in this module."""
    return getattr(settings, f"TEAM_HEALTH_{name}", globals()[name])


@dataclass(frozen=True)
class SourceActivity:
    source: str
    items_30: int
    items_90: int
    people_30: int
    people_90: int


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
    activity_30: int = 0
    activity_earlier_60: int = 0
    activity_quiet_window: int = 0
    few_active_needed: int = 0
    age_days: int = 0
    by_source: tuple[SourceActivity, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 2) if whole else 0.0


def few_active_needed(members: int) -> int:
    """How many members must have been active in 30 days: max(3, 10 % rounded up), but never
    more than there are members."""
    wanted = max(int(setting("FEW_ACTIVE_MIN")), math.ceil(members * setting("FEW_ACTIVE_SHARE")))
    return min(members, wanted)


def _source_rows(
    community: Community, member_ids: QuerySet[Any], area_ids: set[int]
) -> dict[str, tuple[QuerySet[Any], str, str]]:
    """Per source: the rows that count, the field naming the person and the field with the time.

    ``member_ids`` is a subquery (the verified memberships), so each source is one query however
    large the community is.
    """
    reports = Report.objects.filter(reporter_id__in=member_ids, neighbourhood_id__in=area_ids)
    return {
        # The community's own tasks: every closed claim is work done for it.
        SOURCE_TASKS: (
            TaskClaim.objects.filter(task__community=community, status=ClaimStatus.CLOSED),
            "user_id",
            "closed_at",
        ),
        SOURCE_REPORTS: (
            reports.exclude(source=ReportSource.ALERT_TIP),
            "reporter_id",
            "submitted_at",
        ),
        SOURCE_ALERTS: (
            Alert.objects.filter(created_by_id__in=member_ids).filter(
                Q(community=community) | Q(centre_neighbourhood_id__in=area_ids)
            ),
            "created_by_id",
            "created_at",
        ),
        SOURCE_TIPS: (
            reports.filter(source=ReportSource.ALERT_TIP),
            "reporter_id",
            "submitted_at",
        ),
        SOURCE_CANVASS: (
            CanvassVisit.objects.filter(visited_by_id__in=member_ids).filter(
                Q(inquiry__community=community) | Q(inquiry__neighbourhood_id__in=area_ids)
            ),
            "visited_by_id",
            "visited_at",
        ),
        SOURCE_TRAINING: (
            QuizAttempt.objects.filter(user_id__in=member_ids, submitted_at__isnull=False),
            "user_id",
            "submitted_at",
        ),
    }


def _scope(community: Community) -> tuple[QuerySet[Any], set[int]]:
    member_ids = Membership.objects.filter(
        community=community, status=MembershipStatus.VERIFIED
    ).values("user_id")
    area_ids = area_ids_within(community.areas.values_list("pk", flat=True))
    return member_ids, area_ids


def activity_rows(
    community: Community, now: datetime, days: int = 90
) -> dict[str, list[tuple[int | None, datetime]]]:
    """Per source, ``(person, when)`` of every item in the last ``days`` days (one query each)."""
    member_ids, area_ids = _scope(community)
    since = now - timedelta(days=days)
    rows: dict[str, list[tuple[int | None, datetime]]] = {}
    for source, (queryset, who, when) in _source_rows(community, member_ids, area_ids).items():
        rows[source] = list(
            queryset.filter(**{f"{when}__gt": since, f"{when}__lte": now}).values_list(who, when)
        )
    return rows


def last_activity_at(community: Community, now: datetime) -> datetime | None:
    """The time of the community's latest activity of any source, at or before ``now``."""
    member_ids, area_ids = _scope(community)
    latest: list[datetime] = []
    for queryset, _who, when in _source_rows(community, member_ids, area_ids).values():
        value = queryset.filter(**{f"{when}__lte": now}).aggregate(latest=Max(when))["latest"]
        if value is not None:
            latest.append(value)
    return max(latest, default=None)


def _people(rows: Iterable[tuple[int | None, datetime]], members: set[int]) -> set[int]:
    return {user for user, _at in rows if user is not None and user in members}


def team_health(community: Community, now: datetime | None = None) -> TeamHealth:
    now = now or timezone.now()
    day30, day90 = now - timedelta(days=30), now - timedelta(days=90)
    quiet_since = now - timedelta(days=int(setting("QUIET_DAYS")))
    memberships = Membership.objects.filter(community=community, status=MembershipStatus.VERIFIED)
    roles = list(memberships.values_list("user_id", "role"))
    member_ids = {user for user, _role in roles}
    coordinator_ids = {user for user, role in roles if role in MANAGING_ROLES}
    rows = activity_rows(community, now, days=max(90, int(setting("QUIET_DAYS"))))
    by_source = []
    active_30: set[int] = set()
    active_90: set[int] = set()
    activity_30 = activity_90 = quiet_window = 0
    for source in SOURCES:
        in_90 = [(user, at) for user, at in rows[source] if at > day90]
        in_30 = [(user, at) for user, at in in_90 if at > day30]
        people_30, people_90 = _people(in_30, member_ids), _people(in_90, member_ids)
        active_30 |= people_30
        active_90 |= people_90
        activity_30 += len(in_30)
        activity_90 += len(in_90)
        quiet_window += sum(1 for _user, at in rows[source] if at > quiet_since)
        by_source.append(
            SourceActivity(
                source=source,
                items_30=len(in_30),
                items_90=len(in_90),
                people_30=len(people_30),
                people_90=len(people_90),
            )
        )
    closed = [(user, at) for user, at in rows[SOURCE_TASKS] if at > day90]
    recent = [user for user, at in closed if at > day30]
    per_person = Counter(user for user, _at in closed)
    ranked = [count for _user, count in per_person.most_common(2)]
    work_90 = len(closed)
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
        active_90=len(active_90),
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
        activity_30=activity_30,
        activity_earlier_60=activity_90 - activity_30,
        activity_quiet_window=quiet_window,
        few_active_needed=few_active_needed(len(member_ids)),
        age_days=max(0, (now - community.created_at).days),
        by_source=tuple(by_source),
    )


def drift_reasons(health: TeamHealth) -> list[str]:
    if health.age_days >= int(setting("QUIET_MIN_AGE_DAYS")) and health.activity_quiet_window == 0:
        # Nothing at all for weeks: one clear message instead of three that say the same.
        return [QUIET]
    reasons = []
    earlier_per_30 = health.activity_earlier_60 / 2
    if (
        health.activity_earlier_60 >= int(setting("MIN_EARLIER_WORK"))
        and health.activity_30 < float(setting("FALLING_RATIO")) * earlier_per_30
    ):
        reasons.append(ACTIVITY_FALLING)
    if (
        health.age_days >= int(setting("FEW_ACTIVE_MIN_AGE_DAYS"))
        and health.active_30 < health.few_active_needed
    ):
        reasons.append(FEW_ACTIVE)
    if health.coordinators == 1:
        had_work = health.work_30 > 0 or health.open_without_people > 0
        nobody_else = health.others_active_30 == 0 and had_work
        carries_it = health.work_30 >= 2 and health.coordinator_share >= float(
            setting("ALONE_SHARE")
        )
        if nobody_else or carries_it:
            reasons.append(COORDINATOR_ALONE)
    return reasons


def reason_label(reason: str) -> str:
    return {
        ACTIVITY_FALLING: _("Activity is falling"),
        FEW_ACTIVE: _("Few members are active"),
        COORDINATOR_ALONE: _("The coordinator is doing it alone"),
        QUIET: _("Nothing has happened for weeks"),
    }.get(reason, reason)


def reason_advice(reason: str) -> list[str]:
    """Concrete next steps for a reason, for the e-mail and the page."""
    advice = {
        ACTIVITY_FALLING: [
            _(
                "Plan a walk (schouw) or patrol in the next two weeks and invite everyone "
                "personally."
            ),
            _("Ask members what keeps them from taking part; cut big jobs into small tasks."),
        ],
        FEW_ACTIVE: [
            _("Ask each member personally to pick one small task this month."),
            _(
                "Ask the municipality liaison for support, e.g. a neighbourhood meeting or "
                "flyers to recruit."
            ),
        ],
        COORDINATOR_ALONE: [
            _("Find a second coordinator: ask an active member to share the work."),
            _("Let members propose and lead tasks instead of doing everything yourself."),
        ],
        QUIET: [
            _("Plan one walk with the group and the neighbourhood police officer to start again."),
            _("Ask the municipality liaison for support to restart the group."),
            _("If the group is no longer needed, say so to its members and the municipality."),
        ],
    }
    return advice.get(reason, [])


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
        "needed": health.few_active_needed,
        "activity_30": health.activity_30,
        "activity_earlier": health.activity_earlier_60,
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
            "Members: %(members)d; active in the last 30 days: %(active_30)d (at least "
            "%(needed)d wanted), in 90 days: %(active_90)d."
        ),
        _(
            "Activity in the last 30 days: %(activity_30)d; in the 60 days before: "
            "%(activity_earlier)d."
        ),
        _("Tasks done in the last 30 days: %(work_30)d; in the 60 days before: %(work_earlier)d."),
        _("Share of the work by the most active person: %(top1)d%%; by the top two: %(top2)d%%."),
        _("Open tasks nobody has claimed: %(open)d."),
        _(
            "Coordinators: %(coordinators)d; their share of the last 30 days' work: "
            "%(coordinator_share)d%%."
        ),
    ]
    texts = [line % values for line in lines]
    texts += [
        _("%(source)s in the last 30 days: %(items)d, by %(people)d members.")
        % {"source": SOURCE_LABELS[item.source], "items": item.items_30, "people": item.people_30}
        for item in health.by_source
    ]
    return "\n".join("- " + text for text in texts)


def _signal_text(community: Community, health: TeamHealth, reasons: list[str], link: str) -> str:
    parts = [
        _("Hello,"),
        "",
        _("The weekly check of %(community)s found:") % {"community": community.name},
    ]
    for reason in reasons:
        parts.append("- " + str(reason_label(reason)))
    parts += ["", _("What you can do:")]
    for reason in reasons:
        parts += ["- " + str(step) for step in reason_advice(reason)]
    parts += [
        "",
        _("The figures:"),
        _figures_text(health),
        "",
        _("More on the team-health page:\n%(link)s") % {"link": link},
        "",
        _("You receive this as coordinator of the community or as its municipality liaison."),
        "",
        "Samen Veilig",
    ]
    return "\n".join(parts)


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
            body = _signal_text(community, health, reasons, link)
        sent += send_mail(subject, body, None, [user.email])
    return sent


def iso_week(now: datetime) -> str:
    year, week, _day = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def _quiet_already_signalled(community: Community, now: datetime) -> bool:
    """A quiet community is told once per quiet stretch: not again while no activity came after
    the last quiet signal."""
    since = last_activity_at(community, now)
    signals = DriftSignal.objects.filter(community=community)
    if since is not None:
        signals = signals.filter(created_at__gt=since)
    # JSON "contains" is not portable to SQLite: the few signals are read and checked here.
    return any(QUIET in reasons for reasons in signals.values_list("reasons", flat=True))


def check_drift(now: datetime | None = None) -> int:
    """Signal every drifting active community at most once per ISO week (a quiet one once per
    quiet stretch); returns the signals made."""
    now = now or timezone.now()
    week = iso_week(now)
    made = 0
    for community in Community.objects.filter(is_active=True).order_by("pk"):
        health = team_health(community, now)
        reasons = drift_reasons(health)
        if reasons == [QUIET] and _quiet_already_signalled(community, now):
            continue
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
        # created_at is the check's own time (the same as the clock in a normal run), so the
        # quiet stretch compares it with activity times on one time line even when a check runs
        # for a given moment (a catch-up run, the tests).
        DriftSignal.objects.filter(pk=signal.pk).update(recipients=sent, created_at=now)
        made += 1
    return made
