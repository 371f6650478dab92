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
