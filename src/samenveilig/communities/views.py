"""Pages of the communities app: parse input, check permission, call services and selectors.

A community the user may not see is a 404 (its existence is not revealed); a visible community
whose page the user's role does not open is a 403. Refusals from services come back as messages
on the page with status 200.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samenveilig.accounts.models import User
from samenveilig.communities import permissions, selectors, services
from samenveilig.communities.errors import CommunityError
from samenveilig.communities.forms import (
    CommunityCreateForm,
    CommunityFilterForm,
    DecisionForm,
    InviteForm,
    JoinForm,
    LocationForm,
    RoleForm,
    SubscriptionsForm,
    WatchPointForm,
)
from samenveilig.communities.models import AlertKind, Community, MembershipStatus


def _visible_community(request: HttpRequest, slug: str) -> Community:
    community = selectors.community_visible_or_none(request.user, slug)
    if community is None:
        raise Http404
    return community


def _apply_error(form: Any, error: CommunityError) -> None:
    """Attach a service refusal to the form field it concerns, or to the whole form."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, error.message)


# --- list and detail ---


@login_required
def community_list(request: HttpRequest) -> HttpResponse:
    form = CommunityFilterForm(
        request.GET or None, neighbourhoods=selectors.neighbourhoods_for_filter(request.user)
    )
    kind, neighbourhood = "", None
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"]
        neighbourhood = form.cleaned_data["neighbourhood"]
    communities = selectors.communities_for_list(
        request.user, kind=kind, neighbourhood=neighbourhood
    )
    return render(
        request,
        "communities/list.html",
        {
            "form": form,
            "communities": communities,
            "can_create": permissions.user_can_create_community(request.user),
        },
    )


def _detail_context(request: HttpRequest, community: Community, **extra: Any) -> dict[str, Any]:
    user = request.user
    membership = selectors.membership_of(user, community)
    active = membership is not None and membership.status in (
        MembershipStatus.REQUESTED,
        MembershipStatus.VERIFIED,
    )
    can_join = permissions.community_accepts_requests(community) and not active
    context: dict[str, Any] = {
        "community": community,
        "areas": list(community.areas.all()),
        "membership": membership,
        "can_join": can_join,
        "can_leave": active,
        "join_form": JoinForm() if can_join else None,
        "can_manage": permissions.user_can_manage_members(user, community),
        "coordinators": selectors.coordinators_of(user, community),
        "is_verified_member": membership is not None and membership.is_verified,
        "page_error": None,
    }
    context.update(extra)
    return context


@login_required
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = _visible_community(request, slug)
    return render(request, "communities/detail.html", _detail_context(request, community))


@require_POST
@login_required
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = _visible_community(request, slug)
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            services.join_request(
                user=request.user,
                community=community,
                motivation=form.cleaned_data["motivation"],
            )
        except CommunityError as error:
            _apply_error(form, error)
        else:
            messages.success(
                request, _("Your request has been sent. A coordinator will decide soon.")
            )
            return redirect("communities:detail", slug=community.slug)
    context = _detail_context(request, community)
    context["join_form"] = form
    context["can_join"] = True
    return render(request, "communities/detail.html", context)


@require_POST
@login_required
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = _visible_community(request, slug)
    membership = selectors.membership_of(request.user, community)
    if membership is None:
        return render(
            request,
            "communities/detail.html",
            _detail_context(
                request, community, page_error=_("You are not a member of this community.")
            ),
        )
    was_request = membership.status == MembershipStatus.REQUESTED
    try:
        services.membership_leave(user=request.user, membership=membership)
    except CommunityError as error:
        return render(
            request,
            "communities/detail.html",
            _detail_context(request, community, page_error=error.message),
        )
    if was_request:
        messages.success(request, _("Your join request has been withdrawn."))
    else:
        messages.success(request, _("You have left %(community)s.") % {"community": community.name})
    return redirect("communities:detail", slug=community.slug)


# --- members (coordinators and admins) ---


def _managed_community(request: HttpRequest, slug: str) -> Community:
    community = _visible_community(request, slug)
    if not permissions.user_can_manage_members(request.user, community):
        raise PermissionDenied
    return community


def _members_page(
    request: HttpRequest,
    community: Community,
    *,
    page_error: str | None = None,
    error_membership_id: int | None = None,
    decision_form: DecisionForm | None = None,
    role_form: RoleForm | None = None,
    invite_form: InviteForm | None = None,
) -> HttpResponse:
    user = request.user
    requests = list(selectors.join_requests_of(user, community))
    members = list(selectors.verified_members_of(user, community))
    for membership in requests:
        membership.form = (
            decision_form
            if membership.pk == error_membership_id and decision_form
            else DecisionForm(prefix=f"m{membership.pk}")
        )
    for membership in members:
        membership.form = (
            role_form
            if membership.pk == error_membership_id and role_form
            else RoleForm(
                prefix=f"m{membership.pk}", community=community, initial={"role": membership.role}
            )
        )
    can_invite = permissions.user_can_invite_members(user, community)
    return render(
        request,
        "communities/members.html",
        {
            "community": community,
            "join_requests": requests,
            "members": members,
            "show_emails": permissions.user_can_see_member_emails(user),
            "can_invite": can_invite,
            "invite_form": invite_form or (InviteForm(community=community) if can_invite else None),
            "page_error": page_error,
        },
    )


@login_required
def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    community = _managed_community(request, slug)
    return _members_page(request, community)


def _managed_membership(request: HttpRequest, community: Community, membership_id: int) -> Any:
    membership = selectors.managed_membership_or_none(request.user, community, membership_id)
    if membership is None:
        raise Http404
    return membership


@require_POST
@login_required
def membership_decide(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community = _managed_community(request, slug)
    membership = _managed_membership(request, community, membership_id)
    form = DecisionForm(request.POST, prefix=f"m{membership.pk}")
    if form.is_valid():
        service = (
            services.membership_verify
            if form.cleaned_data["decision"] == "verify"
            else services.membership_reject
        )
        try:
            service(actor=request.user, membership=membership, note=form.cleaned_data["note"])
        except CommunityError as error:
            if error.field:
                _apply_error(form, error)
            else:
                return _members_page(request, community, page_error=error.message)
        else:
            if form.cleaned_data["decision"] == "verify":
                text = _("%(name)s is now a member.")
            else:
                text = _("The request of %(name)s has been turned down.")
            messages.success(request, text % {"name": membership.user.public_name})
            return redirect("communities:members", slug=community.slug)
    return _members_page(request, community, error_membership_id=membership.pk, decision_form=form)


@require_POST
@login_required
def membership_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community = _managed_community(request, slug)
    membership = _managed_membership(request, community, membership_id)
    form = RoleForm(request.POST, prefix=f"m{membership.pk}", community=community)
    if form.is_valid():
        try:
            services.membership_set_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            )
        except CommunityError as error:
            if error.field:
                _apply_error(form, error)
            else:
                return _members_page(request, community, page_error=error.message)
        else:
            messages.success(
                request,
                _("The role of %(name)s has been saved.") % {"name": membership.user.public_name},
            )
            return redirect("communities:members", slug=community.slug)
    return _members_page(request, community, error_membership_id=membership.pk, role_form=form)


@require_POST
@login_required
def member_invite(request: HttpRequest, slug: str) -> HttpResponse:
    community = _managed_community(request, slug)
    if not permissions.user_can_invite_members(request.user, community):
        raise PermissionDenied
    form = InviteForm(request.POST, community=community)
    if form.is_valid():
        invitee = User.objects.filter(
            email__iexact=form.cleaned_data["email"], is_active=True
        ).first()
        if invitee is None:
            form.add_error("email", _("There is no account with this e-mail address."))
        else:
            try:
                services.member_invite(
                    actor=request.user,
                    community=community,
                    user=invitee,
                    role=form.cleaned_data["role"],
                )
            except CommunityError as error:
                _apply_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s has been added to the team.") % {"name": invitee.public_name},
                )
                return redirect("communities:members", slug=community.slug)
    return _members_page(request, community, invite_form=form)


# --- creating a community (admins, municipality) ---


@require_http_methods(["GET", "POST"])
@login_required
def community_create(request: HttpRequest) -> HttpResponse:
    if not permissions.user_can_create_community(request.user):
        raise PermissionDenied
    form = CommunityCreateForm(
        request.POST or None, areas=selectors.areas_for_new_community(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(actor=request.user, data=form.cleaned_data)
        except CommunityError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The community has been created."))
            return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/create.html", {"form": form})


# --- my watch points and subscriptions (COM-4) ---


WATCH_POINT_ACTIONS = ("home", "add", "remove", "subscriptions")


@require_http_methods(["GET", "POST"])
@login_required
def watch_points(request: HttpRequest) -> HttpResponse:
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    home_form = LocationForm(prefix="home")
    add_form = WatchPointForm(prefix="add")
    subscriptions_form = SubscriptionsForm(
        prefix="subs", initial={"kinds": sorted(selectors.subscribed_kinds(user))}
    )
    page_error: str | None = None

    if action == "home":
        home_form = LocationForm(request.POST, prefix="home")
        if home_form.is_valid():
            data = home_form.cleaned_data
            try:
                services.watch_point_set_home(
                    user=user, lat=data["lat"], lon=data["lon"], address=data["address"]
                )
            except CommunityError as error:
                _apply_error(home_form, error)
            else:
                messages.success(request, _("Your home point has been saved."))
                return redirect("communities:watch_points")
    elif action == "add":
        add_form = WatchPointForm(request.POST, prefix="add")
        if add_form.is_valid():
            data = add_form.cleaned_data
            try:
                services.watch_point_add(
                    user=user,
                    label=data["label"],
                    lat=data["lat"],
                    lon=data["lon"],
                    address=data["address"],
                )
            except CommunityError as error:
                _apply_error(add_form, error)
            else:
                messages.success(request, _("The watch point has been added."))
                return redirect("communities:watch_points")
    elif action == "remove":
        point = None
        raw_id = request.POST.get("watch_point", "")
        if raw_id.isdigit():
            point = selectors.watch_points_of(user).filter(pk=int(raw_id)).first()
        if point is None:
            page_error = _("This watch point does not exist (any more).")
        else:
            try:
                services.watch_point_remove(user=user, watch_point=point)
            except CommunityError as error:
                page_error = error.message
            else:
                messages.success(request, _("The watch point has been removed."))
                return redirect("communities:watch_points")
    elif action == "subscriptions":
        subscriptions_form = SubscriptionsForm(request.POST, prefix="subs")
        if subscriptions_form.is_valid():
            try:
                services.subscriptions_set(
                    user=user, kinds=subscriptions_form.cleaned_data["kinds"]
                )
            except CommunityError as error:
                _apply_error(subscriptions_form, error)
            else:
                messages.success(request, _("Your alert subscriptions have been saved."))
                return redirect("communities:watch_points")
    elif request.method == "POST":
        page_error = _("Something went wrong with the form. Please try again.")

    points = list(selectors.watch_points_of(user))
    subscribed = (
        set(subscriptions_form.data.getlist("subs-kinds"))
        if subscriptions_form.is_bound
        else selectors.subscribed_kinds(user)
    )
    return render(
        request,
        "communities/watch_points.html",
        {
            "home_point": next((p for p in points if p.is_home), None),
            "extra_points": [p for p in points if not p.is_home],
            "max_extra": services.MAX_EXTRA_WATCH_POINTS,
            "home_form": home_form,
            "add_form": add_form,
            "subscriptions_form": subscriptions_form,
            "alert_kinds": [
                (value, label, value in subscribed) for value, label in AlertKind.choices
            ],
            "page_error": page_error,
        },
    )
