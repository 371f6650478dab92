from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "samenveilig.activities"
    label = "activities"
    verbose_name = _("Community tasks")

    def ready(self) -> None:
        from samenveilig.activities.services import on_report_made_from
        from samenveilig.reports.signals import report_made_from

        report_made_from.connect(on_report_made_from, dispatch_uid="activities.report_made_from")
