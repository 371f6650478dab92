"""Permission predicates: partner, jurisdiction, forwarding, identity, moderation, members."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from samenveilig.communities.models import MembershipRole, MembershipStatus
from samenveilig.reports.models import Partner, ReportStatus
from samenveilig.reports.permissions import (
    user_can_handle_report,
    user_can_moderate_report,
    user_can_see_community_report,
    user_can_see_report_photos,
    user_can_see_reporter_identity,
)
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.reports.partner.factories import CategoryFactory, ReportFactory

pytestmark = pytest.mark.django_db


def test_wijkagent_handles_a_police_report_in_their_jurisdiction(town, police_noord):
    report = ReportFactory(neighbourhood=town["noord_west"])
    assert user_can_handle_report(police_noord, report)


def test_wijkagent_noord_cannot_handle_a_report_in_zuid(town, police_noord, police_zuid):
    report = ReportFactory(neighbourhood=town["zuid_oost"])
    assert not user_can_handle_report(police_noord, report)
    assert user_can_handle_report(police_zuid, report)


def test_municipality_cannot_handle_a_police_report_unless_forwarded(town, municipality):
    report = ReportFactory(neighbourhood=town["noord_west"])
    assert not user_can_handle_report(municipality, report)
    report.forwarded_to = Partner.MUNICIPALITY
    report.status = ReportStatus.FORWARDED
    assert user_can_handle_report(municipality, report)


def test_municipality_handles_a_municipality_report_anywhere_in_the_gemeente(town, municipality):
    report = ReportFactory(
        neighbourhood=town["zuid_west"], category=CategoryFactory(partner=Partner.MUNICIPALITY)
    )
    assert user_can_handle_report(municipality, report)


@pytest.mark.parametrize("status", [ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED])
def test_partners_do_not_handle_reports_before_moderation(town, police_noord, status):
    report = ReportFactory(neighbourhood=town["noord_west"], status=status)
    assert not user_can_handle_report(police_noord, report)


def test_everyone_else_is_refused(town, resident, member, coordinator):
    report = ReportFactory(neighbourhood=town["noord_west"])
    for user in (AnonymousUser(), resident, member, coordinator):
        assert not user_can_handle_report(user, report)


def test_identity_only_with_consent_and_only_for_the_handling_partner(
    town, police_noord, police_zuid, reporter
):
    report = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    assert not user_can_see_reporter_identity(police_noord, report)
    report.share_identity = True
    assert user_can_see_reporter_identity(police_noord, report)
    assert not user_can_see_reporter_identity(police_zuid, report)


def test_photos_for_handling_partner_and_the_reporter(town, police_noord, police_zuid, reporter):
    report = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    assert user_can_see_report_photos(police_noord, report)
    assert user_can_see_report_photos(reporter, report)
    assert not user_can_see_report_photos(police_zuid, report)
    assert not user_can_see_report_photos(AnonymousUser(), report)


def test_coordinator_moderates_in_the_areas_of_their_community(town, coordinator, member):
    inside = ReportFactory(neighbourhood=town["noord_oost"], status=ReportStatus.PENDING_MODERATION)
    outside = ReportFactory(neighbourhood=town["zuid_oost"], status=ReportStatus.PENDING_MODERATION)
    assert user_can_moderate_report(coordinator, inside)
    assert not user_can_moderate_report(coordinator, outside)
    assert not user_can_moderate_report(member, inside)


def test_coordinator_of_the_gemeente_covers_every_buurt_and_not_their_own_report(town):
    coordinator = UserFactory()
    MembershipFactory(
        community=CommunityFactory(areas=[town["municipality"]]),
        user=coordinator,
        role=MembershipRole.COORDINATOR,
    )
    report = ReportFactory(neighbourhood=town["zuid_oost"], status=ReportStatus.PENDING_MODERATION)
    assert user_can_moderate_report(coordinator, report)
    own = ReportFactory(
        neighbourhood=town["zuid_oost"],
        status=ReportStatus.PENDING_MODERATION,
        reporter=coordinator,
    )
    assert not user_can_moderate_report(coordinator, own)


def test_unverified_coordinator_does_not_moderate(town, community_noord):
    user = UserFactory()
    MembershipFactory(
        community=community_noord,
        user=user,
        role=MembershipRole.COORDINATOR,
        status=MembershipStatus.REQUESTED,
    )
    report = ReportFactory(neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION)
    assert not user_can_moderate_report(user, report)


def test_verified_members_see_their_communitys_reports_only(town, member, community_noord):
    inside = ReportFactory(neighbourhood=town["noord_west"])
    outside = ReportFactory(neighbourhood=town["zuid_west"])
    pending = ReportFactory(
        neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION
    )
    assert user_can_see_community_report(member, inside)
    assert not user_can_see_community_report(member, outside)
    assert not user_can_see_community_report(member, pending)
    requested = UserFactory()
    MembershipFactory(community=community_noord, user=requested, status=MembershipStatus.REQUESTED)
    assert not user_can_see_community_report(requested, inside)
