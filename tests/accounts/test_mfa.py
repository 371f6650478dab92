"""Two-factor authentication is required for privileged roles before any other page (PLT-3)."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import reverse

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import requires_mfa
from samenveilig.communities.models import MembershipRole, MembershipStatus
from tests.factories import PASSWORD, MembershipFactory, UserFactory, enrol_totp, grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.POLICE, Role.MUNICIPALITY, Role.PRIVACY_OFFICER, Role.ADMIN])
def test_given_deployment_role_without_totp_when_opening_home_then_sent_to_mfa_setup(
    client, town, role
):
    user = UserFactory()
    grant(user, role, town["noord"] if role in (Role.POLICE, Role.MUNICIPALITY) else None)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


@pytest.mark.parametrize(
    "role", [MembershipRole.COORDINATOR, MembershipRole.INVESTIGATOR, MembershipRole.TEAM_LEAD]
)
def test_given_privileged_membership_without_totp_when_opening_any_page_then_sent_to_mfa_setup(
    client, role
):
    membership = MembershipFactory(role=role)
    client.force_login(membership.user)
    for path in (reverse("home"), reverse("accounts:profile"), reverse("communities:list")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("mfa_activate_totp")


def test_given_pending_coordinator_membership_then_no_mfa_required():
    membership = MembershipFactory(
        role=MembershipRole.COORDINATOR, status=MembershipStatus.REQUESTED
    )
    assert requires_mfa(membership.user) is False


def test_given_resident_when_opening_home_then_no_mfa_required(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    assert requires_mfa(user) is False


def test_given_privileged_user_without_totp_when_logging_in_then_totp_setup_completes_the_gate(
    client, town
):
    from allauth.mfa.models import Authenticator

    user = UserFactory()
    grant(user, Role.POLICE, town["noord"])
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    final_url = client.get(response.url, follow=True).redirect_chain[-1][0]
    # allauth asks for the password once more before showing a new TOTP secret.
    assert final_url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    activated = client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    assert activated.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("home")).status_code == 200


def test_given_privileged_user_without_totp_then_logout_still_possible(client, town):
    user = UserFactory()
    grant(user, Role.POLICE, town["noord"])
    client.force_login(user)
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_given_privileged_user_without_totp_when_calling_api_then_403_not_redirect(client, town):
    user = UserFactory()
    grant(user, Role.POLICE, town["noord"])
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 403


def test_given_enrolled_user_when_logging_in_then_code_is_asked_and_checked(client, town):
    user = UserFactory()
    grant(user, Role.POLICE, town["noord"])
    secret = enrol_totp(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Not logged in yet: home shows the public welcome page.
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    right = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("home")).status_code == 200


def test_totp_secret_is_encrypted_at_rest():
    from allauth.mfa.models import Authenticator

    user = UserFactory()
    secret = enrol_totp(user)
    stored = Authenticator.objects.get(user=user).data["secret"]
    assert secret not in stored
