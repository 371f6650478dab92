"""Subject-rights pages: a user's own export and erasure, and the privacy officer's register.

The register is for ``Role.PRIVACY_OFFICER`` only. An administrator without that role is refused
too (404, as for anyone else): the register names people who wrote in and what they asked, and the
role table (PRODUCT §2) gives admins configuration, not other people's requests. A deployment that
wants its admin to handle requests grants them the role explicitly, which is then audited like any
role grant.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import has_role
from samenveilig.core import audit, ratelimit
from samenveilig.privacy import subject
from samenveilig.privacy.forms import CloseRequestForm, ErasureForm, RecordRequestForm
from samenveilig.privacy.models import (
    PrivacyRequest,
    RequestKind,
    RequestStatus,
    one_month_after,
)

EXPORT_FILENAME = "samenveilig-mijn-gegevens.json"
ERASE_ATTEMPTS_PER_HOUR = 5


def _json_download(data: dict, filename: str = EXPORT_FILENAME) -> HttpResponse:
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _sections(data: dict) -> list[dict]:
    """The export as headed sections for the readable page."""
    out = []
    for key, heading in subject.SECTIONS.items():
        value = data.get(key)
        if key == "account":
            rows = [value]
        else:
            rows = value or []
        out.append(
            {
                "key": key,
                "heading": heading,
                "rows": [
                    [
                        (k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
                        for k, v in row.items()
                    ]
                    for row in rows
                ],
            }
        )
    return out


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """The readable (HTML) copy of everything held about the user."""
    data = subject.export_user_data(user=request.user, actor=request.user, fmt="html")
    return render(
        request,
        "privacy/my_data.html",
        {"sections": _sections(data), "generated_at": data["generated_at"]},
    )


@login_required
@require_GET
def my_data_json(request: HttpRequest) -> HttpResponse:
    data = subject.export_user_data(user=request.user, actor=request.user, fmt="json")
    return _json_download(data)


@login_required
@require_http_methods(["GET", "POST"])
def erase_me(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not ratelimit.consume(
        "privacy_erase", str(request.user.pk), limit=ERASE_ATTEMPTS_PER_HOUR
    ):
        # The password check must not become a way to guess the password with a stolen session.
        return ratelimit.too_many(
            request, _("Too many attempts to erase this account. Try again in an hour.")
        )
    form = ErasureForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        result = subject.erase_user(user=user, actor=user)
        logout(request)
        # Shown straight away: the person is logged out and has no account to come back to.
        return render(request, "privacy/erased.html", {"result": result, **_result_context(result)})
    return render(request, "privacy/erase_confirm.html", {"form": form})


def _result_context(result: subject.ErasureResult) -> dict:
    return {
        "kept": [
            {
                "heading": subject.SECTIONS.get(k.section, k.section),
                "count": k.count,
                "reason": k.reason,
                "until": k.until,
                "period": k.period,
                "section": k.section,
            }
            for k in result.kept
        ],
        "removed": [(subject.SECTIONS.get(k, k), n) for k, n in result.removed.items()],
        "unlinked": [(subject.SECTIONS.get(k, k), n) for k, n in result.unlinked.items()],
    }


# --- privacy officer -------------------------------------------------------------------------


def _officer_only(request: HttpRequest) -> None:
    # 404 rather than 403: the register's existence is nobody else's business (PRODUCT §15).
    if not request.user.is_authenticated or not has_role(request.user, Role.PRIVACY_OFFICER):
        raise Http404


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    _officer_only(request)
    today = timezone.localdate()
    open_requests = list(
        PrivacyRequest.objects.filter(status=RequestStatus.OPEN).order_by("due_on", "pk")
    )
    # Self-service downloads are closed at once and can be many; they are counted, and listed
    # only when asked for, so the requests the officer handles stay in view.
    with_self_service = request.GET.get("zelf") == "1"
    closed_qs = PrivacyRequest.objects.exclude(status=RequestStatus.OPEN)
    self_service_count = closed_qs.filter(
        self_service=True, closed_at__gte=timezone.now() - timedelta(days=30)
    ).count()
    if not with_self_service:
        closed_qs = closed_qs.filter(self_service=False)
    closed = closed_qs.order_by("-closed_at")[:50]
    for r in open_requests:
        r.overdue = r.is_overdue(today)
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action="privacy.register_viewed",
            details={"open": len(open_requests)},
        )
    return render(
        request,
        "privacy/register.html",
        {
            "open_requests": open_requests,
            "closed_requests": closed,
            "today": today,
            "with_self_service": with_self_service,
            "self_service_count": self_service_count,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_request(request: HttpRequest) -> HttpResponse:
    _officer_only(request)
    form = RecordRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            pr = form.save(commit=False)
            pr.subject = form.subject
            pr.self_service = False
            pr.due_on = one_month_after(pr.received_on)
            pr.recorded_by = request.user
            pr.save()
            audit.record(
                actor=request.user,
                action="privacy.request_recorded",
                obj=pr,
                details={"kind": pr.kind, "has_account": pr.subject_id is not None},
            )
        messages.success(
            request,
            _("Request %(ref)s recorded; the answer is due on %(due)s.")
            % {"ref": pr.reference, "due": pr.due_on.strftime("%d-%m-%Y")},
        )
        return redirect("privacy:request_detail", reference=pr.reference)
    return render(request, "privacy/record_request.html", {"form": form})


def _officer_request(request: HttpRequest, reference: str) -> PrivacyRequest:
    _officer_only(request)
    return get_object_or_404(PrivacyRequest, reference=reference)


@login_required
@require_GET
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    pr = _officer_request(request, reference)
    return render(
        request,
        "privacy/request_detail.html",
        {"pr": pr, "close_form": CloseRequestForm(), **_carry_out_flags(pr)},
    )


def _carry_out_flags(pr: PrivacyRequest) -> dict:
    can = pr.status == RequestStatus.OPEN and pr.subject_id is not None and pr.subject.is_active
    return {
        "can_export": can and pr.kind == RequestKind.ACCESS,
        "can_erase": can and pr.kind == RequestKind.ERASURE,
    }


@login_required
@require_POST
def close_request(request: HttpRequest, reference: str) -> HttpResponse:
    pr = _officer_request(request, reference)
    form = CloseRequestForm(request.POST)
    valid = form.is_valid()
    if pr.status != RequestStatus.OPEN:
        form.add_error(None, _("This request is already closed."))
        valid = False
    if not valid:
        return render(
            request,
            "privacy/request_detail.html",
            {"pr": pr, "close_form": form, **_carry_out_flags(pr)},
            status=400,
        )
    with transaction.atomic():
        subject._close(
            pr,
            actor=request.user,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["outcome_note"],
        )
        audit.record(
            actor=request.user,
            action="privacy.request_closed",
            obj=pr,
            details={"status": pr.status},
        )
    messages.success(request, _("Request %(ref)s closed.") % {"ref": pr.reference})
    return redirect("privacy:register")


@login_required
@require_POST
def carry_out_export(request: HttpRequest, reference: str) -> HttpResponse:
    pr = _officer_request(request, reference)
    if not _carry_out_flags(pr)["can_export"]:
        messages.error(request, _("This request cannot be carried out here."))
        return redirect("privacy:request_detail", reference=pr.reference)
    data = subject.export_user_data(user=pr.subject, actor=request.user, fmt="json", request=pr)
    return _json_download(data, filename=f"samenveilig-{pr.reference}.json")


@login_required
@require_POST
def carry_out_erasure(request: HttpRequest, reference: str) -> HttpResponse:
    pr = _officer_request(request, reference)
    if not _carry_out_flags(pr)["can_erase"]:
        messages.error(request, _("This request cannot be carried out here."))
        return redirect("privacy:request_detail", reference=pr.reference)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect("privacy:request_detail", reference=pr.reference)
    result = subject.erase_user(user=pr.subject, actor=request.user, request=pr)
    return render(
        request,
        "privacy/erased.html",
        {"result": result, "officer": True, **_result_context(result)},
    )
