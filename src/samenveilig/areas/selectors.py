"""Reads of areas and addresses.

Areas and the address register are public information (CBS, BAG); communities are not, so every
read that lists communities goes through ``communities_visible_to``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.areas.normalise import (
    normalise_addition,
    normalise_house_number,
    normalise_postcode,
)

if TYPE_CHECKING:
    from samenveilig.accounts.roles import AnyUser
    from samenveilig.communities.models import Community


def area_ids_within(root_ids: Iterable[int]) -> set[int]:
    """The given areas and every area below them (gemeente → wijken → buurten)."""
    found = set(root_ids)
    frontier = set(found)
    while frontier:
        children = set(Area.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = children - found
        found |= frontier
    return found


def area_and_ancestor_ids(area: Area) -> set[int]:
    """The area itself, its wijk and its gemeente (at most three levels, so a short walk)."""
    ids: set[int] = set()
    current_id: int | None = area.pk
    while current_id is not None and current_id not in ids:
        ids.add(current_id)
        current_id = Area.objects.filter(pk=current_id).values_list("parent_id", flat=True).first()
    return ids


def address_lookup(postcode: str, house_number: int | str, addition: str = "") -> Address | None:
    """The address with this postcode, house number and addition, in any spelling
    (``"1234 ab"``, ``"12"``, ``"a-2"``); ``None`` when it is unknown or the input is not valid.

    The buurt, wijk and gemeente come loaded with it.
    """
    normal_postcode = normalise_postcode(postcode)
    number = normalise_house_number(house_number)
    normal_addition = normalise_addition(addition)
    if normal_postcode is None or number is None or normal_addition is None:
        return None
    return (
        Address.objects.select_related(
            "neighbourhood", "neighbourhood__parent", "neighbourhood__parent__parent"
        )
        .filter(
            postcode=normal_postcode, house_number=number, house_number_addition=normal_addition
        )
        .first()
    )


def municipalities() -> QuerySet[Area]:
    return Area.objects.filter(level=AreaLevel.MUNICIPALITY).order_by("name", "code")


def neighbourhoods_with_parents(*, municipality: Area | None = None) -> QuerySet[Area]:
    """Buurten with their wijk and gemeente loaded, ordered for a table grouped by wijk."""
    queryset = Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD).select_related(
        "parent", "parent__parent"
    )
    if municipality is not None:
        queryset = queryset.filter(parent__parent=municipality)
    return queryset.order_by("parent__parent__name", "parent__name", "parent__code", "name", "code")


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": row["code"],
        "geometry": row["geometry"],
        "properties": {
            "code": row["code"],
            "name": row["name"],
            "district": row["parent__name"] or "",
            "municipality": row["parent__parent__name"] or "",
        },
    }


def neighbourhoods_geojson(*, municipality: Area | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the buurten that have a boundary.

    Properties hold only public CBS information: code, name, wijk and gemeente names.
    """
    queryset = neighbourhoods_with_parents(municipality=municipality).filter(geometry__isnull=False)
    rows = queryset.values("code", "name", "geometry", "parent__name", "parent__parent__name")
    return {"type": "FeatureCollection", "features": [_feature(row) for row in rows]}


def communities_covering(user: AnyUser, neighbourhood: Area) -> QuerySet[Community]:
    """Communities the user may see that cover the buurt, its wijk or its gemeente."""
    # Imported here: communities.selectors imports this module at load time.
    from samenveilig.communities.selectors import communities_visible_to

    return (
        communities_visible_to(user)
        .filter(areas__id__in=area_and_ancestor_ids(neighbourhood))
        .distinct()
        .order_by("name")
    )
