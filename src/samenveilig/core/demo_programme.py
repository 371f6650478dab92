"""Where each demo community stands in the programme (issue 11, PRG-1).

- Buurtpreventie Binnenstad went through the four phases last year and is in its second cycle:
  cycle 1 was evaluated ten days ago (quoting the monitor's figures of that day, with three agreed
  actions); cycle 2 is at its first step, analyse.
- WhatsApp-buurtpreventie Noord is dividing the roles (phase 2), two of its items ticked.
- Bewonersinitiatief Haven is still building the relationship (phase 1), three items ticked.
- The online team is in phase 1 with one item ticked; the investigation team has not started.

The shipped checklists apply (the demo municipality has none of its own). Everything goes through
``programme.services`` as the coordinators; afterwards the history (events, ticks, the stage
dates, the evaluation) is moved back in time so the pages show a programme that took a year,
not one that happened in a second. Deterministic: fixed states, texts and day offsets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from samenveilig.programme import selectors, services
from samenveilig.programme.models import (
    PHASE_ORDER,
    ChecklistTick,
    CommunityProgramme,
    Evaluation,
    ProgrammeEvent,
)

# community key → (phases completed, items ticked in the current phase, days ago it started)
IN_PHASES = {
    "whatsapp": (1, 2, 75),
    "initiative": (0, 3, 120),
    "online": (0, 1, 40),
}
PHASE_NOTES = (
    "Kennismaking met wijkagent De Graaf en Marieke van de gemeente in het buurthuis.",
    "Karin coördineert, Lisa is penningmeester; contact met politie loopt via Karin.",
    "Eerste gezamenlijke avondronde met de wijkagent; terugkoppeling binnen een week afgesproken.",
    "Nulmeting met de Communitymonitor gedaan; we evalueren elk kwartaal.",
)
STEP_NOTES = (
    "Meldingen en monitor bekeken: woninginbraken rond het station en slechte verlichting.",
    "Plan: extra ronde op vrijdag, schouw van de verlichting, flyers over inbraakpreventie.",
    "Flyers gedrukt en verspreid; gemeente leverde reflecterende hesjes.",
    "Nieuwe leden liepen mee met een ervaren lid.",
)
# Days ago each of the cycle community's events happened, in the order they are written:
# four phases, four steps, the evaluation.
CYCLE_EVENT_DAYS = (340, 300, 255, 215, 180, 150, 110, 60, 10)
EVALUATION_DAYS = 10
WENT_WELL = (
    "Vaste avondrondes op dinsdag en vrijdag; de wijkagent reageerde binnen een week op "
    "meldingen. Meer bewoners kennen de groep."
)
TO_IMPROVE = "Nieuwe leden sneller inwerken; minder afhankelijk van de coördinator."
ACTIONS = (
    "Schouw van de straatverlichting rond het station plannen",
    "Twee leden volgen de training Signaleren en melden",
    "Inloopavond over inbraakpreventie in de bibliotheek",
)


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _tick_all(coordinator: Any, community: Any, phase: str) -> None:
    keys = [i.key for i in selectors.checklist(selectors.municipality_of(community), phase)]
    services.ticks_save(actor=coordinator, community=community, keys=keys)


def _in_phases(coordinator: Any, community: Any, done: int, ticked: int, days: int) -> None:
    for position in range(done):
        _tick_all(coordinator, community, PHASE_ORDER[position])
        services.phase_complete(actor=coordinator, community=community)
    phase = PHASE_ORDER[done]
    items = selectors.checklist(selectors.municipality_of(community), phase)
    services.ticks_save(
        actor=coordinator, community=community, keys=[i.key for i in items[:ticked]]
    )
    programme = CommunityProgramme.objects.get(community=community)
    ProgrammeEvent.objects.filter(programme=programme).update(occurred_at=_ago(days + 60))
    ChecklistTick.objects.filter(programme=programme).update(ticked_at=_ago(days // 2))
    CommunityProgramme.objects.filter(pk=programme.pk).update(
        stage_started_at=_ago(days), created_at=_ago(days + 90 * done)
    )


def _in_cycle(coordinator: Any, community: Any) -> None:
    for position, note in enumerate(PHASE_NOTES):
        _tick_all(coordinator, community, PHASE_ORDER[position])
        services.phase_complete(actor=coordinator, community=community, note=note)
    for note in STEP_NOTES:
        services.step_complete(actor=coordinator, community=community, note=note)
    evaluation = services.evaluation_record(
        actor=coordinator,
        community=community,
        went_well=WENT_WELL,
        to_improve=TO_IMPROVE,
        actions=ACTIONS,
    )
    programme = CommunityProgramme.objects.get(community=community)
    events = list(ProgrammeEvent.objects.filter(programme=programme).order_by("pk"))
    for event, days in zip(events, CYCLE_EVENT_DAYS, strict=True):
        ProgrammeEvent.objects.filter(pk=event.pk).update(occurred_at=_ago(days))
    ChecklistTick.objects.filter(programme=programme).update(ticked_at=_ago(CYCLE_EVENT_DAYS[0]))
    evaluated_on = timezone.localdate() - dt.timedelta(days=EVALUATION_DAYS)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        created_at=_ago(EVALUATION_DAYS),
        updated_at=_ago(EVALUATION_DAYS),
        # The figures of the day it was recorded, as the evaluation would have quoted them.
        figures=selectors.monitor_figures(community, today=evaluated_on),
    )
    CommunityProgramme.objects.filter(pk=programme.pk).update(
        created_at=_ago(CYCLE_EVENT_DAYS[0] + 60), stage_started_at=_ago(EVALUATION_DAYS)
    )


def build_programme(town: Any) -> None:
    from samenveilig.core.demo import COMMUNITIES

    coordinators = {key: coordinator_key for key, *_rest, coordinator_key in COMMUNITIES}
    patrol = town.communities.get("patrol")
    if patrol is not None:
        _in_cycle(town.users[coordinators["patrol"]], patrol)
    for key, (done, ticked, days) in IN_PHASES.items():
        community = town.communities.get(key)
        if community is not None:
            _in_phases(town.users[coordinators[key]], community, done, ticked, days)
