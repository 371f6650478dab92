from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "samenveilig.communities"
    label = "communities"
