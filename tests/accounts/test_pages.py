"""Home per role, profile and personal data export."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from samenveilig.accounts.models import Role
from samenveilig.communities.models import CommunityKind, MembershipRole, MembershipStatus
from samenveilig.core.models import AuditEvent
from tests.conftest import login
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    grant,
)

pytestmark = pytest.mark.django_db


def test_given_anonymous_when_opening_home_then_public_welcome_with_112(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "112" in response.content.decode()
    assert "accounts/welcome.html" in [t.name for t in response.templates]


def test_given_resident_without_community_then_home_suggests_communities(client, town):
    CommunityFactory(name="Waakzaam Noord", areas=[town["noord_west"]])
    CommunityFactory(
        name="Geheim Team", kind=CommunityKind.INVESTIGATION_TEAM, areas=[town["noord_west"]]
    )
    login(client, UserFactory())
    body = client.get(reverse("home")).content.decode()
    assert "Waakzaam Noord" in body
    assert "Geheim Team" not in body


def test_given_member_then_home_lists_own_communities_only(client, town):
    mine = MembershipFactory(community__name="Mijn Buurt")
    CommunityFactory(name="Andere Buurt")
    login(client, mine.user)
    response = client.get(reverse("home"))
    assert [m.community.name for m in response.context["verified_memberships"]] == ["Mijn Buurt"]


def test_given_coordinator_then_home_shows_waiting_join_requests_of_own_community_only(client):
    coordinator = MembershipFactory(role=MembershipRole.COORDINATOR)
    applicant = MembershipFactory(
        community=coordinator.community, status=MembershipStatus.REQUESTED
    )
    MembershipFactory(status=MembershipStatus.REQUESTED)  # another community's request
    login(client, coordinator.user, with_mfa=True)
    response = client.get(reverse("home"))
    assert [m.pk for m in response.context["pending_join_requests"]] == [applicant.pk]


def test_given_police_then_home_shows_communities_in_jurisdiction_only(client, town):
    CommunityFactory(name="Noord Waakt", areas=[town["noord_oost"]])
    CommunityFactory(name="Zuid Waakt", areas=[town["zuid_west"]])
    officer = UserFactory()
    grant(officer, Role.POLICE, town["noord"])
    login(client, officer, with_mfa=True)
    panel = client.get(reverse("home")).context["police_panel"]
    assert [c.name for c in panel["communities"]] == ["Noord Waakt"]
    assert panel["neighbourhood_count"] == 2


def test_given_municipality_officer_then_home_shows_whole_municipality(client, town):
    CommunityFactory(name="Noord Waakt", areas=[town["noord_oost"]])
    CommunityFactory(name="Zuid Waakt", areas=[town["zuid_west"]])
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, town["municipality"])
    login(client, officer, with_mfa=True)
    panel = client.get(reverse("home")).context["municipality_panel"]
    assert sorted(c.name for c in panel["communities"]) == ["Noord Waakt", "Zuid Waakt"]


def test_given_privacy_officer_then_home_shows_audit_panel_and_no_partner_panels(client):
    officer = UserFactory()
    grant(officer, Role.PRIVACY_OFFICER)
    login(client, officer, with_mfa=True)
    context = client.get(reverse("home")).context
    assert "privacy_panel" in context
    assert "police_panel" not in context and "admin_panel" not in context


def test_given_admin_then_home_shows_deployment_figures(client, town):
    admin = UserFactory(is_staff=True, is_superuser=True)
    login(client, admin, with_mfa=True)
    panel = client.get(reverse("home")).context["admin_panel"]
    assert panel["neighbourhoods"] == 4


def test_given_resident_then_home_has_no_partner_panels(client):
    login(client, UserFactory())
    context = client.get(reverse("home")).context
    for key in ("police_panel", "municipality_panel", "privacy_panel", "admin_panel"):
        assert key not in context


@pytest.mark.parametrize("name", ["accounts:profile", "accounts:data_export"])
def test_given_anonymous_when_opening_personal_pages_then_redirected_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_given_resident_when_saving_profile_then_stored(client):
    user = UserFactory()
    login(client, user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "display_name": "Anna",
            "language": "en",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.language, str(user.quiet_hours_start)) == (
        "Anna",
        "en",
        "22:00:00",
    )


@pytest.mark.parametrize(
    "data",
    [
        {"language": "fr"},
        {"language": "nl", "quiet_hours_start": "22:00"},
        {"language": "nl", "quiet_hours_start": "25:00", "quiet_hours_end": "07:00"},
        {"language": "nl", "quiet_hours_start": "22:00", "quiet_hours_end": "22:00"},
    ],
)
def test_given_bad_profile_input_then_message_and_nothing_saved(client, data):
    user = UserFactory(display_name="Oud")
    login(client, user)
    response = client.post(reverse("accounts:profile"), {"display_name": "Nieuw", **data})
    assert response.status_code == 200
    assert response.context["form"].errors
    user.refresh_from_db()
    assert user.display_name == "Oud"


def test_given_english_profile_then_pages_in_english_and_dutch_by_default(client):
    user = UserFactory(language="nl")
    login(client, user)
    assert client.get(reverse("accounts:profile")).context["LANGUAGE_CODE"] == "nl"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    assert client.get(reverse("accounts:profile")).context["LANGUAGE_CODE"] == "en"


def test_given_member_when_exporting_data_then_json_with_own_data_only_and_audited(client):
    membership = MembershipFactory(motivation="Ik wil helpen")
    WatchPointFactory(user=membership.user)
    other = MembershipFactory(motivation="Geheim van een ander")
    login(client, membership.user)
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == membership.user.email
    assert data["memberships"][0]["motivation"] == "Ik wil helpen"
    assert len(data["watch_points"]) == 1
    assert other.user.email not in response.content.decode()
    assert "Geheim van een ander" not in response.content.decode()
    assert AuditEvent.objects.filter(
        action="accounts.data_export", actor_id=membership.user.pk
    ).exists()
