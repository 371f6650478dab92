"""Results of an inquiry (INQ-7): counts per outcome from the newest visit at each door, leads,
descriptions, cameras and consents; phone numbers only for the police of the buurt; the CSV with
its formula-safety; the doors that get a cocoon leaflet (INQ-8); the alert draft from a
description; the cocoon warning (kind, 14 days, circle, once while active, who may send)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from samenveilig.alerts.models import Alert, AlertStatus
from samenveilig.communities.models import AlertKind
from samenveilig.core.models import AuditEvent
from samenveilig.inquiries import results, services_results
from samenveilig.inquiries.models import VisitOutcome
from samenveilig.inquiries.services import InquiryActionError
from tests.alerts.factories import allow_proposals
from tests.inquiries.results_scene import (
    CAMERA_PLACE,
    FORMULA_CAMERA,
    FORMULA_REMARK,
    PHONE,
    SECOND_PHONE,
    WHAT_SEEN,
    build_canvass,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def canvass(scene):
    return build_canvass(scene)


def door_of(computed, stop):
    return next(d for d in computed.all_doors() if d.stop.pk == stop.pk)


# --- counts and the newest visit -------------------------------------------------------------


def test_totals_count_the_newest_visit_per_door(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    doors = canvass.inquiry.addresses.filter(is_victim=False).count()
    t = computed.totals
    assert t.doors == doors == len(computed.doors)
    assert t.visited == 6
    assert t.reached == 2  # stops 0 and 5; stop 1 was spoken to first, then nobody home
    assert t.not_home == 3  # stops 1, 3, 4
    assert t.refused == 1
    assert t.not_visited == doors - 6
    assert t.leads == 1  # stop 0 only: stop 1's lead was superseded
    assert t.cameras == 3  # stop 0, stop 5 and the victim's door
    assert t.contacts == 2


def test_the_newest_visit_wins_in_both_directions(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    first, second = door_of(computed, canvass.stops[0]), door_of(computed, canvass.stops[1])
    assert first.visits == 2 and first.outcome == VisitOutcome.SPOKEN and first.is_lead
    assert second.visits == 2 and second.outcome == VisitOutcome.NOT_HOME
    assert not second.is_lead and second.what_seen == ""


def test_the_victims_door_is_apart_but_its_camera_counts(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.coordinator)
    assert computed.victim is not None and computed.victim.stop.is_victim
    assert computed.victim not in computed.doors
    assert computed.victim.reached and computed.victim.camera_location == "Achtertuin"
    assert computed.victim in computed.cameras


def test_without_visits_everything_is_zero_and_every_door_needs_a_leaflet(scene):
    from samenveilig.inquiries import services

    inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input())
    computed = results.inquiry_results(inquiry, viewer=scene.police)
    assert computed.totals.visited == computed.totals.reached == computed.totals.leads == 0
    assert computed.totals.not_visited == computed.totals.doors > 0
    assert len(computed.leaflet_doors) == computed.totals.doors


# --- leads, descriptions, cameras ------------------------------------------------------------


def test_a_lead_carries_what_was_seen_the_person_and_the_vehicle(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    assert [d.stop.pk for d in computed.leads] == [canvass.stops[0].pk]
    lead = computed.leads[0]
    assert lead.what_seen == WHAT_SEEN
    (person,) = lead.persons
    assert (person.sex, person.age, person.build_label) == ("male", 30, "Slim")
    assert person.sex_label == "Male" and person.clothing == "Zwarte jas met capuchon"
    assert "Estimated height: 1,80 m" in person.text()
    assert lead.vehicle is not None
    assert (lead.vehicle.kind_label, lead.vehicle.make_label) == ("Van", "Ford Transit")
    assert lead.vehicle.licence_plate == "12-ABC-3"
    assert lead.camera_location == CAMERA_PLACE and lead.camera_kept
    assert lead.tips_given == "Keep outdoor lights on, Good locks and hinges"
    assert [(d.stop.pk, p.number) for d, p in computed.described_persons] == [
        (canvass.stops[0].pk, 1)
    ]
    assert computed.doors_leads_first()[0] is lead


def test_choice_labels_follow_the_language(scene, canvass):
    with translation.override("nl"):
        computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    person = computed.leads[0].persons[0]
    assert (person.sex_label, person.build_label) == ("Man", "Slank")


# --- phone numbers: police of the buurt only -------------------------------------------------


def test_the_police_of_the_buurt_get_the_phone_numbers(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    assert computed.shows_phone
    assert sorted(d.phone for d in computed.contacts) == sorted([PHONE, SECOND_PHONE])


@pytest.mark.parametrize("who", ["coordinator", "other_police", "outsider"])
def test_nobody_else_gets_a_phone_number(scene, canvass, who):
    computed = results.inquiry_results(canvass.inquiry, viewer=getattr(scene, who))
    assert not computed.shows_phone
    assert len(computed.contacts) == 2
    assert all(d.phone == "" for d in computed.all_doors())
    assert PHONE not in results.results_csv(computed)


# --- CSV ---------------------------------------------------------------------------------------


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_one_row_per_door_with_its_newest_visit(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    rows = read_csv(results.results_csv(computed))
    assert list(rows[0]) == results.CSV_HEADER
    assert len(rows) == computed.totals.doors + 1  # and the victim's door
    assert rows[0]["victim_address"] == "yes" and rows[0]["outcome"] == "gesproken"
    by_street = {(r["street"], r["house_number"]): r for r in rows}
    first = canvass.stops[0].address
    lead = by_street[(first.street, str(first.house_number))]
    assert lead["reference"] == canvass.inquiry.reference
    assert (lead["outcome"], lead["lead"], lead["camera"], lead["wants_contact"]) == (
        "gesproken",
        "yes",
        "yes",
        "yes",
    )
    assert lead["visits"] == "2" and lead["phone"] == PHONE
    assert lead["what_seen"] == WHAT_SEEN and lead["camera_location"] == CAMERA_PLACE
    assert "Clothing: Zwarte jas met capuchon" in lead["persons"]
    assert "Licence plate: 12-ABC-3" in lead["vehicle"]
    assert sum(r["outcome"] == "not_visited" for r in rows) == computed.totals.not_visited
    assert sum(r["needs_cocoon_leaflet"] == "yes" for r in rows) == len(computed.leaflet_doors)


def test_the_csv_neutralises_formulas(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    rows = read_csv(results.results_csv(computed))
    fifth = canvass.stops[5].address
    row = next(
        r
        for r in rows
        if r["house_number"] == str(fifth.house_number) and r["street"] == fifth.street
    )
    assert row["remarks"] == "'" + FORMULA_REMARK
    assert row["camera_location"] == "'" + FORMULA_CAMERA
    assert row["phone"] == "'" + SECOND_PHONE  # a leading + is a formula to a spreadsheet
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@")), value


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+2", "'=1+2"),
        ("+31", "'+31"),
        ("-5", "'-5"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("gewoon", "gewoon"),
        (12, 12),
        ("", ""),
    ],
)
def test_safe_cell(value, expected):
    assert results.safe_cell(value) == expected


# --- leaflets (INQ-8) --------------------------------------------------------------------------


def test_leaflets_go_to_doors_not_reached(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.coordinator)
    leaflet = {d.stop.pk for d in computed.leaflet_doors}
    stops = canvass.stops
    assert stops[1].pk in leaflet  # nobody home at the newest visit
    assert stops[4].pk in leaflet  # nobody home, no leaflet left
    assert stops[0].pk not in leaflet  # reached
    assert stops[5].pk not in leaflet  # reached
    assert stops[2].pk not in leaflet  # did not want to talk: told at the door
    assert stops[3].pk not in leaflet  # a leaflet was left already
    assert canvass.victim.pk not in leaflet
    not_visited = {d.stop.pk for d in computed.doors if d.visit is None}
    assert not_visited and not_visited <= leaflet
    assert leaflet == not_visited | {stops[1].pk, stops[4].pk}


# --- from a description to an alert draft ------------------------------------------------------


def test_the_alert_draft_maps_the_person_and_the_vehicle(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    door = computed.leads[0]
    draft = results.alert_draft(canvass.inquiry, door, person=door.persons[0])
    alert, person, vehicle = draft["alert"], draft["person"], draft["vehicle"]
    assert alert["kind"] == AlertKind.WANTED_PERSON
    assert "Kerkstraat" in alert["title"] and len(alert["title"]) <= 120
    assert (alert["lat"], alert["lon"]) == (
        round(canvass.inquiry.lat, 6),
        round(canvass.inquiry.lon, 6),
    )
    assert person == {
        "behaviour": WHAT_SEEN,
        "sex": "male",
        "age_min": 25,
        "age_max": 35,
        "build": "Slim",
        "height_min_cm": 175,
        "height_max_cm": 185,
        "top": "Zwarte jas met capuchon",
        "features": "Tas met gereedschap",
    }
    assert vehicle == {
        "kind": "Van",
        "make": "Ford Transit",
        "colour": "wit",
        "licence_plate": "12-ABC-3",
    }
    # No phone number, address or house number of the resident in anything sent out.
    text = repr(draft)
    assert PHONE not in text and str(door.address.postcode) not in text


def test_a_vehicle_alone_makes_a_vehicle_alert(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    draft = results.alert_draft(canvass.inquiry, computed.leads[0], person=None)
    assert draft["alert"]["kind"] == AlertKind.VEHICLE and draft["person"] == {}


@pytest.mark.parametrize(
    "text,cm",
    [
        ("1,80 m", 180),
        ("1.75", 175),
        ("185 cm", 185),
        ("ongeveer 170", 170),
        ("lang", None),
        ("3 meter", None),
        ("", None),
    ],
)
def test_height_in_centimetres(text, cm):
    assert results.height_cm(text) == cm


def test_an_unreadable_height_goes_into_the_features(scene, canvass):
    computed = results.inquiry_results(canvass.inquiry, viewer=scene.police)
    door = computed.leads[0]
    person = results.PersonSeen(number=1, height="erg lang", features="pet")
    values = results.person_initial(door, person)
    assert "height_min_cm" not in values and values["features"] == "pet; height: erg lang"


def test_door_for_visit_is_only_the_newest_visit(scene, canvass):
    older, newer = canvass.inquiry.visits.filter(stop=canvass.stops[0]).order_by("visited_at")
    assert results.door_for_visit(canvass.inquiry, older.pk, viewer=scene.police) is None
    door = results.door_for_visit(canvass.inquiry, newer.pk, viewer=scene.police)
    assert door is not None and door.persons and door.phone == PHONE
    coordinator_view = results.door_for_visit(canvass.inquiry, newer.pk, viewer=scene.coordinator)
    assert coordinator_view.phone == ""


# --- cocoon warning ----------------------------------------------------------------------------


def test_police_send_the_cocoon_warning_once(scene, canvass, django_capture_on_commit_callbacks):
    before = timezone.now()
    with django_capture_on_commit_callbacks():
        alert = services_results.cocoon_warning_send(actor=scene.police, inquiry=canvass.inquiry)
    after = timezone.now()
    canvass.inquiry.refresh_from_db()
    assert canvass.inquiry.cocoon_alert == alert
    assert alert.kind == AlertKind.COCOON and alert.status == AlertStatus.SENT
    assert before + dt.timedelta(days=14) <= alert.expires_at <= after + dt.timedelta(days=14)
    assert (alert.lat, alert.lon) == (canvass.inquiry.lat, canvass.inquiry.lon)
    assert alert.radius_m == canvass.inquiry.radius_m
    assert alert.centre_neighbourhood == canvass.inquiry.neighbourhood
    assert alert.person is None and alert.vehicle is None
    victim = canvass.inquiry.victim_address
    assert "Kerkstraat" in alert.title
    assert str(victim.house_number) not in alert.title
    assert victim.postcode not in alert.message and PHONE not in alert.message
    assert canvass.inquiry.summary in alert.message
    event = AuditEvent.objects.get(action="inquiry.cocoon_warning")
    assert event.details == {"alert_id": alert.pk, "status": "sent"}

    with pytest.raises(InquiryActionError):
        services_results.cocoon_warning_send(actor=scene.coordinator, inquiry=canvass.inquiry)
    assert Alert.objects.filter(kind=AlertKind.COCOON).count() == 1


def test_a_new_warning_after_the_first_has_ended(scene, canvass):
    first = services_results.cocoon_warning_send(actor=scene.police, inquiry=canvass.inquiry)
    Alert.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    second = services_results.cocoon_warning_send(actor=scene.police, inquiry=canvass.inquiry)
    canvass.inquiry.refresh_from_db()
    assert second.pk != first.pk and canvass.inquiry.cocoon_alert == second


def test_a_small_canvass_circle_gets_the_smallest_alert_radius(scene):
    from samenveilig.inquiries import services

    inquiry = services.inquiry_start(actor=scene.coordinator, data=scene.input(radius_m=60))
    alert = services_results.cocoon_warning_send(actor=scene.police, inquiry=inquiry)
    assert alert.radius_m == 100


def test_a_coordinator_proposes_where_the_municipality_allows_it(scene, canvass):
    allow_proposals(scene.town["municipality"])
    alert = services_results.cocoon_warning_send(actor=scene.coordinator, inquiry=canvass.inquiry)
    assert alert.status == AlertStatus.PENDING_APPROVAL and alert.kind == AlertKind.COCOON
    assert alert.community == scene.community
    # Waiting for approval is active: no second proposal.
    with pytest.raises(InquiryActionError):
        services_results.cocoon_warning_send(actor=scene.police, inquiry=canvass.inquiry)
    # Rejected: a new one may be sent.
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.REJECTED)
    again = services_results.cocoon_warning_send(actor=scene.police, inquiry=canvass.inquiry)
    assert again.status == AlertStatus.SENT


def test_a_coordinator_is_refused_where_the_municipality_does_not_allow_it(scene, canvass):
    with pytest.raises(PermissionDenied):
        services_results.cocoon_warning_send(actor=scene.coordinator, inquiry=canvass.inquiry)
    canvass.inquiry.refresh_from_db()
    assert canvass.inquiry.cocoon_alert is None and not Alert.objects.exists()


@pytest.mark.parametrize("who", ["other_police", "member", "outsider", "canvasser"])
def test_others_do_not_send_a_cocoon_warning(scene, canvass, who):
    actor = scene.canvassers[0] if who == "canvasser" else getattr(scene, who)
    with pytest.raises(PermissionDenied):
        services_results.cocoon_warning_send(actor=actor, inquiry=canvass.inquiry)
    assert not Alert.objects.exists()


def test_exports_are_audited_without_personal_data(scene, canvass):
    services_results.results_exported(
        actor=scene.police, inquiry=canvass.inquiry, fmt="csv", rows=5, phones=True
    )
    services_results.leaflets_exported(
        actor=scene.coordinator, inquiry=canvass.inquiry, addresses=3, language="en"
    )
    export = AuditEvent.objects.get(action="inquiry.results_export")
    assert export.details == {"format": "csv", "doors": 5, "phone_numbers": True}
    leaflet = AuditEvent.objects.get(action="inquiry.leaflet_export")
    assert leaflet.details == {"addresses": 3, "language": "en"}
    with pytest.raises(PermissionDenied):
        services_results.results_exported(
            actor=scene.member, inquiry=canvass.inquiry, fmt="pdf", rows=1, phones=False
        )
