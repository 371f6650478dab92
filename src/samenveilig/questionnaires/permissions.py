"""Who may do what with questionnaires. Deny by default."""

from __future__ import annotations

from samenveilig.accounts.models import Role
from samenveilig.accounts.roles import AnyUser, has_role


def user_can_upload_questionnaire(user: AnyUser) -> bool:
    return bool(user and user.is_authenticated) and (
        has_role(user, Role.ADMIN) or has_role(user, Role.MUNICIPALITY)
    )
