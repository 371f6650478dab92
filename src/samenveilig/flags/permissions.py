"""Who may do what with flags (deny by default).

- *Partner types* are the deployment roles that act for an organisation inside a jurisdiction:
  police and municipality (``conf.PARTNER_ROLES``). A user's partner types are those they hold
  with an area.
- Setting flags: a partner type listed in ``FLAG_SETTER_ROLES`` (police and municipality by
  default).
- The owner (the user who set the flag, while they still may set flags) reads the identifier
  back, extends and ends the flag, and sees every hit of it.
- Asking hit/no-hit: any partner user; the answer shows only flags shared with one of their
  partner types *and* set inside their jurisdiction for that type: the flag's scope (the owner's
  jurisdiction when it was set) and the asker's jurisdiction overlap. A wijkagent in Noord does
  not learn of a flag a colleague set in Zuid; a municipality officer (the whole gemeente) learns
  of flags set in any wijk of it. The owner always sees their own flag.
- A hit on an item is shown to a partner user who holds a partner type the flag is shared with,
  whose jurisdiction for that type contains the item's buurt, and who may open the item itself;
  only while the flag is active. Members and residents never see a hit or anything of a flag.
"""

from __future__ import annotations

from samenveilig.accounts.roles import AnyUser, deployment_roles, jurisdiction_area_ids
from samenveilig.flags import conf
from samenveilig.flags.models import Flag, FlagHit


def partner_jurisdictions(user: AnyUser) -> dict[str, set[int]]:
    """``{partner type: area ids (with everything inside)}`` for the user's partner roles."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_flag_jurisdictions", None)
    if cached is None:
        cached = {}
        for role in deployment_roles(user) & set(conf.PARTNER_ROLES):
            areas = jurisdiction_area_ids(user, role)
            if areas:
                cached[role] = areas
        user._flag_jurisdictions = cached  # type: ignore[union-attr]
    return cached


def partner_types(user: AnyUser) -> set[str]:
    return set(partner_jurisdictions(user))


def user_may_set_flags(user: AnyUser) -> bool:
    return bool(partner_types(user) & conf.setter_roles())


def setter_types(user: AnyUser) -> list[str]:
    """The partner types in which the user may set a flag, in a fixed order."""
    allowed = partner_types(user) & conf.setter_roles()
    return [role for role in conf.PARTNER_ROLES if role in allowed]


def user_may_look_up(user: AnyUser) -> bool:
    return bool(partner_types(user))


def user_owns_flag(user: AnyUser, flag: Flag) -> bool:
    return (
        user.is_authenticated
        and flag.owner_id is not None
        and flag.owner_id == user.pk
        and user_may_set_flags(user)
    )


def user_may_see_hits_page(user: AnyUser) -> bool:
    return user_may_look_up(user) or user_may_set_flags(user)


def shared_with(user: AnyUser, flag: Flag) -> bool:
    """The flag is shared with a partner type the user holds (for hit/no-hit answers)."""
    return bool(partner_types(user) & set(flag.visible_to or ()))


def flag_scope_ids(flag: Flag) -> set[int]:
    """The areas the flag was set in, with everything inside them."""
    cached = getattr(flag, "_scope_ids", None)
    if cached is None:
        from samenveilig.areas.selectors import area_ids_within

        roots = [pk for pk in flag.scope_area_ids or () if isinstance(pk, int)]
        cached = area_ids_within(roots) if roots else set()
        flag._scope_ids = cached  # type: ignore[attr-defined]
    return cached


def lookup_may_answer(user: AnyUser, flag: Flag) -> bool:
    """A hit/no-hit question of ``user`` may report ``flag`` (see above)."""
    if user_owns_flag(user, flag):
        return True
    jurisdictions = partner_jurisdictions(user)
    scope = None
    for role in flag.visible_to or ():
        areas = jurisdictions.get(role)
        if not areas:
            continue
        scope = flag_scope_ids(flag) if scope is None else scope
        if areas & scope:
            return True
    return False


def hit_in_jurisdiction(user: AnyUser, hit: FlagHit) -> bool:
    """A partner type the flag is shared with covers the item's buurt for this user."""
    jurisdictions = partner_jurisdictions(user)
    return any(
        hit.neighbourhood_id is not None and hit.neighbourhood_id in jurisdictions.get(role, ())
        for role in hit.flag.visible_to or ()
    )


def user_may_see_hit(user: AnyUser, hit: FlagHit, *, item_checked: bool = False) -> bool:
    """See above. ``item_checked``: the caller already knows the user may open the item (the
    item's own page); otherwise the item's own permission is asked."""
    if not user.is_authenticated:
        return False
    if user_owns_flag(user, hit.flag):
        return True
    if not hit.flag.is_active() or not hit_in_jurisdiction(user, hit):
        return False
    if item_checked:
        return True
    from samenveilig.flags.items import user_may_open_item

    return user_may_open_item(user, hit.item_type, hit.item_id)
