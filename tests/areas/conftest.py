"""Helpers for the areas tests: GeoJSON features in the CBS shape and BAG-shaped CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from tests.factories import square

DATA_DIR = Path(__file__).parent / "data"

ADDRESS_HEADER = [
    "identificatie",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "openbareruimtenaam",
    "woonplaatsnaam",
    "lat",
    "lon",
]


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the msgids), whatever the default language is."""
    with translation.override("en"):
        yield


def buurt(code: str, name: str, geometry: Any, **extra: Any) -> dict[str, Any]:
    """A buurt feature with the CBS property names; the wijk and gemeente follow from the code."""
    props = {
        "buurtcode": code,
        "buurtnaam": name,
        "wijkcode": f"WK{code[2:8]}",
        "gemeentecode": f"GM{code[2:6]}",
        "gemeentenaam": "Teststad",
        **extra,
    }
    return {"type": "Feature", "properties": props, "geometry": geometry}


def feature(properties: dict[str, Any], geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def write_geojson(tmp_path: Path, data: Any, name: str = "areas.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_csv(
    tmp_path: Path,
    rows: list[list[Any]],
    header: list[str] | None = None,
    name: str = "addresses.csv",
    delimiter: str = ",",
) -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header or ADDRESS_HEADER)
        writer.writerows(rows)
    return path


def address_row(
    postcode: str = "1234AB",
    number: Any = 1,
    letter: str = "",
    addition: str = "",
    lat: Any = 52.0025,
    lon: Any = 5.0025,
    street: str = "Dorpsstraat",
    city: str = "Teststad",
    bag_id: str = "",
) -> list[Any]:
    """One CSV row in ADDRESS_HEADER order; the default point lies in buurt Zuid-West."""
    return [bag_id, postcode, number, letter, addition, street, city, lat, lon]


__all__ = [
    "DATA_DIR",
    "address_row",
    "buurt",
    "collection",
    "feature",
    "square",
    "write_csv",
    "write_geojson",
]
