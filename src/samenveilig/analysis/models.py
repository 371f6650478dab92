"""Near-repeat (Knox) runs and the municipality's adopted near-repeat defaults (NRA-1, NRA-2)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Until a municipality adopts a result (NRA-2): inquiry radius and cocoon-warning duration.
DEFAULT_INQUIRY_RADIUS_M = 200
DEFAULT_COCOON_DAYS = 14


class KnoxRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class KnoxRunError(models.TextChoices):
    TOO_FEW_EVENTS = "too_few_events", _("Too few incidents")
    INVALID = "invalid", _("Invalid input")
    UNEXPECTED = "unexpected", _("Unexpected error")


class KnoxMetric(models.TextChoices):
    MANHATTAN = "manhattan", _("Manhattan (along streets)")
    EUCLIDEAN = "euclidean", _("Euclidean (straight line)")


class KnoxRun(models.Model):
    """One Knox test over the reports of a category in an area and period, run as a task.

    Distances are in metres (reports' lat/lon projected around their centroid), times in days.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    municipality = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("area")
    )
    category = models.ForeignKey(
        "reports.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    #: Breaks in metres / days; a last break of ``"Inf"`` is an open band.
    space_bands = models.JSONField(_("distance bands (m)"))
    time_bands = models.JSONField(_("time bands (days)"))
    permutations = models.PositiveIntegerField(_("permutations"))
    metric = models.CharField(
        _("distance"), max_length=12, choices=KnoxMetric.choices, default=KnoxMetric.MANHATTAN
    )
    status = models.CharField(
        _("status"), max_length=10, choices=KnoxRunStatus.choices, default=KnoxRunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    n_reports = models.PositiveIntegerField(default=0)
    n_events = models.PositiveIntegerField(default=0)
    n_dropped = models.PositiveIntegerField(default=0)
    #: ``KnoxResult.to_dict()`` when done.
    result = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=20, choices=KnoxRunError.choices, blank=True)
    #: Technical detail for operators; no personal data.
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("near-repeat analysis")
        verbose_name_plural = _("near-repeat analyses")
        indexes = [models.Index(fields=["area", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="knoxrun_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="knoxrun_progress_max_100"
            ),
        ]

    def __str__(self) -> str:
        return f"Knox #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (KnoxRunStatus.DONE, KnoxRunStatus.FAILED)


class NearRepeatDefaults(models.Model):
    """A municipality's inquiry radius and cocoon-warning duration, adopted from a Knox run."""

    municipality = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, related_name="near_repeat_defaults"
    )
    inquiry_radius_m = models.PositiveIntegerField(
        _("inquiry radius (m)"),
        default=DEFAULT_INQUIRY_RADIUS_M,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
    )
    cocoon_days = models.PositiveIntegerField(
        _("cocoon warning (days)"),
        default=DEFAULT_COCOON_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    adopted_from = models.ForeignKey(
        KnoxRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    adopted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("near-repeat defaults")
        verbose_name_plural = _("near-repeat defaults")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.inquiry_radius_m} m, {self.cocoon_days} d"
