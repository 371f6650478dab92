"""Pages of the community programme under /programma/ (see ``views`` for who may open which)."""

from django.urls import path

from samenveilig.programme import views

app_name = "programme"

urlpatterns = [
    path("", views.index, name="index"),
    path("checklijsten/", views.checklists, name="checklists"),
    path("checklijsten/<str:code>/", views.checklist_edit, name="checklist_edit"),
    path("<slug:slug>/", views.community_page, name="community"),
    path("<slug:slug>/afvinken/", views.ticks, name="ticks"),
    path("<slug:slug>/fase-afronden/", views.phase, name="phase"),
    path("<slug:slug>/stap-afronden/", views.step, name="step"),
    path("<slug:slug>/evaluatie/", views.evaluate, name="evaluate"),
    path("<slug:slug>/evaluaties/<int:pk>/", views.evaluation_detail, name="evaluation"),
]
