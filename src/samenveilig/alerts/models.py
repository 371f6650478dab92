"""Alerts (ALR-1…ALR-6): a signalement broadcast to the members around a place, its deliveries per
recipient and channel, and the partner systems and browsers it is delivered to."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.communities.models import URGENT_ALERT_KINDS, AlertKind
from samenveilig.core.models import TrackedModel

DEFAULT_RADIUS_M = 1_000
MIN_RADIUS_M = 100
MAX_RADIUS_M = 10_000

# ALR-1: persons are found or gone within hours; a cocoon warning covers the weeks in which the
# risk of a repeat burglary nearby is raised (near-repeat, see analysis/).
DEFAULT_VALIDITY = {
    AlertKind.WANTED_PERSON: timedelta(hours=2),
    AlertKind.MISSING_PERSON: timedelta(hours=2),
    AlertKind.VEHICLE: timedelta(hours=6),
    AlertKind.WARNING: timedelta(days=1),
    AlertKind.COCOON: timedelta(days=14),
}
MAX_VALIDITY = timedelta(days=30)
PERSON_KINDS = frozenset({AlertKind.WANTED_PERSON, AlertKind.MISSING_PERSON})


class AlertStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Waiting for police approval")
    REJECTED = "rejected", _("Not approved")
    SENT = "sent", _("Sent")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Alert(TrackedModel):
    """One broadcast. The text recipients read is built from the structured signalement
    (``person`` / ``vehicle``) in each recipient's language, so no free text carries a description
    that the anti-profiling rule has not checked."""

    reference = models.CharField(_("reference"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=AlertKind.choices)
    status = models.CharField(
        _("status"), max_length=30, choices=AlertStatus.choices, default=AlertStatus.SENT
    )
    title = models.CharField(_("headline"), max_length=120)
    message = models.TextField(_("what recipients should do"), max_length=1000, blank=True)
    person = models.JSONField(_("person description"), null=True, blank=True)
    vehicle = models.JSONField(_("vehicle description"), null=True, blank=True)
    photo = models.ImageField(upload_to="alerts/%Y/%m/", blank=True)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    radius_m = models.PositiveIntegerField(_("radius (metres)"), default=DEFAULT_RADIUS_M)
    areas = models.ManyToManyField(
        "areas.Area", blank=True, related_name="+", verbose_name=_("neighbourhoods")
    )
    municipality = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    centre_neighbourhood = models.ForeignKey(
        "areas.Area", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_report = models.ForeignKey(
        "reports.Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("from report"),
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by group"),
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note to the proposer"), max_length=300, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    fanout_planned_at = models.DateTimeField(null=True, blank=True)
    closing_message = models.TextField(_("closing message"), max_length=1000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "status", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(radius_m__gte=MIN_RADIUS_M, radius_m__lte=MAX_RADIUS_M),
                name="alert_radius_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_urgent(self) -> bool:
        return self.kind in URGENT_ALERT_KINDS

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_live(self) -> bool:
        """Sent, not withdrawn and not expired: the description may be shown."""
        return self.status == AlertStatus.SENT and not self.is_expired()


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("E-mail")
    PUSH = "push", _("Web Push")
    WEBHOOK = "webhook", _("Webhook")


class Purpose(models.TextChoices):
    ALERT = "alert", _("Alert")
    CLOSING = "closing", _("Closing message")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not sent (alert expired or withdrawn)")


class Delivery(models.Model):
    """One message of one alert to one recipient (a member or a partner system) on one channel.

    The unique constraints are what makes a retried or duplicated fan-out task harmless: a second
    insert of the same (alert, purpose, channel, recipient) is ignored by the database.
    ``lease_until`` marks rows a worker has claimed; a worker that dies leaves its lease to expire
    and the rows are claimed again (ALR-3).
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.ALERT)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_deliveries",
    )
    endpoint = models.ForeignKey(
        "alerts.WebhookEndpoint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # Quiet hours (ALR-2) hold a non-urgent alert until this moment; retries push it back.
    next_attempt_at = models.DateTimeField()
    held_for_quiet_hours = models.BooleanField(default=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "purpose", "channel", "user"],
                condition=models.Q(user__isnull=False),
                name="one_delivery_per_member_channel",
            ),
            models.UniqueConstraint(
                fields=["alert", "purpose", "channel", "endpoint"],
                condition=models.Q(endpoint__isnull=False),
                name="one_delivery_per_endpoint",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(endpoint__isnull=False),
                name="delivery_has_recipient",
            ),
        ]
        indexes = [
            # The drain's claim query: pending rows of one alert and channel, due first.
            models.Index(
                fields=["alert", "channel", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="alerts_delivery_due",
            ),
            # A member's inbox, newest first.
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(channel="inbox"),
                name="alerts_delivery_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}/{self.channel}/{self.user_id or self.endpoint_id}"


class WebhookEndpoint(TrackedModel):
    """A partner system (e.g. a municipal camera room, a neighbouring platform) that receives the
    municipality's alerts as signed JSON (ALR-4). The secret is stored encrypted."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("address (URL)"), max_length=500)
    municipality = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    kinds = models.JSONField(_("alert kinds"), default=list, blank=True)
    secret_encrypted = models.TextField()
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class PushSubscription(models.Model):
    """A browser's Web Push subscription (the PushSubscription JSON of the Push API)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"push:{self.user_id}"


class ChannelPreference(models.Model):
    """Which channels besides the in-app inbox a member wants alerts on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_channels"
    )
    email = models.BooleanField(_("by e-mail"), default=True)
    push = models.BooleanField(_("as a push notification"), default=True)

    def __str__(self) -> str:
        return f"channels:{self.user_id}"


class AlertPolicy(models.Model):
    """Per municipality: may coordinators propose alerts (they then wait for police approval)?"""

    municipality = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    coordinators_may_propose = models.BooleanField(
        _("coordinators may propose alerts"), default=False
    )

    class Meta:
        verbose_name = _("alert policy")
        verbose_name_plural = _("alert policies")

    def __str__(self) -> str:
        return f"policy:{self.municipality_id}"


class ConcernReason(models.TextChoices):
    PROFILING = "profiling", _("It singles people out by their looks or origin")
    PERSONAL_DATA = "personal_data", _("It names or shows someone it should not")
    WRONG = "wrong", _("It is wrong or out of date")
    HOSTILE = "hostile", _("It is offensive or stirs up hostility")
    OTHER = "other", _("Something else")


class ConcernStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the police")
    DISMISSED = "dismissed", _("Looked at: no change needed")
    ACTED = "acted", _("Looked at: the alert was ended")


class AlertConcern(models.Model):
    """A recipient's report that something is wrong with an alert (REP-10, abuse reporting):
    profiling, someone's personal data, a wrong or hostile text. The alert's managers (the
    police of its area, or the coordinator who proposed it) look at it and end the alert or
    leave it. One per recipient per alert; removed with the alert's description (ALR-6)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="concerns")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("what is wrong"), max_length=20, choices=ConcernReason.choices)
    note = models.CharField(_("explanation"), max_length=1000, blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handling_note = models.CharField(_("answer"), max_length=500, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "raised_by"], name="one_concern_per_recipient_per_alert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert} · {self.reason}"
