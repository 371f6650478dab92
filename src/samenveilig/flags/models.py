"""Partner flags (FLG-1…FLG-3): a signal on an identifier, its hits and the hit/no-hit questions.

A ``Flag`` never holds its identifier in the clear: ``identifier_hash`` is the keyed hash that
matching compares (``keys``), ``identifier_encrypted`` the normalised identifier under
``core.crypto`` for the owner alone to read back. The owner's note (why the flag was set) is
encrypted too and shown to nobody else; others only ever see the category and the contact.

A ``FlagHit`` records that one item (a report, a doorstep visit of a neighbourhood inquiry, an
alert) mentioned a flagged identifier. It names the item by type and id and keeps the item's
buurt, which decides (with the flag's partner types) which partner users see it.

A ``FlagLookup`` records one hit/no-hit question: who asked, why (a required purpose), of what
kind, and how many flags answered; never what was asked about.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel
from samenveilig.flags.normalise import IdentifierKind


class FlagCategory(models.Model):
    """The configurable list of categories (admin): ``ondermijning``, ``woonoverlast``, …"""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("flag category")
        verbose_name_plural = _("flag categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class FlagQuerySet(models.QuerySet["Flag"]):
    def active(self, now: datetime | None = None) -> FlagQuerySet:
        """Flags that match now: not ended and not expired (FLG-3: expired flags stop at once)."""
        now = now or timezone.now()
        return self.filter(ended_at__isnull=True, expires_at__gt=now)


class Flag(TrackedModel):
    kind = models.CharField(_("kind of identifier"), max_length=20, choices=IdentifierKind.choices)
    identifier_hash = models.CharField(max_length=64, db_index=True)
    hash_key_id = models.CharField(max_length=16)
    identifier_encrypted = models.TextField()
    category = models.ForeignKey(
        FlagCategory, on_delete=models.PROTECT, related_name="flags", verbose_name=_("category")
    )
    note_encrypted = models.TextField(blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="flags_owned",
        verbose_name=_("owner"),
    )
    owner_role = models.CharField(_("set as"), max_length=20)
    # Where the flag was set: the owner's organisation and the roots of their jurisdiction for
    # ``owner_role`` at the time. Hit/no-hit answers go only to partners whose jurisdiction
    # overlaps it, and an orphaned flag passes to a colleague of the same organisation there.
    owner_organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    scope_area_ids = models.JSONField(_("jurisdiction when set"), default=list, blank=True)
    owner_contact = models.CharField(_("contact"), max_length=200)
    visible_to = models.JSONField(_("partner types that see hits"), default=list)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    orphan_reported_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["expires_at", "pk"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.ended_at is None and self.expires_at > now

    @property
    def state(self) -> str:
        if self.ended_at is not None:
            return "ended"
        return "active" if self.is_active() else "expired"


class HitItemType(models.TextChoices):
    REPORT = "report", _("Report")
    VISIT = "visit", _("Neighbourhood inquiry visit")
    ALERT = "alert", _("Alert")


class HitSource(models.TextChoices):
    FIELD = "field", _("a licence plate or address field")
    TEXT = "text", _("the free text")


class FlagHit(models.Model):
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="hits")
    item_type = models.CharField(max_length=10, choices=HitItemType.choices)
    item_id = models.BigIntegerField()
    neighbourhood = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_in = models.CharField(max_length=10, choices=HitSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    owner_notified_at = models.DateTimeField(null=True, blank=True)
    owner_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("flag hit")
        verbose_name_plural = _("flag hits")
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "item_type", "item_id"], name="flags_one_hit_per_item"
            )
        ]
        indexes = [models.Index(fields=["item_type", "item_id"])]

    def __str__(self) -> str:
        return f"hit #{self.pk} of flag #{self.flag_id}"


class LookupPurpose(models.TextChoices):
    REPORT = "report", _("Handling a report")
    INQUIRY = "inquiry", _("A neighbourhood inquiry")
    CASE = "case", _("An investigation or case")
    VISIT = "visit", _("Preparing a visit to an address or business")
    PERMIT = "permit", _("A permit or enforcement decision")
    OTHER = "other", _("Something else (explain below)")


class FlagLookup(models.Model):
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=LookupPurpose.choices)
    purpose_note = models.CharField(_("reference or reason"), max_length=300)
    hits = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = _("flag lookup")
        verbose_name_plural = _("flag lookups")
        constraints = [
            models.CheckConstraint(condition=~Q(purpose_note=""), name="flags_lookup_has_purpose")
        ]

    def __str__(self) -> str:
        return f"lookup #{self.pk}"
