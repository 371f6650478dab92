from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "samenveilig.reports"
    label = "reports"
