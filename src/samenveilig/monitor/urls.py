"""Pages of the Communitymonitor under /monitor/ (app_name "monitor"; see ``views``).

The anonymous answering page lives at /enquete/<token>/ (``survey_urls``), outside this prefix.
"""

from django.urls import path

from samenveilig.monitor import views

app_name = "monitor"

urlpatterns = [
    path("rondes/", views.rounds, name="rounds"),
    path("rondes/nieuw/", views.round_new, name="round_new"),
    path("rondes/<int:pk>/", views.round_detail, name="round_detail"),
    path("rondes/<int:pk>/sluiten/", views.round_close, name="round_close"),
    path("rondes/<int:pk>/poster.pdf", views.round_poster, name="round_poster"),
]

# The impact dashboard (MON-3; ``views_dashboard``). Area codes are CBS codes (GM…, WK…, BU…).
from django.urls import re_path  # noqa: E402

from samenveilig.monitor import views_dashboard  # noqa: E402

_CODE = r"(?P<code>[A-Za-z0-9]{1,20})"
_SLUG = r"(?P<slug>[-a-zA-Z0-9_]{1,80})"
_FMT = r"(?P<fmt>csv|xlsx)"

urlpatterns += [
    path("dashboard/", views_dashboard.dashboard_home, name="dashboard_home"),
    re_path(rf"^dashboard/gebied/{_CODE}/$", views_dashboard.dashboard_area, name="dashboard_area"),
    re_path(
        rf"^dashboard/gebied/{_CODE}/export\.{_FMT}$",
        views_dashboard.dashboard_area_export,
        name="dashboard_area_export",
    ),
    re_path(
        rf"^dashboard/gebied/{_CODE}/impactrapport\.pdf$",
        views_dashboard.dashboard_area_pdf,
        name="dashboard_area_pdf",
    ),
    re_path(
        rf"^dashboard/groep/{_SLUG}/$",
        views_dashboard.dashboard_community,
        name="dashboard_community",
    ),
    re_path(
        rf"^dashboard/groep/{_SLUG}/export\.{_FMT}$",
        views_dashboard.dashboard_community_export,
        name="dashboard_community_export",
    ),
    re_path(
        rf"^dashboard/groep/{_SLUG}/impactrapport\.pdf$",
        views_dashboard.dashboard_community_pdf,
        name="dashboard_community_pdf",
    ),
    path("cijfers/", views_dashboard.public_list, name="public_list"),
    re_path(rf"^cijfers/{_CODE}/$", views_dashboard.public, name="public"),
    re_path(
        rf"^cijfers/{_CODE}/export\.{_FMT}$",
        views_dashboard.public_export,
        name="public_export",
    ),
]
