from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "samenveilig.areas"
    label = "areas"
