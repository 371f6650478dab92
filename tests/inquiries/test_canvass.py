"""The canvass pages of a route (INQ-5, INQ-6): the route page with the doors in walking order and
their status, the door form rendered from the inquiry's questionnaire, storing a visit without
JavaScript (once per idempotency key, also when "save" is pressed twice), the form's own messages
in the user's language, and who may open the pages; plus the service worker, manifest and offline
page the phone keeps."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from samenveilig.inquiries import services
from samenveilig.inquiries.models import CanvassVisit
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from tests.conftest import login

pytestmark = pytest.mark.django_db


# --- scene ----------------------------------------------------------------------------------------


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


def as_user(client, user, language="en", *, privileged=False):
    """The user reads the site in ``language`` (their own language wins over the request's)."""
    user.language = language
    user.save(update_fields=["language"])
    return login(client, user, with_mfa=privileged)


def route_url(route):
    return reverse(
        "inquiries:canvass_route",
        kwargs={"reference": route.inquiry.reference, "position": route.position},
    )


def door_url(route, stop):
    return reverse(
        "inquiries:canvass_door",
        kwargs={
            "reference": route.inquiry.reference,
            "position": route.position,
            "stop_id": stop.pk,
        },
    )


def stops(route):
    return list(route.stops.select_related("address").order_by("position"))


def not_home_post(key="srv-test-key-0001", **extra):
    return {
        "idempotency_key": key,
        "q/outcome": "niet_thuis",
        "q/leaflet_left": "yes",
        **extra,
    }


def spoken_post(key, **answers):
    data = {
        "idempotency_key": key,
        "q/outcome": "gesproken",
        "q/conversation/saw_something": "no",
        "q/conversation/camera": "no",
        "q/conversation/contact_consent": "no",
        "q/leaflet_left": "no",
    }
    data.update(answers)
    return data


def hidden_key(html):
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match, "the door form carries an idempotency key"
    return match.group(1)


# --- route page -----------------------------------------------------------------------------------


def test_the_pair_sees_the_doors_in_walking_order_with_their_status(client, scene, route):
    anna = scene.canvassers[0]
    doors = stops(route)
    services.visit_record(
        actor=anna,
        stop=doors[0],
        answers={"outcome": "niet_thuis", "leaflet_left": "yes"},
        idempotency_key="k-route-0001",
    )
    services.visit_record(
        actor=anna,
        stop=doors[1],
        answers={
            "outcome": "gesproken",
            "conversation": {
                "saw_something": "yes",
                "what_seen": "Een man met een breekijzer",
                "camera": "no",
                "contact_consent": "no",
            },
            "leaflet_left": "no",
        },
        idempotency_key="k-route-0002",
    )
    response = as_user(client, anna).get(route_url(route))
    assert response.status_code == 200
    html = response.text
    positions = [html.index(f'id="door-{stop.pk}"') for stop in doors]
    assert positions == sorted(positions), "doors in walking order"
    for stop in doors:
        assert door_url(route, stop) in html
    first = html[positions[0] : positions[1]]
    second = html[positions[1] : positions[2]]
    third = html[positions[2] : positions[3]]
    assert "Not at home" in first
    assert "Spoke with resident" in second and "canvass-door--lead" in second
    assert "Not visited yet" in third and "canvass-door--lead" not in third
    assert f"2 of {len(doors)} doors visited, 1 spoken with." in html
    assert "1 lead." in html
    assert "Bram" in html  # the partner
    assert reverse("inquiries:canvass_manifest") in html


def test_the_victims_door_is_not_on_the_route_page(client, scene, inquiry, route):
    victim = inquiry.addresses.get(is_victim=True)
    for page_route in inquiry.routes.filter(first_canvasser=scene.canvassers[0]):
        html = as_user(client, scene.canvassers[0]).get(route_url(page_route)).text
        assert f'id="door-{victim.pk}"' not in html
    # Nor can its form be opened under a route's address.
    response = as_user(client, scene.canvassers[0]).get(door_url(route, victim))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["other_canvasser", "police", "coordinator"])
def test_people_who_do_not_walk_the_route_are_refused(client, scene, route, who):
    user = {
        "other_canvasser": scene.canvassers[2],
        "police": scene.police,
        "coordinator": scene.coordinator,
    }[who]
    client = as_user(client, user, privileged=who != "other_canvasser")
    assert client.get(route_url(route)).status_code == 403
    assert client.get(door_url(route, stops(route)[0])).status_code == 403


@pytest.mark.parametrize("who", ["member", "outsider", "other_police"])
def test_people_who_may_not_see_the_inquiry_get_a_404(client, scene, route, who):
    client = as_user(client, getattr(scene, who), privileged=who == "other_police")
    assert client.get(route_url(route)).status_code == 404
    assert client.get(door_url(route, stops(route)[0])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, route):
    for url in (route_url(route), door_url(route, stops(route)[0])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_a_closed_inquiry_is_not_canvassed_any_more(client, scene, inquiry, route):
    services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)
    anna = as_user(client, scene.canvassers[0])
    assert anna.get(route_url(route)).status_code == 403
    response = anna.post(door_url(route, stops(route)[0]), not_home_post())
    assert response.status_code == 403
    assert not CanvassVisit.objects.exists()


def test_an_unknown_route_or_door_is_a_404(client, scene, route, other_route):
    anna = as_user(client, scene.canvassers[0])
    missing = reverse(
        "inquiries:canvass_route", kwargs={"reference": route.inquiry.reference, "position": 99}
    )
    assert anna.get(missing).status_code == 404
    # A door of the other pair's route is not a door of this route.
    assert anna.get(door_url(route, stops(other_route)[0])).status_code == 404


# --- door form without JavaScript ----------------------------------------------------------------


def test_the_door_form_renders_the_inquirys_questionnaire(client, scene, inquiry, route):
    response = as_user(client, scene.canvassers[0]).get(door_url(route, stops(route)[0]))
    assert response.status_code == 200
    html = response.text
    assert 'name="q/outcome"' in html
    assert 'name="q/conversation/saw_something"' in html
    assert f'name="questionnaire_id" value="{inquiry.questionnaire.pk}"' in html
    assert "Outcome of the visit" in html  # the label in the user's language
    key = hidden_key(html)
    assert key != hidden_key(
        as_user(client, scene.canvassers[0]).get(door_url(route, stops(route)[0])).text
    )


def test_the_door_form_in_dutch(client, scene, route):
    html = as_user(client, scene.canvassers[0], "nl").get(door_url(route, stops(route)[0])).text
    assert "Resultaat van het bezoek" in html


def test_saving_twice_with_the_same_form_stores_one_visit(client, scene, route):
    anna = as_user(client, scene.canvassers[0])
    stop = stops(route)[0]
    key = hidden_key(anna.get(door_url(route, stop)).text)
    first = anna.post(door_url(route, stop), not_home_post(key))
    assert first.status_code == 302
    assert first.url == route_url(route) + f"#door-{stop.pk}"
    second = anna.post(door_url(route, stop), not_home_post(key))
    assert second.status_code == 302
    visit = CanvassVisit.objects.get()
    assert (visit.stop, visit.outcome, visit.visited_by) == (
        stop,
        "niet_thuis",
        scene.canvassers[0],
    )
    assert visit.answer_set.idempotency_key == key
    page = anna.get(route_url(route)).text
    assert "is stored" in page and "Not at home" in page


def test_the_partner_may_record_too(client, scene, route):
    bram = as_user(client, scene.canvassers[1])
    stop = stops(route)[2]
    assert bram.post(door_url(route, stop), spoken_post("srv-bram-0001")).status_code == 302
    assert CanvassVisit.objects.get().visited_by == scene.canvassers[1]


@pytest.mark.parametrize(
    ("language", "phone_message", "required_message"),
    [
        ("en", "Enter a Dutch phone number, e.g. 06 12345678.", "This question is required."),
        (
            "nl",
            "Vul een Nederlands telefoonnummer in, bijv. 06 12345678.",
            "Deze vraag is verplicht.",
        ),
    ],
)
def test_answers_the_form_refuses_come_back_with_its_messages(
    client, scene, route, language, phone_message, required_message
):
    anna = as_user(client, scene.canvassers[0], language)
    stop = stops(route)[0]
    data = spoken_post(
        "srv-bad-00001", **{"q/conversation/contact_consent": "yes", "q/conversation/phone": "12"}
    )
    del data["q/leaflet_left"]
    response = anna.post(door_url(route, stop), data)
    assert response.status_code == 400
    html = response.text
    assert phone_message in html
    assert required_message in html
    assert 'value="12"' in html  # the answers stay in the form
    assert hidden_key(html) == "srv-bad-00001"  # correcting and saving is still the same visit
    assert not CanvassVisit.objects.exists()
    assert not AnswerSet.objects.exists()
    # Corrected, the same form stores it once.
    data["q/conversation/phone"] = "06 12345678"
    data["q/leaflet_left"] = "yes"
    assert anna.post(door_url(route, stop), data).status_code == 302
    visit = CanvassVisit.objects.get()
    assert (
        visit.wants_contact and visit.answer_set.answers["conversation"]["phone"] == "06 12345678"
    )


def test_the_update_button_shows_the_questions_that_apply_without_saving(client, scene, route):
    anna = as_user(client, scene.canvassers[0])
    stop = stops(route)[0]
    data = {"idempotency_key": "srv-update-001", "q/outcome": "gesproken", "q/_update": "1"}
    response = anna.post(door_url(route, stop), data)
    assert response.status_code == 200
    assert not CanvassVisit.objects.exists()
    # The conversation group is relevant now: its first question is no longer hidden.
    node = re.search(r'<div class="q-node q-group" id="q:conversation:node"[^>]*>', response.text)
    assert node and "hidden" not in node.group(0)


def test_a_form_of_an_older_version_is_stored_with_that_version(client, scene, inquiry, route):
    old = older_version(inquiry.questionnaire)
    anna = as_user(client, scene.canvassers[0])
    stop = stops(route)[0]
    data = {
        "idempotency_key": "srv-old-00001",
        "questionnaire_id": str(old.pk),
        "q/outcome": "niet_thuis",
    }
    # No leaflet answer: the older version does not require it, the current one does.
    assert anna.post(door_url(route, stop), data).status_code == 302
    assert CanvassVisit.objects.get().answer_set.questionnaire == old


def test_a_form_of_another_questionnaire_is_refused(client, scene, route):
    other = Questionnaire.objects.create(
        name="Other", form_id="other_form", version="1", definition={"children": [], "choices": {}}
    )
    anna = as_user(client, scene.canvassers[0])
    data = not_home_post(questionnaire_id=str(other.pk))
    assert anna.post(door_url(route, stops(route)[0]), data).status_code == 404
    assert not CanvassVisit.objects.exists()


def test_another_canvasser_cannot_post_a_visit(client, scene, route):
    carla = as_user(client, scene.canvassers[2])
    assert carla.post(door_url(route, stops(route)[0]), not_home_post()).status_code == 403
    assert not CanvassVisit.objects.exists()


def older_version(current: Questionnaire) -> Questionnaire:
    """An earlier version of the same form in which the leaflet question was optional."""
    definition = dict(current.definition)
    definition["children"] = [
        {**node, "required": ""} if node.get("name") == "leaflet_left" else node
        for node in current.definition["children"]
    ]
    definition["version"] = "2025010101"
    return Questionnaire.objects.create(
        name=current.name,
        form_id=current.form_id,
        version="2025010101",
        definition=definition,
        is_active=False,
    )


# --- offline pieces -------------------------------------------------------------------------------


def test_the_service_worker_covers_the_canvass_pages_only(client):
    response = client.get(reverse("inquiries:canvass_sw"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/buurtonderzoek/"
    assert response["Cache-Control"] == "no-cache"
    assert reverse("inquiries:canvass_sw") == "/buurtonderzoek/sw.js"
    # The Web Push worker of the alerts keeps its own scope.
    assert reverse("alerts:sw") == "/signalementen/sw.js"
    assert "precache" in response.content.decode()


def test_the_manifest_makes_the_canvass_installable(client, scene):
    response = as_user(client, scene.canvassers[0], "nl").get(reverse("inquiries:canvass_manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["start_url"] == data["scope"] == "/buurtonderzoek/"
    assert data["display"] == "standalone"
    assert data["lang"] == "nl"
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_offline_page_needs_no_login_and_holds_no_personal_data(client):
    response = client.get(reverse("inquiries:canvass_offline"))
    assert response.status_code == 200
    assert "data-saved-routes" in response.text


def test_the_route_page_tells_canvass_js_what_to_keep(client, scene, route):
    import html as html_lib
    import json

    page = as_user(client, scene.canvassers[0]).get(route_url(route)).text
    raw = re.search(r'data-config="([^"]+)"', page).group(1)
    config = json.loads(html_lib.unescape(raw))
    assert config["user"] == scene.canvassers[0].pk
    assert config["routeUrl"] == route_url(route)
    assert config["syncUrl"] == "/api/v1/inquiries/visits/sync"
    assert config["bundleUrl"] == (
        f"/api/v1/inquiries/{route.inquiry.reference}/routes/{route.position}"
    )
    assert set(config["precache"]) >= {
        route_url(route),
        *(door_url(route, s) for s in stops(route)),
    }
    assert "/static/inquiries/canvass.js" in config["assets"]
    assert config["text"]["waiting"]["other"] == "{n} visits are waiting to be sent."
