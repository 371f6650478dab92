"""Pages of the impact dashboard (MON-3) under /monitor/.

- ``monitor:dashboard_home`` — the dashboards the user may open (``selectors_dashboard``);
  users without any get a 403, anonymous users the login page.
- ``monitor:dashboard_area`` / ``monitor:dashboard_community`` — one dashboard for a chosen
  period (``?period=2026-10``, ``2026-Q3`` or ``2026``) compared with the one before; with
  ``…_export`` (``export.csv`` / ``export.xlsx``) and ``…_pdf`` (the impact report for the
  council). Allowed: see ``selectors_dashboard``; everyone else 403.
- ``monitor:public_list`` / ``monitor:public`` / ``monitor:public_export`` — the public figures
  of a municipality, for everyone, without an account. Only what ``build_dashboard(…,
  public_only=True)`` computes: municipality-wide aggregates; no per-buurt figures, no
  member/non-member split, no quality scores, tips, leads or retention; survey figures from fewer
  than 10 respondents and shares and medians from fewer than 10 cases are not shown; nothing a
  person typed.

A period that cannot be read, or lies in the future, gives a field message and the default
period (the last complete month), never an error page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samenveilig.areas.models import Area
from samenveilig.communities.models import Community
from samenveilig.monitor import cache_dashboard
from samenveilig.monitor import selectors_dashboard as scopes
from samenveilig.monitor.dashboard import (
    Dashboard,
    Period,
    build_dashboard,
    default_period,
    parse_period,
    period_choices,
)
from samenveilig.monitor.exports_dashboard import dashboard_csv, dashboard_xlsx
from samenveilig.monitor.tables_dashboard import dashboard_sections

EXPORT_FORMATS = ("csv", "xlsx")


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The chosen period and a message for the field when the choice could not be used."""
    today = timezone.localdate()
    key = request.GET.get("period", "")
    if not key:
        return default_period(today), ""
    period = parse_period(key)
    if period is None:
        return default_period(today), _("Choose a period from the list.")
    if period.is_future(today):
        return default_period(today), _("That period has not started yet; choose another one.")
    return period, ""


def _language() -> str:
    return (get_language() or "nl")[:2]


def _dashboard(scope: scopes.Scope, period: Period, *, public_only: bool = False) -> Dashboard:
    """The figures of ``scope`` for ``period``, from the short-lived cache when fresh (see
    ``cache_dashboard``). Access has been checked by the caller: the cache is keyed by scope and
    by public/full, never shared between them. The key is kept on the dashboard
    (``cache_key``) so that the page's sections are stored under the same version."""
    key = cache_dashboard.cache_key(
        scope,
        period.key,
        public_only=public_only,
        language=_language(),
        day=timezone.localdate(),
    )
    dashboard = cache_dashboard.cached(
        key + ":figures",
        lambda: build_dashboard(scope, period, public_only=public_only, language=_language()),
    )
    return cache_dashboard.with_scope(dashboard, scope, key)


def _sections(dashboard: Dashboard) -> list:
    """The page's charts and tables, cached next to the figures they were built from."""
    return cache_dashboard.cached(
        dashboard.cache_key + ":sections", lambda: dashboard_sections(dashboard)
    )


def _area_or_404(code: str) -> Area:
    return get_object_or_404(Area, code=code)


def _allowed_area(request: HttpRequest, code: str) -> Area:
    area = _area_or_404(code)
    if not scopes.user_can_view_area_dashboard(request.user, area):
        raise PermissionDenied
    return area


def _allowed_community(request: HttpRequest, slug: str) -> Community:
    community = get_object_or_404(Community, slug=slug)
    if not scopes.user_can_view_community_dashboard(request.user, community):
        raise PermissionDenied
    return community


def _filename(dashboard: Dashboard, suffix: str) -> str:
    return f"impact-{dashboard.scope.slug}-{dashboard.period.key}.{suffix}"


def _export(dashboard: Dashboard, fmt: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(dashboard_csv(dashboard), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            dashboard_xlsx(dashboard),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{_filename(dashboard, fmt)}"'
    return response


def _pdf(dashboard: Dashboard) -> HttpResponse:
    from samenveilig.monitor.pdf_impact import impact_report_pdf

    response = HttpResponse(impact_report_pdf(dashboard), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(dashboard, "pdf")}"'
    return response


def _page(
    request: HttpRequest,
    dashboard: Dashboard,
    *,
    template: str,
    period_error: str,
    links: dict[str, str],
) -> HttpResponse:
    today = timezone.localdate()
    choices = [
        (group, [p for p in periods if not p.is_future(today)])
        for group, periods in period_choices(today)
    ]
    return render(
        request,
        template,
        {
            "dashboard": dashboard,
            "sections": _sections(dashboard),
            "period_choices": choices,
            "period_error": period_error,
            "links": links,
        },
    )


def _links(name: str, arg: str, period: Period) -> dict[str, str]:
    query = f"?period={period.key}"
    return {
        "csv": reverse(f"monitor:{name}_export", args=[arg, "csv"]) + query,
        "xlsx": reverse(f"monitor:{name}_export", args=[arg, "xlsx"]) + query,
        "pdf": reverse(f"monitor:{name}_pdf", args=[arg]) + query,
    }


# --- dashboards for officers and coordinators ------------------------------------------------


@login_required
@require_GET
def dashboard_home(request: HttpRequest) -> HttpResponse:
    areas = scopes.dashboard_areas(request.user)
    communities = scopes.dashboard_communities(request.user)
    if not areas and not communities:
        raise PermissionDenied
    return render(
        request,
        "monitor/dashboard_home.html",
        {"areas": areas, "communities": communities},
    )


@login_required
@require_GET
def dashboard_area(request: HttpRequest, code: str) -> HttpResponse:
    area = _allowed_area(request, code)
    period, error = _period(request)
    dashboard = _dashboard(scopes.area_scope(area), period)
    return _page(
        request,
        dashboard,
        template="monitor/dashboard.html",
        period_error=error,
        links=_links("dashboard_area", area.code, period),
    )


@login_required
@require_GET
def dashboard_area_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    area = _allowed_area(request, code)
    period, _error = _period(request)
    return _export(_dashboard(scopes.area_scope(area), period), fmt)


@login_required
@require_GET
def dashboard_area_pdf(request: HttpRequest, code: str) -> HttpResponse:
    area = _allowed_area(request, code)
    period, _error = _period(request)
    return _pdf(_dashboard(scopes.area_scope(area), period))


@login_required
@require_GET
def dashboard_community(request: HttpRequest, slug: str) -> HttpResponse:
    community = _allowed_community(request, slug)
    period, error = _period(request)
    dashboard = _dashboard(scopes.community_scope(community), period)
    return _page(
        request,
        dashboard,
        template="monitor/dashboard.html",
        period_error=error,
        links=_links("dashboard_community", community.slug, period),
    )


@login_required
@require_GET
def dashboard_community_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    community = _allowed_community(request, slug)
    period, _error = _period(request)
    dashboard = _dashboard(scopes.community_scope(community), period)
    return _export(dashboard, fmt)


@login_required
@require_GET
def dashboard_community_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    community = _allowed_community(request, slug)
    period, _error = _period(request)
    return _pdf(_dashboard(scopes.community_scope(community), period))


# --- public figures ------------------------------------------------------------------------------


def _public_dashboard(request: HttpRequest, code: str) -> tuple[Dashboard, str]:
    municipality = scopes.municipality_for_public_page(code)
    if municipality is None:
        raise Http404
    period, error = _period(request)
    dashboard = _dashboard(scopes.area_scope(municipality), period, public_only=True)
    return dashboard, error


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitor/public_list.html",
        {"municipalities": scopes.public_municipalities()},
    )


@require_GET
def public(request: HttpRequest, code: str) -> HttpResponse:
    dashboard, error = _public_dashboard(request, code)
    query = f"?period={dashboard.period.key}"
    links = {
        "csv": reverse("monitor:public_export", args=[code, "csv"]) + query,
        "xlsx": reverse("monitor:public_export", args=[code, "xlsx"]) + query,
    }
    return _page(
        request, dashboard, template="monitor/public.html", period_error=error, links=links
    )


@require_GET
def public_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    dashboard, _error = _public_dashboard(request, code)
    return _export(dashboard, fmt)
