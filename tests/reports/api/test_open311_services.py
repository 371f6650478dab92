"""Open311 discovery, service list and service definitions (REP-12)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from .factories import CategoryFactory
from .open311_client import (
    ATTRIBUTE_FIELDS,
    FORMATS,
    SERVICE_FIELDS,
    as_text,
    errors,
    get,
    parsed,
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_list_has_the_spec_fields(client, categories, fmt):
    # given the default categories and one inactive extra
    CategoryFactory(code="oud", is_active=False)

    # when a client asks for the services
    response = get(client, "services", fmt)

    # then the active defaults are listed in their order, with exactly the spec's fields
    assert response.status_code == 200
    services = parsed(response, fmt, "services", "service")
    codes = [s["service_code"] for s in services]
    assert codes[0] == "verdachte-situatie-persoon"
    assert {"onveilige-plek", "woninginbraak", "overig"} <= set(codes)
    assert "oud" not in codes
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["type"] == "realtime"
    by_code = {s["service_code"]: s for s in services}
    suspicious = by_code["verdachte-situatie-persoon"]
    assert suspicious["service_name"] == "Verdachte situatie (persoon)"
    assert suspicious["group"] == "verdachte-situatie"
    assert suspicious["description"].startswith("Iemand gedraagt zich")
    assert str(suspicious["metadata"]).lower() == "true"
    assert str(by_code["onveilige-plek"]["metadata"]).lower() == "false"


def test_json_and_xml_say_the_same(client, categories):
    as_json = parsed(get(client, "services", "json"), "json", "services", "service")
    as_xml = parsed(get(client, "services", "xml"), "xml", "services", "service")
    assert [{k: as_text(v) for k, v in s.items()} for s in as_json] == as_xml


def test_services_in_english(client, categories):
    response = client.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en")
    names = [s["service_name"] for s in json.loads(response.content)]
    assert names[0] == "Suspicious situation (person)"
    assert "Vandalism" in names


def test_jurisdiction_adds_its_own_categories(client, categories, town, other_town):
    # given a category of Teststad only, and Teststad switching off a default
    CategoryFactory(code="hondenpoep", municipality=town["municipality"], sort_order=3)
    CategoryFactory(code="online", municipality=town["municipality"], is_active=False)

    # then it is listed for Teststad, not for Anderstad nor without jurisdiction
    def codes(**params):
        response = get(client, "services", "json", **params)
        return [s["service_code"] for s in json.loads(response.content)]

    assert "hondenpoep" in codes(jurisdiction_id="GM9999")
    assert "hondenpoep" not in codes(jurisdiction_id="GM9998")
    assert "hondenpoep" not in codes()
    assert "online" not in codes(jurisdiction_id="GM9999")
    assert "online" in codes(jurisdiction_id="GM9998")


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_jurisdiction_is_404(client, categories, fmt):
    response = get(client, "services", fmt, jurisdiction_id="GM0000")
    assert response.status_code == 404
    errors(response, fmt)


def test_service_definition_json(client, categories):
    response = get(client, "services/verdachte-situatie-persoon", "json")

    assert response.status_code == 200
    definition = json.loads(response.content)
    assert definition["service_code"] == "verdachte-situatie-persoon"
    attributes = definition["attributes"]
    codes = [a["code"] for a in attributes]
    assert codes[0] == "person_behaviour"
    for expected in (
        "person_sex",
        "person_age_min",
        "person_height_max_cm",
        "person_skin_colour",
        "person_top",
        "person_shoes",
        "person_direction",
        "person_transport",
        "vehicle_kind",
        "vehicle_licence_plate",
        "vehicle_direction",
    ):
        assert expected in codes
    for order, attribute in enumerate(attributes, start=1):
        assert set(attribute) == ATTRIBUTE_FIELDS
        assert attribute["order"] == order
        assert attribute["variable"] is True
        assert attribute["datatype"] in {
            "string",
            "number",
            "datetime",
            "text",
            "singlevaluelist",
            "multivaluelist",
        }
        assert attribute["description"]
    behaviour = attributes[0]
    assert behaviour["datatype"] == "text"
    # The hint is translated (Dutch by default); the rule it states is what matters.
    assert behaviour["datatype_description"]
    assert behaviour["required"] is False
    assert next(a for a in attributes if a["code"] == "person_age_min")["datatype"] == "number"


def test_service_definition_xml(client, categories):
    response = get(client, "services/verdachte-situatie-persoon", "xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "verdachte-situatie-persoon"
    attributes = root.find("attributes")
    assert attributes is not None
    first = attributes.findall("attribute")[0]
    assert {child.tag for child in first} == ATTRIBUTE_FIELDS
    assert first.findtext("code") == "person_behaviour"
    assert first.findtext("variable") == "true"
    assert first.findtext("required") == "false"
    assert first.findtext("order") == "1"


def test_service_without_descriptions_has_no_attributes(client, categories):
    definition = json.loads(get(client, "services/onveilige-plek", "json").content)
    assert definition == {"service_code": "onveilige-plek", "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_is_404(client, categories, fmt):
    response = get(client, "services/bestaat-niet", fmt)
    assert response.status_code == 404
    errors(response, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, fmt):
    response = get(client, "discovery", fmt)
    assert response.status_code == 200
    if fmt == "json":
        document = json.loads(response.content)
        endpoint = document["endpoints"][0]
        assert endpoint["url"].endswith("/open311/v2")
        assert endpoint["formats"] == ["application/json", "text/xml"]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "discovery"
        formats = [f.text for f in root.find("endpoints/endpoint/formats")]
        assert formats == ["application/json", "text/xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_path_and_method_answer_with_the_error_list(client, categories, fmt):
    missing = client.get(f"/open311/v2/nothing-here.{fmt}")
    assert missing.status_code == 404
    errors(missing, fmt)

    wrong_method = client.delete(f"/open311/v2/services.{fmt}")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method["Allow"]
    errors(wrong_method, fmt)
