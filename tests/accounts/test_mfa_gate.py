"""The MFA gate reads roles, privileged memberships and TOTP devices in one query on every
request (``accounts.middleware.mfa_gate``): the same answer as ``roles.requires_mfa`` and the
authenticator check, and nothing kept between requests."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samenveilig.accounts.middleware import mfa_gate
from samenveilig.accounts.models import Role, User
from samenveilig.accounts.roles import deployment_roles, requires_mfa
from samenveilig.communities.models import MembershipRole, MembershipStatus
from tests.factories import MembershipFactory, UserFactory, enrol_totp, grant

pytestmark = pytest.mark.django_db


def _users(town):
    resident = UserFactory()
    police = UserFactory()
    grant(police, Role.POLICE, town["noord"])
    police_totp = UserFactory()
    grant(police_totp, Role.POLICE, town["noord"])
    grant(police_totp, Role.MUNICIPALITY, town["zuid"])
    enrol_totp(police_totp)
    staff = UserFactory(is_staff=True)
    superuser = UserFactory(is_superuser=True)
    resident_totp = UserFactory()
    enrol_totp(resident_totp)
    coordinator = MembershipFactory(role=MembershipRole.COORDINATOR).user
    asked = MembershipFactory(role=MembershipRole.TEAM_LEAD, status=MembershipStatus.REQUESTED).user
    member = MembershipFactory(role=MembershipRole.MEMBER).user
    return [
        resident,
        police,
        police_totp,
        staff,
        superuser,
        resident_totp,
        coordinator,
        asked,
        member,
    ]


def test_the_gate_gives_the_answer_of_requires_mfa_and_the_totp_check(town):
    for made in _users(town):
        user = User.objects.get(pk=made.pk)
        expected_roles = deployment_roles(User.objects.get(pk=made.pk))
        expected = (
            requires_mfa(User.objects.get(pk=made.pk)),
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
        )
        with CaptureQueriesContext(connection) as captured:
            assert mfa_gate(user) == expected, made.email
        assert len(captured.captured_queries) == 1
        # The role grants are kept for the rest of the request, as deployment_roles does.
        with CaptureQueriesContext(connection) as captured:
            assert deployment_roles(user) == expected_roles
        assert captured.captured_queries == []


def test_a_logged_in_api_request_passes_the_gate_with_one_query(client):
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/health").status_code == 200
    # Session, user, the gate, and the endpoint's own SELECT 1.
    assert len(captured.captured_queries) == 4


def test_a_role_granted_during_a_session_is_gated_on_the_next_request(client, town):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    grant(user, Role.MUNICIPALITY, town["noord"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert client.get("/api/v1/health").status_code == 403


def test_a_membership_made_coordinator_during_a_session_is_gated_at_once(client):
    membership = MembershipFactory(role=MembershipRole.MEMBER)
    client.force_login(membership.user)
    assert client.get(reverse("home")).status_code == 200
    # Even a bulk update (no signals) counts: nothing is kept between requests.
    type(membership).objects.filter(pk=membership.pk).update(role=MembershipRole.COORDINATOR)
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")


def test_removing_the_totp_device_gates_the_next_request(client, town):
    user = UserFactory()
    grant(user, Role.POLICE, town["noord"])
    enrol_totp(user)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    Authenticator.objects.filter(user=user).delete()
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")


def test_becoming_staff_during_a_session_is_gated_on_the_next_request(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=user.pk).update(is_staff=True)
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")
