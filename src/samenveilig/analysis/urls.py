from django.urls import path

from samenveilig.analysis import views

app_name = "analysis"

urlpatterns = [
    path("near-repeat/", views.near_repeat, name="near_repeat"),
    path("near-repeat/<int:run_id>/", views.near_repeat_detail, name="near_repeat_detail"),
    path(
        "near-repeat/<int:run_id>/progress/",
        views.near_repeat_progress,
        name="near_repeat_progress",
    ),
    path("near-repeat/<int:run_id>/adopt/", views.near_repeat_adopt, name="near_repeat_adopt"),
]
