"""The quality score of a report (REP-6): who, what, where, when and how, with concrete hints.

The score is the share of the weights below that the report earns, 0–100. Who (persons) and how
(vehicles) count only for categories that ask for them or when the reporter described one, so a
complete report about a broken street light can reach 100 too.

Hints are stored on the report as stable codes (``Quality.codes``) and translated when shown
(``hint_message``), so the reporter and the partner each read them in their own language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

from samenveilig.reports.types import ReportInput

WEIGHT_WHAT = 35
WEIGHT_WHERE = 15
WEIGHT_WHEN = 10
WEIGHT_WHO = 25
WEIGHT_HOW = 15
# Characters of description for full marks, and below which a hint asks for more.
DESCRIPTION_GOOD = 200
DESCRIPTION_SHORT = 80

_PERSON_DETAILS = (
    ("sex",),
    ("age_min", "age_max"),
    ("height_min_cm", "height_max_cm"),
    ("build",),
    ("hair_colour", "hair_style"),
    ("top",),
    ("bottom",),
    ("shoes",),
    ("headwear",),
    ("features", "beard", "glasses"),
)
_VEHICLE_DETAILS = ("kind", "make", "model", "colour", "lettering")


_HINT_MESSAGES = {
    "describe_more": gettext_lazy("Describe what happened in a few sentences."),
    "describe_more_detail": gettext_lazy(
        "Add a little more detail: what exactly happened, and what made you notice it?"
    ),
    "add_address": gettext_lazy("Add the address or a landmark, so the place is easy to find."),
    "add_person": gettext_lazy("Did you see someone? Add a description of the person."),
    "add_behaviour": gettext_lazy("Write what the person did."),
    "add_clothing": gettext_lazy("Add clothing (top, bottom)."),
    "add_person_details": gettext_lazy("Add age, height or build, as far as you saw them."),
    "add_direction": gettext_lazy("Which direction did they go?"),
    "add_vehicle": gettext_lazy("Was there a vehicle? Add its kind, colour and licence plate."),
    "add_plate": gettext_lazy("Add the licence plate, even partly."),
    "add_vehicle_details": gettext_lazy("Add the kind of vehicle, make and colour."),
    "add_photo": gettext_lazy("A photo helps, if you could take one safely."),
}


def hint_message(code: str) -> str:
    """The translated text of a hint code (unknown codes come back unchanged)."""
    message = _HINT_MESSAGES.get(code)
    return str(message) if message is not None else code


@dataclass(frozen=True)
class Quality:
    score: int
    codes: list[str] = field(default_factory=list)

    @property
    def hints(self) -> list[str]:
        """The hints as translated sentences, in the active language."""
        return [hint_message(code) for code in self.codes]


def _filled(data: Mapping[str, Any], *names: str) -> bool:
    return any(str(data.get(name) or "").strip() for name in names)


def _non_empty(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [item for item in items if any(str(v or "").strip() for v in item.values())]


def assess(data: ReportInput) -> Quality:
    """Score a report and say what would make it more useful. Never raises on partial input."""
    earned = 0.0
    possible = 0.0
    codes: list[str] = []

    # What: the description.
    length = len((data.description or "").strip())
    possible += WEIGHT_WHAT
    earned += WEIGHT_WHAT * min(1.0, length / DESCRIPTION_GOOD)
    if length < DESCRIPTION_SHORT:
        codes.append("describe_more")
    elif length < DESCRIPTION_GOOD:
        codes.append("describe_more_detail")

    # Where: an address is best; a pin alone gets most of it.
    possible += WEIGHT_WHERE
    if data.address is not None or (data.location_text or "").strip():
        earned += WEIGHT_WHERE
    elif data.lat is not None and data.lon is not None:
        earned += WEIGHT_WHERE * 0.7
        codes.append("add_address")
    else:
        codes.append("add_address")

    # When: the service requires it; a missing time earns nothing.
    possible += WEIGHT_WHEN
    if data.observed_at is not None:
        earned += WEIGHT_WHEN

    # Who.
    persons = _non_empty(data.persons)
    category = data.category
    if persons or (category is not None and category.asks_person):
        possible += WEIGHT_WHO
        if not persons:
            codes.append("add_person")
        else:
            fractions = []
            for person in persons:
                details = sum(1 for group in _PERSON_DETAILS if _filled(person, *group))
                fraction = 0.4 if _filled(person, "behaviour") else 0.0
                fraction += 0.4 * min(1.0, details / 5)
                fraction += 0.2 if _filled(person, "direction", "transport") else 0.0
                fractions.append(fraction)
            earned += WEIGHT_WHO * sum(fractions) / len(fractions)
            if not all(_filled(p, "behaviour") for p in persons):
                codes.append("add_behaviour")
            if not all(_filled(p, "top") and _filled(p, "bottom") for p in persons):
                codes.append("add_clothing")
            if not all(
                _filled(p, "age_min", "age_max", "height_min_cm", "height_max_cm", "build")
                for p in persons
            ):
                codes.append("add_person_details")
            if not all(_filled(p, "direction", "transport") for p in persons):
                codes.append("add_direction")

    # How: the vehicle.
    vehicles = _non_empty(data.vehicles)
    if vehicles or (category is not None and category.asks_vehicle and not persons):
        possible += WEIGHT_HOW
        if not vehicles:
            codes.append("add_vehicle")
        else:
            fractions = []
            for vehicle in vehicles:
                details = sum(1 for name in _VEHICLE_DETAILS if _filled(vehicle, name))
                fraction = 0.5 if _filled(vehicle, "licence_plate") else 0.0
                fraction += 0.35 * min(1.0, details / 3)
                fraction += 0.15 if _filled(vehicle, "direction") else 0.0
                fractions.append(fraction)
            earned += WEIGHT_HOW * sum(fractions) / len(fractions)
            if not all(_filled(v, "licence_plate") for v in vehicles):
                codes.append("add_plate")
            if not all(
                sum(1 for name in _VEHICLE_DETAILS if _filled(v, name)) >= 2 for v in vehicles
            ):
                codes.append("add_vehicle_details")
            if "add_direction" not in codes and not all(_filled(v, "direction") for v in vehicles):
                codes.append("add_direction")

    if not data.photos and category is not None and (category.asks_person or category.asks_vehicle):
        # A hint only: photos are not scored, taking one is not always safe.
        codes.append("add_photo")

    score = round(100 * earned / possible) if possible else 0
    return Quality(score=max(0, min(100, score)), codes=codes)
