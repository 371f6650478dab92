"""Imports of the area tree (COM-1, CBS wijk- en buurtkaart as GeoJSON) and of the address
register (COM-2, a BAG-shaped CSV).

Both imports are idempotent (rows are keyed on the CBS code, or on postcode + house number +
addition), report bad rows with their position and a reason while importing the rest, and write
one audit event per run with counts only.

Area imports validate every feature first and then write everything in one transaction: a CBS
file holds at most some twenty thousand areas, and one transaction means a failure leaves the
tree exactly as it was. Address imports stream the file in batches, each batch validated first
and written in its own transaction, so a whole-country BAG file never holds one huge transaction
open; a crash halfway leaves whole batches, and running the import again completes it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

import shapely
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from samenveilig.areas import spatial
from samenveilig.areas.models import Address, Area, AreaLevel
from samenveilig.areas.normalise import (
    normalise_addition,
    normalise_house_number,
    normalise_postcode,
)
from samenveilig.core import audit

PathOrFile = str | Path | IO[str] | IO[bytes]
# Called with the number of rows (features, CSV rows) handled so far.
ProgressCallback = Callable[[int], None]

PROGRESS_EVERY = 1000
# One batch = one validation pass, one spatial lookup, one transaction, one progress report.
ADDRESS_BATCH_SIZE = 1000

_NAME_MAX = Area._meta.get_field("name").max_length or 120
_STREET_MAX = Address._meta.get_field("street").max_length or 120
_CITY_MAX = Address._meta.get_field("city").max_length or 80
_BAG_ID_MAX = Address._meta.get_field("bag_id").max_length or 20


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, wrong shape or columns)."""


@dataclass
class ImportResult:
    """What an import did. ``errors`` holds ``(line, reason)``: the 1-based feature index for
    GeoJSON, the line number in the file for CSV."""

    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Areas created without a boundary because a feature named them as its wijk or gemeente.
    parents_created: int = 0
    # Addresses that lie outside every known buurt (imported, without a buurt).
    unresolved: int = 0

    @property
    def imported(self) -> int:
        return self.created + self.updated

    def counts(self) -> dict[str, int]:
        """Counts only (for the audit log): never row contents."""
        return {
            "created": self.created,
            "updated": self.updated,
            "errors": len(self.errors),
            "parents_created": self.parents_created,
            "unresolved": self.unresolved,
        }


class _RowError(Exception):
    """One row is bad; the message is the translated reason shown to the importer."""


# --- opening files ----------------------------------------------------------------------------


@contextmanager
def _open_text(path_or_file: PathOrFile) -> Iterator[IO[str]]:
    """A text stream over a path or an open (text or binary) file; a leading BOM is dropped."""
    if isinstance(path_or_file, str | Path):
        try:
            handle = open(path_or_file, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except FileNotFoundError as exc:
            raise ImportFileError(_("File not found: %(path)s") % {"path": path_or_file}) from exc
        except OSError as exc:
            raise ImportFileError(
                _("Cannot read %(path)s: %(reason)s")
                % {"path": path_or_file, "reason": exc.strerror}
            ) from exc
        with handle:
            yield handle
        return
    if isinstance(path_or_file, io.TextIOBase) or "b" not in getattr(path_or_file, "mode", "b"):
        yield path_or_file  # type: ignore[misc]
        return
    wrapper = io.TextIOWrapper(path_or_file, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    try:
        yield wrapper
    finally:
        wrapper.detach()  # the caller owns the binary file and closes it


def _report_progress(progress: ProgressCallback | None, done: int, *, final: bool = False) -> None:
    if progress is not None and (final or done % PROGRESS_EVERY == 0):
        progress(done)


# --- areas (COM-1) ----------------------------------------------------------------------------

# CBS property names, lower-cased; the upper-case variants (BU_CODE…) match after lower-casing.
_AREA_KEYS: dict[str, tuple[str, ...]] = {
    "buurtcode": ("buurtcode", "bu_code"),
    "buurtnaam": ("buurtnaam", "bu_naam"),
    "wijkcode": ("wijkcode", "wk_code"),
    "wijknaam": ("wijknaam", "wk_naam"),
    "gemeentecode": ("gemeentecode", "gm_code"),
    "gemeentenaam": ("gemeentenaam", "gm_naam"),
}
# CBS codes are hierarchical: BU + GGGG (gemeente) + WW (wijk) + BB (buurt).
_CODE_RE = {
    AreaLevel.MUNICIPALITY: re.compile(r"^GM\d{4}$"),
    AreaLevel.DISTRICT: re.compile(r"^WK\d{6}$"),
    AreaLevel.NEIGHBOURHOOD: re.compile(r"^BU\d{8}$"),
}
_LEVEL_KEYS = {
    AreaLevel.NEIGHBOURHOOD: ("buurtcode", "buurtnaam"),
    AreaLevel.DISTRICT: ("wijkcode", "wijknaam"),
    AreaLevel.MUNICIPALITY: ("gemeentecode", "gemeentenaam"),
}
_CODE_EXAMPLE = {
    AreaLevel.MUNICIPALITY: "GM0344",
    AreaLevel.DISTRICT: "WK034401",
    AreaLevel.NEIGHBOURHOOD: "BU03440101",
}
_LEVELS_TOP_DOWN = (AreaLevel.MUNICIPALITY, AreaLevel.DISTRICT, AreaLevel.NEIGHBOURHOOD)
_RD_NEW_MARKERS = ("28992", "rd_new", "amersfoort")


@dataclass
class _AreaRow:
    line: int
    code: str
    name: str
    level: AreaLevel
    geometry: dict[str, Any]
    bounds: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    centroid: tuple[float, float]  # lat, lon
    # Names of the wijk and gemeente as the feature gives them, for parents without a feature.
    parent_names: dict[str, str]


def _level_code(level: AreaLevel, code: str) -> str:
    """The code of the ancestor at ``level`` of a (lower-level) CBS code."""
    digits = code[2:]
    if level == AreaLevel.MUNICIPALITY:
        return f"GM{digits[:4]}"
    return f"WK{digits[:6]}"


def _parent_code(level: str, code: str) -> str | None:
    if level == AreaLevel.NEIGHBOURHOOD:
        return _level_code(AreaLevel.DISTRICT, code)
    if level == AreaLevel.DISTRICT:
        return _level_code(AreaLevel.MUNICIPALITY, code)
    return None


def _level_of_code(code: str) -> AreaLevel:
    return {"GM": AreaLevel.MUNICIPALITY, "WK": AreaLevel.DISTRICT}.get(
        code[:2], AreaLevel.NEIGHBOURHOOD
    )


def _cbs_properties(raw: Any) -> dict[str, str]:
    """The CBS properties of a feature under their canonical names, trimmed, empty ones left out."""
    if not isinstance(raw, dict):
        return {}
    lowered = {str(key).strip().lower(): value for key, value in raw.items()}
    found: dict[str, str] = {}
    for canonical, aliases in _AREA_KEYS.items():
        for alias in aliases:
            value = lowered.get(alias)
            if value is not None and str(value).strip():
                found[canonical] = str(value).strip()
                break
    return found


def _feature_level(props: dict[str, str]) -> AreaLevel:
    for level in (AreaLevel.NEIGHBOURHOOD, AreaLevel.DISTRICT, AreaLevel.MUNICIPALITY):
        if _LEVEL_KEYS[level][0] in props:
            return level
    raise _RowError(_("no buurtcode, wijkcode or gemeentecode in the properties"))


def _checked_code(level: AreaLevel, raw: str, key: str) -> str:
    code = raw.upper()
    if not _CODE_RE[level].match(code):
        raise _RowError(
            _("%(key)s %(code)s is not a CBS code (like %(example)s)")
            % {"key": key, "code": raw[:40], "example": _CODE_EXAMPLE[level]}
        )
    return code


def _checked_parent_codes(level: AreaLevel, code: str, props: dict[str, str]) -> dict[str, str]:
    """Codes of the wijk/gemeente above the feature, from its properties or derived from its code.

    A given parent code must agree with the feature's own code: a mismatch means the columns of
    the file are mixed up, and guessing would file the area under the wrong parent.
    """
    codes: dict[str, str] = {}
    for parent_level in _LEVELS_TOP_DOWN[: _LEVELS_TOP_DOWN.index(level)]:
        key = _LEVEL_KEYS[parent_level][0]
        derived = _level_code(parent_level, code)
        if key in props and _checked_code(parent_level, props[key], key) != derived:
            raise _RowError(
                _("%(key)s %(given)s does not match the code %(code)s")
                % {"key": key, "given": props[key], "code": code}
            )
        codes[parent_level] = derived
    return codes


def _checked_geometry(raw: Any) -> BaseGeometry:
    if not isinstance(raw, dict) or not raw.get("type"):
        raise _RowError(_("the feature has no geometry"))
    if raw["type"] not in {"Polygon", "MultiPolygon"}:
        raise _RowError(
            _("geometry type %(type)s is not supported (only Polygon and MultiPolygon)")
            % {"type": str(raw["type"])[:40]}
        )
    try:
        geometry = shape(raw)
    except Exception as exc:  # noqa: BLE001 - shapely raises several types for bad coordinates
        raise _RowError(
            _("the geometry cannot be read: %(reason)s") % {"reason": str(exc)[:120]}
        ) from exc
    if geometry.is_empty:
        raise _RowError(_("the geometry is empty"))
    if not geometry.is_valid:
        raise _RowError(_("invalid polygon: %(reason)s") % {"reason": explain_validity(geometry)})
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise _RowError(
            _("coordinates are not longitude/latitude (WGS 84); export the file as EPSG:4326")
        )
    return geometry


def _area_row(line: int, feature: Any) -> _AreaRow:
    if not isinstance(feature, dict):
        raise _RowError(_("not a GeoJSON feature"))
    props = _cbs_properties(feature.get("properties"))
    level = _feature_level(props)
    code_key, name_key = _LEVEL_KEYS[level]
    code = _checked_code(level, props[code_key], code_key)
    name = props.get(name_key, "")
    if not name:
        raise _RowError(_("%(key)s is missing") % {"key": name_key})
    if len(name) > _NAME_MAX:
        raise _RowError(
            _("%(key)s is longer than %(max)d characters") % {"key": name_key, "max": _NAME_MAX}
        )
    parent_codes = _checked_parent_codes(level, code, props)
    geometry = _checked_geometry(feature.get("geometry"))
    parent_names = {
        parent_codes[parent_level]: props[_LEVEL_KEYS[parent_level][1]][:_NAME_MAX]
        for parent_level in parent_codes
        if _LEVEL_KEYS[parent_level][1] in props
    }
    centroid = geometry.centroid
    return _AreaRow(
        line=line,
        code=code,
        name=name,
        level=level,
        geometry=shapely.geometry.mapping(geometry),
        bounds=geometry.bounds,
        centroid=(centroid.y, centroid.x),
        parent_names=parent_names,
    )


def _load_features(path_or_file: PathOrFile) -> list[Any]:
    with _open_text(path_or_file) as handle:
        try:
            data = json.load(handle)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImportFileError(
                _("The file is not valid GeoJSON: %(reason)s") % {"reason": exc}
            ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise ImportFileError(
            _("The file is not a GeoJSON FeatureCollection (it has no list of features).")
        )
    crs_name = json.dumps(data.get("crs") or "").lower()
    if any(marker in crs_name for marker in _RD_NEW_MARKERS):
        # The CBS publishes the kaart in RD New by default; we store longitude/latitude.
        raise ImportFileError(
            _(
                "The file uses the Dutch RD New coordinates (EPSG:28992); export it as WGS 84 "
                "(EPSG:4326) longitude/latitude first."
            )
        )
    return data["features"]


def _validated_area_rows(
    features: list[Any], result: ImportResult, progress: ProgressCallback | None
) -> list[_AreaRow]:
    rows: dict[str, _AreaRow] = {}
    for line, feature in enumerate(features, start=1):
        try:
            row = _area_row(line, feature)
            if row.code in rows:
                raise _RowError(
                    _("code %(code)s already appeared in feature %(line)d")
                    % {"code": row.code, "line": rows[row.code].line}
                )
            rows[row.code] = row
        except _RowError as exc:
            result.errors.append((line, str(exc)))
        _report_progress(progress, line)
    return list(rows.values())


def _apply_area_row(area: Area, row: _AreaRow, parent_id: int | None, now: datetime) -> None:
    min_lon, min_lat, max_lon, max_lat = row.bounds
    area.name = row.name
    area.level = row.level
    area.parent_id = parent_id
    area.geometry = row.geometry
    area.min_lat, area.min_lon, area.max_lat, area.max_lon = min_lat, min_lon, max_lat, max_lon
    area.centroid_lat, area.centroid_lon = row.centroid
    area.updated_at = now  # bulk_update skips auto_now; the spatial index keys on this column


_AREA_UPDATE_FIELDS = [
    "name",
    "level",
    "parent",
    "geometry",
    "min_lat",
    "min_lon",
    "max_lat",
    "max_lon",
    "centroid_lat",
    "centroid_lon",
    "updated_at",
]


def _codes_with_ancestors(rows: list[_AreaRow]) -> set[str]:
    """The codes of the rows and of every wijk and gemeente above them (derived from the code)."""
    codes: set[str] = set()
    for row in rows:
        code: str | None = row.code
        while code is not None:
            codes.add(code)
            code = _parent_code(_level_of_code(code), code)
    return codes


@dataclass
class _LevelPlan:
    """What to write for one level; parents are written before their children."""

    to_create: list[Area] = field(default_factory=list)
    to_update: list[Area] = field(default_factory=list)


def _plan_level(
    level: AreaLevel,
    codes: Iterable[str],
    by_code: dict[str, _AreaRow],
    existing: dict[str, Area],
    parent_names: dict[str, str],
    result: ImportResult,
) -> _LevelPlan:
    """Decide per code: create or update from its feature, or create/rename a placeholder.

    ``existing`` gains every area of this level, so the next level finds its parents there.
    """
    plan = _LevelPlan()
    now = timezone.now()
    for code in sorted(codes):
        parent_code = _parent_code(level, code)
        parent_id = existing[parent_code].pk if parent_code else None
        area, row = existing.get(code), by_code.get(code)
        if row is not None:
            if area is None:
                area = Area(code=code)
                plan.to_create.append(area)
                result.created += 1
            else:
                plan.to_update.append(area)
                result.updated += 1
            _apply_area_row(area, row, parent_id, now)
        elif area is None:
            area = Area(
                code=code,
                name=parent_names.get(code, code),
                level=level,
                parent_id=parent_id,
                updated_at=now,
            )
            plan.to_create.append(area)
            result.parents_created += 1
        elif area.geometry is None and area.name == area.code and code in parent_names:
            # A placeholder from an earlier import: a child feature now tells us its name.
            area.name, area.updated_at = parent_names[code], now
            plan.to_update.append(area)
        existing[code] = area
    return plan


def _save_level(plan: _LevelPlan) -> None:
    Area.objects.bulk_create(plan.to_create, batch_size=500)
    Area.objects.bulk_update(plan.to_update, _AREA_UPDATE_FIELDS, batch_size=500)
    missing_ids = [area for area in plan.to_create if area.pk is None]
    if missing_ids:
        # A backend that returns no ids from bulk inserts: read them back for the children.
        ids = dict(
            Area.objects.filter(code__in=[a.code for a in missing_ids]).values_list("code", "id")
        )
        for area in missing_ids:
            area.pk = ids[area.code]


def _write_areas(rows: list[_AreaRow], result: ImportResult) -> None:
    """Upsert the rows level by level, gemeenten first, so every parent has an id in time.

    A wijk or gemeente known only from a child's codes is created without a boundary, named as
    the child says (or by its code), and filled in when its own feature is imported.
    """
    by_code = {row.code: row for row in rows}
    parent_names = {code: name for row in rows for code, name in row.parent_names.items()}
    codes = _codes_with_ancestors(rows)
    existing = {area.code: area for area in Area.objects.filter(code__in=codes)}
    for level in _LEVELS_TOP_DOWN:
        level_codes = [code for code in codes if _level_of_code(code) == level]
        _save_level(_plan_level(level, level_codes, by_code, existing, parent_names, result))


def import_areas(
    *, path_or_file: PathOrFile, actor: Any = None, progress: ProgressCallback | None = None
) -> ImportResult:
    """Import gemeenten, wijken and buurten from a GeoJSON FeatureCollection (CBS shape).

    The level of each feature follows from its most specific code (buurtcode, wijkcode,
    gemeentecode; also BU_CODE, WK_CODE, GM_CODE). Areas are keyed on their code: importing the
    same file again updates them in place. Areas missing from the file are left alone.
    Raises ``ImportFileError`` when the file as a whole cannot be read.
    """
    result = ImportResult()
    features = _load_features(path_or_file)
    rows = _validated_area_rows(features, result, progress)
    with transaction.atomic():
        _write_areas(rows, result)
        audit.record(actor=actor, action="areas.import_areas", details=result.counts())
        transaction.on_commit(spatial.invalidate)
    _report_progress(progress, len(features), final=True)
    return result


# --- addresses (COM-2) -------------------------------------------------------------------------

# Canonical column → accepted header names (compared lower-cased and trimmed).
_ADDRESS_COLUMNS: dict[str, tuple[str, ...]] = {
    "postcode": ("postcode",),
    "huisnummer": ("huisnummer",),
    "huisletter": ("huisletter",),
    "huisnummertoevoeging": ("huisnummertoevoeging", "toevoeging"),
    "openbareruimtenaam": ("openbareruimtenaam", "straat", "straatnaam"),
    "woonplaatsnaam": ("woonplaatsnaam", "woonplaats"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "longitude", "lng"),
    "identificatie": ("identificatie",),
}
_REQUIRED_ADDRESS_COLUMNS = (
    "postcode",
    "huisnummer",
    "openbareruimtenaam",
    "woonplaatsnaam",
    "lat",
    "lon",
)


class _AddressData(NamedTuple):
    """One validated CSV row, in the column order of the upsert below."""

    postcode: str
    house_number: int
    house_number_addition: str
    street: str
    city: str
    lat: float
    lon: float
    bag_id: str

    @property
    def key(self) -> AddressKey:
        return (self.postcode, self.house_number, self.house_number_addition)


AddressKey = tuple[str, int, str]
CsvRow = tuple[int, dict[str, str]]  # (line number, {canonical column: value})


def _column_map(header: list[str]) -> dict[str, int]:
    """Canonical column → position in the header; ``ImportFileError`` naming any missing one."""
    positions = {name.strip().lower(): i for i, name in enumerate(header)}
    found: dict[str, int] = {}
    for canonical, aliases in _ADDRESS_COLUMNS.items():
        for alias in aliases:
            if alias in positions:
                found[canonical] = positions[alias]
                break
    missing = [column for column in _REQUIRED_ADDRESS_COLUMNS if column not in found]
    if missing:
        described = [" / ".join(_ADDRESS_COLUMNS[column]) for column in missing]
        raise ImportFileError(
            _("Missing required column(s): %(columns)s.") % {"columns": ", ".join(described)}
        )
    return found


def _sniff_delimiter(first_line: str) -> str:
    """BAG exports come with ; or , or tabs: take whichever the header uses most."""
    return max((";", ",", "\t"), key=first_line.count)


def _read_coordinate(raw: str, name: str, limit: float) -> float:
    if not raw:
        raise _RowError(_("%(column)s is missing") % {"column": name})
    try:
        value = float(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
    except ValueError as exc:
        raise _RowError(_("%(column)s is not a number") % {"column": name}) from exc
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise _RowError(
            _("%(column)s is out of range (-%(limit)d to %(limit)d)")
            % {"column": name, "limit": limit}
        )
    return value


def _required_text(raw: str, name: str, max_length: int) -> str:
    if not raw:
        raise _RowError(_("%(column)s is missing") % {"column": name})
    if len(raw) > max_length:
        raise _RowError(
            _("%(column)s is longer than %(max)d characters") % {"column": name, "max": max_length}
        )
    return raw


def _address_from_row(values: dict[str, str]) -> _AddressData:
    """The validated contents of one CSV row; ``_RowError`` with the first problem found.

    Reasons name the column, never the value: a reason may end up in logs and e-mails.
    """
    postcode = normalise_postcode(values["postcode"])
    if postcode is None:
        raise _RowError(
            _("postcode is not a Dutch postcode (four digits, the first not 0, and two letters)")
        )
    house_number = normalise_house_number(values["huisnummer"])
    if house_number is None:
        raise _RowError(_("huisnummer is not a positive whole number"))
    addition = normalise_addition(
        values.get("huisletter", ""), values.get("huisnummertoevoeging", "")
    )
    if addition is None:
        raise _RowError(
            _("huisletter and huisnummertoevoeging together must be at most ten letters or digits")
        )
    bag_id = values.get("identificatie", "")
    if len(bag_id) > _BAG_ID_MAX:
        raise _RowError(_("identificatie is longer than %(max)d characters") % {"max": _BAG_ID_MAX})
    return _AddressData(
        postcode=postcode,
        house_number=house_number,
        house_number_addition=addition,
        street=_required_text(values["openbareruimtenaam"], "openbareruimtenaam", _STREET_MAX),
        city=_required_text(values["woonplaatsnaam"], "woonplaatsnaam", _CITY_MAX),
        lat=_read_coordinate(values["lat"], "lat", 90),
        lon=_read_coordinate(values["lon"], "lon", 180),
        bag_id=bag_id,
    )


def _csv_rows(handle: IO[str]) -> Iterator[CsvRow]:
    """``(line number, {canonical column: trimmed value})`` per data row.

    The line number is the physical line where the record starts (the header is line 1), also
    when a quoted field spans lines. Blank lines are skipped; a header-only file yields nothing.
    """
    try:
        first_line = handle.readline()
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The file is not UTF-8 text; save it as UTF-8.")) from exc
    if not first_line.strip():
        raise ImportFileError(_("The file is empty: expected a header row with column names."))
    delimiter = _sniff_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter))
    columns = _column_map(header)
    reader = csv.reader(handle, delimiter=delimiter)
    lines_read = 1  # the header, read before the reader started
    try:
        for raw in reader:
            line = lines_read + 1  # where this record starts, also when a field spans lines
            lines_read = reader.line_num + 1
            if not any(cell.strip() for cell in raw):
                continue
            yield (
                line,
                {
                    canonical: raw[position].strip() if position < len(raw) else ""
                    for canonical, position in columns.items()
                },
            )
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (after line %(line)d); save it as UTF-8 and import "
                "it again: the lines before were imported."
            )
            % {"line": lines_read}
        ) from exc
    except csv.Error as exc:
        raise ImportFileError(
            _("The file cannot be read as CSV after line %(line)d: %(reason)s")
            % {"line": lines_read, "reason": exc}
        ) from exc


def _batches(rows: Iterable[CsvRow], size: int) -> Iterator[list[CsvRow]]:
    batch: list[CsvRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing_keys(keys: Iterable[AddressKey]) -> set[AddressKey]:
    wanted = set(keys)
    postcodes = {key[0] for key in wanted}
    stored = Address.objects.filter(postcode__in=postcodes).values_list(
        "postcode", "house_number", "house_number_addition"
    )
    return {key for key in stored if key in wanted}


def _upsert_sql() -> str:
    """``INSERT … ON CONFLICT (postcode, house_number, addition) DO UPDATE``.

    Plain SQL because the ORM's bulk_create spends most of an import building model instances
    and per-value SQL; both supported databases (SQLite ≥ 3.24, PostgreSQL) speak this upsert.
    """
    quote = connection.ops.quote_name
    meta = Address._meta
    columns = [*_AddressData._fields, "neighbourhood"]
    names = [quote(meta.get_field(name).column) for name in columns]
    key = ", ".join(names[:3])
    updates = ", ".join(f"{name} = excluded.{name}" for name in names[3:])
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )


def _write_address_batch(addresses: list[_AddressData], result: ImportResult) -> None:
    """Resolve each address to its buurt and upsert the batch in one transaction.

    The created/updated split comes from a look-up just before the upsert; a concurrent import
    of the same addresses could shift the counts, never the data.
    """
    neighbourhood_ids = spatial.neighbourhood_ids_at([(a.lat, a.lon) for a in addresses])
    result.unresolved += neighbourhood_ids.count(None)
    params = [
        (*address, neighbourhood_id)
        for address, neighbourhood_id in zip(addresses, neighbourhood_ids, strict=True)
    ]
    with transaction.atomic():
        existing = _existing_keys(address.key for address in addresses)
        with connection.cursor() as cursor:
            cursor.executemany(_upsert_sql(), params)
    result.updated += len(existing)
    result.created += len(addresses) - len(existing)


def _validated_address_batch(
    batch: list[CsvRow], seen: dict[AddressKey, int], result: ImportResult
) -> list[_AddressData]:
    addresses: list[_AddressData] = []
    for line, values in batch:
        try:
            address = _address_from_row(values)
            key = address.key
            if key in seen:
                raise _RowError(
                    _("the same address (postcode, huisnummer, addition) is on line %(line)d")
                    % {"line": seen[key]}
                )
            seen[key] = line
            addresses.append(address)
        except _RowError as exc:
            result.errors.append((line, str(exc)))
    return addresses


def import_addresses(
    *, path_or_file: PathOrFile, actor: Any = None, progress: ProgressCallback | None = None
) -> ImportResult:
    """Import addresses from a BAG-shaped CSV (``,`` ``;`` or tab separated, UTF-8).

    Columns: postcode, huisnummer, openbareruimtenaam (or straat), woonplaatsnaam (or woonplaats),
    lat (or latitude), lon (or longitude); optional huisletter, huisnummertoevoeging, identificatie.
    Addresses are keyed on postcode + house number + addition: importing again updates them in
    place. Each address is resolved to the buurt that contains it (none when outside every buurt).
    Raises ``ImportFileError`` when the file is missing, empty or lacks a required column.
    """
    result = ImportResult()
    # Duplicates inside one file are reported, not silently merged; the map costs about 150 bytes
    # per address, fine per gemeente or province (split a whole-country file).
    seen: dict[AddressKey, int] = {}
    done = 0
    with _open_text(path_or_file) as handle:
        for batch in _batches(_csv_rows(handle), ADDRESS_BATCH_SIZE):
            addresses = _validated_address_batch(batch, seen, result)
            if addresses:
                _write_address_batch(addresses, result)
            done += len(batch)
            if progress is not None:
                progress(done)
    audit.record(actor=actor, action="areas.import_addresses", details=result.counts())
    return result


def resolve_address_neighbourhoods(*, progress: ProgressCallback | None = None) -> int:
    """Resolve every stored address to its buurt again (after buurt boundaries changed).

    Returns how many addresses changed buurt. Works through the table in primary-key ranges, so
    writes never disturb an open cursor and memory stays flat.
    """
    spatial.invalidate()
    changed = done = 0
    last_pk = 0
    while True:
        batch = list(
            Address.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", "lat", "lon", "neighbourhood_id")[:ADDRESS_BATCH_SIZE]
        )
        if not batch:
            break
        last_pk = batch[-1][0]
        new_ids = spatial.neighbourhood_ids_at([(lat, lon) for _pk, lat, lon, _old in batch])
        updates = [
            Address(pk=pk, neighbourhood_id=new)
            for (pk, _lat, _lon, old), new in zip(batch, new_ids, strict=True)
            if new != old
        ]
        with transaction.atomic():
            Address.objects.bulk_update(updates, ["neighbourhood"], batch_size=500)
        changed += len(updates)
        done += len(batch)
        if progress is not None:
            progress(done)
    return changed
