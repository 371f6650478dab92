"""The canvass API (INQ-5, INQ-6): the route bundle for the pair and the batch sync of the offline
queue — allowed and refused roles, one visit per idempotency key (duplicates in one batch and a
second sync), mixed good and bad items each with their own result, an older questionnaire version
kept, the form's messages in Dutch and English, never a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samenveilig.inquiries import api as inquiries_api
from samenveilig.inquiries import services
from samenveilig.inquiries.models import CanvassVisit
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from tests.factories import CommunityFactory
from tests.inquiries.test_canvass import as_user, older_version, stops

pytestmark = pytest.mark.django_db

SYNC_URL = "/api/v1/inquiries/visits/sync"


@pytest.fixture
def inquiry(scene):
    inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=8))
    for user in scene.canvassers:
        services.canvass_signup(actor=user, inquiry=inquiry)
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)  # Anna+Bram, Carla+Dirk
    return inquiry


@pytest.fixture
def route(inquiry):
    return inquiry.routes.order_by("position").first()


@pytest.fixture
def other_route(inquiry):
    return inquiry.routes.order_by("position")[1]


def bundle_url(route):
    return f"/api/v1/inquiries/{route.inquiry.reference}/routes/{route.position}"


def not_home():
    return {"outcome": "niet_thuis", "leaflet_left": "yes"}


def spoken(**conversation):
    talk = {"saw_something": "no", "camera": "no", "contact_consent": "no", **conversation}
    return {"outcome": "gesproken", "conversation": talk, "leaflet_left": "no"}


def item(stop, key, answers=None, **extra):
    return {
        "idempotency_key": key,
        "stop_id": stop.pk,
        "questionnaire_id": stop.inquiry.questionnaire_id,
        "answers": answers if answers is not None else not_home(),
        "visited_at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
        **extra,
    }


def sync(client, visits):
    return client.post(SYNC_URL, json.dumps({"visits": visits}), content_type="application/json")


def statuses(response):
    return [result["status"] for result in response.json()["results"]]


# --- route bundle ---------------------------------------------------------------------------------


def test_the_pair_gets_the_route_bundle(client, scene, inquiry, route):
    response = as_user(client, scene.canvassers[0]).get(bundle_url(route))
    assert response.status_code == 200
    data = response.json()
    doors = stops(route)
    assert [d["stop_id"] for d in data["doors"]] == [s.pk for s in doors]
    assert data["doors"][0]["address"].startswith(doors[0].address.street)
    assert data["doors"][0]["status"] == "not_visited"
    assert data["doors"][0]["form_url"].endswith(f"/deur/{doors[0].pk}/")
    questionnaire = inquiry.questionnaire
    assert data["questionnaire"]["id"] == questionnaire.pk
    assert data["questionnaire"]["version"] == questionnaire.version
    assert data["questionnaire"]["form_id"] == "buurtonderzoek"
    assert data["questionnaire"]["definition"]["children"]
    assert data["route"]["partner"] == "Bram"
    assert data["language"] == "en"
    assert data["labels"]["niet_thuis"] == "Not at home"
    assert data["sync_url"] == SYNC_URL
    victim = inquiry.addresses.get(is_victim=True)
    assert victim.pk not in [d["stop_id"] for d in data["doors"]]


def test_the_bundle_speaks_dutch_to_a_dutch_user(client, scene, route):
    data = as_user(client, scene.canvassers[1], "nl").get(bundle_url(route)).json()
    assert data["language"] == "nl"
    assert set(data["labels"]) >= {"not_visited", "niet_thuis", "wil_niet", "gesproken", "lead"}
    assert data["route"]["partner"] == "Anna"


def test_the_bundle_shows_visits_and_leads(client, scene, route):
    doors = stops(route)
    services.visit_record(
        actor=scene.canvassers[0],
        stop=doors[0],
        answers=spoken(saw_something="yes", what_seen="Twee mannen bij de achterdeur"),
        idempotency_key="k-bundle-001",
    )
    data = as_user(client, scene.canvassers[0]).get(bundle_url(route)).json()
    first = data["doors"][0]
    assert (first["status"], first["is_lead"], first["visits"]) == ("gesproken", True, 1)


@pytest.mark.parametrize("who", ["other_canvasser", "police", "coordinator"])
def test_the_bundle_is_refused_to_who_does_not_walk_the_route(client, scene, route, who):
    user = {
        "other_canvasser": scene.canvassers[2],
        "police": scene.police,
        "coordinator": scene.coordinator,
    }[who]
    response = as_user(client, user, privileged=who != "other_canvasser").get(bundle_url(route))
    assert response.status_code == 403
    assert response.json()["detail"]


@pytest.mark.parametrize("who", ["member", "outsider", "other_police"])
def test_the_bundle_of_an_inquiry_one_cannot_see_is_a_404(client, scene, route, who):
    user = getattr(scene, who)
    response = as_user(client, user, privileged=who == "other_police").get(bundle_url(route))
    assert response.status_code == 404


def test_the_bundle_needs_a_login(client, route):
    assert client.get(bundle_url(route)).status_code == 401


def test_the_bundle_of_a_closed_inquiry_is_refused(client, scene, inquiry, route):
    services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)
    assert as_user(client, scene.canvassers[0]).get(bundle_url(route)).status_code == 403


def test_a_malformed_reference_is_a_422(client, scene):
    response = as_user(client, scene.canvassers[0]).get("/api/v1/inquiries/nonsense/routes/1")
    assert response.status_code == 422


# --- batch sync -----------------------------------------------------------------------------------


def test_a_batch_is_stored_once_per_key(client, scene, route):
    doors = stops(route)
    anna = as_user(client, scene.canvassers[0])
    visits = [
        item(doors[0], "web-key-000001"),
        item(doors[1], "web-key-000002", spoken(camera="yes", camera_keep="OK")),
        item(doors[0], "web-key-000001"),  # the same visit queued twice
    ]
    response = sync(anna, visits)
    assert response.status_code == 200
    body = response.json()
    assert statuses(response) == ["stored", "stored", "already_stored"]
    assert (body["stored"], body["already_stored"], body["refused"]) == (2, 1, 0)
    assert CanvassVisit.objects.count() == 2
    assert body["results"][0]["visit_id"] == body["results"][2]["visit_id"]
    # The phone did not hear the answer and sends everything again: still two.
    again = sync(anna, visits)
    assert statuses(again) == ["already_stored"] * 3
    assert CanvassVisit.objects.count() == 2
    assert AnswerSet.objects.count() == 2
    camera = CanvassVisit.objects.get(stop=doors[1])
    assert camera.has_camera and camera.visited_by == scene.canvassers[0]


def test_the_time_of_the_visit_is_the_phones(client, scene, route):
    stop = stops(route)[0]
    when = timezone.now() - dt.timedelta(hours=2)
    sync(
        as_user(client, scene.canvassers[0]),
        [item(stop, "web-time-0001", visited_at=when.isoformat())],
    )
    visit = CanvassVisit.objects.get()
    assert abs((visit.visited_at - when).total_seconds()) < 1
    assert visit.answer_set.submitted_at == visit.visited_at


def test_the_partner_resending_a_stored_visit_gets_already_stored(client, scene, route):
    stop = stops(route)[0]
    sync(as_user(client, scene.canvassers[0]), [item(stop, "web-pair-0001")])
    response = sync(as_user(Client(), scene.canvassers[1]), [item(stop, "web-pair-0001")])
    assert statuses(response) == ["already_stored"]
    assert CanvassVisit.objects.count() == 1


def test_good_and_bad_items_each_get_their_own_result(client, scene, inquiry, route, other_route):
    doors = stops(route)
    victim = inquiry.addresses.get(is_victim=True)
    incomplete = {"outcome": "gesproken", "leaflet_left": "no"}  # the conversation is missing
    visits = [
        item(doors[0], "web-mixed-0001"),
        item(doors[1], "web-mixed-0002", incomplete),
        {"idempotency_key": "web-mixed-0003", "answers": not_home()},  # no door
        item(stops(other_route)[0], "web-mixed-0004"),  # the other pair's door
        item(victim, "web-mixed-0005"),  # the victim's door: police or coordinator
        "not even an object",
        item(doors[2], "bad key!"),
        item(doors[3], "web-mixed-0008", questionnaire_id=999_999),
        item(doors[4], "web-mixed-0009", spoken()),
    ]
    response = sync(as_user(client, scene.canvassers[0]), visits)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "stored",
        "refused",
        "refused",
        "forbidden",
        "forbidden",
        "refused",
        "refused",
        "refused",
        "stored",
    ]
    assert [r["index"] for r in results] == list(range(len(visits)))
    assert {e["field"] for e in results[1]["errors"]} >= {"conversation/saw_something"}
    assert any(e["field"] == "stop_id" for e in results[2]["errors"])
    assert results[2]["idempotency_key"] == "web-mixed-0003"
    assert any(e["field"] == "idempotency_key" for e in results[6]["errors"])
    assert any(e["field"] == "questionnaire_id" for e in results[7]["errors"])
    assert set(CanvassVisit.objects.values_list("stop_id", flat=True)) == {doors[0].pk, doors[4].pk}
    body = response.json()
    assert (body["stored"], body["refused"], body["failed"]) == (2, 7, 0)


def test_an_unexpected_error_costs_only_its_own_item(client, scene, route, monkeypatch, caplog):
    # The batch write fails (after its answer sets and visits were inserted: they roll back);
    # every visit is then stored on its own, where one keeps failing.
    doors = stops(route)
    real = services.visit_record

    def flaky(**kwargs):
        if kwargs["idempotency_key"] == "web-flaky-0002":
            raise RuntimeError("disk full")
        return real(**kwargs)

    def broken_chain(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(inquiries_api.services, "visit_record", flaky)
    monkeypatch.setattr(inquiries_api.services.audit, "record_many", broken_chain)
    visits = [
        item(doors[0], "web-flaky-0001"),
        item(doors[1], "web-flaky-0002"),
        item(doors[2], "web-flaky-0003"),
    ]
    response = sync(as_user(client, scene.canvassers[0]), visits)
    assert response.status_code == 200
    assert statuses(response) == ["stored", "failed", "stored"]
    assert response.json()["failed"] == 1
    # Logged by type only: the message (which could hold answers) stays out of the logs.
    assert "canvass sync item failed" in caplog.text
    assert "disk full" not in caplog.text
    assert CanvassVisit.objects.count() == 2
    # Sent again later, the failed one is stored and the others are not doubled.
    monkeypatch.undo()
    assert statuses(sync(client, visits)) == ["already_stored", "stored", "already_stored"]
    assert CanvassVisit.objects.count() == 3


def test_a_visit_made_on_an_older_version_is_kept_under_that_version(client, scene, inquiry, route):
    old = older_version(inquiry.questionnaire)
    doors = stops(route)
    without_leaflet = {"outcome": "niet_thuis"}  # optional in the old version, required now
    response = sync(
        as_user(client, scene.canvassers[0]),
        [
            item(doors[0], "web-old-00001", without_leaflet, questionnaire_id=old.pk),
            item(doors[1], "web-new-00001", without_leaflet),
        ],
    )
    assert statuses(response) == ["stored", "refused"]
    visit = CanvassVisit.objects.get()
    assert visit.answer_set.questionnaire == old
    assert visit.stop == doors[0]


def test_a_version_of_another_form_or_another_group_is_refused(client, scene, inquiry, route):
    other_form = Questionnaire.objects.create(
        name="Other", form_id="other_form", version="1", definition={"children": [], "choices": {}}
    )
    elsewhere = older_version(inquiry.questionnaire)
    elsewhere.community = CommunityFactory(name="Elders")
    elsewhere.save()
    doors = stops(route)
    response = sync(
        as_user(client, scene.canvassers[0]),
        [
            item(doors[0], "web-form-00001", questionnaire_id=other_form.pk),
            item(doors[1], "web-group-0001", questionnaire_id=elsewhere.pk),
        ],
    )
    assert statuses(response) == ["refused", "refused"]
    assert not CanvassVisit.objects.exists()


@pytest.mark.parametrize(
    ("language", "phone", "required"),
    [
        ("en", "Enter a Dutch phone number, e.g. 06 12345678.", "This question is required."),
        (
            "nl",
            "Vul een Nederlands telefoonnummer in, bijv. 06 12345678.",
            "Deze vraag is verplicht.",
        ),
    ],
)
def test_refusals_carry_the_forms_messages_in_the_users_language(
    client, scene, route, language, phone, required
):
    answers = spoken(contact_consent="yes", phone="12")
    del answers["leaflet_left"]
    response = sync(
        as_user(client, scene.canvassers[0], language),
        [item(stops(route)[0], "web-lang-0001", answers)],
    )
    (result,) = response.json()["results"]
    assert result["status"] == "refused"
    messages = {e["field"]: e["message"] for e in result["errors"]}
    assert messages == {"conversation/phone": phone, "leaflet_left": required}
    assert not AnswerSet.objects.exists()


def test_malformed_items_are_refused_with_the_apis_translated_messages(client, scene, route):
    # These carried pydantic's English ('Input should be a valid dictionary or instance of
    # VisitIn', 'Field required', ...) in every language.
    door = stops(route)[0]
    an_object = "Enter a JSON object with the fields described."
    cases = [
        ("a visit", {"__all__": an_object}),
        (42, {"__all__": an_object}),
        (None, {"__all__": an_object}),
        ([item(door, "web-shape-0001")], {"__all__": an_object}),
        (
            {},
            {
                "idempotency_key": "This field is required.",
                "stop_id": "This field is required.",
                "answers": "This field is required.",
            },
        ),
        (item(door, "web-shape-0002", answers="niet thuis"), {"answers": an_object}),
        (item(door, "web-shape-0003", answers=["niet_thuis"]), {"answers": an_object}),
        (item(door, "web-shape-0004", stop_id="door one"), {"stop_id": "Enter a whole number."}),
        # Year 1 at +14:00 is before year 1 in UTC: PostgreSQL stored it and could not read it.
        (
            item(door, "web-shape-0006", visited_at="0001-01-01T00:00:00+14:00"),
            {"visited_at": "visited_at must lie between the years 1900 and 2999."},
        ),
        (
            item(door, "web-shape-0007", visited_at="0001-01-01T00:00:00"),
            {"visited_at": "visited_at must lie between the years 1900 and 2999."},
        ),
        (
            item(door, "web-shape-0008", visited_at="9999-12-31T23:59:59-14:00"),
            {"visited_at": "visited_at must lie between the years 1900 and 2999."},
        ),
        (
            item(door, "web-shape-0005", visited_at="yesterday"),
            {
                "visited_at": (
                    "Enter a date and time in ISO 8601, for example 2026-03-14T21:30:00+01:00."
                )
            },
        ),
        (
            item(door, "web-shape-0006", questionnaire_id=0),
            {"questionnaire_id": "Enter a number of at least 1."},
        ),
        (
            item(door, "bad key!"),
            {"idempotency_key": "This value does not have the expected form."},
        ),
    ]
    counts = (CanvassVisit.objects.count(), AnswerSet.objects.count())
    response = sync(as_user(client, scene.canvassers[0]), [visit for visit, _ in cases])
    assert response.status_code == 200
    results = response.json()["results"]
    assert statuses(response) == ["refused"] * len(cases)
    for result, (_, expected) in zip(results, cases, strict=True):
        assert result["detail"] == "This item is not a visit the server can read."
        assert {e["field"]: e["message"] for e in result["errors"]} == expected, result
    assert (CanvassVisit.objects.count(), AnswerSet.objects.count()) == counts


def test_a_malformed_item_is_refused_in_dutch(client, scene, route):
    response = sync(as_user(client, scene.canvassers[0], "nl"), ["een bezoek", {}])
    first, second = response.json()["results"]
    assert first["errors"] == [
        {"field": "__all__", "message": "Vul een JSON-object in met de beschreven velden."}
    ]
    assert {e["message"] for e in second["errors"]} == {"Dit veld is verplicht."}
    assert not CanvassVisit.objects.exists()


def test_a_key_used_for_another_door_is_refused(client, scene, route):
    doors = stops(route)
    anna = as_user(client, scene.canvassers[0])
    sync(anna, [item(doors[0], "web-twice-0001")])
    response = sync(anna, [item(doors[1], "web-twice-0001")])
    assert statuses(response) == ["refused"]
    assert CanvassVisit.objects.get().stop == doors[0]


@pytest.mark.parametrize("who", ["other_canvasser", "member", "outsider", "police"])
def test_others_cannot_sync_visits_of_the_route(client, scene, route, who):
    user = {
        "other_canvasser": scene.canvassers[2],
        "member": scene.member,
        "outsider": scene.outsider,
        "police": scene.police,
    }[who]
    response = sync(
        as_user(client, user, privileged=who == "police"), [item(stops(route)[0], "web-other-0001")]
    )
    assert response.status_code == 200
    assert statuses(response) == ["forbidden"]
    assert not CanvassVisit.objects.exists()


def test_a_closed_inquiry_takes_no_more_visits(client, scene, inquiry, route):
    services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)
    response = sync(as_user(client, scene.canvassers[0]), [item(stops(route)[0], "web-closed-001")])
    assert statuses(response) == ["forbidden"]
    assert not CanvassVisit.objects.exists()


def test_the_victims_door_is_for_the_police(client, scene, inquiry):
    victim = inquiry.addresses.get(is_victim=True)
    response = sync(
        as_user(client, scene.police, privileged=True), [item(victim, "web-victim-001")]
    )
    assert statuses(response) == ["stored"]
    assert CanvassVisit.objects.get().stop == victim


def test_sync_needs_a_login(client, route):
    response = sync(client, [item(stops(route)[0], "web-anon-00001")])
    assert response.status_code == 401
    assert not CanvassVisit.objects.exists()


def test_sync_needs_the_csrf_token(scene, route):
    browser = as_user(Client(enforce_csrf_checks=True), scene.canvassers[0])
    response = sync(browser, [item(stops(route)[0], "web-csrf-00001")])
    assert response.status_code == 403
    assert not CanvassVisit.objects.exists()
    browser.get(reverse("inquiries:list"))  # sets the CSRF cookie, as a page does
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        SYNC_URL,
        json.dumps({"visits": [item(stops(route)[0], "web-csrf-00001")]}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert statuses(response) == ["stored"]


def test_a_batch_larger_than_the_limit_is_refused_whole(client, scene, route):
    stop = stops(route)[0]
    visits = [item(stop, f"web-many-{i:05d}") for i in range(inquiries_api.MAX_BATCH + 1)]
    response = sync(as_user(client, scene.canvassers[0]), visits)
    assert response.status_code == 422
    assert response.json()["errors"]
    assert not CanvassVisit.objects.exists()


def test_a_body_that_is_not_a_batch_is_a_422(client, scene):
    anna = as_user(client, scene.canvassers[0])
    assert anna.post(SYNC_URL, "[]", content_type="application/json").status_code == 422
    assert anna.post(SYNC_URL, "{nonsense", content_type="application/json").status_code in (
        400,
        422,
    )
