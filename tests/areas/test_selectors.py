"""Reads of areas and addresses."""

from __future__ import annotations

import pytest

from samenveilig.areas.selectors import (
    address_lookup,
    communities_covering,
    neighbourhoods_geojson,
    neighbourhoods_with_parents,
)
from samenveilig.communities.models import CommunityKind
from tests.factories import (
    AddressFactory,
    AreaFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("postcode", "number", "addition"),
    [("1234AB", 12, "A2"), ("1234 ab", "12", "a-2"), (" 1234ab ", " 12 ", "A 2")],
)
def test_given_address_when_looking_up_in_any_spelling_then_found(town, postcode, number, addition):
    address = AddressFactory(
        postcode="1234AB",
        house_number=12,
        house_number_addition="A2",
        neighbourhood=town["noord_west"],
    )
    assert address_lookup(postcode, number, addition) == address


@pytest.mark.parametrize(
    ("postcode", "number", "addition"),
    [
        ("1234AC", 12, "A2"),
        ("1234AB", 13, "A2"),
        ("1234AB", 12, ""),
        ("0234AB", 12, "A2"),
        ("1234AB", "twaalf", ""),
        ("1234AB", 12, "!!"),
    ],
)
def test_given_other_or_invalid_input_when_looking_up_then_none(town, postcode, number, addition):
    AddressFactory(postcode="1234AB", house_number=12, house_number_addition="A2")
    assert address_lookup(postcode, number, addition) is None


def test_given_town_then_geojson_has_buurten_with_public_properties_only(town):
    data = neighbourhoods_geojson()

    assert data["type"] == "FeatureCollection"
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    assert set(by_code) == {"BU99990101", "BU99990102", "BU99990201", "BU99990202"}
    assert by_code["BU99990101"]["properties"] == {
        "code": "BU99990101",
        "name": "Noord-West",
        "district": "Noord",
        "municipality": "Teststad",
    }
    assert by_code["BU99990101"]["geometry"]["type"] == "Polygon"


def test_given_buurt_without_boundary_then_left_out_of_geojson_but_in_table(town):
    AreaFactory(code="BU99990203", name="Zonder grens", parent=town["zuid"])
    assert "BU99990203" not in {f["id"] for f in neighbourhoods_geojson()["features"]}
    assert "BU99990203" in {a.code for a in neighbourhoods_with_parents()}


def test_given_municipality_then_only_its_buurten(town):
    other = AreaFactory(code="GM8888", name="Anderstad", level="municipality")
    wijk = AreaFactory(code="WK888801", name="Elders", level="district", parent=other)
    AreaFactory(code="BU88880101", name="Ver weg", parent=wijk)
    assert [a.code for a in neighbourhoods_with_parents(municipality=other)] == ["BU88880101"]
    assert len(neighbourhoods_geojson(municipality=town["municipality"])["features"]) == 4


def test_given_communities_on_buurt_wijk_and_elsewhere_then_covering_ones_listed(town):
    CommunityFactory(name="Buurt", areas=[town["noord_west"]])
    CommunityFactory(name="Wijk", areas=[town["noord"]])
    CommunityFactory(name="Stad", areas=[town["municipality"]])
    CommunityFactory(name="Elders", areas=[town["zuid_oost"]])
    resident = UserFactory()

    names = [c.name for c in communities_covering(resident, town["noord_west"])]

    assert names == ["Buurt", "Stad", "Wijk"]


def test_given_investigation_team_then_listed_to_its_members_only(town):
    team = CommunityFactory(
        name="Rechercheteam", kind=CommunityKind.INVESTIGATION_TEAM, areas=[town["noord_west"]]
    )
    member = MembershipFactory(community=team).user
    assert list(communities_covering(UserFactory(), town["noord_west"])) == []
    assert list(communities_covering(member, town["noord_west"])) == [team]
