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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from samenveilig.communities.models import Membership, MembershipStatus
from samenveilig.core import uploads
from samenveilig.investigations import conf, permissions, services
from samenveilig.investigations.forms import (
    AcknowledgeForm,
    AgreementForm,
    CaseForm,
    CheckinForm,
    CloseForm,
    EvidenceForm,
    IdentifiersForm,
    WorkingCopyForm,
)
from samenveilig.investigations.models import (
    Case,
    CaseStatus,
    EvidenceItem,
    Exposure,
    PoliceAgreement,
    WorkingCopy,
)
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
    def wrapper(request: HttpRequest, reference: str, **kwargs: Any) -> HttpResponse:
        try:
            case = _case(request, reference)
            return view(request, case, **kwargs)
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
        {
            "cases": cases,
            "teams": teams,
            "wellbeing": wellbeing,
            "can_record_agreement": any(
                permissions.user_can_record_agreement(request.user, t) for t in lead_teams
            ),
        },
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
    team_reader = permissions.user_can_read_case(user, case)
    blocked_by = case.blocked_by_item
    return {
        "identifiers": services.identifiers_read(actor=user, case=case) if team_reader else [],
        "team_reader": team_reader,
        "can_add_identifiers": team_reader and not case.is_locked,
        "blocked_by_user": case.status == CaseStatus.REVIEW
        and blocked_by is not None
        and blocked_by.collected_by_id == user.pk,
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
    context["identifiers_form"] = forms.get("identifiers_form") or IdentifiersForm()
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
    # The service refuses the lead who added the blocking decoy log with a clear message.
    if not permissions.is_team_lead(request.user, case.team):
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
                message = error.message
                if case.offence.involves_minors and error.code != "too_large":
                    # INV-5: the general advice ("send a photo …") is wrong here.
                    message = services.minors_upload_message()
                form.add_error("upload", message)
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


@require_POST
@_with_case
def identifiers_add(request: HttpRequest, case: Case) -> HttpResponse:
    """Record suspects' identifiers for the publication guard (INV-8)."""
    if not permissions.user_can_read_case(request.user, case):
        raise PermissionDenied
    form = IdentifiersForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, case, status=400, identifiers_form=form)
    try:
        services.identifiers_add(
            actor=request.user, case=case, identifiers=form.cleaned_data["identifiers"]
        )
    except services.CaseError as error:
        for field, message in error.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _render_detail(request, case, status=400, identifiers_form=form)
    messages.success(request, _("The identifiers are recorded."))
    return redirect("investigations:detail", reference=case.reference)


def _team_item(request: HttpRequest, case: Case, number: int) -> EvidenceItem:
    """Items and their working copies are for the team's investigators only."""
    if not permissions.user_can_read_case(request.user, case):
        services.refused_read(actor=request.user, case=case)
        raise Http404
    item = case.evidence.select_related("collected_by").filter(number=number).first()
    if item is None:
        raise Http404
    return item


def _attachment(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/octet-stream")
    safe = "".join(c for c in filename if c.isalnum() or c in "._-")[-100:] or "item.bin"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@_with_case
def item_detail(request: HttpRequest, case: Case, number: int) -> HttpResponse:
    """One evidence item: the original (read audited) and its working copies (INV-4)."""
    item = _team_item(request, case, number)
    user = request.user
    form = WorkingCopyForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if not permissions.user_can_make_working_copy(user, case):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            upload = None
            if data["upload"] is not None:
                file = data["upload"]
                upload = services.Upload(file.name, file.content_type or "", file.read())
            try:
                copy = services.working_copy_create(
                    actor=user, item=item, purpose=data["purpose"], text=data["text"], upload=upload
                )
            except services.CaseError as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request,
                    _("Working copy %(number)d is stored apart from the original.")
                    % {"number": copy.number},
                )
                return redirect("investigations:item", reference=case.reference, number=item.number)
        status = 400
    original = services.evidence_read(actor=user, item=item)  # audited
    copies = list(item.working_copies.select_related("created_by").order_by("number"))
    for copy in copies:
        copy.purpose = services.working_copy_purpose(copy)
        copy.text = ""
        if copy.content_type.startswith("text/plain"):
            copy.text = services.working_copy_read(actor=user, copy=copy).decode(errors="replace")
    return render(
        request,
        "investigations/item.html",
        {
            "case": case,
            "item": item,
            "original_text": original.decode(errors="replace") if not item.filename else "",
            "reason": services.relevance_reason(item),
            "copies": copies,
            "form": form,
            "can_copy": permissions.user_can_make_working_copy(user, case),
            "minors": case.offence.involves_minors,
            "minors_message": services.minors_upload_message(),
        },
        status=status,
    )


@_with_case
def item_original(request: HttpRequest, case: Case, number: int) -> HttpResponse:
    """The evidentiary original of a file item, downloaded by a team investigator (audited)."""
    item = _team_item(request, case, number)
    data = services.evidence_read(actor=request.user, item=item)
    return _attachment(data, item.filename or f"item-{item.number}.txt")


@_with_case
def working_copy_download(request: HttpRequest, case: Case, number: int, copy: int) -> HttpResponse:
    item = _team_item(request, case, number)
    working = WorkingCopy.objects.filter(item=item, number=copy).first()
    if working is None:
        raise Http404
    data = services.working_copy_read(actor=request.user, copy=working)
    name = working.filename or f"item-{item.number}-copy-{working.number}.txt"
    return _attachment(data, name)


@login_required
@require_http_methods(["GET", "POST"])
def agreements(request: HttpRequest) -> HttpResponse:
    """The written agreements with police of the teams the user leads (INV-3)."""
    teams = permissions.agreement_teams(request.user)
    if not teams:
        if permissions.investigation_teams(request.user) and not permissions.is_certified(
            request.user
        ):
            return _refused(request, permissions.certification_message(request.user))
        return _refused(request)
    form = AgreementForm(request.POST or None, request.FILES or None, teams=teams)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            file = data["document"]
            try:
                services.record_police_agreement(
                    actor=request.user,
                    team=data["team"],
                    signed_on=data["signed_on"],
                    valid_until=data["valid_until"],
                    police_contact=data["police_contact"],
                    document=services.Upload(file.name, file.content_type or "", file.read()),
                )
            except services.CaseError as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            except PermissionDenied:
                return _refused(request)
            else:
                messages.success(request, _("The agreement with police is recorded."))
                return redirect("investigations:agreements")
    rows = (
        PoliceAgreement.objects.filter(team__in=teams)
        .select_related("team", "created_by")
        .order_by("team__name", "-signed_on")
    )
    today = timezone.localdate()
    in_force = {team.pk: services.active_agreement(team, today) for team in teams}
    return render(
        request,
        "investigations/agreements.html",
        {
            "form": form,
            "agreements": rows,
            "in_force_ids": {a.pk for a in in_force.values() if a is not None},
        },
        status=status,
    )


def _agreement(request: HttpRequest, pk: int) -> PoliceAgreement:
    agreement = PoliceAgreement.objects.select_related("team").filter(pk=pk).first()
    if agreement is None or not permissions.user_can_record_agreement(request.user, agreement.team):
        raise Http404
    return agreement


@login_required
@require_POST
def agreement_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    try:
        services.police_agreement_revoke(actor=request.user, agreement=agreement)
    except services.CaseError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The agreement is revoked: decoy conversations stop."))
    return redirect("investigations:agreements")


@login_required
def agreement_document(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    data = services.police_agreement_document(actor=request.user, agreement=agreement)
    return _attachment(data, agreement.document_name or "agreement.pdf")
