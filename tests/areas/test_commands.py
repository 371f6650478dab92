"""The import management commands: progress, summary, bad rows and exit status."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samenveilig.areas.models import Address, Area
from tests.areas.conftest import DATA_DIR, address_row, buurt, collection, write_csv, write_geojson
from tests.factories import square

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_given_geojson_with_bad_features_then_summary_and_bad_rows_are_printed():
    output = run("import_areas", str(DATA_DIR / "voorbeeldstad.geojson"))

    assert "Created: 4, updated: 0, bad rows: 3." in output
    assert "5: no buurtcode, wijkcode or gemeentecode in the properties" in output
    assert "6: invalid polygon" in output
    assert "7: geometry type Point is not supported" in output
    assert "Import finished." in output
    assert Area.objects.count() == 4


def test_given_missing_file_then_command_error():
    with pytest.raises(CommandError, match="File not found"):
        run("import_areas", "/nonexistent/buurten.geojson")
    with pytest.raises(CommandError, match="File not found"):
        run("import_addresses", "/nonexistent/adressen.csv")


def test_given_not_json_then_command_error(tmp_path):
    path = tmp_path / "kapot.geojson"
    path.write_text("<html>", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid GeoJSON"):
        run("import_areas", str(path))


def test_given_every_feature_bad_then_command_error(tmp_path):
    path = write_geojson(tmp_path, collection({"type": "Feature", "properties": {}}))
    with pytest.raises(CommandError, match="Nothing was imported"):
        run("import_areas", str(path))


def test_given_addresses_then_area_import_resolves_them_again(tmp_path):
    run("import_addresses", str(write_csv(tmp_path, [address_row("1234AB", 1)])))
    assert Address.objects.get().neighbourhood is None
    path = write_geojson(
        tmp_path, collection(buurt("BU99990201", "Zuid-West", square(52.0, 5.0, 0.005)))
    )

    output = run("import_areas", str(path))

    assert "Addresses resolved again: 1 changed neighbourhood." in output
    assert Address.objects.get().neighbourhood.code == "BU99990201"


def test_given_csv_then_progress_every_thousand_rows_summary_and_bad_lines(tmp_path, town):
    rows = [address_row(f"{1000 + n // 100}AB", n % 100 + 1) for n in range(2500)]
    rows.insert(10, address_row("1234AB", "x"))  # line 12

    output = run("import_addresses", str(write_csv(tmp_path, rows)))

    assert "… 1000 rows read" in output
    assert "… 2000 rows read" in output
    assert "… 2501 rows read" in output
    assert "Created: 2500, updated: 0, bad rows: 1." in output
    assert "12: huisnummer is not a positive whole number" in output


def test_given_csv_missing_columns_then_command_error_names_them(tmp_path):
    path = write_csv(tmp_path, [["1234AB", "1"]], header=["postcode", "huisnummer"])
    with pytest.raises(CommandError) as excinfo:
        run("import_addresses", str(path))
    message = str(excinfo.value)
    for column in (
        "openbareruimtenaam / straat",
        "woonplaatsnaam / woonplaats",
        "lat / latitude",
        "lon / longitude",
    ):
        assert column in message


def test_given_points_outside_every_buurt_then_the_summary_says_so(tmp_path, town):
    path = write_csv(tmp_path, [address_row("1234AB", 1, lat=53.0, lon=6.0)])
    output = run("import_addresses", str(path))
    assert "1 address lies outside every known neighbourhood." in output
