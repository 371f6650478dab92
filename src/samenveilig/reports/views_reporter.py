"""The reporter's own reports (REP-8, REP-11): list, detail with history, adding information.

Someone else's report is a 404, the same as a report that does not exist. Partners handle
reports on their own page (``reports:handle``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samenveilig.reports.categories import category_name
from samenveilig.reports.forms import AddInformationForm
from samenveilig.reports.models import EventKind, Report, ReportStatus
from samenveilig.reports.quality import hint_message
from samenveilig.reports.services import abuse as abuse_services
from samenveilig.reports.services import reporter as reporter_services
from samenveilig.reports.types import ReportActionError, ReportValidationError


@login_required
@require_GET
def reporter_list(request: HttpRequest) -> HttpResponse:
    reports = list(reporter_services.reports_of(request.user)[:200])
    for report in reports:
        report.category_label = category_name(report.category)  # type: ignore[attr-defined]
    # How many have news comes from the navigation's count (core.context_processors.site).
    return render(request, "reports/reporter/list.html", {"reports": reports})


def _own_report(request: HttpRequest, reference: str) -> Report:
    report = reporter_services.own_report_or_none(request.user, reference)
    if report is None:
        raise Http404
    return report


def _detail_context(
    request: HttpRequest,
    report: Report,
    *,
    news_since: datetime | None = None,
    had_news: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    events = list(reporter_services.history_for_reporter(report))
    status_labels = dict(ReportStatus.choices)
    for event in events:
        event.to_status_label = status_labels.get(event.to_status, "")  # type: ignore[attr-defined]
        # Steps the partners added since the reporter last opened this page.
        event.is_new = (  # type: ignore[attr-defined]
            had_news
            and event.actor_side != "reporter"
            and (news_since is None or event.created_at > news_since)
        )
    can_add = reporter_services.can_add_information(request.user, report)
    # REP-10: a report marked as misuse says why (a fixed sentence in the reader's language,
    # never the partner's note) and whether new reports now wait for a coordinator.
    flag = abuse_services.flag_of(report)
    threshold = abuse_services.moderation_threshold()
    pending = report.status == ReportStatus.PENDING_MODERATION
    flag_count = abuse_services.recent_flag_count(request.user) if flag or pending else 0
    context: dict[str, Any] = {
        "report": report,
        "category_label": category_name(report.category),
        "events": events,
        "thanks": [e for e in events if e.kind == EventKind.THANKED],
        "persons": list(report.persons.all()),
        "vehicles": list(report.vehicles.all()),
        "photo_count": report.photos.count(),
        "hints": [hint_message(code) for code in report.quality_hints or []],
        "can_add": can_add,
        "add_form": AddInformationForm() if can_add else None,
        "abuse": flag,
        "abuse_explanation": abuse_services.explanation(flag.reason) if flag else "",
        "abuse_threshold": threshold,
        "abuse_window_days": abuse_services.window_days(),
        "abuse_checked_first": 0 < threshold <= flag_count,
    }
    context.update(extra)
    return context


@login_required
@require_GET
def reporter_detail(request: HttpRequest, reference: str) -> HttpResponse:
    report = _own_report(request, reference)
    had_news = report.has_news_for_reporter
    seen_before = reporter_services.mark_seen_by_reporter(report)
    context = _detail_context(request, report, news_since=seen_before, had_news=had_news)
    return render(request, "reports/reporter/detail.html", context)


@login_required
@require_POST
def add_information(request: HttpRequest, reference: str) -> HttpResponse:
    report = _own_report(request, reference)
    form = AddInformationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            reporter_services.report_add_information(
                reporter=request.user,
                report=report,
                text=form.cleaned_data["text"],
                photos=form.cleaned_data["photos"],
            )
        except ReportValidationError as error:
            for key, error_messages in error.errors.items():
                for message in error_messages:
                    form.add_error(key if key in form.fields else None, message)
        except ReportActionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. Your addition has been added to the report."))
            return redirect("reports:detail", reference=report.reference)
    context = _detail_context(request, report, add_form=form)
    return render(request, "reports/reporter/detail.html", context)


# Only the shape of a reference (see ``routing.new_reference``), so these patterns never shadow
# other pages under /meldingen/.
REFERENCE = r"(?P<reference>M-[0-9A-Z]{8})"

urlpatterns = [
    path("mijn/", reporter_list, name="mine"),
    re_path(rf"^{REFERENCE}/$", reporter_detail, name="detail"),
    re_path(rf"^{REFERENCE}/aanvullen/$", add_information, name="add_information"),
]
