"""COM-2: resolving a point to its buurt through the in-memory spatial index."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import timezone

from samenveilig.areas import spatial
from samenveilig.areas.models import Area
from samenveilig.areas.services import import_areas
from tests.areas.conftest import buurt, collection, write_geojson
from tests.factories import AreaFactory, square

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lat", "lon", "name"),
    [
        (52.0125, 5.0025, "noord_west"),
        (52.0125, 5.0075, "noord_oost"),
        (52.0025, 5.0025, "zuid_west"),
        (52.0025, 5.0075, "zuid_oost"),
    ],
)
def test_given_point_inside_a_buurt_then_that_buurt(town, lat, lon, name):
    found = spatial.neighbourhood_at(lat, lon)
    assert found == town[name]
    assert found.parent.parent == town["municipality"]  # loaded with its wijk and gemeente


@pytest.mark.parametrize(("lat", "lon"), [(53.0, 6.0), (52.0125, 5.0101), (51.9999, 5.0025)])
def test_given_point_outside_every_buurt_then_none(town, lat, lon):
    assert spatial.neighbourhood_at(lat, lon) is None
    assert spatial.neighbourhood_id_at(lat, lon) is None


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (52.0125, 5.005),  # edge between Noord-West and Noord-Oost
        (52.01, 5.005),  # their shared lower corner
        (52.015, 5.005),  # their shared upper corner
    ],
)
def test_given_point_on_a_shared_boundary_then_lowest_code_every_time(town, lat, lon):
    single = {spatial.neighbourhood_id_at(lat, lon) for _ in range(3)}
    bulk = spatial.neighbourhood_ids_at([(lat, lon)] * 3 + [(52.0125, 5.0075)])
    assert single == {town["noord_west"].pk}
    assert bulk[:3] == [town["noord_west"].pk] * 3
    assert bulk[3] == town["noord_oost"].pk


def test_given_corner_of_four_buurten_then_lowest_code_not_first_created(db):
    # Created from the highest code down, so "first found" and "lowest code" differ.
    tiles = {
        code: AreaFactory(code=code, geometry=square(lat, lon, 0.01))
        for code, lat, lon in [
            ("BU77770104", 52.01, 5.01),
            ("BU77770103", 52.01, 5.0),
            ("BU77770102", 52.0, 5.01),
            ("BU77770101", 52.0, 5.0),
        ]
    }
    assert spatial.neighbourhood_id_at(52.01, 5.01) == tiles["BU77770101"].pk
    assert spatial.neighbourhood_ids_at([(52.01, 5.01)]) == [tiles["BU77770101"].pk]
    assert spatial.neighbourhood_id_at(52.015, 5.015) == tiles["BU77770104"].pk


def test_given_point_on_the_outer_edge_then_the_buurt_it_touches(town):
    assert spatial.neighbourhood_id_at(52.0, 5.0025) == town["zuid_west"].pk


def test_given_multipolygon_buurt_then_both_parts_resolve_and_the_gap_does_not(db):
    parts = [square(52.0, 5.0, 0.005)["coordinates"], square(52.0, 5.01, 0.005)["coordinates"]]
    multipolygon = {"type": "MultiPolygon", "coordinates": parts}
    islands = AreaFactory(code="BU88880101", geometry=multipolygon)

    assert spatial.neighbourhood_id_at(52.0025, 5.0025) == islands.pk
    assert spatial.neighbourhood_id_at(52.0025, 5.0125) == islands.pk
    assert spatial.neighbourhood_id_at(52.0025, 5.0075) is None


def test_given_bulk_lookup_then_one_answer_per_point_in_order(town):
    points = [(52.0025, 5.0075), (60.0, 10.0), (52.0125, 5.0025)]
    assert spatial.neighbourhood_ids_at(points) == [
        town["zuid_oost"].pk,
        None,
        town["noord_west"].pk,
    ]
    assert spatial.neighbourhood_ids_at([]) == []


@pytest.fixture
def settled(monkeypatch):
    """As in a web process long after the last change: no change of this process pending, so
    lookups trust the index and compare the fingerprint at most once per interval."""

    def settle() -> None:
        monkeypatch.setattr(spatial, "_changed_here", False)
        monkeypatch.setattr(spatial, "_checked_at", time.monotonic())

    return settle


def test_given_index_built_then_a_lookup_costs_no_query(town, settled, django_assert_num_queries):
    spatial.neighbourhood_id_at(52.0025, 5.0025)  # builds the index
    settled()
    with django_assert_num_queries(0):
        assert spatial.neighbourhood_id_at(52.0125, 5.0075) == town["noord_oost"].pk
        found = spatial.neighbourhood_at(52.0025, 5.0025)
        # The wijk and gemeente come from the index as well.
        assert found == town["zuid_west"]
        assert found.name == town["zuid_west"].name
        assert found.parent.parent == town["municipality"]
        assert found.parent.parent.code == town["municipality"].code
    # The polygon is not kept on the answer but loads when asked for.
    assert found.geometry == Area.objects.get(pk=found.pk).geometry


def test_given_answers_then_each_is_a_fresh_object(town):
    first = spatial.neighbourhood_at(52.0025, 5.0025)
    first.name = "changed by a caller"
    first.parent.name = "changed too"
    second = spatial.neighbourhood_at(52.0025, 5.0025)
    assert second.name == town["zuid_west"].name
    assert second.parent.name == town["zuid_west"].parent.name


def test_given_interval_passed_then_the_fingerprint_is_checked_once(
    town, settled, monkeypatch, django_assert_num_queries
):
    spatial.neighbourhood_id_at(52.0025, 5.0025)
    settled()
    monkeypatch.setattr(spatial, "_checked_at", time.monotonic() - 2.0)
    with django_assert_num_queries(1):  # the fingerprint; unchanged, so no rebuild
        assert spatial.neighbourhood_id_at(52.0125, 5.0075) == town["noord_oost"].pk
        assert spatial.neighbourhood_id_at(52.0025, 5.0075) == town["zuid_oost"].pk


def test_given_import_of_new_buurt_then_the_index_sees_it(town, tmp_path):
    assert spatial.neighbourhood_id_at(52.0125, 5.0125) is None
    path = write_geojson(
        tmp_path, collection(buurt("BU99990103", "Noord-Verder", square(52.01, 5.01, 0.005)))
    )

    import_areas(path_or_file=path)

    assert spatial.neighbourhood_at(52.0125, 5.0125).code == "BU99990103"


def test_given_boundary_changed_elsewhere_then_seen_within_the_interval(town, settled, monkeypatch):
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) == town["zuid_west"].pk
    settled()
    # Another process moves Zuid-West far away (queryset.update: no signals, no invalidate()).
    Area.objects.filter(pk=town["zuid_west"].pk).update(
        geometry=square(53.0, 6.0, 0.005), updated_at=timezone.now()
    )
    # Within the interval this process may still answer from its index ...
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) == town["zuid_west"].pk
    # ... and once it has passed, the fingerprint shows the change.
    monkeypatch.setattr(spatial, "_checked_at", time.monotonic() - 2.0)
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) is None
    assert spatial.neighbourhood_id_at(53.0025, 6.0025) == town["zuid_west"].pk


def test_given_boundary_saved_in_this_process_then_seen_at_once(town, settled):
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) == town["zuid_west"].pk
    settled()
    moved = town["zuid_west"]
    moved.geometry = square(53.0, 6.0, 0.005)
    moved.name = "Zuid-West (verhuisd)"
    moved.save()
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) is None
    assert spatial.neighbourhood_at(53.0025, 6.0025).name == "Zuid-West (verhuisd)"


def test_given_change_rolled_back_then_not_served_from_the_index(town, settled):
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) == town["zuid_west"].pk
    settled()
    with pytest.raises(RuntimeError), transaction.atomic():
        moved = town["zuid_west"]
        moved.geometry = square(53.0, 6.0, 0.005)
        moved.save()
        assert spatial.neighbourhood_id_at(53.0025, 6.0025) == moved.pk
        raise RuntimeError("roll back")
    assert spatial.neighbourhood_id_at(53.0025, 6.0025) is None
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) == town["zuid_west"].pk


def test_given_buurt_deleted_then_the_index_forgets_it(town):
    assert spatial.neighbourhood_id_at(52.0025, 5.0075) == town["zuid_oost"].pk
    town["zuid_oost"].delete()
    assert spatial.neighbourhood_id_at(52.0025, 5.0075) is None


def test_given_unusable_stored_geometry_then_other_buurten_still_resolve(town):
    AreaFactory(code="BU99990299", geometry={"type": "Point", "coordinates": [5.0, 52.0]})
    AreaFactory(code="BU99990298", geometry={"type": "Polygon", "coordinates": "rubbish"})
    spatial.invalidate()
    assert spatial.neighbourhood_id_at(52.0025, 5.0025) == town["zuid_west"].pk


def test_given_no_buurten_then_lookups_answer_none(db):
    assert spatial.neighbourhood_at(52.0, 5.0) is None
