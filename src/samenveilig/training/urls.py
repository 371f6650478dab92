"""Pages of the training under /training/ (see ``views`` for who may open which)."""

from django.urls import path, re_path

from samenveilig.training import views

app_name = "training"

# Module slugs are lower-case words joined by dashes (``content``); the fixed pages come first.
MODULE = r"(?P<slug>[a-z]+(?:-[a-z]+)*)"

urlpatterns = [
    path("", views.index, name="index"),
    path("certificaten/", views.certificates, name="certificates"),
    path("groepen/", views.groups, name="groups"),
    path("groepen/<slug:slug>/", views.group, name="group"),
    path("toets/<int:pk>/", views.attempt_page, name="attempt"),
    path("toets/<int:pk>/uitslag/", views.result, name="result"),
    re_path(rf"^{MODULE}/$", views.module_detail, name="module"),
    re_path(rf"^{MODULE}/toets/$", views.quiz_start, name="start"),
]
