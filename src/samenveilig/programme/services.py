"""Every write to the community programme (PRG-1): one transaction per action."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.areas.models import Area
from samenveilig.communities.models import Community
from samenveilig.core import audit
from samenveilig.programme import permissions, selectors
from samenveilig.programme.models import (
    PHASE_ORDER,
    STEP_ORDER,
    AgreedAction,
    ChecklistItem,
    ChecklistTick,
    CommunityProgramme,
    CycleStep,
    Evaluation,
    EventKind,
    Phase,
    ProgrammeEvent,
)

MAX_ITEMS = 30
MAX_ACTIONS = 20


class ProgrammeError(Exception):
    """An action that cannot be done as asked; ``message`` is translated and says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _locked_programme(actor: Any, community: Community) -> CommunityProgramme:
    if not permissions.user_can_run_programme(actor, community):
        raise PermissionDenied
    programme, _created = CommunityProgramme.objects.get_or_create(
        community=community,
        defaults={"created_by": actor, "updated_by": actor, "stage_started_at": timezone.now()},
    )
    return CommunityProgramme.objects.select_for_update().get(pk=programme.pk)


def _event(programme: CommunityProgramme, actor: Any, kind: str, note: str = "") -> None:
    ProgrammeEvent.objects.create(
        programme=programme,
        kind=kind,
        phase="" if programme.in_cycle else programme.phase,
        cycle_number=programme.cycle_number,
        step=programme.step,
        note=note.strip()[:1000],
        actor=actor,
        occurred_at=timezone.now(),
    )


def ticks_save(*, actor: Any, community: Community, keys: Iterable[str]) -> CommunityProgramme:
    """Set the ticked items of the current phase to ``keys`` (unknown keys are ignored)."""
    with transaction.atomic():
        programme = _locked_programme(actor, community)
        if programme.in_cycle:
            raise ProgrammeError(_("All four phases are done; the checklists are closed."))
        items = {
            i.key: i
            for i in selectors.checklist(selectors.municipality_of(community), programme.phase)
        }
        wanted = set(keys) & set(items)
        current = selectors.ticked_keys(programme, programme.phase)
        ChecklistTick.objects.filter(
            programme=programme, phase=programme.phase, item_key__in=current - wanted
        ).delete()
        now = timezone.now()
        ChecklistTick.objects.bulk_create(
            [
                ChecklistTick(
                    programme=programme,
                    phase=programme.phase,
                    item_key=key,
                    text=items[key].text,
                    ticked_by=actor,
                    ticked_at=now,
                )
                for key in sorted(wanted - current)
            ]
        )
    return programme


def phase_complete(*, actor: Any, community: Community, note: str = "") -> CommunityProgramme:
    """Close the current phase once every item is ticked; after the fourth the cycle starts."""
    with transaction.atomic():
        programme = _locked_programme(actor, community)
        if programme.in_cycle:
            raise ProgrammeError(_("All four phases are already done."))
        items = selectors.checklist(selectors.municipality_of(community), programme.phase)
        open_items = [
            i for i in items if i.key not in selectors.ticked_keys(programme, programme.phase)
        ]
        if open_items:
            raise ProgrammeError(
                _("Tick every item of this phase first; %(n)d still open.") % {"n": len(open_items)}
            )
        _event(programme, actor, EventKind.PHASE_COMPLETED, note)
        position = PHASE_ORDER.index(programme.phase)
        if position + 1 < len(PHASE_ORDER):
            programme.phase = PHASE_ORDER[position + 1]
        else:
            programme.in_cycle = True
            programme.cycle_number = 1
            programme.step = CycleStep.ANALYSE
        programme.stage_started_at = timezone.now()
        programme.updated_by = actor
        programme.save()
        audit.record(
            actor=actor,
            action="programme.phase_completed",
            obj=programme,
            details={"phase": PHASE_ORDER[position]},
        )
    return programme


def step_complete(*, actor: Any, community: Community, note: str = "") -> CommunityProgramme:
    """Move the cycle on one step; the evaluate step closes with ``evaluation_record``."""
    with transaction.atomic():
        programme = _locked_programme(actor, community)
        if not programme.in_cycle:
            raise ProgrammeError(_("The cycle starts after the four phases."))
        if programme.step == CycleStep.EVALUATE:
            raise ProgrammeError(_("Close the cycle by recording its evaluation."))
        _event(programme, actor, EventKind.STEP_COMPLETED, note)
        programme.step = STEP_ORDER[STEP_ORDER.index(programme.step) + 1]
        programme.stage_started_at = timezone.now()
        programme.updated_by = actor
        programme.save()
    return programme


def evaluation_record(
    *,
    actor: Any,
    community: Community,
    went_well: str,
    to_improve: str,
    actions: Sequence[str],
) -> Evaluation:
    """Record the cycle's evaluation with the monitor's figures of today and the agreed actions;
    the next cycle starts at analyse."""
    went_well = went_well.strip()
    actions = [a.strip()[:300] for a in actions if a.strip()]
    if not went_well:
        raise ProgrammeError(_("Write down what went well."))
    if len(actions) > MAX_ACTIONS:
        raise ProgrammeError(_("At most %(n)d agreed actions.") % {"n": MAX_ACTIONS})
    with transaction.atomic():
        programme = _locked_programme(actor, community)
        if not programme.in_cycle or programme.step != CycleStep.EVALUATE:
            raise ProgrammeError(_("An evaluation closes a cycle in its evaluate step."))
        evaluation = Evaluation.objects.create(
            programme=programme,
            cycle_number=programme.cycle_number,
            went_well=went_well[:2000],
            to_improve=to_improve.strip()[:2000],
            figures=selectors.monitor_figures(community),
            created_by=actor,
            updated_by=actor,
        )
        AgreedAction.objects.bulk_create(
            [AgreedAction(evaluation=evaluation, text=t, position=n) for n, t in enumerate(actions)]
        )
        _event(programme, actor, EventKind.EVALUATED)
        programme.cycle_number += 1
        programme.step = CycleStep.ANALYSE
        programme.stage_started_at = timezone.now()
        programme.updated_by = actor
        programme.save()
        audit.record(
            actor=actor,
            action="programme.evaluated",
            obj=evaluation,
            details={"cycle": evaluation.cycle_number, "actions": len(actions)},
        )
    return evaluation


def checklist_save(
    *, actor: Any, municipality: Area, phase: str, lines: Sequence[str]
) -> list[ChecklistItem]:
    """Replace the municipality's list for the phase. A line whose text is unchanged keeps its
    item (and the ticks on it); removed lines are retired, not deleted."""
    if not permissions.user_can_edit_checklists(actor, municipality):
        raise PermissionDenied
    if phase not in Phase.values:
        raise ProgrammeError(_("Unknown phase."))
    texts = []
    for line in lines:
        text = " ".join(line.split())
        if text and text not in texts:
            texts.append(text)
    if not texts:
        raise ProgrammeError(_("A checklist needs at least one item."))
    if len(texts) > MAX_ITEMS:
        raise ProgrammeError(_("A checklist can have at most %(n)d items.") % {"n": MAX_ITEMS})
    if any(len(t) > 300 for t in texts):
        raise ProgrammeError(_("An item can be at most 300 characters long."))
    with transaction.atomic():
        existing = {
            i.text: i
            for i in ChecklistItem.objects.select_for_update().filter(
                municipality=municipality, phase=phase, is_active=True
            )
        }
        kept = []
        for position, text in enumerate(texts):
            item = existing.pop(text, None)
            if item is None:
                item = ChecklistItem(
                    municipality=municipality, phase=phase, text=text, created_by=actor
                )
            item.position = position
            item.updated_by = actor
            item.save()
            kept.append(item)
        for item in existing.values():
            item.is_active = False
            item.updated_by = actor
            item.save(update_fields=["is_active", "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action="programme.checklist_saved",
            obj=municipality,
            details={"phase": phase, "items": len(kept)},
        )
    return kept
