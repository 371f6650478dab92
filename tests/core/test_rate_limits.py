"""Rate limits on login, sign-up, tips and anonymous survey answers, with clear, translated
lockout messages (issue 12). Reports and Open311 POST have their own tests in tests/reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from samenveilig.core import ratelimit
from tests.alerts.test_services import CENTRE, member, person_input, police  # noqa: F401
from tests.monitor.conftest import MEMBER_ANSWERS, scene  # noqa: F401
from tests.monitor.test_survey_views import posted, url

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_counter_refuses_after_the_limit_per_identity():
    assert all(ratelimit.consume("t", "1.2.3.4", limit=2) for _ in range(2))
    assert not ratelimit.consume("t", "1.2.3.4", limit=2)
    assert ratelimit.consume("t", "5.6.7.8", limit=2)  # another address has its own count


def test_login_attempts_per_address_end_in_a_translated_lockout_page(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    client = english(Client())
    for _ in range(2):
        response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    dutch = Client().post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert dutch.status_code == 429
    assert dutch.headers["Content-Language"] == "nl"


def test_sign_ups_per_address_end_in_the_lockout_page(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/m/ip"}
    client = english(Client())
    form = {"email": "nieuw@example.org", "password1": "kort", "password2": "kort"}
    assert client.post("/accounts/signup/", form).status_code == 200
    response = client.post("/accounts/signup/", form)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_tips_count_against_the_reporting_limit(police, member, town, settings):  # noqa: F811
    from samenveilig.alerts import fanout
    from samenveilig.alerts.services import AlertValidationError, alert_create, alert_tip
    from samenveilig.reports.categories import install_default_categories

    settings.REPORTS_RATE_LIMIT_PER_USER = 1
    install_default_categories()
    alert = alert_create(actor=police, data=person_input())
    fanout.plan(alert.pk)
    tip = {
        "actor": member,
        "alert": alert,
        "notes": "Zag hem bij de bushalte richting station",
        "observed_at": timezone.now() - timedelta(minutes=5),
        "lat": CENTRE[0],
        "lon": CENTRE[1],
        "ip": "10.0.0.9",
    }
    alert_tip(**tip)
    with translation.override("en"), pytest.raises(AlertValidationError) as caught:
        alert_tip(**tip)
    assert "many reports in a short time" in str(caught.value.errors)
    with translation.override("nl"), pytest.raises(AlertValidationError) as caught:
        alert_tip(**tip)
    assert "many reports in a short time" not in str(caught.value.errors)  # translated


def test_survey_answers_per_address_are_limited_with_a_clear_page(scene, settings):  # noqa: F811
    from samenveilig.monitor.models import SurveyResponse

    settings.SURVEY_ANSWERS_PER_HOUR_PER_IP = 2
    survey_round = scene.open_round()
    for _ in range(2):  # two browsers behind one address
        assert Client().post(url(survey_round), posted(MEMBER_ANSWERS)).status_code == 302
    response = english(Client()).post(url(survey_round), posted(MEMBER_ANSWERS))
    assert response.status_code == 429
    assert "Many answers came from your connection" in response.content.decode()
    assert SurveyResponse.objects.filter(round=survey_round).count() == 2
    # Reading the form is never limited.
    assert Client().get(url(survey_round)).status_code == 200
