"""Partner, coordinator and member pages of reports (REP-7…REP-11).

- ``reports:inbox`` — police and municipality only (others 403): tabs, filters, keyset pages.
- ``reports:handle`` — the full report for a partner who may handle it; anyone else gets a 404
  so the page does not reveal that the reference exists. Actions post to
  ``reports:handle_action``; a refusal shows on the page (status 200), never a 500.
- ``reports:photo`` — photos only through this permission-checked view, never a media URL.
- ``reports:moderation`` / ``reports:moderate`` — coordinators (others 403 / 404).
- ``reports:community`` — verified members see recent reports of their communities' buurten
  without reporter, text, place or photos; a logged-in user without a verified membership gets
  the page with an explanation and no reports (the page itself reveals nothing).
- ``reports:figures`` — the REP-9 table, for everyone logged in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samenveilig.reports import figures as figures_module
from samenveilig.reports import permissions, selectors
from samenveilig.reports.categories import category_name
from samenveilig.reports.display import datetime_formatter, iso_local
from samenveilig.reports.forms_abuse import abuse_panel
from samenveilig.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    EventKind,
    Outcome,
    Partner,
    Report,
    ReportAbuse,
    ReportPhoto,
    ReportStatus,
)
from samenveilig.reports.services import abuse as abuse_services
from samenveilig.reports.services import lifecycle
from samenveilig.reports.types import ReportActionError

# --- forms ---------------------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    """Category and buurt filter; the choices come from per-process lists (no query), and a
    value that is not a choice (a buurt outside the jurisdiction) is a field error."""

    category = forms.TypedChoiceField(
        label=gettext_lazy("Category"), coerce=int, required=False, empty_value=None
    )
    neighbourhood = forms.TypedChoiceField(
        label=gettext_lazy("Neighbourhood"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = (get_language() or "nl")[:2]
        self.fields["category"].choices = [
            ("", _("All categories")),
            *selectors.inbox_category_choices(user, language),
        ]
        self.fields["neighbourhood"].choices = [
            ("", _("All neighbourhoods")),
            *selectors.inbox_neighbourhood_choices(user),
        ]

    def selects(self) -> list[dict[str, Any]]:
        """Each field with its options ``(value, label, selected)``, for a plain ``<select>``
        in the template (the widget's own rendering costs more than the rest of the form)."""
        result = []
        for name in ("category", "neighbourhood"):
            bound = self[name]
            current = str(bound.value() or "")
            result.append(
                {
                    "field": bound,
                    "options": [
                        (str(value), label, str(value) == current)
                        for value, label in self.fields[name].choices
                    ],
                }
            )
        return result


class StartForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the reporter (optional)"),
        required=False,
        max_length=lifecycle.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AskForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message or question to the reporter"),
        help_text=gettext_lazy("The reporter reads it on their report's page and can answer."),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ForwardForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note for the partner you forward to"),
        help_text=gettext_lazy(
            "Only partners read this note; the reporter sees that it was forwarded."
        ),
        max_length=lifecycle.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=[("", "---------"), *Outcome.choices]
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the reporter"),
        help_text=gettext_lazy(
            "Required for “no action possible” and “insufficient information”: say why."
        ),
        required=False,
        max_length=lifecycle.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ThankForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("A word of thanks (optional)"),
        required=False,
        max_length=lifecycle.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcknowledgeForm(forms.Form):
    pass


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))]
    )
    note = forms.CharField(
        label=gettext_lazy("Note to the reporter"),
        help_text=gettext_lazy("Required when you reject the report."),
        required=False,
        max_length=lifecycle.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "acknowledge": AcknowledgeForm,
    "start": StartForm,
    "ask": AskForm,
    "forward": ForwardForm,
    "close": CloseForm,
    "thank": ThankForm,
}
# Which lifecycle transition each page action is, to show only the forms that can succeed.
ACTION_TRANSITIONS = {
    "acknowledge": "acknowledge",
    "start": "start",
    "ask": "ask_reporter",
    "forward": "forward",
    "close": "close",
    "thank": "thank",
}


# --- inbox ---------------------------------------------------------------------------------------


def _require_partner(request: HttpRequest) -> None:
    if not permissions.is_partner_user(request.user):
        raise PermissionDenied


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    _require_partner(request)
    view = request.GET.get("view", "new")
    if view not in selectors.INBOX_VIEWS:
        view = "new"
    form = InboxFilterForm(request.GET or None, user=request.user)
    category: int | None = None
    neighbourhood: int | None = None
    if form.is_bound and form.is_valid():
        category = form.cleaned_data["category"]
        neighbourhood = form.cleaned_data["neighbourhood"]
    page = selectors.partner_inbox(
        request.user,
        view=view,
        category=category,
        neighbourhood=neighbourhood,
        after=request.GET.get("after"),
    )
    rows = _InboxRows()
    for report in page.reports:
        report.row = rows.row(report)  # type: ignore[attr-defined]
        report.row_html = rows.html(report.row)  # type: ignore[attr-defined]
    for group in page.groups:
        group.incident.category_label = category_name(  # type: ignore[attr-defined]
            group.incident.category
        )
        for report in group.reports:
            report.row = rows.row(report)  # type: ignore[attr-defined]
    filters = {
        key: request.GET[key] for key in ("category", "neighbourhood") if request.GET.get(key)
    }
    tabs = [
        {
            "view": key,
            "label": label,
            "url": "?" + urlencode({"view": key, **filters}),
            "current": key == view,
        }
        for key, label in (
            ("new", _("New")),
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            ("closed", _("Closed")),
            ("incidents", _("Incidents")),
        )
    ]
    next_url = (
        "?" + urlencode({"view": view, **filters, "after": page.next_cursor})
        if page.next_cursor
        else None
    )
    return render(
        request,
        "reports/partner/inbox.html",
        {
            "page": page,
            "view": view,
            "tabs": tabs,
            "current_tab": next(tab for tab in tabs if tab["current"]),
            "form": form,
            "next_url": next_url,
            "is_continued": bool(request.GET.get("after")),
            "first_url": "?" + urlencode({"view": view, **filters}),
        },
    )


# One row of the inbox table (the header row is in ``inbox.html``); ``format_html`` escapes
# every value. Rendering fifty rows through the template engine took a third of the page.
_ROW_HTML = (
    '<tr class="utrecht-table__row">'
    '<th scope="row" class="utrecht-table__header-cell"><a href="{url}">{reference}</a>{news}</th>'
    '<td class="utrecht-table__cell">{category}</td>'
    '<td class="utrecht-table__cell">{neighbourhood}</td>'
    '<td class="utrecht-table__cell"><time datetime="{sent_iso}">{sent}</time></td>'
    '<td class="utrecht-table__cell">{status}</td>'
    '<td class="utrecht-table__cell">{due_cell}</td>'
    '<td class="utrecht-table__cell">{quality}/100</td>'
    '<td class="utrecht-table__cell">{incident_size}</td>'
    "</tr>"
)
_DUE_HTML = '{overdue}<span>{label} <time datetime="{iso}">{when}</time></span>'
_OVERDUE_HTML = '<span class="badge badge--warn">{}</span> '
_NEWS_HTML = ' <span class="badge badge--warn">{}</span>'


class _InboxRows:
    """The inbox rows' text, formatted in Python once per request: fifty rows through template
    filters and a per-row ``{% include %}`` cost more than everything else on the page. The
    table's rows are rendered here too (``html``); the incidents tab uses the fields."""

    def __init__(self) -> None:
        self.when = datetime_formatter("SHORT_DATETIME_FORMAT")
        self.language = (get_language() or "nl")[:2]
        self.url = reverse("reports:handle", kwargs={"reference": "M-00000000"})
        self.due_labels = {
            "acknowledge": _("acknowledge by"),
            "respond": _("respond by"),
            "close": _("close by"),
        }
        self.status_labels = dict(ReportStatus.choices)
        self.partner_labels = dict(Partner.choices)
        self.now = timezone.now()
        self.overdue = format_html(_OVERDUE_HTML, _("Overdue"))
        self.news = format_html(_NEWS_HTML, _("New information"))

    def html(self, row: dict[str, Any]) -> SafeString:
        """The ``<tr>`` of one row (what ``inbox.html`` showed with template tags before)."""
        due_cell = (
            format_html(
                _DUE_HTML,
                overdue=self.overdue if row["overdue"] else "",
                label=row["due_label"],
                iso=row["due_iso"],
                when=row["due"],
            )
            if row["due_at"]
            else "—"
        )
        status = row["status"]
        if row["forwarded"]:
            status = f"{status} ({row['forwarded']})"
        return format_html(
            _ROW_HTML,
            url=row["url"],
            reference=row["reference"],
            news=self.news if row["news"] else "",
            category=row["category"],
            neighbourhood=row["neighbourhood"],
            sent_iso=row["sent_iso"],
            sent=row["sent"],
            status=status,
            due_cell=due_cell,
            quality=row["quality"],
            incident_size="—" if row["incident_size"] is None else row["incident_size"],
        )

    def row(self, report: Report) -> dict[str, Any]:
        due = report.due  # type: ignore[attr-defined]
        forwarded = ""
        if report.forwarded_to:
            forwarded = _("forwarded to %(partner)s") % {
                "partner": self.partner_labels.get(report.forwarded_to, report.forwarded_to)
            }
        return {
            "url": self.url.replace("M-00000000", report.reference),
            "reference": report.reference,
            # The reporter added something no one of the team has opened yet.
            "news": report.has_news_for_partner,
            "category": report.category.name(self.language),
            "neighbourhood": report.neighbourhood.name,
            "sent_iso": iso_local(report.submitted_at),
            "sent": self.when(report.submitted_at),
            "status": self.status_labels.get(report.status, report.status),
            "forwarded": forwarded,
            "due_at": due.due_at is not None,
            "overdue": due.overdue,
            "due_label": self.due_labels.get(due.kind, self.due_labels["close"]),
            "due_iso": iso_local(due.due_at) if due.due_at else "",
            "due": self.when(due.due_at) if due.due_at else "",
            "quality": report.quality_score,
            "incident_size": report.incident.report_count if report.incident_id else None,
        }


# --- one report ----------------------------------------------------------------------------------


def _handled_report(request: HttpRequest, reference: str) -> Report:
    report = selectors.handled_report_or_none(request.user, reference)
    if report is None:
        raise Http404
    return report


def _allowed_actions(report: Report, thanked: bool) -> list[str]:
    allowed = []
    for action, transition in ACTION_TRANSITIONS.items():
        statuses, _target = lifecycle.TRANSITIONS[transition]
        if report.status not in statuses:
            continue
        if action == "thank" and thanked:
            continue
        if action == "forward" and report.forwarded_to:
            continue
        allowed.append(action)
    return allowed


def _forward_target(report: Report) -> str:
    return Partner.MUNICIPALITY if report.partner == Partner.POLICE else Partner.POLICE


def _handle_page(
    request: HttpRequest,
    report: Report,
    *,
    bound: tuple[str, forms.Form] | None = None,
    page_error: str | None = None,
    news_since: datetime | None = None,
    had_news: bool = False,
) -> HttpResponse:
    events = selectors.history_for_partner(report)
    status_labels = dict(ReportStatus.choices)
    for event in events:
        event.to_status_label = status_labels.get(event.to_status, "")  # type: ignore[attr-defined]
        # What the reporter added since the team handling it last opened this page (the
        # submission itself is not: the inbox's New tab is for that).
        event.is_new = (  # type: ignore[attr-defined]
            had_news
            and event.kind == EventKind.INFORMATION_ADDED
            and (news_since is None or event.created_at > news_since)
        )
    thanked = any(event.kind == EventKind.THANKED for event in events)
    allowed = _allowed_actions(report, thanked)
    action_forms: dict[str, forms.Form] = {
        action: ACTION_FORMS[action](prefix=action) for action in allowed
    }
    if bound is not None and bound[0] in ACTION_FORMS:
        action_forms[bound[0]] = bound[1]
    show_identity = permissions.user_can_see_reporter_identity(request.user, report)
    forward_to = _forward_target(report)
    abuse_form = bound[1] if bound is not None and bound[0] == "abuse" else None
    return render(
        request,
        "reports/partner/handle.html",
        {
            "report": report,
            "category_label": category_name(report.category),
            "persons": list(report.persons.all()),
            "vehicles": list(report.vehicles.all()),
            "photo_ids": list(report.photos.order_by("id").values_list("id", flat=True)),
            "events": events,
            "due": selectors.due_state(report),
            "show_identity": show_identity,
            "reporter": report.reporter if show_identity else None,
            "action_forms": action_forms,
            "forward_to_label": Partner(forward_to).label,
            "page_error": page_error,
            # REP-10: mark the report as misuse, or what was marked (the flag, one per report).
            "abuse": abuse_panel(report, abuse_services.flag_of(report), form=abuse_form),
            "abuse_action": reverse("reports:flag_abuse", kwargs={"reference": report.reference}),
        },
    )


@login_required
@require_GET
def handle(request: HttpRequest, reference: str) -> HttpResponse:
    report = _handled_report(request, reference)
    had_news = report.has_news_for_partner
    seen_before = lifecycle.mark_seen_by_partner(request.user, report)
    return _handle_page(request, report, news_since=seen_before, had_news=had_news)


def _run_action(request: HttpRequest, report: Report, action: str, data: dict[str, Any]) -> None:
    user = request.user
    if action == "acknowledge":
        lifecycle.report_acknowledge(actor=user, report=report)
    elif action == "start":
        lifecycle.report_start(actor=user, report=report, note=data["note"])
    elif action == "ask":
        lifecycle.report_ask_reporter(actor=user, report=report, text=data["text"])
    elif action == "forward":
        lifecycle.report_forward(
            actor=user, report=report, to_partner=_forward_target(report), note=data["note"]
        )
    elif action == "close":
        lifecycle.report_close(
            actor=user, report=report, outcome=data["outcome"], note=data["note"]
        )
    elif action == "thank":
        lifecycle.report_thank(actor=user, report=report, text=data["text"])


SUCCESS_MESSAGES = {
    "acknowledge": gettext_lazy("The report is acknowledged; the reporter has been told."),
    "start": gettext_lazy("The report is in progress; the reporter has been told."),
    "ask": gettext_lazy("Your message has been sent to the reporter."),
    "forward": gettext_lazy("The report has been forwarded."),
    "close": gettext_lazy("The report is closed; the reporter has been told."),
    "thank": gettext_lazy("The reporter has been thanked."),
}


@require_POST
@login_required
def handle_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    report = _handled_report(request, reference)
    form = ACTION_FORMS[action](request.POST, prefix=action)
    if not form.is_valid():
        return _handle_page(request, report, bound=(action, form))
    try:
        _run_action(request, report, action, form.cleaned_data)
    except ReportActionError as error:
        form.add_error(None, error.message)
        fresh = selectors.handled_report_or_none(request.user, reference) or report
        return _handle_page(request, fresh, bound=(action, form), page_error=error.message)
    messages.success(request, str(SUCCESS_MESSAGES[action]))
    if selectors.handled_report_or_none(request.user, reference) is None:
        # Forwarded away from the user's side: the report is no longer theirs to open.
        return redirect("reports:inbox")
    return redirect("reports:handle", reference=reference)


@login_required
@require_GET
def photo(request: HttpRequest, reference: str, photo_id: int) -> HttpResponse:
    report = Report.objects.filter(reference=reference).first()
    if report is None or not permissions.user_can_see_report_photos(request.user, report):
        raise Http404
    stored = ReportPhoto.objects.filter(pk=photo_id, report=report).first()
    if stored is None:
        raise Http404
    try:
        handle_ = stored.image.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(handle_, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


# --- moderation ----------------------------------------------------------------------------------


def _moderation_page(
    request: HttpRequest,
    *,
    bound: tuple[int, ModerationForm] | None = None,
    abuse_bound: tuple[int, forms.Form] | None = None,
    page_error: str | None = None,
) -> HttpResponse:
    reports = list(selectors.moderation_queue(request.user))
    # REP-10: why each report waits (earlier misuse flags of its reporter, counted; otherwise
    # an unverified reporter) and its misuse panel: two queries for the whole page.
    earlier = abuse_services.earlier_flag_counts(reports)
    flags = {
        flag.report_id: flag
        for flag in ReportAbuse.objects.filter(report__in=[r.pk for r in reports])
    }
    threshold = abuse_services.moderation_threshold()
    for report in reports:
        report.category_label = category_name(report.category)  # type: ignore[attr-defined]
        report.form = (  # type: ignore[attr-defined]
            bound[1]
            if bound is not None and bound[0] == report.pk
            else ModerationForm(prefix=f"r{report.pk}")
        )
        report.earlier_flags = earlier.get(report.pk, 0)  # type: ignore[attr-defined]
        report.waits_for_flags = 0 < threshold <= report.earlier_flags  # type: ignore[attr-defined]
        abuse_form = abuse_bound[1] if abuse_bound and abuse_bound[0] == report.pk else None
        report.abuse_panel = abuse_panel(  # type: ignore[attr-defined]
            report, flags.get(report.pk), form=abuse_form, prefix=f"a{report.pk}"
        )
        report.abuse_action = reverse(  # type: ignore[attr-defined]
            "reports:moderation_flag_abuse", kwargs={"reference": report.reference}
        )
    return render(
        request,
        "reports/partner/moderation.html",
        {"reports": reports, "page_error": page_error, "window_days": abuse_services.window_days()},
    )


def moderatable_report(request: HttpRequest, reference: str) -> Report:
    """The report a coordinator acts on from the moderation page: 403 for someone who
    coordinates nowhere, 404 for a report outside their areas (or one that does not exist)."""
    if not permissions.coordinated_area_ids(request.user):
        raise PermissionDenied
    report = selectors.moderatable_report_or_none(request.user, reference)
    if report is None:
        raise Http404
    return report


def no_longer_waiting(report: Report) -> str | None:
    """The page's message for a refused form of a report that is not on the moderation page any
    more (another coordinator decided first): the form and its message are not shown there, so
    without this the page said nothing. ``None`` while the report still waits."""
    if report.status == ReportStatus.PENDING_MODERATION:
        return None
    return _(
        "Report %(reference)s no longer waits for a coordinator, so it is not on this page; "
        "nothing was changed."
    ) % {"reference": report.reference}


@login_required
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    if not permissions.coordinated_area_ids(request.user):
        raise PermissionDenied
    return _moderation_page(request)


@require_POST
@login_required
def moderate(request: HttpRequest, reference: str) -> HttpResponse:
    report = moderatable_report(request, reference)
    form = ModerationForm(request.POST, prefix=f"r{report.pk}")
    if not form.is_valid():
        return _moderation_page(
            request, bound=(report.pk, form), page_error=no_longer_waiting(report)
        )
    approve = form.cleaned_data["decision"] == "approve"
    try:
        lifecycle.report_moderate(
            actor=request.user, report=report, approve=approve, note=form.cleaned_data["note"]
        )
    except ReportActionError as error:
        form.add_error(None, error.message)
        return _moderation_page(request, bound=(report.pk, form), page_error=error.message)
    if approve:
        messages.success(
            request,
            _("Report %(reference)s is approved and goes to the partner.")
            % {"reference": reference},
        )
    else:
        messages.success(
            request, _("Report %(reference)s is not accepted.") % {"reference": reference}
        )
    return redirect("reports:moderation")


# --- community members and public figures --------------------------------------------------------


@login_required
@require_GET
def community(request: HttpRequest) -> HttpResponse:
    is_member = bool(permissions.member_area_ids(request.user))
    reports = list(selectors.community_reports(request.user)) if is_member else []
    for report in reports:
        report.category_label = category_name(report.category)  # type: ignore[attr-defined]
    return render(
        request, "reports/partner/community.html", {"reports": reports, "is_member": is_member}
    )


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", figures_module.DEFAULT_WINDOW_DAYS))
    except ValueError:
        days = figures_module.DEFAULT_WINDOW_DAYS
    if days not in figures_module.WINDOW_CHOICES:
        days = figures_module.DEFAULT_WINDOW_DAYS
    result = figures_module.response_time_figures(days=days)
    return render(
        request,
        "reports/figures/figures.html",
        {
            "figures": result,
            "windows": [
                {"days": choice, "current": choice == days}
                for choice in figures_module.WINDOW_CHOICES
            ],
        },
    )


# The shape of a reference (see ``routing.new_reference``), as in the reporter's pages.
REFERENCE = r"(?P<reference>M-[0-9A-Z]{8})"
ACTIONS = "|".join(ACTION_FORMS)

urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("moderatie/", moderation, name="moderation"),
    re_path(rf"^moderatie/{REFERENCE}/$", moderate, name="moderate"),
    path("buurt/", community, name="community"),
    path("reactietijden/", figures, name="figures"),
    re_path(rf"^{REFERENCE}/behandelen/$", handle, name="handle"),
    re_path(
        rf"^{REFERENCE}/behandelen/(?P<action>{ACTIONS})/$", handle_action, name="handle_action"
    ),
    re_path(rf"^{REFERENCE}/foto/(?P<photo_id>[0-9]+)/$", photo, name="photo"),
]
