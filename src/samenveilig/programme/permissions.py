"""Who may see and run a community's programme (PRG-1). Deny by default.

- The community's coordinators (team leads in investigation teams) tick items, complete phases
  and steps and record evaluations.
- Municipality officers whose jurisdiction holds every area of the community see its programme.
- A municipality officer granted the municipality (gemeente) itself edits its checklists.
- Members, police and everyone else are refused.
"""

from __future__ import annotations

from samenveilig.accounts.models import Role, RoleGrant
from samenveilig.accounts.roles import AnyUser
from samenveilig.areas.models import Area
from samenveilig.communities.models import Community
from samenveilig.communities.permissions import is_community_manager
from samenveilig.funds.permissions import is_municipality_for


def user_can_run_programme(user: AnyUser, community: Community) -> bool:
    return community.is_active and is_community_manager(user, community)


def user_can_view_programme(user: AnyUser, community: Community) -> bool:
    return is_community_manager(user, community) or is_municipality_for(user, community)


def editable_municipality_ids(user: AnyUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        RoleGrant.objects.filter(
            user=user, role=Role.MUNICIPALITY, area__level="municipality"
        ).values_list("area_id", flat=True)
    )


def user_can_edit_checklists(user: AnyUser, municipality: Area) -> bool:
    return municipality.pk in editable_municipality_ids(user)
