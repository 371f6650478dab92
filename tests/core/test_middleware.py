"""The NUL guard: input PostgreSQL cannot store gets a clear 400, never a 500; and the 400 page.

The refusals need no database: the tests without ``django_db`` fail on any query."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

NUL_MESSAGE = "The input contains a character that is not allowed (NUL). Remove it."
COOKIE_MESSAGE = (
    "Your browser sent a session cookie with a character that is not allowed (NUL). It has "
    "been removed: reload the page and log in again."
)
PAGE_HEADING = "This request could not be handled"
PAGE_SENTENCE = "What was sent could not be read. Go back, reload the page and try again."
EMERGENCY = "In an emergency call 112; for the police without urgency call 0900-8844."


def translated(text: str, language: str) -> str:
    with translation.override(language):
        return gettext(text)


def page_text(response) -> str:
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    return html.unescape(response.content.decode())


def assert_400_page(response, language: str, *texts: str) -> str:
    """The 400 page in ``language``: the layout (base.html), its texts and the way back."""
    assert response.status_code == 400
    page = page_text(response)
    assert f'<html lang="{language}"' in page
    assert 'class="site-header"' in page
    for text in (PAGE_HEADING, EMERGENCY, "Back to the home page", *texts):
        assert translated(text, language) in page, text
    assert "Bad Request (400)" not in page
    return page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "json_answer"),
    [
        ("get", "/meldingen/nieuw/?report=%00", {}, False),
        ("post", "/accounts/login/", {"data": {"login": "a\x00b", "password": "x"}}, False),
        (
            "post",
            "/api/v1/alerts",
            {"data": json.dumps({"title": "Vermist\u0000"}), "content_type": "application/json"},
            True,
        ),
        ("get", "/open311/v2/services.json?jurisdiction_id=%00", {}, True),
    ],
)
def test_nul_in_any_input_is_refused_with_400(client, method, path, kwargs, json_answer):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    if json_answer:
        assert "NUL" in json.dumps(response.json())
    else:
        assert "NUL" in response.content.decode()


def test_the_nul_message_has_its_dutch_translation():
    # Otherwise the Dutch checks below would pass on the English text.
    assert translated(NUL_MESSAGE, "nl") != NUL_MESSAGE


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/meldingen/%00/",
        "/meldingen/M-%00/behandelen/",
        # A <str:code> part: this one reached PostgreSQL and was a 500 there.
        "/programma/checklijsten/%00/",
        "/communities/wijk%00/members/",
        "/taken/agenda/abc%00.ics",
    ],
)
def test_nul_in_the_path_of_a_page_is_the_translated_400_page(path, language):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(path)
    assert_400_page(response, language, NUL_MESSAGE)
    # The message replaces the general sentence.
    assert translated(PAGE_SENTENCE, language) not in page_text(response)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/reports/%00"),
        ("get", "/api/v1/reports/M-%00"),
        ("get", "/api/v1/%00"),
        ("post", "/api/v1/reports/%00"),
    ],
)
def test_nul_in_an_api_path_is_the_apis_error_shape(method, path, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = getattr(client, method)(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"detail": translated(NUL_MESSAGE, language), "errors": []}
    # The same keys as the API's own errors (here its 401 for an anonymous client).
    own_error = client.get("/api/v1/reports")
    assert own_error.status_code == 401
    assert set(response.json()) == set(own_error.json())


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/open311/v2/requests/%00.json", None),
        ("get", "/open311/v2/tokens/a%00b.json", None),
        ("get", "/open311/v2/services/%00.json", None),
        ("get", "/open311/v2/services.json?jurisdiction_id=%00", None),
        ("post", "/open311/v2/requests.json", {"description": "a\x00b"}),
    ],
)
def test_nul_in_an_open311_json_path_is_the_spec_error_list(method, path, data, language):
    response = getattr(Client(HTTP_ACCEPT_LANGUAGE=language), method)(path, data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == [{"code": 400, "description": translated(NUL_MESSAGE, language)}]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/open311/v2/requests/%00.xml", None),
        ("get", "/open311/v2/tokens/a%00b.xml", None),
        ("get", "/open311/v2/services/%00.xml", None),
        ("get", "/open311/v2/services.xml?jurisdiction_id=%00", None),
        ("post", "/open311/v2/requests.xml", {"description": "a\x00b"}),
    ],
)
def test_nul_in_an_open311_xml_path_is_the_spec_error_list_in_xml(method, path, data, language):
    response = getattr(Client(HTTP_ACCEPT_LANGUAGE=language), method)(path, data)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert [child.tag for child in root] == ["error"]
    error = root[0]
    assert [(item.tag, item.text) for item in error] == [
        ("code", "400"),
        ("description", translated(NUL_MESSAGE, language)),
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("path", ["/", "/api/v1/reports", "/open311/v2/services.xml"])
def test_a_session_cookie_with_nul_is_refused_and_removed(path, language):
    # The client quotes the cookie as sessionid="abcdefgh\000x", which Django decodes to a NUL;
    # the session lookup then failed on PostgreSQL on every page.
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["sessionid"] = "abcdefgh\x00x"
    response = client.get(path)
    assert response.status_code == 400
    message = translated(COOKIE_MESSAGE, language)
    if path.startswith("/api/"):
        assert response.json() == {"detail": message, "errors": []}
    elif path.startswith("/open311/"):
        assert ET.fromstring(response.content).findtext("error/description") == message
    else:
        assert_400_page(response, language, COOKIE_MESSAGE)
    removed = response.cookies["sessionid"]
    assert removed.value == "" and removed["max-age"] == 0
    assert client.cookies["sessionid"].value == ""


@pytest.mark.django_db
def test_after_the_bad_session_cookie_is_removed_pages_answer_again(client):
    client.cookies["sessionid"] = "abcdefgh\x00x"
    assert client.get("/").status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("path", ["/accounts/login/", "/meldingen/nieuw/", "/"])
def test_a_multipart_post_without_a_boundary_is_the_400_page(path, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(path, b"garbage", content_type="multipart/form-data")
    assert_400_page(response, language, PAGE_SENTENCE)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_suspicious_operation_is_the_400_page(language):
    # A Host that is not allowed: Django's DisallowedHost, answered by handler400.
    response = Client(HTTP_ACCEPT_LANGUAGE=language, HTTP_HOST="elders.example").get("/")
    assert_400_page(response, language, PAGE_SENTENCE)


@pytest.mark.django_db
def test_ordinary_input_passes(client):
    assert client.get("/health").status_code == 200
    # Not refused by the guard: the page's own answer (log in first).
    assert client.get("/meldingen/nieuw/?report=M-AAAAAAAA").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/meldingen/M-AAAAAAAA/", 302),  # a report's page: log in first
        ("/programma/checklijsten/start/", 302),
        ("/communities/wijk-noord/", 302),
        ("/accounts/login/", 200),
        ("/api/v1/categories", 200),
        ("/open311/v2/discovery.xml", 200),
        ("/open311/v2/requests/M-AAAAAAAA.json", 404),  # the view's own answer
    ],
)
def test_legitimate_paths_pass_the_guard(client, path, status):
    assert client.get(path).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    "request_400",
    [
        lambda client: client.get("/?x=%00"),
        lambda client: client.get("/meldingen/%00/"),
        lambda client: client.post("/", b"garbage", content_type="multipart/form-data"),
    ],
    ids=["nul-query", "nul-path", "multipart-without-boundary"],
)
def test_the_400_page_keeps_a_logged_in_users_offline_canvass_pages(client, request_400):
    # The 400 page is drawn before the login is read, so it looks logged out; the logged-out
    # pages' script that forgets the saved canvass routes must not run there.
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = request_400(client)
    assert response.status_code == 400
    assert "canvass-forget.js" not in response.content.decode()
    # (A logged-out page does carry it, so the check above looks for the right name.)
    assert "canvass-forget.js" in Client().get("/").content.decode()
