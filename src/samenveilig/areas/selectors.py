"""Reads of areas and addresses."""

from __future__ import annotations

from collections.abc import Iterable

from samenveilig.areas.models import Area


def area_ids_within(root_ids: Iterable[int]) -> set[int]:
    """The given areas and every area below them (gemeente → wijken → buurten)."""
    found = set(root_ids)
    frontier = set(found)
    while frontier:
        children = set(Area.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = children - found
        found |= frontier
    return found
