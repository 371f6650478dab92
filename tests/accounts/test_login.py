"""E-mail login, e-mail verification and login throttling (PLT-3)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from samenveilig.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_given_signup_then_verification_mail_sent_and_login_blocked_until_verified(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Nieuw@Example.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": "Nina",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="nieuw@example.test")
    assert user.display_name == "Nina"
    assert user.password.startswith(("md5$", "argon2"))
    assert len(mail.outbox) == 1
    assert "_auth_user_id" not in client.session
    assert EmailAddress.objects.get(user=user).verified is False


def test_given_weak_password_when_signing_up_then_field_error_and_nothing_saved(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "zwak@example.test", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="zwak@example.test").exists()


def test_given_verified_resident_when_logging_in_then_home(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_given_repeated_wrong_passwords_then_login_is_throttled(client):
    user = UserFactory()
    for _ in range(6):
        response = client.post(
            reverse("account_login"),
            {"login": user.email, "password": "wrong-password"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right password is refused while throttled.
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
