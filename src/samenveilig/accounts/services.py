"""Writes and exports concerning a user's own account."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from samenveilig.accounts.models import User


def profile_update(*, user: User, actor: User, data: dict[str, Any]) -> User:
    """Update the user's own profile fields (already validated by ProfileForm)."""
    if actor.pk != user.pk:
        raise PermissionError("Only the user may change their own profile.")
    with transaction.atomic():
        for field in ("display_name", "language", "quiet_hours_start", "quiet_hours_end"):
            if field in data:
                setattr(user, field, data[field])
        user.save()
    return user


def language_set(*, user: User, language: str) -> None:
    if language in {"nl", "en"} and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the user (GDPR art. 15 and 20), recorded in the
    privacy register and the audit chain. The sections come from ``privacy.subject.USER_LINKS``,
    which a test keeps complete over every foreign key to the user."""
    from samenveilig.privacy.subject import export_user_data

    return export_user_data(user=user, actor=user, fmt="json")
