"""Communities, memberships with verification (COM-3), watch points and subscriptions (COM-4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel


class CommunityKind(models.TextChoices):
    PATROL = "patrol", _("Street patrol (buurtpreventie)")
    WHATSAPP_GROUP = "whatsapp_group", _("WhatsApp neighbourhood watch")
    ONLINE_TEAM = "online_team", _("Online team")
    INVESTIGATION_TEAM = "investigation_team", _("Investigation team")
    RESIDENTS_INITIATIVE = "residents_initiative", _("Residents' initiative")


class Community(TrackedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in links"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=CommunityKind.choices)
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField(
        "areas.Area", related_name="communities", verbose_name=_("areas covered")
    )
    is_open = models.BooleanField(
        _("accepts join requests"),
        default=True,
        help_text=_("Investigation teams usually recruit by invitation only."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("Member")
    COORDINATOR = "coordinator", _("Coordinator")
    INVESTIGATOR = "investigator", _("Investigator")
    TEAM_LEAD = "team_lead", _("Team lead")


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("Join request")
    VERIFIED = "verified", _("Verified member")
    REJECTED = "rejected", _("Not admitted")
    LEFT = "left", _("Left")


class Membership(TrackedModel):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MembershipStatus.choices,
        default=MembershipStatus.REQUESTED,
    )
    motivation = models.TextField(_("why do you want to join?"), blank=True, max_length=1000)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("note to the applicant"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"], name="one_membership_per_community"
            )
        ]
        indexes = [
            models.Index(fields=["community", "status", "role"]),
            # "Is this user a verified member?" (alert targeting, permissions): index-only.
            models.Index(fields=["user", "status"], name="membership_user_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.community}"

    @property
    def is_verified(self) -> bool:
        return self.status == MembershipStatus.VERIFIED


class WatchPoint(TrackedModel):
    """A point a member watches: their home (one) and extra places (work, parents' house…)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_points"
    )
    label = models.CharField(_("label"), max_length=60)
    is_home = models.BooleanField(_("home"), default=False)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.ForeignKey(
        "areas.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("watch point")
        verbose_name_plural = _("watch points")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_home=True), name="one_home_per_user"
            )
        ]
        # Alert targeting (ALR-2) reads the points in a bounding box and only needs their owner:
        # on PostgreSQL the index carries user_id so the table itself is not read.
        indexes = [
            models.Index(fields=["lat", "lon"], include=["user"], name="watchpoint_lat_lon_user")
        ]

    def __str__(self) -> str:
        return self.label


class AlertKind(models.TextChoices):
    """The kinds of alert (ALR-1) a member can subscribe to."""

    WANTED_PERSON = "wanted_person", _("Wanted person")
    MISSING_PERSON = "missing_person", _("Missing person")
    VEHICLE = "vehicle", _("Vehicle")
    WARNING = "warning", _("Warning")
    COCOON = "cocoon", _("Cocoon warning (burglary nearby)")


# Urgent kinds reach members during quiet hours too (ALR-2).
URGENT_ALERT_KINDS = frozenset({AlertKind.WANTED_PERSON, AlertKind.MISSING_PERSON})


class AlertSubscription(models.Model):
    # No separate index on user: the unique (user, kind) index answers "does this user subscribe
    # to this kind?" by itself (index-only), which alert targeting asks for every candidate.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
        db_index=False,
    )
    kind = models.CharField(_("alert kind"), max_length=30, choices=AlertKind.choices)

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_subscription_per_kind")
        ]

    def __str__(self) -> str:
        return self.kind
