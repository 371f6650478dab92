"""Who may do what with questionnaires. Deny by default.

- Administrators and the municipality manage the versions for the whole deployment.
- A coordinator of an active community may upload a version of a community form
  (``COMMUNITY_FORM_IDS``) for that community; it becomes the community's active version (INQ-4,
  decision record 0016). They see the deployment's versions and their own communities'.
- Answers are case content (inquiry visits): they are exported only by those who run the
  inquiries they belong to — a community's coordinators, scoped in ``selectors`` to their
  communities' inquiries. Administrators and the municipality do not see case content here.
"""

from __future__ import annotations

from django.db.models import QuerySet

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role
from samenveilig.communities.models import Community, MembershipRole, MembershipStatus

# Forms whose users look for a community's own version: the standard inquiry questionnaire
# (inquiries.services.standard_questionnaire). Other forms (the monitor surveys) are the same for
# everyone, so a community version of them would never be used.
COMMUNITY_FORM_IDS = frozenset({"buurtonderzoek"})


def _authenticated(user: AnyUser) -> bool:
    return bool(user and user.is_authenticated)


def manages_deployment_forms(user: AnyUser) -> bool:
    return _authenticated(user) and (
        has_role(user, Role.ADMIN) or has_role(user, Role.MUNICIPALITY)
    )


def user_can_upload_questionnaire(user: AnyUser) -> bool:
    """A version for the whole deployment."""
    return manages_deployment_forms(user)


def coordinated_communities(user: AnyUser) -> QuerySet[Community]:
    if not _authenticated(user):
        return Community.objects.none()
    return Community.objects.filter(
        is_active=True,
        memberships__user=user,
        memberships__status=MembershipStatus.VERIFIED,
        memberships__role=MembershipRole.COORDINATOR,
    ).distinct()


def user_can_upload_for_community(user: AnyUser, community: Community) -> bool:
    return coordinated_communities(user).filter(pk=community.pk).exists()


def user_can_view_questionnaires(user: AnyUser) -> bool:
    return manages_deployment_forms(user) or coordinated_communities(user).exists()


def user_can_view_questionnaire(user: AnyUser, questionnaire) -> bool:  # noqa: ANN001
    if manages_deployment_forms(user):
        return True
    communities = coordinated_communities(user)
    if not communities.exists():
        return False
    return (
        questionnaire.community_id is None
        or communities.filter(pk=questionnaire.community_id).exists()
    )


def user_can_export_answers(user: AnyUser, questionnaire) -> bool:  # noqa: ANN001
    """Coordinators, for the answer sets of their own communities' inquiries."""
    return coordinated_communities(user).exists() and user_can_view_questionnaire(
        user, questionnaire
    )
