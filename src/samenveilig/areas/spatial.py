"""Point-in-neighbourhood lookups through an in-memory spatial index (COM-2).

The index holds every buurt polygon in a shapely ``STRtree`` (bounding-box candidates) with
prepared geometries (fast exact tests), built lazily once per process, together with each buurt's
wijk and gemeente (id, code, name, level, parent), so ``neighbourhood_at`` answers without a
query.

Staying current:

- *This process*: saving or deleting an ``Area`` (signals) drops the index at once and again when
  the transaction commits; import services, which write in bulk without signals, call
  ``invalidate()``. After such a signal every lookup compares the fingerprint (below) until one
  runs outside a transaction, so a rolled-back change is never served from the index either.
- *Other processes* (another web worker, an import command): a single aggregate query (count,
  highest id, latest change of the buurten — the fingerprint) tells whether the areas changed; it
  runs at most once per ``AREAS_SPATIAL_RECHECK_SECONDS`` (default 1 s) per process, not per
  lookup, so another process's change is seen within a second.

Points on a shared boundary lie in both polygons; the buurt with the lowest CBS code wins, so the
same point always resolves to the same buurt, in single and in bulk lookups alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
import structlog
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_migrate, post_save
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from samenveilig.areas.models import Area, AreaLevel

logger = structlog.get_logger(__name__)

IndexKey = tuple[int, int | None, datetime | None]
DEFAULT_RECHECK_SECONDS = 1.0
# The columns of an Area kept in the index (everything but the polygon, which stays deferred).
_AREA_FIELDS = (
    "id",
    "code",
    "name",
    "level",
    "parent_id",
    "min_lat",
    "min_lon",
    "max_lat",
    "max_lon",
    "centroid_lat",
    "centroid_lon",
    "updated_at",
)


@dataclass(frozen=True)
class _Index:
    key: IndexKey
    area_ids: np.ndarray  # area id per tree position, sorted by code (see module docstring)
    geometries: np.ndarray  # prepared shapely polygons, same order
    tree: shapely.STRtree
    # Column values (``_AREA_FIELDS``) of every buurt in the index and of its wijk and gemeente.
    rows: dict[int, tuple[Any, ...]]


_lock = threading.Lock()
_index: _Index | None = None
_checked_at = 0.0  # time.monotonic() of the last fingerprint comparison
_changed_here = False  # an Area was saved or deleted in this process: compare on every lookup


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


def _area_rows(buurt_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """The stored columns of the buurten and of their ancestors (two levels up at most)."""
    rows: dict[int, tuple[Any, ...]] = {}
    wanted = set(buurt_ids)
    parent_pos = _AREA_FIELDS.index("parent_id")
    for _level in range(3):
        wanted -= rows.keys()
        if not wanted:
            break
        found = Area.objects.filter(pk__in=wanted).values_list(*_AREA_FIELDS)
        for row in found:
            rows[row[0]] = row
        wanted = {row[parent_pos] for row in rows.values() if row[parent_pos] is not None}
    return rows


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
        rows=_area_rows(ids),
    )


def _recheck_seconds() -> float:
    return float(getattr(settings, "AREAS_SPATIAL_RECHECK_SECONDS", DEFAULT_RECHECK_SECONDS))


def _get_index() -> _Index:
    global _index, _checked_at, _changed_here
    index = _index
    now = time.monotonic()
    if index is not None and not _changed_here and now - _checked_at < _recheck_seconds():
        return index
    key = _current_key()
    if not connection.in_atomic_block:
        # What the fingerprint saw is committed: a change made here (or rolled back) is now
        # either in it or gone, so the cheaper once-a-second check is safe again.
        _changed_here = False
    if index is None or index.key != key:
        with _lock:
            if _index is None or _index.key != key:
                _index = _build(key)
            index = _index
    _checked_at = now
    return index


def invalidate() -> None:
    """Drop the index; the next lookup rebuilds it. Call after changing buurt geometries."""
    global _index
    with _lock:
        _index = None


def _area_changed(**_kwargs: Any) -> None:
    """An Area was saved or deleted in this process (or the tables were flushed)."""
    global _changed_here
    _changed_here = True
    invalidate()
    if connection.in_atomic_block:
        # Rebuild from committed rows once the change is visible to every connection.
        transaction.on_commit(invalidate)


post_save.connect(_area_changed, sender=Area, dispatch_uid="areas.spatial.saved")
post_delete.connect(_area_changed, sender=Area, dispatch_uid="areas.spatial.deleted")
# ``flush`` (between transactional tests, ``manage.py flush``) emits post_migrate, not deletes.
post_migrate.connect(_area_changed, dispatch_uid="areas.spatial.migrated")


def neighbourhood_ids_at(points: Sequence[tuple[float, float]]) -> list[int | None]:
    """The buurt id for each ``(lat, lon)`` point, ``None`` where no buurt contains it.

    Vectorised: one tree query for all points, then one prepared-geometry test per candidate,
    so tens of thousands of points resolve in well under a second.
    """
    if len(points) == 0:
        return []
    return _ids_at(_get_index(), points)


def _ids_at(index: _Index, points: Sequence[tuple[float, float]]) -> list[int | None]:
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


def _area_from_index(index: _Index, area_id: int | None, depth: int) -> Area | None:
    """A fresh ``Area`` (the polygon deferred) with its parents attached, from the index."""
    row = index.rows.get(area_id) if area_id is not None else None
    if row is None:
        return None
    area = Area.from_db("default", _AREA_FIELDS, row)
    if depth > 0 and area.parent_id is not None:
        parent = _area_from_index(index, area.parent_id, depth - 1)
        if parent is not None:
            area.parent = parent
    return area


def neighbourhood_at(lat: float, lon: float) -> Area | None:
    """The buurt (with its wijk and gemeente loaded) that contains the point, or ``None``.

    Answered from the index without a query; ``geometry`` is deferred (loaded when read).
    """
    index = _get_index()
    if len(index.area_ids) == 0:
        return None
    return _area_from_index(index, _ids_at(index, [(lat, lon)])[0], depth=2)
