from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "samenveilig.core"
    label = "core"
    verbose_name = "Core"
