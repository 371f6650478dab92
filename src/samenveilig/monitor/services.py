"""Every write of the Communitymonitor: opening and closing a round, storing an anonymous response.

Opening and closing are audited (ids only). Answering is NOT audited: an audit event carries the
exact time and the object id, which would tie a response to a moment (MON-2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.areas.normalise import normalise_postcode
from samenveilig.areas.selectors import area_ids_within
from samenveilig.communities.models import Community
from samenveilig.core.audit import record
from samenveilig.monitor import permissions
from samenveilig.monitor.models import Audience, SurveyResponse, SurveyRound
from samenveilig.monitor.scoring import derive_scores
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.questionnaires.services import answers_submit, questionnaire_install

FORMS_DIR = Path(__file__).resolve().parent / "forms"
FORM_FILES = {
    Audience.MEMBERS: FORMS_DIR / "communitymonitor.xlsx",
    Audience.RESIDENTS: FORMS_DIR / "bewonersenquete.xlsx",
}
FORM_IDS = {Audience.MEMBERS: "communitymonitor", Audience.RESIDENTS: "bewonersenquete"}
MAX_ROUND_DAYS = 366
NONCE_BYTES = 18


class RoundNotOpen(Exception):
    """The round does not accept answers now (``status`` is "scheduled" or "closed")."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(status)


def questionnaire_for(audience: str) -> Questionnaire:
    """The active version of the audience's shipped form, installed on first use."""
    form_id = FORM_IDS[Audience(audience)]
    found = Questionnaire.objects.filter(form_id=form_id, is_active=True)
    found = found.order_by("-created_at", "-pk").first()
    if found is not None:
        return found
    questionnaire, _created = questionnaire_install(FORM_FILES[Audience(audience)])
    return questionnaire


def municipality_of_area(area: Area) -> Area | None:
    current: Area | None = area
    seen: set[int] = set()
    while current is not None and current.pk not in seen:
        if current.level == AreaLevel.MUNICIPALITY:
            return current
        seen.add(current.pk)
        current = current.parent
    return None


def municipality_of_community(community: Community) -> Area | None:
    """The gemeente of the community's first area (by CBS code)."""
    first = community.areas.select_related("parent", "parent__parent").order_by("code").first()
    return municipality_of_area(first) if first is not None else None


def round_open(
    *,
    actor: Any,
    name: str,
    audience: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    community: Community | None = None,
    area: Area | None = None,
) -> SurveyRound:
    """Open a round for exactly one of ``community`` and ``area``; ``actor`` becomes its owner.

    Raises ``PermissionDenied`` when the actor may not survey that scope and ``ValidationError``
    (keyed by field) for a bad period or scope."""
    if (community is None) == (area is None):
        raise ValidationError({"scope": _("Choose a community or an area.")})
    allowed = (
        permissions.can_open_for_community(actor, community)
        if community is not None
        else permissions.can_open_for_area(actor, area)
    )
    if not allowed:
        raise PermissionDenied
    if audience not in Audience.values:
        raise ValidationError({"audience": _("Choose who the survey is for.")})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the round a name.")})
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The closing date must be after the opening date.")})
    if closes_at - opens_at > dt.timedelta(days=MAX_ROUND_DAYS):
        raise ValidationError({"closes_at": _("A round lasts at most a year.")})
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("The closing date must be in the future.")})
    if community is not None:
        municipality = municipality_of_community(community)
    else:
        municipality = municipality_of_area(area)
    questionnaire = questionnaire_for(audience)
    with transaction.atomic():
        survey_round = SurveyRound.objects.create(
            name=name[:120],
            questionnaire=questionnaire,
            audience=audience,
            community=community,
            area=area,
            municipality=municipality,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=actor,
            updated_by=actor,
        )
        record(
            actor=actor,
            action="monitor.round_open",
            obj=survey_round,
            details={
                "audience": audience,
                "community_id": community.pk if community else None,
                "area_id": area.pk if area else None,
                "questionnaire_id": questionnaire.pk,
            },
        )
    return survey_round


def round_close(*, actor: Any, survey_round: SurveyRound) -> SurveyRound:
    """Stop accepting answers now. A round that has not opened yet is closed without ever
    opening (its period becomes the second before now). Closing a closed round changes nothing."""
    if not permissions.can_manage_round(actor, survey_round):
        raise PermissionDenied
    with transaction.atomic():
        locked = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
        now = timezone.now()
        status = locked.status(now)
        if status == "closed":
            return locked
        if status == "scheduled":
            locked.opens_at = now - dt.timedelta(seconds=1)
        locked.closes_at = now
        locked.updated_by = actor
        locked.save(update_fields=["opens_at", "closes_at", "updated_by", "updated_at"])
        record(
            actor=actor,
            action="monitor.round_close",
            obj=locked,
            details={"was": status, "responses": locked.responses.count()},
        )
    return locked


def new_nonce() -> str:
    """The random value of a browser's survey cookie (used only via ``idempotency_key``)."""
    return secrets.token_urlsafe(NONCE_BYTES)


def idempotency_key(survey_round: SurveyRound, nonce: str) -> str:
    """The answer set's key for this browser in this round: a hash of the round's token and the
    cookie's nonce, so the same browser answering twice is one response, and the stored key tells
    nothing without the cookie."""
    digest = hashlib.sha256(f"{survey_round.token}:{nonce}".encode()).hexdigest()
    return f"mon-{digest[:56]}"


def already_answered(survey_round: SurveyRound, nonce: str | None) -> bool:
    if not nonce:
        return False
    return AnswerSet.objects.filter(
        idempotency_key=idempotency_key(survey_round, nonce),
        survey_response__round=survey_round,
    ).exists()


def round_neighbourhoods(survey_round: SurveyRound) -> list[Area]:
    """The buurten a respondent of this round can say they live in, by name: every buurt inside
    the round's area (a gemeente or wijk) or inside the community's areas. Empty for a round of
    one buurt: its responses are about that buurt and nobody is asked."""
    if survey_round.area_id is not None:
        if survey_round.area.level == AreaLevel.NEIGHBOURHOOD:
            return []
        roots = {survey_round.area_id}
    else:
        roots = set(survey_round.community.areas.values_list("pk", flat=True))
    ids = area_ids_within(roots) if roots else set()
    buurten = Area.objects.filter(pk__in=ids, level=AreaLevel.NEIGHBOURHOOD)
    return sorted(buurten.only("pk", "name", "code"), key=lambda a: (a.name.lower(), a.code))


class NeighbourhoodError(ValueError):
    """The respondent's buurt could not be used; ``message`` says why (translated)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def neighbourhood_choice(
    survey_round: SurveyRound, *, choice: str = "", postcode: str = ""
) -> Area | None:
    """The buurt a respondent said they live in: ``choice`` (a buurt's id from the list of
    ``round_neighbourhoods``) or else ``postcode`` (looked up in the address register; the
    postcode itself is never stored). None when they said neither — saying it is optional.

    Raises ``NeighbourhoodError`` for a choice outside the list, an invalid or unknown
    postcode, or a postcode spanning several of the round's buurten."""
    choice, postcode = (choice or "").strip(), (postcode or "").strip()
    if not choice and not postcode:
        return None
    buurten = {a.pk: a for a in round_neighbourhoods(survey_round)}
    if choice:
        found = buurten.get(int(choice)) if choice.isascii() and choice.isdigit() else None
        if found is None:
            raise NeighbourhoodError(_("Choose a neighbourhood from the list."))
        return found
    normal = normalise_postcode(postcode)
    if normal is None:
        raise NeighbourhoodError(_("Enter a postcode like 1234 AB, or leave it empty."))
    ids = set(
        Address.objects.filter(postcode=normal, neighbourhood_id__in=list(buurten))
        .values_list("neighbourhood_id", flat=True)
        .distinct()
    )
    if not ids:
        raise NeighbourhoodError(
            _(
                "This postcode is not in the area of this survey, or we do not know it. Choose "
                "your neighbourhood from the list, or leave both empty."
            )
        )
    if len(ids) > 1:
        raise NeighbourhoodError(
            _("This postcode lies in more than one neighbourhood. Choose yours from the list.")
        )
    return buurten[ids.pop()]


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def response_submit(
    *,
    survey_round: SurveyRound,
    answers: Any,
    nonce: str,
    language: str = "nl",
    today: dt.date | None = None,
    neighbourhood: Area | None = None,
) -> tuple[SurveyResponse, bool]:
    """Store one anonymous response; ``(response, created)``. ``created`` is False when this
    browser (``nonce``) already answered this round: the stored response is returned unchanged.

    Stores no user, IP, user agent or time: the answer set has no ``submitted_by`` and its
    timestamps are midnight of the answer date. Raises ``RoundNotOpen`` outside the round's
    period and ``questionnaires.services.AnswerValidationError`` for invalid answers.

    ``neighbourhood`` is the buurt the respondent said they live in (see
    ``neighbourhood_choice``); it must be one of ``round_neighbourhoods`` (else ``ValueError``).
    A round of one buurt ignores it and records its own buurt.
    """
    status = survey_round.status()
    if status != "open":
        raise RoundNotOpen(status)
    key = idempotency_key(survey_round, nonce)
    existing = SurveyResponse.objects.filter(
        round=survey_round, answer_set__idempotency_key=key
    ).first()
    if existing is not None:
        return existing, False
    if survey_round.area_id is not None and survey_round.area.level == AreaLevel.NEIGHBOURHOOD:
        neighbourhood_id: int | None = survey_round.area_id
    elif neighbourhood is not None:
        if neighbourhood.pk not in {a.pk for a in round_neighbourhoods(survey_round)}:
            raise ValueError("neighbourhood outside the round's scope")
        neighbourhood_id = neighbourhood.pk
    else:
        neighbourhood_id = None
    day = today or timezone.localdate()
    midnight = _midnight(day)
    with transaction.atomic():
        answer_set = answers_submit(
            actor=None,
            questionnaire=survey_round.questionnaire,
            answers=answers,
            idempotency_key=key,
            submitted_at=midnight,
            language=language,
        )
        found = SurveyResponse.objects.filter(answer_set=answer_set).first()
        if found is not None:  # a concurrent double submit of the same browser won the race
            return found, False
        # created_at is auto_now_add: overwrite it, the exact moment must not be kept.
        AnswerSet.objects.filter(pk=answer_set.pk).update(created_at=midnight, submitted_by=None)
        scores = derive_scores(answer_set.answers, audience=survey_round.audience)
        response = SurveyResponse.objects.create(
            round=survey_round,
            answer_set=answer_set,
            community_id=survey_round.community_id,
            area_id=survey_round.area_id,
            municipality_id=survey_round.municipality_id,
            neighbourhood_id=neighbourhood_id,
            audience=survey_round.audience,
            is_member=scores.is_member,
            feels_unsafe=scores.feels_unsafe,
            unsafe_frequency=scores.unsafe_frequency,
            cohesion_score=scores.cohesion_score,
            police_cooperation=scores.police_cooperation,
            municipality_cooperation=scores.municipality_cooperation,
            recognition=scores.recognition,
            follow_up=scores.follow_up,
            created_on=day,
        )
    return response, True
