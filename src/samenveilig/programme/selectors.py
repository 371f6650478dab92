"""Reads of the community programme (PRG-1), scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from samenveilig.accounts.roles import AnyUser
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.communities.models import Community
from samenveilig.communities.selectors import coordinated_community_ids
from samenveilig.funds.selectors import municipality_community_ids
from samenveilig.programme.defaults import DEFAULT_CHECKLISTS
from samenveilig.programme.models import ChecklistItem, CommunityProgramme, Phase


@dataclass(frozen=True)
class Item:
    key: str
    text: str


def municipality_of(community: Community) -> Area | None:
    """The gemeente the community's (first) area lies in."""
    area = community.areas.order_by("pk").select_related("parent__parent").first()
    while area is not None and area.level != AreaLevel.MUNICIPALITY:
        area = area.parent
    return area


def custom_items(municipality: Area | None, phase: str) -> list[ChecklistItem]:
    if municipality is None:
        return []
    return list(
        ChecklistItem.objects.filter(
            municipality=municipality, phase=phase, is_active=True
        ).order_by("position", "pk")
    )


def checklist(municipality: Area | None, phase: str) -> list[Item]:
    """The municipality's own items for the phase, else the shipped defaults."""
    own = custom_items(municipality, phase)
    if own:
        return [Item(f"c{item.pk}", item.text) for item in own]
    return [Item(f"d-{phase}-{n}", str(text)) for n, text in enumerate(DEFAULT_CHECKLISTS[phase])]


def programme_of(community: Community) -> CommunityProgramme:
    """The community's programme, or an unsaved one at its start (nothing written on reading)."""
    existing = CommunityProgramme.objects.filter(community=community).first()
    return existing or CommunityProgramme(community=community, phase=Phase.RELATIONSHIP)


def ticked_keys(programme: CommunityProgramme, phase: str) -> set[str]:
    if programme.pk is None:
        return set()
    return set(programme.ticks.filter(phase=phase).values_list("item_key", flat=True))


def visible_communities(user: AnyUser) -> list[Community]:
    ids = coordinated_community_ids(user) | municipality_community_ids(user)
    return list(Community.objects.filter(pk__in=ids, is_active=True).order_by("name"))


@dataclass
class OverviewRow:
    community: Community
    programme: CommunityProgramme
    since: dt.datetime | None


def overview(user: AnyUser) -> list[OverviewRow]:
    """Every community the user may see with its phase or cycle step."""
    communities = visible_communities(user)
    programmes = {
        p.community_id: p for p in CommunityProgramme.objects.filter(community__in=communities)
    }
    rows = []
    for community in communities:
        programme = programmes.get(community.pk) or CommunityProgramme(community=community)
        rows.append(OverviewRow(community, programme, programme.stage_started_at))
    return rows


def monitor_figures(community: Community, *, today: dt.date | None = None) -> dict[str, Any]:
    """The monitor's figures for the community (last complete month against the one before), as
    plain values to quote in an evaluation. Figures from too few respondents are not shown."""
    from samenveilig.monitor.dashboard import build_dashboard, default_period
    from samenveilig.monitor.selectors_dashboard import community_scope

    today = today or timezone.localdate()
    period = default_period(today)
    board = build_dashboard(community_scope(community), period)
    survey = board.surveys.current
    unsafe = survey.feels_unsafe
    cohesion = survey.cohesion

    def share(value: Any) -> dict[str, Any]:
        return {
            "percent": None if value.percent is None else round(value.percent, 1),
            "n": value.denominator,
        }

    return {
        "period": period.key,
        "period_label": str(period.label),
        "respondents": survey.respondents,
        "feels_unsafe_percent": round(unsafe.percentage, 1) if unsafe.shown else None,
        "cohesion": round(cohesion.value, 1) if cohesion.shown else None,
        "incidents": board.incidents.current,
        "incidents_previous": board.incidents.previous,
        "followed_up": share(board.followed_up),
        "members": board.members.at_end,
        "active_members": board.members.active,
    }
