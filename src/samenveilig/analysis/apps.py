from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "samenveilig.analysis"
    label = "analysis"
