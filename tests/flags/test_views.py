"""Pages of partner flags under /signalen/ and the signals on the partner pages: allowed and
refused roles for every page and endpoint, field-level messages, the hit/no-hit form by POST,
and members' pages that stay byte for byte the same whether or not an item hit a flag."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samenveilig.core.models import AuditEvent
from samenveilig.flags import services
from samenveilig.flags.models import Flag, FlagHit, FlagLookup
from samenveilig.flags.services import latest_expiry
from tests.conftest import login
from tests.flags.conftest import (
    PLATE_NORMALISED,
    category,
    record_visit,
    send_alert,
    set_flag,
    start_inquiry,
    submit_report,
    vehicle_answers,
)

pytestmark = pytest.mark.django_db

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def as_user(user) -> Client:
    return login(Client(), user)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return CSRF_RE.sub('name="csrfmiddlewaretoken" value=""', response.content.decode())


def test_urls_are_mounted_where_agreed():
    assert reverse("flags:list") == "/signalen/"
    assert reverse("flags:new") == "/signalen/nieuw/"
    assert reverse("flags:lookup") == "/signalen/raadplegen/"
    assert reverse("flags:hits") == "/signalen/treffers/"
    assert reverse("flags:detail", args=[7]) == "/signalen/7/"


def new_flag_data(**overrides):
    data = {
        "kind": "licence_plate",
        "identifier": "vx-123-b",
        "category": str(category().pk),
        "owner_role": "police",
        "owner_contact": "Wijkagent Zuid, 0900-8844",
        "visible_to": ["police", "municipality"],
        "expires_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        "note": "Verdacht van drugskoerierswerk",
    }
    data.update(overrides)
    return data


def lookup_data(**overrides):
    data = {
        "kind": "licence_plate",
        "identifier": "VX 123 B",
        "purpose": "report",
        "purpose_note": "Melding M-12345678",
    }
    data.update(overrides)
    return data


# --- refused roles on every page and endpoint ------------------------------------------------


ENDPOINTS = [
    ("flags:list", False, "get"),
    ("flags:new", False, "get"),
    ("flags:new", False, "post"),
    ("flags:lookup", False, "get"),
    ("flags:lookup", False, "post"),
    ("flags:hits", False, "get"),
    ("flags:hits_seen", False, "post"),
    ("flags:detail", True, "get"),
    ("flags:extend", True, "post"),
    ("flags:end", True, "post"),
]


@pytest.mark.parametrize("name,with_flag,method", ENDPOINTS)
def test_anonymous_is_sent_to_login(client, world, name, with_flag, method):
    args = [set_flag(world.police_zuid).pk] if with_flag else []
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["member", "coordinator", "resident"])
@pytest.mark.parametrize("name,with_flag,method", ENDPOINTS)
def test_members_and_residents_are_refused(world, who, name, with_flag, method):
    args = [set_flag(world.police_zuid).pk] if with_flag else []
    response = getattr(as_user(getattr(world, who)), method)(reverse(name, args=args))
    # Someone else's flag is not found at all; the pages for partners are forbidden.
    assert response.status_code == (404 if with_flag else 403)
    flag = Flag.objects.first()
    if flag is not None:
        assert flag.ended_at is None


@pytest.mark.parametrize(
    "name,method", [("flags:detail", "get"), ("flags:extend", "post"), ("flags:end", "post")]
)
def test_another_partner_does_not_find_someone_elses_flag(world, name, method):
    flag = set_flag(world.police_zuid)
    for other in (world.police_noord, world.municipality):
        response = getattr(as_user(other), method)(reverse(name, args=[flag.pk]))
        assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.ended_at is None


def test_a_partner_type_that_may_not_set_flags_still_asks_and_sees_hits(world, settings):
    settings.FLAG_SETTER_ROLES = ["police"]
    client = as_user(world.municipality)
    assert client.get(reverse("flags:list")).status_code == 403
    assert client.get(reverse("flags:new")).status_code == 403
    assert client.get(reverse("flags:lookup")).status_code == 200
    assert client.get(reverse("flags:hits")).status_code == 200


# --- set, read back, extend, end ------------------------------------------------------------


def test_police_set_a_flag_through_the_form(world):
    client = as_user(world.police_zuid)
    form = page(client, reverse("flags:new"))
    assert 'name="expires_on"' in form and 'type="date"' in form
    response = client.post(reverse("flags:new"), new_flag_data())
    flag = Flag.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/signalen/{flag.pk}/"
    detail = page(client, response["Location"])
    assert PLATE_NORMALISED in detail and "drugskoerierswerk" in detail
    assert "Wijkagent Zuid, 0900-8844" in detail
    listing = page(client, reverse("flags:list"))
    assert f"/signalen/{flag.pk}/" in listing and PLATE_NORMALISED not in listing


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"identifier": "XX-??-99"}, "identifier", "Enter the whole licence plate"),
        (
            {"kind": "address", "postcode": "1234", "house_number": "1"},
            "postcode",
            "Dutch postcode",
        ),
        ({"expires_on": ""}, "expires_on", "This field is required."),
        (
            # Resolved when the test runs, not at collection: a run across midnight (Amsterdam)
            # would otherwise send a date that has become allowed.
            {"expires_on": lambda: (latest_expiry() + dt.timedelta(days=1)).isoformat()},
            "expires_on",
            "at most 12 months",
        ),
        ({"owner_contact": ""}, "owner_contact", "This field is required."),
        ({"category": ""}, "category", "This field is required."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    world, overrides, field, message
):
    overrides = {name: value() if callable(value) else value for name, value in overrides.items()}
    response = as_user(world.police_zuid).post(reverse("flags:new"), new_flag_data(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not Flag.objects.exists()


def test_the_owner_extends_and_ends_through_the_page(world):
    flag = set_flag(world.police_zuid, days=10)
    client = as_user(world.police_zuid)
    too_far = (latest_expiry() + dt.timedelta(days=3)).isoformat()
    response = client.post(reverse("flags:extend", args=[flag.pk]), {"expires_on": too_far})
    assert response.status_code == 400 and "at most 12 months" in response.content.decode()
    response = client.post(
        reverse("flags:extend", args=[flag.pk]), {"expires_on": latest_expiry().isoformat()}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert timezone.localtime(flag.expires_at).date() == latest_expiry() + dt.timedelta(days=1)
    response = client.post(reverse("flags:end", args=[flag.pk]))
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.ended_at is not None
    assert "Extend the flag" not in page(client, reverse("flags:detail", args=[flag.pk]))


def test_pages_with_identifiers_are_not_cached(world):
    flag = set_flag(world.police_zuid)
    response = as_user(world.police_zuid).get(reverse("flags:detail", args=[flag.pk]))
    assert "no-store" in response["Cache-Control"]


# --- hit/no-hit ----------------------------------------------------------------------------------


def test_a_partner_asks_by_post_and_sees_category_and_contact_only(world):
    set_flag(world.police_zuid, note="Geheime reden")
    client = as_user(world.municipality)
    page(client, reverse("flags:lookup"))
    response = client.post(reverse("flags:lookup"), lookup_data())
    html = response.content.decode()
    assert response.status_code == 200 and 'data-hit="yes"' in html
    assert "Flag: Subversive crime (ondermijning) — contact Wijkagent Zuid, 0900-8844" in html
    assert "Geheime" not in html
    # The question is not echoed back into the form.
    assert "VX 123 B" not in html
    assert FlagLookup.objects.get().asked_by == world.municipality


def test_a_no_hit_answer(world):
    response = as_user(world.police_noord).post(
        reverse("flags:lookup"), lookup_data(identifier="AB-12-CD")
    )
    assert 'data-hit="no"' in response.content.decode()


def test_a_question_in_the_url_is_not_asked(world):
    set_flag(world.police_zuid)
    response = as_user(world.police_noord).get(reverse("flags:lookup") + "?identifier=VX123B")
    assert response.status_code == 200 and "data-hit" not in response.content.decode()
    assert not FlagLookup.objects.exists()


def test_a_question_without_purpose_is_refused_with_a_message(world):
    response = as_user(world.police_noord).post(
        reverse("flags:lookup"), lookup_data(purpose="", purpose_note="")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_purpose_error"' in html and 'id="id_purpose_note_error"' in html
    assert not FlagLookup.objects.exists()


def test_a_bad_identifier_in_a_question_gets_a_message(world):
    response = as_user(world.police_noord).post(
        reverse("flags:lookup"), lookup_data(kind="kvk", identifier="123")
    )
    assert response.status_code == 400
    assert "A KvK number has 8 digits." in response.content.decode()


# --- the hits inbox -----------------------------------------------------------------------------


def test_the_hits_inbox_of_the_owner_and_of_a_partner(world):
    set_flag(world.police_noord)
    report = submit_report(world.member)
    owner = as_user(world.police_noord)
    html = page(owner, reverse("flags:hits"))
    assert "1 new hit of your flags." in html and "Zuid-West" in html
    assert report.reference not in html  # the owner may not open this report
    assert owner.post(reverse("flags:hits_seen")).status_code == 302
    assert FlagHit.objects.get().owner_seen_at is not None
    handler = page(as_user(world.police_zuid), reverse("flags:hits"))
    assert f"/meldingen/{report.reference}/behandelen/" in handler
    assert "Subversive crime" in handler


# --- signals on the partner pages; members see no difference -----------------------------------


def test_the_wijkagent_sees_the_signal_on_the_report_and_never_the_reason(world):
    set_flag(world.police_noord, note="Onderzoek loopt", contact="Agent Noord, 06-11112222")
    report = submit_report(world.member)
    html = page(as_user(world.police_zuid), reverse("reports:handle", args=[report.reference]))
    assert 'data-testid="flag-signals"' in html
    assert "Flag: Subversive crime (ondermijning) — contact Agent Noord, 06-11112222" in html
    assert "Onderzoek loopt" not in html


def test_a_partner_type_the_flag_is_not_shared_with_sees_no_signal(world):
    set_flag(world.municipality, visible_to=["municipality"])
    report = submit_report(world.member)
    html = page(as_user(world.police_zuid), reverse("reports:handle", args=[report.reference]))
    assert 'data-testid="flag-signals"' not in html


def _flag_and_match(world, item_type, item_id):
    set_flag(world.police_noord)
    services.match_item(item_type=item_type, item_id=item_id)
    assert FlagHit.objects.filter(item_type=item_type, item_id=item_id).exists()


def test_the_reporter_and_the_members_see_the_same_pages_with_or_without_a_hit(world):
    report = submit_report(world.member)
    assert not FlagHit.objects.exists()
    reporter = as_user(world.member)
    neighbour = as_user(world.coordinator)
    urls = [
        (reporter, reverse("reports:detail", args=[report.reference])),
        (reporter, reverse("reports:mine")),
        (reporter, reverse("reports:community")),
        (neighbour, reverse("reports:community")),
        (reporter, reverse("home")),
    ]
    before = [page(client, url) for client, url in urls]
    _flag_and_match(world, "report", report.pk)
    after = [page(client, url) for client, url in urls]
    assert before == after


def test_the_coordinator_sees_the_same_results_with_or_without_a_hit(world):
    inquiry = start_inquiry(world)
    visit = record_visit(world, inquiry, vehicle_answers())
    coordinator = as_user(world.coordinator)
    url = reverse("inquiries:results", args=[inquiry.reference])
    before = page(coordinator, url)
    _flag_and_match(world, "visit", visit.pk)
    assert page(coordinator, url) == before
    police = page(as_user(world.police_zuid), url)
    assert 'data-testid="flag-signals"' in police and "Kerkstraat 10" in police


def test_an_alert_recipient_sees_the_same_alert_with_or_without_a_hit(world):
    from tests.alerts.factories import inbox_delivery

    alert = send_alert(world.police_zuid)
    FlagHit.objects.all().delete()
    inbox_delivery(alert, world.member)
    member = as_user(world.member)
    url = reverse("alerts:detail", args=[alert.reference])
    page(member, url)  # the first view marks it read
    before = page(member, url)
    _flag_and_match(world, "alert", alert.pk)
    assert page(member, url) == before
    sender = page(as_user(world.police_zuid), url)
    assert 'data-testid="flag-signals"' in sender


# --- every hit seen is in the audit chain -------------------------------------------------------


def viewed_rows():
    return list(AuditEvent.objects.filter(action="flags.hits_viewed").order_by("sequence"))


def test_the_hits_inbox_records_which_hits_were_seen(world):
    set_flag(world.police_noord)
    submit_report(world.member)
    hit = FlagHit.objects.get()
    page(as_user(world.police_zuid), reverse("flags:hits"))
    [row] = viewed_rows()
    assert row.actor_id == world.police_zuid.pk
    assert row.details == {"where": "inbox", "hit_ids": [hit.pk]}


def test_the_owners_flag_page_records_its_hits(world):
    flag = set_flag(world.police_noord)
    submit_report(world.member)
    page(as_user(world.police_noord), reverse("flags:detail", args=[flag.pk]))
    [row] = viewed_rows()
    assert row.actor_id == world.police_noord.pk and row.details["where"] == "flag"
    assert row.details["hit_ids"] == [FlagHit.objects.get().pk]


@pytest.mark.parametrize("item_type", ["report", "visit", "alert"])
def test_a_signal_on_an_item_page_is_recorded(world, item_type):
    set_flag(world.police_noord)
    if item_type == "report":
        report = submit_report(world.member)
        url = reverse("reports:handle", args=[report.reference])
    elif item_type == "visit":
        inquiry = start_inquiry(world)
        record_visit(world, inquiry, vehicle_answers())
        url = reverse("inquiries:results", args=[inquiry.reference])
    else:
        alert = send_alert(world.police_zuid)
        url = reverse("alerts:detail", args=[alert.reference])
    hit = FlagHit.objects.get(item_type=item_type)
    html = page(as_user(world.police_zuid), url)
    assert 'data-testid="flag-signals"' in html
    [row] = viewed_rows()
    assert row.actor_id == world.police_zuid.pk
    assert row.details == {"where": item_type, "hit_ids": [hit.pk]}


def test_pages_without_a_visible_hit_record_nothing(world):
    set_flag(world.municipality, visible_to=["municipality"])
    report = submit_report(world.member)
    page(as_user(world.police_zuid), reverse("reports:handle", args=[report.reference]))
    page(as_user(world.police_zuid), reverse("flags:hits"))
    page(as_user(world.member), reverse("reports:detail", args=[report.reference]))
    assert viewed_rows() == []


# --- members and residents cannot infer a flag -------------------------------------------------


def _response(client: Client, method: str, url: str, data=None) -> tuple[int, str]:
    response = getattr(client, method)(url, data or {})
    body = response.content.decode()
    return response.status_code, CSRF_RE.sub("", body)


@pytest.mark.parametrize("who", ["member", "resident"])
def test_members_get_the_same_refusals_whether_or_not_a_flag_exists(world, who):
    """No page or endpoint answers a member differently when a flag exists: the lookup refuses
    the same question the same way, and a flag number that exists is as unknown as one that
    does not."""
    client = as_user(getattr(world, who))
    question = {
        "kind": "licence_plate",
        "identifier": "VX-123-B",
        "purpose": "report",
        "purpose_note": "nieuwsgierig",
    }

    def answers(pk: int) -> list[tuple[int, str]]:
        found = [
            _response(client, "post", reverse("flags:lookup"), question),
            _response(client, "get", reverse("flags:hits")),
            _response(client, "get", reverse("flags:detail", args=[pk])),
            _response(client, "post", reverse("flags:end", args=[pk])),
        ]
        # The page's own address (the language switch's "next") is the only part that differs.
        return [
            (status, body.replace(f"/signalen/{pk}/", "/signalen/N/")) for status, body in found
        ]

    before = answers(999_999)
    flag = set_flag(world.police_zuid)
    submit_report(world.member)
    assert FlagHit.objects.exists()
    assert answers(flag.pk) == before
    assert not FlagLookup.objects.exists()
    assert Flag.objects.get().ended_at is None


def test_sending_a_report_costs_the_same_queries_whether_or_not_it_hits(world):
    """Matching waits for the commit and runs in the worker: the member's own request does the
    same database work (and so takes the same time) with or without a flag on the plate."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Three places far apart, so each report starts an incident of its own.
    submit_report(world.member, run_commit=False)  # warm caches (categories, areas)

    def queries(lat: float, lon: float) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            submit_report(world.member, run_commit=False, lat=lat, lon=lon)
        # The shape of each query: literals (the new report's reference, times, ids) left out.
        return [
            re.sub(r"\d[\d.]*(?:e[+-]?\d+)?", "N", re.sub(r"'[^']*'", "?", q["sql"]))
            for q in captured.captured_queries
        ]

    without = queries(52.0025, 5.0075)
    set_flag(world.police_zuid)
    assert queries(52.0125, 5.0025) == without
