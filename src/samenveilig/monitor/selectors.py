"""Scoped reads of survey rounds (see ``permissions`` for who may manage which round)."""

from __future__ import annotations

from django.db.models import Count, F, FloatField, Q, QuerySet, Sum

from samenveilig.accounts.roles import AnyUser
from samenveilig.areas.models import Area
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import Community
from samenveilig.monitor.models import SurveyResponse, SurveyRound
from samenveilig.monitor.permissions import (
    community_area_ids,
    managed_communities,
    municipality_area_ids,
)
from samenveilig.monitor.scoring import (
    AGREEMENT_ITEMS,
    REMARKS,
    Figure,
    Summary,
    mean_figure_from_sums,
    proportion_figure,
)

FREE_TEXT_LIMIT = 500


def openable_communities(user: AnyUser) -> list[Community]:
    """Communities the user may open a round for, by name."""
    found = {c.pk: c for c in managed_communities(user)}
    jurisdiction = municipality_area_ids(user)
    if jurisdiction:
        candidates = (
            Community.objects.filter(is_active=True, areas__id__in=jurisdiction)
            .distinct()
            .prefetch_related("areas")
        )
        for community in candidates:
            areas = {area.pk for area in community.areas.all()}
            if areas and areas <= jurisdiction:
                found[community.pk] = community
    return sorted(found.values(), key=lambda c: (c.name.lower(), c.pk))


def openable_area_ids(user: AnyUser) -> set[int]:
    ids = set(municipality_area_ids(user))
    for community in managed_communities(user):
        ids |= area_ids_within(community_area_ids(community))
    return ids


def openable_areas(user: AnyUser) -> QuerySet[Area]:
    """Gemeenten, wijken and buurten the user may open a round for."""
    return Area.objects.filter(pk__in=openable_area_ids(user)).order_by("name", "code")


def rounds_visible_to(user: AnyUser) -> QuerySet[SurveyRound]:
    """Rounds the user may manage, newest first, with their response count (``response_count``)."""
    if not user.is_authenticated:
        return SurveyRound.objects.none()
    community_ids = [c.pk for c in openable_communities(user)]
    area_ids = openable_area_ids(user)
    if not community_ids and not area_ids:
        return SurveyRound.objects.none()
    return (
        SurveyRound.objects.filter(Q(community_id__in=community_ids) | Q(area_id__in=area_ids))
        .select_related("community", "area", "municipality", "questionnaire")
        .annotate(response_count=Count("responses"))
        .order_by("-opens_at", "-pk")
    )


def response_count(survey_round: SurveyRound) -> int:
    return SurveyResponse.objects.filter(round=survey_round).count()


def free_texts(survey_round: SurveyRound, limit: int = FREE_TEXT_LIMIT) -> list[str]:
    """The non-empty free-text answers of a round, in stored order, without dates, at most
    ``limit``. For the owner's page only: check ``permissions.can_read_free_text`` first."""
    texts: list[str] = []
    rows = (
        SurveyResponse.objects.filter(round=survey_round)
        .order_by("pk")
        .values_list("answer_set__answers", flat=True)
    )
    for answers in rows.iterator():
        text = (answers or {}).get(REMARKS) if isinstance(answers, dict) else None
        if isinstance(text, str) and text.strip():
            texts.append(text.strip())
            if len(texts) >= limit:
                break
    return texts


def round_summary(survey_round: SurveyRound) -> Summary:
    """The round's figures, aggregated in the database (one query); hidden below
    ``scoring.MIN_RESPONDENTS`` respondents per figure."""
    return summarise_queryset(SurveyResponse.objects.filter(round=survey_round))


def _sums(field: str) -> dict:
    value = F(field)
    return {
        f"{field}_n": Count(field),
        f"{field}_sum": Sum(field, output_field=FloatField()),
        f"{field}_sq": Sum(value * value, output_field=FloatField()),
    }


def summarise_queryset(responses: QuerySet[SurveyResponse]) -> Summary:
    """``scoring.summarise`` computed with SQL aggregates (COUNT, SUM, SUM of squares) in one
    query, for any filtered set of responses."""
    aggregates: dict = {
        "respondents": Count("pk"),
        "answered": Count("feels_unsafe"),
        "unsafe": Count("pk", filter=Q(feels_unsafe=True)),
        "often": Count("pk", filter=Q(feels_unsafe=True, unsafe_frequency="often")),
    }
    for field in ("cohesion_score", *AGREEMENT_ITEMS):
        aggregates.update(_sums(field))
    row = responses.aggregate(**aggregates)

    def mean(field: str) -> Figure:
        return mean_figure_from_sums(
            row[f"{field}_n"] or 0, row[f"{field}_sum"] or 0.0, row[f"{field}_sq"] or 0.0
        )

    return Summary(
        respondents=row["respondents"] or 0,
        feels_unsafe=proportion_figure(row["unsafe"] or 0, row["answered"] or 0),
        often_unsafe=proportion_figure(row["often"] or 0, row["answered"] or 0),
        cohesion=mean("cohesion_score"),
        **{field: mean(field) for field in AGREEMENT_ITEMS},
    )
