"""Point-in-neighbourhood lookups through an in-memory spatial index (COM-2).

The index holds every buurt polygon in a shapely ``STRtree`` (bounding-box candidates) with
prepared geometries (fast exact tests), built lazily once per process. Before each lookup a single
aggregate query (count, highest id, latest change of the buurten) tells whether another process or
an import changed the areas; if so the index is rebuilt. Import services also call
``invalidate()`` after they commit, so the importing process never answers from a stale index.

Points on a shared boundary lie in both polygons; the buurt with the lowest CBS code wins, so the
same point always resolves to the same buurt, in single and in bulk lookups alike.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
import structlog
from django.db.models import Count, Max
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from samenveilig.areas.models import Area, AreaLevel

logger = structlog.get_logger(__name__)

IndexKey = tuple[int, int | None, datetime | None]


@dataclass(frozen=True)
class _Index:
    key: IndexKey
    area_ids: np.ndarray  # area id per tree position, sorted by code (see module docstring)
    geometries: np.ndarray  # prepared shapely polygons, same order
    tree: shapely.STRtree


_lock = threading.Lock()
_index: _Index | None = None


def _neighbourhoods_with_geometry() -> Any:
    return Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD, geometry__isnull=False)


def _current_key() -> IndexKey:
    """Cheap fingerprint of the buurten: changes when one is added, removed or edited."""
    stats = _neighbourhoods_with_geometry().aggregate(
        count=Count("id"), max_id=Max("id"), changed=Max("updated_at")
    )
    return (stats["count"], stats["max_id"], stats["changed"])


def _to_geometry(geojson: Any) -> BaseGeometry | None:
    """A valid (Multi)Polygon from stored GeoJSON, or ``None`` for anything unusable.

    The importer only stores valid polygons, but rows edited in the admin or made by other code
    could hold anything; one bad row must not break lookups for the rest.
    """
    try:
        geometry = shape(geojson)
    except Exception:  # noqa: BLE001 - shapely raises several types for malformed input
        return None
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or geometry.is_empty:
        return None
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


def _build(key: IndexKey) -> _Index:
    ids: list[int] = []
    geometries: list[BaseGeometry] = []
    rows = _neighbourhoods_with_geometry().order_by("code").values_list("id", "geometry")
    for area_id, geojson in rows.iterator(chunk_size=500):
        geometry = _to_geometry(geojson)
        if geometry is None:
            logger.warning("areas.spatial.unusable_geometry", area_id=area_id)
            continue
        ids.append(area_id)
        geometries.append(geometry)
    geometry_array = np.array(geometries, dtype=object)
    shapely.prepare(geometry_array)
    logger.info("areas.spatial.index_built", neighbourhoods=len(ids))
    return _Index(
        key=key,
        area_ids=np.array(ids, dtype=np.int64),
        geometries=geometry_array,
        tree=shapely.STRtree(geometry_array),
    )


def _get_index() -> _Index:
    global _index
    key = _current_key()
    index = _index
    if index is not None and index.key == key:
        return index
    with _lock:
        if _index is None or _index.key != key:
            _index = _build(key)
        return _index


def invalidate() -> None:
    """Drop the index; the next lookup rebuilds it. Call after changing buurt geometries."""
    global _index
    with _lock:
        _index = None


def neighbourhood_ids_at(points: Sequence[tuple[float, float]]) -> list[int | None]:
    """The buurt id for each ``(lat, lon)`` point, ``None`` where no buurt contains it.

    Vectorised: one tree query for all points, then one prepared-geometry test per candidate,
    so tens of thousands of points resolve in well under a second.
    """
    if len(points) == 0:
        return []
    index = _get_index()
    result: list[int | None] = [None] * len(points)
    if len(index.area_ids) == 0:
        return result
    coords = np.asarray(points, dtype=float).reshape(-1, 2)
    shapely_points = shapely.points(coords[:, 1], coords[:, 0])  # GeoJSON order: lon, lat
    point_pos, tree_pos = index.tree.query(shapely_points)  # bounding boxes only
    if len(point_pos) == 0:
        return result
    # covers() includes the boundary, unlike contains(): a point on an edge still gets a buurt.
    hits = shapely.covers(index.geometries[tree_pos], shapely_points[point_pos])
    # Visit hits from the highest tree position down, so the lowest position (lowest code)
    # is written last and wins on a shared boundary.
    order = np.lexsort((-tree_pos[hits], point_pos[hits]))
    for p, t in zip(point_pos[hits][order], tree_pos[hits][order], strict=True):
        result[int(p)] = int(index.area_ids[int(t)])
    return result


def neighbourhood_id_at(lat: float, lon: float) -> int | None:
    """The id of the buurt that contains the point, or ``None``."""
    return neighbourhood_ids_at([(lat, lon)])[0]


def neighbourhood_at(lat: float, lon: float) -> Area | None:
    """The buurt (with its wijk and gemeente loaded) that contains the point, or ``None``."""
    area_id = neighbourhood_id_at(lat, lon)
    if area_id is None:
        return None
    return Area.objects.select_related("parent", "parent__parent").filter(pk=area_id).first()
