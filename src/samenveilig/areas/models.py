"""Areas (gemeente → wijk → buurt, COM-1) and the address register (COM-2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    DISTRICT = "district", _("District")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")


PARENT_LEVEL = {
    AreaLevel.DISTRICT: AreaLevel.MUNICIPALITY,
    AreaLevel.NEIGHBOURHOOD: AreaLevel.DISTRICT,
}


class Area(models.Model):
    """A gemeente, wijk or buurt; ``code`` is the CBS code (GM…, WK…, BU…).

    The polygon is stored as GeoJSON text; the bounding box and centroid are kept in columns so
    queries can pre-filter with plain indexes.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=20, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("part of"),
    )
    geometry = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """One address from the register (BAG shape), resolved to its buurt on import."""

    postcode = models.CharField(_("postcode"), max_length=6)  # normalised: 1234AB
    house_number = models.PositiveIntegerField(_("house number"))
    house_number_addition = models.CharField(_("addition"), max_length=10, blank=True, default="")
    street = models.CharField(_("street"), max_length=120)
    city = models.CharField(_("city"), max_length=80)
    lat = models.FloatField()
    lon = models.FloatField()
    neighbourhood = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="addresses",
        verbose_name=_("neighbourhood"),
    )
    bag_id = models.CharField(_("BAG id"), max_length=20, blank=True, default="")

    class Meta:
        ordering = ["street", "house_number", "house_number_addition"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "house_number", "house_number_addition"], name="unique_address"
            )
        ]
        indexes = [
            models.Index(fields=["lat", "lon"]),
            models.Index(fields=["street", "house_number"]),
        ]

    def __str__(self) -> str:
        addition = f"-{self.house_number_addition}" if self.house_number_addition else ""
        return f"{self.street} {self.house_number}{addition}, {self.city}"
