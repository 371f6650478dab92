"""The area map, its GeoJSON and the address lookup: allowed for users, refused to anonymous."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from samenveilig.communities.models import CommunityKind
from tests.conftest import login
from tests.factories import (
    AddressFactory,
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    square,
)

pytestmark = pytest.mark.django_db

PAGES = ["areas:map", "areas:neighbourhoods_geojson", "areas:lookup"]


@pytest.fixture
def resident_client(client):
    return login(client, UserFactory(language="en"))


@pytest.fixture
def home_address(town):
    return AddressFactory(
        postcode="1234AB",
        house_number=12,
        house_number_addition="A",
        street="Dorpsstraat",
        neighbourhood=town["noord_west"],
    )


def lookup(client, **data):
    payload = {"postcode": "", "house_number": "", "house_number_addition": "", **data}
    return client.post(reverse("areas:lookup"), payload)


@pytest.mark.parametrize("name", PAGES)
def test_given_anonymous_when_opening_area_pages_then_redirected_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_given_anonymous_when_posting_lookup_then_redirected_to_login(client, home_address):
    response = lookup(client, postcode="1234AB", house_number="12")
    assert response.status_code == 302


@pytest.mark.parametrize("name", PAGES)
def test_given_resident_when_opening_area_pages_then_200(resident_client, town, name):
    assert resident_client.get(reverse(name)).status_code == 200


def test_given_resident_then_map_page_has_labelled_map_table_and_lookup_form(resident_client, town):
    response = resident_client.get(reverse("areas:map"))
    body = response.content.decode()

    assert 'id="area-map"' in body
    assert 'aria-label="Map of the neighbourhoods"' in body
    assert f'data-geojson-url="{reverse("areas:neighbourhoods_geojson")}"' in body
    assert 'data-tile-url="https://' in body
    assert "<table" in body
    for name in ("Noord-West", "Noord-Oost", "Zuid-West", "Zuid-Oost", "BU99990101"):
        assert name in body
    assert f'action="{reverse("areas:lookup")}"' in body
    assert "areas/map.js" in body


def test_given_map_page_then_no_inline_script_or_style(resident_client, town):
    body = resident_client.get(reverse("areas:map")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert " style=" not in body
    assert "<style" not in body


def test_given_resident_then_geojson_lists_the_buurten(resident_client, town):
    response = resident_client.get(reverse("areas:neighbourhoods_geojson"))

    assert response["Content-Type"] == "application/geo+json"
    assert "private" in response["Cache-Control"]
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in data["features"]} == {
        "Noord-West",
        "Noord-Oost",
        "Zuid-West",
        "Zuid-Oost",
    }


def test_given_several_municipalities_then_map_shows_the_chosen_one(resident_client, town):
    other = AreaFactory(code="GM8888", name="Anderstad", level="municipality")
    wijk = AreaFactory(code="WK888801", name="Elders", level="district", parent=other)
    AreaFactory(code="BU88880101", name="Ver weg", parent=wijk, geometry=square(51.0, 4.0))

    chosen = resident_client.get(reverse("areas:map"), {"municipality": "GM9999"})
    default = resident_client.get(reverse("areas:map"))

    assert "Ver weg" not in chosen.content.decode()
    assert "Noord-West" in chosen.content.decode()
    assert "?municipality=GM9999" in chosen.content.decode()
    assert "Ver weg" in default.content.decode()  # Anderstad comes first alphabetically
    geojson_url = reverse("areas:neighbourhoods_geojson")
    geojson = resident_client.get(geojson_url, {"municipality": "GM8888"})
    assert [f["id"] for f in geojson.json()["features"]] == ["BU88880101"]


def test_given_unknown_municipality_then_map_falls_back_and_geojson_is_empty(resident_client, town):
    AreaFactory(code="GM8888", name="Anderstad", level="municipality")
    assert resident_client.get(reverse("areas:map"), {"municipality": "GM0000"}).status_code == 200
    response = resident_client.get(reverse("areas:neighbourhoods_geojson"), {"municipality": "x"})
    assert response.json() == {"type": "FeatureCollection", "features": []}


def test_given_known_address_then_lookup_shows_buurt_wijk_gemeente_and_communities(
    resident_client, town, home_address
):
    CommunityFactory(name="Waakzaam Noord", areas=[town["noord"]])
    CommunityFactory(name="Zuid Let Op", areas=[town["zuid_west"]])

    response = lookup(
        resident_client, postcode="1234 ab", house_number="12", house_number_addition="a"
    )

    assert response.status_code == 200
    body = response.content.decode()
    for shown in (
        "Dorpsstraat 12 A",
        "Noord-West",
        "BU99990101",
        "Noord",
        "Teststad",
        "Waakzaam Noord",
    ):
        assert shown in body
    assert "Zuid Let Op" not in body


def test_given_investigation_team_then_lookup_hides_it_from_a_resident_outside_it(
    client, town, home_address
):
    team = CommunityFactory(
        name="Geheim Rechercheteam",
        kind=CommunityKind.INVESTIGATION_TEAM,
        areas=[town["noord_west"]],
    )
    CommunityFactory(name="Open Buurtpreventie", areas=[town["noord_west"]])
    login(client, UserFactory(language="en"))

    body = lookup(
        client, postcode="1234AB", house_number="12", house_number_addition="A"
    ).content.decode()

    assert "Open Buurtpreventie" in body
    assert "Geheim Rechercheteam" not in body
    client.logout()
    login(client, MembershipFactory(community=team, user__language="en").user)
    body = lookup(
        client, postcode="1234AB", house_number="12", house_number_addition="A"
    ).content.decode()
    assert "Geheim Rechercheteam" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"postcode": "123", "house_number": "12"}, "Enter a postcode like 1234 AB."),
        ({"postcode": "0123AB", "house_number": "12"}, "Enter a postcode like 1234 AB."),
        ({"postcode": "1234AB", "house_number": "twaalf"}, "Enter the house number as a whole"),
        ({"postcode": "1234AB", "house_number": "-1"}, "Enter the house number as a whole"),
        (
            {"postcode": "1234AB", "house_number": "12", "house_number_addition": "<b>"},
            "Enter the addition as letters and digits only",
        ),
        ({"postcode": "x" * 500, "house_number": "9" * 500}, "Ensure this value has at most"),
        ({}, "This field is required."),
    ],
)
def test_given_bad_input_then_lookup_shows_field_message_with_200(
    resident_client, town, data, message
):
    response = lookup(resident_client, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="errorlist"' in response.content.decode()


def test_given_unknown_address_then_lookup_says_not_found(resident_client, town, home_address):
    response = lookup(resident_client, postcode="9999ZZ", house_number="1")
    assert response.status_code == 200
    assert "We could not find this address." in response.content.decode()


def test_given_address_outside_every_buurt_then_lookup_says_so(resident_client, town):
    AddressFactory(postcode="9999ZZ", house_number=1, neighbourhood=None)
    body = lookup(resident_client, postcode="9999ZZ", house_number="1").content.decode()
    assert "outside every neighbourhood we know" in body


def test_given_buurt_without_communities_then_lookup_says_none_yet(
    resident_client, town, home_address
):
    body = lookup(
        resident_client, postcode="1234AB", house_number="12", house_number_addition="A"
    ).content.decode()
    assert "No community works in this neighbourhood yet." in body


def test_given_lookup_then_the_address_is_not_put_in_the_url(resident_client, town):
    body = resident_client.get(reverse("areas:lookup")).content.decode()
    assert 'method="post"' in body
