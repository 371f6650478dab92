"""An existing Open311 client library, unchanged, against our endpoint over real HTTP (REP-12:
"Existing Open311 client libraries must work against it unchanged").

The library is ``georeport`` (PyPI, requests + xmltodict), in both of its output formats. Its
methods cover the read side of GeoReport v2: ``get_service_list``, ``get_service_definition``,
``get_service_requests`` (with its filters) and ``get_service_request``. It has no method to
create a request (its README: it "does not currently support the creation of new 311 service
requests") and none for ``tokens/{token}``; its ``api_key`` is kept but never sent. So the request
is created here as a client without such a method does it: a form-encoded POST with
``attribute[code]`` fields, sent with plain ``requests``. (``GeoReport.from_city`` and
``CityEndpoints`` only hold the addresses of a few US cities' servers.)

Two habits of the library in XML, which are not deviations of our server: it returns what
xmltodict makes of a list element, which is a dict for one child and ``None`` for none; and it
indexes into that, so an empty ``<service_requests />`` (no request matches) raises a
``TypeError`` inside the library. ``listed`` evens out the first; the filters below are chosen so
that every XML answer holds at least one request.

The server speaks Dutch to this library (it sends no Accept-Language), so expected texts are the
Dutch translations of the messages, looked up the way the server does.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import xmltodict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from georeport import GeoReport

from samenveilig.api.open311_fields import (
    PERSON_ATTRIBUTES,
    PUBLIC_COORDINATE_DECIMALS,
    VEHICLE_ATTRIBUTES,
)
from samenveilig.reports.categories import categories_for, install_default_categories
from samenveilig.reports.models import Outcome, Partner, Report, ReportSource, ReportStatus

from .factories import CategoryFactory, ReportFactory
from .open311_client import FORMATS, as_text

SERVER_LANGUAGE = "nl"  # settings.LANGUAGE_CODE: what a client without Accept-Language gets


def served(message: str, **values: object) -> str:
    """``message`` as the server words it for this library."""
    with translation.override(SERVER_LANGUAGE):
        text = _(message)
    return text % values if values else text


def listed(value: object) -> list:
    """A list from the library: as it is in JSON; in XML, xmltodict's dict for one child and
    ``None`` for none made into a list (see the module docstring)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    assert isinstance(value, list), value
    return value


def ids(items: object) -> set[str]:
    return {item["service_request_id"] for item in listed(items)}


def local_text(moment: datetime) -> str:
    """ISO 8601 in the deployment's time zone with its offset, e.g. 2026-11-28T12:00:00+01:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def utc_text(moment: datetime) -> str:
    """The library's documented example form: 2010-01-01T00:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def spec_errors(response: requests.Response, fmt: str) -> list[dict]:
    """The spec's error list as a client reads it: ``[{"code", "description"}]`` or
    ``<errors><error>``, with xmltodict as the library uses it."""
    if fmt == "json":
        assert response.headers["Content-Type"].startswith("application/json")
        items = response.json()
    else:
        assert response.headers["Content-Type"].startswith("text/xml")
        items = listed(xmltodict.parse(response.content)["errors"]["error"])
    assert items
    for item in items:
        assert set(item) == {"code", "description"}
        assert int(item["code"]) == response.status_code
    return items


@pytest.fixture(autouse=True)
def _default_categories(transactional_db):
    """The live server's database is emptied after every test, the data migration's default
    categories included; put them back (a no-op when they are there)."""
    install_default_categories()


@pytest.fixture(autouse=True)
def _answers_finished(live_server, _default_categories):
    """After each test, give the live server's threads that answered it time to finish (this
    is set up after the database, so it runs before the database is emptied: an answer still
    being written would hold SQLite's tables, and a thread still running when the run ends dies
    with the interpreter, printing an error). A thread whose client keeps its connection open
    (the error of a failed test does) waits for a next request; it holds nothing and is left."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    for thread in set(threading.enumerate()) - before:
        if "process_request_thread" in thread.name:
            thread.join(max(0.0, deadline - time.monotonic()))


@pytest.fixture
def own_category(town):
    """A category of Teststad's own, offered only there."""
    return CategoryFactory(
        municipality=town["municipality"], code="hondenpoep", partner=Partner.MUNICIPALITY
    )


@pytest.fixture(params=FORMATS)
def fmt(request):
    return request.param


@pytest.fixture
def root(live_server):
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def library(root, town, api_key, fmt):
    return GeoReport(
        root, jurisdiction=town["municipality"].code, api_key=api_key.key, output_format=fmt
    )


POSTED = {
    "service_code": "verdachte-situatie-persoon",
    "lat": "52.0126",
    "long": "5.0074",
    "description": "Twee mannen liepen langs de geparkeerde auto's en voelden aan elke deurklink.",
    "attribute[person_behaviour]": "Voelde aan de deurklinken van geparkeerde auto's.",
    "attribute[person_top]": "groene regenjas",
    "attribute[person_age_min]": "20",
    "attribute[person_age_max]": "30",
    "attribute[vehicle_kind]": "scooter",
}


@pytest.fixture
def posted(root, town, api_key, categories, fmt):
    """A request created over HTTP (the library has no POST, see the module docstring)."""
    response = requests.post(
        f"{root}/requests.{fmt}",
        data={"api_key": api_key.key, "jurisdiction_id": town["municipality"].code, **POSTED},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    if fmt == "json":
        (created,) = response.json()
    else:
        created = xmltodict.parse(response.content)["service_requests"]["request"]
    return Report.objects.get(reference=created["service_request_id"])


@pytest.fixture
def closed_report(town, categories):
    """A closed request of ten days ago, in another service."""
    submitted = timezone.now() - timedelta(days=10)
    return ReportFactory(
        category=categories["unsafe_place"],
        status=ReportStatus.CLOSED,
        outcome=Outcome.SOLVED,
        neighbourhood=town["noord_west"],
        lat=52.0124,
        lon=5.0024,
        observed_at=submitted - timedelta(hours=1),
        submitted_at=submitted,
        close_due_at=submitted + timedelta(days=30),
    )


@pytest.fixture
def foreign_report(other_town, categories):
    """A request in another municipality: outside Teststad's jurisdiction."""
    return ReportFactory(
        category=categories["unsafe_place"],
        neighbourhood=other_town["markt"],
        lat=53.005,
        lon=6.005,
    )


# --- services ---------------------------------------------------------------------------------


def test_service_list_holds_the_services_of_the_jurisdiction(
    library, root, town, fmt, categories, own_category
):
    services = listed(library.get_service_list())

    by_code = {service["service_code"]: service for service in services}
    assert len(by_code) == len(services)
    offered = list(categories_for(town["municipality"]))
    assert set(by_code) == {category.code for category in offered}
    for category in offered:
        service = by_code[category.code]
        assert service["service_name"] == category.name(SERVER_LANGUAGE)
        assert service["description"] == category.description(SERVER_LANGUAGE)
        assert as_text(service["metadata"]) == as_text(
            category.asks_person or category.asks_vehicle
        )
        assert service["type"] == "realtime"
    assert as_text(by_code["verdachte-situatie-persoon"]["metadata"]) == "true"
    assert as_text(by_code["onveilige-plek"]["metadata"]) == "false"
    assert own_category.code in by_code
    # Without a jurisdiction: the defaults only, not Teststad's own category.
    everywhere = GeoReport(root, output_format=fmt).get_service_list()
    codes = {service["service_code"] for service in listed(everywhere)}
    assert "verdachte-situatie-persoon" in codes
    assert own_category.code not in codes


def test_service_definition_lists_the_signalement_attributes(library, fmt, categories):
    definition = library.get_service_definition("verdachte-situatie-persoon")

    assert definition["service_code"] == "verdachte-situatie-persoon"
    attributes = definition["attributes"]
    # JSON has the list itself; XML <attributes><attribute> as xmltodict nests it.
    attributes = listed(attributes if fmt == "json" else attributes["attribute"])
    expected = [attribute.code for attribute in (*PERSON_ATTRIBUTES, *VEHICLE_ATTRIBUTES)]
    assert [attribute["code"] for attribute in attributes] == expected
    assert [int(attribute["order"]) for attribute in attributes] == list(
        range(1, len(expected) + 1)
    )
    by_code = {attribute["code"]: attribute for attribute in attributes}
    assert by_code["person_behaviour"]["datatype"] == "text"
    assert by_code["person_age_min"]["datatype"] == "number"
    assert by_code["vehicle_licence_plate"]["datatype"] == "string"
    for attribute in attributes:
        assert as_text(attribute["variable"]) == "true"
        assert as_text(attribute["required"]) == "false"
        assert attribute["description"]


# --- a created request, read back ---------------------------------------------------------------


def test_created_request_is_stored_routed_and_read_back(library, posted, town, fmt):
    # The report exists, from Open311, with the attributes, routed to the police.
    assert posted.source == ReportSource.OPEN311
    assert posted.category.code == "verdachte-situatie-persoon"
    assert posted.partner == Partner.POLICE
    assert posted.neighbourhood == town["noord_oost"]
    assert posted.description == POSTED["description"]
    person = posted.persons.get()
    assert (person.behaviour, person.top, person.age_min, person.age_max) == (
        POSTED["attribute[person_behaviour]"],
        "groene regenjas",
        20,
        30,
    )
    assert posted.vehicles.get().kind == "scooter"

    item = library.get_service_request(posted.reference)

    assert item["service_request_id"] == posted.reference
    assert item["status"] == "open"
    assert item["service_code"] == "verdachte-situatie-persoon"
    assert item["service_name"] == posted.category.name(SERVER_LANGUAGE)
    assert item["agency_responsible"] == served("Police")
    requested = datetime.fromisoformat(item["requested_datetime"])
    assert requested.tzinfo is not None
    assert requested.utcoffset() == timezone.localtime(posted.submitted_at).utcoffset()
    assert requested == posted.submitted_at.replace(microsecond=0)
    assert datetime.fromisoformat(item["expected_datetime"]).tzinfo is not None
    assert float(item["lat"]) == round(posted.lat, PUBLIC_COORDINATE_DECIMALS) == 52.013
    assert float(item["long"]) == round(posted.lon, PUBLIC_COORDINATE_DECIMALS) == 5.007
    assert item["address"] == "Noord-Oost, Teststad"
    # The public request shows nothing of what the reporter wrote (PRODUCT §2).
    shown = json.dumps(item)
    assert "deurklink" not in shown
    assert "regenjas" not in shown


def test_request_list_filters(library, posted, closed_report, foreign_report, categories, fmt):
    both = {posted.reference, closed_report.reference}
    # The jurisdiction keeps out the other municipality's request.
    assert ids(library.get_service_requests()) == both

    code = library.get_service_requests(service_code="verdachte-situatie-persoon")
    assert ids(code) == {posted.reference}
    codes = library.get_service_requests(service_code="verdachte-situatie-persoon,onveilige-plek")
    assert ids(codes) == both

    (closed,) = listed(library.get_service_requests(status="closed"))
    assert closed["service_request_id"] == closed_report.reference
    assert closed["status"] == "closed"
    assert closed["status_notes"] == served("Solved")
    assert ids(library.get_service_requests(status="open")) == {posted.reference}
    assert ids(library.get_service_requests(status="open,closed")) == both

    minute = timedelta(minutes=1)
    around_now = library.get_service_requests(
        start_date=local_text(posted.submitted_at - minute),
        end_date=local_text(posted.submitted_at + minute),
    )
    assert ids(around_now) == {posted.reference}
    ten_days_ago = library.get_service_requests(
        start_date=utc_text(closed_report.submitted_at - timedelta(days=1)),
        end_date=utc_text(closed_report.submitted_at + timedelta(days=1)),
    )
    assert ids(ten_days_ago) == {closed_report.reference}
    open_in_window = library.get_service_requests(
        status="open", start_date=local_text(closed_report.submitted_at - timedelta(days=1))
    )
    assert ids(open_in_window) == {posted.reference}

    by_ids = library.get_service_requests(service_request_id=",".join(sorted(both)))
    assert ids(by_ids) == both
    # The spec: service_request_id overrides every other filter.
    overriding = library.get_service_requests(
        service_request_id=closed_report.reference, status="open"
    )
    assert ids(overriding) == {closed_report.reference}
    # Another municipality's request is found by its id only without a jurisdiction.
    mixed = f"{posted.reference},{foreign_report.reference}"
    assert ids(library.get_service_requests(service_request_id=mixed)) == {posted.reference}
    anywhere = GeoReport(library.root_address, output_format=fmt)
    assert ids(anywhere.get_service_requests(service_request_id=foreign_report.reference)) == {
        foreign_report.reference
    }


def test_no_matching_request_is_an_empty_list(root, town, closed_report):
    code = town["municipality"].code
    in_json = GeoReport(root, jurisdiction=code, output_format="json")
    assert in_json.get_service_requests(status="closed") != []
    assert in_json.get_service_requests(status="open") == []
    # In XML the answer is <service_requests /> (the spec's list element, empty). georeport
    # 0.3.1 indexes what xmltodict makes of it (None) and raises TypeError, so the empty answer
    # is read here as that library reads its input (requests + xmltodict), without depending on
    # whether a later georeport handles it.
    in_xml = GeoReport(root, jurisdiction=code, output_format="xml")
    assert in_xml.get_service_requests(status="closed")
    answer = requests.get(
        f"{root}/requests.xml", params={"jurisdiction_id": code, "status": "open"}, timeout=10
    )
    assert answer.status_code == 200
    assert xmltodict.parse(answer.content) == {"service_requests": None}


# --- errors -------------------------------------------------------------------------------------


ERRORS = {
    "unknown service": (
        lambda lib: lib.get_service_definition("bestaat-niet"),
        404,
        "There is no service with this service_code.",
        {},
    ),
    "unknown request": (
        lambda lib: lib.get_service_request("M-BESTAATN"),
        404,
        "There is no service request with this id.",
        {},
    ),
    "unknown status": (
        lambda lib: lib.get_service_requests(status="pending"),
        400,
        "status must be open, closed or both (comma-separated).",
        {},
    ),
    "bad start_date": (
        lambda lib: lib.get_service_requests(start_date="gisteren"),
        400,
        "%(name)s must be an ISO 8601 date and time, e.g. 2026-11-28T12:00:00+01:00.",
        {"name": "start_date"},
    ),
    "window over 90 days": (
        lambda lib: lib.get_service_requests(
            start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z"
        ),
        400,
        "start_date and end_date may be at most 90 days apart.",
        {},
    ),
    "unknown jurisdiction": (
        lambda lib: GeoReport(
            lib.root_address, jurisdiction="GM0000", output_format=lib.output_format
        ).get_service_list(),
        404,
        "jurisdiction_id is not a municipality served here.",
        {},
    ),
}


@pytest.mark.parametrize("case", ERRORS)
def test_bad_calls_raise_with_the_spec_error_list(library, categories, fmt, case):
    call, status, message, values = ERRORS[case]

    with pytest.raises(requests.HTTPError) as raised:
        call(library)

    response = raised.value.response
    # The error's traceback holds this frame, which holds the error: a cycle that would keep
    # the connection open (and the server's thread waiting) until garbage collection.
    del raised
    assert response.status_code == status
    (error,) = spec_errors(response, fmt)
    assert error["description"] == served(message, **values)


def test_post_without_api_key_is_403_with_the_spec_error_list(root, town, categories, fmt):
    response = requests.post(
        f"{root}/requests.{fmt}",
        data={"jurisdiction_id": town["municipality"].code, **POSTED},
        timeout=30,
    )

    assert response.status_code == 403
    (error,) = spec_errors(response, fmt)
    assert error["description"] == served("api_key is missing, unknown or revoked.")
    assert not Report.objects.exists()
