"""COM-4 services: home point, extra watch points, alert subscriptions."""

from __future__ import annotations

import pytest

from samenveilig.communities import services
from samenveilig.communities.errors import CommunityError
from samenveilig.communities.models import AlertKind, AlertSubscription, WatchPoint
from samenveilig.core.models import AuditEvent
from tests.factories import AddressFactory, WatchPointFactory

pytestmark = pytest.mark.django_db


def test_given_point_in_buurt_when_setting_home_then_neighbourhood_resolved_and_audited(
    town, resident
):
    point = services.watch_point_set_home(user=resident, lat=52.0125, lon=5.0025)

    assert point.is_home
    assert point.neighbourhood == town["noord_west"]
    event = AuditEvent.objects.get(action="communities.home_point_set")
    assert event.details == {"created": True, "neighbourhood_id": town["noord_west"].pk}
    assert "52.0125" not in str(event.details)


def test_given_home_when_setting_again_then_same_point_moves(town, resident):
    first = services.watch_point_set_home(user=resident, lat=52.0125, lon=5.0025)

    second = services.watch_point_set_home(user=resident, lat=52.0025, lon=5.0075)

    assert second.pk == first.pk
    assert second.neighbourhood == town["zuid_oost"]
    assert WatchPoint.objects.filter(user=resident).count() == 1


def test_given_address_when_setting_home_then_address_location_is_used(town, resident):
    address = AddressFactory(lat=52.0025, lon=5.0025, neighbourhood=town["zuid_west"])

    point = services.watch_point_set_home(user=resident, lat=0, lon=0, address=address)

    assert (point.lat, point.lon) == (52.0025, 5.0025)
    assert point.address == address
    assert point.neighbourhood == town["zuid_west"]


def test_given_point_outside_every_buurt_then_saved_without_neighbourhood(town, resident):
    point = services.watch_point_set_home(user=resident, lat=53.2, lon=6.5)

    assert point.neighbourhood is None


@pytest.mark.parametrize(
    "lat, lon", [(200, 5), (52, 181), (float("nan"), 5), ("abc", 5), (None, 5)]
)
def test_given_impossible_location_when_setting_home_then_refused_and_nothing_saved(
    town, resident, lat, lon
):
    with pytest.raises(CommunityError):
        services.watch_point_set_home(user=resident, lat=lat, lon=lon)

    assert not WatchPoint.objects.exists()
    assert not AuditEvent.objects.exists()


def test_given_label_when_adding_watch_point_then_saved_with_neighbourhood(town, resident):
    point = services.watch_point_add(user=resident, label="Werk", lat=52.0125, lon=5.0075)

    assert not point.is_home
    assert point.neighbourhood == town["noord_oost"]
    assert AuditEvent.objects.get().action == "communities.watch_point_added"


def test_given_five_extra_points_when_adding_sixth_then_refused(town, resident):
    WatchPointFactory(user=resident, is_home=True)
    for n in range(services.MAX_EXTRA_WATCH_POINTS):
        WatchPointFactory(user=resident, is_home=False, label=f"Punt {n}")

    with pytest.raises(CommunityError, match="5"):
        services.watch_point_add(user=resident, label="Zesde", lat=52.001, lon=5.001)

    assert WatchPoint.objects.filter(user=resident).count() == 6


@pytest.mark.parametrize("label", ["", "   ", "x" * 61])
def test_given_bad_label_when_adding_watch_point_then_refused(town, resident, label):
    with pytest.raises(CommunityError) as info:
        services.watch_point_add(user=resident, label=label, lat=52.001, lon=5.001)
    assert info.value.field == "label"


def test_given_own_point_when_removing_then_deleted_and_audited(resident):
    point = WatchPointFactory(user=resident, is_home=False)

    services.watch_point_remove(user=resident, watch_point=point)

    assert not WatchPoint.objects.exists()
    assert AuditEvent.objects.get().details == {"watch_point_id": point.pk, "was_home": False}


def test_given_someone_elses_point_when_removing_then_refused(resident):
    point = WatchPointFactory(is_home=False)

    with pytest.raises(CommunityError):
        services.watch_point_remove(user=resident, watch_point=point)

    assert WatchPoint.objects.filter(pk=point.pk).exists()


def test_given_kinds_when_setting_subscriptions_then_exactly_those_are_kept(resident):
    AlertSubscription.objects.create(user=resident, kind=AlertKind.VEHICLE)

    services.subscriptions_set(user=resident, kinds=[AlertKind.COCOON, AlertKind.MISSING_PERSON])

    assert set(AlertSubscription.objects.filter(user=resident).values_list("kind", flat=True)) == {
        "cocoon",
        "missing_person",
    }
    details = AuditEvent.objects.get().details
    assert details["removed"] == ["vehicle"]


def test_given_unknown_kind_when_setting_subscriptions_then_refused_and_nothing_changed(resident):
    AlertSubscription.objects.create(user=resident, kind=AlertKind.VEHICLE)

    with pytest.raises(CommunityError):
        services.subscriptions_set(user=resident, kinds=["vehicle", "everything"])

    assert list(AlertSubscription.objects.values_list("kind", flat=True)) == ["vehicle"]
