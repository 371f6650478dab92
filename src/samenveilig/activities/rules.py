"""The rules a task must keep, shared by the forms (early feedback, next to the field) and the
services (which check again, whatever the caller)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.activities.models import MAX_CAPACITY, PATROL_MIN_PEOPLE, Repeat, TaskKind
from samenveilig.core.geo import valid_point
from samenveilig.training.content import SLUGS

MAX_REPEAT = timedelta(days=366)
MAX_CHECKLIST_ITEMS = 30
MAX_CHECKLIST_ITEM_LENGTH = 200

FIELDS = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "due_at",
    "meeting_point",
    "meeting_lat",
    "meeting_lon",
    "capacity",
    "min_people",
    "required_module",
    "checklist",
    "repeat",
    "repeat_until",
)


def task_errors(data: dict[str, Any], *, new: bool = True) -> dict[str, list[str]]:
    """Field → messages (in the active language) for everything wrong with ``data``."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = data.get("kind")
    if kind not in TaskKind.values:
        add("kind", _("Choose what kind of task this is."))
    if not (data.get("title") or "").strip():
        add("title", _("Give the task a title."))
    starts, ends, due = data.get("starts_at"), data.get("ends_at"), data.get("due_at")
    if starts or ends:
        if not (starts and ends):
            add("ends_at", _("Give both the start and the end of the time slot."))
        elif ends <= starts:
            add("ends_at", _("The end must be after the start."))
        elif ends - starts > timedelta(hours=24):
            add("ends_at", _("A time slot can be at most 24 hours."))
        if due:
            add("due_at", _("Give a time slot or a deadline, not both."))
    elif not due:
        add("starts_at", _("Give a time slot or a deadline."))
    finish = ends or due
    if new and finish and finish <= timezone.now():
        add("ends_at" if ends else "due_at", _("This moment has already passed."))
    capacity = data.get("capacity")
    minimum = data.get("min_people")
    if capacity is None or capacity < 1 or capacity > MAX_CAPACITY:
        add("capacity", _("Give between 1 and %(max)d places.") % {"max": MAX_CAPACITY})
    if minimum is None or minimum < 1:
        add("min_people", _("At least one person is needed."))
    elif kind == TaskKind.PATROL and minimum < PATROL_MIN_PEOPLE:
        add(
            "min_people",
            _("A patrol needs at least %(n)d people: nobody patrols alone.")
            % {"n": PATROL_MIN_PEOPLE},
        )
    elif capacity is not None and minimum > capacity:
        add("capacity", _("There must be at least as many places as the minimum number of people."))
    module = data.get("required_module") or ""
    if module and module not in SLUGS:
        add("required_module", _("Choose one of the training modules."))
    lat, lon = data.get("meeting_lat"), data.get("meeting_lon")
    if (lat is None) != (lon is None):
        add("meeting_lat", _("Give both the latitude and the longitude, or neither."))
    elif lat is not None and not valid_point(lat, lon):
        add("meeting_lat", _("This is not a point on the map."))
    checklist = data.get("checklist") or []
    if len(checklist) > MAX_CHECKLIST_ITEMS:
        add(
            "checklist",
            _("A checklist can have at most %(n)d items.") % {"n": MAX_CHECKLIST_ITEMS},
        )
    if any(len(item) > MAX_CHECKLIST_ITEM_LENGTH for item in checklist):
        add(
            "checklist",
            _("A checklist item can be at most %(n)d characters.")
            % {"n": MAX_CHECKLIST_ITEM_LENGTH},
        )
    repeat = data.get("repeat") or Repeat.NONE
    until = data.get("repeat_until")
    if repeat not in Repeat.values:
        add("repeat", _("Choose how often the task repeats."))
    elif repeat == Repeat.WEEKLY:
        if not starts:
            add("repeat", _("Only a task with a time slot can repeat every week."))
        elif until is not None:
            first = timezone.localtime(starts).date()
            if until < first:
                add("repeat_until", _("The last date must be on or after the first."))
            elif until - first > MAX_REPEAT:
                add("repeat_until", _("A task can repeat for at most a year."))
    return errors


def parse_checklist(text: str) -> list[str]:
    """One item per line; blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
