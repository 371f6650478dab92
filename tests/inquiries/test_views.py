"""Inquiry pages (INQ-1 … INQ-3): every page with an allowed and a refused role, the start form
with preview, field errors with nothing saved, following up a report, the detail page for
managers and canvassers, pairs (never alone), sign-up and the canvasser marks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from samenveilig.accounts.models import Role
from samenveilig.communities.models import MembershipRole
from samenveilig.inquiries import services
from samenveilig.inquiries.models import (
    CanvasserMark,
    CanvassRoute,
    CanvassSignup,
    IncidentKind,
    Inquiry,
    InquiryStatus,
)
from samenveilig.inquiries.views import canvass_url
from samenveilig.reports.models import Report
from tests.conftest import login
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, grant
from tests.inquiries.conftest import CENTRE

pytestmark = pytest.mark.django_db

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture(autouse=True)
def _english():
    """Assertions read the English msgids."""
    with translation.override("en"):
        yield


def as_user(client, user, *, privileged: bool = False, language: str = "en"):
    """Log in a user who reads the site in ``language`` (English by default): a user's own
    language wins over the test's override, and most assertions read the English messages."""
    user.language = language
    user.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return login(client, user, with_mfa=privileged)


@pytest.fixture
def coordinator_client(client, scene):
    return as_user(client, scene.coordinator, privileged=True)


@pytest.fixture
def police_client(client, scene):
    return as_user(client, scene.police, privileged=True)


@pytest.fixture
def inquiry(scene):
    return services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=8))


def form_data(scene, **overrides):
    data = {
        "community": str(scene.community.pk),
        "kind": IncidentKind.BURGLARY,
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime(DATETIME_LOCAL),
        "summary": "Inbraak via de achterdeur.",
        "postcode": scene.victim.postcode,
        "house_number": str(scene.victim.house_number),
        "radius_m": "200",
        "route_size": "8",
        "action": "start",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def detail_url(inquiry):
    return reverse("inquiries:detail", args=[inquiry.reference])


# --- mounting and anonymous -------------------------------------------------------------------


def test_urls_are_mounted_where_agreed():
    assert reverse("inquiries:list") == "/buurtonderzoek/"
    assert reverse("inquiries:new") == "/buurtonderzoek/nieuw/"
    assert reverse("inquiries:detail", args=["B-ABCDEFGH"]) == "/buurtonderzoek/B-ABCDEFGH/"
    assert reverse("inquiries:marks") == "/buurtonderzoek/lopers/"


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("inquiries:list", [], "get"),
        ("inquiries:new", [], "get"),
        ("inquiries:marks", [], "get"),
        ("inquiries:community_marks", ["some-group"], "get"),
        ("inquiries:detail", ["B-ABCDEFGH"], "get"),
        ("inquiries:accept", ["B-ABCDEFGH"], "post"),
        ("inquiries:close", ["B-ABCDEFGH"], "post"),
        ("inquiries:pair_up", ["B-ABCDEFGH"], "post"),
        ("inquiries:route_assign", ["B-ABCDEFGH", 1], "post"),
        ("inquiries:signup", ["B-ABCDEFGH"], "post"),
        ("inquiries:withdraw", ["B-ABCDEFGH"], "post"),
    ],
)
def test_anonymous_is_sent_to_login(client, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- list -------------------------------------------------------------------------------------


def test_list_shows_the_inquiries_of_the_users_scope(client, scene, inquiry):
    for user, privileged in (
        (scene.coordinator, True),
        (scene.police, True),
        (scene.canvassers[0], False),
    ):
        response = as_user(client, user, privileged=privileged).get(reverse("inquiries:list"))
        assert response.status_code == 200
        assert inquiry.reference in response.text, user


def test_list_is_empty_for_members_without_the_mark_and_other_police(client, scene, inquiry):
    for user, privileged in (
        (scene.member, False),
        (scene.other_police, True),
        (scene.outsider, False),
    ):
        response = as_user(client, user, privileged=privileged).get(reverse("inquiries:list"))
        assert response.status_code == 200
        assert inquiry.reference not in response.text
        assert reverse("inquiries:new") not in response.text


def test_list_offers_start_and_marks_to_a_coordinator(coordinator_client):
    response = coordinator_client.get(reverse("inquiries:list"))
    assert reverse("inquiries:new") in response.text
    assert reverse("inquiries:marks") in response.text


# --- start form -------------------------------------------------------------------------------


def test_start_form_for_coordinator_lists_only_their_groups(coordinator_client, scene):
    other = CommunityFactory(name="Andere groep", areas=[scene.town["zuid"]])
    response = coordinator_client.get(reverse("inquiries:new"))
    assert response.status_code == 200
    assert scene.community.name in response.text
    assert other.name not in response.text
    assert 'value="200"' in response.text  # default radius


def test_start_form_for_police_lists_the_groups_covering_their_jurisdiction(police_client, scene):
    elsewhere = CommunityFactory(name="Groep Noord", areas=[scene.town["noord_west"]])
    whole_town = CommunityFactory(name="Hele stad", areas=[scene.town["municipality"]])
    inactive = CommunityFactory(name="Slapend", areas=[scene.town["zuid_west"]], is_active=False)
    response = police_client.get(reverse("inquiries:new"))
    assert response.status_code == 200
    assert scene.community.name in response.text
    assert whole_town.name in response.text
    assert elsewhere.name not in response.text
    assert inactive.name not in response.text
    assert "Request the inquiry" in response.text


@pytest.mark.parametrize("who", ["member", "canvasser", "outsider"])
def test_start_form_refuses_who_coordinates_nothing(client, scene, who):
    user = {"member": scene.member, "canvasser": scene.canvassers[0], "outsider": scene.outsider}[
        who
    ]
    client = as_user(client, user)
    assert client.get(reverse("inquiries:new")).status_code == 403
    assert client.post(reverse("inquiries:new"), form_data(scene)).status_code == 403
    assert not Inquiry.objects.exists()


def test_preview_counts_addresses_and_routes_and_saves_nothing(coordinator_client, scene):
    response = coordinator_client.post(reverse("inquiries:new"), form_data(scene, action="preview"))
    assert response.status_code == 200
    preview = response.context["preview"]
    expected = services.inquiry_preview(actor=scene.coordinator, data=scene.input(route_size=8))
    assert (preview.addresses, preview.routes) == (expected.addresses, expected.routes)
    assert preview.addresses > 0
    assert f'data-testid="preview-addresses">{preview.addresses}<' in response.text
    assert not Inquiry.objects.exists()


def test_coordinator_starts_an_open_inquiry(coordinator_client, scene):
    response = coordinator_client.post(reverse("inquiries:new"), form_data(scene))
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(inquiry)
    assert inquiry.status == InquiryStatus.OPEN
    assert inquiry.victim_address == scene.victim
    assert inquiry.routes.exists()
    assert inquiry.summary == "Inbraak via de achterdeur."


def test_police_request_an_inquiry(police_client, scene):
    police_client.post(reverse("inquiries:new"), form_data(scene))
    assert Inquiry.objects.get().status == InquiryStatus.REQUESTED


def test_a_pin_is_enough(coordinator_client, scene):
    data = form_data(scene, postcode="", house_number="", lat=str(CENTRE[0]), lon=str(CENTRE[1]))
    coordinator_client.post(reverse("inquiries:new"), data)
    inquiry = Inquiry.objects.get()
    assert inquiry.victim_address is None
    assert (inquiry.lat, inquiry.lon) == CENTRE


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"kind": ""}, "kind", "Choose the kind of incident."),
        ({"kind": "arson"}, "kind", "Choose one of the incidents in the list."),
        ({"community": ""}, "community", "Choose the group that does the canvass."),
        ({"community": "x1"}, "community", "Choose one of the groups in the list."),
        ({"community": "99999999999999999999"}, "community", "Choose one of the groups"),
        ({"radius_m": "20"}, "radius_m", "The radius must be between 50 and 1000 metres."),
        ({"radius_m": "5000"}, "radius_m", "The radius must be between 50 and 1000 metres."),
        ({"radius_m": "abc"}, "radius_m", "Enter the radius as a whole number of metres."),
        ({"route_size": "1"}, "route_size", "A route has between 2 and 100 addresses."),
        ({"occurred_at": "gisteren"}, "occurred_at", "Enter a date and time"),
        ({"occurred_at": ""}, "occurred_at", "Give the date and time of the incident."),
        ({"summary": "x" * 1001}, "summary", "Keep the summary under 1000 characters."),
        ({"postcode": "12345"}, "postcode", "Enter a Dutch postcode"),
        ({"postcode": "1111ZZ"}, "postcode", "We do not know this address."),
        ({"house_number": "tien"}, "house_number", "Enter the house number as digits."),
        ({"postcode": "", "house_number": ""}, "postcode", "Give the address of the incident"),
        (
            {"postcode": "", "house_number": "", "lat": "52.1"},
            "lat",
            "Give both latitude and longitude",
        ),
        (
            {"postcode": "", "house_number": "", "lat": "10", "lon": "10"},
            "lat",
            "This place is not in any known neighbourhood.",
        ),
    ],
)
def test_bad_input_gets_a_field_message_and_saves_nothing(
    coordinator_client, scene, overrides, field, message
):
    response = coordinator_client.post(reverse("inquiries:new"), form_data(scene, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in str(e) for e in form.errors.get(field, [])), form.errors
    assert "The inquiry has not been started" in response.text
    assert not Inquiry.objects.exists()


def test_future_incident_is_refused(coordinator_client, scene):
    later = (timezone.localtime() + dt.timedelta(days=1)).strftime(DATETIME_LOCAL)
    response = coordinator_client.post(
        reverse("inquiries:new"), form_data(scene, occurred_at=later)
    )
    assert "The incident cannot be in the future." in response.context["form"].errors["occurred_at"]
    assert not Inquiry.objects.exists()


def test_a_place_outside_the_group_is_refused_on_the_form(coordinator_client, scene):
    data = form_data(scene, postcode="", house_number="", lat="52.012", lon="5.002")  # Noord
    response = coordinator_client.post(reverse("inquiries:new"), data)
    assert "does not cover the place" in str(response.context["form"].errors["community"])
    assert not Inquiry.objects.exists()


def test_too_many_addresses_is_a_radius_message(coordinator_client, scene, monkeypatch):
    monkeypatch.setattr(services, "MAX_ADDRESSES", 5)
    response = coordinator_client.post(reverse("inquiries:new"), form_data(scene))
    assert "choose a smaller radius" in str(response.context["form"].errors["radius_m"])
    assert not Inquiry.objects.exists()


def test_nul_bytes_are_a_message_not_an_error(coordinator_client, scene):
    response = coordinator_client.post(
        reverse("inquiries:new"), form_data(scene, summary="a\x00b", postcode="12\x0034")
    )
    assert response.status_code in (200, 400)
    assert not Inquiry.objects.exists()


# --- following up a report --------------------------------------------------------------------


@pytest.fixture
def report(scene):
    from samenveilig.reports.categories import install_default_categories
    from samenveilig.reports.models import Category, Partner, ReportStatus

    install_default_categories()  # idempotent; an e2e flush may have emptied the table
    category = Category.objects.get(code="woninginbraak", municipality=None)
    return Report.objects.create(
        reference="M-TEST0001",
        category=category,
        reporter_pseudonym="Melder 1",
        description="Ingebroken via de achterdeur.",
        lat=scene.victim.lat,
        lon=scene.victim.lon,
        address=scene.victim,
        neighbourhood=scene.town["zuid_west"],
        observed_at=timezone.now() - dt.timedelta(hours=5),
        submitted_at=timezone.now() - dt.timedelta(hours=4),
        status=ReportStatus.SUBMITTED,
        partner=Partner.POLICE,
    )


def test_police_handling_the_report_get_kind_time_and_address(police_client, scene, report):
    response = police_client.get(reverse("inquiries:new") + f"?melding={report.reference}")
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["kind"] == IncidentKind.BURGLARY
    assert initial["postcode"] == scene.victim.postcode
    assert initial["community"] == scene.community.pk
    assert f'value="{report.reference}"' in response.text


def test_a_coordinator_gets_kind_and_time_but_not_the_place(coordinator_client, scene, report):
    response = coordinator_client.get(reverse("inquiries:new") + f"?melding={report.reference}")
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["kind"] == IncidentKind.BURGLARY
    assert "postcode" not in initial and "lat" not in initial
    assert scene.victim.postcode not in response.text
    # Without an address or pin the report's place is the centre.
    data = form_data(scene, postcode="", house_number="", melding=report.reference)
    response = coordinator_client.post(reverse("inquiries:new"), data)
    inquiry = Inquiry.objects.get()
    assert inquiry.report == report
    assert (inquiry.lat, inquiry.lon) == (report.lat, report.lon)


def test_a_report_the_user_may_not_follow_up_is_a_404(client, scene, report):
    client = as_user(client, scene.other_police, privileged=True)
    other_group = CommunityFactory(areas=[scene.town["noord"]])
    MembershipFactory(
        community=other_group, user=scene.other_police, role=MembershipRole.COORDINATOR
    )
    url = reverse("inquiries:new")
    assert client.get(url + f"?melding={report.reference}").status_code == 404
    assert client.get(url + "?melding=M-NOPE0000").status_code == 404
    response = client.post(url, form_data(scene, melding=report.reference))
    assert "cannot be followed up" in response.text
    assert not Inquiry.objects.exists()


def test_report_page_links_to_the_inquiry_for_the_police(police_client, report):
    response = police_client.get(reverse("reports:handle", args=[report.reference]))
    assert response.status_code == 200
    assert f"/buurtonderzoek/nieuw/?melding={report.reference}" in response.text


def test_report_page_has_no_inquiry_link_for_a_municipality_officer(client, scene, report):
    officer = UserFactory()
    grant(officer, Role.MUNICIPALITY, scene.town["zuid"])
    report.forwarded_to = "municipality"
    report.save(update_fields=["forwarded_to"])
    response = as_user(client, officer, privileged=True).get(
        reverse("reports:handle", args=[report.reference])
    )
    assert response.status_code == 200
    assert "/buurtonderzoek/nieuw/" not in response.text


def test_members_list_links_the_coordinator_but_not_a_member(client, scene, report):
    url = reverse("reports:community")
    response = as_user(client, scene.coordinator, privileged=True).get(url)
    assert f"?melding={report.reference}" in response.text
    response = as_user(client, scene.member).get(url)
    assert response.status_code == 200
    assert "/buurtonderzoek/nieuw/" not in response.text


# --- detail -----------------------------------------------------------------------------------


def test_detail_for_a_manager_shows_routes_and_the_victims_address(
    coordinator_client, scene, inquiry
):
    response = coordinator_client.get(detail_url(inquiry))
    assert response.status_code == 200
    for route in inquiry.routes.all():
        assert route.label in response.text
    assert 'data-testid="victim"' in response.text
    assert scene.victim.postcode in response.text
    assert reverse("inquiries:pair_up", args=[inquiry.reference]) in response.text


def test_detail_for_police_of_the_area(police_client, scene, inquiry):
    response = police_client.get(detail_url(inquiry))
    assert response.status_code == 200
    assert 'data-testid="victim"' in response.text
    assert reverse("inquiries:close", args=[inquiry.reference]) in response.text


def test_detail_for_a_canvasser_has_no_victim_and_no_steering(client, scene, inquiry):
    response = as_user(client, scene.canvassers[0]).get(detail_url(inquiry))
    assert response.status_code == 200
    assert 'data-testid="victim"' not in response.text
    assert scene.victim.postcode not in response.text
    assert reverse("inquiries:pair_up", args=[inquiry.reference]) not in response.text
    assert reverse("inquiries:signup", args=[inquiry.reference]) in response.text


@pytest.mark.parametrize("who", ["member", "outsider", "other_police"])
def test_detail_is_a_404_for_everyone_else(client, scene, inquiry, who):
    user = getattr(scene, who)
    response = as_user(client, user, privileged=who == "other_police").get(detail_url(inquiry))
    assert response.status_code == 404


def test_unknown_reference_is_a_404(coordinator_client):
    assert coordinator_client.get("/buurtonderzoek/B-ABCDEFGH/").status_code == 404


def test_progress_counts_the_newest_visit_per_door(coordinator_client, scene, inquiry):
    route = inquiry.routes.order_by("position").first()
    first, second = scene.canvassers[:2]
    for person in (first, second):
        services.canvass_signup(actor=person, inquiry=inquiry)
    services.route_assign(actor=scene.coordinator, route=route, first=first, second=second)
    stops = list(route.stops.order_by("position"))
    services.visit_record(
        actor=first, stop=stops[0], answers=not_home(), idempotency_key="visit-0001-a"
    )
    services.visit_record(
        actor=first,
        stop=stops[0],
        answers=spoken(),
        idempotency_key="visit-0001-b",
        visited_at=timezone.now() + dt.timedelta(seconds=1),
    )
    services.visit_record(
        actor=second, stop=stops[1], answers=not_home(), idempotency_key="visit-0002-a"
    )
    response = coordinator_client.get(detail_url(inquiry))
    card = next(r for r in response.context["routes"] if r.pk == route.pk)
    assert (card.progress.doors, card.progress.visited, card.progress.reached) == (
        len(stops),
        2,
        1,
    )
    assert response.context["totals"]["visited"] == 2
    assert response.context["totals"]["reached"] == 1


def not_home():
    return {"outcome": "niet_thuis", "leaflet_left": "yes"}


def spoken():
    return {
        "outcome": "gesproken",
        "conversation": {"saw_something": "no", "camera": "no", "contact_consent": "no"},
        "leaflet_left": "no",
    }


# --- accept and close -------------------------------------------------------------------------


@pytest.fixture
def requested(scene):
    return services.inquiry_start(actor=scene.police, data=scene.input(route_size=8))


def test_coordinator_accepts_a_request(coordinator_client, requested):
    response = coordinator_client.get(detail_url(requested))
    assert reverse("inquiries:accept", args=[requested.reference]) in response.text
    response = coordinator_client.post(reverse("inquiries:accept", args=[requested.reference]))
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == InquiryStatus.OPEN


def test_police_cannot_accept_their_own_request(police_client, requested):
    response = police_client.get(detail_url(requested))
    assert reverse("inquiries:accept", args=[requested.reference]) not in response.text
    response = police_client.post(reverse("inquiries:accept", args=[requested.reference]))
    assert response.status_code == 403
    requested.refresh_from_db()
    assert requested.status == InquiryStatus.REQUESTED


def test_accept_twice_says_so(coordinator_client, requested):
    url = reverse("inquiries:accept", args=[requested.reference])
    coordinator_client.post(url)
    response = coordinator_client.post(url, follow=True)
    assert "This inquiry is not waiting to be accepted." in response.text


def test_a_canvasser_may_not_close(client, scene, inquiry):
    response = as_user(client, scene.canvassers[0]).post(
        reverse("inquiries:close", args=[inquiry.reference])
    )
    assert response.status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN


def test_police_close_and_the_page_says_closed(police_client, inquiry):
    police_client.post(reverse("inquiries:close", args=[inquiry.reference]))
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED
    response = police_client.get(detail_url(inquiry))
    assert reverse("inquiries:close", args=[inquiry.reference]) not in response.text
    response = police_client.post(reverse("inquiries:close", args=[inquiry.reference]), follow=True)
    assert "This inquiry is already closed." in response.text


def test_other_police_cannot_close(client, scene, inquiry):
    response = as_user(client, scene.other_police, privileged=True).post(
        reverse("inquiries:close", args=[inquiry.reference])
    )
    assert response.status_code == 404


# --- sign up, pairs ---------------------------------------------------------------------------


def test_canvasser_signs_up_and_withdraws(client, scene, inquiry):
    client = as_user(client, scene.canvassers[0])
    response = client.post(reverse("inquiries:signup", args=[inquiry.reference]))
    assert response.status_code == 302
    assert CanvassSignup.objects.filter(inquiry=inquiry, user=scene.canvassers[0]).exists()
    response = client.get(detail_url(inquiry))
    assert reverse("inquiries:withdraw", args=[inquiry.reference]) in response.text
    client.post(reverse("inquiries:withdraw", args=[inquiry.reference]))
    assert not CanvassSignup.objects.filter(inquiry=inquiry).exists()


def test_sign_up_is_refused_on_a_requested_inquiry(client, scene, requested):
    response = as_user(client, scene.canvassers[0]).post(
        reverse("inquiries:signup", args=[requested.reference])
    )
    assert response.status_code == 403
    assert not CanvassSignup.objects.exists()


def test_withdraw_without_sign_up_is_refused(client, scene, inquiry):
    response = as_user(client, scene.canvassers[0]).post(
        reverse("inquiries:withdraw", args=[inquiry.reference])
    )
    assert response.status_code == 403


def test_a_member_without_the_mark_cannot_sign_up(client, scene, inquiry):
    response = as_user(client, scene.member).post(
        reverse("inquiries:signup", args=[inquiry.reference])
    )
    assert response.status_code == 404
    assert not CanvassSignup.objects.exists()


def _sign_up(scene, inquiry, people):
    for person in people:
        services.canvass_signup(actor=person, inquiry=inquiry)


def test_pair_up_gives_routes_to_pairs_and_the_page_shows_them(coordinator_client, scene, inquiry):
    _sign_up(scene, inquiry, scene.canvassers[:3])
    response = coordinator_client.post(
        reverse("inquiries:pair_up", args=[inquiry.reference]), follow=True
    )
    assert "1 route was given to a pair." in response.text
    route = inquiry.routes.get(first_canvasser__isnull=False)
    assert {route.first_canvasser, route.second_canvasser} == set(scene.canvassers[:2])
    assert "Anna &amp; Bram" in response.text
    assert "waiting for a route" in response.text  # Carla


def test_pair_up_with_nobody_waiting_says_so(coordinator_client, inquiry):
    response = coordinator_client.post(
        reverse("inquiries:pair_up", args=[inquiry.reference]), follow=True
    )
    assert "No route was given out" in response.text


def test_a_canvasser_may_not_pair_up(client, scene, inquiry):
    response = as_user(client, scene.canvassers[0]).post(
        reverse("inquiries:pair_up", args=[inquiry.reference])
    )
    assert response.status_code == 403


def _assign_url(inquiry, route):
    return reverse("inquiries:route_assign", args=[inquiry.reference, route.position])


def test_assign_a_pair_by_hand(coordinator_client, scene, inquiry):
    _sign_up(scene, inquiry, scene.canvassers[:2])
    route = inquiry.routes.order_by("position").last()
    prefix = f"r{route.position}"
    response = coordinator_client.post(
        _assign_url(inquiry, route),
        {
            f"{prefix}-first": scene.canvassers[0].pk,
            f"{prefix}-second": scene.canvassers[1].pk,
            "action": "assign",
        },
    )
    assert response.status_code == 302
    route.refresh_from_db()
    assert route.pair_ids == {scene.canvassers[0].pk, scene.canvassers[1].pk}
    coordinator_client.post(_assign_url(inquiry, route), {"action": "release"})
    route.refresh_from_db()
    assert route.pair_ids == set()


@pytest.mark.parametrize("second", ["", "same"])
def test_assigning_one_person_is_refused_with_a_message(coordinator_client, scene, inquiry, second):
    _sign_up(scene, inquiry, scene.canvassers[:2])
    route = inquiry.routes.order_by("position").first()
    prefix = f"r{route.position}"
    first = scene.canvassers[0].pk
    response = coordinator_client.post(
        _assign_url(inquiry, route),
        {
            f"{prefix}-first": first,
            f"{prefix}-second": first if second == "same" else "",
            "action": "assign",
        },
    )
    assert response.status_code == 200
    assert "A route is walked by two people, never alone." in response.text
    route.refresh_from_db()
    assert route.pair_ids == set()


def test_assigning_someone_who_did_not_sign_up_is_a_field_message(
    coordinator_client, scene, inquiry
):
    _sign_up(scene, inquiry, scene.canvassers[:1])
    route = inquiry.routes.order_by("position").first()
    prefix = f"r{route.position}"
    response = coordinator_client.post(
        _assign_url(inquiry, route),
        {
            f"{prefix}-first": scene.canvassers[0].pk,
            f"{prefix}-second": scene.canvassers[1].pk,
            "action": "assign",
        },
    )
    assert response.status_code == 200
    assert "Choose someone who signed up." in response.text
    assert not CanvassRoute.objects.filter(first_canvasser__isnull=False).exists()


def test_assign_an_unknown_route_is_a_404(coordinator_client, inquiry):
    url = reverse("inquiries:route_assign", args=[inquiry.reference, 999])
    assert coordinator_client.post(url, {"action": "release"}).status_code == 404


def test_a_canvasser_may_not_assign(client, scene, inquiry):
    _sign_up(scene, inquiry, scene.canvassers[:2])
    route = inquiry.routes.order_by("position").first()
    response = as_user(client, scene.canvassers[0]).post(
        _assign_url(inquiry, route),
        {
            f"r{route.position}-first": scene.canvassers[0].pk,
            f"r{route.position}-second": scene.canvassers[1].pk,
        },
    )
    assert response.status_code == 403
    route.refresh_from_db()
    assert route.pair_ids == set()


def test_my_route_link_follows_the_agreed_url(client, scene, inquiry):
    _sign_up(scene, inquiry, scene.canvassers[:2])
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
    route = inquiry.routes.get(first_canvasser__isnull=False)
    response = as_user(client, scene.canvassers[0]).get(detail_url(inquiry))
    assert f"My route: {route.label}" in response.text
    try:
        expected = reverse(
            "inquiries:canvass_route",
            kwargs={"reference": inquiry.reference, "position": route.position},
        )
    except NoReverseMatch:
        assert canvass_url(inquiry, route) is None
    else:
        assert expected == f"/buurtonderzoek/{inquiry.reference}/route/{route.position}/"
        assert expected in response.text
    # The partner of nobody sees no link to it.
    response = as_user(client, scene.canvassers[2]).get(detail_url(inquiry))
    assert "My route:" not in response.text


# --- canvasser marks --------------------------------------------------------------------------


def marks_url(scene):
    return reverse("inquiries:community_marks", args=[scene.community.slug])


def test_marks_page_redirects_a_coordinator_of_one_group(coordinator_client, scene):
    response = coordinator_client.get(reverse("inquiries:marks"))
    assert response.status_code == 302
    assert response.url == marks_url(scene)


def test_marks_page_lets_a_coordinator_of_two_groups_choose(coordinator_client, scene):
    other = CommunityFactory(name="Tweede groep", areas=[scene.town["zuid"]])
    MembershipFactory(community=other, user=scene.coordinator, role=MembershipRole.COORDINATOR)
    response = coordinator_client.get(reverse("inquiries:marks"))
    assert response.status_code == 200
    assert reverse("inquiries:community_marks", args=[other.slug]) in response.text


def test_the_page_lists_members_with_training_and_stop(coordinator_client, scene):
    response = coordinator_client.get(marks_url(scene))
    assert response.status_code == 200
    members = {m.user_id: m for m in response.context["members"]}
    assert members[scene.canvassers[0].pk].canvass_valid_until is not None
    assert members[scene.member.pk].canvass_valid_until is None
    assert not members[scene.canvassers[0].pk].stopped
    assert scene.outsider.pk not in members
    assert "valid until" in response.text and "not (yet) passed" in response.text
    response = coordinator_client.get(marks_url(scene) + "?q=ann")
    assert [m.user_id for m in response.context["members"]] == [scene.canvassers[0].pk]


def test_coordinator_stops_and_allows_a_canvasser(coordinator_client, scene):
    anna = scene.canvassers[0]
    response = coordinator_client.post(marks_url(scene), {"user": anna.pk, "granted": "0"})
    assert response.status_code == 302
    assert CanvasserMark.objects.filter(user=anna, revoked_at__isnull=False).exists()
    page = coordinator_client.get(marks_url(scene))
    assert "Stopped by a coordinator" in page.text and "Let canvass again" in page.text
    coordinator_client.post(marks_url(scene), {"user": anna.pk, "granted": "1"})
    assert not CanvasserMark.objects.filter(user=anna, revoked_at__isnull=False).exists()


def test_only_verified_members_can_be_stopped(coordinator_client, scene):
    response = coordinator_client.post(
        marks_url(scene), {"user": scene.outsider.pk, "granted": "0"}
    )
    assert response.status_code == 400
    assert "Only verified members of the group can canvass." in response.text
    assert not CanvasserMark.objects.filter(user=scene.outsider).exists()


@pytest.mark.parametrize("user", ["", "abc", "99999999999999999999999", "999999"])
def test_bad_member_input_is_a_message(coordinator_client, scene, user):
    response = coordinator_client.post(marks_url(scene), {"user": user, "granted": "1"})
    assert response.status_code == 400
    assert "Choose a member from the list." in response.text


@pytest.mark.parametrize("who", ["canvasser", "police"])
def test_marks_are_refused_to_who_does_not_coordinate(client, scene, who):
    user = scene.canvassers[0] if who == "canvasser" else scene.police
    client = as_user(client, user, privileged=who == "police")
    assert client.get(reverse("inquiries:marks")).status_code == 403
    assert client.get(marks_url(scene)).status_code == 403
    response = client.post(marks_url(scene), {"user": scene.member.pk, "granted": "0"})
    assert response.status_code == 403
    assert not CanvasserMark.objects.filter(user=scene.member).exists()


def test_marks_of_an_unknown_group_is_a_404(coordinator_client):
    assert coordinator_client.get("/buurtonderzoek/lopers/bestaat-niet/").status_code == 404


def test_pages_render_in_dutch(client, scene, inquiry):
    client = as_user(client, scene.coordinator, privileged=True, language="nl")
    for url in (
        reverse("inquiries:list"),
        reverse("inquiries:new"),
        detail_url(inquiry),
        marks_url(scene),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200
        assert '<html lang="nl"' in response.text


def test_the_detail_page_does_not_query_per_route(client, scene):
    """A page has a route card (and an assignment form) per route: the number of queries must
    not grow with the number of routes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(client, scene.coordinator, privileged=True)
    counts = []
    for size in (16, 2):
        inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input(route_size=size))
        _sign_up(scene, inquiry, scene.canvassers)
        services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(detail_url(inquiry))
        assert response.status_code == 200
        counts.append((inquiry.routes.count(), len(queries)))
    (few_routes, few_queries), (many_routes, many_queries) = counts
    assert many_routes > few_routes * 3
    assert many_queries == few_queries


def test_the_menu_leads_members_and_police_to_the_inquiries(client, scene):
    link = f'href="{reverse("inquiries:list")}"'
    assert link in as_user(client, scene.canvassers[0]).get(reverse("home")).text
    assert link in as_user(client, scene.police, privileged=True).get(reverse("home")).text
    assert link not in as_user(client, scene.outsider).get(reverse("home")).text


def test_managers_find_the_results_from_the_detail_page(client, scene, inquiry):
    try:
        results = reverse("inquiries:results", kwargs={"reference": inquiry.reference})
    except NoReverseMatch:
        pytest.skip("the results pages are not mounted")
    text = as_user(client, scene.police, privileged=True).get(detail_url(inquiry)).text
    assert f'href="{results}"' in text
    text = as_user(client, scene.canvassers[0]).get(detail_url(inquiry)).text
    assert results not in text
