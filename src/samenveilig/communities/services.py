"""Every write of the communities app (COM-3 memberships, COM-4 watch points and subscriptions).

Each service takes keyword-only arguments and the acting user, runs in one transaction, writes an
audit event (ids and statuses only) and hands e-mail to a background task after the commit.
Refusals raise ``CommunityError`` with a translated message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import override

from samenveilig.accounts.models import User
from samenveilig.communities import permissions
from samenveilig.communities.errors import CommunityError
from samenveilig.communities.models import (
    AlertKind,
    AlertSubscription,
    Community,
    CommunityKind,
    Membership,
    MembershipRole,
    MembershipStatus,
    WatchPoint,
)
from samenveilig.core import audit
from samenveilig.core.geo import valid_point

if TYPE_CHECKING:
    from samenveilig.areas.models import Address, Area

MAX_EXTRA_WATCH_POINTS = 5
MOTIVATION_MAX_LENGTH = 1000
DECISION_NOTE_MAX_LENGTH = 300
WATCH_POINT_LABEL_MAX_LENGTH = 60
# Slugs that would collide with fixed routes under /communities/.
RESERVED_SLUGS = frozenset({"new", "me"})


# --- helpers ---


def _lock_membership(membership: Membership) -> Membership:
    """Re-read the membership under a row lock so concurrent decisions cannot both pass."""
    return (
        Membership.objects.select_for_update()
        .select_related("community", "user")
        .get(pk=membership.pk)
    )


def _verified_managers(community: Community) -> Any:
    return Membership.objects.select_for_update().filter(
        community=community,
        status=MembershipStatus.VERIFIED,
        role__in=permissions.MANAGING_ROLES,
    )


def _enqueue_after_commit(task: Any, **kwargs: Any) -> None:
    # robust: a failing enqueue is logged; it must not turn a committed action into an error page.
    transaction.on_commit(lambda: task.enqueue(**kwargs), robust=True)


def _clean_point(lat: Any, lon: Any) -> tuple[float, float]:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError) as exc:
        raise CommunityError(_("Enter the location as numbers (latitude and longitude).")) from exc
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)) or not valid_point(lat_f, lon_f):
        raise CommunityError(
            _(
                "This location does not exist: latitude lies between -90 and 90, "
                "longitude between -180 and 180."
            )
        )
    return lat_f, lon_f


def _neighbourhood_for(lat: float, lon: float, address: Address | None) -> Area | None:
    if address is not None and address.neighbourhood_id is not None:
        return address.neighbourhood
    from samenveilig.areas.spatial import neighbourhood_at

    return neighbourhood_at(lat, lon)


# --- memberships (COM-3) ---


def join_request(*, user: User, community: Community, motivation: str) -> Membership:
    """Ask to join a community; a coordinator decides.

    Refused for closed communities, investigation teams (invitation only) and when the user
    already has a pending or verified membership. After a rejection or leaving, the same row is
    reused for the new request.
    """
    motivation = (motivation or "").strip()
    if len(motivation) > MOTIVATION_MAX_LENGTH:
        raise CommunityError(
            _("Keep your motivation under %(max)d characters.") % {"max": MOTIVATION_MAX_LENGTH},
            field="motivation",
        )
    if community.kind == CommunityKind.INVESTIGATION_TEAM:
        raise CommunityError(_("Investigation teams admit members by invitation only."))
    if not permissions.community_accepts_requests(community):
        raise CommunityError(_("This community does not accept join requests at the moment."))
    if not permissions.user_can_view_community(user, community):
        raise CommunityError(_("This community does not accept join requests at the moment."))

    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(user=user, community=community).first()
        )
        if membership is not None:
            if membership.status == MembershipStatus.REQUESTED:
                raise CommunityError(
                    _("You have already asked to join; a coordinator will decide.")
                )
            if membership.status == MembershipStatus.VERIFIED:
                raise CommunityError(_("You are already a member of this community."))
            previous_status = membership.status
            membership.status = MembershipStatus.REQUESTED
            membership.role = MembershipRole.MEMBER
            membership.motivation = motivation
            membership.decided_at = None
            membership.decided_by = None
            membership.decision_note = ""
            membership.updated_by = user
            membership.save()
        else:
            previous_status = ""
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(
                        community=community,
                        user=user,
                        motivation=motivation,
                        status=MembershipStatus.REQUESTED,
                        role=MembershipRole.MEMBER,
                        created_by=user,
                        updated_by=user,
                    )
            except IntegrityError as exc:  # a parallel request won the race
                raise CommunityError(
                    _("You have already asked to join; a coordinator will decide.")
                ) from exc
        audit.record(
            actor=user,
            action="communities.join_requested",
            obj=membership,
            details={"community_id": community.pk, "previous_status": previous_status},
        )
        from samenveilig.communities import tasks

        _enqueue_after_commit(
            tasks.notify_coordinators_of_join_request, membership_id=membership.pk
        )
    return membership


def _decide(
    *, actor: User, membership: Membership, note: str, status: str, action: str
) -> Membership:
    note = (note or "").strip()
    if len(note) > DECISION_NOTE_MAX_LENGTH:
        raise CommunityError(
            _("Keep the note under %(max)d characters.") % {"max": DECISION_NOTE_MAX_LENGTH},
            field="note",
        )
    with transaction.atomic():
        membership = _lock_membership(membership)
        if not permissions.user_can_decide_join_request(actor, membership):
            raise CommunityError(
                _("Only a coordinator of this community can decide on join requests.")
            )
        if membership.status != MembershipStatus.REQUESTED:
            raise CommunityError(_("This join request has already been decided or withdrawn."))
        membership.status = status
        membership.role = MembershipRole.MEMBER
        membership.decided_at = timezone.now()
        membership.decided_by = actor
        membership.decision_note = note
        membership.updated_by = actor
        membership.save()
        audit.record(
            actor=actor,
            action=action,
            obj=membership,
            details={
                "community_id": membership.community_id,
                "status": status,
                "with_note": bool(note),
            },
        )
        from samenveilig.communities import tasks

        _enqueue_after_commit(tasks.notify_applicant_of_decision, membership_id=membership.pk)
    return membership


def membership_verify(*, actor: User, membership: Membership, note: str = "") -> Membership:
    """Admit a join request. Only a verified coordinator of that community, or an admin."""
    return _decide(
        actor=actor,
        membership=membership,
        note=note,
        status=MembershipStatus.VERIFIED,
        action="communities.membership_verified",
    )


def membership_reject(*, actor: User, membership: Membership, note: str = "") -> Membership:
    """Turn down a join request. Only a verified coordinator of that community, or an admin."""
    return _decide(
        actor=actor,
        membership=membership,
        note=note,
        status=MembershipStatus.REJECTED,
        action="communities.membership_rejected",
    )


def membership_leave(*, user: User, membership: Membership) -> Membership:
    """Leave a community, or withdraw a pending join request.

    The last coordinator cannot leave while other members remain: they hand over first.
    """
    with transaction.atomic():
        membership = _lock_membership(membership)
        if membership.user_id != user.pk:
            raise CommunityError(_("You can only leave a community yourself."))
        if membership.status not in (MembershipStatus.VERIFIED, MembershipStatus.REQUESTED):
            raise CommunityError(_("You are not a member of this community."))
        previous_status, previous_role = membership.status, membership.role
        if (
            membership.status == MembershipStatus.VERIFIED
            and membership.role in permissions.MANAGING_ROLES
        ):
            managers = list(_verified_managers(membership.community).exclude(pk=membership.pk))
            others = (
                Membership.objects.filter(
                    community=membership.community, status=MembershipStatus.VERIFIED
                )
                .exclude(pk=membership.pk)
                .exists()
            )
            if not managers and others:
                raise CommunityError(
                    _(
                        "You are the last coordinator. Make another member coordinator "
                        "before you leave, so the community keeps running."
                    )
                )
        membership.status = MembershipStatus.LEFT
        membership.role = MembershipRole.MEMBER
        membership.updated_by = user
        membership.save()
        audit.record(
            actor=user,
            action="communities.membership_left",
            obj=membership,
            details={
                "community_id": membership.community_id,
                "previous_status": previous_status,
                "previous_role": previous_role,
            },
        )
    return membership


def membership_set_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Change a verified member's role.

    Coordinators (and admins) set member or coordinator; investigator and team lead exist only in
    investigation teams. The last coordinator cannot be demoted.
    """
    with transaction.atomic():
        membership = _lock_membership(membership)
        community = membership.community
        if not permissions.user_can_manage_members(actor, community):
            raise CommunityError(_("Only a coordinator of this community can change roles."))
        if membership.status != MembershipStatus.VERIFIED:
            raise CommunityError(_("Only verified members can be given a role."))
        if not permissions.role_allowed_in(role, community):
            raise CommunityError(
                _("This role does not exist in this kind of community."), field="role"
            )
        previous_role = membership.role
        if previous_role == role:
            return membership
        if previous_role in permissions.MANAGING_ROLES and role not in permissions.MANAGING_ROLES:
            if not _verified_managers(community).exclude(pk=membership.pk).exists():
                raise CommunityError(
                    _("This is the last coordinator. Make another member coordinator first.")
                )
        membership.role = role
        membership.updated_by = actor
        membership.save()
        audit.record(
            actor=actor,
            action="communities.membership_role_set",
            obj=membership,
            details={"community_id": community.pk, "previous_role": previous_role, "role": role},
        )
    return membership


def member_invite(*, actor: User, community: Community, user: User, role: str) -> Membership:
    """Add someone to an investigation team directly as a verified member (invitation only)."""
    if community.kind != CommunityKind.INVESTIGATION_TEAM:
        raise CommunityError(_("Only investigation teams add members by invitation."))
    if not permissions.user_can_invite_members(actor, community):
        raise CommunityError(_("Only the team's coordinator or team lead can add members."))
    if not permissions.role_allowed_in(role, community):
        raise CommunityError(_("This role does not exist in this kind of community."), field="role")
    if not user.is_active:
        raise CommunityError(_("This account cannot be added."), field="email")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(user=user, community=community).first()
        )
        if membership is not None and membership.status == MembershipStatus.VERIFIED:
            raise CommunityError(_("This person is already a member of the team."), field="email")
        now = timezone.now()
        if membership is None:
            membership = Membership(community=community, user=user, created_by=actor)
        membership.status = MembershipStatus.VERIFIED
        membership.role = role
        membership.motivation = ""
        membership.decided_at = now
        membership.decided_by = actor
        membership.decision_note = ""
        membership.updated_by = actor
        membership.save()
        audit.record(
            actor=actor,
            action="communities.member_invited",
            obj=membership,
            details={"community_id": community.pk, "role": role},
        )
        from samenveilig.communities import tasks

        _enqueue_after_commit(tasks.notify_applicant_of_decision, membership_id=membership.pk)
    return membership


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "community"
    if base in RESERVED_SLUGS:
        base = f"{base}-community"
    slug, n = base, 2
    while Community.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def community_create(*, actor: User, data: dict[str, Any]) -> Community:
    """Create a community. Admins anywhere; municipality officers inside their jurisdiction.

    ``data``: name, kind, areas (Area list), optional description, slug, is_open and
    coordinator (a User who becomes the first verified coordinator).
    """
    name = (data.get("name") or "").strip()
    kind = data.get("kind") or ""
    areas = list(data.get("areas") or [])
    if not name:
        raise CommunityError(_("Give the community a name."), field="name")
    if kind not in CommunityKind.values:
        raise CommunityError(_("Choose what kind of community this is."), field="kind")
    if not areas:
        raise CommunityError(_("Choose at least one area the community covers."), field="areas")
    if not permissions.user_can_create_community(actor, [a.pk for a in areas]):
        raise CommunityError(
            _("You can only create communities for areas in your own jurisdiction."), field="areas"
        )
    slug = (data.get("slug") or "").strip().lower()
    is_open = bool(data.get("is_open", True)) and kind != CommunityKind.INVESTIGATION_TEAM
    with transaction.atomic():
        if slug:
            if slug in RESERVED_SLUGS or slug != slugify(slug):
                raise CommunityError(
                    _("Use only lower-case letters, digits and hyphens."), field="slug"
                )
            if Community.objects.filter(slug=slug).exists():
                raise CommunityError(_("This short name is already taken."), field="slug")
        else:
            slug = _unique_slug(name)
        try:
            with transaction.atomic():
                community = Community.objects.create(
                    name=name,
                    slug=slug,
                    kind=kind,
                    description=(data.get("description") or "").strip(),
                    is_open=is_open,
                    created_by=actor,
                    updated_by=actor,
                )
        except IntegrityError as exc:
            raise CommunityError(_("This short name is already taken."), field="slug") from exc
        community.areas.set(areas)
        coordinator = data.get("coordinator")
        if coordinator is not None:
            Membership.objects.create(
                community=community,
                user=coordinator,
                role=MembershipRole.COORDINATOR,
                status=MembershipStatus.VERIFIED,
                decided_at=timezone.now(),
                decided_by=actor,
                created_by=actor,
                updated_by=actor,
            )
        audit.record(
            actor=actor,
            action="communities.community_created",
            obj=community,
            details={
                "kind": kind,
                "area_ids": sorted(a.pk for a in areas),
                "with_coordinator": coordinator is not None,
            },
        )
    return community


# --- watch points and subscriptions (COM-4) ---


def watch_point_set_home(
    *, user: User, lat: float, lon: float, address: Address | None = None
) -> WatchPoint:
    """Set (or move) the user's home point; its neighbourhood is resolved from the location."""
    if address is not None:
        lat, lon = address.lat, address.lon
    lat, lon = _clean_point(lat, lon)
    neighbourhood = _neighbourhood_for(lat, lon, address)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        point = WatchPoint.objects.filter(user=user, is_home=True).first()
        created = point is None
        if point is None:
            with override(user.language):
                label = _("Home")
            point = WatchPoint(user=user, is_home=True, label=label, created_by=user)
        point.lat, point.lon = lat, lon
        point.address = address
        point.neighbourhood = neighbourhood
        point.updated_by = user
        point.save()
        audit.record(
            actor=user,
            action="communities.home_point_set",
            obj=point,
            details={
                "created": created,
                "neighbourhood_id": neighbourhood.pk if neighbourhood else None,
            },
        )
    return point


def watch_point_add(
    *, user: User, label: str, lat: float, lon: float, address: Address | None = None
) -> WatchPoint:
    """Add an extra watch point (work, parents' house…); at most five besides home."""
    label = (label or "").strip()
    if not label:
        raise CommunityError(_("Give the watch point a name, such as “Work”."), field="label")
    if len(label) > WATCH_POINT_LABEL_MAX_LENGTH:
        raise CommunityError(
            _("Keep the name under %(max)d characters.") % {"max": WATCH_POINT_LABEL_MAX_LENGTH},
            field="label",
        )
    if address is not None:
        lat, lon = address.lat, address.lon
    lat, lon = _clean_point(lat, lon)
    neighbourhood = _neighbourhood_for(lat, lon, address)
    with transaction.atomic():
        # Serialise a user's additions so two parallel requests cannot pass the limit together.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if WatchPoint.objects.filter(user=user, is_home=False).count() >= MAX_EXTRA_WATCH_POINTS:
            raise CommunityError(
                _("You already have %(max)d extra watch points. Remove one before adding another.")
                % {"max": MAX_EXTRA_WATCH_POINTS}
            )
        point = WatchPoint.objects.create(
            user=user,
            label=label,
            is_home=False,
            lat=lat,
            lon=lon,
            address=address,
            neighbourhood=neighbourhood,
            created_by=user,
            updated_by=user,
        )
        audit.record(
            actor=user,
            action="communities.watch_point_added",
            obj=point,
            details={"neighbourhood_id": neighbourhood.pk if neighbourhood else None},
        )
    return point


def watch_point_remove(*, user: User, watch_point: WatchPoint) -> None:
    """Remove one of the user's own watch points (the home point too)."""
    with transaction.atomic():
        point = WatchPoint.objects.select_for_update().filter(pk=watch_point.pk, user=user).first()
        if point is None:
            raise CommunityError(_("This watch point does not exist (any more)."))
        point_id, was_home = point.pk, point.is_home
        point.delete()
        audit.record(
            actor=user,
            action="communities.watch_point_removed",
            obj=None,
            details={"watch_point_id": point_id, "was_home": was_home},
        )


def subscriptions_set(*, user: User, kinds: Iterable[str]) -> set[str]:
    """Replace the user's alert subscriptions with exactly these kinds."""
    wanted = set(kinds)
    unknown = wanted - set(AlertKind.values)
    if unknown:
        raise CommunityError(_("Choose alert kinds from the list."), field="kinds")
    with transaction.atomic():
        current = set(AlertSubscription.objects.filter(user=user).values_list("kind", flat=True))
        AlertSubscription.objects.filter(user=user, kind__in=current - wanted).delete()
        AlertSubscription.objects.bulk_create(
            [AlertSubscription(user=user, kind=kind) for kind in sorted(wanted - current)],
            ignore_conflicts=True,
        )
        audit.record(
            actor=user,
            action="communities.subscriptions_set",
            obj=None,
            details={
                "kinds": sorted(wanted),
                "added": sorted(wanted - current),
                "removed": sorted(current - wanted),
            },
        )
    return wanted
