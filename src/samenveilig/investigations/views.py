"""Pages of citizen investigations (INV-1…INV-10) under /onderzoek/.

- ``list`` / ``new`` — certified investigators and leads of an investigation team. A team
  investigator without the training modules gets a 403 naming the modules; anyone else a 403.
- ``detail`` and its actions — the team's certified investigators; the police of the team's area
  once the case was handed over. Anyone else gets a 404 and the refusal is audited (INV-8).
- ``inbox`` — police: the cases handed over by teams in their jurisdiction.
- ``checkin`` — the wellbeing check-in after the set exposure (INV-9).

There is no public view, share link or other export: the hand-over package is the only one.
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

from samenveilig.communities.models import Membership, MembershipStatus
from samenveilig.core import uploads
from samenveilig.investigations import conf, permissions, services
from samenveilig.investigations.forms import (
    AcknowledgeForm,
    CaseForm,
    CheckinForm,
    CloseForm,
    EvidenceForm,
)
from samenveilig.investigations.models import Case, CaseStatus, Exposure
from samenveilig.training.permissions import NotCertified


def _refused(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "investigations/refused.html", {"message": message}, status=403)


def _teams_or_refusal(request: HttpRequest) -> tuple[list, HttpResponse | None]:
    teams = permissions.investigation_teams(request.user)
    if not teams:
        return [], _refused(request)
    if not permissions.is_certified(request.user):
        return [], _refused(request, permissions.certification_message(request.user))
    return teams, None


def _case(request: HttpRequest, reference: str) -> Case:
    """The case for a team investigator or the receiving police; else 404 (audited) or 403."""
    case = Case.objects.select_related("team", "offence").filter(reference=reference).first()
    if case is None:
        raise Http404
    user = request.user
    if permissions.user_can_read_case(user, case) or permissions.user_can_receive_case(user, case):
        return case
    services.refused_read(actor=user, case=case)
    if permissions.team_membership(user, case.team) is not None:
        raise NotCertified("investigation", [], permissions.certification_message(user))
    raise Http404


def _with_case(view):  # type: ignore[no-untyped-def]
    def wrapper(request: HttpRequest, reference: str) -> HttpResponse:
        try:
            case = _case(request, reference)
            return view(request, case)
        except NotCertified as refusal:
            return _refused(request, refusal.message)
        except services.CheckinRequired:
            return redirect("investigations:checkin")

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_required(wrapper)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    teams, refusal = _teams_or_refusal(request)
    if refusal:
        return refusal
    cases = (
        Case.objects.filter(team__in=teams)
        .select_related("team", "offence")
        .annotate(items=Count("evidence", distinct=True))
        .order_by("-created_at")[:200]
    )
    lead_teams = [t for t in teams if permissions.is_team_lead(request.user, t)]
    wellbeing = []
    if lead_teams:
        # INV-9: the lead sees whether a check-in is due, never any answers.
        members = Membership.objects.filter(
            community__in=lead_teams,
            status=MembershipStatus.VERIFIED,
            role__in=permissions.INVESTIGATOR_ROLES,
        ).select_related("user")
        exposures = {
            e.user_id: e for e in Exposure.objects.filter(user__in=[m.user for m in members])
        }
        for membership in members:
            exposure = exposures.get(membership.user_id)
            wellbeing.append(
                {
                    "name": membership.user.display_name,
                    "due": services.checkin_due(membership.user),
                    "last_checkin": exposure.last_checkin_at if exposure else None,
                }
            )
    return render(
        request,
        "investigations/list.html",
        {"cases": cases, "teams": teams, "wellbeing": wellbeing},
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    teams, refusal = _teams_or_refusal(request)
    if refusal:
        return refusal
    form = CaseForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, **form.cleaned_data)
        except services.CaseError as error:
            for field, message in error.errors.items():
                form.add_error(field or None, message)
        except PermissionDenied:
            return _refused(request)
        else:
            messages.success(request, _("The case is opened. A second member must join it."))
            return redirect("investigations:detail", reference=case.reference)
    return render(request, "investigations/new.html", {"form": form})


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    plan = services.case_read(actor=user, case=case)  # audited; may ask for a check-in first
    items = list(case.evidence.select_related("collected_by", "corrects").order_by("number"))
    for item in items:
        item.text = services.evidence_text(item)
        item.reason = services.relevance_reason(item)
    return {
        "case": case,
        "plan": plan,
        "items": items,
        "participants": case.participants.select_related("user").order_by("joined_at"),
        "is_police": permissions.user_can_receive_case(user, case),
        "can_join": permissions.user_can_join_case(user, case),
        "can_approve": permissions.user_can_approve_case(user, case),
        "can_collect": permissions.user_can_collect(user, case),
        "can_review": permissions.user_can_review_case(user, case),
        "can_hand_over": permissions.user_can_hand_over(user, case),
        "can_close": permissions.user_can_close_case(user, case),
        "can_download": permissions.user_can_download_package(user, case),
        "can_acknowledge": case.status == CaseStatus.HANDED_OVER
        and permissions.user_can_receive_case(user, case),
        "opener_is_user": case.opened_by_id == user.pk,
        "minors": case.offence.involves_minors,
        "minors_message": services.minors_upload_message(),
    }


def _render_detail(
    request: HttpRequest, case: Case, status: int = 200, **forms: Any
) -> HttpResponse:
    context = _detail_context(request, case)
    context.setdefault("evidence_form", forms.get("evidence_form") or EvidenceForm())
    context["close_form"] = forms.get("close_form") or CloseForm()
    context["ack_form"] = forms.get("ack_form") or AcknowledgeForm()
    context["error"] = forms.get("error", "")
    return render(request, "investigations/detail.html", context, status=status)


@_with_case
def case_detail(request: HttpRequest, case: Case) -> HttpResponse:
    return _render_detail(request, case)


def _action(request: HttpRequest, case: Case, action, success: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    try:
        action()
    except services.CaseError as error:
        return _render_detail(request, case, status=400, error=error.message)
    messages.success(request, success)
    return redirect("investigations:detail", reference=case.reference)


@require_POST
@_with_case
def case_join(request: HttpRequest, case: Case) -> HttpResponse:
    if not permissions.user_can_join_case(request.user, case):
        raise PermissionDenied
    return _action(
        request, case, lambda: services.case_join(actor=request.user, case=case), _("You joined.")
    )


@require_POST
@_with_case
def case_approve(request: HttpRequest, case: Case) -> HttpResponse:
    if not permissions.is_team_lead(request.user, case.team):
        raise PermissionDenied
    return _action(
        request,
        case,
        lambda: services.case_approve(actor=request.user, case=case),
        _("The case is approved: collecting may start."),
    )


@require_POST
@_with_case
def case_review(request: HttpRequest, case: Case) -> HttpResponse:
    if not permissions.user_can_review_case(request.user, case):
        raise PermissionDenied
    return _action(
        request,
        case,
        lambda: services.case_review(actor=request.user, case=case),
        _("Reviewed: collecting may continue."),
    )


@require_POST
@_with_case
def evidence_add(request: HttpRequest, case: Case) -> HttpResponse:
    if not permissions.is_participant(request.user, case):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        upload = None
        if data["upload"] is not None:
            file = data["upload"]
            try:
                checked = uploads.check_evidence(file, max_bytes=conf.max_upload_bytes())
            except uploads.UploadError as error:
                form.add_error("upload", error.message)
            else:
                upload = services.Upload(file.name, checked.content_type, checked.data)
        corrects = None
        if data["corrects"]:
            corrects = case.evidence.filter(number=data["corrects"]).first()
            if corrects is None:
                form.add_error("corrects", _("There is no item with this number."))
        if form.is_valid():
            try:
                item = services.evidence_add(
                    actor=request.user,
                    case=case,
                    kind=data["kind"],
                    source=data["source"],
                    relevance=data["relevance"],
                    relevance_reason=data["relevance_reason"],
                    text=data["text"],
                    upload=upload,
                    url=data["url"],
                    captured_at=data["captured_at"],
                    decoy_handle=data["decoy_handle"],
                    corrects=corrects,
                )
            except services.CaseError as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request, _("Item %(number)d is in the evidence log.") % {"number": item.number}
                )
                return redirect("investigations:detail", reference=case.reference)
    return _render_detail(request, case, status=400, evidence_form=form)


@require_POST
@_with_case
def case_hand_over(request: HttpRequest, case: Case) -> HttpResponse:
    if not permissions.is_participant(request.user, case):
        raise PermissionDenied
    return _action(
        request,
        case,
        lambda: services.case_hand_over(actor=request.user, case=case),
        _("The case is handed over to police and locked."),
    )


@require_POST
@_with_case
def case_close(request: HttpRequest, case: Case) -> HttpResponse:
    if not permissions.is_team_lead(request.user, case.team):
        raise PermissionDenied
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, case, status=400, close_form=form)
    return _action(
        request,
        case,
        lambda: services.case_close(
            actor=request.user, case=case, outcome=form.cleaned_data["outcome"]
        ),
        _("The case is closed."),
    )


@_with_case
def package(request: HttpRequest, case: Case) -> HttpResponse:
    data = services.package_download(actor=request.user, case=case)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="overdracht-{case.reference}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@_with_case
def case_acknowledge(request: HttpRequest, case: Case) -> HttpResponse:
    if not permissions.user_can_receive_case(request.user, case):
        raise PermissionDenied
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, case, status=400, ack_form=form)
    return _action(
        request,
        case,
        lambda: services.case_acknowledge(
            actor=request.user, case=case, police_reference=form.cleaned_data["police_reference"]
        ),
        _("Received: the case is closed with your reference."),
    )


@login_required
def police_inbox(request: HttpRequest) -> HttpResponse:
    if not permissions.user_is_police(request.user):
        return _refused(request)
    candidates = (
        Case.objects.filter(status__in=[CaseStatus.HANDED_OVER, CaseStatus.CLOSED])
        .exclude(handed_over_at=None)
        .select_related("team", "offence")
        .order_by("-handed_over_at")
    )
    cases = [c for c in candidates[:500] if permissions.user_can_receive_case(request.user, c)]
    return render(request, "investigations/inbox.html", {"cases": cases})


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    if not permissions.investigation_teams(request.user):
        return _refused(request)
    form = CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.wellbeing_checkin(actor=request.user)
        messages.success(request, _("Thank you. Take care of yourself."))
        return redirect("investigations:list")
    return render(
        request,
        "investigations/checkin.html",
        {"form": form, "due": services.checkin_due(request.user)},
    )
