from __future__ import annotations

import pytest

from samenveilig.areas.models import AreaLevel
from samenveilig.reports.apikeys import api_key_create
from samenveilig.reports.models import Category
from tests.factories import AddressFactory, AreaFactory, square


@pytest.fixture
def categories(db):
    """Two of the default categories (loaded by the data migration): one asking for person and
    vehicle descriptions, one asking for neither."""
    defaults = Category.objects.filter(municipality__isnull=True)
    return {
        "suspicious": defaults.get(code="verdachte-situatie-persoon"),
        "unsafe_place": defaults.get(code="onveilige-plek"),
    }


@pytest.fixture
def address(town):
    return AddressFactory(
        postcode="9999AB",
        house_number=12,
        street="Kerkstraat",
        lat=52.0025,
        lon=5.0025,
        neighbourhood=town["zuid_west"],
        bag_id="0999200000000012",
    )


@pytest.fixture
def other_town(db):
    gm = AreaFactory(code="GM9998", name="Anderstad", level=AreaLevel.MUNICIPALITY)
    wk = AreaFactory(code="WK999801", name="Centrum", level=AreaLevel.DISTRICT, parent=gm)
    bu = AreaFactory(code="BU99980101", name="Markt", parent=wk, geometry=square(53.0, 6.0, 0.01))
    return {"municipality": gm, "centrum": wk, "markt": bu}


@pytest.fixture
def api_key(town):
    return api_key_create(name="MOR Teststad", municipality=town["municipality"], created_by=None)
