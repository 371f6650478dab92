"""Pages of the community funds (FND-1) under /potten/.

- ``funds:index`` — my funds, claims waiting for my decision (municipality) or payout
  (treasurer), communities where I may open a fund. Any logged-in user.
- ``funds:fund`` — balance, ledger, claims (members: their own) and the actions the user may take.
  Verified members and managers; anyone else gets a 404 (the fund's existence is not leaked).
- ``funds:open`` (POST), ``funds:treasurer`` (POST), ``funds:income``, ``funds:claim_new``,
  ``funds:claim``, ``funds:decide`` (POST), ``funds:paid`` (POST), ``funds:receipt``,
  ``funds:correct``, ``funds:export`` — each checks its own permission (403 for a member who may
  see the fund but not do this, 404 for anyone who may not see it).
- ``funds:public`` — the transparency page: totals per category, open to everyone.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samenveilig.communities.models import Community, Membership, MembershipStatus
from samenveilig.funds import permissions, selectors, services
from samenveilig.funds.forms import (
    ClaimForm,
    CorrectionForm,
    DecisionForm,
    IncomeForm,
    TreasurerForm,
)
from samenveilig.funds.models import ExpenseClaim, Fund, LedgerEntry, ReceiptKind


def _fund_or_404(request: HttpRequest, slug: str) -> Fund:
    fund = (
        Fund.objects.select_related("community", "treasurer").filter(community__slug=slug).first()
    )
    if fund is None or not permissions.user_can_view_fund(request.user, fund):
        raise Http404
    return fund


def _claim_or_404(request: HttpRequest, fund: Fund, pk: int) -> ExpenseClaim:
    claim = ExpenseClaim.objects.select_related("claimant").filter(fund=fund, pk=pk).first()
    if claim is None or not permissions.user_can_see_claim(request.user, claim):
        raise Http404
    claim.fund = fund
    return claim


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "funds/index.html",
        {
            "funds": selectors.funds_of(user),
            "to_decide": selectors.claims_to_decide(user),
            "to_pay": selectors.claims_to_pay(user),
            "to_open": selectors.communities_without_fund(user),
        },
    )


@require_POST
@login_required
def open_fund(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    if not permissions.user_can_open_fund(request.user, community):
        raise Http404
    services.fund_open(actor=request.user, community=community)
    messages.success(request, _("The fund is open. Record its first income."))
    return redirect("funds:fund", slug=slug)


def _members(fund: Fund) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(community=fund.community, status=MembershipStatus.VERIFIED)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )
    return [(m.user_id, m.user.public_name) for m in rows]


@require_GET
@login_required
def fund_detail(request: HttpRequest, slug: str) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    user = request.user
    manages = permissions.user_can_manage_fund(user, fund)
    can_set_treasurer = permissions.user_can_set_treasurer(user, fund)
    return render(
        request,
        "funds/fund.html",
        {
            "fund": fund,
            "community": fund.community,
            "balance": selectors.balance_cents(fund),
            "entries": selectors.entries_of(fund)[:200],
            "claims": selectors.claims_visible_to(user, fund)[:200],
            "manages": manages,
            "can_claim": permissions.user_can_file_claim(user, fund),
            "can_income": permissions.user_can_record_income(user, fund),
            "can_correct": permissions.user_can_correct(user, fund),
            "treasurer_form": (
                TreasurerForm(initial={"treasurer": fund.treasurer_id}, members=_members(fund))
                if can_set_treasurer
                else None
            ),
        },
    )


@require_POST
@login_required
def set_treasurer(request: HttpRequest, slug: str) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    if not permissions.user_can_set_treasurer(request.user, fund):
        raise PermissionDenied
    form = TreasurerForm(request.POST, members=_members(fund))
    if not form.is_valid():
        messages.error(request, _("Choose one of the verified members."))
        return redirect("funds:fund", slug=slug)
    try:
        services.fund_set_treasurer(
            actor=request.user, fund=fund, user_id=form.cleaned_data["treasurer"]
        )
    except services.FundError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The treasurer is saved."))
    return redirect("funds:fund", slug=slug)


@require_http_methods(["GET", "POST"])
@login_required
def income(request: HttpRequest, slug: str) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    categories = permissions.income_categories_for(request.user, fund)
    if not categories or not fund.community.is_active:
        raise PermissionDenied
    form = IncomeForm(request.POST or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        try:
            services.income_record(
                actor=request.user,
                fund=fund,
                category=form.cleaned_data["category"],
                amount_cents=form.amount_cents(),
                note=form.cleaned_data["note"],
            )
        except services.FundError as error:
            form.add_error("amount", error.message)
        else:
            messages.success(request, _("The income is recorded."))
            return redirect("funds:fund", slug=slug)
    return render(request, "funds/income.html", {"fund": fund, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def claim_new(request: HttpRequest, slug: str) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    if not permissions.user_can_file_claim(request.user, fund):
        raise PermissionDenied
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        assert form.checked_receipt is not None
        try:
            claim = services.claim_submit(
                actor=request.user,
                fund=fund,
                category=form.cleaned_data["category"],
                amount_cents=form.amount_cents(),
                description=form.cleaned_data["description"],
                receipt=form.checked_receipt,
            )
        except services.FundError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your claim is sent. The municipality decides on it; you will see the "
                    "decision here."
                ),
            )
            return redirect("funds:claim", slug=slug, pk=claim.pk)
    return render(request, "funds/claim_new.html", {"fund": fund, "form": form})


@require_GET
@login_required
def claim_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    claim = _claim_or_404(request, fund, pk)
    can_decide = permissions.user_can_decide_claim(request.user, claim)
    return render(
        request,
        "funds/claim.html",
        {
            "fund": fund,
            "claim": claim,
            "balance": selectors.balance_cents(fund),
            "decision_form": DecisionForm() if can_decide else None,
            "can_pay": permissions.user_can_mark_paid(request.user, claim),
        },
    )


@require_POST
@login_required
def decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    claim = _claim_or_404(request, fund, pk)
    if not permissions.user_can_decide_claim(request.user, claim):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.claim_decide(
                actor=request.user,
                claim=claim,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except services.FundError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your decision is saved."))
            return redirect("funds:claim", slug=slug, pk=pk)
    return render(
        request,
        "funds/claim.html",
        {
            "fund": fund,
            "claim": claim,
            "balance": selectors.balance_cents(fund),
            "decision_form": form,
            "can_pay": False,
        },
        status=400,
    )


@require_POST
@login_required
def mark_paid(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    claim = _claim_or_404(request, fund, pk)
    if not permissions.user_can_mark_paid(request.user, claim):
        raise PermissionDenied
    try:
        services.claim_mark_paid(actor=request.user, claim=claim)
    except services.FundError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The claim is marked as paid."))
    return redirect("funds:claim", slug=slug, pk=pk)


@require_GET
@login_required
def receipt(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    claim = _claim_or_404(request, fund, pk)
    try:
        handle = claim.receipt.open("rb")
    except (FileNotFoundError, OSError, ValueError) as error:
        raise Http404 from error
    is_pdf = claim.receipt_kind == ReceiptKind.PDF
    response = FileResponse(
        handle,
        content_type="application/pdf" if is_pdf else "image/jpeg",
        as_attachment=is_pdf,
        filename=f"receipt-{claim.pk}.{'pdf' if is_pdf else 'jpg'}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def correct(request: HttpRequest, slug: str, entry_pk: int) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    if not permissions.user_can_correct(request.user, fund):
        raise PermissionDenied
    entry = get_object_or_404(LedgerEntry, fund=fund, pk=entry_pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_correct(
                actor=request.user,
                entry=entry,
                amount_cents=form.amount_cents(),
                note=form.cleaned_data["note"],
            )
        except services.FundError as error:
            form.add_error("amount", error.message)
        else:
            messages.success(request, _("The correction is recorded as a new entry."))
            return redirect("funds:fund", slug=slug)
    return render(
        request,
        "funds/correct.html",
        {"fund": fund, "entry": entry, "form": form, "balance": selectors.balance_cents(fund)},
    )


def _csv_safe(value: str) -> str:
    """Text that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@require_GET
@login_required
def export(request: HttpRequest, slug: str) -> HttpResponse:
    fund = _fund_or_404(request, slug)
    if not permissions.user_can_manage_fund(request.user, fund):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="fund-{fund.community.slug}-{stamp}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(
        [
            "number",
            "recorded_at",
            "kind",
            "category",
            "amount_eur",
            "balance_after_eur",
            "claim",
            "corrects",
            "note",
        ]
    )
    for entry in (
        LedgerEntry.objects.filter(fund=fund).select_related("corrects").order_by("sequence")
    ):
        writer.writerow(
            [
                entry.sequence,
                timezone.localtime(entry.recorded_at).isoformat(timespec="seconds"),
                entry.kind,
                entry.category,
                services.euros(entry.amount_cents),
                services.euros(entry.balance_after_cents),
                entry.claim_id or "",
                entry.corrects.sequence if entry.corrects_id else "",
                _csv_safe(entry.note),
            ]
        )
    return response


@require_GET
def public(request: HttpRequest, slug: str) -> HttpResponse:
    fund = (
        Fund.objects.select_related("community")
        .filter(community__slug=slug, community__is_active=True)
        .first()
    )
    if fund is None:
        raise Http404
    return render(
        request,
        "funds/public.html",
        {"fund": fund, "community": fund.community, "totals": selectors.transparency(fund)},
    )
