from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlagsConfig(AppConfig):
    name = "samenveilig.flags"
    label = "flags"
    verbose_name = _("Partner flags")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from samenveilig.accounts.models import RoleGrant
        from samenveilig.flags import (
            checks,  # noqa: F401  (registers the deploy check)
            receivers,
        )

        user_model = get_user_model()
        post_save.connect(receivers.user_saved, sender=user_model, dispatch_uid="flags.user_saved")
        post_delete.connect(
            receivers.user_deleted, sender=user_model, dispatch_uid="flags.user_deleted"
        )
        post_delete.connect(
            receivers.role_grant_deleted, sender=RoleGrant, dispatch_uid="flags.role_grant_deleted"
        )
