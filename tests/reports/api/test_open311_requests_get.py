"""Open311 GET requests, requests/{id} and tokens/{token}: spec fields, filters, defaults, and no
personal data in these public answers (REP-12, PRODUCT §2)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samenveilig.reports.models import Outcome, Partner, Report, ReportStatus

from .factories import ReportFactory, report_row
from .open311_client import FORMATS, REQUEST_FIELDS, as_text, errors, get, parsed

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def requests_of(client, fmt="json", **params):
    response = get(client, "requests", fmt, **params)
    assert response.status_code == 200, response.content
    return parsed(response, fmt, "service_requests", "request")


def ids(items):
    return [item["service_request_id"] for item in items]


@pytest.fixture
def report(town, categories, address):
    return ReportFactory(
        category=categories["suspicious"],
        neighbourhood=town["zuid_west"],
        address=address,
        lat=52.0025123,
        lon=5.0025987,
        location_text="Kerkstraat 12, 9999 AB Teststad",
        description="Man met rode jas keek bij nummer 12 naar binnen. Bel me: 06-12345678",
        reporter_pseudonym="Melder-abcd",
        partner=Partner.POLICE,
        status=ReportStatus.ACKNOWLEDGED,
        status_note="Wijkagent Jansen gaat langs bij mevrouw De Vries.",
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_has_exactly_the_spec_fields(client, report, fmt):
    (item,) = requests_of(client, fmt)

    assert set(item) == REQUEST_FIELDS
    assert item["service_request_id"] == report.reference
    assert item["status"] == "open"
    assert item["service_code"] == "verdachte-situatie-persoon"
    assert item["service_name"] == "Verdachte situatie (persoon)"
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_WITH_OFFSET.match(item[name]), item[name]
    assert as_text(item["lat"]) == "52.003"
    assert as_text(item["long"]) == "5.003"
    assert item["address"] == "Zuid-West, Teststad"
    assert item["zipcode"] == "9999"
    assert item["service_notice"]


def test_datetimes_are_local_time_with_offset(client, town, categories):
    # given a report submitted at 11:00 UTC in winter (12:00 in Amsterdam)
    submitted = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    ReportFactory(
        category=categories["unsafe_place"],
        neighbourhood=town["noord_oost"],
        submitted_at=submitted,
        close_due_at=None,
    )

    (item,) = requests_of(client, start_date="2026-11-28T00:00:00+01:00")

    assert item["requested_datetime"] == "2026-11-28T12:00:00+01:00"
    assert item["expected_datetime"] is None


def test_json_and_xml_agree(client, report):
    (as_json,) = requests_of(client, "json")
    (as_xml,) = requests_of(client, "xml")
    assert {key: as_text(value) for key, value in as_json.items()} == as_xml


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_data_in_public_answers(client, report, fmt):
    listing = get(client, "requests", fmt).content.decode()
    detail = get(client, f"requests/{report.reference}", fmt).content.decode()

    for content in (listing, detail):
        assert report.reference in content
        for secret in (
            "rode jas",
            "06-12345678",
            "Melder-abcd",
            "Kerkstraat",
            "9999AB",
            "Jansen",
            "De Vries",
            "52.0025123",
            "5.0025987",
        ):
            assert secret not in content
    (item,) = requests_of(client, fmt)
    assert item["description"] == "Verdachte situatie (persoon)"
    assert item["status_notes"] in {
        "Acknowledged",
        "Ontvangen",
        str(ReportStatus.ACKNOWLEDGED.label),
    }
    assert as_text(item["address_id"]) == ""
    assert as_text(item["media_url"]) == ""


def test_reports_waiting_for_moderation_or_rejected_are_not_public(client, town, categories):
    visible = ReportFactory(category=categories["unsafe_place"], neighbourhood=town["zuid_oost"])
    hidden = [
        ReportFactory(
            category=categories["unsafe_place"], neighbourhood=town["zuid_oost"], status=status
        )
        for status in (ReportStatus.PENDING_MODERATION, ReportStatus.REJECTED)
    ]

    assert ids(requests_of(client)) == [visible.reference]
    for report in hidden:
        response = get(client, f"requests/{report.reference}", "json")
        assert response.status_code == 404
        errors(response, "json")
        assert get(client, f"tokens/{report.reference}", "json").status_code == 404


def test_status_filter_and_closed_outcome(client, town, categories):
    open_report = ReportFactory(
        category=categories["unsafe_place"], neighbourhood=town["zuid_oost"]
    )
    closed_report = ReportFactory(
        category=categories["unsafe_place"],
        neighbourhood=town["zuid_oost"],
        status=ReportStatus.CLOSED,
        outcome=Outcome.SOLVED,
    )

    assert ids(requests_of(client, status="open")) == [open_report.reference]
    (closed,) = requests_of(client, status="closed")
    assert closed["service_request_id"] == closed_report.reference
    assert closed["status"] == "closed"
    assert closed["status_notes"] == str(Outcome.SOLVED.label)
    assert len(requests_of(client, status="open,closed")) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_status_is_400(client, categories, fmt):
    response = get(client, "requests", fmt, status="pending")
    assert response.status_code == 400
    errors(response, fmt)


def test_service_code_filter_takes_several_codes(client, town, categories):
    burglary = categories["suspicious"].__class__.objects.get(
        code="woninginbraak", municipality=None
    )
    a = ReportFactory(category=categories["suspicious"], neighbourhood=town["zuid_oost"])
    b = ReportFactory(category=categories["unsafe_place"], neighbourhood=town["zuid_oost"])
    ReportFactory(category=burglary, neighbourhood=town["zuid_oost"])

    found = requests_of(client, service_code="verdachte-situatie-persoon,onveilige-plek")

    assert sorted(ids(found)) == sorted([a.reference, b.reference])


def test_default_window_is_the_last_90_days(client, town, categories):
    now = timezone.now()
    recent = ReportFactory(
        category=categories["unsafe_place"],
        neighbourhood=town["zuid_oost"],
        submitted_at=now - timedelta(days=89),
    )
    ReportFactory(
        category=categories["unsafe_place"],
        neighbourhood=town["zuid_oost"],
        submitted_at=now - timedelta(days=91),
    )

    assert ids(requests_of(client)) == [recent.reference]


def test_start_and_end_date_with_time_zone(client, town, categories):
    def at(text):
        return ReportFactory(
            category=categories["unsafe_place"],
            neighbourhood=town["zuid_oost"],
            submitted_at=datetime.fromisoformat(text),
        )

    before = at("2026-03-01T08:59:00+01:00")
    inside = at("2026-03-01T09:30:00+01:00")
    after = at("2026-03-02T10:01:00+01:00")

    found = requests_of(
        client, start_date="2026-03-01T09:00:00+01:00", end_date="2026-03-02T10:00:00+01:00"
    )
    assert ids(found) == [inside.reference]
    # The same instant written in UTC finds the same report.
    found = requests_of(client, start_date="2026-03-01T08:00:00Z", end_date="2026-03-02T09:00:00Z")
    assert ids(found) == [inside.reference]
    # A client that did not URL-encode "+" sends a space; it still means +01:00.
    response = client.get(
        "/open311/v2/requests.json?start_date=2026-03-01T09:00:00+01:00"
        "&end_date=2026-03-02T10:00:00+01:00"
    )
    assert ids(json.loads(response.content)) == [inside.reference]
    # Only a start date: 90 days from it.
    assert set(ids(requests_of(client, start_date="2026-03-01T00:00:00+01:00"))) == {
        before.reference,
        inside.reference,
        after.reference,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "gisteren"},
        {"end_date": "2026-13-01T00:00:00+01:00"},
        {"start_date": "2026-01-01T00:00:00+01:00", "end_date": "2026-06-01T00:00:00+01:00"},
        {"start_date": "2026-02-01T00:00:00+01:00", "end_date": "2026-01-01T00:00:00+01:00"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page": "abc"},
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_dates_and_pages_are_400(client, categories, params, fmt):
    response = get(client, "requests", fmt, **params)
    assert response.status_code == 400
    errors(response, fmt)


def test_service_request_id_overrides_other_filters(client, town, categories):
    old = ReportFactory(
        category=categories["unsafe_place"],
        neighbourhood=town["zuid_oost"],
        submitted_at=timezone.now() - timedelta(days=400),
        status=ReportStatus.CLOSED,
    )
    recent = ReportFactory(category=categories["suspicious"], neighbourhood=town["zuid_oost"])

    found = requests_of(
        client,
        service_request_id=f"{old.reference},{recent.reference},ONBEKEND",
        status="open",
        service_code="woninginbraak",
    )

    assert sorted(ids(found)) == sorted([old.reference, recent.reference])


def test_jurisdiction_filter(client, town, other_town, categories):
    here = ReportFactory(category=categories["unsafe_place"], neighbourhood=town["zuid_oost"])
    there = ReportFactory(
        category=categories["unsafe_place"],
        neighbourhood=other_town["markt"],
        lat=53.005,
        lon=6.005,
    )

    assert ids(requests_of(client, jurisdiction_id="GM9999")) == [here.reference]
    assert ids(requests_of(client, jurisdiction_id="GM9998")) == [there.reference]
    assert get(client, "requests", "json", jurisdiction_id="GM0001").status_code == 404


def test_at_most_1000_results_then_pages(client, town, categories):
    now = timezone.now()
    Report.objects.bulk_create(
        [
            report_row(
                category=categories["unsafe_place"],
                neighbourhood=town["zuid_oost"],
                submitted_at=now - timedelta(minutes=i),
            )
            for i in range(1001)
        ]
    )

    first = requests_of(client)
    assert len(first) == 1000
    second = requests_of(client, page=2)
    assert len(second) == 1
    assert not set(ids(first)) & set(ids(second))
    assert len(requests_of(client, page_size=10, page=3)) == 10


def test_query_count_does_not_grow_with_the_data(client, town, categories):
    def queries_for_listing():
        with CaptureQueriesContext(connection) as captured:
            requests_of(client, jurisdiction_id="GM9999")
        return len(captured)

    ReportFactory.create_batch(
        2, category=categories["unsafe_place"], neighbourhood=town["zuid_oost"]
    )
    few = queries_for_listing()
    ReportFactory.create_batch(
        40, category=categories["suspicious"], neighbourhood=town["noord_west"]
    )
    assert queries_for_listing() == few


@pytest.mark.parametrize("fmt", FORMATS)
def test_single_request_and_token(client, report, fmt):
    detail = get(client, f"requests/{report.reference}", fmt)
    assert detail.status_code == 200
    (item,) = parsed(detail, fmt, "service_requests", "request")
    assert set(item) == REQUEST_FIELDS
    assert item["service_request_id"] == report.reference

    token = get(client, f"tokens/{report.reference}", fmt)
    assert token.status_code == 200
    (mapped,) = parsed(token, fmt, "service_requests", "request")
    assert mapped == {"service_request_id": report.reference, "token": report.reference}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_and_token_are_404(client, categories, fmt):
    for path in ("requests/BESTAATNIET", "tokens/BESTAATNIET"):
        response = get(client, path, fmt)
        assert response.status_code == 404
        errors(response, fmt)


# --- fast listing and keyset pages ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_listing_items_equal_the_one_report_mapping(client, town, categories, address, language):
    """``GET requests`` builds its items from plain rows; they equal ``public_request``."""
    from django.utils import translation

    from samenveilig.api.open311_fields import public_request

    made = [
        ReportFactory(category=categories["suspicious"], neighbourhood=town["zuid_west"]),
        ReportFactory(
            category=categories["unsafe_place"],
            neighbourhood=town["zuid_oost"],
            address=address,
            status=ReportStatus.CLOSED,
            outcome=Outcome.SOLVED,
        ),
        ReportFactory(
            category=categories["unsafe_place"],
            neighbourhood=town["noord_west"],
            status=ReportStatus.FORWARDED,
            forwarded_to=Partner.POLICE,
        ),
        ReportFactory(
            category=categories["suspicious"],
            neighbourhood=town["noord_oost"],
            status=ReportStatus.IN_PROGRESS,
            forwarded_to=Partner.MUNICIPALITY,
        ),
    ]

    def listed_in(**params):
        response = client.get("/open311/v2/requests.json", params, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.json()

    with translation.override(language):
        listed = {item["service_request_id"]: item for item in listed_in()}
        for report in made:
            fresh = Report.objects.select_related(
                "category", "neighbourhood__parent__parent", "address"
            ).get(pk=report.pk)
            expected = json.loads(json.dumps(public_request(fresh, language)))
            assert listed[report.reference] == expected
            (single,) = listed_in(service_request_id=report.reference)
            assert single == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_page_links_to_the_next_by_keyset(client, town, categories, fmt):
    now = timezone.now()
    same_time = now - timedelta(hours=1)
    Report.objects.bulk_create(
        [
            report_row(
                category=categories["unsafe_place"],
                neighbourhood=town["zuid_oost"],
                # Ties on the timestamp: the id decides, nothing is skipped or repeated.
                submitted_at=same_time if i % 3 else now - timedelta(minutes=i),
            )
            for i in range(25)
        ]
    )
    by_page = [
        item for page in (1, 2, 3) for item in requests_of(client, fmt, page_size=10, page=page)
    ]
    seen = []
    response = get(client, "requests", fmt, page_size=10)
    while True:
        assert response.status_code == 200
        seen += parsed(response, fmt, "service_requests", "request")
        link = response.get("Link")
        if link is None:
            break
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1)
        assert "page=" not in url.replace("page_size=", "")
        response = client.get(url)
    assert ids(seen) == ids(by_page)
    assert len(set(ids(seen))) == 25


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_after_cursor_is_400(client, categories, fmt):
    for bad in ("nonsense", "2026-01-01T00:00:00~x", "2026-01-01T00:00:00~5"):
        response = get(client, "requests", fmt, after=bad)
        assert response.status_code == 400
        errors(response, fmt)


def test_service_code_matches_every_category_with_that_code(client, town, categories):
    from samenveilig.reports.models import Category

    own = Category.objects.create(
        municipality=town["municipality"],
        code=categories["unsafe_place"].code,
        name_nl="Eigen",
        name_en="Own",
        partner=Partner.MUNICIPALITY,
    )
    default_one = ReportFactory(
        category=categories["unsafe_place"], neighbourhood=town["zuid_oost"]
    )
    own_one = ReportFactory(category=own, neighbourhood=town["zuid_oost"])
    ReportFactory(category=categories["suspicious"], neighbourhood=town["zuid_oost"])
    found = ids(requests_of(client, service_code=own.code))
    assert sorted(found) == sorted([default_one.reference, own_one.reference])
    assert requests_of(client, service_code="no-such-code") == []
