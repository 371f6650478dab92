"""Flags whose owner left: no flag is left without someone to contact (FLG-1).

A flag is *orphaned* while it is active and its owner is gone, deactivated, or no longer holds the
partner role the flag was set in (``owner_role``, with a jurisdiction). Nobody could then extend or
end it, and partners who get a hit would call someone who no longer answers.

What happens (``hand_over_orphaned_flags``, run when an account is deactivated or loses a role,
and daily with ``manage.py flags_reminders``):

1. The flag passes to a colleague: an active user holding the same role for the same area the
   flag was set in (``scope_area_ids``) — or for an area containing it — and, when the flag
   records an organisation, of that organisation. A colleague on exactly the flag's area comes
   first, then the longest-serving. The contact partners see becomes the new owner's name and
   e-mail address; the new owner is e-mailed a link to check, extend or end the flag. Audited
   (``flags.transferred``, ids only).
2. With no such colleague, the administrators are e-mailed once per flag (number, category, role
   and area; never the identifier or note) so they can grant the role to someone of that
   organisation; the next run hands the flag over. Audited (``flags.orphaned``). The flag keeps
   matching until it expires: an admin never reads or manages flags themselves (PRODUCT §2).
"""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.core import audit
from samenveilig.flags.models import Flag

logger = structlog.get_logger(__name__)


def orphaned_flags() -> QuerySet[Flag]:
    from samenveilig.accounts.models import RoleGrant

    holds_role = RoleGrant.objects.filter(
        user_id=OuterRef("owner_id"), role=OuterRef("owner_role"), area__isnull=False
    )
    return (
        Flag.objects.active()
        .filter(Q(owner__isnull=True) | Q(owner__is_active=False) | ~Exists(holds_role))
        .select_related("category", "owner")
        .order_by("pk")
    )


def _areas_up(area_ids: list[int]) -> tuple[set[int], set[int]]:
    """The flag's own areas, and those with every area containing them."""
    from samenveilig.areas.models import Area
    from samenveilig.areas.selectors import area_and_ancestor_ids

    own = set(area_ids)
    around: set[int] = set()
    for area in Area.objects.filter(pk__in=own):
        around |= area_and_ancestor_ids(area)
    return own, around


def successor(flag: Flag) -> Any | None:
    """The colleague who takes the flag over, or ``None`` (see the module's docstring)."""
    from samenveilig.accounts.models import RoleGrant

    own, around = _areas_up([pk for pk in flag.scope_area_ids or () if isinstance(pk, int)])
    if not around:
        return None
    grants = RoleGrant.objects.filter(
        role=flag.owner_role, area_id__in=around, user__is_active=True
    ).select_related("user")
    if flag.owner_id is not None:
        grants = grants.exclude(user_id=flag.owner_id)
    if flag.owner_organisation:
        grants = grants.filter(organisation=flag.owner_organisation)
    ranked = sorted(grants, key=lambda g: (g.area_id not in own, g.granted_at, g.pk))
    return ranked[0].user if ranked else None


def _contact_of(user: Any) -> str:
    name = user.display_name or user.get_full_name() or user.email
    contact = f"{name}, {user.email}" if user.email and user.email != name else name
    return contact[:200]


def _transfer(flag_id: int, new_owner: Any) -> bool:
    with transaction.atomic():
        flag = orphaned_flags().select_for_update(of=("self",)).filter(pk=flag_id).first()
        if flag is None:
            return False  # handed over or ended meanwhile
        previous = flag.owner_id
        flag.owner = new_owner
        flag.owner_contact = _contact_of(new_owner)
        flag.orphan_reported_at = None
        flag.reminder_sent_at = None
        flag.updated_by = None
        flag.save(
            update_fields=[
                "owner",
                "owner_contact",
                "orphan_reported_at",
                "reminder_sent_at",
                "updated_by",
                "updated_at",
            ]
        )
        audit.record(
            actor=None,
            action="flags.transferred",
            obj=flag,
            details={"from_user_id": previous, "to_user_id": new_owner.pk},
        )
        transaction.on_commit(lambda: _tell_new_owner(flag), robust=True)
    return True


def _absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _tell_new_owner(flag: Flag) -> None:
    owner = flag.owner
    if owner is None or not owner.email:
        return
    with override(owner.language or settings.LANGUAGE_CODE):
        values = {
            "flag": flag.pk,
            "category": flag.category.label,
            "link": _absolute(reverse("flags:detail", args=[flag.pk])),
        }
        subject = _("A flag was passed on to you: #%(flag)s (%(category)s)") % values
        body = (
            _("Hello,")
            + "\n\n"
            + _(
                "The colleague who set flag #%(flag)s (%(category)s) no longer works with "
                "Samen Veilig in this role, so the flag is now yours and partners who get a hit "
                "see you as the contact. Check whether it is still needed; extend it or end it "
                "here:\n%(link)s"
            )
            % values
            + "\n\nSamen Veilig"
        )
    send_mail(subject, body, None, [owner.email])


def _admin_addresses() -> list[tuple[str, str]]:
    from samenveilig.accounts.models import Role, RoleGrant, User

    admins = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=RoleGrant.objects.filter(role=Role.ADMIN).values("user"))
    )
    return sorted(
        {(user.email, user.language or settings.LANGUAGE_CODE) for user in admins if user.email}
    )


def _report_to_admins(flag_id: int) -> bool:
    from samenveilig.accounts.models import Role
    from samenveilig.areas.models import Area

    with transaction.atomic():
        claimed = (
            orphaned_flags()
            .filter(pk=flag_id, orphan_reported_at__isnull=True)
            .update(orphan_reported_at=timezone.now())
        )
        if not claimed:
            return False
        audit.record(actor=None, action="flags.orphaned", details={"flag_id": flag_id})
    flag = Flag.objects.select_related("category").get(pk=flag_id)
    areas = ", ".join(
        Area.objects.filter(pk__in=flag.scope_area_ids or [])
        .order_by("name")
        .values_list("name", flat=True)
    )
    for email, language in _admin_addresses():
        with override(language):
            values = {
                "flag": flag.pk,
                "category": flag.category.label,
                "role": str(dict(Role.choices).get(flag.owner_role, flag.owner_role)),
                "areas": areas or _("an unknown area"),
                "organisation": flag.owner_organisation or _("no organisation recorded"),
            }
            subject = _("Flag #%(flag)s has no owner any more") % values
            body = (
                _("Hello,")
                + "\n\n"
                + _(
                    "The owner of flag #%(flag)s (%(category)s) left or lost the role "
                    "%(role)s, and nobody else holds that role for %(areas)s "
                    "(%(organisation)s). Until someone does, nobody can extend or end the flag "
                    "and partners who get a hit see the old contact. Grant the role to a "
                    "colleague of that organisation for that area; the flag then passes to them "
                    "automatically."
                )
                % values
                + "\n\nSamen Veilig"
            )
        try:
            send_mail(subject, body, None, [email])
        except Exception:
            logger.warning("flags.orphan_mail_failed", flag_id=flag_id)
    return True


def hand_over_orphaned_flags() -> dict[str, int]:
    """Hand every orphaned flag to a colleague, or tell the admins once. Idempotent."""
    done = {"transferred": 0, "reported": 0}
    for flag in list(orphaned_flags()):
        new_owner = successor(flag)
        if new_owner is not None:
            if _transfer(flag.pk, new_owner):
                done["transferred"] += 1
        elif flag.orphan_reported_at is None and _report_to_admins(flag.pk):
            done["reported"] += 1
    if done["transferred"] or done["reported"]:
        logger.info("flags.orphans", **done)
    return done
