"""Monthly tallies of reports for the impact dashboard (MON-3): derived data, rebuilt at will.

Counting a million reports for every dashboard view is too slow (a quarter and the one before
it are half a million rows; see docs/benchmarks.md), so ``monitor_refresh`` folds the reports of
each calendar month into one row per (month, buurt, category, partner) and a duration
histogram per (month, buurt, partner), a row per bin. The dashboard adds up those rows; a month
that was never folded (``TallyMonth`` has no row for it) is counted from the reports, so a fresh
installation shows correct figures before the first refresh. The meaning of every column is in
``samenveilig.monitor.dashboard`` (``ReportCounts`` and ``DURATION_BIN_EDGES_MINUTES``).

Nothing here identifies anyone: no report, reporter or text, only counts per buurt and month.
"""

from __future__ import annotations

from django.db import models


class TallyMonth(models.Model):
    """A calendar month whose tallies are complete, and when they were computed."""

    month = models.DateField(unique=True)  # the first day of the (local) month
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class ReportTally(models.Model):
    """Counts of the accepted reports of one month, buurt, category and partner."""

    month = models.DateField()
    neighbourhood = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("reports.Category", on_delete=models.CASCADE, related_name="+")
    partner = models.CharField(max_length=20)
    reports = models.PositiveIntegerField(default=0)
    followed_up = models.PositiveIntegerField(default=0)
    quality_sum = models.PositiveBigIntegerField(default=0)
    tips = models.PositiveIntegerField(default=0)
    ack_on_time = models.PositiveIntegerField(default=0)
    ack_decided = models.PositiveIntegerField(default=0)
    resp_on_time = models.PositiveIntegerField(default=0)
    resp_decided = models.PositiveIntegerField(default=0)
    solo_reports = models.PositiveIntegerField(default=0)
    solo_with_outcome = models.PositiveIntegerField(default=0)
    solo_duplicates = models.PositiveIntegerField(default=0)
    incidents = models.PositiveIntegerField(default=0)
    incidents_with_outcome = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "neighbourhood", "category", "partner"],
                name="monitor_tally_one_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.neighbourhood_id} {self.category_id} {self.partner}"


class ReportDurationTally(models.Model):
    """How many reports of one month, buurt and partner were acknowledged (``kind`` "ack") or
    first answered ("resp") within duration bin ``bin`` (``dashboard.DURATION_BIN_EDGES_MINUTES``).
    Only bins with reports have a row, so there are at most a few dozen per buurt and month."""

    month = models.DateField()
    neighbourhood = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    partner = models.CharField(max_length=20)
    kind = models.CharField(max_length=4)  # "ack" or "resp"
    bin = models.PositiveSmallIntegerField()
    reports = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "neighbourhood", "partner", "kind", "bin"],
                name="monitor_duration_one_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.neighbourhood_id} {self.partner} {self.kind} {self.bin}"
