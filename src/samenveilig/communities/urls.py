from django.urls import path

from samenveilig.communities import views

app_name = "communities"
urlpatterns = [
    path("", views.community_list, name="list"),
]
