from django.urls import path

from samenveilig.communities import views

app_name = "communities"
urlpatterns = [
    path("", views.community_list, name="list"),
    path("new/", views.community_create, name="create"),
    path("me/watch-points/", views.watch_points, name="watch_points"),
    path("<slug:slug>/", views.community_detail, name="detail"),
    path("<slug:slug>/join/", views.community_join, name="join"),
    path("<slug:slug>/leave/", views.community_leave, name="leave"),
    path("<slug:slug>/members/", views.community_members, name="members"),
    path("<slug:slug>/members/invite/", views.member_invite, name="invite"),
    path("<slug:slug>/members/<int:membership_id>/decide/", views.membership_decide, name="decide"),
    path("<slug:slug>/members/<int:membership_id>/role/", views.membership_role, name="role"),
]
