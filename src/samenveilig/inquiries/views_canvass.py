"""The canvass pages of a route, on a phone (INQ-5, INQ-6).

- ``inquiries:canvass_route`` — ``/buurtonderzoek/<reference>/route/<position>/``: the doors of
  the route in walking order with their status (not visited / not at home / did not want to talk /
  spoke with resident) and a lead marker. Only for the pair that walks the route while the
  inquiry is open (``permissions.user_can_canvass_route``): another canvasser or a pair of a closed
  inquiry gets a 403; someone who may not see the inquiry at all a 404. The victim's door is never
  on a route (``CanvassAddress.is_victim``): the police or a coordinator visit it.
- ``inquiries:canvass_door`` — ``…/route/<position>/deur/<stop_id>/``: the door form, rendered
  from the inquiry's questionnaire version with ``questionnaires.rendering``. A POST without
  JavaScript stores the visit with ``services.visit_record``; the idempotency key is made when the
  form is rendered and travels in a hidden field, so pressing "save" twice stores one visit.
  Answers the form refuses come back with the form's own messages in the user's language.
- ``inquiries:victim_door`` — ``/buurtonderzoek/<reference>/slachtoffer/``: the same form for the
  victim's own door, for the police of the buurt and the group's coordinators while the inquiry
  is open (canvassers 403, anyone else 404).
- ``inquiries:canvass_sw`` / ``canvass_manifest`` / ``canvass_offline`` — the service worker
  (scope ``/buurtonderzoek/``; the Web Push worker of the alerts keeps ``/signalementen/``), the
  web app manifest and the page the worker shows for a canvass page it never saved.

With JavaScript, ``static/inquiries/canvass.js`` puts a submitted door form into a queue on the
phone (IndexedDB) and sends it to the batch endpoint of ``inquiries.api``, so a door canvassed
without signal is stored once the phone is back online.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from samenveilig.inquiries import permissions, selectors, services
from samenveilig.inquiries.models import CanvassAddress, CanvassRoute, Inquiry, VisitOutcome
from samenveilig.questionnaires.images import images_from_post
from samenveilig.questionnaires.models import Questionnaire
from samenveilig.questionnaires.rendering import (
    DEFAULT_PREFIX,
    UPDATE_BUTTON,
    answers_from_post,
    apply_repeat_action,
    form_fields,
)
from samenveilig.questionnaires.services import (
    IDEMPOTENCY_KEY_RE,
    AnswerValidationError,
    IdempotencyConflict,
)

NOT_VISITED = "not_visited"
# Static files a door form needs besides base.html's; the service worker keeps them for offline use.
DOOR_ASSETS = (
    "questionnaires/form.css",
    "questionnaires/expressions.js",
    "questionnaires/form.js",
    "inquiries/canvass.css",
    "inquiries/canvass.js",
)
BASE_ASSETS = (
    "vendor/utrecht/design-tokens.css",
    "vendor/utrecht/component-library.css",
    "vendor/utrecht/html.css",
    "css/site.css",
    "vendor/htmx/htmx.min.js",
)


def user_language() -> str:
    """``nl`` or ``en``: the request's language (the user's own: UserLanguageMiddleware)."""
    return "en" if (get_language() or "nl").lower().startswith("en") else "nl"


def new_idempotency_key() -> str:
    """A key for one visit; matches ``questionnaires.services.IDEMPOTENCY_KEY_RE``."""
    return "srv-" + secrets.token_urlsafe(24)


def address_text(address: Any) -> str:
    addition = f"-{address.house_number_addition}" if address.house_number_addition else ""
    return f"{address.street} {address.house_number}{addition}"


def outcome_labels() -> dict[str, str]:
    """Status of a door -> its label in the current language."""
    return {
        NOT_VISITED: _("Not visited yet"),
        **{v: str(label) for v, label in VisitOutcome.choices},
    }


# --- reads shared with the API ------------------------------------------------------------------


def canvassable_route(user: Any, reference: str, position: int | str) -> CanvassRoute:
    """The route the user walks. ``Http404`` when the user may not see the inquiry or the route
    does not exist (existence is not revealed); ``PermissionDenied`` when the user sees the
    inquiry but may not canvass this route (another pair's route, a closed inquiry)."""
    inquiry = (
        selectors.inquiries_visible_to(user)
        .select_related("questionnaire")
        .filter(reference=reference)
        .first()
    )
    if inquiry is None or not permissions.user_can_see_inquiry(user, inquiry):
        raise Http404
    route = inquiry.routes.filter(position=int(position)).first()
    if route is None:
        raise Http404
    route.inquiry = inquiry
    if not permissions.user_can_canvass_route(user, route):
        raise PermissionDenied
    return route


@dataclass
class DoorRow:
    stop: CanvassAddress
    address: str
    postcode: str
    status: str  # NOT_VISITED or a VisitOutcome value (the newest visit counts)
    status_label: str
    is_lead: bool  # a visit at this door saw or heard something, or found a camera
    visits: int
    url: str


def route_doors(route: CanvassRoute) -> list[DoorRow]:
    """The doors of the route in walking order, with the status of the newest visit."""
    labels = outcome_labels()
    stops = list(selectors.stops_of_route(route))
    newest: dict[int, str] = {}
    leads: set[int] = set()
    counts: dict[int, int] = {}
    rows = (
        route.inquiry.visits.filter(stop__route=route)
        .order_by("visited_at", "pk")
        .values_list("stop_id", "outcome", "is_lead", "has_camera")
    )
    for stop_id, outcome, is_lead, has_camera in rows:
        newest[stop_id] = outcome
        counts[stop_id] = counts.get(stop_id, 0) + 1
        if is_lead or has_camera:
            leads.add(stop_id)
    doors = []
    for stop in stops:
        status = newest.get(stop.pk, NOT_VISITED)
        doors.append(
            DoorRow(
                stop=stop,
                address=address_text(stop.address),
                postcode=stop.address.postcode,
                status=status,
                status_label=labels.get(status, status),
                is_lead=stop.pk in leads,
                visits=counts.get(stop.pk, 0),
                url=door_url(route, stop),
            )
        )
    return doors


def route_url(route: CanvassRoute) -> str:
    return reverse(
        "inquiries:canvass_route",
        kwargs={"reference": route.inquiry.reference, "position": route.position},
    )


def door_url(route: CanvassRoute, stop: CanvassAddress) -> str:
    return reverse(
        "inquiries:canvass_door",
        kwargs={
            "reference": route.inquiry.reference,
            "position": route.position,
            "stop_id": stop.pk,
        },
    )


def bundle_url(route: CanvassRoute) -> str:
    return reverse(
        "api:inquiry_route_bundle",
        kwargs={"reference": route.inquiry.reference, "position": route.position},
    )


def questionnaire_for(inquiry: Inquiry, questionnaire_id: Any) -> Questionnaire | None:
    """The questionnaire version a visit was made on: the inquiry's own, or another version of
    the same form (an older one a phone still had) for the whole deployment or the inquiry's
    group. ``None`` for anything else."""
    own = inquiry.questionnaire
    if questionnaire_id in (None, ""):
        return own
    try:
        pk = int(questionnaire_id)
    except (TypeError, ValueError):
        return None
    if pk == own.pk:
        return own
    return (
        Questionnaire.objects.filter(pk=pk, form_id=own.form_id)
        .filter(Q(community__isnull=True) | Q(community_id=inquiry.community_id))
        .first()
    )


def offline_assets() -> list[str]:
    return [static(name) for name in (*BASE_ASSETS, *DOOR_ASSETS)]


# --- pages ----------------------------------------------------------------------------------------


@login_required
@require_GET
def canvass_route(request: HttpRequest, reference: str, position: str) -> HttpResponse:
    route = canvassable_route(request.user, reference, position)
    inquiry = route.inquiry
    doors = route_doors(route)
    partner_id = next((i for i in route.pair_ids if i != request.user.pk), None)
    partner = (
        route.first_canvasser if route.first_canvasser_id == partner_id else route.second_canvasser
    )
    counts = {
        "doors": len(doors),
        "visited": sum(1 for d in doors if d.status != NOT_VISITED),
        "spoken": sum(1 for d in doors if d.status == VisitOutcome.SPOKEN),
        "leads": sum(1 for d in doors if d.is_lead),
    }
    urls = [route_url(route), *(d.url for d in doors), reverse("inquiries:canvass_offline")]
    return render(
        request,
        "inquiries/canvass_route.html",
        {
            "inquiry": inquiry,
            "route": route,
            "doors": doors,
            "counts": counts,
            "partner": partner,
            "canvass_config": _config(request, route, precache=urls),
        },
    )


def _config(request: HttpRequest, route: CanvassRoute | None, **extra: Any) -> str:
    """What canvass.js needs, as JSON for a ``data-`` attribute (no inline script: CSP)."""
    config: dict[str, Any] = {
        "user": request.user.pk if request.user.is_authenticated else None,
        "syncUrl": reverse("api:inquiry_visits_sync"),
        "swUrl": reverse("inquiries:canvass_sw"),
        "scope": reverse("inquiries:list"),
        "assets": offline_assets(),
        "language": user_language(),
        "text": _texts(),
    }
    if route is not None:
        config.update(
            {
                "reference": route.inquiry.reference,
                "routeLabel": route.label,
                "routeUrl": route_url(route),
                "bundleUrl": bundle_url(route),
            }
        )
    config.update(extra)
    return json.dumps(config)


def _plural(singular: str, plural: str) -> dict[str, str]:
    """Both forms with ``{n}`` for the number (Dutch and English share the rule n != 1)."""
    return {
        "one": ngettext(singular, plural, 1) % {"n": "{n}"},
        "other": ngettext(singular, plural, 2) % {"n": "{n}"},
    }


def _texts() -> dict[str, Any]:
    """The sentences canvass.js shows, in the user's language."""
    return {
        "saved": _("Saved on this phone."),
        "waiting": _plural(
            "%(n)s visit is waiting to be sent.", "%(n)s visits are waiting to be sent."
        ),
        "allSent": _("Every visit made on this phone has been sent."),
        "sending": _("Sending…"),
        "sent": _plural("%(n)s visit sent.", "%(n)s visits sent."),
        "offline": _(
            "No signal: the answers stay on this phone and are sent when you are back online."
        ),
        "login": _("Log in again to send the answers saved on this phone."),
        "failed": _("Sending did not work; the answers stay on this phone. Try again later."),
        "refusedTitle": _("Not accepted by the server: open the door to correct the answers."),
        "fix": _("Correct"),
        "remove": _("Remove from this phone"),
        "removeConfirm": _("Remove these answers from this phone? They have not been stored."),
        "offlineReady": _("This route is saved on this phone: it also opens without signal."),
        "badgeWaiting": _("Saved on this phone, not sent yet"),
        "badgeRefused": _("Not accepted: correct it"),
        "fixBanner": _(
            "The server did not accept these answers: correct the answers marked and save again."
        ),
        "lead": _("Lead"),
        "photoOffline": _(
            "A photo can only be sent with signal. Save again when you are back online, or "
            "remove the photo to keep the other answers on this phone."
        ),
        "savedRoutes": _("Routes saved on this phone:"),
        "noSavedRoutes": _("No route is saved on this phone yet."),
    }


def _door(route: CanvassRoute, stop_id: str) -> CanvassAddress:
    stop = route.stops.select_related("address").filter(pk=int(stop_id), is_victim=False).first()
    if stop is None:
        raise Http404
    stop.route = route
    return stop


@dataclass
class DoorForm:
    """The state of a door form (a route's door or the victim's): what to render, or the visit
    that was stored. Shared by ``canvass_door`` and ``victim_door``."""

    questionnaire: Questionnaire
    key: str
    answers: dict[str, Any] | None = None
    errors: dict[str, str] | None = None
    problem: str = ""
    status: int = 200
    stored: bool = False

    def fields(self, language: str) -> list[Any]:
        return form_fields(
            self.questionnaire.form,
            answers=self.answers,
            errors=self.errors or {},
            language=language,
        )

    def context(self, stop: CanvassAddress, language: str) -> dict[str, Any]:
        """What ``inquiries/partials/door_form.html`` and the page around it need."""
        return {
            "inquiry": stop.inquiry,
            "stop": stop,
            "address": address_text(stop.address),
            "questionnaire": self.questionnaire,
            "fields": self.fields(language),
            "errors": self.errors,
            "problem": self.problem,
            "language": language,
            "idempotency_key": self.key,
            "update_name": DEFAULT_PREFIX + UPDATE_BUTTON,
        }


def handle_door_form(request: HttpRequest, stop: CanvassAddress, language: str) -> DoorForm:
    """GET: a fresh form with a new idempotency key. POST: store the photos, handle "update" and
    the repeat buttons, else store the visit once per key (``services.visit_record``, which also
    decides who may visit this door). Answers the form refuses come back with its messages."""
    inquiry = stop.inquiry
    state = DoorForm(questionnaire=inquiry.questionnaire, key=new_idempotency_key())
    if request.method != "POST":
        return state
    posted_key = request.POST.get("idempotency_key", "")
    state.key = posted_key if IDEMPOTENCY_KEY_RE.match(posted_key) else state.key
    questionnaire = questionnaire_for(inquiry, request.POST.get("questionnaire_id"))
    if questionnaire is None:
        raise Http404
    state.questionnaire = questionnaire
    form = questionnaire.form
    state.answers = answers = answers_from_post(form, request.POST)
    # Photos are stored first (also on "update"), so a re-rendered form keeps them.
    state.errors = images_from_post(
        actor=request.user, questionnaire=questionnaire, files=request.FILES, answers=answers
    )
    changed = apply_repeat_action(form, request.POST, answers)
    if state.errors:
        state.status = 400
        return state
    if changed or (DEFAULT_PREFIX + UPDATE_BUTTON) in request.POST:
        return state
    try:
        services.visit_record(
            actor=request.user,
            stop=stop,
            answers=answers,
            idempotency_key=state.key,
            language=language,
            questionnaire=questionnaire,
        )
    except AnswerValidationError as invalid:
        state.errors, state.status = invalid.errors, 400
    except (services.InquiryActionError, IdempotencyConflict):
        # The key of this form was used for something else: a fresh form, same answers.
        state.problem = _("These answers could not be stored with this form. Please save again.")
        state.key, state.status = new_idempotency_key(), 400
    else:
        state.stored = True
        messages.success(
            request,
            _("The visit to %(address)s is stored.") % {"address": address_text(stop.address)},
        )
    return state


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def canvass_door(request: HttpRequest, reference: str, position: str, stop_id: str) -> HttpResponse:
    route = canvassable_route(request.user, reference, position)
    stop = _door(route, stop_id)
    stop.inquiry = route.inquiry
    language = user_language()
    state = handle_door_form(request, stop, language)
    if state.stored:
        return redirect(route_url(route) + f"#door-{stop.pk}")
    return render(
        request,
        "inquiries/canvass_door.html",
        {
            **state.context(stop, language),
            "route": route,
            "route_url": route_url(route),
            "canvass_config": _config(
                request,
                route,
                stop=stop.pk,
                address=address_text(stop.address),
                questionnaire=state.questionnaire.pk,
            ),
        },
        status=state.status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def victim_door(request: HttpRequest, reference: str) -> HttpResponse:
    """The victim's own door (INQ-2): not on any route, visited by the wijkagent or a coordinator
    of the group while the inquiry is open, with the same questionnaire. Others who may see the
    inquiry get a 403, anyone else a 404."""
    inquiry = (
        Inquiry.objects.select_related("questionnaire", "community")
        .filter(reference=reference)
        .first()
    )
    if inquiry is None or not permissions.user_can_see_inquiry(request.user, inquiry):
        raise Http404
    if not permissions.user_can_visit_victim(request.user, inquiry):
        raise PermissionDenied
    stop = selectors.victim_stop(inquiry)
    if stop is None:
        raise Http404
    stop.inquiry = inquiry
    language = user_language()
    state = handle_door_form(request, stop, language)
    detail_url = reverse("inquiries:detail", kwargs={"reference": inquiry.reference})
    if state.stored:
        return redirect(detail_url)
    return render(
        request,
        "inquiries/victim_door.html",
        {
            **state.context(stop, language),
            "detail_url": detail_url,
            "visits": stop.visits.select_related("visited_by").order_by("-visited_at")[:10],
        },
        status=state.status,
    )


@require_GET
def canvass_offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a canvass page it has not saved (no personal data)."""
    return render(
        request, "inquiries/canvass_offline.html", {"canvass_config": _config(request, None)}
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The canvass service worker, served from /buurtonderzoek/ so its scope covers the canvass
    pages; it stays out of /signalementen/, where the Web Push worker of the alerts lives."""
    path = finders.find("inquiries/canvass-sw.js")
    if not path:  # pragma: no cover - the file ships with the app
        raise Http404
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("inquiries:list")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the canvass pages install as an app that opens the inquiries."""
    scope = reverse("inquiries:list")
    data = {
        "name": _("Samen Veilig — neighbourhood inquiry"),
        "short_name": _("Canvass"),
        "description": _("Canvass a route of a neighbourhood inquiry, also without signal."),
        "lang": user_language(),
        "start_url": scope,
        "scope": scope,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#154273",
        "icons": [
            {
                "src": static("inquiries/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("inquiries/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
