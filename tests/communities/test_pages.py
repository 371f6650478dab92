"""Pages: the allowed role gets the page, others 403/404; bad input gets a message, not a 500."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from samenveilig.accounts.models import Role
from samenveilig.communities.models import (
    AlertSubscription,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    WatchPoint,
)
from samenveilig.core.models import AuditEvent
from tests.conftest import login
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    WatchPointFactory,
    grant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(town):
    return CommunityFactory(
        name="Team Noord",
        slug="team-noord",
        kind=CommunityKind.INVESTIGATION_TEAM,
        is_open=False,
        areas=[town["noord_oost"]],
    )


def _url(name: str, *args: object) -> str:
    return reverse(f"communities:{name}", args=args)


# --- anonymous -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("list", ()),
        ("detail", ("waakzaam-noord",)),
        ("members", ("waakzaam-noord",)),
        ("watch_points", ()),
        ("create", ()),
    ],
)
def test_given_anonymous_when_opening_page_then_redirected_to_login(client, community, name, args):
    response = client.get(_url(name, *args))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("name", ["join", "leave", "members"])
def test_given_anonymous_when_posting_then_redirected_and_nothing_saved(client, community, name):
    response = client.post(_url(name, community.slug))
    assert response.status_code == 302
    assert not Membership.objects.exists()


# --- list ----------------------------------------------------------------------------------------


def test_given_resident_when_listing_then_sees_open_communities_with_counts_not_teams(
    client, community, team, resident
):
    MembershipFactory(community=community)
    login(client, resident)

    response = client.get(_url("list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Waakzaam Noord" in body
    assert "Team Noord" not in body
    assert "<caption" in body and 'scope="col"' in body
    assert [c.verified_count for c in response.context["communities"]] == [1]


def test_given_filters_when_listing_then_only_matching_communities(
    client, town, community, resident
):
    CommunityFactory(name="App Zuid", kind=CommunityKind.WHATSAPP_GROUP, areas=[town["zuid_west"]])
    login(client, resident)

    by_kind = client.get(_url("list"), {"kind": "whatsapp_group"})
    by_area = client.get(_url("list"), {"neighbourhood": town["noord_west"].pk})

    assert [c.name for c in by_kind.context["communities"]] == ["App Zuid"]
    assert [c.name for c in by_area.context["communities"]] == ["Waakzaam Noord"]


def test_given_bad_filter_values_when_listing_then_200_with_message(client, community, resident):
    login(client, resident)

    response = client.get(_url("list"), {"kind": "nonsense", "neighbourhood": "abc"})

    assert response.status_code == 200
    assert response.context["form"].errors


# --- detail --------------------------------------------------------------------------------------


def test_given_resident_when_opening_detail_then_join_form_and_no_coordinator_names(
    client, community, coordinator, resident
):
    login(client, resident)

    response = client.get(_url("detail", community.slug))

    assert response.status_code == 200
    body = response.content.decode()
    assert _url("join", community.slug) in body
    assert "Coördinator Cor" not in body
    assert _url("members", community.slug) not in body


def test_given_verified_member_when_opening_detail_then_sees_coordinator_public_names_only(
    client, community, coordinator
):
    member = MembershipFactory(community=community)
    login(client, member.user)

    body = client.get(_url("detail", community.slug)).content.decode()

    assert "Coördinator Cor" in body
    assert coordinator.user.email not in body
    assert _url("leave", community.slug) in body


def test_given_coordinator_when_opening_detail_then_link_to_members(client, community, coordinator):
    login(client, coordinator.user, with_mfa=True)

    body = client.get(_url("detail", community.slug)).content.decode()

    assert _url("members", community.slug) in body


def test_given_non_member_when_opening_investigation_team_then_404(client, team, resident):
    login(client, resident)
    assert client.get(_url("detail", team.slug)).status_code == 404


def test_given_team_member_when_opening_team_then_200_without_join_form(client, team):
    member = MembershipFactory(community=team)
    login(client, member.user)

    response = client.get(_url("detail", team.slug))

    assert response.status_code == 200
    assert _url("join", team.slug) not in response.content.decode()


def test_given_unknown_slug_then_404(client, resident):
    login(client, resident)
    assert client.get(_url("detail", "bestaat-niet")).status_code == 404


# --- join and leave ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["join", "leave"])
def test_given_get_on_post_endpoint_then_405(client, community, resident, name):
    login(client, resident)
    assert client.get(_url(name, community.slug)).status_code == 405


def test_given_resident_when_posting_join_then_request_saved_and_coordinator_emailed(
    client, community, coordinator, resident, on_commit
):
    login(client, resident)

    with on_commit():
        response = client.post(_url("join", community.slug), {"motivation": "Ik woon hier"})

    assert response.status_code == 302
    assert Membership.objects.get(user=resident).status == MembershipStatus.REQUESTED
    assert [m.to for m in mail.outbox] == [[coordinator.user.email]]
    assert resident.email not in mail.outbox[0].body


def test_given_pending_request_when_joining_again_then_message_200_nothing_saved(
    client, community, resident
):
    MembershipFactory(community=community, user=resident, status=MembershipStatus.REQUESTED)
    login(client, resident)

    response = client.post(_url("join", community.slug), {"motivation": ""})

    assert response.status_code == 200
    assert (
        "already asked to join" in response.content.decode() or response.context["join_form"].errors
    )
    assert Membership.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_given_closed_community_when_joining_then_message_200(client, town, resident):
    closed = CommunityFactory(is_open=False, areas=[town["zuid_west"]])
    login(client, resident)

    response = client.post(_url("join", closed.slug), {"motivation": ""})

    assert response.status_code == 200
    assert response.context["join_form"].errors
    assert not Membership.objects.exists()


def test_given_too_long_motivation_when_joining_then_field_message_200(client, community, resident):
    login(client, resident)

    response = client.post(_url("join", community.slug), {"motivation": "x" * 1001})

    assert response.status_code == 200
    assert response.context["join_form"].errors["motivation"]
    assert not Membership.objects.exists()


def test_given_non_member_when_joining_investigation_team_then_404(client, team, resident):
    login(client, resident)
    assert client.post(_url("join", team.slug), {"motivation": ""}).status_code == 404
    assert not Membership.objects.exists()


def test_given_member_when_posting_leave_then_left(client, community):
    member = MembershipFactory(community=community)
    login(client, member.user)

    response = client.post(_url("leave", community.slug))

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MembershipStatus.LEFT


def test_given_last_coordinator_when_posting_leave_then_message_200_and_still_coordinator(
    client, community, coordinator
):
    MembershipFactory(community=community)
    login(client, coordinator.user, with_mfa=True)

    response = client.post(_url("leave", community.slug))

    assert response.status_code == 200
    assert response.context["page_error"]
    coordinator.refresh_from_db()
    assert coordinator.status == MembershipStatus.VERIFIED


def test_given_non_member_when_posting_leave_then_message_200(client, community, resident):
    login(client, resident)
    response = client.post(_url("leave", community.slug))
    assert response.status_code == 200
    assert response.context["page_error"]


# --- members page --------------------------------------------------------------------------------


def test_given_coordinator_when_opening_members_then_requests_and_members_without_emails(
    client, community, coordinator
):
    request = MembershipFactory(
        community=community, status=MembershipStatus.REQUESTED, user__display_name="Aanvrager Ab"
    )
    member = MembershipFactory(community=community, user__display_name="Lid Lies")
    login(client, coordinator.user, with_mfa=True)

    response = client.get(_url("members", community.slug))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Aanvrager Ab" in body and "Lid Lies" in body
    assert request.user.email not in body
    assert member.user.email not in body
    assert _url("decide", community.slug, request.pk) in body
    assert _url("role", community.slug, member.pk) in body
    assert 'scope="row"' in body


def test_given_admin_when_opening_members_then_emails_are_shown(client, community):
    member = MembershipFactory(community=community)
    admin = UserFactory()
    grant(admin, Role.ADMIN)
    login(client, admin, with_mfa=True)

    response = client.get(_url("members", community.slug))

    assert response.status_code == 200
    assert member.user.email in response.content.decode()


def test_given_plain_member_when_opening_members_then_403(client, community):
    member = MembershipFactory(community=community)
    login(client, member.user)
    assert client.get(_url("members", community.slug)).status_code == 403


def test_given_police_when_opening_members_then_403(client, town, community):
    officer = UserFactory()
    grant(officer, Role.POLICE, town["noord"])
    login(client, officer, with_mfa=True)
    assert client.get(_url("members", community.slug)).status_code == 403


def test_given_coordinator_of_a_when_opening_members_of_b_then_403(client, town, coordinator):
    other = CommunityFactory(areas=[town["zuid_west"]])
    secret = MembershipFactory(community=other, user__display_name="Geheim Lid")
    login(client, coordinator.user, with_mfa=True)

    response = client.get(_url("members", other.slug))

    assert response.status_code == 403
    assert "Geheim Lid" not in response.content.decode()
    assert secret.user.email not in response.content.decode()


def test_given_coordinator_of_a_when_opening_members_of_hidden_team_then_404(
    client, team, coordinator
):
    login(client, coordinator.user, with_mfa=True)
    assert client.get(_url("members", team.slug)).status_code == 404


# --- decide and role -----------------------------------------------------------------------------


def test_given_coordinator_when_admitting_then_verified_and_applicant_emailed(
    client, community, coordinator, on_commit
):
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)
    login(client, coordinator.user, with_mfa=True)

    with on_commit():
        response = client.post(
            _url("decide", community.slug, request.pk),
            {f"m{request.pk}-decision": "verify", f"m{request.pk}-note": "Welkom!"},
        )

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == MembershipStatus.VERIFIED
    assert [m.to for m in mail.outbox] == [[request.user.email]]


def test_given_coordinator_when_rejecting_then_rejected(client, community, coordinator):
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)
    login(client, coordinator.user, with_mfa=True)

    client.post(_url("decide", community.slug, request.pk), {f"m{request.pk}-decision": "reject"})

    request.refresh_from_db()
    assert request.status == MembershipStatus.REJECTED


def test_given_bad_decision_input_then_200_with_message_and_nothing_changed(
    client, community, coordinator
):
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)
    login(client, coordinator.user, with_mfa=True)

    response = client.post(
        _url("decide", community.slug, request.pk),
        {f"m{request.pk}-decision": "maybe", f"m{request.pk}-note": "x" * 400},
    )

    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


def test_given_already_decided_when_deciding_then_200_with_message(client, community, coordinator):
    done = MembershipFactory(community=community, status=MembershipStatus.REJECTED)
    login(client, coordinator.user, with_mfa=True)

    response = client.post(
        _url("decide", community.slug, done.pk), {f"m{done.pk}-decision": "verify"}
    )

    assert response.status_code == 200
    assert response.context["page_error"]
    done.refresh_from_db()
    assert done.status == MembershipStatus.REJECTED


@pytest.mark.parametrize("name", ["decide", "role"])
def test_given_get_on_member_endpoints_then_405(client, community, coordinator, name):
    login(client, coordinator.user, with_mfa=True)
    assert client.get(_url(name, community.slug, coordinator.pk)).status_code == 405


def test_given_member_when_deciding_then_403(client, community):
    member = MembershipFactory(community=community)
    request = MembershipFactory(community=community, status=MembershipStatus.REQUESTED)
    login(client, member.user)

    response = client.post(
        _url("decide", community.slug, request.pk), {f"m{request.pk}-decision": "verify"}
    )

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


def test_given_coordinator_of_a_when_deciding_request_of_b_then_403(client, town, coordinator):
    other = CommunityFactory(areas=[town["zuid_west"]])
    request = MembershipFactory(community=other, status=MembershipStatus.REQUESTED)
    login(client, coordinator.user, with_mfa=True)

    response = client.post(
        _url("decide", other.slug, request.pk), {f"m{request.pk}-decision": "verify"}
    )

    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


def test_given_membership_of_b_via_url_of_a_then_404(client, town, community, coordinator):
    other = CommunityFactory(areas=[town["zuid_west"]])
    request = MembershipFactory(community=other, status=MembershipStatus.REQUESTED)
    login(client, coordinator.user, with_mfa=True)

    response = client.post(
        _url("decide", community.slug, request.pk), {f"m{request.pk}-decision": "verify"}
    )

    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == MembershipStatus.REQUESTED


def test_given_coordinator_when_setting_role_then_saved(client, community, coordinator):
    member = MembershipFactory(community=community)
    login(client, coordinator.user, with_mfa=True)

    response = client.post(
        _url("role", community.slug, member.pk), {f"m{member.pk}-role": "coordinator"}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == MembershipRole.COORDINATOR


def test_given_investigator_role_in_patrol_when_posting_then_200_message_unchanged(
    client, community, coordinator
):
    member = MembershipFactory(community=community)
    login(client, coordinator.user, with_mfa=True)

    response = client.post(
        _url("role", community.slug, member.pk), {f"m{member.pk}-role": "investigator"}
    )

    assert response.status_code == 200
    member.refresh_from_db()
    assert member.role == MembershipRole.MEMBER


def test_given_last_coordinator_when_demoting_self_via_page_then_200_message(
    client, community, coordinator
):
    login(client, coordinator.user, with_mfa=True)

    response = client.post(
        _url("role", community.slug, coordinator.pk), {f"m{coordinator.pk}-role": "member"}
    )

    assert response.status_code == 200
    assert response.context["page_error"]


def test_given_member_when_setting_role_then_403(client, community):
    member = MembershipFactory(community=community)
    login(client, member.user)

    response = client.post(
        _url("role", community.slug, member.pk), {f"m{member.pk}-role": "coordinator"}
    )

    assert response.status_code == 403
    member.refresh_from_db()
    assert member.role == MembershipRole.MEMBER


# --- invitations ---------------------------------------------------------------------------------


def test_given_team_lead_when_inviting_by_email_then_member_added(client, team):
    lead = MembershipFactory(community=team, role=MembershipRole.TEAM_LEAD)
    invitee = UserFactory()
    login(client, lead.user, with_mfa=True)

    response = client.post(
        _url("invite", team.slug), {"email": invitee.email.upper(), "role": "investigator"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=invitee).status == MembershipStatus.VERIFIED


def test_given_unknown_email_when_inviting_then_200_with_message(client, team):
    lead = MembershipFactory(community=team, role=MembershipRole.TEAM_LEAD)
    login(client, lead.user, with_mfa=True)

    response = client.post(
        _url("invite", team.slug), {"email": "nobody@example.test", "role": "member"}
    )

    assert response.status_code == 200
    assert response.context["invite_form"].errors["email"]


def test_given_patrol_coordinator_when_inviting_then_403(client, community, coordinator, resident):
    login(client, coordinator.user, with_mfa=True)
    response = client.post(
        _url("invite", community.slug), {"email": resident.email, "role": "member"}
    )
    assert response.status_code == 403


# --- create --------------------------------------------------------------------------------------


def test_given_municipality_officer_when_creating_then_community_created(client, town):
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, town["noord"])
    login(client, officer, with_mfa=True)

    assert client.get(_url("create")).status_code == 200
    response = client.post(
        _url("create"),
        {
            "name": "Noord Veilig",
            "kind": "patrol",
            "areas": [town["noord_west"].pk],
            "is_open": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == _url("detail", "noord-veilig")


def test_given_municipality_officer_when_choosing_area_outside_jurisdiction_then_200_message(
    client, town
):
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, town["noord"])
    login(client, officer, with_mfa=True)

    response = client.post(
        _url("create"), {"name": "Zuid", "kind": "patrol", "areas": [town["zuid_west"].pk]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["areas"]


def test_given_resident_when_opening_create_then_403(client, resident):
    login(client, resident)
    assert client.get(_url("create")).status_code == 403


# --- watch points --------------------------------------------------------------------------------


def test_given_resident_when_opening_watch_points_then_200_with_forms_and_profile_link(
    client, resident
):
    WatchPointFactory(user=resident, label="Thuis")
    login(client, resident)

    response = client.get(_url("watch_points"))

    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("accounts:profile") in body
    assert 'name="subs-kinds"' in body
    assert 'for="id_home-postcode"' in body


def test_given_known_address_when_setting_home_then_saved_with_neighbourhood(
    client, town, resident
):
    AddressFactory(
        postcode="1234AB",
        house_number=5,
        house_number_addition="A",
        lat=52.0125,
        lon=5.0025,
        neighbourhood=town["noord_west"],
    )
    login(client, resident)

    response = client.post(
        _url("watch_points"),
        {
            "action": "home",
            "home-postcode": "1234 ab",
            "home-house_number": "5",
            "home-house_number_addition": "a",
        },
    )

    assert response.status_code == 302
    point = WatchPoint.objects.get(user=resident)
    assert point.is_home and point.neighbourhood == town["noord_west"]


def test_given_lat_lon_when_setting_home_then_saved(client, town, resident):
    login(client, resident)

    response = client.post(
        _url("watch_points"), {"action": "home", "home-lat": "52.0025", "home-lon": "5.0075"}
    )

    assert response.status_code == 302
    assert WatchPoint.objects.get(user=resident).neighbourhood == town["zuid_oost"]


@pytest.mark.parametrize(
    "data",
    [
        {"home-postcode": "9999ZZ", "home-house_number": "1"},  # unknown address
        {"home-postcode": "12345", "home-house_number": "1"},  # not a postcode
        {"home-postcode": "1234AB"},  # no house number
        {"home-lat": "200", "home-lon": "5"},  # impossible latitude
        {"home-lat": "abc", "home-lon": "5"},
        {"home-lat": "52"},  # longitude missing
        {},
    ],
)
def test_given_bad_location_when_setting_home_then_200_message_and_nothing_saved(
    client, town, resident, data
):
    login(client, resident)

    response = client.post(_url("watch_points"), {"action": "home", **data})

    assert response.status_code == 200
    assert response.context["home_form"].errors
    assert not WatchPoint.objects.exists()
    assert not AuditEvent.objects.exists()


def test_given_unknown_postcode_then_message_is_translated(client, town, resident):
    resident.language = "en"
    resident.save()
    login(client, resident)

    response = client.post(
        _url("watch_points"),
        {
            "action": "home",
            "home-postcode": "9999ZZ",
            "home-house_number": "1",
        },
    )

    assert "We could not find this address" in response.content.decode()


def test_given_label_and_location_when_adding_watch_point_then_saved(client, town, resident):
    login(client, resident)

    response = client.post(
        _url("watch_points"),
        {
            "action": "add",
            "add-label": "Werk",
            "add-lat": "52.0125",
            "add-lon": "5.0075",
        },
    )

    assert response.status_code == 302
    assert WatchPoint.objects.get(user=resident, is_home=False).label == "Werk"


def test_given_five_extra_points_when_adding_via_page_then_200_message(client, town, resident):
    for n in range(5):
        WatchPointFactory(user=resident, is_home=False, label=f"Punt {n}")
    login(client, resident)

    response = client.post(
        _url("watch_points"),
        {
            "action": "add",
            "add-label": "Zesde",
            "add-lat": "52.001",
            "add-lon": "5.001",
        },
    )

    assert response.status_code == 200
    assert response.context["add_form"].non_field_errors()
    assert WatchPoint.objects.filter(user=resident).count() == 5


def test_given_own_point_when_removing_via_page_then_removed(client, resident):
    point = WatchPointFactory(user=resident, is_home=False)
    login(client, resident)

    response = client.post(_url("watch_points"), {"action": "remove", "watch_point": point.pk})

    assert response.status_code == 302
    assert not WatchPoint.objects.exists()


@pytest.mark.parametrize("value", ["other", "abc", ""])
def test_given_someone_elses_or_bad_point_id_when_removing_then_200_message(
    client, resident, value
):
    other = WatchPointFactory(is_home=False)
    login(client, resident)

    response = client.post(
        _url("watch_points"),
        {
            "action": "remove",
            "watch_point": other.pk if value == "other" else value,
        },
    )

    assert response.status_code == 200
    assert response.context["page_error"]
    assert WatchPoint.objects.filter(pk=other.pk).exists()


def test_given_checkboxes_when_saving_subscriptions_then_saved(client, resident):
    login(client, resident)

    response = client.post(
        _url("watch_points"), {"action": "subscriptions", "subs-kinds": ["cocoon", "vehicle"]}
    )

    assert response.status_code == 302
    assert set(AlertSubscription.objects.values_list("kind", flat=True)) == {"cocoon", "vehicle"}


def test_given_unknown_kind_when_saving_subscriptions_then_200_message_nothing_saved(
    client, resident
):
    login(client, resident)

    response = client.post(_url("watch_points"), {"action": "subscriptions", "subs-kinds": ["all"]})

    assert response.status_code == 200
    assert response.context["subscriptions_form"].errors
    assert not AlertSubscription.objects.exists()


def test_given_unknown_action_then_200_message(client, resident):
    login(client, resident)
    response = client.post(_url("watch_points"), {"action": "explode"})
    assert response.status_code == 200
    assert response.context["page_error"]
