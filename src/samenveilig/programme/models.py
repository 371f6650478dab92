"""The community programme (PRG-1): four phases with checklists, then a repeating cycle.

A community goes through Relatie opbouwen → Rollen verdelen → Elkaars snelheid vinden → Cyclus
opbouwen; each phase has a checklist (the shipped defaults in ``defaults``, or the municipality's
own list). After the fourth phase the community repeats analyse → plan → facilitate → guide →
evaluate; an evaluation quotes the monitor's figures for the community as they were that day and
records the actions agreed on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel


class Phase(models.TextChoices):
    RELATIONSHIP = "relationship", _("Building the relationship (Relatie opbouwen)")
    ROLES = "roles", _("Dividing the roles (Rollen verdelen)")
    PACE = "pace", _("Finding each other's pace (Elkaars snelheid vinden)")
    CYCLE = "cycle", _("Building the cycle (Cyclus opbouwen)")


PHASE_ORDER: tuple[str, ...] = tuple(Phase.values)


class CycleStep(models.TextChoices):
    ANALYSE = "analyse", _("Analyse")
    PLAN = "plan", _("Plan")
    FACILITATE = "facilitate", _("Facilitate")
    GUIDE = "guide", _("Guide")
    EVALUATE = "evaluate", _("Evaluate")


STEP_ORDER: tuple[str, ...] = tuple(CycleStep.values)


class ChecklistItem(TrackedModel):
    """A municipality's own checklist item for a phase; without any, the defaults apply."""

    municipality = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    text = models.CharField(_("item"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["municipality", "phase", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        indexes = [models.Index(fields=["municipality", "phase", "is_active"])]

    def __str__(self) -> str:
        return self.text


class CommunityProgramme(TrackedModel):
    community = models.OneToOneField(
        "communities.Community", on_delete=models.CASCADE, related_name="programme"
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.RELATIONSHIP
    )
    in_cycle = models.BooleanField(_("phases completed, cycle running"), default=False)
    cycle_number = models.PositiveIntegerField(_("cycle"), default=0)
    step = models.CharField(_("step"), max_length=20, choices=CycleStep.choices, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("community programme")
        verbose_name_plural = _("community programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(in_cycle=False, step="")
                | models.Q(in_cycle=True, cycle_number__gte=1) & ~models.Q(step=""),
                name="programme_step_only_in_cycle",
            )
        ]

    def __str__(self) -> str:
        return str(self.community)


class ChecklistTick(models.Model):
    """An item ticked off in a phase; the item's text is kept as it was when ticked."""

    programme = models.ForeignKey(
        CommunityProgramme, on_delete=models.CASCADE, related_name="ticks"
    )
    phase = models.CharField(max_length=20, choices=Phase.choices)
    item_key = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "phase", "item_key"], name="programme_one_tick_per_item"
            )
        ]

    def __str__(self) -> str:
        return self.text


class EventKind(models.TextChoices):
    PHASE_COMPLETED = "phase_completed", _("Phase completed")
    STEP_COMPLETED = "step_completed", _("Step completed")
    EVALUATED = "evaluated", _("Cycle evaluated")


class ProgrammeEvent(models.Model):
    """History: every phase and step completed, with the coordinator's note."""

    programme = models.ForeignKey(
        CommunityProgramme, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    cycle_number = models.PositiveIntegerField(default=0)
    step = models.CharField(max_length=20, choices=CycleStep.choices, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return self.kind


class Evaluation(TrackedModel):
    """The evaluation that closes a cycle, with the monitor's figures of that day."""

    programme = models.ForeignKey(
        CommunityProgramme, on_delete=models.CASCADE, related_name="evaluations"
    )
    cycle_number = models.PositiveIntegerField(_("cycle"))
    went_well = models.TextField(_("what went well"), max_length=2000)
    to_improve = models.TextField(_("what to improve"), max_length=2000, blank=True)
    figures = models.JSONField(_("monitor figures"), default=dict)

    class Meta:
        ordering = ["-cycle_number"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "cycle_number"], name="programme_one_evaluation_per_cycle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} cycle {self.cycle_number}"


class AgreedAction(models.Model):
    """An action agreed on in an evaluation (kept here until community tasks exist)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("action"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["evaluation", "position"]
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")

    def __str__(self) -> str:
        return self.text
