"""Who sees which impact dashboard, and the scopes the figures are counted over (MON-3).

Deny by default:

- **Area dashboards** (a gemeente, wijk or buurt): police and municipality officers for areas in
  their jurisdiction (the granted area and everything inside it). An officer of municipality A
  never opens B's dashboard; a wijkagent sees their wijk and its buurten, not the whole gemeente.
- **Community dashboards**: the community's verified coordinators (or an investigation team's
  team lead), and police and municipality officers whose jurisdiction holds every area the
  community covers.
- Members, residents, admins and privacy officers without one of those roles are refused; they
  (and anyone without an account) see the **public page** of a municipality, which shows only the
  aggregate public figures (``public=True`` in ``views_dashboard``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from samenveilig.accounts.roles import AnyUser
from samenveilig.areas.models import Area, AreaLevel
from samenveilig.areas.selectors import area_and_ancestor_ids, area_ids_within
from samenveilig.communities.models import Community
from samenveilig.communities.permissions import is_community_manager
from samenveilig.reports.permissions import partner_jurisdictions

AREA = "area"
COMMUNITY = "community"


@dataclass(frozen=True)
class Scope:
    """What one dashboard counts: reports of ``neighbourhood_ids``, memberships of
    ``community_ids``, and the survey responses, alerts and inquiries matching the Q objects."""

    kind: str  # AREA or COMMUNITY
    name: str
    area: Area | None
    community: Community | None
    municipality: Area | None
    neighbourhood_ids: frozenset[int]
    community_ids: frozenset[int]
    survey_q: Q
    alert_q: Q
    inquiry_q: Q

    @property
    def level_label(self) -> str:
        if self.community is not None:
            return str(self.community.get_kind_display())
        return str(self.area.get_level_display()) if self.area else ""

    @property
    def slug(self) -> str:
        """For file names: the area code or the community's slug."""
        return self.area.code if self.area is not None else self.community.slug


def _neighbourhoods(area_ids: set[int]) -> frozenset[int]:
    return frozenset(
        Area.objects.filter(pk__in=area_ids, level=AreaLevel.NEIGHBOURHOOD).values_list(
            "pk", flat=True
        )
    )


def _municipality_of(area: Area | None) -> Area | None:
    current = area
    while current is not None and current.level != AreaLevel.MUNICIPALITY:
        current = current.parent
    return current


def area_scope(area: Area) -> Scope:
    within = area_ids_within({area.pk})
    neighbourhoods = _neighbourhoods(within)
    overlapping = within | area_and_ancestor_ids(area)
    communities = frozenset(
        Community.objects.filter(is_active=True, areas__id__in=overlapping)
        .values_list("pk", flat=True)
        .distinct()
    )
    if area.level == AreaLevel.MUNICIPALITY:
        survey_q = Q(municipality_id=area.pk)
        alert_q = Q(municipality_id=area.pk)
    else:
        # A round for this area (or a buurt in it), or a wider round (the gemeente, a community)
        # whose respondent said they live in one of its buurten.
        survey_q = Q(area_id__in=within) | Q(neighbourhood_id__in=neighbourhoods)
        alert_q = Q(centre_neighbourhood_id__in=neighbourhoods)
    return Scope(
        kind=AREA,
        name=area.name,
        area=area,
        community=None,
        municipality=_municipality_of(area),
        neighbourhood_ids=neighbourhoods,
        community_ids=communities,
        survey_q=survey_q,
        alert_q=alert_q,
        inquiry_q=Q(neighbourhood_id__in=neighbourhoods),
    )


def community_scope(community: Community) -> Scope:
    roots = list(community.areas.all())
    within = area_ids_within({a.pk for a in roots})
    neighbourhoods = _neighbourhoods(within)
    return Scope(
        kind=COMMUNITY,
        name=community.name,
        area=None,
        community=community,
        municipality=_municipality_of(roots[0]) if roots else None,
        neighbourhood_ids=neighbourhoods,
        community_ids=frozenset({community.pk}),
        survey_q=Q(community_id=community.pk),
        alert_q=Q(community_id=community.pk) | Q(centre_neighbourhood_id__in=neighbourhoods),
        inquiry_q=Q(community_id=community.pk),
    )


# --- permissions ---------------------------------------------------------------------------------


def partner_area_ids(user: AnyUser) -> set[int]:
    """Every area inside the user's police and municipality jurisdictions."""
    ids: set[int] = set()
    for area_ids in partner_jurisdictions(user).values():
        ids |= area_ids
    return ids


def user_can_view_area_dashboard(user: AnyUser, area: Area) -> bool:
    return user.is_authenticated and area.pk in partner_area_ids(user)


def user_can_view_community_dashboard(user: AnyUser, community: Community) -> bool:
    if not user.is_authenticated:
        return False
    if is_community_manager(user, community):
        return True
    areas = set(community.areas.values_list("pk", flat=True))
    return bool(areas) and areas <= partner_area_ids(user)


def user_has_dashboards(user: AnyUser) -> bool:
    return bool(partner_area_ids(user)) or bool(dashboard_communities(user))


def dashboard_areas(user: AnyUser) -> list[Area]:
    """The areas the user's grants name, then what lies inside them, by level and name."""
    ids = partner_area_ids(user)
    if not ids:
        return []
    order = {AreaLevel.MUNICIPALITY: 0, AreaLevel.DISTRICT: 1, AreaLevel.NEIGHBOURHOOD: 2}
    areas = Area.objects.filter(pk__in=ids).only("pk", "code", "name", "level", "parent_id")
    return sorted(areas, key=lambda a: (order.get(a.level, 3), a.name.lower(), a.code))


def dashboard_communities(user: AnyUser) -> list[Community]:
    """Communities whose dashboard the user may open, by name."""
    if not user.is_authenticated:
        return []
    found: dict[int, Community] = {}
    from samenveilig.communities.models import Membership, MembershipStatus

    for membership in Membership.objects.filter(
        user=user, status=MembershipStatus.VERIFIED, community__is_active=True
    ).select_related("community"):
        if is_community_manager(user, membership.community):
            found[membership.community_id] = membership.community
    jurisdiction = partner_area_ids(user)
    if jurisdiction:
        candidates = Community.objects.filter(is_active=True, areas__id__in=jurisdiction)
        for community in candidates.distinct().prefetch_related("areas"):
            areas = {a.pk for a in community.areas.all()}
            if areas and areas <= jurisdiction:
                found[community.pk] = community
    return sorted(found.values(), key=lambda c: (c.name.lower(), c.pk))


def municipality_for_public_page(code: str) -> Area | None:
    return Area.objects.filter(code=code, level=AreaLevel.MUNICIPALITY).first()


def public_municipalities() -> list[Area]:
    return list(Area.objects.filter(level=AreaLevel.MUNICIPALITY).order_by("name", "code"))
