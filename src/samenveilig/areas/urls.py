from django.urls import path

from samenveilig.areas import views

app_name = "areas"
urlpatterns = [
    path("map/", views.area_map, name="map"),
]
