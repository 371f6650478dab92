from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "samenveilig.monitor"
    label = "monitor"
    verbose_name = _("Communitymonitor")

    def ready(self) -> None:
        from samenveilig.monitor import signals_dashboard

        signals_dashboard.connect()
