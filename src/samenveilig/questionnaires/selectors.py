"""Every read on questionnaires, already scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from samenveilig.accounts.roles import AnyUser
from samenveilig.communities.models import Community
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.questionnaires.permissions import (
    coordinated_communities,
    manages_deployment_forms,
)


def questionnaires_visible_to(user: AnyUser) -> QuerySet[Questionnaire]:
    """Administrators and the municipality: every version. Coordinators: the deployment's
    versions and their communities'. Everyone else: none."""
    base = Questionnaire.objects.select_related("community", "created_by")
    if manages_deployment_forms(user):
        return base
    communities = coordinated_communities(user)
    if not communities.exists():
        return Questionnaire.objects.none()
    return base.filter(Q(community__isnull=True) | Q(community__in=communities))


def active_questionnaire(form_id: str, community: Community | None = None) -> Questionnaire | None:
    """The community's active version of the form, else the deployment's active version."""
    active = Questionnaire.objects.filter(form_id=form_id, is_active=True)
    if community is not None:
        found = active.filter(community=community).order_by("-created_at", "-pk").first()
        if found is not None:
            return found
    return active.filter(community__isnull=True).order_by("-created_at", "-pk").first()


def answer_sets_visible_to(user: AnyUser, questionnaire: Questionnaire) -> QuerySet[AnswerSet]:
    """The answer sets of this version a user may export: those of canvass visits of inquiries
    of communities the user coordinates. Answer sets of anything else (monitor surveys, which
    are anonymous and shown only aggregated) are never exported here."""
    communities = coordinated_communities(user)
    return (
        AnswerSet.objects.filter(
            questionnaire=questionnaire,
            canvass_visit__inquiry__community__in=communities,
        )
        .select_related("questionnaire")
        .order_by("submitted_at", "pk")
    )
