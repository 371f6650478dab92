"""Cutting a canvass area into walking routes (INQ-2). Pure functions: no database, so the
route builder can be tested and benchmarked on its own."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Door:
    """One address from the register as the route builder needs it."""

    address_id: int
    street: str
    house_number: int
    addition: str
    distance_m: float


@dataclass
class Route:
    street: str
    doors: list[Door] = field(default_factory=list)

    @property
    def label(self) -> str:
        numbers = sorted({d.house_number for d in self.doors})
        if not numbers:
            return self.street
        if numbers[0] == numbers[-1]:
            return f"{self.street} {numbers[0]}"
        return f"{self.street} {numbers[0]}–{numbers[-1]}"

    @property
    def nearest_m(self) -> float:
        return min((d.distance_m for d in self.doors), default=math.inf)


def _walking_order(doors: Iterable[Door]) -> list[Door]:
    """Up the odd side, back down the even side: in the Netherlands odd and even numbers face
    each other, so a pair walks the street once and never crosses back and forth."""
    odd = sorted(
        (d for d in doors if d.house_number % 2 == 1), key=lambda d: (d.house_number, d.addition)
    )
    even = sorted(
        (d for d in doors if d.house_number % 2 == 0),
        key=lambda d: (d.house_number, d.addition),
        reverse=True,
    )
    return odd + even


def _split(doors: list[Door], size: int) -> list[list[Door]]:
    """Cut one street into parts of at most ``size`` doors, as equal as possible, so no pair
    gets a route of two doors after a full one."""
    if len(doors) <= size:
        return [doors]
    parts = math.ceil(len(doors) / size)
    base, extra = divmod(len(doors), parts)
    chunks, start = [], 0
    for i in range(parts):
        end = start + base + (1 if i < extra else 0)
        chunks.append(doors[start:end])
        start = end
    return chunks


def build_routes(doors: Sequence[Door], *, route_size: int) -> list[Route]:
    """Group doors into routes by street, in walking order, nearest streets first (the first
    hours matter most for witnesses). Every door appears in exactly one route."""
    if route_size < 1:
        raise ValueError("route_size must be at least 1")
    by_street: dict[str, list[Door]] = defaultdict(list)
    for door in doors:
        by_street[door.street].append(door)
    routes: list[Route] = []
    for street, street_doors in by_street.items():
        for chunk in _split(_walking_order(street_doors), route_size):
            routes.append(Route(street=street, doors=chunk))
    routes.sort(key=lambda r: (round(r.nearest_m), r.street, r.doors[0].house_number))
    return routes
