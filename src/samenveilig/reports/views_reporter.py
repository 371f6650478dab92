"""Filled in by its journey."""

urlpatterns: list = []
