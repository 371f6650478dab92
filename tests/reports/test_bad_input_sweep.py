"""Bad input on every report page and endpoint (issue 3): hostile values, types, encodings and
repeats through Django's test client, each as the role the page or endpoint is for.

Every test asserts that the answer is not a 5xx; that a refusal leaves the database as it was
(reports, events, person and vehicle descriptions, photos, misuse marks and audit rows); and that
the answer says what to fix: on a page the form's message, in /api/v1/ the error JSON with
translated messages, in Open311 the spec's error list (a parseable XML document too).

Run on SQLite and on PostgreSQL: some inputs broke one of them only (a NUL in a URL path only
PostgreSQL; far-off years only SQLite, which compares times as UTC text).

What other modules already cover is not repeated: 4,001-character descriptions, future and
year-old times, bad postcodes and licence plates, oversize and non-image photos at the service,
a missing or wrong api_key, unknown categories, a bad reason for a misuse mark, a second mark.

Swept: /meldingen/ nieuw/ (form, check, send), mijn/, <ref>/, <ref>/aanvullen/, inbox/ (view,
category, neighbourhood, after), <ref>/behandelen/ and its actions, <ref>/behandelen/misbruik/,
<ref>/foto/<id>/, moderatie/, moderatie/<ref>/, moderatie/<ref>/misbruik/, buurt/,
reactietijden/; /api/v1/reports (POST, GET), /api/v1/reports/<ref>, /api/v1/categories;
/open311/v2/ discovery, services, services/<code>, requests (GET, POST), requests/<id>,
tokens/<token>, each as .json and .xml.
"""

from __future__ import annotations

import base64
import html
import json
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samenveilig.core.models import AuditEvent
from samenveilig.reports.models import (
    EventKind,
    PersonDescription,
    Report,
    ReportAbuse,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    VehicleDescription,
)
from tests.conftest import login
from tests.reports.api import conftest as api_fixtures
from tests.reports.api import test_open311_post
from tests.reports.api.open311_client import FORMATS, errors, parsed
from tests.reports.api.test_rest import body, post_json
from tests.reports.intake.test_pages import NEW, form_data
from tests.reports.partner import conftest as partner_fixtures
from tests.reports.partner.factories import PersonDescriptionFactory, ReportFactory

pytestmark = pytest.mark.django_db

# Fixtures of the sibling folders (pytest offers a conftest's fixtures only below its folder).
_english = partner_fixtures._english  # autouse: English msgids, photos in a throwaway folder
reporter = partner_fixtures.reporter
police_noord = partner_fixtures.police_noord
community_noord = partner_fixtures.community_noord
coordinator = partner_fixtures.coordinator
categories = api_fixtures.categories
address = api_fixtures.address
api_key = api_fixtures.api_key
valid = test_open311_post.valid

TRACKED = (
    Report,
    ReportEvent,
    PersonDescription,
    VehicleDescription,
    ReportPhoto,
    ReportAbuse,
    AuditEvent,
)
HUGE_TEXT = "x" * 100_000
BEYOND_64_BITS = "9" * 30
# Text a client can send in any field: control characters, invisible and right-to-left marks,
# combining characters, emoji, markup, numbers out of range, very long digits, impossible dates.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\t\r\n",
            "\x01\x0b\x1f",
            "\u200b\u202e\ufeff",
            "e\u0301" * 20,
            "\U0001f600" * 10,
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "1e400",
            "-1",
            "NaN",
            "Infinity",
            BEYOND_64_BITS,
            "0" * 5000 + "1",
            "0001-01-01T00:00",
            "9999-12-31T23:59",
            "2026-02-30T10:00",
        ]
    ),
)
SWEEP = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TRACKED}


@contextmanager
def nothing_saved():
    """Every tracked table holds as many rows afterwards as before."""
    before = snapshot()
    yield
    assert snapshot() == before


def text_of(response) -> str:
    """The page as a reader sees it: entities such as &#x27; decoded."""
    assert response.status_code < 500, response.status_code
    return html.unescape(response.content.decode())


def shows(response, *messages: str) -> str:
    page = text_of(response)
    assert response.status_code == 200, response.status_code
    for message in messages:
        assert message in page, message
    return page


@pytest.fixture
def client():
    """Django's test client asking for English: anonymous clients (Open311, the API without a
    session) read the msgids; logged-in users read English through their own setting."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def whole_reports() -> None:
    """Each report was saved with everything of its one transaction: its first event and its
    audit row (nothing half-saved)."""
    for report in Report.objects.all():
        assert report.events.filter(kind=EventKind.SUBMITTED).count() == 1
        assert AuditEvent.objects.filter(action="reports.submitted", object_id=str(report.pk))


# --- the report form (/meldingen/nieuw/) --------------------------------------------------------

NOT_SENT = "Your report has not been sent yet."
INVALID_CHOICE = "Select a valid choice."
NOT_A_DATE = "Enter a date and time, for example 2025-03-14 21:30."


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"category": BEYOND_64_BITS}, INVALID_CHOICE),
        ({"category": "-1"}, INVALID_CHOICE),
        ({"category": "1.5"}, INVALID_CHOICE),
        ({"category": ["1", "x"]}, INVALID_CHOICE),  # duplicate keys: the last one counts
        ({"lat": "1e400"}, "Enter a number."),
        ({"lat": "NaN", "lon": "Infinity"}, "Enter a number."),
        ({"lat": "9" * 5000}, "Enter a number."),
        ({"observed_at": "0001-01-01T00:00"}, "more than a year ago"),
        ({"observed_at": "9999-12-31T23:59"}, "cannot be in the future"),
        ({"observed_at": "0000-01-01T00:00"}, NOT_A_DATE),
        ({"observed_at": "99999-01-01T00:00"}, NOT_A_DATE),
        ({"observed_at": "2026-02-30T10:00"}, NOT_A_DATE),
        ({"observed_at": "2026-03-29T02:30"}, "interpreted in time zone"),  # no such local time
        (
            {"lat": "", "lon": "", "postcode": "9999AB", "house_number": BEYOND_64_BITS},
            "at most 10 characters",
        ),
        ({"lat": "", "lon": "", "postcode": HUGE_TEXT, "house_number": "1"}, "at most 10"),
        ({"location_text": HUGE_TEXT}, "at most 255 characters"),
        ({"person-0-behaviour": "liep", "person-0-age_min": BEYOND_64_BITS}, "less than or equal"),
        ({"person-0-behaviour": "liep", "person-0-height_min_cm": "1e3"}, "Enter a whole number."),
        ({"person-0-behaviour": "liep", "person-0-sex": "robot"}, INVALID_CHOICE),
        ({"person-0-behaviour": HUGE_TEXT}, "at most 1000 characters"),
        ({"vehicle-0-licence_plate": HUGE_TEXT}, "at most 20 characters"),
        ({"vehicle-0-licence_plate": "\u00b2\u00b2-XX-99"}, "letters and digits only"),
    ],
)
@pytest.mark.parametrize("action", ["check", "send"])
def test_the_report_form_refuses_hostile_fields_with_their_message(
    client, town, reporter, overrides, message, action
):
    login(client, reporter)
    with nothing_saved():
        response = client.post(NEW, form_data(action=action, **overrides))
    shows(response, NOT_SENT, message)


@pytest.mark.parametrize(
    "data, content_type",
    [
        (json.dumps({"description": "Een man voelde aan deuren."}), "application/json"),
        ("category=1&description=x", "text/plain"),
        (b"", "application/x-www-form-urlencoded"),
        (b"\xff\xfe=\xff&description=\xc3\x28", "application/x-www-form-urlencoded"),
        (b"--xyz\r\nnonsense\r\n--xyz--\r\n", "multipart/form-data; boundary=xyz"),
    ],
)
def test_the_report_form_with_another_body_asks_for_the_fields(
    client, town, reporter, data, content_type
):
    login(client, reporter)
    with nothing_saved():
        response = client.post(NEW, data, content_type=content_type)
    shows(response, NOT_SENT, "Choose what kind of report this is.")


def test_a_multipart_body_without_a_boundary_is_400_and_saves_nothing(client, town, reporter):
    login(client, reporter)
    with nothing_saved():
        response = client.post(NEW, b"garbage", content_type="multipart/form-data")
    assert response.status_code == 400


@SWEEP
@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            name: HOSTILE_TEXT
            for name in (
                "category",
                "lat",
                "lon",
                "postcode",
                "house_number",
                "observed_at",
                "description",
                "location_text",
                "person-0-behaviour",
                "person-0-age_min",
                "person-0-skin_colour",
                "vehicle-0-licence_plate",
                "origin",
            )
        },
    )
)
def test_any_text_in_any_field_is_sent_whole_or_refused_with_nothing_saved(
    client, town, reporter, values
):
    login(client, reporter)
    before = snapshot()
    response = client.post(NEW, form_data(**values))
    if response.status_code == 302:
        assert snapshot()["Report"] == before["Report"] + 1
        whole_reports()
    elif response.status_code == 400:  # the NUL guard
        assert "not allowed (NUL)" in text_of(response)
        assert snapshot() == before
    else:
        shows(response, NOT_SENT)
        assert snapshot() == before


def test_repeated_submissions_each_make_one_whole_report(client, town, reporter):
    login(client, reporter)
    refused = form_data(description="")
    for _ in range(2):
        with nothing_saved():
            shows(client.post(NEW, refused), "Describe what happened.")
    for _ in range(2):
        assert client.post(NEW, form_data()).status_code == 302
    assert Report.objects.count() == 2
    whole_reports()


def test_a_forged_origin_token_is_ignored_and_links_nothing(client, town, reporter):
    login(client, reporter)
    response = client.post(NEW, form_data(origin="e30:1tTbZ1:" + "A" * 43))
    assert response.status_code == 302
    assert Report.objects.get().source == "web"


@pytest.mark.parametrize(
    "query",
    ["danger=no&called_112=%ff%fe", "danger=maybe", "danger=no&danger=yes", "danger=%00"],
)
def test_the_emergency_question_survives_junk_in_the_query(client, town, reporter, query):
    login(client, reporter)
    response = client.get(f"{NEW}?{query}")
    if "%00" in query:
        assert response.status_code == 400
        assert "not allowed (NUL)" in text_of(response)
    else:
        assert response.status_code == 200


# --- the reporter's own reports --------------------------------------------------------------


@pytest.fixture
def own(town, reporter):
    return ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)


def add_url(report) -> str:
    return reverse("reports:add_information", kwargs={"reference": report.reference})


@pytest.mark.parametrize(
    "data, message",
    [
        ({"text": HUGE_TEXT}, "at most 4000 characters"),
        ({"text": ["Nog iets", "  "]}, "Write what you want to add, or add a photo."),
        (
            {"text": "", "photos": SimpleUploadedFile("a.jpg", b"GIF89a not really")},
            "This file is not a photo we can read.",
        ),
        (
            {"photos": [SimpleUploadedFile(f"{n}.jpg", b"x") for n in range(6)]},
            "at most 5 photos",
        ),
    ],
)
def test_adding_information_refuses_hostile_input(client, own, reporter, data, message):
    login(client, reporter)
    with nothing_saved():
        response = client.post(add_url(own), data)
    shows(response, message)


def test_adding_information_with_a_json_body_asks_for_the_text(client, own, reporter):
    login(client, reporter)
    with nothing_saved():
        response = client.post(add_url(own), json.dumps({"text": "a"}), "application/json")
    shows(response, "Write what you want to add, or add a photo.")


def test_adding_to_someone_elses_or_a_closed_report(client, town, own, reporter):
    theirs = ReportFactory(neighbourhood=town["noord_west"], reporter=None)
    closed = ReportFactory(neighbourhood=town["noord_west"], reporter=reporter)
    Report.objects.filter(pk=closed.pk).update(status=ReportStatus.CLOSED)
    login(client, reporter)
    with nothing_saved():
        assert client.post(add_url(theirs), {"text": "Ik weet meer."}).status_code == 404
        assert client.post("/meldingen/M-ZZZZZZZZ/aanvullen/", {"text": "x"}).status_code == 404
        assert client.post("/meldingen/m-zzzzzzzz/aanvullen/", {"text": "x"}).status_code == 404
        shows(client.post(add_url(closed), {"text": "Nog iets."}), "This report is closed")


@pytest.mark.parametrize("path", ["/meldingen/mijn/?x=%ff%fe&page=-1", "/meldingen/mijn/?page=9e9"])
def test_my_reports_ignore_junk_in_the_query(client, own, reporter, path):
    login(client, reporter)
    assert own.reference in shows(client.get(path))


# --- the partner's inbox -----------------------------------------------------------------------

INBOX = "/meldingen/inbox/"


@pytest.fixture
def partner(client, town, police_noord):
    login(client, police_noord, with_mfa=True)
    return client


@pytest.mark.parametrize("view", ["new", "open", "overdue", "closed", "incidents"])
@pytest.mark.parametrize(
    "after",
    [
        "0001-01-01T00:00:00+14:00~5",  # year 0 in UTC
        "9999-12-31T23:59:59-14:00~5",  # year 10000 in UTC
        f"2026-01-01T00:00:00+00:00~{BEYOND_64_BITS}",
        "2026-01-01T00:00:00+00:00~-5",
        "2026-01-01T00:00:00+99:00~5",
        "2026-02-30T00:00:00+00:00~5",
        "2026-01-01T00:00:00~5",  # no time zone
        "x~" + "9" * 5000,
        "~",
        base64.urlsafe_b64encode(b"\xff" * 30).decode(),
    ],
)
def test_a_bad_inbox_cursor_shows_the_first_page(partner, town, view, after):
    report = ReportFactory(neighbourhood=town["noord_west"])
    if view == "closed":
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED)
    response = partner.get(INBOX, {"view": view, "after": after})
    page = shows(response)
    assert not response.context["page"].next_cursor
    if view in ("new", "open", "closed"):
        assert report.reference in page


@pytest.mark.parametrize(
    "query",
    [
        {"category": BEYOND_64_BITS},
        {"category": "abc"},
        {"neighbourhood": "1e400"},
        {"neighbourhood": ["1", "x"]},
        {"neighbourhood": "-1"},
    ],
)
def test_bad_inbox_filters_are_shown_as_errors(partner, town, query):
    shows(partner.get(INBOX, query), INVALID_CHOICE)


def test_undecodable_bytes_in_the_inbox_query(partner, town):
    assert partner.get(f"{INBOX}?view=%ff&category=%ff%fe&after=%c3%28").status_code == 200


# --- handling a report ---------------------------------------------------------------------------


@pytest.fixture
def handled(town):
    report = ReportFactory(neighbourhood=town["noord_west"])
    PersonDescriptionFactory(report=report)
    return report


def action_url(report, action: str) -> str:
    return reverse(
        "reports:handle_action", kwargs={"reference": report.reference, "action": action}
    )


@pytest.mark.parametrize(
    "action, data, message",
    [
        ("close", {"close-outcome": "bogus"}, INVALID_CHOICE),
        ("close", {"close-outcome": ["solved", "bogus"]}, INVALID_CHOICE),
        ("close", {"close-outcome": "solved", "close-note": HUGE_TEXT}, "at most"),
        ("start", {"start-note": HUGE_TEXT}, "at most"),
        ("forward", {"forward-note": ""}, "This field is required."),
        ("forward", {"forward-note": HUGE_TEXT}, "at most"),
        ("ask", {"ask-text": "   "}, "This field is required."),
        ("ask", {"ask-text": HUGE_TEXT}, "at most 4000 characters"),
        ("thank", {"thank-text": HUGE_TEXT}, "at most"),
    ],
)
def test_bad_actions_show_the_message_and_change_nothing(partner, handled, action, data, message):
    with nothing_saved():
        response = partner.post(action_url(handled, action), data)
    shows(response, message)
    handled.refresh_from_db()
    assert handled.status == ReportStatus.SUBMITTED


def test_an_action_with_a_json_body_asks_for_the_field(partner, handled):
    with nothing_saved():
        response = partner.post(
            action_url(handled, "ask"), json.dumps({"ask-text": "Hoe laat?"}), "application/json"
        )
    shows(response, "This field is required.")


def test_a_repeated_action_is_refused_on_the_page(partner, handled):
    assert partner.post(action_url(handled, "acknowledge")).status_code == 302
    with nothing_saved():
        response = partner.post(action_url(handled, "acknowledge"))
    shows(response, "This is not possible while the report is")


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/meldingen/M-ZZZZZZZZ/behandelen/acknowledge/"),
        ("get", "/meldingen/M-ZZZZZZZZ/behandelen/"),
        ("post", "/meldingen/{ref}/behandelen/delete/"),
        ("post", "/meldingen/M-ZZZZZZZZ/behandelen/misbruik/"),
        ("get", f"/meldingen/{{ref}}/foto/{BEYOND_64_BITS}/"),
        ("get", "/meldingen/{ref}/foto/-1/"),
    ],
)
def test_unknown_references_actions_and_photos_are_404(partner, handled, method, path):
    with nothing_saved():
        response = getattr(partner, method)(path.format(ref=handled.reference))
    assert response.status_code == 404


def test_a_misuse_mark_with_hostile_fields_is_refused(partner, handled):
    url = reverse("reports:flag_abuse", kwargs={"reference": handled.reference})
    with nothing_saved():
        long_note = partner.post(url, {"abuse-reason": "spam", "abuse-note": HUGE_TEXT})
        as_json = partner.post(url, json.dumps({"abuse-reason": "spam"}), "application/json")
    shows(long_note, "at most")
    shows(as_json, "Choose why this report is misuse of the platform.")


# --- moderation ------------------------------------------------------------------------------


@pytest.fixture
def pending(town):
    return ReportFactory(neighbourhood=town["noord_west"], status=ReportStatus.PENDING_MODERATION)


@pytest.fixture
def moderator(client, coordinator):
    login(client, coordinator, with_mfa=True)
    return client


def moderate_url(report) -> str:
    return reverse("reports:moderate", kwargs={"reference": report.reference})


def moderation_flag_url(report) -> str:
    return reverse("reports:moderation_flag_abuse", kwargs={"reference": report.reference})


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"decision": "maybe"}, INVALID_CHOICE),
        ({}, "This field is required."),
        ({"decision": "reject"}, "Tell the reporter why"),
        ({"decision": "reject", "note": HUGE_TEXT}, "at most"),
    ],
)
def test_bad_moderation_decisions_show_the_message(moderator, pending, fields, message):
    data = {f"r{pending.pk}-{name}": value for name, value in fields.items()}
    with nothing_saved():
        response = moderator.post(moderate_url(pending), data)
    shows(response, message)
    pending.refresh_from_db()
    assert pending.status == ReportStatus.PENDING_MODERATION


@pytest.mark.parametrize("url", [moderate_url, moderation_flag_url])
def test_a_bad_form_for_a_report_that_no_longer_waits_says_so(moderator, pending, url):
    """Another coordinator decided first: the report is not on the page any more, so its form's
    message cannot be shown there; the page says what happened instead of nothing."""
    Report.objects.filter(pk=pending.pk).update(status=ReportStatus.SUBMITTED)
    with nothing_saved():
        response = moderator.post(url(pending), {f"r{pending.pk}-decision": "maybe"})
    shows(response, pending.reference, "no longer waits for a coordinator")


# --- figures and the members' page --------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["days=" + "9" * 5000, "days=-7", "days=1e400", "days=%ff", "days=7&days=x"]
)
def test_figures_ignore_a_bad_window(client, town, reporter, query):
    login(client, reporter)
    response = client.get(f"/meldingen/reactietijden/?{query}")
    assert response.status_code == 200


def test_the_members_page_ignores_junk(client, town, reporter):
    login(client, reporter)
    assert client.get("/meldingen/buurt/?x=%ff&after=-1").status_code == 200


# --- /api/v1/ -------------------------------------------------------------------------------------

REPORTS = "/api/v1/reports"
# pydantic's and ninja's own English; every message of the API is ours and translated.
UNTRANSLATED = (
    "Input should",
    "Field required",
    "Cannot parse",
    "Unauthorized",
    "CSRF check Failed",
)


def api_refusal(response, status: int) -> dict:
    assert response.status_code == status, response.content
    payload = response.json()
    assert isinstance(payload["detail"], str) and payload["detail"]
    assert isinstance(payload["errors"], list)
    text = json.dumps(payload, ensure_ascii=False)
    assert not any(phrase in text for phrase in UNTRANSLATED), text
    return {error["field"]: error["message"] for error in payload.get("errors", [])}


@pytest.fixture
def api_client(client, reporter, categories, address):
    login(client, reporter)
    return client


def raw_body(**overrides: str) -> bytes:
    """A valid report body as JSON text, with members set to raw JSON text (``1e400``, ``NaN``,
    a lone surrogate escape: what ``json.dumps`` would not write)."""
    text = json.dumps(body(**{name: f"__raw_{name}__" for name in overrides}))
    for name, raw in overrides.items():
        text = text.replace(f'"__raw_{name}__"', raw)
    return text.encode()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"house_number": '"twaalf"'}, "house_number", "Enter a whole number."),
        ({"house_number": "1" + "0" * 30}, "house_number", "Enter a number of at most 99999."),
        ({"house_number": "12.5"}, "house_number", "Enter a whole number."),
        ({"lat": "1e400", "lon": "5.0"}, "lat", "Enter a finite number (not NaN or Infinity)."),
        ({"lat": "NaN", "lon": "Infinity"}, "lon", "Enter a finite number"),
        ({"lat": '"noord"', "lon": "5.0"}, "lat", "Enter a number."),
        ({"category": '["onveilige-plek"]'}, "category", "Enter text."),
        ({"description": json.dumps(HUGE_TEXT)}, "description", "Enter at most 4000 characters."),
        ({"description": '"\\ud800 los"'}, "description", "not valid Unicode"),
        ({"observed_at": '"2026-02-30T10:00:00"'}, "observed_at", "Enter a date and time"),
        ({"observed_at": '"0000-01-01T00:00:00"'}, "observed_at", "Enter a date and time"),
        ({"observed_at": '"99999-01-01T00:00:00"'}, "observed_at", "Enter a date and time"),
        ({"observed_at": '"gisteren"'}, "observed_at", "Enter a date and time"),
        ({"observed_at": '"0001-01-01T00:00:00+14:00"'}, "observed_at", "more than a year ago"),
        ({"observed_at": '"9999-12-31T23:59:59-14:00"'}, "observed_at", "cannot be in the future"),
        ({"happening_now": '"misschien"'}, "happening_now", "Enter true or false."),
        ({"persons": '"een man"'}, "persons", "Enter a list."),
        ({"persons": '["een man"]'}, "persons.0", "Give this as a JSON object"),
        ({"vehicles": "[42]"}, "vehicles.0", "Give this as a JSON object"),
        ({"persons": json.dumps([{"behaviour": "liep"}] * 6)}, "persons", "at most 5 items"),
        ({"persons": '[{"behaviour": "liep", "age_min": -1}]'}, "persons.0.age_min", "at least 0"),
        ({"category": "null"}, "category", "Enter text."),
    ],
)
def test_api_refuses_wrong_types_and_values_with_translated_messages(
    api_client, overrides, field, message
):
    with nothing_saved():
        response = api_client.post(REPORTS, raw_body(**overrides), content_type="application/json")
    fields = api_refusal(response, 422)
    assert message in fields.get(field, ""), fields


def test_api_missing_fields_are_named(api_client):
    with nothing_saved():
        response = post_json(api_client, REPORTS, {"description": "Alleen tekst."})
    fields = api_refusal(response, 422)
    assert fields["category"] == fields["observed_at"] == "This field is required."


@pytest.mark.parametrize(
    "data, content_type, status, message",
    [
        (b'{"category": ', "application/json", 400, "not valid JSON"),
        (b'{"description": "\xff\xfe"}', "application/json", 400, "not valid JSON"),
        (b'{"house_number": ' + b"9" * 5000 + b"}", "application/json", 400, "too long"),
        (b'{"a": ' * 100_000, "application/json", 400, "nested too deeply"),
        # Deep enough for a recursive walk of the parsed body, not for json.loads.
        (b'{"a": ' * 600 + b"1" + b"}" * 600, "application/json", 422, "field is required"),
        (b"category=onveilige-plek", "application/x-www-form-urlencoded", 400, "valid JSON"),
        (b"", "application/json", 422, "send a JSON object"),
        (b"[1, 2]", "application/json", 422, "This field is required."),
        # ninja reads any body as JSON; the NUL guard of the middleware reads application/json.
        (raw_body(description='"a\\u0000b"'), "text/plain", 400, "not allowed (NUL)"),
        (raw_body(persons='[{"\\u0000": "x"}]'), "text/plain", 400, "not allowed (NUL)"),
    ],
)
def test_api_refuses_bodies_it_cannot_read(api_client, data, content_type, status, message):
    with nothing_saved():
        response = api_client.post(REPORTS, data, content_type=content_type)
    api_refusal(response, status)
    assert message in response.content.decode()


def test_api_refuses_a_multipart_body_with_415(api_client):
    with nothing_saved():
        response = api_client.post(REPORTS, {"category": "onveilige-plek", "description": "x"})
    api_refusal(response, 415)
    assert "application/json" in response.json()["detail"]


def test_api_duplicate_keys_take_the_last_value(api_client):
    text = json.dumps(body()).replace('"category":', '"category": "bestaat-niet", "category":')
    assert api_client.post(REPORTS, text, content_type="application/json").status_code == 201
    text = json.dumps(body()).replace('"category": "onveilige-plek"', '"category": "x"')
    text = text.replace("{", '{"category": "onveilige-plek", ', 1)
    with nothing_saved():
        fields = api_refusal(api_client.post(REPORTS, text, content_type="application/json"), 422)
    assert "category" in fields


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats()
    | HOSTILE_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(HOSTILE_TEXT, children, max_size=3)
    ),
    max_leaves=6,
)


@SWEEP
@given(
    changes=st.dictionaries(
        st.sampled_from(
            [
                "category",
                "description",
                "observed_at",
                "lat",
                "lon",
                "postcode",
                "house_number",
                "house_number_addition",
                "happening_now",
                "persons",
                "vehicles",
            ]
        ),
        JSON_VALUES,
        max_size=3,
    )
)
def test_any_json_value_in_any_field_is_created_whole_or_refused(api_client, changes):
    before = snapshot()
    text = json.dumps({**body(), **changes})  # NaN and Infinity go as JavaScript writes them
    response = api_client.post(REPORTS, text, content_type="application/json")
    if response.status_code == 201:
        assert snapshot()["Report"] == before["Report"] + 1
        whole_reports()
    else:
        assert response.status_code in (400, 422), response.content
        api_refusal(response, response.status_code)
        assert snapshot() == before


def test_api_repeated_posts_each_make_one_whole_report(api_client):
    for _ in range(2):
        assert post_json(api_client, REPORTS, body()).status_code == 201
    with nothing_saved():
        for _ in range(2):
            api_refusal(post_json(api_client, REPORTS, body(description="")), 422)
    assert Report.objects.count() == 2
    whole_reports()


def api_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        api_cursor("0001-01-01T00:00:00+14:00|5"),
        api_cursor("9999-12-31T23:59:59-14:00|5"),
        api_cursor(f"2026-01-01T00:00:00+00:00|{BEYOND_64_BITS}"),
        api_cursor("2026-01-01T00:00:00|5"),  # no time zone
        api_cursor("2026-02-30T00:00:00+00:00|5"),
        api_cursor("2026-01-01T00:00:00+00:00|-5"),
        base64.urlsafe_b64encode(b"\xff\xfe|5").decode(),
        "é",
        "-1",
        "====",
    ],
)
def test_api_bad_cursors_are_400(api_client, after):
    fields = api_refusal(api_client.get(REPORTS, {"after": after}), 400)
    assert fields["after"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("limit=abc", "Enter a whole number."),
        ("limit=0", "at least 1"),
        (f"limit={BEYOND_64_BITS}", "at most 100"),
        ("limit=1e3", "Enter a whole number."),
        ("after=" + "A" * 201, "at most 200 characters"),
    ],
)
def test_api_bad_list_parameters_are_422(api_client, query, message):
    fields = api_refusal(api_client.get(f"{REPORTS}?{query}"), 422)
    assert message in " ".join(fields.values())


@pytest.mark.parametrize(
    "reference, status",
    # A NUL anywhere in a path is refused first by core.middleware (400), before any view.
    [("%00", 400), ("M-%00", 400), ("%ff%fe", 404), ("x" * 5000, 404), ("M-12345678%0A", 404)],
)
def test_api_a_reference_that_cannot_exist_is_refused(api_client, reference, status):
    response = api_client.get(f"{REPORTS}/{reference}")
    api_refusal(response, status)


@pytest.mark.parametrize(
    "query, status", [("municipality=" + "G" * 21, 422), ("municipality=%ff%fe", 404)]
)
def test_api_categories_with_a_bad_municipality(client, categories, query, status):
    api_refusal(client.get(f"/api/v1/categories?{query}"), status)


def test_api_authentication_and_csrf_errors_are_translated(client, categories, reporter):
    api_refusal(client.get(REPORTS), 401)
    assert client.get(REPORTS).json()["detail"] == "Log in to use this part of the API."
    strict = Client(enforce_csrf_checks=True)
    login(strict, reporter)
    with nothing_saved():
        response = post_json(strict, REPORTS, body())
    api_refusal(response, 403)
    assert "X-CSRFToken" in response.json()["detail"]


# --- Open311 --------------------------------------------------------------------------------------


def open311(client, method: str, path: str, fmt: str, *args, **kwargs):
    return getattr(client, method)(f"/open311/v2/{path}.{fmt}", *args, **kwargs)


def refused_in_spec(response, fmt: str, status: int) -> str:
    """The spec's error list (a parseable document in XML too); returns the descriptions."""
    assert response.status_code == status, response.content
    if fmt == "xml":
        ET.fromstring(response.content)  # a client's XML parser can read it
    return " ".join(str(item["description"]) for item in errors(response, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params, message",
    [
        ({"start_date": "9999-12-31"}, "start_date must lie between the years"),
        ({"end_date": "0001-01-01"}, "end_date must lie between the years"),
        ({"start_date": "0001-01-01", "end_date": "0001-01-05"}, "start_date must lie between"),
        ({"end_date": "9999-12-31T23:59:59-14:00"}, "end_date must lie between"),
        ({"start_date": "2026-02-30"}, "start_date must be an ISO 8601 date"),
        ({"start_date": "%ff%fe"}, "start_date must be an ISO 8601 date"),
        ({"page_size": "0000001" + "0" * 30}, "page_size must be a whole number from 1 to 1000"),
        ({"page_size": "00010000"}, "page_size must be a whole number from 1 to 1000"),
        ({"page": "0000001" + "0" * 5000}, "page must be a whole number from 1 to 100000"),
        ({"page": "-1"}, "page must be a whole number"),
        ({"page": "%D9%A1"}, "page must be a whole number"),  # an Arabic-Indic one
        ({"after": "0001-01-01T00:00:00+14:00~5"}, "after must be the value"),
        ({"after": "9999-12-31T23:59:59-14:00~5"}, "after must be the value"),
        ({"after": f"2026-01-01T00:00:00+00:00~{'9' * 5000}"}, "after must be the value"),
        ({"status": "%ff"}, "status must be open, closed"),
    ],
)
def test_open311_listing_refuses_bad_parameters(client, categories, params, message, fmt):
    query = "&".join(f"{name}={value}" for name, value in params.items())
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert message in refused_in_spec(response, fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_leading_zeros_still_count_as_the_number(client, town, categories, fmt):
    ReportFactory(neighbourhood=town["zuid_west"], category=categories["unsafe_place"])
    response = client.get(f"/open311/v2/requests.{fmt}?page_size=0001&page=00001")
    assert len(parsed(response, fmt, "service_requests", "request")) == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path, status",
    [
        # A NUL anywhere in a path is refused first by core.middleware (400), in the spec's list.
        ("requests/%00", 400),
        ("tokens/%00", 400),
        ("services/%00", 400),
        ("requests/%ff%fe", 404),
        ("tokens/" + "x" * 5000, 404),
    ],
)
def test_open311_ids_that_cannot_exist_are_refused(client, categories, path, status, fmt):
    refused_in_spec(open311(client, "get", path, fmt), fmt, status)


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_an_unknown_attribute_with_control_characters_stays_readable(client, valid, fmt):
    valid["service_code"] = "verdachte-situatie-persoon"
    with nothing_saved():
        response = open311(client, "post", "requests", fmt, {**valid, "attribute[a\x01\x0bb]": "x"})
    assert "is not an attribute of service" in refused_in_spec(response, fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "changes, message",
    [
        ({"lat": "1e400", "long": "5.0"}, "lat must be a number from -90"),
        ({"lat": "52.0", "long": "Infinity"}, "long must be a number from -180"),
        ({"address_string": HUGE_TEXT}, "at most 255 characters"),
        ({"address_string": "", "address_id": HUGE_TEXT}, "not a known BAG address id"),
        ({"description": "\x0b\x0c "}, "Describe what happened."),
        ({"description": HUGE_TEXT}, "at most 4000 characters"),
        ({"attribute[person_age_min]": ["20", "30"]}, "must be a whole number"),
        ({"attribute[person_age_min]": "\u00b2\u00b3"}, "must be a whole number"),
        ({"attribute[person_age_min]": BEYOND_64_BITS}, "must be a whole number"),
        ({"attribute[person_behaviour]": HUGE_TEXT}, "at most 1000 characters"),
        ({"attribute": "x"}, "Write attributes as attribute[code]=value."),
        ({"service_code": ["verdachte-situatie-persoon", "bestaat-niet"]}, "service_code"),
    ],
)
def test_open311_post_refuses_hostile_fields(client, valid, changes, message, fmt):
    valid["service_code"] = "verdachte-situatie-persoon"
    with nothing_saved():
        response = open311(client, "post", "requests", fmt, {**valid, **changes})
    assert message in refused_in_spec(response, fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_post_as_json_says_to_send_a_form(client, valid, fmt):
    with nothing_saved():
        response = open311(client, "post", "requests", fmt, json.dumps(valid), "application/json")
    text = refused_in_spec(response, fmt, 403)
    assert "Send the fields as a form" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_post_with_undecodable_bytes(client, valid, fmt):
    body_bytes = f"api_key={valid['api_key']}&service_code=%ff%fe&description=%c3%28".encode()
    with nothing_saved():
        response = open311(
            client, "post", "requests", fmt, body_bytes, "application/x-www-form-urlencoded"
        )
    assert "service_code" in refused_in_spec(response, fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_repeated_posts_each_make_one_whole_report(client, valid, fmt):
    for _ in range(2):
        assert open311(client, "post", "requests", fmt, valid).status_code == 200
    assert Report.objects.count() == 2
    whole_reports()


@SWEEP
@given(
    changes=st.dictionaries(
        st.sampled_from(
            [
                "service_code",
                "description",
                "lat",
                "long",
                "address_string",
                "address_id",
                "jurisdiction_id",
                "attribute[person_behaviour]",
                "attribute[person_age_min]",
                "attribute[vehicle_licence_plate]",
            ]
        ),
        HOSTILE_TEXT.filter(lambda text: "\x00" not in text),
        max_size=3,
    ),
    fmt=st.sampled_from(FORMATS),
)
def test_any_text_in_any_open311_field_is_created_whole_or_refused(client, valid, changes, fmt):
    valid["service_code"] = "verdachte-situatie-persoon"
    valid["attribute[person_behaviour]"] = "Voelde aan autodeuren."
    before = snapshot()
    response = open311(client, "post", "requests", fmt, {**valid, **changes})
    if response.status_code == 200:
        assert snapshot()["Report"] == before["Report"] + 1
        whole_reports()
    else:
        refused_in_spec(response, fmt, response.status_code)
        assert response.status_code in (400, 403, 404)
        assert snapshot() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path, query",
    [("services", "jurisdiction_id=" + "G" * 5000), ("services", "jurisdiction_id=%ff")],
)
def test_open311_services_with_a_bad_jurisdiction_are_404(client, categories, path, query, fmt):
    response = client.get(f"/open311/v2/{path}.{fmt}?{query}")
    assert "jurisdiction_id" in refused_in_spec(response, fmt, 404)
