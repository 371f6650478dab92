"""REST API /api/v1/reports and /api/v1/categories: allowed and refused (REP-12, PLT-2)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from samenveilig.reports.models import Report, ReportSource
from tests.conftest import login
from tests.factories import UserFactory

from .factories import ReportFactory


def post_json(client, path, body, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def body(**overrides):
    data = {
        "category": "onveilige-plek",
        "description": "De lantaarnpaal op de hoek is al een week kapot.",
        "observed_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "postcode": "9999 ab",
        "house_number": 12,
    }
    data.update(overrides)
    return data


@pytest.fixture
def submission():
    from samenveilig.reports.services import submission as module

    return module


@pytest.fixture
def selectors():
    from samenveilig.reports import selectors as module

    return module


# --- categories ------------------------------------------------------------------------------


def test_categories_are_public(client, categories):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    codes = [c["code"] for c in response.json()]
    assert codes[0] == "verdachte-situatie-persoon"
    assert set(response.json()[0]) == {
        "code",
        "name",
        "description",
        "group",
        "partner",
        "asks_person",
        "asks_vehicle",
    }


def test_categories_of_a_municipality(client, categories, town):
    from .factories import CategoryFactory

    CategoryFactory(code="hondenpoep", municipality=town["municipality"])
    assert "hondenpoep" in [
        c["code"] for c in client.get("/api/v1/categories?municipality=GM9999").json()
    ]
    assert "hondenpoep" not in [c["code"] for c in client.get("/api/v1/categories").json()]
    missing = client.get("/api/v1/categories?municipality=GM0000")
    assert missing.status_code == 404
    assert missing.json()["detail"]


# --- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [("get", "/api/v1/reports"), ("get", "/api/v1/reports/T0000001"), ("post", "/api/v1/reports")],
)
def test_anonymous_is_401(client, categories, method, path):
    if method == "post":
        response = post_json(client, path, body())
    else:
        response = client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert Report.objects.count() == 0


def test_post_without_csrf_token_is_403(resident, categories, address):
    client = Client(enforce_csrf_checks=True)
    login(client, resident)
    response = post_json(client, "/api/v1/reports", body())
    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_schema_errors_have_the_error_shape(client, resident, categories):
    login(client, resident)
    response = post_json(client, "/api/v1/reports", body(description="a" * 4001, lat=200))

    assert response.status_code == 422
    payload = response.json()
    assert payload["detail"]
    fields = {error["field"] for error in payload["errors"]}
    assert {"description", "lat"} <= fields
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"postcode": "1234SA"}, "postcode"),
        ({"postcode": "9999AB", "house_number": 99}, "postcode"),
        ({"postcode": None, "house_number": None}, "location"),
        ({"postcode": None, "lat": 52.5, "lon": 4.5}, "location"),
        ({"category": "bestaat-niet"}, "category"),
    ],
)
def test_bad_input_is_422_with_the_field(client, resident, categories, address, overrides, field):
    login(client, resident)
    response = post_json(client, "/api/v1/reports", body(**overrides))

    assert response.status_code == 422, response.content
    assert field in {error["field"] for error in response.json()["errors"]}
    assert Report.objects.count() == 0


def test_bad_cursor_is_400(client, resident, selectors):
    login(client, resident)
    response = client.get("/api/v1/reports?after=nonsense")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "after"


# --- allowed -----------------------------------------------------------------------------------


def test_resident_files_a_report(client, resident, categories, address, submission):
    login(client, resident)

    response = post_json(client, "/api/v1/reports", body())

    assert response.status_code == 201, response.content
    created = response.json()
    report = Report.objects.get()
    assert created["reference"] == report.reference
    assert created["status"] == report.status
    assert created["quality_score"] == report.quality_score
    assert report.reporter == resident
    assert report.source == ReportSource.API


def test_service_errors_are_422_with_fields(client, resident, categories, address, submission):
    login(client, resident)
    response = post_json(
        client,
        "/api/v1/reports",
        body(category="verdachte-situatie-persoon", persons=[{"top": "groene jas"}]),
    )
    assert response.status_code == 422, response.content
    assert "persons.0.behaviour" in {error["field"] for error in response.json()["errors"]}
    assert Report.objects.count() == 0


def test_own_reports_are_listed_and_shown(client, resident, town, categories, selectors):
    mine = ReportFactory(
        reporter=resident, category=categories["unsafe_place"], neighbourhood=town["zuid_west"]
    )
    login(client, resident)

    listing = client.get("/api/v1/reports")
    assert listing.status_code == 200
    assert mine.reference in [item["reference"] for item in listing.json()["items"]]

    detail = client.get(f"/api/v1/reports/{mine.reference}")
    assert detail.status_code == 200
    assert detail.json()["description"] == mine.description


def test_someone_elses_report_is_404(client, town, categories, selectors):
    theirs = ReportFactory(
        reporter=UserFactory(), category=categories["unsafe_place"], neighbourhood=town["zuid_west"]
    )
    login(client, UserFactory())

    response = client.get(f"/api/v1/reports/{theirs.reference}")

    assert response.status_code == 404
    assert theirs.reference not in [
        item["reference"] for item in client.get("/api/v1/reports").json()["items"]
    ]


def test_keyset_pagination(client, resident, town, categories, selectors):
    now = timezone.now()
    made = [
        ReportFactory(
            reporter=resident,
            category=categories["unsafe_place"],
            neighbourhood=town["zuid_west"],
            submitted_at=now - timedelta(minutes=i // 2),  # pairs share a time: the id breaks ties
        )
        for i in range(7)
    ]
    login(client, resident)

    seen, after = [], None
    for _ in range(10):
        url = "/api/v1/reports?limit=3" + (f"&after={after}" if after else "")
        page = client.get(url).json()
        seen += [item["reference"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break

    assert sorted(seen) == sorted(r.reference for r in made)
    assert len(seen) == len(set(seen))
