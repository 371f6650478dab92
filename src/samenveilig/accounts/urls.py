from django.urls import path

from samenveilig.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("export.json", views.data_export, name="data_export"),
]
