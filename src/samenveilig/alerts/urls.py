"""Pages of alerts under /signalementen/ (see ``views`` for who may open which)."""

from django.urls import path, re_path

from samenveilig.alerts import views

app_name = "alerts"

# Only the shape of a reference (``services._new_reference``), so these patterns never shadow
# other pages under /signalementen/.
REFERENCE = r"(?P<reference>A-[0-9A-Z]{8})"

urlpatterns = [
    path("", views.alert_inbox, name="inbox"),
    path("nieuw/", views.alert_new, name="new"),
    path("verzonden/", views.alert_sent, name="sent"),
    path("goedkeuren/", views.alert_approvals, name="approvals"),
    path("instellingen/", views.alert_settings, name="settings"),
    path("sw.js", views.service_worker, name="sw"),
    path("push/aanmelden/", views.push_subscribe, name="push_subscribe"),
    path("push/afmelden/", views.push_unsubscribe, name="push_unsubscribe"),
    re_path(rf"^{REFERENCE}/$", views.alert_detail, name="detail"),
    re_path(rf"^{REFERENCE}/voortgang/$", views.alert_progress, name="progress"),
    re_path(rf"^{REFERENCE}/foto/$", views.alert_photo, name="photo"),
    re_path(rf"^{REFERENCE}/einde/$", views.alert_end, name="end"),
    re_path(rf"^{REFERENCE}/tip/$", views.alert_tip, name="tip"),
    re_path(rf"^{REFERENCE}/probleem/$", views.alert_concern, name="concern"),
    re_path(
        rf"^{REFERENCE}/probleem/(?P<concern_id>[0-9]{{1,18}})/$",
        views.alert_concern_handle,
        name="concern_handle",
    ),
    re_path(rf"^{REFERENCE}/besluit/$", views.alert_decide, name="decide"),
]
