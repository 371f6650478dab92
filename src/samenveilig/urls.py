from django.contrib import admin
from django.urls import include, path

from samenveilig.accounts import views as account_views
from samenveilig.api.root import api
from samenveilig.core import readiness

urlpatterns = [
    path("", account_views.home, name="home"),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("samenveilig.accounts.urls")),
    path("areas/", include("samenveilig.areas.urls")),
    path("communities/", include("samenveilig.communities.urls")),
    path("meldingen/", include("samenveilig.reports.urls")),
    path("signalementen/", include("samenveilig.alerts.urls")),
    path("analyse/", include("samenveilig.analysis.urls")),
    path("buurtonderzoek/", include("samenveilig.inquiries.urls")),
    path("vragenlijsten/", include("samenveilig.questionnaires.urls")),
    path("monitor/", include("samenveilig.monitor.urls")),
    path("enquete/", include("samenveilig.monitor.survey_urls")),
    path("training/", include("samenveilig.training.urls")),
    path("signalen/", include("samenveilig.flags.urls")),
    path("onderzoek/", include("samenveilig.investigations.urls")),
    path("potten/", include("samenveilig.funds.urls")),
    path("programma/", include("samenveilig.programme.urls")),
    path("taken/", include("samenveilig.activities.urls")),
    path("privacy/", include("samenveilig.privacy.urls")),
    path("open311/v2/", include("samenveilig.api.open311_urls")),
    path("api/v1/", api.urls),
    path("health", account_views.health, name="health"),
    path("ready", readiness.ready, name="ready"),
    path("admin/", admin.site.urls),
]
