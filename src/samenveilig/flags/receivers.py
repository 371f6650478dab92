"""When an account is deactivated or loses a role, its flags are handed over (``orphans``) right
after that change commits, in the task worker; the daily ``flags_reminders`` run is the safety
net for changes made around these receivers (bulk updates, raw SQL)."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def _hand_over_after_commit() -> None:
    def enqueue() -> None:
        from samenveilig.flags.tasks import hand_over_orphaned_flags

        hand_over_orphaned_flags.enqueue()

    transaction.on_commit(enqueue, robust=True)


def _owns_active_flags(user_id: Any) -> bool:
    from samenveilig.flags.models import Flag

    return user_id is not None and Flag.objects.active().filter(owner_id=user_id).exists()


def user_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created and not instance.is_active and _owns_active_flags(instance.pk):
        _hand_over_after_commit()


def role_grant_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _owns_active_flags(instance.user_id):
        _hand_over_after_commit()


def user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The flags' owner became NULL (SET_NULL) in the same transaction.
    _hand_over_after_commit()
