"""The structured description an alert carries (ALR-1): validated with the same rules as a report's
person and vehicle descriptions (REP-3, REP-4), and turned into text in the reader's language.

Why the text is built, not typed: a typed description escapes the anti-profiling rule and ends up
as "man met donkere huidskleur" in a hundred inboxes. Built from fields, every alert names behaviour
and distinctive details, and the words are the reader's own language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from samenveilig.reports.models import PersonDescription, VehicleDescription
from samenveilig.reports.validators import profiling_errors, validate_plate

PERSON_TEXT_FIELDS = (
    "behaviour",
    "sex",
    "build",
    "skin_colour",
    "hair_colour",
    "hair_style",
    "beard",
    "glasses",
    "top",
    "bottom",
    "shoes",
    "headwear",
    "features",
    "direction",
    "transport",
)
PERSON_NUMBER_FIELDS = ("age_min", "age_max", "height_min_cm", "height_max_cm")
PERSON_FIELDS = frozenset(PERSON_TEXT_FIELDS + PERSON_NUMBER_FIELDS)
VEHICLE_FIELDS = frozenset(
    ("kind", "make", "model", "colour", "lettering", "licence_plate", "direction")
)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(raw: Mapping[str, Any], allowed: frozenset[str], numbers: tuple[str, ...]) -> dict:
    cleaned: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in allowed or _is_blank(value):
            continue
        if key in numbers:
            cleaned[key] = value
        else:
            cleaned[key] = str(value).strip()
    return cleaned


def _model_errors(instance: Any, prefix: str, errors: dict[str, list[str]]) -> None:
    try:
        instance.full_clean(exclude=["report"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(f"{prefix}.{name}", []).extend(messages)


def clean_person(
    raw: Mapping[str, Any] | None, free_text: str, errors: dict[str, list[str]]
) -> dict[str, Any] | None:
    """The person description as stored on the alert, or ``None`` when nothing was filled in.

    ``free_text`` (headline and message) is checked too: "Marokkaanse jongen" in the headline is
    profiling whether or not the structured fields are filled in."""
    raw = raw or {}
    unknown = sorted(set(raw) - PERSON_FIELDS)
    if unknown:
        errors.setdefault("person", []).append(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)}
        )
        return None
    person = _clean(raw, PERSON_FIELDS, PERSON_NUMBER_FIELDS)
    for key, messages in profiling_errors([person] if person else [], free_text).items():
        field = key.replace("persons.0", "person").replace("description", "message")
        errors.setdefault(field, []).extend(messages)
    if not person:
        return None
    instance = PersonDescription(**person)
    _model_errors(instance, "person", errors)
    for low, high in (("age_min", "age_max"), ("height_min_cm", "height_max_cm")):
        lo, hi = getattr(instance, low), getattr(instance, high)
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            errors.setdefault(f"person.{high}", []).append(
                _("The upper end of the range must not be smaller than the lower end.")
            )
    for name in PERSON_NUMBER_FIELDS:
        value = getattr(instance, name)
        if isinstance(value, int):
            person[name] = value
    return person


def clean_vehicle(
    raw: Mapping[str, Any] | None, errors: dict[str, list[str]]
) -> dict[str, Any] | None:
    raw = raw or {}
    unknown = sorted(set(raw) - VEHICLE_FIELDS)
    if unknown:
        errors.setdefault("vehicle", []).append(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)}
        )
        return None
    vehicle = _clean(raw, VEHICLE_FIELDS, ())
    if not vehicle:
        return None
    if vehicle.get("licence_plate"):
        try:
            validate_plate(vehicle["licence_plate"])
        except ValidationError as error:
            errors.setdefault("vehicle.licence_plate", []).extend(error.messages)
    _model_errors(VehicleDescription(**vehicle), "vehicle", errors)
    return vehicle


def _range(low: Any, high: Any, unit: str) -> str:
    if low and high and low != high:
        return f"{low}–{high}{unit}"
    return f"{low or high}{unit}"


def describe_person(person: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) pairs in reading order, in the active language."""
    if not person:
        return []
    lines: list[tuple[str, str]] = []

    def add(label: str, value: Any) -> None:
        if not _is_blank(value):
            lines.append((label, str(value)))

    add(_("What the person did"), person.get("behaviour"))
    add(_("Sex"), person.get("sex"))
    if person.get("age_min") or person.get("age_max"):
        add(_("Age"), _range(person.get("age_min"), person.get("age_max"), ""))
    if person.get("height_min_cm") or person.get("height_max_cm"):
        add(_("Height"), _range(person.get("height_min_cm"), person.get("height_max_cm"), " cm"))
    add(_("Build"), person.get("build"))
    add(_("Skin colour"), person.get("skin_colour"))
    hair = ", ".join(
        str(person[k]) for k in ("hair_colour", "hair_style") if not _is_blank(person.get(k))
    )
    add(_("Hair"), hair)
    add(_("Beard"), person.get("beard"))
    add(_("Glasses"), person.get("glasses"))
    add(_("Top"), person.get("top"))
    add(_("Bottom"), person.get("bottom"))
    add(_("Shoes"), person.get("shoes"))
    add(_("Headwear"), person.get("headwear"))
    add(_("Distinctive features"), person.get("features"))
    add(_("Direction"), person.get("direction"))
    add(_("Means of transport"), person.get("transport"))
    return lines


def describe_vehicle(vehicle: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if not vehicle:
        return []
    lines: list[tuple[str, str]] = []
    kind = " ".join(str(vehicle[k]) for k in ("colour", "make", "model", "kind") if vehicle.get(k))
    if kind:
        lines.append((_("Vehicle"), kind))
    if vehicle.get("licence_plate"):
        lines.append((_("Licence plate"), vehicle["licence_plate"]))
    if vehicle.get("lettering"):
        lines.append((_("Lettering"), vehicle["lettering"]))
    if vehicle.get("direction"):
        lines.append((_("Direction"), vehicle["direction"]))
    return lines


def as_text(alert: Any) -> str:
    """The alert as plain text (e-mail, push, WhatsApp) in the active language."""
    parts = [alert.title]
    lines = describe_person(alert.person) + describe_vehicle(alert.vehicle)
    parts.extend(f"{label}: {value}" for label, value in lines)
    if alert.message:
        parts.append(alert.message)
    return "\n".join(parts)
