"""Pages of neighbourhood inquiries (INQ-1 … INQ-3).

- ``inquiries:list`` — the inquiries the user may see (police: their jurisdiction; coordinators
  and canvassers: their groups'). Anyone else sees an empty list.
- ``inquiries:new`` — coordinators (for their groups) and police (for the groups covering their
  jurisdiction; the group's coordinator then accepts). Others 403. "Preview" counts addresses
  and routes and saves nothing. ``?melding=<reference>`` starts from a report the user may follow
  up (``permissions.user_can_start_from_report``); any other reference is a 404.
- ``inquiries:detail`` — managers (police of the buurt, the group's coordinators) and the
  group's canvassers; anyone else a 404, so an inquiry's existence is not revealed. The victim's
  address is shown to managers only.
- ``inquiries:accept`` / ``close`` / ``pair_up`` / ``route_assign`` — managers (accept: the
  group's coordinator); a canvasser who may see the inquiry gets a 403.
- ``inquiries:signup`` / ``withdraw`` — the group's canvassers (INQ-3).
- ``inquiries:marks`` / ``community_marks`` — coordinators see which members may canvass (the
  training certificate) and can stop a member from canvassing, or let them again; others 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.accounts.models import Role, User
from samenveilig.accounts.roles import has_role
from samenveilig.communities.models import Community
from samenveilig.inquiries import permissions, selectors, services
from samenveilig.inquiries.forms import InquiryForm, MarkForm, MemberSearchForm, RouteAssignForm
from samenveilig.inquiries.models import (
    KIND_BY_CATEGORY_CODE,
    CanvassRoute,
    CanvassSignup,
    IncidentKind,
    Inquiry,
    InquiryStatus,
)

LIST_LIMIT = 200
MEMBER_LIMIT = 500


def _may_start(user: Any) -> bool:
    return selectors.startable_communities(user).exists()


@login_required
@require_GET
def inquiry_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    inquiries = list(
        selectors.inquiries_visible_to(user)
        .annotate(route_count=Count("routes"))
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    return render(
        request,
        "inquiries/list.html",
        {
            "inquiries": inquiries,
            "may_start": _may_start(user),
            "may_mark": selectors.coordinated_communities(user).exists(),
        },
    )


# --- starting an inquiry ----------------------------------------------------------------------


def _initial_from_report(user: Any, report: Any, communities: Any) -> dict[str, Any]:
    """Kind and time from the report; its place only for police who handle it (members and
    coordinators never see where a report was made — the service uses it unseen)."""
    initial: dict[str, Any] = {
        "kind": KIND_BY_CATEGORY_CODE.get(report.category.code, IncidentKind.OTHER),
        "occurred_at": timezone.localtime(report.observed_at),
        "melding": report.reference,
    }
    if permissions.user_can_handle_as_police(user, report):
        if report.address is not None:
            initial.update(
                postcode=report.address.postcode,
                house_number=report.address.house_number,
                house_number_addition=report.address.house_number_addition,
            )
        else:
            initial.update(lat=round(report.lat, 6), lon=round(report.lon, 6))
    covering = [c for c in communities if permissions.community_covers(c, report.neighbourhood)]
    if len(covering) == 1:
        initial["community"] = covering[0].pk
    return initial


def _apply_errors(form: InquiryForm, errors: dict[str, list[str]]) -> None:
    """Put the service's messages next to the fields they concern."""
    for key, error_messages in errors.items():
        field = key
        if key == "place":
            field = "lat" if form.data.get("lat") and not form.data.get("postcode") else "postcode"
        for message in error_messages:
            if field in form.fields:
                if message not in form.errors.get(field, []):
                    form.add_error(field, message)
            else:
                form.add_error(None, message)


def _input(form: InquiryForm, report: Any) -> services.InquiryInput:
    cleaned = form.cleaned_data
    lat, lon = form.pin()
    return services.InquiryInput(
        community=cleaned["community"],
        kind=cleaned["kind"],
        occurred_at=cleaned["occurred_at"],
        victim_address=form.address,
        lat=lat,
        lon=lon,
        radius_m=cleaned["radius_m"],
        route_size=cleaned["route_size"],
        summary=cleaned["summary"],
        report=report,
    )


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = selectors.startable_communities(user)
    if not communities.exists():
        raise PermissionDenied
    is_police = has_role(user, Role.POLICE)
    context: dict[str, Any] = {
        "is_police": is_police,
        # Police who coordinate no group only request; the label of the button says so.
        "requests_only": is_police and not selectors.coordinated_communities(user).exists(),
        "preview": None,
    }
    if request.method == "GET":
        reference = request.GET.get("melding", "").strip()
        report = selectors.report_for_inquiry(user, reference) if reference else None
        if reference and report is None:
            raise Http404
        initial = _initial_from_report(user, report, communities) if report else {}
        radius, municipality = selectors.default_radius(communities, report)
        initial["radius_m"] = radius
        form = InquiryForm(
            communities=communities, place_from_report=report is not None, initial=initial
        )
        return render(
            request,
            "inquiries/new.html",
            {
                **context,
                "form": form,
                "source_report": report,
                "radius_municipality": municipality,
                "default_radius": radius,
            },
        )

    reference = request.POST.get("melding", "").strip()
    report = selectors.report_for_inquiry(user, reference) if reference else None
    form = InquiryForm(request.POST, communities=communities, place_from_report=bool(report))
    action = request.POST.get("action", "start")
    if reference and report is None:
        form.add_error(None, _("This report cannot be followed up with an inquiry."))
    if form.is_valid():
        data = _input(form, report)
        try:
            if action == "preview":
                context["preview"] = services.inquiry_preview(actor=user, data=data)
            else:
                inquiry = services.inquiry_start(actor=user, data=data)
        except services.InquiryValidationError as error:
            _apply_errors(form, error.errors)
        except PermissionDenied:
            form.add_error(
                "community",
                _(
                    "This group does not cover the place of the incident, or the place is "
                    "outside your area."
                ),
            )
        else:
            if action != "preview":
                if inquiry.status == InquiryStatus.OPEN:
                    messages.success(
                        request,
                        _("Inquiry %(reference)s is open: canvassers of the group can sign up.")
                        % {"reference": inquiry.reference},
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Inquiry %(reference)s has been requested: it opens when a "
                            "coordinator of the group accepts it."
                        )
                        % {"reference": inquiry.reference},
                    )
                return redirect("inquiries:detail", reference=inquiry.reference)
    return render(
        request,
        "inquiries/new.html",
        {
            **context,
            "form": form,
            "source_report": report,
            "has_errors": bool(form.errors),
        },
    )


# --- one inquiry ------------------------------------------------------------------------------


def _visible_inquiry(request: HttpRequest, reference: str) -> Inquiry:
    inquiry = (
        selectors.inquiries_visible_to(request.user)
        .select_related("victim_address", "questionnaire", "created_by")
        .filter(reference=reference)
        .first()
    )
    if inquiry is None or not permissions.user_can_see_inquiry(request.user, inquiry):
        raise Http404
    return inquiry


def canvass_url(inquiry: Inquiry, route: CanvassRoute) -> str | None:
    """The canvass page of the route (built in ``views_canvass``), if it is mounted."""
    try:
        return reverse(
            "inquiries:canvass_route",
            kwargs={"reference": inquiry.reference, "position": route.position},
        )
    except NoReverseMatch:
        return None


def _optional_url(name: str, inquiry: Inquiry) -> str | None:
    """A page of another module of the app (results, …), if it is mounted."""
    try:
        return reverse(name, kwargs={"reference": inquiry.reference})
    except NoReverseMatch:
        return None


def _signed_up_people(inquiry: Inquiry) -> list[Any]:
    return list(
        User.objects.filter(
            pk__in=CanvassSignup.objects.filter(inquiry=inquiry).values("user_id")
        ).order_by("display_name", "pk")
    )


def _detail_page(
    request: HttpRequest,
    inquiry: Inquiry,
    *,
    bound: tuple[int, RouteAssignForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    is_manager = permissions.user_can_manage_inquiry(user, inquiry)
    routes = list(
        inquiry.routes.select_related("first_canvasser", "second_canvasser").order_by("position")
    )
    progress = selectors.route_progress(inquiry)
    signups = list(inquiry.signups.select_related("user").order_by("signed_up_at", "pk"))
    busy = {i for route in routes for i in route.pair_ids}
    may_steer = is_manager and inquiry.status != InquiryStatus.CLOSED
    # Pairs are given out while the inquiry is open (nobody can sign up before).
    may_assign = is_manager and inquiry.status == InquiryStatus.OPEN
    people = _signed_up_people(inquiry) if may_assign else []
    totals = {"doors": 0, "visited": 0, "reached": 0}
    for route in routes:
        route.progress = progress.get(route.pk, selectors.RouteProgress())  # type: ignore[attr-defined]
        for key in totals:
            totals[key] += getattr(route.progress, key)  # type: ignore[attr-defined]
        route.is_mine = user.pk in route.pair_ids  # type: ignore[attr-defined]
        route.canvass_url = (  # type: ignore[attr-defined]
            canvass_url(inquiry, route)
            if route.is_mine and inquiry.status == InquiryStatus.OPEN  # type: ignore[attr-defined]
            else None
        )
        if may_assign:
            if bound is not None and bound[0] == route.pk:
                route.form = bound[1]  # type: ignore[attr-defined]
            else:
                route.form = RouteAssignForm(  # type: ignore[attr-defined]
                    prefix=f"r{route.position}",
                    people=people,
                    initial={
                        "first": str(route.first_canvasser_id or ""),
                        "second": str(route.second_canvasser_id or ""),
                    },
                )
    for signup in signups:
        signup.has_route = signup.user_id in busy  # type: ignore[attr-defined]
    signed_up = any(s.user_id == user.pk for s in signups)
    victim = selectors.victim_stop(inquiry) if is_manager else None
    victim_outcome = None
    if victim is not None:
        newest = victim.visits.order_by("-visited_at", "-pk").first()
        victim_outcome = newest.get_outcome_display() if newest else None
    return render(
        request,
        "inquiries/detail.html",
        {
            "inquiry": inquiry,
            "routes": routes,
            "totals": totals,
            "signups": signups,
            "waiting": [s for s in signups if not s.has_route],  # type: ignore[attr-defined]
            "is_manager": is_manager,
            "may_steer": may_steer,
            "can_accept": permissions.user_can_accept_inquiry(user, inquiry),
            "can_sign_up": permissions.user_can_sign_up(user, inquiry) and not signed_up,
            "signed_up": signed_up,
            "victim": victim,
            "victim_outcome": victim_outcome,
            "can_visit_victim": victim is not None
            and permissions.user_can_visit_victim(request.user, inquiry),
            "my_routes": [r for r in routes if r.is_mine],  # type: ignore[attr-defined]
            "results_url": _optional_url("inquiries:results", inquiry) if is_manager else None,
        },
        status=status,
    )


@login_required
@require_GET
def inquiry_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail_page(request, _visible_inquiry(request, reference))


def _managed_inquiry(request: HttpRequest, reference: str) -> Inquiry:
    inquiry = _visible_inquiry(request, reference)
    if not permissions.user_can_manage_inquiry(request.user, inquiry):
        raise PermissionDenied
    return inquiry


def _back(inquiry: Inquiry) -> HttpResponse:
    return redirect("inquiries:detail", reference=inquiry.reference)


@require_POST
@login_required
def inquiry_accept(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    try:
        services.inquiry_accept(actor=request.user, inquiry=inquiry)
    except services.InquiryActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The inquiry is open: canvassers of the group can sign up."))
    return _back(inquiry)


@require_POST
@login_required
def inquiry_close(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    try:
        services.inquiry_close(actor=request.user, inquiry=inquiry)
    except services.InquiryActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The inquiry is closed."))
    return _back(inquiry)


@require_POST
@login_required
def inquiry_pair_up(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    try:
        assigned = services.routes_pair_up(actor=request.user, inquiry=inquiry)
    except services.InquiryActionError as error:
        messages.error(request, error.message)
    else:
        if assigned:
            messages.success(
                request,
                _("%(n)d routes were given to pairs.") % {"n": assigned}
                if assigned != 1
                else _("1 route was given to a pair."),
            )
        else:
            messages.info(
                request,
                _(
                    "No route was given out: at least two signed-up canvassers without a route "
                    "and a free route are needed."
                ),
            )
    return _back(inquiry)


@require_POST
@login_required
def route_assign(request: HttpRequest, reference: str, position: str) -> HttpResponse:
    inquiry = _managed_inquiry(request, reference)
    route = inquiry.routes.filter(position=int(position)).first()
    if route is None:
        raise Http404
    form = RouteAssignForm(
        request.POST, prefix=f"r{route.position}", people=_signed_up_people(inquiry)
    )
    if not form.is_valid():
        return _detail_page(request, inquiry, bound=(route.pk, form))
    release = request.POST.get("action") == "release"
    first = None if release else form.cleaned_data["first"]
    second = None if release else form.cleaned_data["second"]
    try:
        services.route_assign(actor=request.user, route=route, first=first, second=second)
    except services.InquiryActionError as error:
        form.add_error(None, error.message)
        return _detail_page(request, inquiry, bound=(route.pk, form))
    if first is None:
        messages.success(
            request, _("Route %(label)s has no canvassers now.") % {"label": route.label}
        )
    else:
        messages.success(
            request,
            _("Route %(label)s goes to %(first)s and %(second)s.")
            % {"label": route.label, "first": first.public_name, "second": second.public_name},
        )
    return _back(inquiry)


@require_POST
@login_required
def canvass_signup(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _visible_inquiry(request, reference)
    if not permissions.user_can_sign_up(request.user, inquiry):
        raise PermissionDenied
    services.canvass_signup(actor=request.user, inquiry=inquiry)
    messages.success(
        request,
        _("You have signed up. The coordinator pairs you with someone and gives you a route."),
    )
    return _back(inquiry)


@require_POST
@login_required
def canvass_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    inquiry = _visible_inquiry(request, reference)
    if not CanvassSignup.objects.filter(inquiry=inquiry, user=request.user).exists():
        raise PermissionDenied
    services.canvass_withdraw(actor=request.user, inquiry=inquiry)
    messages.success(
        request,
        _("You are no longer signed up. A route you had goes back to the coordinator."),
    )
    return _back(inquiry)


# --- who may canvass (INQ-3) ------------------------------------------------------------------


@login_required
@require_GET
def canvasser_marks(request: HttpRequest) -> HttpResponse:
    communities = list(selectors.coordinated_communities(request.user))
    if not communities:
        raise PermissionDenied
    if len(communities) == 1:
        return redirect("inquiries:community_marks", slug=communities[0].slug)
    return render(request, "inquiries/marks_choose.html", {"communities": communities})


def _marks_page(
    request: HttpRequest, community: Community, search: MemberSearchForm, *, status: int = 200
) -> HttpResponse:
    query = search.cleaned_data["q"] if search.is_valid() else ""
    members = list(selectors.verified_members(community, search=query)[: MEMBER_LIMIT + 1])
    return render(
        request,
        "inquiries/marks.html",
        {
            "community": community,
            "search": search,
            "query": query,
            "members": members[:MEMBER_LIMIT],
            "truncated": len(members) > MEMBER_LIMIT,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def community_marks(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    if not permissions.user_can_mark_canvassers(request.user, community):
        raise PermissionDenied
    if request.method == "GET":
        return _marks_page(request, community, MemberSearchForm(request.GET))
    search = MemberSearchForm({"q": request.POST.get("q", "")})
    form = MarkForm(request.POST)
    member = None
    if form.is_valid():
        member = User.objects.filter(pk=form.cleaned_data["user"]).first()
    if member is None:
        messages.error(request, _("Choose a member from the list."))
        return _marks_page(request, community, search, status=400)
    stopped = not form.cleaned_data["granted"]
    try:
        services.canvassing_stop(
            actor=request.user, community=community, user=member, stopped=stopped
        )
    except services.InquiryActionError as error:
        messages.error(request, error.message)
        return _marks_page(request, community, search, status=400)
    if stopped:
        messages.success(
            request,
            _("%(name)s no longer canvasses for this group; their routes went back to the pairing.")
            % {"name": member.public_name},
        )
    else:
        messages.success(
            request,
            _("%(name)s may canvass again once their training is valid.")
            % {"name": member.public_name},
        )
    url = reverse("inquiries:community_marks", kwargs={"slug": community.slug})
    query = search.cleaned_data["q"] if search.is_valid() else ""
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)
