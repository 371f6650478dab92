"""Questionnaires (one row per XLSForm version) and the answer sets given with them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel


class Questionnaire(TrackedModel):
    """One version of an XLSForm. A new upload of the same form_id is a new row, never an edit,
    so every answer set keeps pointing at the version it was given with.

    ``community`` empty: a version for the whole deployment (shipped, or uploaded by an
    administrator or the municipality). Set: a version a coordinator uploaded for their community
    (INQ-4), used by that community only. Per form_id there is one active version for the whole
    deployment and at most one per community (decision record 0016).
    """

    name = models.CharField(_("name"), max_length=200)
    form_id = models.CharField(_("form id"), max_length=100)
    version = models.CharField(_("version"), max_length=64)
    language = models.CharField(_("default language"), max_length=16, default="nl")
    source = models.FileField(_("XLSForm file"), upload_to="questionnaires/", blank=True)
    definition = models.JSONField(_("parsed definition"))
    is_active = models.BooleanField(_("active"), default=True)
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questionnaires",
        verbose_name=_("community"),
        help_text=_("Empty: the version for the whole deployment."),
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["form_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["form_id", "version"],
                condition=models.Q(community__isnull=True),
                name="unique_questionnaire_version",
            ),
            models.UniqueConstraint(
                fields=["form_id", "version", "community"],
                condition=models.Q(community__isnull=False),
                name="unique_community_questionnaire_version",
            ),
            models.UniqueConstraint(
                fields=["form_id"],
                condition=models.Q(is_active=True, community__isnull=True),
                name="one_active_questionnaire",
            ),
            models.UniqueConstraint(
                fields=["form_id", "community"],
                condition=models.Q(is_active=True, community__isnull=False),
                name="one_active_community_questionnaire",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    @property
    def form(self):  # -> xlsform.Form
        from samenveilig.questionnaires.xlsform import Form

        cached = getattr(self, "_form", None)
        if cached is None:
            cached = Form.from_dict(self.definition)
            self._form = cached
        return cached


class AnswerSet(models.Model):
    """One filled-in questionnaire. ``idempotency_key`` comes from the client (offline queue):
    the same key submitted twice is one answer set."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.PROTECT,
        related_name="answer_sets",
        verbose_name=_("questionnaire"),
    )
    answers = models.JSONField(_("answers"), default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("answer set")
        verbose_name_plural = _("answer sets")
        ordering = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.questionnaire} #{self.pk}"


class AnswerImage(models.Model):
    """A photo given as the answer to an ``image`` question. Uploaded before the answers are
    submitted (the answer is then the photo's ``reference``) and tied to the answer set that
    uses it when that is stored. Re-encoded on upload by the report photo service, so no EXIF
    (GPS position included) reaches storage."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="images"
    )
    question = models.CharField(_("question"), max_length=100)
    image = models.ImageField(_("photo"), upload_to="answers/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    answer_set = models.ForeignKey(
        AnswerSet, null=True, blank=True, on_delete=models.CASCADE, related_name="images"
    )

    class Meta:
        verbose_name = _("answer photo")
        verbose_name_plural = _("answer photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.reference
