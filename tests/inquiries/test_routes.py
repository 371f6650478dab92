"""The route builder (INQ-2) as properties: whatever the doors, every door is on exactly one
route, no route is longer than asked, a route never mixes streets, each route walks up the odd
side and back down the even side, and nearer streets come first."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samenveilig.inquiries.routes import Door, Route, build_routes

STREETS = ["Kerkstraat", "Molenweg", "Dorpsstraat", "Achterom", "Lange Laan"]


@st.composite
def doors(draw: st.DrawFn) -> list[Door]:
    """Up to 120 doors on up to five streets; numbers and additions unique per street, as in
    the register; distances between 0 and 1,000 m."""
    count = draw(st.integers(min_value=0, max_value=120))
    seen: set[tuple[str, int, str]] = set()
    result = []
    for address_id in range(1, count + 1):
        street = draw(st.sampled_from(STREETS))
        number = draw(st.integers(min_value=1, max_value=80))
        addition = draw(st.sampled_from(["", "", "", "A", "B", "1"]))
        if (street, number, addition) in seen:
            continue
        seen.add((street, number, addition))
        distance = draw(st.floats(min_value=0, max_value=1000, allow_nan=False))
        result.append(Door(address_id, street, number, addition, distance))
    return result


sizes = st.integers(min_value=1, max_value=30)


@settings(max_examples=100, deadline=None)
@given(doors(), sizes)
def test_every_door_is_on_exactly_one_route(given_doors, size):
    routes = build_routes(given_doors, route_size=size)
    on_routes = [d.address_id for r in routes for d in r.doors]
    assert sorted(on_routes) == sorted(d.address_id for d in given_doors)


@settings(max_examples=100, deadline=None)
@given(doors(), sizes)
def test_no_route_is_empty_or_longer_than_the_size(given_doors, size):
    for route in build_routes(given_doors, route_size=size):
        assert 1 <= len(route.doors) <= size


@settings(max_examples=100, deadline=None)
@given(doors(), sizes)
def test_a_route_never_mixes_streets(given_doors, size):
    for route in build_routes(given_doors, route_size=size):
        assert {d.street for d in route.doors} == {route.street}


@settings(max_examples=100, deadline=None)
@given(doors(), sizes)
def test_parts_of_one_street_differ_by_at_most_one_door(given_doors, size):
    """A long street is cut evenly, so no pair gets two doors after a full route."""
    by_street: dict[str, list[int]] = {}
    for route in build_routes(given_doors, route_size=size):
        by_street.setdefault(route.street, []).append(len(route.doors))
    for lengths in by_street.values():
        assert max(lengths) - min(lengths) <= 1


def _street_walk(routes: list[Route], street: str) -> list[Door]:
    """The street's doors in walking order across its routes (its routes in the order the
    builder cut them: by their first door in that walk)."""
    parts = [r for r in routes if r.street == street]
    walk = [d for r in parts for d in r.doors]
    position = {d.address_id: i for i, d in enumerate(_expected_walk(walk))}
    parts.sort(key=lambda r: position[r.doors[0].address_id])
    return [d for r in parts for d in r.doors]


def _expected_walk(street_doors: list[Door]) -> list[Door]:
    odd = sorted(
        (d for d in street_doors if d.house_number % 2), key=lambda d: (d.house_number, d.addition)
    )
    even = sorted(
        (d for d in street_doors if not d.house_number % 2),
        key=lambda d: (d.house_number, d.addition),
        reverse=True,
    )
    return odd + even


@settings(max_examples=100, deadline=None)
@given(doors(), sizes)
def test_walking_order_is_odd_up_then_even_down(given_doors, size):
    routes = build_routes(given_doors, route_size=size)
    for route in routes:
        numbers = [d.house_number for d in route.doors]
        odd = [n for n in numbers if n % 2]
        even = [n for n in numbers if not n % 2]
        # Within one route: first the odd side going up, then the even side coming down.
        assert numbers == odd + even
        assert odd == sorted(odd)
        assert even == sorted(even, reverse=True)
    for street in {d.street for d in given_doors}:
        walk = _street_walk(routes, street)
        assert walk == _expected_walk([d for d in given_doors if d.street == street])


@settings(max_examples=100, deadline=None)
@given(doors(), sizes)
def test_nearest_routes_come_first(given_doors, size):
    nearest = [round(r.nearest_m) for r in build_routes(given_doors, route_size=size)]
    assert nearest == sorted(nearest)


def test_no_doors_no_routes():
    assert build_routes([], route_size=20) == []


@pytest.mark.parametrize("size", [0, -1])
def test_a_route_has_at_least_one_door(size):
    with pytest.raises(ValueError):
        build_routes([Door(1, "Kerkstraat", 1, "", 0.0)], route_size=size)


def test_a_long_street_is_cut_evenly_in_walking_order():
    street = [Door(n, "Kerkstraat", n, "", float(n)) for n in range(1, 11)]
    routes = build_routes(street, route_size=4)
    # Cut as 1 3 5 7 | 9 10 8 | 6 4 2, then ordered by their nearest door (1, 2 and 8 m).
    assert [[d.house_number for d in r.doors] for r in routes] == [
        [1, 3, 5, 7],
        [6, 4, 2],
        [9, 10, 8],
    ]
    assert [r.label for r in routes] == ["Kerkstraat 1–7", "Kerkstraat 2–6", "Kerkstraat 8–10"]


def test_labels_of_one_door_and_of_an_empty_route():
    assert Route("Molenweg", [Door(1, "Molenweg", 5, "", 3.0)]).label == "Molenweg 5"
    assert Route("Molenweg").label == "Molenweg"
    assert Route("Molenweg").nearest_m == math.inf
