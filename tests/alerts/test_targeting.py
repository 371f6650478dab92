"""Who receives an alert (ALR-2): circle edges, buurten, subscriptions, verification, quiet."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from samenveilig.alerts.targeting import Target, count_recipients, quiet_hours_end, recipients
from samenveilig.communities.models import AlertKind, AlertSubscription, MembershipStatus
from samenveilig.core.geo import EARTH_RADIUS_M
from tests.factories import MembershipFactory, UserFactory, WatchPointFactory

CENTRE = (52.0125, 5.0025)  # in the town's Noord-West buurt
METRE_LAT = 1 / (EARTH_RADIUS_M * 3.141592653589793 / 180)  # degrees of latitude per metre


def member(lat: float, lon: float, *, kinds=(AlertKind.WANTED_PERSON,), status=None, **user_kw):
    user = UserFactory(**user_kw)
    MembershipFactory(user=user, status=status or MembershipStatus.VERIFIED)
    WatchPointFactory(user=user, lat=lat, lon=lon)
    for kind in kinds:
        AlertSubscription.objects.create(user=user, kind=kind)
    return user


def ids(target: Target) -> set[int]:
    return {r.user_id for r in recipients(target)}


def circle(radius_m: float = 1000, kind=AlertKind.WANTED_PERSON) -> Target:
    return Target(kind=kind, lat=CENTRE[0], lon=CENTRE[1], radius_m=radius_m)


@pytest.mark.django_db
def test_given_points_just_inside_and_just_outside_the_radius_then_only_inside_receive():
    inside = member(CENTRE[0] + 995 * METRE_LAT, CENTRE[1])
    outside = member(CENTRE[0] + 1005 * METRE_LAT, CENTRE[1])
    # The bounding box's corner is outside the circle although inside the box.
    corner = member(CENTRE[0] + 800 * METRE_LAT, CENTRE[1] + 800 * METRE_LAT / 0.6157)
    assert ids(circle()) == {inside.pk}
    assert outside.pk in ids(circle(1100))
    assert corner.pk not in ids(circle())


@pytest.mark.django_db
def test_given_unverified_or_unsubscribed_or_inactive_members_then_they_are_excluded():
    verified = member(*CENTRE)
    requested = member(*CENTRE, status=MembershipStatus.REQUESTED)
    other_kind = member(*CENTRE, kinds=(AlertKind.COCOON,))
    inactive = member(*CENTRE, is_active=False)
    no_membership = UserFactory()
    WatchPointFactory(user=no_membership, lat=CENTRE[0], lon=CENTRE[1])
    AlertSubscription.objects.create(user=no_membership, kind=AlertKind.WANTED_PERSON)
    got = ids(circle())
    assert got == {verified.pk}
    assert not {requested.pk, other_kind.pk, inactive.pk, no_membership.pk} & got
    assert ids(circle(kind=AlertKind.COCOON)) == {other_kind.pk}


@pytest.mark.django_db
def test_given_a_member_with_home_and_watch_point_inside_then_counted_once():
    user = member(*CENTRE)
    WatchPointFactory(user=user, is_home=False, label="Werk", lat=CENTRE[0] + 0.001, lon=CENTRE[1])
    assert [r.user_id for r in recipients(circle())] == [user.pk]
    assert count_recipients(circle()) == 1


@pytest.mark.django_db
def test_given_a_watch_point_only_inside_then_member_receives(town):
    user = member(52.1, 5.1)  # home far away
    WatchPointFactory(user=user, is_home=False, label="Ouders", lat=CENTRE[0], lon=CENTRE[1])
    assert ids(circle()) == {user.pk}


@pytest.mark.django_db
def test_given_buurten_then_points_in_them_receive_whatever_the_distance(town):
    in_buurt = member(52.0001, 5.0001)
    WatchPoint = in_buurt.watch_points.model
    WatchPoint.objects.filter(user=in_buurt).update(neighbourhood=town["zuid_west"])
    elsewhere = member(52.0001, 5.006)
    WatchPoint.objects.filter(user=elsewhere).update(neighbourhood=town["zuid_oost"])
    target = Target(
        kind=AlertKind.WANTED_PERSON, lat=0, lon=0, radius_m=100, area_ids=(town["zuid_west"].pk,)
    )
    assert ids(target) == {in_buurt.pk}


AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        # Wrapping midnight: 23:30 is inside, ends tomorrow 07:00.
        (
            time(22),
            time(7),
            datetime(2026, 3, 10, 23, 30, tzinfo=AMS),
            datetime(2026, 3, 11, 7, tzinfo=AMS),
        ),
        # 03:00 inside, ends today 07:00.
        (
            time(22),
            time(7),
            datetime(2026, 3, 10, 3, 0, tzinfo=AMS),
            datetime(2026, 3, 10, 7, tzinfo=AMS),
        ),
        # 07:00 exactly: quiet hours are over.
        (time(22), time(7), datetime(2026, 3, 10, 7, 0, tzinfo=AMS), None),
        (time(22), time(7), datetime(2026, 3, 10, 12, 0, tzinfo=AMS), None),
        # Not wrapping: 13:00–15:00.
        (
            time(13),
            time(15),
            datetime(2026, 3, 10, 14, 0, tzinfo=AMS),
            datetime(2026, 3, 10, 15, tzinfo=AMS),
        ),
        (time(13), time(15), datetime(2026, 3, 10, 16, 0, tzinfo=AMS), None),
        # Not set, or empty.
        (None, time(7), datetime(2026, 3, 10, 3, 0, tzinfo=AMS), None),
        (time(7), time(7), datetime(2026, 3, 10, 7, 0, tzinfo=AMS), None),
    ],
)
def test_quiet_hours_end(start, end, now, expected, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    assert quiet_hours_end(start, end, now) == expected


def test_quiet_hours_across_the_dst_change_end_at_local_wall_clock(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    # The night the clocks go forward (29 March 2026, 02:00 → 03:00).
    now = datetime(2026, 3, 28, 23, 0, tzinfo=AMS)
    end = quiet_hours_end(time(22), time(7), now)
    assert end == datetime(2026, 3, 29, 7, tzinfo=AMS)
    assert end.utcoffset().total_seconds() == 7200
