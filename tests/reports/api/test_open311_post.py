"""Open311 POST requests: API keys, mapping to the submission service, and every refusal in the
spec's error shape with nothing saved (REP-12, PRODUCT §15)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from samenveilig.api.open311 import parse_address_string
from samenveilig.reports.apikeys import api_key_create, api_key_revoke
from samenveilig.reports.models import Report, ReportEvent, ReportSource

from .open311_client import CREATED_FIELDS, FORMATS, errors, parsed


def post(client, fmt="json", **data):
    return client.post(f"/open311/v2/requests.{fmt}", data)


@pytest.fixture
def valid(api_key, categories, address):
    """A complete, valid request by postcode and house number."""
    return {
        "api_key": api_key.key,
        "service_code": "onveilige-plek",
        "address_string": "Kerkstraat 12, 9999 AB Teststad",
        "description": "De lantaarnpaal op de hoek is al een week kapot.",
    }


def refused(response, fmt, status):
    assert response.status_code == status, response.content
    items = errors(response, fmt)
    assert Report.objects.count() == 0
    return " ".join(item["description"] for item in items)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_api_key_is_403(client, valid, fmt):
    del valid["api_key"]
    assert "api_key" in refused(post(client, fmt, **valid), fmt, 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_api_key_is_403(client, valid, fmt):
    valid["api_key"] = valid["api_key"][:8] + "x" * 35
    refused(post(client, fmt, **valid), fmt, 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_revoked_api_key_is_403(client, valid, api_key, fmt):
    api_key_revoke(prefix=api_key.record.key_prefix)
    refused(post(client, fmt, **valid), fmt, 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_key_of_another_municipality_is_403(client, valid, other_town, fmt):
    # given a key of Anderstad, and a location in Teststad
    foreign = api_key_create(
        name="Anderstad", municipality=other_town["municipality"], created_by=None
    )
    valid["api_key"] = foreign.key
    refused(post(client, fmt, **valid), fmt, 403)


def test_jurisdiction_other_than_the_keys_is_403(client, valid, other_town):
    refused(post(client, jurisdiction_id="GM9998", **valid), "json", 403)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_code_is_400(client, valid, fmt):
    valid["service_code"] = "bestaat-niet"
    assert "service_code" in refused(post(client, fmt, **valid), fmt, 400)


def test_missing_service_code_is_400(client, valid):
    del valid["service_code"]
    refused(post(client, **valid), "json", 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_description_of_4001_characters_is_400(client, valid, fmt):
    valid["description"] = "a" * 4001
    assert "4000" in refused(post(client, fmt, **valid), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_location_is_400(client, valid, fmt):
    del valid["address_string"]
    refused(post(client, fmt, **valid), fmt, 400)


@pytest.mark.parametrize(
    "location",
    [
        {"lat": "52.5", "long": "4.5"},  # outside every buurt
        {"lat": "52.001"},  # long missing
        {"lat": "nan", "long": "5.001"},
        {"lat": "91", "long": "5.001"},
        {"lat": "abc", "long": "5.001"},
        {"address_string": "1234SA 12"},  # SA is never issued
        {"address_string": "0123AB 12"},  # no postcode starts with 0
        {"address_string": "Kerkstraat twaalf"},  # no postcode, no number
        {"address_string": "9999AB"},  # no house number
        {"address_string": "9999AB 99"},  # valid, but not in the register
        {"address_id": "0000000000000000"},
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_locations_are_400(client, valid, location, fmt):
    del valid["address_string"]
    refused(post(client, fmt, **valid, **location), fmt, 400)


def test_unknown_attribute_is_400(client, valid):
    valid["service_code"] = "verdachte-situatie-persoon"
    valid["attribute[person_eye_colour]"] = "blauw"
    assert "person_eye_colour" in refused(post(client, **valid), "json", 400)


def test_attribute_of_a_category_that_does_not_ask_is_400(client, valid):
    valid["attribute[person_behaviour]"] = "rende weg"
    refused(post(client, **valid), "json", 400)


def test_non_numeric_age_is_400(client, valid):
    valid["service_code"] = "verdachte-situatie-persoon"
    valid["attribute[person_behaviour]"] = "Voelde aan autodeuren."
    valid["attribute[person_age_min]"] = "twintig"
    assert "person_age_min" in refused(post(client, **valid), "json", 400)


def test_json_body_is_not_a_form_post(client, valid):
    response = client.post(
        "/open311/v2/requests.json", json.dumps(valid), content_type="application/json"
    )
    refused(response, "json", 403)


def test_other_methods_are_405(client, categories):
    response = client.put("/open311/v2/requests.json")
    assert response.status_code == 405
    errors(response, "json")


# --- address_string parsing -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234AB 12", ("1234AB", "12", "")),
        ("1234 ab 12", ("1234ab", "12", "")),
        ("Kerkstraat 12, 1234 AB Voorbeeldstad", ("1234AB", "12", "")),
        ("Kerkstraat 12a, 1234AB Voorbeeldstad", ("1234AB", "12", "a")),
        ("Kerkstraat 12-2 1234AB", ("1234AB", "12", "2")),
        ("1234AB 12 A", ("1234AB", "12", "A")),
        ("1234AB 12 Voorbeeldstad", ("1234AB", "12", "")),
        ("Voorbeeldstad", None),
        ("1234AB", None),
        ("Kerkstraat 12", None),
    ],
)
def test_parse_address_string(text, expected):
    assert parse_address_string(text) == expected


# --- success (needs the submission service) ---------------------------------------------------


@pytest.fixture
def submission():
    from samenveilig.reports.services import submission as module

    return module


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_by_address_creates_a_report(client, valid, address, submission, fmt):
    response = post(
        client,
        fmt,
        **valid,
        email="melder@example.test",
        first_name="Anna",
        last_name="de Boer",
        phone="0612345678",
        device_id="device-1",
        account_id="acc-1",
        media_url="https://example.test/foto.jpg",
    )

    assert response.status_code == 200, response.content
    (created,) = parsed(response, fmt, "service_requests", "request")
    assert set(created) == CREATED_FIELDS
    report = Report.objects.get()
    assert created["service_request_id"] == report.reference
    assert created["service_notice"]
    assert created["account_id"] in (None, "")
    assert report.source == ReportSource.OPEN311
    assert report.reporter is None
    assert report.address == address
    assert report.category.code == "onveilige-plek"
    # Contact data of Open311 reporters is not kept (docs/decisions/0011).
    stored = json.dumps(
        [list(Report.objects.values().get().values()), list(ReportEvent.objects.values())],
        default=str,
    )
    for secret in ("melder@example.test", "Anna", "de Boer", "0612345678", "acc-1", "device-1"):
        assert secret not in stored


def test_post_xml_answer_shape(client, valid, submission):
    response = post(client, "xml", **valid)
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {child.tag for child in request} == CREATED_FIELDS


def test_post_by_lat_long_with_person_and_vehicle(client, valid, town, submission):
    del valid["address_string"]
    valid["service_code"] = "verdachte-situatie-persoon"
    response = post(
        client,
        **valid,
        lat="52.0125",
        long="5.0075",
        **{
            "attribute[person_behaviour]": "Voelde aan de deurklinken van geparkeerde auto's.",
            "attribute[person_top]": "groene regenjas",
            "attribute[person_age_min]": "20",
            "attribute[person_age_max]": "30",
            "attribute[vehicle_kind]": "scooter",
            "attribute[vehicle_licence_plate]": "F-123-BB",
        },
    )

    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert report.neighbourhood == town["noord_oost"]
    person = report.persons.get()
    assert person.top == "groene regenjas"
    assert (person.age_min, person.age_max) == (20, 30)
    assert report.vehicles.get().kind == "scooter"


def test_person_without_behaviour_is_refused_by_the_service(client, valid, submission):
    valid["service_code"] = "verdachte-situatie-persoon"
    valid["attribute[person_top]"] = "groene regenjas"
    message = refused(post(client, **valid), "json", 400)
    assert "attribute[person_behaviour]" in message


def test_post_by_bag_address_id(client, valid, address, submission):
    del valid["address_string"]
    response = post(client, **valid, address_id=address.bag_id)
    assert response.status_code == 200, response.content
    assert Report.objects.get().address == address


def test_api_key_records_last_use(client, valid, api_key, submission):
    post(client, **valid)
    api_key.record.refresh_from_db()
    assert api_key.record.last_used_at is not None


# --- rate limit per API key ---------------------------------------------------------------------


@pytest.fixture
def fresh_counters():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_many_posts_with_one_key_is_429_in_the_spec_shape(
    client, valid, town, settings, fresh_counters, fmt
):
    settings.OPEN311_RATE_LIMIT_PER_KEY = 2
    for _ in range(2):
        assert post(client, fmt, **valid).status_code == 200
    response = post(client, fmt, **valid)
    assert response.status_code == 429
    (item,) = errors(response, fmt)
    assert "api_key" in item["description"]
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert Report.objects.count() == 2
    # Another key (another system of the same municipality) has its own count.
    other = api_key_create(
        name="Tweede systeem", municipality=town["municipality"], created_by=None
    )
    assert post(client, fmt, **{**valid, "api_key": other.key}).status_code == 200


def test_refused_posts_count_and_a_bad_key_is_still_403(client, valid, settings, fresh_counters):
    settings.OPEN311_RATE_LIMIT_PER_KEY = 1
    assert post(client, **{**valid, "service_code": "no-such-code"}).status_code == 400
    assert post(client, **valid).status_code == 429
    assert post(client, **{**valid, "api_key": "x" * 43}).status_code == 403
