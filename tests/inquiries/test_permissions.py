"""Permission predicates and scoped selectors of inquiries: deny by default; police steer every
inquiry in their jurisdiction and nothing outside it; coordinators their groups'; canvassers
see their groups' inquiries and walk only their own route."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from samenveilig.accounts.models import Role
from samenveilig.communities.models import Membership, MembershipRole, MembershipStatus
from samenveilig.inquiries import permissions, selectors, services
from samenveilig.reports.categories import install_default_categories
from samenveilig.reports.models import Category, Partner, Report, ReportStatus
from samenveilig.training.content import CANVASSING
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant
from tests.training.conftest import expire

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(scene):
    return services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=8))


def people(scene):
    return {
        "coordinator": scene.coordinator,
        "police": scene.police,
        "canvasser": scene.canvassers[0],
        "member": scene.member,
        "outsider": scene.outsider,
        "other_police": scene.other_police,
        "anonymous": AnonymousUser(),
    }


EXPECTED = {
    # who: (see, manage, sign up, mark canvassers)
    "coordinator": (True, True, False, True),
    "police": (True, True, False, False),
    "canvasser": (True, False, True, False),
    "member": (False, False, False, False),
    "outsider": (False, False, False, False),
    "other_police": (False, False, False, False),
    "anonymous": (False, False, False, False),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_who_may_do_what(scene, inquiry, who):
    user = people(scene)[who]
    got = (
        permissions.user_can_see_inquiry(user, inquiry),
        permissions.user_can_manage_inquiry(user, inquiry),
        permissions.user_can_sign_up(user, inquiry),
        permissions.user_can_mark_canvassers(user, scene.community),
    )
    assert got == EXPECTED[who]
    visible = selectors.inquiries_visible_to(user).filter(pk=inquiry.pk).exists()
    assert visible == EXPECTED[who][0]


def test_police_see_every_inquiry_in_their_jurisdiction_whichever_group(scene, inquiry):
    """A second group covering the same buurt: the wijkagent sees and steers its inquiry too,
    the first group's coordinator does not."""
    other = CommunityFactory(name="Tweede groep", areas=[scene.town["zuid_west"]])
    boss = UserFactory()
    MembershipFactory(community=other, user=boss, role=MembershipRole.COORDINATOR)
    theirs = services.inquiry_start(actor=boss, data=scene.input(community=other))
    assert permissions.user_can_manage_inquiry(scene.police, theirs)
    assert set(selectors.inquiries_visible_to(scene.police)) == {inquiry, theirs}
    assert not permissions.user_can_see_inquiry(scene.coordinator, theirs)
    assert set(selectors.inquiries_visible_to(scene.coordinator)) == {inquiry}


def test_police_with_a_grant_on_the_whole_town_see_it(scene, inquiry):
    chief = UserFactory()
    grant(chief, Role.POLICE, scene.town["municipality"])
    assert permissions.user_can_manage_inquiry(chief, inquiry)


def test_a_municipality_officer_is_not_police(scene, inquiry):
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, scene.town["zuid"])
    assert not permissions.user_can_see_inquiry(officer, inquiry)
    assert not selectors.inquiries_visible_to(officer).exists()


def test_a_coordinator_who_left_loses_the_inquiry(scene, inquiry):
    Membership.objects.filter(user=scene.coordinator).update(status=MembershipStatus.LEFT)
    assert not permissions.user_can_manage_inquiry(scene.coordinator, inquiry)
    assert not selectors.inquiries_visible_to(scene.coordinator).exists()


def test_an_expired_training_certificate_ends_canvassing(scene, inquiry):
    anna = scene.canvassers[0]
    expire(anna, CANVASSING)
    assert not permissions.is_canvasser(anna, scene.community)
    assert not permissions.user_can_see_inquiry(anna, inquiry)
    assert not selectors.inquiries_visible_to(anna).exists()


def test_accepting_is_for_the_coordinator_of_a_requested_inquiry(scene, inquiry):
    assert not permissions.user_can_accept_inquiry(scene.coordinator, inquiry)  # already open
    requested = services.inquiry_start(actor=scene.police, data=scene.input())
    assert permissions.user_can_accept_inquiry(scene.coordinator, requested)
    assert not permissions.user_can_accept_inquiry(scene.police, requested)


def test_starting_needs_a_group_covering_the_buurt(scene):
    zuid_west, noord_west = scene.town["zuid_west"], scene.town["noord_west"]
    assert permissions.user_can_start_inquiry(scene.coordinator, scene.community, zuid_west)
    assert permissions.user_can_start_inquiry(scene.police, scene.community, zuid_west)
    assert not permissions.user_can_start_inquiry(scene.coordinator, scene.community, noord_west)
    assert not permissions.user_can_start_inquiry(scene.other_police, scene.community, zuid_west)
    assert not permissions.user_can_start_inquiry(scene.canvassers[0], scene.community, zuid_west)


def test_only_the_pair_walks_the_route(scene, inquiry):
    anna, bram, carla = scene.canvassers[:3]
    for person in (anna, bram, carla):
        services.canvass_signup(actor=person, inquiry=inquiry)
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
    route = inquiry.routes.get(position=1)
    assert permissions.user_can_canvass_route(anna, route)
    assert permissions.user_can_canvass_route(bram, route)
    for user in (carla, scene.coordinator, scene.police, AnonymousUser()):
        assert not permissions.user_can_canvass_route(user, route)
    assert [r.pk for r in selectors.routes_of(anna)] == [route.pk]
    assert not selectors.routes_of(carla).exists()
    assert not selectors.routes_of(AnonymousUser()).exists()


def test_the_victims_door_is_for_managers_while_open(scene, inquiry):
    assert permissions.user_can_visit_victim(scene.coordinator, inquiry)
    assert permissions.user_can_visit_victim(scene.police, inquiry)
    assert not permissions.user_can_visit_victim(scene.canvassers[0], inquiry)
    closed = services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)
    assert not permissions.user_can_visit_victim(scene.coordinator, closed)


def test_startable_groups(scene):
    whole_town = CommunityFactory(name="Hele stad", areas=[scene.town["municipality"]])
    noord = CommunityFactory(name="Noord", areas=[scene.town["noord_west"]])
    assert set(selectors.startable_communities(scene.coordinator)) == {scene.community}
    assert set(selectors.startable_communities(scene.police)) == {scene.community, whole_town}
    assert set(selectors.startable_communities(scene.other_police)) == {whole_town, noord}
    for user in (scene.canvassers[0], scene.member, scene.outsider, AnonymousUser()):
        assert not selectors.startable_communities(user).exists()


# --- following up a report --------------------------------------------------------------------


@pytest.fixture
def report(scene):
    install_default_categories()  # idempotent; an e2e flush may have emptied the table
    category = Category.objects.get(code="woninginbraak", municipality=None)
    return Report.objects.create(
        reference="M-PERM0001",
        category=category,
        reporter_pseudonym="Melder 7",
        description="Inbraak.",
        lat=scene.victim.lat,
        lon=scene.victim.lon,
        neighbourhood=scene.town["zuid_west"],
        observed_at=timezone.now() - dt.timedelta(hours=3),
        submitted_at=timezone.now() - dt.timedelta(hours=2),
        status=ReportStatus.SUBMITTED,
        partner=Partner.POLICE,
    )


def test_who_may_follow_up_a_report(scene, report):
    assert permissions.user_can_start_from_report(scene.police, report)
    assert permissions.user_can_handle_as_police(scene.police, report)
    assert permissions.user_can_start_from_report(scene.coordinator, report)
    assert not permissions.user_can_handle_as_police(scene.coordinator, report)
    for user in (scene.other_police, scene.canvassers[0], scene.member, AnonymousUser()):
        assert not permissions.user_can_start_from_report(user, report)
    assert selectors.report_for_inquiry(scene.coordinator, report.reference) == report
    assert selectors.report_for_inquiry(scene.member, report.reference) is None
    assert selectors.report_for_inquiry(scene.coordinator, "M-NONE0000") is None


def test_a_report_waiting_for_moderation_is_not_for_the_police(scene, report):
    report.status = ReportStatus.PENDING_MODERATION
    report.save(update_fields=["status"])
    assert not permissions.user_can_start_from_report(scene.police, report)
    assert not permissions.user_can_start_from_report(scene.coordinator, report)
