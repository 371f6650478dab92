"""The short-lived cache of computed dashboards (``monitor.cache_dashboard``): a second request
is served from it; it is never shared between scopes, between the public page and the full
dashboard, or between languages; access is checked before the cache is read; and the writes the
figures depend on (a survey response, a report, a round, a membership, a tally refresh) make
every cached dashboard stale at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from samenveilig.monitor import cache_dashboard
from samenveilig.monitor.models import SurveyRound
from samenveilig.monitor.services_dashboard import refresh_tallies
from tests.monitor.dashboard_world import World, _report, add_responses, at, build
from tests.monitor.test_dashboard_views import NON_PUBLIC, area_url, as_user, text_of

pytestmark = pytest.mark.django_db

PERIOD = "?period=2026-04"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(town) -> World:
    return build(town)


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, url
    return response, len(captured.captured_queries)


def test_a_second_request_is_served_from_the_cache(client, world):
    as_user(client, world.officer)
    first, cold = _get(client, area_url("GM9999") + PERIOD)
    second, warm = _get(client, area_url("GM9999") + PERIOD)
    assert warm < cold - 10  # no figure queries, only session, access and scope

    def figures(response) -> str:  # the page without its per-request CSRF tokens
        return text_of(response).split("1. Outcome", 1)[1]

    assert figures(first) == figures(second)


def test_another_municipality_never_gets_the_cached_figures(client, world):
    as_user(client, world.officer)
    _get(client, area_url("GM9999") + PERIOD)  # Teststad's figures now cached
    client.logout()
    as_user(client, world.other_officer)
    # Access is checked before the cache: B is still refused A's dashboard and downloads.
    for url in (
        area_url("GM9999") + PERIOD,
        area_url("GM9999", "dashboard_area_export", "csv") + PERIOD,
        area_url("GM9999", "dashboard_area_pdf") + PERIOD,
    ):
        assert client.get(url).status_code == 403, url
    response, _n = _get(client, area_url("GM8888") + PERIOD)
    page = text_of(response)
    assert "Anderstad" in page and "Teststad" not in page
    assert response.context["dashboard"].scope.area.code == "GM8888"
    assert "Noord-West" not in page  # a buurt of A


def test_a_wijkagent_gets_the_wijk_not_the_cached_municipality(client, world):
    as_user(client, world.officer)
    _get(client, area_url("GM9999") + PERIOD)
    client.logout()
    as_user(client, world.police_noord)
    assert client.get(area_url("GM9999") + PERIOD).status_code == 403
    response, _n = _get(client, area_url(world.town["noord"].code) + PERIOD)
    assert response.context["dashboard"].scope.area == world.town["noord"]


def test_the_public_page_never_shows_the_cached_full_dashboard(client, world):
    as_user(client, world.officer)
    full, _n = _get(client, area_url("GM9999") + PERIOD)
    assert "Per neighbourhood" in text_of(full)
    anonymous = Client()
    public_url = reverse("monitor:public", args=["GM9999"]) + PERIOD
    page = text_of(_get(anonymous, public_url)[0])
    for text in NON_PUBLIC:
        assert text not in page, text
    csv_url = reverse("monitor:public_export", args=["GM9999", "csv"]) + PERIOD
    body = anonymous.get(csv_url).content.decode()
    assert "Retention" not in body and "Per neighbourhood" not in body
    # And the other way round: the full dashboard after the public one was cached.
    assert "Per neighbourhood" in text_of(_get(client, area_url("GM9999") + PERIOD)[0])


def test_each_language_has_its_own_entry(client, world):
    as_user(client, world.officer)
    assert "Burglary" in text_of(_get(client, area_url("GM9999") + PERIOD)[0])
    world.officer.language = "nl"
    world.officer.save()
    dutch = Client()
    as_user(dutch, world.officer, mfa=False)  # TOTP is enrolled already
    page = text_of(dutch.get(area_url("GM9999") + PERIOD))
    assert "Inbraak" in page and "Burglary" not in page


def test_a_survey_response_shows_at_once(client, world):
    as_user(client, world.officer)
    url = area_url("GM9999") + PERIOD
    before = _get(client, url)[0].context["dashboard"]
    assert before.surveys.previous.respondents == 9  # March: not shown yet
    assert not before.surveys.previous.feels_unsafe.shown
    residents = SurveyRound.objects.get(area=world.town["noord_west"])
    add_responses(
        residents,
        dt.date(2026, 3, 21),
        [{"feels_unsafe": True, "cohesion_score": 4.0, "is_member": False}],
    )
    after = _get(client, url)[0].context["dashboard"]
    assert after.surveys.previous.respondents == 10
    assert after.surveys.previous.feels_unsafe.shown


def test_a_new_report_and_a_tally_refresh_make_the_cache_stale(client, world):
    as_user(client, world.officer)
    url = area_url("GM9999") + PERIOD
    before = _get(client, url)[0].context["dashboard"]
    _report(world.burglary, world.town["noord_west"], at(4, 20))
    after = _get(client, url)[0].context["dashboard"]
    assert after.activity.reports.current == before.activity.reports.current + 1
    version = cache_dashboard.current_version()
    refresh_tallies(months=[dt.date(2026, 4, 1)])
    assert cache_dashboard.current_version() > version
    refreshed = _get(client, url)[0].context["dashboard"]
    assert refreshed.activity.reports.current == after.activity.reports.current
    assert refreshed.report_tallied_at is not None


def test_an_entry_expires_after_a_short_time():
    assert 0 < cache_dashboard.CACHE_SECONDS <= 300


def test_a_lost_version_key_starts_a_new_series(db):
    from django.core.cache import cache

    first = cache_dashboard.current_version()
    cache_dashboard.bump_version()
    assert cache_dashboard.current_version() == first + 1
    cache.delete(cache_dashboard.VERSION_KEY)
    cache_dashboard.bump_version()  # no key: starts one instead of failing
    assert cache_dashboard.current_version() >= first


def test_an_unreachable_cache_never_breaks_a_write_or_the_page(client, world, monkeypatch):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "set", "add", "incr"):
        monkeypatch.setattr(cache, name, broken)
    _report(world.burglary, world.town["noord_west"], at(4, 21))  # the save bumps: no error
    as_user(client, world.officer)
    response, _n = _get(client, area_url("GM9999") + PERIOD)
    assert "Burglary" in text_of(response)
