"""NRA-2: the inquiry radius and the cocoon-warning length a municipality adopted from its Knox
analysis are what new inquiries and cocoon warnings use; until one is adopted, 200 m and 14 days.
Other municipalities keep theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from samenveilig.alerts import services as alert_services
from samenveilig.analysis.models import NearRepeatDefaults
from samenveilig.communities.models import AlertKind
from samenveilig.inquiries import selectors, services_results
from tests.inquiries.results_scene import build_canvass
from tests.inquiries.test_canvass import as_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def adopt(municipality, *, radius_m=350, days=21):
    return NearRepeatDefaults.objects.update_or_create(
        municipality=municipality, defaults={"inquiry_radius_m": radius_m, "cocoon_days": days}
    )[0]


@pytest.fixture
def canvass(scene):
    return build_canvass(scene)


def test_a_new_inquiry_starts_with_the_adopted_radius(client, scene):
    as_user(client, scene.coordinator, privileged=True)
    page = client.get(reverse("inquiries:new"))
    assert page.context["form"].initial["radius_m"] == 200
    adopt(scene.town["municipality"], radius_m=350)
    page = client.get(reverse("inquiries:new"))
    assert page.context["form"].initial["radius_m"] == 350
    assert 'value="350"' in page.text
    assert "The radius starts at 350 m, the default of" in page.text


def test_another_municipalitys_default_is_not_used(scene):
    from tests.factories import AreaFactory

    elsewhere = AreaFactory(code="GM6543", name="Elders", level="municipality")
    adopt(elsewhere, radius_m=800)
    radius, municipality = selectors.default_radius([scene.community])
    assert (radius, municipality) == (200, scene.town["municipality"])


def test_the_cocoon_warning_runs_the_adopted_days(
    scene, canvass, django_capture_on_commit_callbacks
):
    adopt(scene.town["municipality"], days=21)
    before = timezone.now()
    with django_capture_on_commit_callbacks():
        alert = services_results.cocoon_warning_send(actor=scene.police, inquiry=canvass.inquiry)
    after = timezone.now()
    assert before + dt.timedelta(days=21) <= alert.expires_at <= after + dt.timedelta(days=21)


def test_any_cocoon_alert_without_an_end_gets_the_municipalitys_days(scene):
    municipality = scene.town["municipality"]
    assert alert_services.default_validity(AlertKind.COCOON, municipality).days == 14
    adopt(municipality, days=9)
    assert alert_services.default_validity(AlertKind.COCOON, municipality).days == 9
    # Other kinds keep their own defaults.
    assert alert_services.default_validity(AlertKind.VEHICLE, municipality) < dt.timedelta(days=1)


def test_the_results_page_says_how_long_the_warning_runs(client, scene, canvass):
    adopt(scene.town["municipality"], days=21)
    as_user(client, scene.police, privileged=True)
    page = client.get(reverse("inquiries:results", args=[canvass.inquiry.reference]))
    assert page.status_code == 200
    assert "keep an extra eye out for 21 days" in page.text
