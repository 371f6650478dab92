"""Pages of neighbourhood inquiries under /buurtonderzoek/ (see ``views`` for who may open which).

Other modules of the app (the canvass pages, the results pages) add their patterns below; the
canvass page of a route is agreed as ``<reference>/route/<position>/`` named ``canvass_route``.
"""

from django.urls import path, re_path

from samenveilig.inquiries import views, views_canvass, views_results

app_name = "inquiries"

# Only the shape of a reference (``services._new_reference``), so these patterns never shadow
# other pages under /buurtonderzoek/.
REFERENCE = r"(?P<reference>B-[0-9A-Z]{8})"

urlpatterns = [
    path("", views.inquiry_list, name="list"),
    path("nieuw/", views.inquiry_new, name="new"),
    path("lopers/", views.canvasser_marks, name="marks"),
    path("lopers/<slug:slug>/", views.community_marks, name="community_marks"),
    re_path(rf"^{REFERENCE}/$", views.inquiry_detail, name="detail"),
    re_path(rf"^{REFERENCE}/accepteren/$", views.inquiry_accept, name="accept"),
    re_path(rf"^{REFERENCE}/sluiten/$", views.inquiry_close, name="close"),
    re_path(rf"^{REFERENCE}/koppelen/$", views.inquiry_pair_up, name="pair_up"),
    re_path(
        rf"^{REFERENCE}/toewijzen/(?P<position>[0-9]{{1,6}})/$",
        views.route_assign,
        name="route_assign",
    ),
    re_path(rf"^{REFERENCE}/slachtoffer/$", views_canvass.victim_door, name="victim_door"),
    re_path(rf"^{REFERENCE}/aanmelden/$", views.canvass_signup, name="signup"),
    re_path(rf"^{REFERENCE}/afmelden/$", views.canvass_withdraw, name="withdraw"),
]

# Results for the police and the cocoon watch (INQ-7, INQ-8): ``views_results``.
urlpatterns += [
    re_path(rf"^{REFERENCE}/resultaten/$", views_results.inquiry_results, name="results"),
    re_path(rf"^{REFERENCE}/resultaten\.csv$", views_results.results_csv, name="results_csv"),
    re_path(
        rf"^{REFERENCE}/resultaten\.pdf$", views_results.results_pdf_download, name="results_pdf"
    ),
    re_path(
        rf"^{REFERENCE}/resultaten/signalement/(?P<visit_id>[0-9]{{1,12}})/persoon/"
        r"(?P<person>[0-9]{1,2})/$",
        views_results.alert_from_person,
        name="alert_from_person",
    ),
    re_path(
        rf"^{REFERENCE}/resultaten/signalement/(?P<visit_id>[0-9]{{1,12}})/voertuig/$",
        views_results.alert_from_vehicle,
        name="alert_from_vehicle",
    ),
    re_path(rf"^{REFERENCE}/folder\.pdf$", views_results.leaflet, name="leaflet"),
    re_path(rf"^{REFERENCE}/cocon/$", views_results.cocoon_warning, name="cocoon"),
]

# The canvass of a route on a phone, also without signal (INQ-5, INQ-6): ``views_canvass``. The
# service worker lives at /buurtonderzoek/sw.js so its scope covers these pages.
ROUTE = rf"^{REFERENCE}/route/(?P<position>[0-9]{{1,6}})/"
urlpatterns += [
    path("sw.js", views_canvass.service_worker, name="canvass_sw"),
    path("app.webmanifest", views_canvass.manifest, name="canvass_manifest"),
    path("offline/", views_canvass.canvass_offline, name="canvass_offline"),
    re_path(rf"{ROUTE}$", views_canvass.canvass_route, name="canvass_route"),
    re_path(
        rf"{ROUTE}deur/(?P<stop_id>[0-9]{{1,12}})/$",
        views_canvass.canvass_door,
        name="canvass_door",
    ),
]
