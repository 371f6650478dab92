"""Who may do what with community tasks (TSK-1 … TSK-4). Deny by default.

- Verified members of a community see its tasks and projects, claim, withdraw, check in and
  close their own claims, and propose tasks (a coordinator approves them).
- The community's coordinators (team leads in investigation teams) create, edit, approve, reject
  and cancel tasks and projects, and see the team-health page.
- Municipality officers whose jurisdiction holds every area of the community (the liaison) see
  its tasks, projects and team health, read-only.
- A member's contributions page, certificate and calendar feed are their own only.
"""

from __future__ import annotations

from samenveilig.accounts.roles import AnyUser
from samenveilig.activities.models import Project, Task, TaskStatus
from samenveilig.communities.models import Community
from samenveilig.communities.permissions import is_community_manager, is_verified_member
from samenveilig.funds.permissions import is_municipality_for


def _active(user: AnyUser) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def user_can_view_tasks(user: AnyUser, community: Community) -> bool:
    return _active(user) and (
        is_verified_member(user, community)
        or is_community_manager(user, community)
        or is_municipality_for(user, community)
    )


def user_can_view_task(user: AnyUser, task: Task) -> bool:
    if not user_can_view_tasks(user, task.community):
        return False
    if task.status in (TaskStatus.PROPOSED, TaskStatus.REJECTED):
        # A proposal is seen by its proposer and whoever decides on it.
        return task.proposed_by_id == user.pk or user_can_manage_tasks(user, task.community)
    return True


def user_can_manage_tasks(user: AnyUser, community: Community) -> bool:
    return _active(user) and community.is_active and is_community_manager(user, community)


def user_can_propose_task(user: AnyUser, community: Community) -> bool:
    return _active(user) and community.is_active and is_verified_member(user, community)


def user_can_take_part(user: AnyUser, task: Task) -> bool:
    """Claim, withdraw, check in, close: verified members of an active community."""
    return _active(user) and task.community.is_active and is_verified_member(user, task.community)


def user_can_view_project(user: AnyUser, project: Project) -> bool:
    return user_can_view_tasks(user, project.community)


def user_can_see_team_health(user: AnyUser, community: Community) -> bool:
    return _active(user) and (
        is_community_manager(user, community) or is_municipality_for(user, community)
    )


def user_has_contributions(user: AnyUser) -> bool:
    """The own contributions page, certificate and calendar: any active account."""
    return _active(user)
