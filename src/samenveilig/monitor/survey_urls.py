"""The anonymous survey link, mounted at /enquete/ (app_name "survey"; see ``survey_views``)."""

from django.urls import path

from samenveilig.monitor import survey_views

app_name = "survey"

urlpatterns = [
    path("<str:token>/", survey_views.answer, name="answer"),
    path("<str:token>/bedankt/", survey_views.thanks, name="thanks"),
]
