from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationsConfig(AppConfig):
    name = "samenveilig.investigations"
    label = "investigations"
    verbose_name = _("Citizen investigations")
