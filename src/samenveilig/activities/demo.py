"""Tasks in the demo town (PLT-8), kept small: a weekly evening patrol and a safety walk with a
checklist in Buurtpreventie Binnenstad, claimed by Lisa (the member, trained for patrols) and a
neighbour; a past flyering round she closed (her contributions page is not empty); and a
neighbourhood-garden project cut into three steps in the residents' initiative."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from samenveilig.activities import services
from samenveilig.activities.models import ClaimStatus, Repeat, Task, TaskClaim, TaskKind, TaskStatus
from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus
from samenveilig.training.demo import certify_for_demo


def _evening(days: int, hour: int = 20) -> Any:
    day = timezone.localtime(timezone.now() + timedelta(days=days))
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def _data(**values: Any) -> dict[str, Any]:
    base = {
        "description": "",
        "starts_at": None,
        "ends_at": None,
        "due_at": None,
        "meeting_point": "",
        "meeting_lat": None,
        "meeting_lon": None,
        "capacity": 4,
        "min_people": 1,
        "required_module": "",
        "checklist": [],
        "repeat": Repeat.NONE,
        "repeat_until": None,
    }
    base.update(values)
    return base


def build_tasks(town: Any) -> None:
    patrol = town.communities.get("patrol")
    if patrol is None:
        return
    coordinator = town.users["coordinator"]
    member = town.users["member"]
    neighbour = (
        Membership.objects.filter(
            community=patrol, status=MembershipStatus.VERIFIED, role=MembershipRole.MEMBER
        )
        .exclude(user=member)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    area = patrol.areas.order_by("pk").first()
    lat = area.centroid_lat if area is not None else None
    lon = area.centroid_lon if area is not None and lat is not None else None
    start = _evening(2)
    round_ = services.task_create(
        actor=coordinator,
        community=patrol,
        data=_data(
            kind=TaskKind.PATROL,
            title="Avondronde Binnenstad",
            description="Een rustige ronde langs de Markt en de steegjes; hesje en zaklamp mee.",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            meeting_point="Bij de fontein op de Markt",
            meeting_lat=lat,
            meeting_lon=lon,
            capacity=4,
            min_people=2,
            repeat=Repeat.WEEKLY,
        ),
    )
    walk_start = _evening(5, hour=19)
    walk = services.task_create(
        actor=coordinator,
        community=patrol,
        data=_data(
            kind=TaskKind.SAFETY_WALK,
            title="Schouw verlichting Centrum",
            starts_at=walk_start,
            ends_at=walk_start + timedelta(hours=1, minutes=30),
            meeting_point="Ingang van het park",
            meeting_lat=lat,
            meeting_lon=lon,
            checklist=[
                "Straatverlichting in de steegjes brandt",
                "Paden in het park zijn vrij en goed zichtbaar",
                "Geen kapotte hekken of losse stoeptegels",
            ],
        ),
    )
    services.claim_task(actor=member, task=round_)
    services.claim_task(actor=member, task=walk)
    if neighbour is not None:
        certify_for_demo(neighbour.user, "signaleren-en-melden")
        certify_for_demo(neighbour.user, "signalement")
        services.claim_task(actor=neighbour.user, task=round_)
    # A flyering round Lisa did ten days ago (written as history, not through the services,
    # which refuse moments in the past).
    done_at = timezone.now() - timedelta(days=10)
    past = Task.objects.create(
        community=patrol,
        kind=TaskKind.FLYERING,
        title="Folders inbraakpreventie rondbrengen",
        status=TaskStatus.DONE,
        starts_at=done_at - timedelta(hours=2),
        ends_at=done_at,
        done_at=done_at,
        capacity=3,
        min_people=1,
        created_by=coordinator,
        updated_by=coordinator,
    )
    TaskClaim.objects.create(
        task=past,
        user=member,
        status=ClaimStatus.CLOSED,
        claimed_at=done_at - timedelta(days=4),
        checked_in_at=done_at - timedelta(hours=2),
        closed_at=done_at,
        minutes=120,
        note="Alle folders in de Kerkstraat en Molenweg bezorgd.",
    )
    initiative = town.communities.get("initiative")
    initiative_coordinator = (
        Membership.objects.filter(
            community=initiative,
            status=MembershipStatus.VERIFIED,
            role=MembershipRole.COORDINATOR,
        )
        .select_related("user")
        .first()
        if initiative is not None
        else None
    )
    if initiative is None or initiative_coordinator is None:
        return
    actor = initiative_coordinator.user
    project = services.project_create(
        actor=actor,
        community=initiative,
        title="Buurttuin achter het buurthuis",
        description="Van braakliggend stuk grond naar een tuin voor en door de buurt.",
    )
    for days, title in (
        (14, "Toestemming van de gemeente vragen"),
        (30, "Grond omspitten en plantenbakken bouwen"),
        (45, "Plantdag met de buurt"),
    ):
        services.task_create(
            actor=actor,
            community=initiative,
            project=project,
            data=_data(
                kind=TaskKind.PROJECT_STEP,
                title=title,
                due_at=timezone.now() + timedelta(days=days),
                capacity=6,
            ),
        )
