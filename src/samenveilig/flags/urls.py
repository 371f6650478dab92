"""Pages of partner flags under /signalen/ (see ``views`` for who may open which)."""

from django.urls import path

from samenveilig.flags import views

app_name = "flags"

urlpatterns = [
    path("", views.flag_list, name="list"),
    path("nieuw/", views.flag_new, name="new"),
    path("raadplegen/", views.lookup, name="lookup"),
    path("treffers/", views.hits, name="hits"),
    path("treffers/gelezen/", views.hits_seen, name="hits_seen"),
    path("<int:pk>/", views.flag_detail, name="detail"),
    path("<int:pk>/verlengen/", views.flag_extend, name="extend"),
    path("<int:pk>/beeindigen/", views.flag_end, name="end"),
]
