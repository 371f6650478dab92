"""Pages of the community programme under /programma/ (see ``views``)."""

from django.urls import path  # noqa: F401

app_name = "programme"

urlpatterns: list = []
