from django.urls import path

from samenveilig.privacy import views

app_name = "privacy"
urlpatterns = [
    path("mijn-gegevens/", views.my_data, name="my_data"),
    path("mijn-gegevens.json", views.my_data_json, name="my_data_json"),
    path("verwijderen/", views.erase_me, name="erase_me"),
    path("verzoeken/", views.register, name="register"),
    path("verzoeken/nieuw/", views.record_request, name="record_request"),
    path("verzoeken/<str:reference>/", views.request_detail, name="request_detail"),
    path("verzoeken/<str:reference>/afsluiten/", views.close_request, name="close_request"),
    path("verzoeken/<str:reference>/export/", views.carry_out_export, name="carry_out_export"),
    path("verzoeken/<str:reference>/wissen/", views.carry_out_erasure, name="carry_out_erasure"),
]
