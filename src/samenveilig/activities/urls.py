from django.urls import path

from samenveilig.activities import views

app_name = "activities"
urlpatterns = [
    path("", views.index, name="index"),
    path("agenda/", views.calendar, name="calendar"),
    path("agenda/<str:token>.ics", views.feed, name="feed"),
    path("bijdragen/", views.contributions, name="contributions"),
    path("bijdragen/oorkonde.pdf", views.certificate, name="certificate"),
    path("project/<int:pk>/", views.project, name="project"),
    path("c/<slug:slug>/", views.community, name="community"),
    path("c/<slug:slug>/nieuw/", views.new, name="new"),
    path("c/<slug:slug>/project/nieuw/", views.project_new, name="project_new"),
    path("c/<slug:slug>/teamgezondheid/", views.team_health, name="health"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/report/", views.to_report, name="to_report"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
]
