"""Communitymonitor rounds in the demo town (issue 6, "Demo data"; MON-1, MON-2).

Two waves about six months apart, so the impact dashboard shows a real before/after comparison:

- "before": opened 200 days ago for four weeks (closed);
- "after": opened 21 days ago, closes in 7 days (still open, so the demo link can be answered).

Each wave has a resident survey for the whole gemeente (owner: the municipality officer Marieke;
about 300 responses, members and non-members) and a Communitymonitor round for each of the three
local communities (owner: its coordinator; 40–70 responses). The "after" wave shows a modest
improvement: fewer people feel unsafe, cohesion is a few tenths higher, members hear more often
what was done with their reports. A few responses carry a free-text remark.

Deterministic: answers come from a fixed seed; dates are relative to today. The rows are written
with ``bulk_create`` (as ``demo_reports``): a few hundred ``response_submit`` calls would do the
same, slower. Answer sets hold no submitter and midnight timestamps, as real responses do.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from samenveilig.monitor.models import Audience, SurveyResponse, SurveyRound
from samenveilig.monitor.scoring import COHESION_ITEMS, derive_scores
from samenveilig.monitor.services import municipality_of_area, questionnaire_for
from samenveilig.questionnaires.models import AnswerSet

SEED = 20261128
AGREE = ("strongly_disagree", "disagree", "neutral", "agree", "strongly_agree")
AGREE_DK = (*AGREE, "dont_know")
LOCAL_COMMUNITIES = (
    # (demo community key, coordinator key, answer to "kind of community")
    ("patrol", "coordinator", "team"),
    ("whatsapp", "coordinator_noord", "whatsapp"),
    ("initiative", "coordinator_haven", "other"),
)
REMARKS = (
    "Meer verlichting in het park zou helpen.",
    "Fijn dat er 's avonds mensen rondlopen.",
    "Graag vaker een terugkoppeling van de wijkagent.",
    "De hangplek bij het winkelcentrum blijft een probleem.",
    "Ik ken mijn buren nu beter dan een jaar geleden.",
    "Hardrijders in de straat, vooral 's avonds.",
    "Goed initiatief, ga zo door!",
)


@dataclass(frozen=True)
class Wave:
    key: str
    label: str
    opens_days_ago: int
    days_open: int
    unsafe: float  # probability of "feels unsafe sometimes"
    cohesion: float  # mean latent item score 0..4
    follow_up: float  # mean latent agreement 0..4 for "we hear what was done"


WAVES = (
    Wave("before", "voorjaar", 200, 28, unsafe=0.36, cohesion=2.15, follow_up=1.6),
    Wave("after", "najaar", 21, 28, unsafe=0.30, cohesion=2.45, follow_up=2.3),
)


def _agree(rng: random.Random, latent: float, *, reverse: bool = False) -> str:
    score = min(4, max(0, round(rng.gauss(latent, 0.8))))
    return AGREE[4 - score] if reverse else AGREE[score]


def _safety_and_cohesion(rng: random.Random, wave: Wave, bonus: float) -> dict[str, str]:
    answers: dict[str, str] = {}
    if rng.random() < wave.unsafe - bonus / 10:
        answers["feels_unsafe"] = "yes"
        answers["unsafe_frequency"] = rng.choices(
            ("often", "sometimes", "rarely"), weights=(14, 54, 32)
        )[0]
    else:
        answers["feels_unsafe"] = "no"
    person = rng.gauss(wave.cohesion + bonus, 0.6)  # how close this respondent feels
    for name, reverse in COHESION_ITEMS:
        answers[name] = _agree(rng, person, reverse=reverse)
    if rng.random() < 0.08:
        answers["remarks"] = rng.choice(REMARKS)
    return answers


def resident_answers(rng: random.Random, wave: Wave) -> dict[str, str]:
    member = rng.random() < 0.24
    answers = {"is_member": "yes" if member else "no"}
    answers.update(_safety_and_cohesion(rng, wave, 0.35 if member else 0.0))
    return answers


def member_answers(rng: random.Random, wave: Wave, kind: str) -> dict[str, str]:
    answers = {
        "community_kind": kind if rng.random() < 0.9 else rng.choice(("nextdoor", "veiligebuurt")),
        "role": rng.choices(("coordinator", "active_member", "member"), weights=(4, 36, 60))[0],
    }
    answers.update(_safety_and_cohesion(rng, wave, 0.35))
    for name, latent in (
        ("police_cooperation", 2.6),
        ("municipality_cooperation", 2.1),
        ("recognition", 2.0 + (wave.follow_up - 1.6) / 2),
        ("follow_up", wave.follow_up),
    ):
        answers[name] = "dont_know" if rng.random() < 0.1 else _agree(rng, latent)
    return answers


def _store(survey_round: SurveyRound, rows: list[tuple[dt.date, dict[str, Any]]]) -> None:
    """Answer sets and responses for ``rows`` of (answer date, answers), like response_submit."""
    tz = timezone.get_current_timezone()
    answer_sets = [
        AnswerSet(
            questionnaire=survey_round.questionnaire,
            answers=answers,
            submitted_by=None,
            submitted_at=dt.datetime.combine(day, dt.time.min, tzinfo=tz),
            idempotency_key=f"mon-demo-{survey_round.pk}-{index}",
        )
        for index, (day, answers) in enumerate(rows)
    ]
    AnswerSet.objects.bulk_create(answer_sets)
    keys = [a.idempotency_key for a in answer_sets]
    # created_at is auto_now_add: bring it back to midnight, as response_submit does.
    AnswerSet.objects.filter(idempotency_key__in=keys).update(created_at=F("submitted_at"))
    stored = {a.idempotency_key: a for a in AnswerSet.objects.filter(idempotency_key__in=keys)}
    responses = []
    for answer_set, (day, answers) in zip(answer_sets, rows, strict=True):
        scores = derive_scores(answers, audience=survey_round.audience)
        responses.append(
            SurveyResponse(
                round=survey_round,
                answer_set=stored[answer_set.idempotency_key],
                community_id=survey_round.community_id,
                area_id=survey_round.area_id,
                municipality_id=survey_round.municipality_id,
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
        )
    SurveyResponse.objects.bulk_create(responses)


def _answer_days(rng: random.Random, opens_on: dt.date, count: int, today: dt.date) -> list:
    """Answer dates: most in the first week after opening (the poster and the first message)."""
    days = []
    for _ in range(count):
        offset = min(27, int(rng.expovariate(1 / 5)))
        days.append(min(today, opens_on + dt.timedelta(days=offset)))
    return sorted(days)


def build_monitor(town: Any) -> None:
    rng = random.Random(SEED)
    today = timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    residents_form = questionnaire_for(Audience.RESIDENTS)
    members_form = questionnaire_for(Audience.MEMBERS)
    municipality = town.municipality
    for wave in WAVES:
        opens_at = midnight - dt.timedelta(days=wave.opens_days_ago)
        closes_at = opens_at + dt.timedelta(days=wave.days_open)
        opens_on = opens_at.date()
        officer = town.users["municipality"]
        resident_round = SurveyRound.objects.create(
            name=f"Bewonersenquête Voorbeeldstad {wave.label}",
            questionnaire=residents_form,
            audience=Audience.RESIDENTS,
            area=municipality,
            municipality=municipality,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=officer,
            updated_by=officer,
        )
        count = rng.randint(290, 340)
        answered_until = min(today, (closes_at - dt.timedelta(days=1)).date())
        days = _answer_days(rng, opens_on, count, answered_until)
        _store(resident_round, [(day, resident_answers(rng, wave)) for day in days])

        for community_key, coordinator_key, kind in LOCAL_COMMUNITIES:
            community = town.communities[community_key]
            coordinator = town.users[coordinator_key]
            first_area = community.areas.order_by("code").first()
            member_round = SurveyRound.objects.create(
                name=f"Communitymonitor {community.name} {wave.label}",
                questionnaire=members_form,
                audience=Audience.MEMBERS,
                community=community,
                municipality=municipality_of_area(first_area) if first_area else municipality,
                opens_at=opens_at,
                closes_at=closes_at,
                created_by=coordinator,
                updated_by=coordinator,
            )
            days = _answer_days(rng, opens_on, rng.randint(40, 70), answered_until)
            _store(member_round, [(day, member_answers(rng, wave, kind)) for day in days])
