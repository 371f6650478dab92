"""Reads of reports, already scoped to what the user may see (deny by default).

The partner inbox is keyset-paginated on ``(submitted_at, id)``, newest first: a page costs the
same few queries however many reports exist (the jurisdiction walk, one page query with its
category, buurt and incident joined in), and equal timestamps never drop or repeat a row because
``id`` breaks the tie. The cursor is opaque to callers (``"<iso timestamp>~<id>"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from django.db import connection, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from samenveilig.areas.models import Area, AreaLevel
from samenveilig.reports import permissions
from samenveilig.reports.models import (
    OPEN_STATUSES,
    Category,
    Incident,
    Report,
    ReportStatus,
)
from samenveilig.reports.permissions import NOT_FOR_MEMBERS, NOT_FOR_PARTNERS
from samenveilig.reports.process_cache import ProcessCache

InboxView = Literal["new", "open", "overdue", "closed", "incidents"]
INBOX_VIEWS: tuple[str, ...] = ("new", "open", "overdue", "closed", "incidents")
MAX_PAGE = 200


# --- scopes --------------------------------------------------------------------------------------


def _partner_scope(user: permissions.AnyUser) -> Q | None:
    """Reports routed or forwarded to a partner role of the user, inside its jurisdiction."""
    scope: Q | None = None
    for role, area_ids in permissions.partner_jurisdictions(user).items():
        if not area_ids:
            continue
        part = (Q(partner=role) | Q(forwarded_to=role)) & Q(neighbourhood_id__in=area_ids)
        scope = part if scope is None else scope | part
    if scope is None:
        return None
    return scope & ~Q(status__in=NOT_FOR_PARTNERS)


def _member_scope(user: permissions.AnyUser) -> Q | None:
    area_ids = permissions.member_area_ids(user)
    if not area_ids:
        return None
    return Q(neighbourhood_id__in=area_ids) & ~Q(status__in=NOT_FOR_MEMBERS)


def reports_visible_to(user: permissions.AnyUser) -> QuerySet[Report]:
    """Every report the user may see in some form: their own, their jurisdiction's as a
    partner, and their communities' buurten as a verified member (the member's pages show
    only the fields members may see)."""
    if not user.is_authenticated:
        return Report.objects.none()
    scope = Q(reporter=user)
    for extra in (_partner_scope(user), _member_scope(user)):
        if extra is not None:
            scope |= extra
    return Report.objects.filter(scope)


def partner_reports(user: permissions.AnyUser) -> QuerySet[Report]:
    """Reports the user handles as police or municipality; empty for everyone else."""
    scope = _partner_scope(user)
    if scope is None:
        return Report.objects.none()
    return Report.objects.filter(scope)


def handled_report_or_none(user: permissions.AnyUser, reference: str) -> Report | None:
    """The report for the partner's page, or ``None`` (show a 404: existence is not revealed)."""
    return (
        partner_reports(user)
        .select_related("category", "neighbourhood", "address", "incident", "reporter")
        .filter(reference=reference)
        .first()
    )


# --- due dates -----------------------------------------------------------------------------------


def overdue_q(now: datetime) -> Q:
    """Open and past a target that has not been met yet."""
    return Q(status__in=OPEN_STATUSES) & (
        Q(acknowledged_at__isnull=True, acknowledge_due_at__lt=now)
        | Q(first_response_at__isnull=True, respond_due_at__lt=now)
        | Q(close_due_at__lt=now)
    )


@dataclass(frozen=True)
class DueState:
    """The next target the partner has to meet, and whether it has passed."""

    kind: str  # "acknowledge" / "respond" / "close" / "" (closed or no targets)
    due_at: datetime | None
    overdue: bool


def due_state(report: Report, now: datetime | None = None) -> DueState:
    now = now or timezone.now()
    if report.status not in OPEN_STATUSES:
        return DueState("", None, False)
    overdue = bool(report.close_due_at and report.close_due_at < now)
    if report.acknowledged_at is None and report.acknowledge_due_at:
        kind, due = "acknowledge", report.acknowledge_due_at
    elif report.first_response_at is None and report.respond_due_at:
        kind, due = "respond", report.respond_due_at
    else:
        kind, due = "close", report.close_due_at
    # A later pending target can already be past too (e.g. respond before acknowledge is met).
    if report.first_response_at is None and report.respond_due_at and report.respond_due_at < now:
        overdue = True
    return DueState(kind if due else "", due, overdue or bool(due and due < now))


# --- inbox ---------------------------------------------------------------------------------------


def encode_cursor(report_or_pair: Report | tuple[datetime, int]) -> str:
    if isinstance(report_or_pair, Report):
        at, pk = report_or_pair.submitted_at, report_or_pair.pk
    else:
        at, pk = report_or_pair
    return f"{at.isoformat()}~{pk}"


# What a cursor or a date filter may name (``valid_position``): every moment in this span converts
# to UTC without leaving what ``datetime`` holds (SQLite compares times as UTC text: year 1 at
# +14:00 or year 9999 at -14:00 raised OverflowError), a 90-day window around it too, and an id
# fits the 64-bit integer both databases store.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
MAX_ID = 2**63 - 1


def valid_position(at: datetime | None, pk: int) -> bool:
    """Whether ``(at, pk)`` can be a keyset position: an aware time in the span above, an id
    from 1 to ``MAX_ID``."""
    return at is not None and timezone.is_aware(at) and EARLIEST <= at < LATEST and 0 < pk <= MAX_ID


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position after which the next page starts; ``None`` for a missing or bad cursor."""
    if not cursor or "~" not in cursor:
        return None
    at_text, _sep, pk_text = cursor.rpartition("~")
    try:
        at = parse_datetime(at_text.replace(" ", "+"))
        pk = int(pk_text)
    except (TypeError, ValueError):
        return None
    if at is None or not valid_position(at, pk):
        return None
    return at, pk


@dataclass(frozen=True)
class IncidentGroup:
    incident: Incident
    open_count: int
    latest_submitted_at: datetime
    reports: list[Report] = field(default_factory=list)


@dataclass(frozen=True)
class InboxPage:
    view: str
    reports: list[Report]
    groups: list[IncidentGroup]
    next_cursor: str | None


def _inbox_filters(
    queryset: QuerySet[Report],
    *,
    category: Category | int | None,
    neighbourhood: Area | int | None,
) -> QuerySet[Report]:
    if category is not None:
        queryset = queryset.filter(category_id=getattr(category, "pk", category))
    if neighbourhood is not None:
        queryset = queryset.filter(neighbourhood_id=getattr(neighbourhood, "pk", neighbourhood))
    return queryset


# What an inbox row shows (``views_partner._InboxRows``) and ``due_state`` reads. Everything else
# stays unread: the description, the quality hints (JSON) and, through ``select_related``, the
# category's explanations and the buurt's boundary (GeoJSON, kilobytes per real CBS buurt), which
# Django would otherwise load and parse for every row of every page.
INBOX_ROW_FIELDS = (
    "id",
    "reference",
    "status",
    "forwarded_to",
    "quality_score",
    "submitted_at",
    "acknowledged_at",
    "first_response_at",
    "acknowledge_due_at",
    "respond_due_at",
    "close_due_at",
    "partner_news_at",
    "partner_seen_at",
    "category__id",
    "category__name_nl",
    "category__name_en",
    "neighbourhood__id",
    "neighbourhood__name",
    "incident__id",
    "incident__report_count",
)


def _inbox_rows(queryset: QuerySet[Report]) -> QuerySet[Report]:
    return queryset.select_related("category", "neighbourhood", "incident").only(*INBOX_ROW_FIELDS)


def partner_inbox(
    user: permissions.AnyUser,
    *,
    view: str = "new",
    category: Category | int | None = None,
    neighbourhood: Area | int | None = None,
    after: str | None = None,
    limit: int = 50,
) -> InboxPage:
    """One page of the partner's inbox, newest first.

    ``view``: ``new`` (not yet acknowledged, or forwarded to the user's side), ``open``,
    ``overdue`` (open and past a target that was not met: acknowledge, first response or
    close), ``closed``, or ``incidents`` (open reports grouped by incident, the most recently
    active incident first). ``after`` is the
    ``next_cursor`` of the previous page. A buurt outside the jurisdiction simply yields nothing.
    """
    if view not in INBOX_VIEWS:
        view = "new"
    limit = max(1, min(int(limit), MAX_PAGE))
    base = _inbox_filters(partner_reports(user), category=category, neighbourhood=neighbourhood)
    position = decode_cursor(after)
    if view == "incidents":
        return _incident_page(base, position=position, limit=limit)

    now = timezone.now()
    if view == "new":
        # Forwarded reports are new for the partner they were forwarded to.
        roles = list(permissions.partner_jurisdictions(user))
        base = base.filter(
            Q(status=ReportStatus.SUBMITTED)
            | Q(status=ReportStatus.FORWARDED, forwarded_to__in=roles)
        )
    elif view == "open":
        base = base.filter(status__in=OPEN_STATUSES)
    elif view == "overdue":
        base = base.filter(overdue_q(now))
    else:
        base = base.filter(status=ReportStatus.CLOSED)
    if position is not None:
        at, pk = position
        # The first condition bounds the index scan; the second is the tie-break on id.
        base = base.filter(Q(submitted_at__lte=at), Q(submitted_at__lt=at) | Q(id__lt=pk))
    rows = _ordered_page(_inbox_rows(base).order_by("-submitted_at", "-id")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    rows = rows[:limit]
    for report in rows:
        report.due = due_state(report, now)  # type: ignore[attr-defined]
    return InboxPage(view=view, reports=rows, groups=[], next_cursor=next_cursor)


def _ordered_page(page: QuerySet[Report]) -> list[Report]:
    """The rows of an inbox page, read along an index in ``(-submitted_at, -id)`` order.

    On PostgreSQL the planner is told not to use bitmap scans for this one query: it does not
    know that new and open reports are the recent ones, so it estimates that collecting every
    matching row (thousands at 1,000,000 reports) and sorting them is cheaper than walking the
    partial indexes ``reports_new_by_time`` / ``reports_new_by_buurt`` (or the time index) in
    order and stopping after a page, which is 10–25 times faster (docs/benchmarks.md, Reports).
    ``set_config(…, true)`` lasts until the end of the transaction, so the previous value is
    put back right after the query; outside a transaction the block below is one.
    """
    if connection.vendor != "postgresql":
        return list(page)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_bitmapscan'), "
            "set_config('enable_bitmapscan', 'off', true)"
        )
        (previous, _off) = cursor.fetchone()
        rows = list(page)
        # (After an error the transaction is rolled back, and the setting with it.)
        cursor.execute("SELECT set_config('enable_bitmapscan', %s, true)", [previous])
    return rows


def _incident_page(
    base: QuerySet[Report], *, position: tuple[datetime, int] | None, limit: int
) -> InboxPage:
    """Open reports grouped by incident: three queries per page (groups, incidents, reports)."""
    grouped = (
        base.filter(status__in=OPEN_STATUSES, incident__isnull=False)
        .values("incident_id")
        .annotate(open_count=Count("id"), latest=Max("submitted_at"))
    )
    if position is not None:
        at, pk = position
        grouped = grouped.filter(Q(latest__lt=at) | Q(latest=at, incident_id__lt=pk))
    rows = list(grouped.order_by("-latest", "-incident_id")[: limit + 1])
    next_cursor = (
        encode_cursor((rows[limit - 1]["latest"], rows[limit - 1]["incident_id"]))
        if len(rows) > limit
        else None
    )
    rows = rows[:limit]
    ids = [row["incident_id"] for row in rows]
    incidents = (
        Incident.objects.select_related("category", "neighbourhood")
        .defer("neighbourhood__geometry")
        .in_bulk(ids)
    )
    members: dict[int, list[Report]] = {pk: [] for pk in ids}
    now = timezone.now()
    for report in _inbox_rows(base.filter(status__in=OPEN_STATUSES, incident_id__in=ids)).order_by(
        "-submitted_at", "-id"
    ):
        report.due = due_state(report, now)  # type: ignore[attr-defined]
        members[report.incident_id].append(report)  # type: ignore[index]
    groups = [
        IncidentGroup(
            incident=incidents[row["incident_id"]],
            open_count=row["open_count"],
            latest_submitted_at=row["latest"],
            reports=members[row["incident_id"]],
        )
        for row in rows
        if row["incident_id"] in incidents
    ]
    return InboxPage(view="incidents", reports=[], groups=groups, next_cursor=next_cursor)


def overdue_count(user: permissions.AnyUser, now: datetime | None = None) -> int:
    return partner_reports(user).filter(overdue_q(now or timezone.now())).count()


def inbox_neighbourhoods(user: permissions.AnyUser) -> QuerySet[Area]:
    """Buurten inside the user's jurisdictions, for the inbox filter."""
    ids: set[int] = set()
    for area_ids in permissions.partner_jurisdictions(user).values():
        ids |= area_ids
    return Area.objects.filter(id__in=ids, level=AreaLevel.NEIGHBOURHOOD).order_by("name", "code")


def inbox_categories(user: permissions.AnyUser) -> QuerySet[Category]:
    """Active categories routed to one of the user's partner roles."""
    roles = [role for role, ids in permissions.partner_jurisdictions(user).items() if ids]
    if not roles:
        return Category.objects.none()
    return Category.objects.filter(is_active=True).order_by("sort_order", "code")


# The inbox filter's choices, per process for a second (``process_cache``): they are the same
# on every page of every partner with the same jurisdiction.
_buurt_choices: ProcessCache[list[tuple[int, str]]] = ProcessCache(
    "reports.selectors.buurt_choices", models=(Area,)
)
_category_choices: ProcessCache[list[tuple[int, str, str]]] = ProcessCache(
    "reports.selectors.category_choices", models=(Category,)
)


def inbox_neighbourhood_choices(user: permissions.AnyUser) -> list[tuple[int, str]]:
    """``(id, name)`` of ``inbox_neighbourhoods(user)``, in the same order."""
    ids: set[int] = set()
    for area_ids in permissions.partner_jurisdictions(user).values():
        ids |= area_ids
    if not ids:
        return []
    key = frozenset(ids)
    return _buurt_choices.get(
        key, lambda: list(inbox_neighbourhoods(user).values_list("id", "name"))
    )


def inbox_category_choices(user: permissions.AnyUser, language: str) -> list[tuple[int, str]]:
    """``(id, name in the language)`` of ``inbox_categories(user)``, in the same order."""
    if not any(permissions.partner_jurisdictions(user).values()):
        return []
    rows = _category_choices.get(
        None,
        lambda: list(
            Category.objects.filter(is_active=True)
            .order_by("sort_order", "code")
            .values_list("id", "name_nl", "name_en")
        ),
    )
    # As ``Category.name(language)`` (``category_name``) gives them.
    english = language == "en"
    return [(pk, name_en if english else name_nl) for pk, name_nl, name_en in rows]


# --- history, moderation, community --------------------------------------------------------------


def history_for_partner(report: Report) -> list:
    """Every event of the report, oldest first (partners see internal notes too)."""
    return list(report.events.select_related("actor").order_by("created_at", "id"))


def moderation_queue(user: permissions.AnyUser, *, limit: int = 100) -> QuerySet[Report]:
    """Reports waiting for a coordinator in buurten the user coordinates, oldest first."""
    area_ids = permissions.coordinated_area_ids(user)
    if not area_ids:
        return Report.objects.none()
    return (
        Report.objects.filter(status=ReportStatus.PENDING_MODERATION, neighbourhood_id__in=area_ids)
        .exclude(reporter_id=user.pk)
        .select_related("category", "neighbourhood")
        .order_by("submitted_at", "id")[:limit]
    )


def moderatable_report_or_none(user: permissions.AnyUser, reference: str) -> Report | None:
    area_ids = permissions.coordinated_area_ids(user)
    if not area_ids:
        return None
    return (
        Report.objects.filter(reference=reference, neighbourhood_id__in=area_ids)
        .exclude(reporter_id=user.pk)
        .select_related("category", "neighbourhood")
        .first()
    )


def community_reports(user: permissions.AnyUser, *, limit: int = 50) -> QuerySet[Report]:
    """Recent reports in the buurten of the user's communities, for verified members.

    Only the fields the members' list shows are loaded: never the reporter, text or location.
    """
    scope = _member_scope(user)
    if scope is None:
        return Report.objects.none()
    return (
        Report.objects.filter(scope)
        .select_related("category", "neighbourhood")
        .only(
            "id",
            "reference",
            "status",
            "outcome",
            "observed_at",
            "submitted_at",
            "neighbourhood__name",
            "category__name_nl",
            "category__name_en",
        )
        .order_by("-submitted_at", "-id")[:limit]
    )
