"""The results of a neighbourhood inquiry for the police (INQ-7) and the cocoon leaflet list
(INQ-8), computed from the visits: one row per door, the newest visit at that door counts.

Who sees what:
- Managers (police of the buurt, the group's coordinators) see the results.
- Phone numbers of residents who asked to be contacted were given for the police only: they are
  put into the results for the police of the buurt and for nobody else
  (``user_can_see_contact_details``). A coordinator learns that the resident consented, not the
  number. Because the number never enters the computed results for others, the page, the CSV and
  the PDF cannot show it by mistake.

Which doors get a cocoon leaflet (``needs_leaflet``): every canvass door nobody has visited yet,
and every door whose newest visit found nobody at home, unless the canvassers already left a
leaflet there. Not a door where someone said they did not want to talk: they were told at the
door what happened, and a letter after a refusal is pushing. Not the victim's door either: the
victim knows, and the police or the coordinator visit them in person.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samenveilig.accounts.roles import AnyUser
from samenveilig.inquiries.models import (
    CanvassAddress,
    CanvassVisit,
    IncidentKind,
    Inquiry,
    VisitOutcome,
)
from samenveilig.inquiries.permissions import police_covers_area
from samenveilig.questionnaires.models import Questionnaire
from samenveilig.questionnaires.xlsform import Form, Group, text_in

# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def user_can_see_contact_details(user: AnyUser, inquiry: Inquiry) -> bool:
    """Phone numbers of residents who want the police to contact them: the police of the buurt
    only. They were given for police contact, not for the neighbourhood watch."""
    return police_covers_area(user, inquiry.neighbourhood_id)


# --- reading one answer set -------------------------------------------------------------------


class _Labels:
    """Choice labels of the questionnaire versions the answers were given with, in the active
    language (a value a newer version does not know is shown as it was stored)."""

    def __init__(self, questionnaires: Iterable[Questionnaire]) -> None:
        self.language = (get_language() or "nl").split("-")[0]
        self.forms: dict[int, tuple[Form, dict[str, str]]] = {}
        for questionnaire in questionnaires:
            form = questionnaire.form
            lists = {
                node.name: node.list_name
                for node in form.walk()
                if not isinstance(node, Group) and node.list_name
            }
            self.forms[questionnaire.pk] = (form, lists)

    def label(self, questionnaire_id: int, question: str, value: Any) -> str:
        if value in (None, ""):
            return ""
        found = self.forms.get(questionnaire_id)
        if found is None:
            return str(value)
        form, lists = found
        choices = {c.name: c for c in form.choices.get(lists.get(question, ""), [])}
        words = []
        for name in str(value).split():
            choice = choices.get(name)
            words.append(
                text_in(choice.labels, self.language, form.default_language) if choice else name
            )
        return ", ".join(w for w in words if w)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@dataclass(frozen=True)
class PersonSeen:
    """One person a resident described (the repeat of the buurtonderzoek form)."""

    number: int
    sex: str = ""  # the stored choice: male / female / unknown
    sex_label: str = ""
    age: int | None = None
    build: str = ""
    build_label: str = ""
    height: str = ""
    clothing: str = ""
    features: str = ""

    def lines(self) -> list[tuple[str, str]]:
        out = [
            (_("Sex"), self.sex_label),
            (_("Estimated age"), "" if self.age is None else str(self.age)),
            (_("Build"), self.build_label),
            (_("Estimated height"), self.height),
            (_("Clothing"), self.clothing),
            (_("Distinctive features"), self.features),
        ]
        return [(label, value) for label, value in out if value]

    def text(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.lines())

    @property
    def is_empty(self) -> bool:
        return not self.lines()


@dataclass(frozen=True)
class VehicleSeen:
    kind: str = ""
    kind_label: str = ""
    make: str = ""
    make_label: str = ""
    colour: str = ""
    licence_plate: str = ""

    def lines(self) -> list[tuple[str, str]]:
        out = [
            (_("Kind of vehicle"), self.kind_label),
            (_("Make"), self.make_label),
            (_("Colour"), self.colour),
            (_("Licence plate"), self.licence_plate),
        ]
        return [(label, value) for label, value in out if value]

    def text(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.lines())


@dataclass
class DoorResult:
    """One door and what its newest visit found."""

    stop: CanvassAddress
    visits: int = 0
    visit: CanvassVisit | None = None
    what_seen: str = ""
    persons: list[PersonSeen] = field(default_factory=list)
    vehicle: VehicleSeen | None = None
    camera_location: str = ""
    camera_kept: bool = False
    phone: str = ""  # only for the police of the buurt, see ``user_can_see_contact_details``
    leaflet_left: bool = False
    tips_given: str = ""
    remarks: str = ""

    @property
    def address(self) -> Any:
        return self.stop.address

    @property
    def address_line(self) -> str:
        address = self.stop.address
        addition = f" {address.house_number_addition}" if address.house_number_addition else ""
        return f"{address.street} {address.house_number}{addition}"

    @property
    def postcode(self) -> str:
        return self.stop.address.postcode

    @property
    def route_label(self) -> str:
        return self.stop.route.label if self.stop.route_id else ""

    @property
    def outcome(self) -> str:
        return self.visit.outcome if self.visit else ""

    @property
    def outcome_label(self) -> str:
        return str(self.visit.get_outcome_display()) if self.visit else _("Not visited yet")

    @property
    def visited_at(self) -> Any:
        return self.visit.visited_at if self.visit else None

    @property
    def reached(self) -> bool:
        return self.outcome == VisitOutcome.SPOKEN

    @property
    def is_lead(self) -> bool:
        return bool(self.visit and self.visit.is_lead)

    @property
    def has_camera(self) -> bool:
        return bool(self.visit and self.visit.has_camera)

    @property
    def wants_contact(self) -> bool:
        return bool(self.visit and self.visit.wants_contact)

    @property
    def needs_leaflet(self) -> bool:
        """See the module docstring: not visited, or nobody home and no leaflet left yet."""
        if self.stop.is_victim:
            return False
        if self.visit is None:
            return True
        return self.outcome == VisitOutcome.NOT_HOME and not self.leaflet_left


@dataclass(frozen=True)
class Totals:
    doors: int = 0
    visited: int = 0
    reached: int = 0
    not_home: int = 0
    refused: int = 0
    not_visited: int = 0
    leads: int = 0
    cameras: int = 0
    contacts: int = 0


@dataclass
class InquiryResults:
    inquiry: Inquiry
    doors: list[DoorResult]  # the canvass doors in walking order, the victim's apart
    victim: DoorResult | None
    totals: Totals
    shows_phone: bool
    computed_at: Any

    def all_doors(self) -> list[DoorResult]:
        return ([self.victim] if self.victim else []) + self.doors

    @property
    def leads(self) -> list[DoorResult]:
        return [d for d in self.all_doors() if d.is_lead]

    @property
    def described_persons(self) -> list[tuple[DoorResult, PersonSeen]]:
        return [(d, p) for d in self.all_doors() for p in d.persons]

    @property
    def described_vehicles(self) -> list[tuple[DoorResult, VehicleSeen]]:
        return [(d, d.vehicle) for d in self.all_doors() if d.vehicle is not None]

    @property
    def cameras(self) -> list[DoorResult]:
        return [d for d in self.all_doors() if d.has_camera]

    @property
    def contacts(self) -> list[DoorResult]:
        return [d for d in self.all_doors() if d.wants_contact]

    @property
    def leaflet_doors(self) -> list[DoorResult]:
        return [d for d in self.doors if d.needs_leaflet]

    def doors_leads_first(self) -> list[DoorResult]:
        """All doors, leads first, each group in walking order (the PDF's order)."""
        doors = self.all_doors()
        return [d for d in doors if d.is_lead] + [d for d in doors if not d.is_lead]


def _read_answers(door: DoorResult, labels: _Labels, *, shows_phone: bool) -> None:
    visit = door.visit
    assert visit is not None
    answers = visit.answer_set.answers if isinstance(visit.answer_set.answers, dict) else {}
    qid = visit.answer_set.questionnaire_id
    talk = answers.get("conversation")
    talk = talk if isinstance(talk, dict) else {}
    door.leaflet_left = answers.get("leaflet_left") == "yes"
    door.remarks = _text(answers.get("remarks"))
    door.what_seen = _text(talk.get("what_seen"))
    persons = talk.get("persons")
    for number, entry in enumerate(persons if isinstance(persons, list) else [], start=1):
        if not isinstance(entry, dict):
            continue
        age = entry.get("person_age")
        person = PersonSeen(
            number=number,
            sex=_text(entry.get("person_gender")),
            sex_label=labels.label(qid, "person_gender", entry.get("person_gender")),
            age=age if isinstance(age, int) and not isinstance(age, bool) else None,
            build=_text(entry.get("person_build")),
            build_label=labels.label(qid, "person_build", entry.get("person_build")),
            height=_text(entry.get("person_height")),
            clothing=_text(entry.get("person_clothing")),
            features=_text(entry.get("person_features")),
        )
        if not person.is_empty:
            door.persons.append(person)
    if talk.get("vehicle_seen") == "yes":
        vehicle = VehicleSeen(
            kind=_text(talk.get("vehicle_kind")),
            kind_label=labels.label(qid, "vehicle_kind", talk.get("vehicle_kind")),
            make=_text(talk.get("vehicle_brand")),
            make_label=labels.label(qid, "vehicle_brand", talk.get("vehicle_brand")),
            colour=_text(talk.get("vehicle_colour")),
            licence_plate=_text(talk.get("licence_plate")),
        )
        if vehicle.lines():
            door.vehicle = vehicle
    if visit.has_camera:
        door.camera_location = _text(talk.get("camera_location"))
        door.camera_kept = bool(talk.get("camera_keep"))
    door.tips_given = labels.label(qid, "tips_given", talk.get("tips_given"))
    if visit.wants_contact and shows_phone:
        door.phone = _text(talk.get("phone"))


def inquiry_results(inquiry: Inquiry, *, viewer: AnyUser) -> InquiryResults:
    """The results as ``viewer`` may see them. The caller checks that the viewer manages the
    inquiry (``permissions.user_can_manage_inquiry``); this decides only about phone numbers."""
    shows_phone = user_can_see_contact_details(viewer, inquiry)
    stops = list(
        inquiry.addresses.select_related("address", "route").order_by(
            "route__position", "position", "pk"
        )
    )
    newest: dict[int, CanvassVisit] = {}
    counts: dict[int, int] = {}
    visits = inquiry.visits.select_related("answer_set").order_by("visited_at", "pk")
    for visit in visits:
        newest[visit.stop_id] = visit
        counts[visit.stop_id] = counts.get(visit.stop_id, 0) + 1
    questionnaire_ids = {v.answer_set.questionnaire_id for v in newest.values()}
    labels = _Labels(Questionnaire.objects.filter(pk__in=questionnaire_ids))

    doors: list[DoorResult] = []
    victim: DoorResult | None = None
    for stop in stops:
        door = DoorResult(stop=stop, visits=counts.get(stop.pk, 0), visit=newest.get(stop.pk))
        if door.visit is not None:
            _read_answers(door, labels, shows_phone=shows_phone)
        if stop.is_victim:
            victim = door
        else:
            doors.append(door)
    # The victim's door (visited by police or the coordinator) stays out of the canvass counts
    # but its leads, cameras and consent count: they are leads like any other.
    counted = doors + ([victim] if victim else [])
    totals = Totals(
        doors=len(doors),
        visited=sum(1 for d in doors if d.visit is not None),
        reached=sum(1 for d in doors if d.reached),
        not_home=sum(1 for d in doors if d.outcome == VisitOutcome.NOT_HOME),
        refused=sum(1 for d in doors if d.outcome == VisitOutcome.REFUSED),
        not_visited=sum(1 for d in doors if d.visit is None),
        leads=sum(1 for d in counted if d.is_lead),
        cameras=sum(1 for d in counted if d.has_camera),
        contacts=sum(1 for d in counted if d.wants_contact),
    )
    return InquiryResults(
        inquiry=inquiry,
        doors=doors,
        victim=victim,
        totals=totals,
        shows_phone=shows_phone,
        computed_at=timezone.now(),
    )


def incident_street(inquiry: Inquiry) -> str:
    """The street the incident is told to have happened near: the victim's street, else the
    street of the nearest canvass door, else the buurt's name. Never a house number."""
    if inquiry.victim_address_id is not None and inquiry.victim_address is not None:
        return inquiry.victim_address.street
    nearest = inquiry.addresses.select_related("address").order_by("distance_m", "position").first()
    if nearest is not None:
        return nearest.address.street
    return inquiry.neighbourhood.name


def incident_phrase(kind: str) -> str:
    """ "a burglary", "a car break-in", … for sentences (whole phrases translate best)."""
    return {
        IncidentKind.BURGLARY: _("a burglary"),
        IncidentKind.CAR_BREAK_IN: _("a car break-in"),
        IncidentKind.BIKE_THEFT: _("a bike theft"),
    }.get(kind, _("an incident"))


# --- CSV ----------------------------------------------------------------------------------------

CSV_HEADER = [
    "reference",
    "route",
    "position",
    "street",
    "house_number",
    "addition",
    "postcode",
    "victim_address",
    "distance_m",
    "visits",
    "last_visit_at",
    "outcome",
    "lead",
    "camera",
    "wants_contact",
    "phone",
    "what_seen",
    "persons",
    "vehicle",
    "camera_location",
    "camera_footage_kept",
    "leaflet_left",
    "tips_given",
    "remarks",
    "needs_cocoon_leaflet",
]


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection): a leading quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def results_csv(results: InquiryResults) -> str:
    """One row per door (the victim's first) with its newest visit. Stable column names and
    stored codes, for a spreadsheet or another system. The phone column stays empty for anyone
    but the police of the buurt (the results hold no number for them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    reference = results.inquiry.reference
    for door in results.all_doors():
        address = door.address
        visited_at = door.visited_at
        row = [
            reference,
            door.stop.route.position if door.stop.route_id else "",
            door.stop.position if door.stop.route_id else "",
            address.street,
            address.house_number,
            address.house_number_addition,
            address.postcode,
            _yes(door.stop.is_victim),
            door.stop.distance_m,
            door.visits,
            timezone.localtime(visited_at).isoformat() if visited_at else "",
            door.outcome or "not_visited",
            _yes(door.is_lead),
            _yes(door.has_camera),
            _yes(door.wants_contact),
            door.phone,
            door.what_seen,
            " | ".join(p.text() for p in door.persons),
            door.vehicle.text() if door.vehicle else "",
            door.camera_location,
            _yes(door.camera_kept) if door.has_camera else "",
            _yes(door.leaflet_left) if door.visit else "",
            door.tips_given,
            door.remarks,
            _yes(door.needs_leaflet),
        ]
        writer.writerow([safe_cell(_one_line(v)) for v in row])
    return buffer.getvalue()


_NEWLINES = re.compile(r"[\r\n]+")


def _one_line(value: Any) -> Any:
    """Line breaks inside a cell are legal CSV but break many readers: a space instead."""
    return _NEWLINES.sub(" ", value).strip() if isinstance(value, str) else value


# --- from a description to an alert draft (INQ-7) ---------------------------------------------

_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")
AGE_SPREAD = 5
HEIGHT_SPREAD_CM = 5


def height_cm(text: str) -> int | None:
    """'1.80 m', '1,85', '180 cm', 'ongeveer 175' -> centimetres; anything else -> None."""
    match = _NUMBER.search(text or "")
    if not match:
        return None
    number = float(match.group(1).replace(",", "."))
    if 1.0 <= number <= 2.5:
        number *= 100
    if 50 <= number <= 250:
        return round(number)
    return None


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


SEX_FROM_FORM = {"male": "male", "female": "female"}


def person_initial(door: DoorResult, person: PersonSeen) -> dict[str, Any]:
    """The alert form's person fields from the canvass answers. The estimates become ranges
    (±5 years, ±5 cm); clothing goes into the top, the one clothing field the form has that
    is read first. The sender checks every field before sending."""
    initial: dict[str, Any] = {}
    if door.what_seen:
        initial["behaviour"] = _clip(door.what_seen, 1000)
    if person.sex in SEX_FROM_FORM:
        initial["sex"] = SEX_FROM_FORM[person.sex]
    if person.age is not None:
        initial["age_min"] = max(0, person.age - AGE_SPREAD)
        initial["age_max"] = min(110, person.age + AGE_SPREAD)
    if person.build_label:
        initial["build"] = _clip(person.build_label, 40)
    height = height_cm(person.height)
    if height is not None:
        initial["height_min_cm"] = max(50, height - HEIGHT_SPREAD_CM)
        initial["height_max_cm"] = min(250, height + HEIGHT_SPREAD_CM)
    if person.clothing:
        initial["top"] = _clip(person.clothing, 120)
    features = person.features
    if person.height and height is None:
        features = f"{features}; {_('height')}: {person.height}" if features else person.height
    if features:
        initial["features"] = _clip(features, 200)
    return initial


def vehicle_initial(vehicle: VehicleSeen | None) -> dict[str, Any]:
    if vehicle is None:
        return {}
    initial: dict[str, Any] = {}
    if vehicle.kind_label:
        initial["kind"] = _clip(vehicle.kind_label, 40)
    # "Other make" / "make unknown" are no make to look out for.
    if vehicle.make and not vehicle.make.endswith(("_other", "_any")):
        initial["make"] = _clip(vehicle.make_label, 60)
    if vehicle.colour:
        initial["colour"] = _clip(vehicle.colour, 40)
    if vehicle.licence_plate:
        initial["licence_plate"] = _clip(vehicle.licence_plate, 20)
    return initial


def alert_draft(
    inquiry: Inquiry, door: DoorResult, *, person: PersonSeen | None
) -> dict[str, dict[str, Any]]:
    """Initial values for the alerts "new alert" form (``alert``, ``person``, ``vehicle``) from
    one described person (kind "wanted person"), or from the vehicle alone (kind "vehicle").
    The place is the inquiry's centre; radius and validity are the form's defaults."""
    from samenveilig.communities.models import AlertKind

    street = incident_street(inquiry)
    kind_label = IncidentKind(inquiry.kind).label if inquiry.kind in IncidentKind.values else ""
    if person is not None:
        title = _("%(incident)s near %(street)s: who saw this person?") % {
            "incident": kind_label,
            "street": street,
        }
        alert = {"kind": AlertKind.WANTED_PERSON}
        person_values = person_initial(door, person)
    else:
        title = _("%(incident)s near %(street)s: who saw this vehicle?") % {
            "incident": kind_label,
            "street": street,
        }
        alert = {"kind": AlertKind.VEHICLE}
        person_values = {}
    alert.update(
        title=_clip(title, 120),
        message=_(
            "Do not approach. See them now? Call 112. Seen them earlier? Call 0900-8844 and "
            "mention %(reference)s."
        )
        % {"reference": inquiry.reference},
        lat=round(inquiry.lat, 6),
        lon=round(inquiry.lon, 6),
    )
    return {"alert": alert, "person": person_values, "vehicle": vehicle_initial(door.vehicle)}


def door_for_visit(inquiry: Inquiry, visit_id: int, *, viewer: AnyUser) -> DoorResult | None:
    """The door of one visit of this inquiry, read as in ``inquiry_results``, if that visit is
    still the newest at its door (an older one is no longer what the results show)."""
    visit = (
        inquiry.visits.select_related("answer_set", "stop__address", "stop__route")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        return None
    newest = inquiry.visits.filter(stop_id=visit.stop_id).order_by("-visited_at", "-pk").first()
    if newest is None or newest.pk != visit.pk:
        return None
    door = DoorResult(
        stop=visit.stop,
        visits=inquiry.visits.filter(stop_id=visit.stop_id).count(),
        visit=visit,
    )
    labels = _Labels(Questionnaire.objects.filter(pk=visit.answer_set.questionnaire_id))
    _read_answers(door, labels, shows_phone=user_can_see_contact_details(viewer, inquiry))
    return door
