"""Quiz attempts and certificates (TRN-1).

The modules themselves are files (``content.py``); rows refer to them by slug. An attempt keeps
which questions it drew, in which order, and the result — not the answers given: the result page
needs only which of the drawn questions were answered right.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel


class QuizAttempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    module = models.CharField(_("module"), max_length=40)
    # The drawn question keys in the order shown, and per question the option keys in order.
    question_keys = models.JSONField(default=list)
    option_order = models.JSONField(default=dict)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # Keys of the drawn questions that were answered right (for the result page).
    correct_keys = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        indexes = [
            models.Index(fields=["user", "module", "started_at"], name="attempt_user_module")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, score__isnull=True, passed__isnull=True)
                | Q(submitted_at__isnull=False, score__isnull=False, passed__isnull=False),
                name="attempt_result_with_submission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} #{self.pk}"

    @property
    def total(self) -> int:
        return len(self.question_keys)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Certificate(TrackedModel):
    """Passing a module's quiz. Valid until ``valid_until``; passing again gives a new one (the
    old row stays as history). ``reminder_sent_at`` makes the renewal reminder a one-off per
    certificate, that is per expiry date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_certificates"
    )
    module = models.CharField(_("module"), max_length=40)
    attempt = models.OneToOneField(
        QuizAttempt,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificate",
    )
    issued_at = models.DateTimeField(_("issued at"))
    valid_until = models.DateTimeField(_("valid until"))
    reminder_sent_at = models.DateTimeField(_("renewal reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [
            # "Is this user certified for this module now?" — the gate of every action.
            models.Index(fields=["user", "module", "valid_until"], name="certificate_user_module"),
            # The reminder job: certificates expiring soon without a reminder.
            models.Index(fields=["valid_until"], name="certificate_valid_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("issued_at")),
                name="certificate_valid_after_issue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} ({self.valid_until:%Y-%m-%d})"

    def is_valid(self, at: object = None) -> bool:
        return self.valid_until > (at or timezone.now())
