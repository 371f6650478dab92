from django.urls import path

from samenveilig.areas import views

app_name = "areas"
urlpatterns = [
    path("map/", views.area_map, name="map"),
    path("neighbourhoods.geojson", views.neighbourhoods_geojson, name="neighbourhoods_geojson"),
    path("lookup/", views.address_lookup, name="lookup"),
]
