from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlagsConfig(AppConfig):
    name = "samenveilig.flags"
    label = "flags"
    verbose_name = _("Partner flags")

    def ready(self) -> None:
        from samenveilig.flags import checks  # noqa: F401  (registers the deploy check)
