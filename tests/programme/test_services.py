"""The programme's phases, checklists and cycle (PRG-1)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from samenveilig.programme import selectors, services
from samenveilig.programme.models import (
    AgreedAction,
    ChecklistTick,
    CycleStep,
    Phase,
    ProgrammeEvent,
)

pytestmark = pytest.mark.django_db


def tick_all(scene):
    programme = selectors.programme_of(scene.community)
    municipality = selectors.municipality_of(scene.community)
    keys = [i.key for i in selectors.checklist(municipality, programme.phase)]
    services.ticks_save(actor=scene.coordinator, community=scene.community, keys=keys)


def to_cycle(scene):
    for _ in Phase.values:
        tick_all(scene)
        services.phase_complete(actor=scene.coordinator, community=scene.community)


def test_defaults_apply_until_the_municipality_changes_them(scene):
    municipality = selectors.municipality_of(scene.community)
    assert municipality == scene.town["municipality"]
    items = selectors.checklist(municipality, Phase.ROLES)
    assert "Choose a treasurer for the community's fund" in [i.text for i in items]
    services.checklist_save(
        actor=scene.municipality,
        municipality=municipality,
        phase=Phase.ROLES,
        lines=["Kies een coördinator", "", "Kies een penningmeester", "Kies een coördinator"],
    )
    assert [i.text for i in selectors.checklist(municipality, Phase.ROLES)] == [
        "Kies een coördinator",
        "Kies een penningmeester",
    ]
    assert len(selectors.checklist(municipality, Phase.PACE)) == 4


def test_a_phase_completes_only_with_every_item_ticked(scene):
    services.ticks_save(
        actor=scene.coordinator, community=scene.community, keys=["d-relationship-0", "bogus"]
    )
    assert ChecklistTick.objects.count() == 1
    with pytest.raises(services.ProgrammeError, match="3 still open"):
        services.phase_complete(actor=scene.coordinator, community=scene.community)
    tick_all(scene)
    programme = services.phase_complete(
        actor=scene.coordinator, community=scene.community, note="Goed begin"
    )
    assert programme.phase == Phase.ROLES and not programme.in_cycle
    assert ProgrammeEvent.objects.get().note == "Goed begin"


def test_unchanged_items_keep_their_ticks_when_the_list_is_edited(scene):
    municipality = selectors.municipality_of(scene.community)
    services.checklist_save(
        actor=scene.municipality,
        municipality=municipality,
        phase=Phase.RELATIONSHIP,
        lines=["A", "B"],
    )
    tick_all(scene)
    services.checklist_save(
        actor=scene.municipality,
        municipality=municipality,
        phase=Phase.RELATIONSHIP,
        lines=["A", "C"],
    )
    programme = selectors.programme_of(scene.community)
    keys = selectors.ticked_keys(programme, Phase.RELATIONSHIP)
    items = selectors.checklist(municipality, Phase.RELATIONSHIP)
    assert [i.key in keys for i in items] == [True, False]


def test_after_four_phases_the_cycle_repeats_with_evaluations(scene):
    to_cycle(scene)
    programme = selectors.programme_of(scene.community)
    assert (
        programme.in_cycle and programme.cycle_number == 1 and programme.step == CycleStep.ANALYSE
    )
    with pytest.raises(services.ProgrammeError):
        services.evaluation_record(
            actor=scene.coordinator,
            community=scene.community,
            went_well="x",
            to_improve="",
            actions=[],
        )
    for _ in range(4):
        services.step_complete(actor=scene.coordinator, community=scene.community)
    with pytest.raises(services.ProgrammeError):
        services.step_complete(actor=scene.coordinator, community=scene.community)
    evaluation = services.evaluation_record(
        actor=scene.coordinator,
        community=scene.community,
        went_well="Samen gelopen",
        to_improve="",
        actions=["Lampen melden", " ", "Tweede ronde plannen"],
    )
    assert list(AgreedAction.objects.values_list("text", flat=True)) == [
        "Lampen melden",
        "Tweede ronde plannen",
    ]
    assert evaluation.cycle_number == 1
    figures = evaluation.figures
    assert {
        "period",
        "respondents",
        "feels_unsafe_percent",
        "cohesion",
        "incidents",
        "followed_up",
        "members",
    } <= set(figures)
    assert figures["feels_unsafe_percent"] is None  # too few respondents
    from django.utils import timezone

    from samenveilig.monitor.dashboard import build_dashboard, default_period
    from samenveilig.monitor.selectors_dashboard import community_scope

    board = build_dashboard(community_scope(scene.community), default_period(timezone.localdate()))
    assert figures["members"] == board.members.at_end
    assert figures["incidents"] == board.incidents.current
    assert figures["period"] == default_period(timezone.localdate()).key
    programme.refresh_from_db()
    assert programme.cycle_number == 2 and programme.step == CycleStep.ANALYSE


def test_roles_refused(scene):
    for actor in (scene.member, scene.municipality, scene.police, scene.outsider):
        with pytest.raises(PermissionDenied):
            services.ticks_save(actor=actor, community=scene.community, keys=[])
        with pytest.raises(PermissionDenied):
            services.phase_complete(actor=actor, community=scene.community)
    municipality = selectors.municipality_of(scene.community)
    for actor in (
        scene.coordinator,
        scene.district_officer,
        scene.other_municipality,
        scene.police,
    ):
        with pytest.raises(PermissionDenied):
            services.checklist_save(
                actor=actor, municipality=municipality, phase=Phase.ROLES, lines=["x"]
            )


def test_empty_checklist_refused(scene):
    with pytest.raises(services.ProgrammeError):
        services.checklist_save(
            actor=scene.municipality,
            municipality=scene.town["municipality"],
            phase=Phase.ROLES,
            lines=[" ", ""],
        )
