"""Services of neighbourhood inquiries (INQ-1 … INQ-3, the visit rules of INQ-5/6): who may
start, accept and close; the canvass area and its limits; the victim's door apart; sign-up only
for canvassers; pairs, never alone, in the services and in the database; visits only by the
route's pair (the victim's door only by managers), stored once per idempotency key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from samenveilig.areas.models import Address
from samenveilig.core.models import AuditEvent
from samenveilig.inquiries import permissions, services
from samenveilig.inquiries.models import (
    MAX_ADDRESSES,
    CanvassAddress,
    CanvasserMark,
    CanvassRoute,
    CanvassSignup,
    CanvassVisit,
    Inquiry,
    InquiryStatus,
    VisitOutcome,
)
from samenveilig.inquiries.services import InquiryActionError, InquiryValidationError
from samenveilig.questionnaires.models import AnswerSet
from samenveilig.questionnaires.services import AnswerValidationError
from samenveilig.training.content import CANVASSING
from tests.inquiries.conftest import CENTRE
from tests.training.conftest import certify, expire

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    """The assertions quote English messages: do not depend on the language an earlier test
    left active."""
    with translation.override("en"):
        yield


def start(scene, actor=None, **overrides):
    return services.inquiry_start(actor=actor or scene.coordinator, data=scene.input(**overrides))


@pytest.fixture
def inquiry(scene):
    return start(scene, route_size=8)


def not_home():
    return {"outcome": "niet_thuis", "leaflet_left": "yes"}


def spoken(**conversation):
    talk = {"saw_something": "no", "camera": "no", "contact_consent": "no", **conversation}
    return {"outcome": "gesproken", "conversation": talk, "leaflet_left": "no"}


def sign_up(inquiry, people):
    for person in people:
        services.canvass_signup(actor=person, inquiry=inquiry)


def audit_actions():
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


# --- start, accept, close ---------------------------------------------------------------------


def test_a_coordinator_starts_an_open_inquiry(scene):
    inquiry = start(scene)
    assert inquiry.status == InquiryStatus.OPEN
    assert inquiry.accepted_at is not None
    assert inquiry.neighbourhood == scene.town["zuid_west"]
    assert inquiry.questionnaire.form_id == "buurtonderzoek"
    assert inquiry.reference.startswith("B-") and len(inquiry.reference) == 10
    event = AuditEvent.objects.get(action="inquiry.start")
    assert set(event.details) == {"addresses", "routes", "radius_m"}
    assert event.object_id == str(inquiry.pk)


def test_police_of_the_area_request_an_inquiry(scene):
    inquiry = start(scene, actor=scene.police)
    assert inquiry.status == InquiryStatus.REQUESTED
    assert inquiry.accepted_at is None
    assert "inquiry.request" in audit_actions()


@pytest.mark.parametrize("who", ["member", "outsider", "other_police", "canvasser"])
def test_nobody_else_starts_one(scene, who):
    actor = scene.canvassers[0] if who == "canvasser" else getattr(scene, who)
    with pytest.raises(PermissionDenied):
        start(scene, actor=actor)
    assert not Inquiry.objects.exists()


def test_a_group_that_does_not_cover_the_place_is_refused(scene):
    with pytest.raises(PermissionDenied):
        start(scene, victim_address=None, lat=52.012, lon=5.002)  # in Noord


def test_an_inactive_group_is_refused(scene):
    scene.community.is_active = False
    scene.community.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        start(scene)


def test_the_coordinator_accepts_a_request(scene):
    inquiry = start(scene, actor=scene.police)
    services.inquiry_accept(actor=scene.coordinator, inquiry=inquiry)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN and inquiry.accepted_at is not None
    with pytest.raises(InquiryActionError):
        services.inquiry_accept(actor=scene.coordinator, inquiry=inquiry)


@pytest.mark.parametrize("who", ["police", "canvasser", "other_police"])
def test_only_a_coordinator_accepts(scene, who):
    inquiry = start(scene, actor=scene.police)
    actor = scene.canvassers[0] if who == "canvasser" else getattr(scene, who)
    with pytest.raises(PermissionDenied):
        services.inquiry_accept(actor=actor, inquiry=inquiry)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.REQUESTED


@pytest.mark.parametrize("who", ["coordinator", "police"])
def test_managers_close(scene, inquiry, who):
    services.inquiry_close(actor=getattr(scene, who), inquiry=inquiry)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED and inquiry.closed_at is not None
    with pytest.raises(InquiryActionError):
        services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)


@pytest.mark.parametrize("who", ["canvasser", "other_police", "outsider"])
def test_others_do_not_close(scene, inquiry, who):
    actor = scene.canvassers[0] if who == "canvasser" else getattr(scene, who)
    with pytest.raises(PermissionDenied):
        services.inquiry_close(actor=actor, inquiry=inquiry)


# --- the canvass area -------------------------------------------------------------------------


@pytest.mark.parametrize("radius", [49, 1001, 0])
def test_radius_out_of_bounds_is_refused(scene, radius):
    with pytest.raises(InquiryValidationError) as error:
        start(scene, radius_m=radius)
    assert "radius_m" in error.value.errors
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("radius", [50, 1000])
def test_radius_bounds_are_allowed(scene, radius):
    inquiry = start(scene, radius_m=radius)
    assert inquiry.radius_m == radius


def test_the_area_is_the_addresses_within_the_radius(scene):
    inquiry = start(scene)
    canvassed = set(
        CanvassAddress.objects.filter(inquiry=inquiry, route__isnull=False).values_list(
            "address_id", flat=True
        )
    )
    expected = {a.pk for a in scene.addresses} - {scene.victim.pk}
    assert canvassed == expected
    assert scene.far_away.pk not in canvassed
    wide = start(scene, radius_m=1000)
    assert wide.addresses.filter(address=scene.far_away).exists()


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"kind": "arson"}, "kind"),
        ({"route_size": 1}, "route_size"),
        ({"route_size": 101}, "route_size"),
        ({"summary": "x" * 1001}, "summary"),
        ({"victim_address": None}, "place"),
        ({"victim_address": None, "lat": 10.0, "lon": 10.0}, "place"),
    ],
)
def test_bad_input_is_refused_per_field(scene, overrides, field):
    with pytest.raises(InquiryValidationError) as error:
        start(scene, **overrides)
    assert field in error.value.errors


def test_an_incident_in_the_future_is_refused(scene):
    with pytest.raises(InquiryValidationError) as error:
        start(scene, occurred_at=timezone.now() + dt.timedelta(hours=1))
    assert "occurred_at" in error.value.errors


def test_more_than_the_maximum_of_addresses_is_refused(scene):
    # A dense block of flats right at the victim's door: MAX_ADDRESSES + 1 doors within 50 m.
    Address.objects.bulk_create(
        Address(
            postcode="8888AA",
            house_number=n,
            street="Flatgebouw",
            city="Teststad",
            lat=scene.victim.lat + (n % 50) * 0.000005,
            lon=scene.victim.lon + (n // 50) * 0.000005,
        )
        for n in range(1, MAX_ADDRESSES + 2)
    )
    with pytest.raises(InquiryValidationError) as error:
        start(scene, radius_m=50)
    assert "radius_m" in error.value.errors
    assert not Inquiry.objects.exists()


def test_the_victims_address_is_apart(scene, inquiry):
    victim = CanvassAddress.objects.get(inquiry=inquiry, is_victim=True)
    assert victim.address == scene.victim
    assert victim.route is None
    assert not CanvassAddress.objects.filter(route__inquiry=inquiry, address=scene.victim).exists()
    assert inquiry.addresses.count() == len(scene.addresses)


def test_without_a_victims_address_there_is_no_victim_stop(scene):
    inquiry = start(scene, victim_address=None, lat=CENTRE[0], lon=CENTRE[1])
    assert not inquiry.addresses.filter(is_victim=True).exists()
    assert (inquiry.lat, inquiry.lon) == CENTRE
    assert inquiry.addresses.filter(address=scene.victim, route__isnull=False).exists()


def test_routes_follow_the_builder(scene, inquiry):
    routes = list(inquiry.routes.order_by("position"))
    assert [r.position for r in routes] == list(range(1, len(routes) + 1))
    for route in routes:
        stops = list(route.stops.select_related("address").order_by("position"))
        assert 1 <= len(stops) <= 8
        assert {s.address.street for s in stops} == {route.street}


def test_a_pin_wins_over_the_report_place(scene):
    class Report:  # only lat/lon are read from the report for the centre
        lat, lon = 52.0049, 5.0049

    data = scene.input(victim_address=None, lat=CENTRE[0], lon=CENTRE[1])
    assert services._centre(data, {}) == CENTRE
    data.report = Report()
    assert services._centre(data, {}) == CENTRE
    data.lat = data.lon = None
    assert services._centre(data, {}) == (Report.lat, Report.lon)


def test_preview_counts_what_start_creates_and_stores_nothing(scene):
    preview = services.inquiry_preview(actor=scene.coordinator, data=scene.input(route_size=5))
    assert not Inquiry.objects.exists()
    inquiry = start(scene, route_size=5)
    assert preview.routes == inquiry.routes.count()
    assert preview.addresses == inquiry.addresses.filter(route__isnull=False).count()
    assert preview.neighbourhood == inquiry.neighbourhood


def test_preview_checks_permission_too(scene):
    with pytest.raises(PermissionDenied):
        services.inquiry_preview(actor=scene.outsider, data=scene.input())


# --- canvassers and sign-up -------------------------------------------------------------------


def test_a_canvasser_signs_up_once(scene, inquiry):
    first = services.canvass_signup(actor=scene.canvassers[0], inquiry=inquiry)
    again = services.canvass_signup(actor=scene.canvassers[0], inquiry=inquiry)
    assert first.pk == again.pk
    assert audit_actions().count("inquiry.signup") == 1


@pytest.mark.parametrize("who", ["member", "outsider", "coordinator", "police"])
def test_only_canvassers_sign_up(scene, inquiry, who):
    with pytest.raises(PermissionDenied):
        services.canvass_signup(actor=getattr(scene, who), inquiry=inquiry)
    assert not CanvassSignup.objects.exists()


def test_no_sign_up_before_acceptance_or_after_closing(scene):
    requested = start(scene, actor=scene.police)
    with pytest.raises(PermissionDenied):
        services.canvass_signup(actor=scene.canvassers[0], inquiry=requested)
    accepted = services.inquiry_accept(actor=scene.coordinator, inquiry=requested)
    services.canvass_signup(actor=scene.canvassers[0], inquiry=accepted)
    closed = services.inquiry_close(actor=scene.coordinator, inquiry=accepted)
    with pytest.raises(PermissionDenied):
        services.canvass_signup(actor=scene.canvassers[1], inquiry=closed)


def test_only_a_coordinator_stops_and_only_verified_members(scene):
    assert services.canvassing_stop(
        actor=scene.coordinator, community=scene.community, user=scene.member, stopped=True
    )
    assert CanvasserMark.objects.filter(user=scene.member, revoked_at__isnull=False).exists()
    with pytest.raises(InquiryActionError):
        services.canvassing_stop(
            actor=scene.coordinator, community=scene.community, user=scene.outsider, stopped=True
        )
    with pytest.raises(PermissionDenied):
        services.canvassing_stop(
            actor=scene.police, community=scene.community, user=scene.member, stopped=False
        )


def test_stopping_and_allowing_twice_record_once(scene):
    for stopped in (False, True, True, False, False):
        services.canvassing_stop(
            actor=scene.coordinator, community=scene.community, user=scene.member, stopped=stopped
        )
    actions = audit_actions()
    assert actions.count("inquiry.canvassing_stopped") == 1
    assert actions.count("inquiry.canvassing_allowed") == 1
    assert CanvasserMark.objects.filter(user=scene.member).count() == 1


def test_a_stopped_member_cannot_canvass_despite_the_certificate(scene, inquiry):
    """The certificate lets a member canvass; a coordinator's stop takes them off the group's
    running routes, with the partner, and keeps them from signing up until it is lifted."""
    anna, bram = scene.canvassers[:2]
    sign_up(inquiry, [anna, bram])
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
    services.canvassing_stop(
        actor=scene.coordinator, community=scene.community, user=anna, stopped=True
    )
    assert not CanvassRoute.objects.filter(first_canvasser__isnull=False).exists()
    assert list(inquiry.signups.values_list("user_id", flat=True)) == [bram.pk]
    assert not permissions.is_canvasser(anna, scene.community)
    with pytest.raises(PermissionDenied):
        services.canvass_signup(actor=anna, inquiry=inquiry)
    services.canvassing_stop(
        actor=scene.coordinator, community=scene.community, user=anna, stopped=False
    )
    assert permissions.is_canvasser(anna, scene.community)
    services.canvass_signup(actor=anna, inquiry=inquiry)


def test_without_a_valid_training_certificate_no_sign_up(scene, inquiry):
    anna = scene.canvassers[0]
    expire(anna, CANVASSING)
    with pytest.raises(PermissionDenied):
        services.canvass_signup(actor=anna, inquiry=inquiry)


# --- pairs, never alone -----------------------------------------------------------------------


def test_a_route_goes_to_two_people(scene, inquiry):
    anna, bram = scene.canvassers[:2]
    sign_up(inquiry, [anna, bram])
    route = inquiry.routes.first()
    services.route_assign(actor=scene.police, route=route, first=anna, second=bram)
    route.refresh_from_db()
    assert route.pair_ids == {anna.pk, bram.pk} and route.assigned_at is not None
    services.route_assign(actor=scene.coordinator, route=route, first=None, second=None)
    route.refresh_from_db()
    assert route.pair_ids == set() and route.assigned_at is None


@pytest.mark.parametrize("pair", ["first_only", "second_only", "same_twice"])
def test_the_service_never_gives_a_route_to_one_person(scene, inquiry, pair):
    anna = scene.canvassers[0]
    sign_up(inquiry, [anna])
    first, second = {
        "first_only": (anna, None),
        "second_only": (None, anna),
        "same_twice": (anna, anna),
    }[pair]
    route = inquiry.routes.first()
    with pytest.raises(InquiryActionError) as error:
        services.route_assign(actor=scene.coordinator, route=route, first=first, second=second)
    assert "never alone" in error.value.message
    route.refresh_from_db()
    assert route.pair_ids == set()


@pytest.mark.parametrize("pair", ["first_only", "second_only", "same_twice"])
def test_the_database_refuses_one_person_on_a_route(scene, inquiry, pair):
    anna = scene.canvassers[0]
    values = {
        "first_only": {"first_canvasser": anna},
        "second_only": {"second_canvasser": anna},
        "same_twice": {"first_canvasser": anna, "second_canvasser": anna},
    }[pair]
    route = inquiry.routes.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        CanvassRoute.objects.filter(pk=route.pk).update(**values)


def test_a_pair_must_have_signed_up_and_be_canvassers(scene, inquiry):
    anna, bram = scene.canvassers[:2]
    sign_up(inquiry, [anna])
    route = inquiry.routes.first()
    with pytest.raises(InquiryActionError):
        services.route_assign(actor=scene.coordinator, route=route, first=anna, second=bram)
    sign_up(inquiry, [bram])
    expire(bram, CANVASSING)
    with pytest.raises(InquiryActionError):
        services.route_assign(actor=scene.coordinator, route=route, first=anna, second=bram)


def test_assigning_is_for_managers_and_not_on_a_closed_inquiry(scene, inquiry):
    anna, bram = scene.canvassers[:2]
    sign_up(inquiry, [anna, bram])
    route = inquiry.routes.first()
    with pytest.raises(PermissionDenied):
        services.route_assign(actor=anna, route=route, first=anna, second=bram)
    services.inquiry_close(actor=scene.coordinator, inquiry=inquiry)
    route.refresh_from_db()
    with pytest.raises(InquiryActionError):
        services.route_assign(actor=scene.coordinator, route=route, first=anna, second=bram)


def test_pair_up_leaves_the_odd_one_waiting(scene, inquiry):
    anna, bram, carla, dirk = scene.canvassers
    sign_up(inquiry, [anna, bram, carla])
    assert services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry) == 1
    first = inquiry.routes.get(position=1)
    assert first.pair_ids == {anna.pk, bram.pk}  # in order of signing up, nearest route
    assert not inquiry.routes.filter(first_canvasser=carla).exists()
    assert not inquiry.routes.filter(second_canvasser=carla).exists()
    sign_up(inquiry, [dirk])
    assert services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry) == 1
    assert inquiry.routes.get(position=2).pair_ids == {carla.pk, dirk.pk}
    assert services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry) == 0


def test_pair_up_stops_when_the_routes_run_out(scene):
    inquiry = start(scene, route_size=100)  # two streets: two routes
    assert inquiry.routes.count() == 2
    sign_up(inquiry, scene.canvassers)
    certify(scene.member, CANVASSING)
    sign_up(inquiry, [scene.member])
    assert services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry) == 2
    assert services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry) == 0


def test_pair_up_only_while_open_and_by_managers(scene):
    requested = start(scene, actor=scene.police)
    with pytest.raises(InquiryActionError):
        services.routes_pair_up(actor=scene.police, inquiry=requested)
    with pytest.raises(PermissionDenied):
        services.routes_pair_up(actor=scene.canvassers[0], inquiry=requested)


def test_withdrawing_releases_the_pairs_route(scene, inquiry):
    anna, bram = scene.canvassers[:2]
    sign_up(inquiry, [anna, bram])
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
    services.canvass_withdraw(actor=anna, inquiry=inquiry)
    assert not inquiry.routes.filter(first_canvasser__isnull=False).exists()
    assert list(inquiry.signups.values_list("user_id", flat=True)) == [bram.pk]
    event = AuditEvent.objects.get(action="inquiry.withdraw")
    assert event.details == {"routes": 1}


def test_withdrawing_without_sign_up_does_nothing(scene, inquiry):
    services.canvass_withdraw(actor=scene.canvassers[0], inquiry=inquiry)
    assert "inquiry.withdraw" not in audit_actions()


# --- visits -----------------------------------------------------------------------------------


@pytest.fixture
def walked(scene, inquiry):
    """Anna and Bram walk route 1."""
    sign_up(inquiry, scene.canvassers[:2])
    services.routes_pair_up(actor=scene.coordinator, inquiry=inquiry)
    route = inquiry.routes.get(position=1)
    return route, list(route.stops.order_by("position"))


def test_the_pair_records_a_visit(scene, walked):
    route, stops = walked
    visit = services.visit_record(
        actor=scene.canvassers[1], stop=stops[0], answers=not_home(), idempotency_key="k-0000001"
    )
    assert visit.outcome == VisitOutcome.NOT_HOME
    assert visit.answer_set.questionnaire == route.inquiry.questionnaire
    event = AuditEvent.objects.get(action="inquiry.visit")
    assert set(event.details) == {"stop_id", "outcome"}


@pytest.mark.parametrize("who", ["other_canvasser", "coordinator", "police", "outsider"])
def test_only_the_pair_visits_a_route_door(scene, walked, who):
    _route, stops = walked
    actor = scene.canvassers[2] if who == "other_canvasser" else getattr(scene, who)
    with pytest.raises(PermissionDenied):
        services.visit_record(
            actor=actor, stop=stops[0], answers=not_home(), idempotency_key="k-0000002"
        )
    assert not CanvassVisit.objects.exists()


def test_a_stale_route_object_does_not_decide(scene, inquiry):
    """A stop read through ``route.stops`` before the pair was assigned still lets the pair in
    (and one read after they were released keeps them out)."""
    anna, bram = scene.canvassers[:2]
    route = inquiry.routes.get(position=1)
    stops = list(route.stops.order_by("position"))
    sign_up(inquiry, [anna, bram])
    services.route_assign(actor=scene.coordinator, route=route, first=anna, second=bram)
    services.visit_record(
        actor=anna, stop=stops[0], answers=not_home(), idempotency_key="k-stale-01"
    )
    fresh = CanvassRoute.objects.get(pk=route.pk)
    later = list(fresh.stops.order_by("position"))
    services.route_assign(actor=scene.coordinator, route=fresh, first=None, second=None)
    with pytest.raises(PermissionDenied):
        services.visit_record(
            actor=anna, stop=later[1], answers=not_home(), idempotency_key="k-stale-02"
        )


def test_no_visits_on_a_closed_inquiry(scene, walked):
    route, stops = walked
    services.inquiry_close(actor=scene.coordinator, inquiry=route.inquiry)
    with pytest.raises(PermissionDenied):
        services.visit_record(
            actor=scene.canvassers[0], stop=stops[0], answers=not_home(), idempotency_key="k-c-01"
        )


@pytest.mark.parametrize("who", ["coordinator", "police"])
def test_managers_visit_the_victim(scene, inquiry, who):
    victim = inquiry.addresses.get(is_victim=True)
    visit = services.visit_record(
        actor=getattr(scene, who), stop=victim, answers=spoken(), idempotency_key=f"k-v-{who}"
    )
    assert visit.outcome == VisitOutcome.SPOKEN


def test_canvassers_do_not_visit_the_victim(scene, walked):
    route, _stops = walked
    victim = route.inquiry.addresses.get(is_victim=True)
    with pytest.raises(PermissionDenied):
        services.visit_record(
            actor=scene.canvassers[0], stop=victim, answers=spoken(), idempotency_key="k-v-0001"
        )


def test_a_visit_is_stored_once_per_key(scene, walked):
    _route, stops = walked
    anna = scene.canvassers[0]
    first = services.visit_record(
        actor=anna, stop=stops[0], answers=not_home(), idempotency_key="k-once-01"
    )
    again = services.visit_record(
        actor=anna, stop=stops[0], answers=spoken(), idempotency_key="k-once-01"
    )
    assert again.pk == first.pk and again.outcome == VisitOutcome.NOT_HOME
    assert CanvassVisit.objects.count() == 1 and AnswerSet.objects.count() == 1
    with pytest.raises(InquiryActionError):
        services.visit_record(
            actor=anna, stop=stops[1], answers=not_home(), idempotency_key="k-once-01"
        )


def test_answers_that_break_the_form_are_refused(scene, walked):
    _route, stops = walked
    with pytest.raises(AnswerValidationError):
        services.visit_record(
            actor=scene.canvassers[0],
            stop=stops[0],
            answers={"outcome": "gesproken", "leaflet_left": "no"},  # the conversation is missing
            idempotency_key="k-bad-001",
        )
    assert not CanvassVisit.objects.exists()


def test_leads_camera_and_consent_are_flagged(scene, walked):
    _route, stops = walked
    answers = spoken(
        saw_something="yes",
        what_seen="Twee mannen met een koevoet, rond 21 uur.",
        camera="yes",
        camera_keep="yes",
        contact_consent="yes",
        phone="06 12345678",
    )
    visit = services.visit_record(
        actor=scene.canvassers[0], stop=stops[0], answers=answers, idempotency_key="k-lead-01"
    )
    assert (visit.is_lead, visit.has_camera, visit.wants_contact) == (True, True, True)
    quiet = services.visit_record(
        actor=scene.canvassers[0], stop=stops[1], answers=spoken(), idempotency_key="k-lead-02"
    )
    assert (quiet.is_lead, quiet.has_camera, quiet.wants_contact) == (False, False, False)


def test_visit_flags_read_an_unknown_form_safely():
    assert services.visit_flags({}) == {
        "outcome": VisitOutcome.SPOKEN,
        "is_lead": False,
        "has_camera": False,
        "wants_contact": False,
    }
    assert services.visit_flags({"outcome": "niet_thuis", "conversation": "x"})["outcome"] == (
        VisitOutcome.NOT_HOME
    )


def test_a_visit_time_in_the_future_is_now(scene, walked):
    _route, stops = walked
    before = timezone.now()
    visit = services.visit_record(
        actor=scene.canvassers[0],
        stop=stops[0],
        answers=not_home(),
        idempotency_key="k-time-01",
        visited_at=timezone.now() + dt.timedelta(days=1),
    )
    assert before <= visit.visited_at <= timezone.now()
