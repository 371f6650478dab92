"""Pages of partner flags under /signalen/ (FLG-1…FLG-3).

- ``flags:list`` / ``flags:new`` — users who may set flags (police, municipality by default):
  their own flags, and the form to set one. Everyone else gets 403.
- ``flags:detail`` / ``flags:extend`` / ``flags:end`` — the owner only (404 for anyone else, so
  nobody learns that a flag number exists): the identifier read back, the hits, extend, end.
- ``flags:lookup`` — partner users: "is there a flag on X?" with a required purpose. The question
  is sent by POST so the identifier never appears in a URL or a server log.
- ``flags:hits`` / ``flags:hits_seen`` — the hits inbox of partners and owners.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samenveilig.flags import permissions, selectors, services
from samenveilig.flags.forms import ExtendForm, FlagForm, LookupForm
from samenveilig.flags.models import Flag
from samenveilig.flags.normalise import display


def _no_store(response: HttpResponse) -> HttpResponse:
    # Pages with identifiers or signals: no copy in a shared cache or the browser's history.
    response["Cache-Control"] = "no-store, private"
    return response


def _owned(request: HttpRequest, pk: int) -> Flag:
    flag = selectors.owned_flag_or_none(request.user, pk)
    if flag is None:
        raise Http404
    return flag


@login_required
@require_http_methods(["GET"])
def flag_list(request: HttpRequest) -> HttpResponse:
    if not permissions.user_may_set_flags(request.user):
        raise PermissionDenied
    flags = list(
        selectors.flags_owned_by(request.user)
        .annotate(hit_count=Count("hits"))
        .order_by("-expires_at", "-pk")
    )
    active = [f for f in flags if f.state == "active"]
    past = [f for f in flags if f.state != "active"]
    return _no_store(
        render(request, "flags/list.html", {"active_flags": active, "past_flags": past})
    )


@login_required
@require_http_methods(["GET", "POST"])
def flag_new(request: HttpRequest) -> HttpResponse:
    roles = permissions.setter_types(request.user)
    if not roles:
        raise PermissionDenied
    if request.method == "POST":
        form = FlagForm(request.POST, roles=roles)
        if form.is_valid():
            data = services.FlagInput(
                kind=form.cleaned_data["kind"],
                identifier=form.identifier_value(),
                category=form.cleaned_data["category"],
                owner_contact=form.cleaned_data["owner_contact"],
                expires_on=form.cleaned_data["expires_on"],
                visible_to=form.cleaned_data["visible_to"],
                owner_role=form.cleaned_data.get("owner_role") or roles[0],
                note=form.cleaned_data["note"],
            )
            try:
                flag = services.flag_create(actor=request.user, data=data)
            except services.FlagValidationError as error:
                form.add_service_errors(error.errors)
            else:
                messages.success(request, _("The flag is set. Hits will show up here."))
                return redirect("flags:detail", pk=flag.pk)
    else:
        user = request.user
        form = FlagForm(roles=roles, initial={"owner_contact": str(user)})
    return _no_store(render(request, "flags/new.html", {"form": form}))


def _detail_page(
    request: HttpRequest, flag: Flag, *, extend_form: ExtendForm | None = None, status: int = 200
) -> HttpResponse:
    identifier = services.flag_identifier(actor=request.user, flag=flag)
    hits = selectors.hits_of_flag(request.user, flag)
    services.record_hits_viewed(
        actor=request.user, hit_ids=[row.hit.pk for row in hits], where="flag"
    )
    context: dict[str, Any] = {
        "flag": flag,
        "identifier": display(flag.kind, identifier),
        "note": services.flag_note(actor=request.user, flag=flag),
        "visible_to_labels": _role_labels(flag.visible_to),
        "hits": hits,
        "extend_form": extend_form or ExtendForm(),
        "latest": services.latest_expiry(),
    }
    return _no_store(render(request, "flags/detail.html", context, status=status))


def _role_labels(roles: list[str]) -> list[str]:
    from samenveilig.accounts.models import Role

    labels = dict(Role.choices)
    return [str(labels.get(role, role)) for role in roles or []]


@login_required
@require_http_methods(["GET"])
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _owned(request, pk))


@login_required
@require_POST
def flag_extend(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _owned(request, pk)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            services.flag_extend(
                actor=request.user, flag=flag, expires_on=form.cleaned_data["expires_on"]
            )
        except services.FlagValidationError as error:
            for key, texts in error.errors.items():
                for text in texts:
                    form.add_error(key if key in form.fields else None, text)
        else:
            messages.success(request, _("The flag is extended."))
            return redirect("flags:detail", pk=flag.pk)
    return _detail_page(request, flag, extend_form=form, status=400)


@login_required
@require_POST
def flag_end(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _owned(request, pk)
    services.flag_end(actor=request.user, flag=flag)
    messages.success(request, _("The flag has ended; it no longer matches."))
    return redirect("flags:detail", pk=flag.pk)


@login_required
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    if not permissions.user_may_look_up(request.user):
        raise PermissionDenied
    result = None
    status = 200
    if request.method == "POST":
        form = LookupForm(request.POST)
        if form.is_valid():
            try:
                result = services.flag_lookup(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    identifier=form.identifier_value(),
                    purpose=form.cleaned_data["purpose"],
                    purpose_note=form.cleaned_data["purpose_note"],
                )
            except services.FlagValidationError as error:
                form.add_service_errors(error.errors)
                status = 400
        else:
            status = 400
    else:
        form = LookupForm()
    signals = []
    if result is not None:
        signals = [
            selectors.Signal(
                category=flag.category.label,
                contact=flag.owner_contact,
                own=permissions.user_owns_flag(request.user, flag),
            )
            for flag in result.flags
        ]
        form = LookupForm()  # the identifier is not shown again
    context = {"form": form, "result": result, "signals": signals}
    return _no_store(render(request, "flags/lookup.html", context, status=status))


@login_required
@require_http_methods(["GET"])
def hits(request: HttpRequest) -> HttpResponse:
    if not permissions.user_may_see_hits_page(request.user):
        raise PermissionDenied
    rows = selectors.hits_inbox(request.user)
    services.record_hits_viewed(
        actor=request.user, hit_ids=[row.hit.pk for row in rows], where="inbox"
    )
    context = {
        "rows": rows,
        "new_count": sum(1 for row in rows if row.new),
        "may_set": permissions.user_may_set_flags(request.user),
    }
    return _no_store(render(request, "flags/hits.html", context))


@login_required
@require_POST
def hits_seen(request: HttpRequest) -> HttpResponse:
    if not permissions.user_may_see_hits_page(request.user):
        raise PermissionDenied
    services.hits_mark_seen(actor=request.user)
    return redirect("flags:hits")
