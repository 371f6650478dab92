"""Pages of citizen investigations under /onderzoek/ (see ``views`` for who may open which)."""

from django.urls import path, re_path

from samenveilig.investigations import views

app_name = "investigations"

REFERENCE = r"(?P<reference>Z-[0-9A-Z]{8})"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("nieuw/", views.case_new, name="new"),
    path("overdracht/", views.police_inbox, name="inbox"),
    path("welzijn/", views.checkin, name="checkin"),
    path("politieafspraken/", views.agreements, name="agreements"),
    path("politieafspraken/<int:pk>/intrekken/", views.agreement_revoke, name="agreement_revoke"),
    path(
        "politieafspraken/<int:pk>/document/", views.agreement_document, name="agreement_document"
    ),
    re_path(rf"^{REFERENCE}/$", views.case_detail, name="detail"),
    re_path(rf"^{REFERENCE}/deelnemen/$", views.case_join, name="join"),
    re_path(rf"^{REFERENCE}/goedkeuren/$", views.case_approve, name="approve"),
    re_path(rf"^{REFERENCE}/bewijs/$", views.evidence_add, name="evidence"),
    re_path(rf"^{REFERENCE}/bewijs/(?P<number>[0-9]{{1,6}})/$", views.item_detail, name="item"),
    re_path(
        rf"^{REFERENCE}/bewijs/(?P<number>[0-9]{{1,6}})/origineel/$",
        views.item_original,
        name="item_original",
    ),
    re_path(
        rf"^{REFERENCE}/bewijs/(?P<number>[0-9]{{1,6}})/kopie/(?P<copy>[0-9]{{1,6}})/$",
        views.working_copy_download,
        name="working_copy",
    ),
    re_path(rf"^{REFERENCE}/kenmerken/$", views.identifiers_add, name="identifiers"),
    re_path(rf"^{REFERENCE}/beoordelen/$", views.case_review, name="review"),
    re_path(rf"^{REFERENCE}/overdragen/$", views.case_hand_over, name="hand_over"),
    re_path(rf"^{REFERENCE}/sluiten/$", views.case_close, name="close"),
    re_path(rf"^{REFERENCE}/pakket/$", views.package, name="package"),
    re_path(rf"^{REFERENCE}/ontvangen/$", views.case_acknowledge, name="acknowledge"),
]
