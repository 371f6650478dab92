"""Certificates as the gate of roles and actions (TRN-1), and who may see which training pages.

Every app that needs training asks here, and only here:

- ``user_is_certified(user, module)`` — a valid (not expired) certificate for the module;
- ``missing_modules(user, activity)`` / ``refusal_message(user, activity)`` — which of the modules
  an activity needs are missing, and a sentence in the user's language naming them;
- ``require_certified(user, activity)`` — raises ``NotCertified`` (a ``PermissionDenied``) with
  that sentence.

``REQUIRED_MODULES`` maps each activity to its modules: canvassing in a neighbourhood inquiry
(INQ-3) needs module 3, investigation cases (INV-1) modules 4, 5 and 6, patrol tasks 1 and 2.
Deny by default: anonymous and inactive users hold no certificate.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samenveilig.accounts.roles import AnyUser
from samenveilig.communities.models import Community
from samenveilig.communities.permissions import user_can_manage_members
from samenveilig.training.content import (
    CANVASSING,
    DESCRIPTION,
    ONLINE,
    REPORTING,
    RIGHTS,
    SELF_CARE,
    Module,
    module_or_error,
)
from samenveilig.training.models import Certificate, QuizAttempt

CANVASS = "canvass"
INVESTIGATION = "investigation"
PATROL = "patrol"

REQUIRED_MODULES: dict[str, tuple[str, ...]] = {
    CANVASS: (CANVASSING,),
    INVESTIGATION: (RIGHTS, ONLINE, SELF_CARE),
    PATROL: (REPORTING, DESCRIPTION),
}


class NotCertified(PermissionDenied):
    """The user lacks a valid certificate; ``message`` names the modules to take."""

    def __init__(self, activity: str, modules: list[Module], message: str) -> None:
        super().__init__(message)
        self.activity = activity
        self.modules = modules
        self.message = message


def _active(user: AnyUser) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def certified_modules(user: AnyUser) -> set[str]:
    """Slugs of the modules the user holds a valid certificate for now."""
    if not _active(user):
        return set()
    return set(
        Certificate.objects.filter(user=user, valid_until__gt=timezone.now())
        .values_list("module", flat=True)
        .distinct()
    )


def user_is_certified(user: AnyUser, module: str) -> bool:
    """A valid certificate for the module (a slug from ``content``; an unknown one raises)."""
    module_or_error(module)
    if not _active(user):
        return False
    return Certificate.objects.filter(
        user=user, module=module, valid_until__gt=timezone.now()
    ).exists()


def required_modules(activity: str) -> list[Module]:
    if activity not in REQUIRED_MODULES:
        raise ValueError(f"unknown activity: {activity!r}")
    return [module_or_error(slug) for slug in REQUIRED_MODULES[activity]]


def missing_modules(user: AnyUser, activity: str) -> list[Module]:
    """The modules the activity needs that the user holds no valid certificate for."""
    held = certified_modules(user)
    return [module for module in required_modules(activity) if module.slug not in held]


def modules_sentence(modules: list[Module]) -> str:
    """'Take training module 3 “Buurtonderzoek” first.' in the active language."""
    names = ", ".join(
        _("%(number)d “%(title)s”") % {"number": module.number, "title": module.title}
        for module in modules
    )
    return ngettext(
        "Take training module %(modules)s first.",
        "Take training modules %(modules)s first.",
        len(modules),
    ) % {"modules": names}


def refusal_message(user: AnyUser, activity: str) -> str:
    """Empty when the user may do the activity; otherwise which modules to take."""
    missing = missing_modules(user, activity)
    return modules_sentence(missing) if missing else ""


def require_certified(user: AnyUser, activity: str) -> None:
    missing = missing_modules(user, activity)
    if missing:
        raise NotCertified(activity, missing, modules_sentence(missing))


# --- the training pages -------------------------------------------------------------------------


def user_can_train(user: AnyUser) -> bool:
    """Reading the modules and taking the quizzes: anyone with an account (a resident may train
    before joining a group)."""
    return _active(user)


def user_owns_attempt(user: AnyUser, attempt: QuizAttempt) -> bool:
    return _active(user) and attempt.user_id == user.pk


def user_can_see_member_certificates(user: AnyUser, community: Community) -> bool:
    """Who holds which certificate in a group: the people who manage its members."""
    return _active(user) and community.is_active and user_can_manage_members(user, community)
