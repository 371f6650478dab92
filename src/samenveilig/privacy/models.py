"""The register of data subject requests (GDPR art. 15–22) that the privacy officer keeps.

A request comes from a logged-in user (self-service: ``subject`` set, carried out at once) or is
recorded by the privacy officer for someone without an account, or who wrote in (``requester_*``
hold how to reach them). The answer is due one calendar month after receipt (art. 12(3)).
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def one_month_after(day: dt.date) -> dt.date:
    """The same day of the next month, or that month's last day (31 January → 28/29 February)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def new_reference() -> str:
    return "PV-" + secrets.token_hex(4).upper()


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access / copy of the data")
    ERASURE = "erasure", _("Erasure")
    RECTIFICATION = "rectification", _("Rectification")
    OBJECTION = "objection", _("Objection / restriction")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class PrivacyRequest(models.Model):
    reference = models.CharField(_("reference"), max_length=16, unique=True, default=new_reference)
    kind = models.CharField(_("kind of request"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_requests",
        verbose_name=_("account concerned"),
    )
    self_service = models.BooleanField(default=False)
    requester_name = models.CharField(_("name of the requester"), max_length=120, blank=True)
    requester_contact = models.CharField(
        _("how to reach the requester"),
        max_length=200,
        blank=True,
        help_text=_("E-mail address or postal address the answer goes to."),
    )
    details = models.TextField(_("what is asked"), max_length=4000, blank=True)
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("answer due on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome_note = models.TextField(_("answer given"), max_length=4000, blank=True)

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.reference

    def is_overdue(self, today: dt.date | None = None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.status == RequestStatus.OPEN and self.due_on < today
