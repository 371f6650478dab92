"""Reads of flags and hits, already scoped to what the user may see (deny by default)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet

from samenveilig.accounts.roles import AnyUser
from samenveilig.flags import items, permissions
from samenveilig.flags.models import Flag, FlagHit, HitItemType

INBOX_LIMIT = 200


def flags_owned_by(user: AnyUser) -> QuerySet[Flag]:
    if not permissions.user_may_set_flags(user):
        return Flag.objects.none()
    return Flag.objects.filter(owner=user).select_related("category")


def owned_flag_or_none(user: AnyUser, pk: int) -> Flag | None:
    flag = Flag.objects.select_related("category").filter(pk=pk).first()
    if flag is None or not permissions.user_owns_flag(user, flag):
        return None
    return flag


@dataclass(frozen=True)
class Signal:
    """What a partner sees of a hit: the category and the owner's contact, nothing more."""

    category: str
    contact: str
    where: str = ""  # the door of a doorstep visit (the results page lists many)
    own: bool = False
    hit_ids: tuple[int, ...] = ()  # the hits behind the line (for the audit of who saw them)


def _item_scope(item: Any) -> tuple[str, list[int]] | None:
    from samenveilig.alerts.models import Alert
    from samenveilig.inquiries.models import CanvassVisit, Inquiry
    from samenveilig.reports.models import Report

    if isinstance(item, Report):
        return HitItemType.REPORT, [item.pk]
    if isinstance(item, Alert):
        return HitItemType.ALERT, [item.pk]
    if isinstance(item, CanvassVisit):
        return HitItemType.VISIT, [item.pk]
    if isinstance(item, Inquiry):
        return HitItemType.VISIT, list(
            CanvassVisit.objects.filter(inquiry=item).values_list("pk", flat=True)
        )
    return None


def item_type_of(item: Any) -> str:
    """``"report"``, ``"alert"`` or ``"visit"`` (an inquiry's visits); ``""`` for anything else."""
    scope = _item_scope(item)
    return str(scope[0]) if scope else ""


def signals_for(user: AnyUser, item: Any) -> list[Signal]:
    """The signals ``user`` sees on ``item``'s partner page (a report, an alert, an inquiry's
    results). The caller's page already checked that the user may open the item. Empty for
    everyone but partner users and flag owners, without asking the database for them."""
    if item is None or not user.is_authenticated or not permissions.partner_types(user):
        return []
    scope = _item_scope(item)
    if scope is None or not scope[1]:
        return []
    item_type, ids = scope
    hits = (
        FlagHit.objects.filter(item_type=item_type, item_id__in=ids)
        .select_related("flag__category")
        .order_by("created_at", "pk")
    )
    signals: list[Signal] = []
    doors: dict[int, str] = {}
    if item_type == HitItemType.VISIT:
        from samenveilig.inquiries.models import CanvassVisit

        for visit in CanvassVisit.objects.filter(pk__in=[h.item_id for h in hits]).select_related(
            "stop__address"
        ):
            address = visit.stop.address
            addition = f" {address.house_number_addition}" if address.house_number_addition else ""
            doors[visit.pk] = f"{address.street} {address.house_number}{addition}"
    seen: dict[tuple[int, str], int] = {}
    for hit in hits:
        if not permissions.user_may_see_hit(user, hit, item_checked=True):
            continue
        where = doors.get(hit.item_id, "")
        index = seen.get((hit.flag_id, where))
        if index is not None:
            signal = signals[index]
            signals[index] = replace(signal, hit_ids=(*signal.hit_ids, hit.pk))
            continue
        seen[(hit.flag_id, where)] = len(signals)
        signals.append(
            Signal(
                category=hit.flag.category.label,
                contact=hit.flag.owner_contact,
                where=where,
                own=permissions.user_owns_flag(user, hit.flag),
                hit_ids=(hit.pk,),
            )
        )
    return signals


@dataclass
class HitRow:
    hit: FlagHit
    signal: Signal
    item_label: str
    item_url: str
    buurt: str
    own: bool
    new: bool


def hits_inbox(user: AnyUser) -> list[HitRow]:
    """Hits of the user's own flags, and hits on items the user may open of flags shared with
    their partner types in their jurisdiction; newest first."""
    if not permissions.user_may_see_hits_page(user):
        return []
    jurisdictions = permissions.partner_jurisdictions(user)
    area_ids = set().union(*jurisdictions.values()) if jurisdictions else set()
    candidates = (
        FlagHit.objects.filter(flag__owner=user)
        | FlagHit.objects.filter(neighbourhood_id__in=area_ids, flag__ended_at__isnull=True)
    ).select_related("flag__category", "neighbourhood")
    rows: list[HitRow] = []
    for hit in candidates.order_by("-created_at", "-pk")[:INBOX_LIMIT]:
        row = _row(user, hit)
        if row is not None:
            rows.append(row)
    return rows


def hits_of_flag(user: AnyUser, flag: Flag) -> list[HitRow]:
    """Every hit of one of the user's own flags, newest first."""
    if not permissions.user_owns_flag(user, flag):
        return []
    hits = flag.hits.select_related("flag__category", "neighbourhood")
    rows = [_row(user, hit) for hit in hits.order_by("-created_at", "-pk")[:INBOX_LIMIT]]
    return [row for row in rows if row is not None]


def _row(user: AnyUser, hit: FlagHit) -> HitRow | None:
    own = permissions.user_owns_flag(user, hit.flag)
    if not own and not (hit.flag.is_active() and permissions.hit_in_jurisdiction(user, hit)):
        return None
    item = items.load(hit.item_type, hit.item_id)
    may_open = items.user_may_open(user, hit.item_type, item)
    if not own and not may_open:
        return None
    return HitRow(
        hit=hit,
        signal=Signal(
            category=hit.flag.category.label,
            contact=hit.flag.owner_contact,
            own=own,
            hit_ids=(hit.pk,),
        ),
        item_label=(
            items.label(hit.item_type, item) if may_open else str(hit.get_item_type_display())
        ),
        item_url=items.url(hit.item_type, item) if may_open else "",
        buurt=hit.neighbourhood.name if hit.neighbourhood else "",
        own=own,
        new=own and hit.owner_seen_at is None,
    )
