"""Every write on neighbourhood inquiries. One transaction per action, an audit row for every
state change, no personal data in the audit details."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samenveilig.areas import spatial
from samenveilig.areas.models import Address, Area
from samenveilig.communities.models import Community
from samenveilig.core import audit
from samenveilig.core.geo import haversine_m
from samenveilig.flags.hooks import match_after_commit
from samenveilig.inquiries import permissions
from samenveilig.inquiries.models import (
    DEFAULT_RADIUS_M,
    DEFAULT_ROUTE_SIZE,
    MAX_ADDRESSES,
    MAX_RADIUS_M,
    MIN_RADIUS_M,
    CanvassAddress,
    CanvasserMark,
    CanvassRoute,
    CanvassSignup,
    CanvassVisit,
    IncidentKind,
    Inquiry,
    InquiryStatus,
    VisitOutcome,
)
from samenveilig.inquiries.routes import build_routes
from samenveilig.inquiries.selectors import doors_within
from samenveilig.questionnaires.images import images_attach, images_check
from samenveilig.questionnaires.models import AnswerSet, Questionnaire
from samenveilig.questionnaires.services import (
    IDEMPOTENCY_KEY_RE,
    SHIPPED_FORMS,
    AnswerValidationError,
    IdempotencyConflict,
    answers_submit,
    questionnaire_install,
)
from samenveilig.questionnaires.validation import validate_answers

logger = logging.getLogger(__name__)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
STANDARD_FORM_ID = "buurtonderzoek"


class InquiryValidationError(Exception):
    """Field -> messages, shown next to the fields of the form."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


class InquiryActionError(Exception):
    """The action does not fit the inquiry's state (closed, already accepted, …)."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class InquiryInput:
    community: Community
    kind: str
    occurred_at: dt.datetime
    victim_address: Address | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: int = DEFAULT_RADIUS_M
    route_size: int = DEFAULT_ROUTE_SIZE
    summary: str = ""
    report: Any = None  # reports.Report the inquiry follows up, if any


def standard_questionnaire(community: Community | None = None) -> Questionnaire:
    """The questionnaire a new inquiry of ``community`` uses (INQ-4): the community's own active
    version of the buurtonderzoek form (a coordinator's upload), else the deployment's active
    version, else the shipped form, installed on first use (decision record 0016)."""
    from samenveilig.questionnaires.selectors import active_questionnaire

    found = active_questionnaire(STANDARD_FORM_ID, community)
    if found is not None:
        return found
    questionnaire, _created = questionnaire_install(SHIPPED_FORMS / f"{STANDARD_FORM_ID}.xlsx")
    return questionnaire


def _new_reference() -> str:
    for _attempt in range(10):
        reference = "B-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if not Inquiry.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not find a free inquiry reference.")  # pragma: no cover


def _centre(data: InquiryInput, errors: dict[str, list[str]]) -> tuple[float, float] | None:
    """The victim's address, else a pin, else the place of the report the inquiry follows up
    (a pin moved away from the report's place is what the starter meant)."""
    if data.victim_address is not None:
        return data.victim_address.lat, data.victim_address.lon
    if data.lat is not None and data.lon is not None:
        return data.lat, data.lon
    if data.report is not None:
        return data.report.lat, data.report.lon
    errors.setdefault("place", []).append(
        _("Give the address of the incident (postcode and house number) or a pin on the map.")
    )
    return None


def _check(data: InquiryInput, now: dt.datetime) -> tuple[float, float, Area]:
    errors: dict[str, list[str]] = {}
    if data.kind not in IncidentKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of incident."))
    if not MIN_RADIUS_M <= data.radius_m <= MAX_RADIUS_M:
        errors.setdefault("radius_m", []).append(
            _("The radius must be between %(min)s and %(max)s metres.")
            % {"min": MIN_RADIUS_M, "max": MAX_RADIUS_M}
        )
    if not 2 <= data.route_size <= 100:
        errors.setdefault("route_size", []).append(_("A route has between 2 and 100 addresses."))
    if data.occurred_at > now + dt.timedelta(minutes=5):
        errors.setdefault("occurred_at", []).append(_("The incident cannot be in the future."))
    if len(data.summary) > 1000:
        errors.setdefault("summary", []).append(_("Keep the summary under 1,000 characters."))
    centre = _centre(data, errors)
    neighbourhood = spatial.neighbourhood_at(*centre) if centre else None
    if centre and neighbourhood is None:
        errors.setdefault("place", []).append(_("This place is not in any known neighbourhood."))
    if errors:
        raise InquiryValidationError(errors)
    assert centre is not None and neighbourhood is not None
    return centre[0], centre[1], neighbourhood


@dataclass(frozen=True)
class InquiryPreview:
    """What a start would create: the doors to canvass (without the victim's) and the routes."""

    neighbourhood: Area
    addresses: int
    routes: int


def _prepare(actor: Any, data: InquiryInput, now: dt.datetime) -> tuple[float, float, Area, list]:
    lat, lon, neighbourhood = _check(data, now)
    if not permissions.user_can_start_inquiry(actor, data.community, neighbourhood):
        raise PermissionDenied
    doors = doors_within(lat, lon, data.radius_m)
    if len(doors) > MAX_ADDRESSES:
        raise InquiryValidationError(
            {
                "radius_m": [
                    _("More than %(n)s addresses lie in this circle; choose a smaller radius.")
                    % {"n": MAX_ADDRESSES}
                ]
            }
        )
    return lat, lon, neighbourhood, doors


def inquiry_preview(*, actor: Any, data: InquiryInput) -> InquiryPreview:
    """The same checks as ``inquiry_start`` and the counts it would give; stores nothing."""
    _lat, _lon, neighbourhood, doors = _prepare(actor, data, timezone.now())
    victim_id = data.victim_address.pk if data.victim_address is not None else None
    canvass = [d for d in doors if d.address_id != victim_id]
    routes = build_routes(canvass, route_size=data.route_size)
    return InquiryPreview(neighbourhood=neighbourhood, addresses=len(canvass), routes=len(routes))


def inquiry_start(*, actor: Any, data: InquiryInput) -> Inquiry:
    """Start an inquiry with its routes. A coordinator's inquiry opens at once; one started by
    police is a request the group's coordinator accepts (INQ-1)."""
    now = timezone.now()
    lat, lon, neighbourhood, doors = _prepare(actor, data, now)
    by_coordinator = permissions.coordinates(actor, data.community)
    questionnaire = standard_questionnaire(data.community)
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            reference=_new_reference(),
            kind=data.kind,
            status=InquiryStatus.OPEN if by_coordinator else InquiryStatus.REQUESTED,
            report=data.report,
            community=data.community,
            neighbourhood=neighbourhood,
            lat=lat,
            lon=lon,
            radius_m=data.radius_m,
            victim_address=data.victim_address,
            occurred_at=data.occurred_at,
            questionnaire=questionnaire,
            summary=data.summary.strip(),
            accepted_at=now if by_coordinator else None,
            created_by=actor,
            updated_by=actor,
        )
        route_count = _store_routes(inquiry, doors, data.route_size)
        audit.record(
            actor=actor,
            action="inquiry.start" if by_coordinator else "inquiry.request",
            obj=inquiry,
            details={"addresses": len(doors), "routes": route_count, "radius_m": data.radius_m},
        )
    return inquiry


def _store_routes(inquiry: Inquiry, doors: list, route_size: int) -> int:
    victim_id = inquiry.victim_address_id
    canvass = [d for d in doors if d.address_id != victim_id]
    routes = build_routes(canvass, route_size=route_size)
    route_rows = CanvassRoute.objects.bulk_create(
        CanvassRoute(inquiry=inquiry, position=i, street=r.street[:120], label=r.label[:200])
        for i, r in enumerate(routes, start=1)
    )
    stops = [
        CanvassAddress(
            inquiry=inquiry,
            route=row,
            address_id=door.address_id,
            position=position,
            distance_m=round(door.distance_m),
        )
        for row, route in zip(route_rows, routes, strict=True)
        for position, door in enumerate(route.doors, start=1)
    ]
    if victim_id is not None:
        victim = inquiry.victim_address
        stops.append(
            CanvassAddress(
                inquiry=inquiry,
                route=None,
                address_id=victim_id,
                is_victim=True,
                distance_m=round(haversine_m(inquiry.lat, inquiry.lon, victim.lat, victim.lon)),
            )
        )
    CanvassAddress.objects.bulk_create(stops, batch_size=1000)
    return len(route_rows)


def _locked(inquiry: Inquiry) -> Inquiry:
    return Inquiry.objects.select_for_update().get(pk=inquiry.pk)


def inquiry_accept(*, actor: Any, inquiry: Inquiry) -> Inquiry:
    with transaction.atomic():
        inquiry = _locked(inquiry)
        if not permissions.user_can_accept_inquiry(actor, inquiry):
            if inquiry.status != InquiryStatus.REQUESTED:
                raise InquiryActionError(_("This inquiry is not waiting to be accepted."))
            raise PermissionDenied
        inquiry.status = InquiryStatus.OPEN
        inquiry.accepted_at = timezone.now()
        inquiry.updated_by = actor
        inquiry.save(update_fields=["status", "accepted_at", "updated_by", "updated_at"])
        audit.record(actor=actor, action="inquiry.accept", obj=inquiry)
    return inquiry


def inquiry_close(*, actor: Any, inquiry: Inquiry) -> Inquiry:
    with transaction.atomic():
        inquiry = _locked(inquiry)
        if not permissions.user_can_manage_inquiry(actor, inquiry):
            raise PermissionDenied
        if inquiry.status == InquiryStatus.CLOSED:
            raise InquiryActionError(_("This inquiry is already closed."))
        inquiry.status = InquiryStatus.CLOSED
        inquiry.closed_at = timezone.now()
        inquiry.updated_by = actor
        inquiry.save(update_fields=["status", "closed_at", "updated_by", "updated_at"])
        audit.record(actor=actor, action="inquiry.close", obj=inquiry)
    return inquiry


def canvassing_stop(*, actor: Any, community: Community, user: Any, stopped: bool) -> bool:
    """A coordinator stops a member from canvassing for the group (``stopped=True``), whatever
    their training certificate says, or lets them canvass again. Stopping also takes them off the
    group's running inquiries and routes, together with their partner (never alone). Only for
    verified members of the group. Returns whether anything changed (a repeat is a no-op)."""
    if not permissions.user_can_mark_canvassers(actor, community):
        raise PermissionDenied
    if not permissions.is_member(user, community):
        raise InquiryActionError(_("Only verified members of the group can canvass."))
    released = 0
    with transaction.atomic():
        mark = (
            CanvasserMark.objects.select_for_update().filter(community=community, user=user).first()
        )
        is_stopped = mark is not None and mark.revoked_at is not None
        if is_stopped == stopped:
            return False
        if mark is None:
            mark = CanvasserMark(community=community, user=user, created_by=actor)
        mark.revoked_at = timezone.now() if stopped else None
        mark.updated_by = actor
        mark.save()
        if stopped:
            released = _release_canvasser(community, user)
        details: dict[str, Any] = {"user_id": user.pk}
        if stopped:
            details["routes_released"] = released
        audit.record(
            actor=actor,
            action="inquiry.canvassing_stopped" if stopped else "inquiry.canvassing_allowed",
            obj=community,
            details=details,
        )
    return True


def _release_canvasser(community: Community, user: Any) -> int:
    """A stopped member no longer canvasses: their sign-ups to the group's inquiries that are
    not closed go, and so do their routes, for both of the pair (never alone)."""
    running = Inquiry.objects.filter(community=community).exclude(status=InquiryStatus.CLOSED)
    CanvassSignup.objects.filter(inquiry__in=running, user=user).delete()
    return (
        CanvassRoute.objects.select_for_update()
        .filter(_pair_q(user.pk), inquiry__in=running)
        .update(first_canvasser=None, second_canvasser=None, assigned_at=None)
    )


def canvass_signup(*, actor: Any, inquiry: Inquiry) -> CanvassSignup:
    if not permissions.user_can_sign_up(actor, inquiry):
        raise PermissionDenied
    with transaction.atomic():
        signup, created = CanvassSignup.objects.get_or_create(inquiry=inquiry, user=actor)
        if created:
            audit.record(actor=actor, action="inquiry.signup", obj=inquiry)
    return signup


def canvass_withdraw(*, actor: Any, inquiry: Inquiry) -> None:
    """Withdraw a sign-up. A route the member walks goes back to unassigned for both, because a
    route is never walked alone."""
    with transaction.atomic():
        deleted, _rows = CanvassSignup.objects.filter(inquiry=inquiry, user=actor).delete()
        if not deleted:
            return
        routes = inquiry.routes.select_for_update().filter(_pair_q(actor.pk))
        released = routes.update(first_canvasser=None, second_canvasser=None, assigned_at=None)
        audit.record(
            actor=actor, action="inquiry.withdraw", obj=inquiry, details={"routes": released}
        )


def _pair_q(user_id: int) -> Any:
    from django.db.models import Q

    return Q(first_canvasser_id=user_id) | Q(second_canvasser_id=user_id)


def _check_pair(inquiry: Inquiry, first: Any, second: Any) -> None:
    if first.pk == second.pk:
        raise InquiryActionError(_("A route is walked by two people, never alone."))
    signed = set(
        CanvassSignup.objects.filter(inquiry=inquiry, user__in=[first, second]).values_list(
            "user_id", flat=True
        )
    )
    for person in (first, second):
        if person.pk not in signed:
            raise InquiryActionError(
                _("%(name)s has not signed up for this inquiry.") % {"name": person.public_name}
            )
        if not permissions.is_canvasser(person, inquiry.community):
            raise InquiryActionError(
                _("%(name)s is not a canvasser of this group.") % {"name": person.public_name}
            )


def route_assign(*, actor: Any, route: CanvassRoute, first: Any, second: Any) -> CanvassRoute:
    """Give the route to a pair, or take it back when both are ``None``."""
    inquiry = route.inquiry
    if not permissions.user_can_manage_inquiry(actor, inquiry):
        raise PermissionDenied
    if inquiry.status == InquiryStatus.CLOSED:
        raise InquiryActionError(_("This inquiry is closed."))
    if (first is None) != (second is None):
        raise InquiryActionError(_("A route is walked by two people, never alone."))
    if first is not None:
        _check_pair(inquiry, first, second)
    with transaction.atomic():
        route = CanvassRoute.objects.select_for_update().get(pk=route.pk)
        route.first_canvasser = first
        route.second_canvasser = second
        route.assigned_at = timezone.now() if first is not None else None
        route.save(update_fields=["first_canvasser", "second_canvasser", "assigned_at"])
        audit.record(
            actor=actor,
            action="inquiry.route_assign" if first is not None else "inquiry.route_release",
            obj=route,
            details={"inquiry_id": inquiry.pk},
        )
    return route


def routes_pair_up(*, actor: Any, inquiry: Inquiry) -> int:
    """Pair signed-up canvassers who have no route yet, in order of signing up, and give each
    pair the nearest unassigned route. An odd one out waits for a partner. Returns the number
    of routes assigned."""
    if not permissions.user_can_manage_inquiry(actor, inquiry):
        raise PermissionDenied
    if inquiry.status != InquiryStatus.OPEN:
        raise InquiryActionError(_("Routes can be assigned only while the inquiry is open."))
    with transaction.atomic():
        routes = list(inquiry.routes.select_for_update().order_by("position"))
        busy = {i for r in routes for i in r.pair_ids}
        free_routes = [r for r in routes if not r.pair_ids]
        waiting = [
            s.user
            for s in inquiry.signups.select_related("user").order_by("signed_up_at", "pk")
            if s.user_id not in busy and permissions.is_canvasser(s.user, inquiry.community)
        ]
        now = timezone.now()
        assigned = 0
        for route, (first, second) in zip(
            free_routes, zip(waiting[0::2], waiting[1::2], strict=False), strict=False
        ):
            route.first_canvasser, route.second_canvasser, route.assigned_at = first, second, now
            route.save(update_fields=["first_canvasser", "second_canvasser", "assigned_at"])
            assigned += 1
        audit.record(
            actor=actor, action="inquiry.pair_up", obj=inquiry, details={"routes": assigned}
        )
    return assigned


# --- Visits (INQ-4 … INQ-6) ---------------------------------------------------------------


def _answer(answers: dict[str, Any], *path: str) -> Any:
    value: Any = answers
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def visit_flags(answers: dict[str, Any]) -> dict[str, Any]:
    """Read outcome and leads from the cleaned answers of the buurtonderzoek form. A newer
    version that renames these questions still stores its answers; only the flags stay off."""
    outcome = answers.get("outcome")
    if outcome not in VisitOutcome.values:
        outcome = VisitOutcome.SPOKEN
    talk = answers.get("conversation") if isinstance(answers.get("conversation"), dict) else {}
    return {
        "outcome": outcome,
        "is_lead": _answer(talk, "saw_something") == "yes",
        "has_camera": _answer(talk, "camera") == "yes",
        "wants_contact": _answer(talk, "contact_consent") == "yes",
    }


def visit_record(
    *,
    actor: Any,
    stop: CanvassAddress,
    answers: Any,
    idempotency_key: str,
    visited_at: dt.datetime | None = None,
    language: str = "nl",
    questionnaire: Questionnaire | None = None,
) -> CanvassVisit:
    """Store one doorstep visit with its answers, once per ``idempotency_key`` (the offline
    queue may send it again). The answers are validated against ``questionnaire`` — the version
    the phone had when the visit was made — or the inquiry's own version.

    Raises ``PermissionDenied`` unless the actor walks the stop's route (or, for the victim's
    address, manages the inquiry); ``questionnaires.services.AnswerValidationError`` for answers
    that break the form."""
    # The pair and the status as stored now, not as the caller's objects remember them (a
    # stop read through ``route.stops`` carries that route instance, pair and all).
    inquiry = Inquiry.objects.select_related("questionnaire").get(pk=stop.inquiry_id)
    route = (
        CanvassRoute.objects.select_related("inquiry").get(pk=stop.route_id)
        if stop.route_id is not None
        else None
    )
    existing = (
        CanvassVisit.objects.filter(answer_set__idempotency_key=idempotency_key)
        .select_related("answer_set")
        .first()
    )
    if existing is not None:
        if existing.stop_id != stop.pk:
            raise InquiryActionError(_("This visit was already stored for another address."))
        return existing
    if stop.is_victim or route is None:
        allowed = permissions.user_can_visit_victim(actor, inquiry)
    else:
        allowed = permissions.user_can_canvass_route(actor, route)
    if not allowed:
        raise PermissionDenied
    questionnaire = questionnaire or inquiry.questionnaire
    if questionnaire.form_id != inquiry.questionnaire.form_id:
        raise InquiryActionError(_("These answers belong to another questionnaire."))
    now = timezone.now()
    when = visited_at if visited_at is not None and visited_at <= now else now
    try:
        with transaction.atomic():
            answer_set = answers_submit(
                actor=actor,
                questionnaire=questionnaire,
                answers=answers,
                idempotency_key=idempotency_key,
                submitted_at=when,
                language=language,
            )
            visit = CanvassVisit.objects.create(
                inquiry=inquiry,
                stop=stop,
                answer_set=answer_set,
                visited_by=actor,
                visited_at=when,
                **visit_flags(answer_set.answers),
            )
            audit.record(
                actor=actor,
                action="inquiry.visit",
                obj=inquiry,
                details={"stop_id": stop.pk, "outcome": visit.outcome},
            )
            match_after_commit("visit", visit.pk)
    except IntegrityError:
        # The same key raced in from a second tab or a retried request: answer with that row.
        found = CanvassVisit.objects.filter(answer_set__idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return found
    return visit


# --- Batch of visits from the offline queue (INQ-5) ---------------------------------------------

VISIT_STORED = "stored"
VISIT_ALREADY_STORED = "already_stored"
VISIT_REFUSED = "refused"
VISIT_FORBIDDEN = "forbidden"
VISIT_FAILED = "failed"


@dataclass(frozen=True)
class QueuedVisit:
    """One visit as the phone queued it."""

    idempotency_key: str
    stop_id: int
    answers: Any
    questionnaire_id: int | None = None
    visited_at: dt.datetime | None = None


@dataclass
class QueuedVisitResult:
    """What became of one queued visit. ``errors`` maps an answer's path (or ``__all__``,
    ``idempotency_key``, ``questionnaire_id``) to a message in the user's language."""

    status: str
    visit_id: int | None = None
    detail: str = ""
    errors: dict[str, str] | None = None


def _forbidden_visit() -> QueuedVisitResult:
    return QueuedVisitResult(
        VISIT_FORBIDDEN,
        detail=_("You cannot record a visit at this address: it is not on a route you walk."),
    )


def _key_used() -> QueuedVisitResult:
    return QueuedVisitResult(
        VISIT_REFUSED,
        detail=_("This key was already used for other answers; save the door form again."),
        errors={"idempotency_key": _("Already used.")},
    )


def _key_used_elsewhere() -> QueuedVisitResult:
    return QueuedVisitResult(
        VISIT_REFUSED,
        detail=_("This key was already used for another address; save the door again."),
        errors={"idempotency_key": _("Already used.")},
    )


def _other_form() -> QueuedVisitResult:
    return QueuedVisitResult(
        VISIT_REFUSED,
        detail=_("These answers belong to another questionnaire."),
        errors={"questionnaire_id": _("Unknown questionnaire version.")},
    )


@dataclass
class _StoredKey:
    questionnaire_id: int
    visit_id: int | None
    stop_id: int | None
    visited_by_id: int | None


@dataclass
class _Pending:
    index: int
    stop: CanvassAddress
    answer_set: Any
    visit: CanvassVisit
    image_ids: list[int]


class _VisitBatch:
    """The reads of one batch, done once: the doors with their inquiry, route and questionnaire;
    the keys already stored; the older questionnaire versions asked for; and the permission of
    the actor per route (a phone sends the visits of one or two routes)."""

    def __init__(self, actor: Any, items: list[QueuedVisit]) -> None:
        self.actor = actor
        self.stops: dict[int, CanvassAddress] = CanvassAddress.objects.select_related(
            "inquiry__questionnaire", "inquiry__community", "route"
        ).in_bulk({item.stop_id for item in items})
        for stop in self.stops.values():
            if stop.route is not None:
                stop.route.inquiry = stop.inquiry  # one inquiry object per door, no extra reads
        self.keys: dict[str, _StoredKey] = {}
        rows = AnswerSet.objects.filter(
            idempotency_key__in={item.idempotency_key for item in items}
        ).values_list(
            "idempotency_key",
            "questionnaire_id",
            "canvass_visit__id",
            "canvass_visit__stop_id",
            "canvass_visit__visited_by_id",
        )
        for key, questionnaire_id, visit_id, stop_id, visited_by_id in rows:
            self.keys[key] = _StoredKey(questionnaire_id, visit_id, stop_id, visited_by_id)
        own = {stop.inquiry.questionnaire_id for stop in self.stops.values()}
        wanted = {i.questionnaire_id for i in items if i.questionnaire_id is not None} - own
        self.versions: dict[int, Questionnaire] = (
            Questionnaire.objects.in_bulk(wanted) if wanted else {}
        )
        for stop in self.stops.values():
            self.versions[stop.inquiry.questionnaire_id] = stop.inquiry.questionnaire
        self._allowed: dict[tuple[str, int], bool] = {}

    def may_record(self, stop: CanvassAddress) -> bool:
        if stop.is_victim or stop.route is None:
            key = ("victim", stop.inquiry_id)
            if key not in self._allowed:
                self._allowed[key] = permissions.user_can_visit_victim(self.actor, stop.inquiry)
        else:
            key = ("route", stop.route_id)
            if key not in self._allowed:
                self._allowed[key] = permissions.user_can_canvass_route(self.actor, stop.route)
        return self._allowed[key]

    def questionnaire(self, inquiry: Inquiry, questionnaire_id: int | None) -> Any:
        """The version the visit was made on: the inquiry's own, or another version of the same
        form for the whole deployment or the inquiry's group; ``None`` for anything else."""
        own = inquiry.questionnaire
        if questionnaire_id is None or questionnaire_id == own.pk:
            return own
        found = self.versions.get(questionnaire_id)
        if found is None or found.form_id != own.form_id:
            return None
        if found.community_id not in (None, inquiry.community_id):
            return None
        return found


def visits_record_batch(
    *, actor: Any, items: list[QueuedVisit], language: str = "nl"
) -> list[QueuedVisitResult]:
    """Store a batch of queued doorstep visits (INQ-5), once per idempotency key, and say per
    visit, in the order given, what became of it.

    Every visit is checked on its own exactly as ``visit_record`` checks it — the actor walks the
    door's route (the victim's door: manages the inquiry), the questionnaire version belongs to
    the inquiry's form, the answers pass the questionnaire engine's authoritative validation —
    and a visit that fails gets its own result with the form's messages in ``language``; the
    others are stored. What ``visit_record`` reads per visit is read here once per batch, and the
    answer sets, visits and audit rows are written with one bulk insert each.

    Transactions: the good visits of a batch are written in ONE transaction, not one each. On
    PostgreSQL a commit (a WAL flush) and the audit chain's lock with its read of the tail are
    what a visit costs most; per batch they are paid once. It costs no visit its independence:
    every check that can refuse a visit runs before the transaction, so the transaction holds
    only visits that were found good. If it fails anyway — another request stored one of the
    keys between our read and our insert, or the database refused a row — it rolls back whole
    and every visit of it is stored again through ``visit_record`` in a transaction of its own,
    so one bad row still costs only itself and a raced key is answered with the stored visit.
    """
    with translation.override(language):
        return _record_batch(actor, items, language)


def _record_batch(actor: Any, items: list[QueuedVisit], language: str) -> list[QueuedVisitResult]:
    now = timezone.now()
    batch = _VisitBatch(actor, items)
    results: list[QueuedVisitResult | None] = [None] * len(items)
    pending: list[_Pending] = []
    first_in_batch: dict[str, int] = {}  # key -> index of the item that stores it
    claimed: set[int] = set()  # photos used by visits of this batch
    user = actor if getattr(actor, "is_authenticated", False) else None
    for index, item in enumerate(items):
        key = item.idempotency_key
        stop = batch.stops.get(item.stop_id)
        if not IDEMPOTENCY_KEY_RE.match(key or ""):
            results[index] = QueuedVisitResult(
                VISIT_REFUSED,
                detail=_("This item is not a visit the server can read."),
                errors={"idempotency_key": _("Invalid idempotency key.")},
            )
            continue
        stored = batch.keys.get(key)
        if stored is not None:
            if stored.visit_id is None:  # the key belongs to answers of another kind
                results[index] = _key_used()
            elif stored.stop_id != item.stop_id:
                results[index] = _key_used_elsewhere()
            # Stored before: for its canvasser (even if the route changed hands since) and for
            # whoever may record at this door now (the partner's phone).
            elif stored.visited_by_id == getattr(actor, "pk", None) or (
                stop is not None and batch.may_record(stop)
            ):
                results[index] = QueuedVisitResult(VISIT_ALREADY_STORED, visit_id=stored.visit_id)
            else:
                results[index] = _forbidden_visit()
            continue
        if key in first_in_batch:  # sent twice in one batch: answered after the first is stored
            continue
        if stop is None or not batch.may_record(stop):
            results[index] = _forbidden_visit()
            continue
        questionnaire = batch.questionnaire(stop.inquiry, item.questionnaire_id)
        if questionnaire is None:
            results[index] = _other_form()
            continue
        checked = validate_answers(questionnaire.form, item.answers, language=language)
        errors = dict(checked.errors)
        image_ids: list[int] = []
        if not errors:  # photos answering image questions: the actor's own uploads, unused
            image_ids, errors = images_check(
                actor=actor, questionnaire=questionnaire, cleaned=checked.cleaned, taken=claimed
            )
        if errors:
            results[index] = QueuedVisitResult(
                VISIT_REFUSED,
                detail=_("The answers were not stored: correct the answers marked."),
                errors=errors,
            )
            continue
        claimed.update(image_ids)
        visited_at = item.visited_at
        when = visited_at if visited_at is not None and visited_at <= now else now
        answer_set = AnswerSet(
            questionnaire=questionnaire,
            answers=checked.cleaned,
            submitted_by=user,
            submitted_at=when,
            idempotency_key=key,
        )
        visit = CanvassVisit(
            inquiry=stop.inquiry,
            stop=stop,
            visited_by=user,
            visited_at=when,
            **visit_flags(checked.cleaned),
        )
        first_in_batch[key] = index
        pending.append(_Pending(index, stop, answer_set, visit, image_ids))

    if pending:
        try:
            _write_batch(actor, pending)
        except Exception:  # a raced key or a refused row: each visit again on its own
            for entry in pending:
                item = items[entry.index]
                results[entry.index] = _record_one(
                    actor, entry.stop, item, entry.answer_set.questionnaire, language
                )
        else:
            for entry in pending:
                results[entry.index] = QueuedVisitResult(VISIT_STORED, visit_id=entry.visit.pk)

    for index, item in enumerate(items):
        if results[index] is None:  # a repeat of a key stored earlier in this batch
            first = results[first_in_batch[item.idempotency_key]]
            assert first is not None
            if first.status in (VISIT_STORED, VISIT_ALREADY_STORED):
                if items[first_in_batch[item.idempotency_key]].stop_id != item.stop_id:
                    results[index] = _key_used_elsewhere()
                else:
                    results[index] = QueuedVisitResult(
                        VISIT_ALREADY_STORED, visit_id=first.visit_id
                    )
            else:
                results[index] = first
    answered = [result for result in results if result is not None]
    assert len(answered) == len(items)
    return answered


def _write_batch(actor: Any, pending: list[_Pending]) -> None:
    with transaction.atomic():
        answer_sets = AnswerSet.objects.bulk_create([entry.answer_set for entry in pending])
        for entry, answer_set in zip(pending, answer_sets, strict=True):
            entry.visit.answer_set = answer_set
            images_attach(answer_set.pk, entry.image_ids)
        CanvassVisit.objects.bulk_create([entry.visit for entry in pending])
        # Last, so the chain's lock is held only for the tail read, one insert and the commit.
        audit.record_many(
            actor=actor,
            events=[
                (
                    "inquiry.visit",
                    entry.stop.inquiry,
                    {"stop_id": entry.stop.pk, "outcome": entry.visit.outcome},
                )
                for entry in pending
            ],
        )
        for entry in pending:
            match_after_commit("visit", entry.visit.pk)


def _record_one(
    actor: Any, stop: CanvassAddress, item: QueuedVisit, questionnaire: Any, language: str
) -> QueuedVisitResult:
    """One visit through ``visit_record`` in its own transaction (the batch's fallback)."""
    try:
        with transaction.atomic():
            visit = visit_record(
                actor=actor,
                stop=stop,
                answers=item.answers,
                idempotency_key=item.idempotency_key,
                visited_at=item.visited_at,
                language=language,
                questionnaire=questionnaire,
            )
    except AnswerValidationError as invalid:
        return QueuedVisitResult(
            VISIT_REFUSED,
            detail=_("The answers were not stored: correct the answers marked."),
            errors=dict(invalid.errors),
        )
    except IdempotencyConflict:
        return _key_used()
    except InquiryActionError:
        return _key_used_elsewhere()
    except PermissionDenied:
        return _forbidden_visit()
    except Exception as exc:  # one broken visit must not cost the batch; the phone resends it
        # The type only: a message or traceback could carry the answers (personal data).
        logger.error(
            "canvass sync item failed", extra={"stop_id": stop.pk, "error": type(exc).__name__}
        )
        return QueuedVisitResult(
            VISIT_FAILED, detail=_("The server could not store this visit now.")
        )
    # A raced duplicate (another request stored the key first) is answered with that row.
    status = (
        VISIT_STORED
        if visit.visited_by_id == getattr(actor, "pk", None)
        else (VISIT_ALREADY_STORED)
    )
    return QueuedVisitResult(status, visit_id=visit.pk)
