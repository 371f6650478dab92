"""Training API: my own certificates, and the clearance check that refuses an uncertified member
with the module to take (the same gate as the pages and services). Anonymous requests get 401."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from samenveilig.training import content
from tests.conftest import login
from tests.factories import UserFactory
from tests.training.conftest import certify

pytestmark = pytest.mark.django_db

CERTIFICATES = "/api/v1/training/certificates"


def clearance(activity: str) -> str:
    return f"/api/v1/training/clearance/{activity}"


@pytest.mark.parametrize("url", [CERTIFICATES, clearance("canvass")])
def test_anonymous_requests_are_refused(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_i_see_my_certificates_and_nobody_else_s(client):
    me, other = UserFactory(language="en"), UserFactory()
    certify(me, content.CANVASSING)
    certify(me, content.REPORTING, valid_until=timezone.now() - dt.timedelta(days=1))
    certify(other, content.RIGHTS)
    login(client, me)
    response = client.get(CERTIFICATES)
    assert response.status_code == 200
    body = response.json()
    assert {(c["module"], c["state"]) for c in body} == {
        (content.CANVASSING, "valid"),
        (content.REPORTING, "expired"),
    }
    canvassing = next(c for c in body if c["module"] == content.CANVASSING)
    assert canvassing["number"] == 3
    assert canvassing["title"] == "Neighbourhood inquiry"


def test_an_uncertified_member_is_refused_with_the_module_to_take(client):
    login(client, UserFactory(language="en"))
    response = client.get(clearance("canvass"))
    assert response.status_code == 403
    body = response.json()
    assert body["detail"] == "Take training module 3 “Neighbourhood inquiry” first."
    assert body["errors"] == [{"field": "module", "message": "3. Neighbourhood inquiry"}]


def test_a_certified_member_is_cleared(client):
    user = UserFactory(language="en")
    certify(user, content.CANVASSING)
    login(client, user)
    response = client.get(clearance("canvass"))
    assert response.status_code == 200
    assert response.json() == {
        "activity": "canvass",
        "modules": [{"module": content.CANVASSING, "number": 3, "title": "Neighbourhood inquiry"}],
    }


def test_an_unknown_activity_is_a_field_error(client):
    login(client, UserFactory())
    response = client.get(clearance("surfing"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "activity"
