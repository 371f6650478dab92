"""COM-1: importing the area tree from GeoJSON in the shape of the CBS wijk- en buurtkaart."""

from __future__ import annotations

import io
import json

import pytest

from samenveilig.areas.models import Area, AreaLevel
from samenveilig.areas.services import ImportFileError, import_areas
from samenveilig.core.models import AuditEvent
from tests.areas.conftest import DATA_DIR, buurt, collection, feature, square, write_geojson
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SAMPLE = DATA_DIR / "voorbeeldstad.geojson"


def test_given_cbs_file_when_importing_then_tree_geometry_bbox_and_centroid_are_stored():
    result = import_areas(path_or_file=SAMPLE)

    assert (result.created, result.updated, result.parents_created) == (4, 0, 0)
    oude_haven = Area.objects.select_related("parent__parent").get(code="BU99980101")
    assert oude_haven.level == AreaLevel.NEIGHBOURHOOD
    assert oude_haven.parent.code == "WK999801"
    assert oude_haven.parent.name == "Centrum"
    assert oude_haven.parent.parent.name == "Voorbeeldstad"
    assert oude_haven.geometry["type"] == "Polygon"
    assert (oude_haven.min_lat, oude_haven.min_lon) == pytest.approx((51.0, 4.0))
    assert (oude_haven.max_lat, oude_haven.max_lon) == pytest.approx((51.005, 4.005))
    assert (oude_haven.centroid_lat, oude_haven.centroid_lon) == pytest.approx((51.0025, 4.0025))


def test_given_upper_case_cbs_properties_and_multipolygon_when_importing_then_accepted():
    import_areas(path_or_file=SAMPLE)

    markt = Area.objects.get(code="BU99980102")
    assert markt.name == "Marktplein"
    assert markt.geometry["type"] == "MultiPolygon"
    assert markt.parent.code == "WK999801"
    assert (markt.min_lat, markt.max_lat) == pytest.approx((51.0, 51.009))


def test_given_bad_features_when_importing_then_each_is_reported_with_index_and_rest_imported():
    result = import_areas(path_or_file=SAMPLE)

    assert [line for line, _reason in result.errors] == [5, 6, 7]
    reasons = dict(result.errors)
    assert "no buurtcode, wijkcode or gemeentecode" in reasons[5]
    assert "invalid polygon" in reasons[6] and "Self-intersection" in reasons[6]
    assert "geometry type Point is not supported" in reasons[7]
    assert not Area.objects.filter(code__in=["BU99980103", "BU99980104"]).exists()
    assert Area.objects.count() == 4


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("not a feature", "not a GeoJSON feature"),
        (feature({"buurtcode": "BU1", "buurtnaam": "Kort"}, square(52, 5)), "is not a CBS code"),
        (feature({"buurtcode": "BU99990101"}, square(52, 5)), "buurtnaam is missing"),
        (feature({"buurtcode": "BU99990101", "buurtnaam": "X"}, None), "has no geometry"),
        (buurt("BU99990101", "X", {"type": "Polygon", "coordinates": []}), "geometry is empty"),
        (buurt("BU99990101", "X", {"type": "Polygon", "coordinates": "x"}), "cannot be read"),
        (buurt("BU99990101", "X", square(450000, 150000, 100)), "not longitude/latitude"),
        (buurt("BU99990101", "X", square(52, 5), wijkcode="WK888801"), "does not match"),
    ],
)
def test_given_one_bad_feature_when_importing_then_reason_is_given_and_good_one_imported(
    tmp_path, bad, reason
):
    good = buurt("BU99990202", "Goed", square(52.0, 5.005, 0.005))
    path = write_geojson(tmp_path, collection(good, bad))

    result = import_areas(path_or_file=path)

    assert len(result.errors) == 1
    line, message = result.errors[0]
    assert line == 2
    assert reason in message
    assert Area.objects.filter(code="BU99990202").exists()
    assert not Area.objects.filter(code="BU99990101").exists()


def test_given_same_code_twice_in_a_file_when_importing_then_second_is_reported(tmp_path):
    path = write_geojson(
        tmp_path,
        collection(
            buurt("BU99990101", "Eerste", square(52, 5, 0.005)),
            buurt("BU99990101", "Tweede", square(52, 5, 0.005)),
        ),
    )

    result = import_areas(path_or_file=path)

    assert result.errors == [(2, "code BU99990101 already appeared in feature 1")]
    assert Area.objects.get(code="BU99990101").name == "Eerste"


def test_given_imported_file_when_importing_again_then_areas_update_in_place(tmp_path):
    first = import_areas(path_or_file=SAMPLE)
    ids_before = dict(Area.objects.values_list("code", "id"))
    data = json.loads(SAMPLE.read_text())
    data["features"][2]["properties"]["buurtnaam"] = "Nieuwe Haven"
    changed = write_geojson(tmp_path, data)

    second = import_areas(path_or_file=changed)

    assert (first.created, first.updated) == (4, 0)
    assert (second.created, second.updated, second.parents_created) == (0, 4, 0)
    assert dict(Area.objects.values_list("code", "id")) == ids_before
    assert Area.objects.get(code="BU99980101").name == "Nieuwe Haven"


def test_given_only_buurten_when_importing_then_parents_are_created_and_filled_in_later(tmp_path):
    only_buurten = write_geojson(
        tmp_path,
        collection(
            buurt("BU99990101", "Noord-West", square(52.01, 5.0, 0.005)),
            buurt("BU99990102", "Noord-Oost", square(52.01, 5.005, 0.005)),
        ),
        name="buurten.geojson",
    )

    result = import_areas(path_or_file=only_buurten)

    assert (result.created, result.parents_created) == (2, 2)
    wijk = Area.objects.get(code="WK999901")
    assert (wijk.level, wijk.name, wijk.geometry) == (AreaLevel.DISTRICT, "WK999901", None)
    assert wijk.parent.code == "GM9999"
    assert wijk.parent.name == "Teststad"  # the gemeentenaam the buurten carry

    wijken = write_geojson(
        tmp_path,
        collection(
            feature(
                {"WK_CODE": "WK999901", "WK_NAAM": "Noord", "GM_CODE": "GM9999"},
                square(52.01, 5.0, 0.01),
            ),
        ),
        name="wijken.geojson",
    )
    filled = import_areas(path_or_file=wijken)

    assert (filled.created, filled.updated, filled.parents_created) == (0, 1, 0)
    wijk.refresh_from_db()
    assert wijk.name == "Noord"
    assert wijk.geometry is not None
    assert Area.objects.filter(parent=wijk).count() == 2


def test_given_features_in_any_order_when_importing_then_no_placeholder_is_needed(tmp_path):
    path = write_geojson(
        tmp_path,
        collection(
            buurt("BU99990101", "Noord-West", square(52.01, 5.0, 0.005)),
            feature(
                {"wijkcode": "WK999901", "wijknaam": "Noord", "gemeentecode": "GM9999"},
                square(52.01, 5.0, 0.01),
            ),
            feature(
                {"gemeentecode": "GM9999", "gemeentenaam": "Teststad"}, square(52.0, 5.0, 0.02)
            ),
        ),
    )

    result = import_areas(path_or_file=path)

    assert (result.created, result.parents_created) == (3, 0)
    assert Area.objects.get(code="BU99990101").parent.parent.code == "GM9999"


def test_given_an_import_then_one_audit_event_with_counts_only(tmp_path):
    admin = UserFactory()

    import_areas(path_or_file=SAMPLE, actor=admin)

    event = AuditEvent.objects.get(action="areas.import_areas")
    assert event.actor_id == admin.pk
    assert event.details == {
        "created": 4,
        "updated": 0,
        "errors": 3,
        "parents_created": 0,
        "unresolved": 0,
    }


def test_given_open_binary_file_when_importing_then_it_is_read():
    with SAMPLE.open("rb") as handle:
        result = import_areas(path_or_file=handle)
    assert result.created == 4


def test_given_progress_callback_when_importing_then_it_hears_the_final_count():
    seen: list[int] = []
    import_areas(path_or_file=SAMPLE, progress=seen.append)
    assert seen[-1] == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid GeoJSON"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ("[1, 2]", "not a GeoJSON FeatureCollection"),
        (
            '{"type": "FeatureCollection", "features": [],'
            ' "crs": {"properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}}',
            "RD New",
        ),
    ],
)
def test_given_unreadable_file_when_importing_then_import_file_error(content, message):
    with pytest.raises(ImportFileError, match=message):
        import_areas(path_or_file=io.StringIO(content))
    assert not AuditEvent.objects.exists()


def test_given_missing_file_when_importing_then_import_file_error(tmp_path):
    with pytest.raises(ImportFileError, match="File not found"):
        import_areas(path_or_file=tmp_path / "nowhere.geojson")
