"""Citizen investigations (PRODUCT §7, INV-1…INV-10): cases, participants, the evidence log with
its chain of custody, police agreements, hand-over packages, wellbeing and anonymous counts.

Content that may hold personal data (the suspicion, scope, evidence) is encrypted at rest with
``core.crypto``; hashes are computed over the plaintext bytes at intake. Evidence items are
append-only: the database refuses updates (a trigger, migration 0003) and the model refuses them
too, so a correction is always a new item that refers to the old one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel


class Offence(models.Model):
    """An entry of the configurable offence catalogue (INV-2). ``involves_minors`` marks sexual
    offences against minors: such cases refuse image and video uploads (INV-5)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    legal_reference = models.CharField(_("legal reference"), max_length=300)
    verification_note = models.TextField(
        _("verification note"),
        help_text=_("Where and how to check the reference on wetten.overheid.nl."),
    )
    involves_minors = models.BooleanField(_("sexual offence against minors"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("offence")
        verbose_name_plural = _("offences")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class PoliceAgreement(TrackedModel):
    """The written agreement with police that allows decoy conversations for a team (INV-3)."""

    team = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="police_agreements"
    )
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    police_contact = models.CharField(_("police contact"), max_length=200)
    document_name = models.CharField(_("document"), max_length=200)
    document_sha256 = models.CharField(_("SHA-256 of the document"), max_length=64)
    document_encrypted = models.TextField(editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-signed_on"]
        verbose_name = _("police agreement")
        verbose_name_plural = _("police agreements")

    def __str__(self) -> str:
        return f"{self.team} · {self.signed_on}"


class Method(models.TextChoices):
    """The allowed list of methods (INV-3)."""

    OBSERVE_PUBLIC = "observe_public", _("Observing public places")
    PUBLIC_PROFILES = "public_profiles", _("Reading public profiles")
    DECOY = "decoy", _("Conversation as a decoy (only with a police agreement)")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Waiting for a second member and approval")
    APPROVED = "approved", _("Approved: collecting")
    REVIEW = "review", _("Blocked: waiting for the lead's review")
    HANDOVER_REQUIRED = "handover_required", _("Hand over to police now")
    HANDED_OVER = "handed_over", _("Handed over to police")
    CLOSED = "closed", _("Closed")


class CaseOutcome(models.TextChoices):
    HANDED_OVER = "handed_over", _("Handed over (police reference recorded)")
    DISPROVED = "disproved", _("Suspicion disproved")
    INSUFFICIENT = "insufficient", _("Insufficient for a hand-over")


LOCKED_STATUSES = (CaseStatus.HANDED_OVER, CaseStatus.CLOSED)


class Case(TrackedModel):
    reference = models.CharField(max_length=12, unique=True, editable=False)
    team = models.ForeignKey(
        "communities.Community", on_delete=models.PROTECT, related_name="investigation_cases"
    )
    offence = models.ForeignKey(Offence, on_delete=models.PROTECT, related_name="cases")
    # Encrypted: the facts, the confirm/disprove criteria and the scope may name people.
    suspicion_encrypted = models.TextField(editable=False)
    confirm_encrypted = models.TextField(editable=False)
    disprove_encrypted = models.TextField(editable=False)
    scope_encrypted = models.TextField(editable=False)
    methods = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    collect_until = models.DateTimeField(null=True, blank=True)
    meeting_proposed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    police_reference = models.CharField(max_length=60, blank=True)
    outcome = models.CharField(max_length=20, choices=CaseOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True, db_index=True)
    # The decoy log that blocked the case (INV-6): its collector may not lift the block.
    blocked_by_item = models.ForeignKey(
        "EvidenceItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


class Participant(models.Model):
    """A team member who takes part in a case (INV-1: at least two)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_participation_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class EvidenceKind(models.TextChoices):
    NOTE = "note", _("Note")
    CHAT_EXCERPT = "chat_excerpt", _("Chat excerpt")
    FILE = "file", _("File")
    CAPTURED_PAGE = "captured_page", _("Captured page")
    OBSERVATION = "observation", _("Observation")
    DECOY_LOG = "decoy_log", _("Decoy conversation log")


class Relevance(models.TextChoices):
    CONFIRMS = "confirms", _("Confirms the suspicion")
    DISPROVES = "disproves", _("Disproves the suspicion")
    CONTEXT = "context", _("Context")


class EvidenceItem(models.Model):
    """One append-only entry of a case's evidence log (INV-4).

    ``sha256`` is computed over the plaintext bytes at intake; ``content_encrypted`` is the
    evidentiary copy and never changes. Readers get a decrypted working copy in memory.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    # No database constraint and no cascade: erasing a user must not rewrite the log.
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    collected_at = models.DateTimeField()
    source = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    relevance = models.CharField(max_length=20, choices=Relevance.choices)
    relevance_reason_encrypted = models.TextField()
    content_encrypted = models.TextField()
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="corrections"
    )

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="evidence_number_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Integrity, not business logic: the log is append-only (the database refuses it too).
        if self.pk is not None and not self._state.adding:
            raise EvidenceImmutable
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class EvidenceImmutable(Exception):
    """An evidence item cannot be changed; add a correction instead."""


class WorkingCopy(models.Model):
    """A working copy derived from an evidence item (INV-4): a redacted or annotated version to
    work with, stored apart from the evidentiary original, which it never replaces.

    ``original_sha256`` is the SHA-256 of the original at the moment the copy was made (checked
    against the original's bytes then); ``sha256`` is the hash of the copy itself. Copies are
    append-only too: a new version is a new copy. They are not part of the hand-over package.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="working_copies")
    item = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="working_copies")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField()
    purpose_encrypted = models.TextField()
    content_encrypted = models.TextField()
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="working_copy_number_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise EvidenceImmutable
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SuspectIdentifier(models.Model):
    """A name, handle or other identifier of a suspect recorded in a case (INV-8).

    ``digest`` is a keyed hash (HMAC, the flag keys) of the normalised identifier, so the
    publication guard can find it in the text of an alert without reading any case; the value
    itself is encrypted for the team.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspect_identifiers")
    digest = models.CharField(max_length=64, db_index=True)
    key_id = models.CharField(max_length=16)
    words = models.PositiveSmallIntegerField()
    value_encrypted = models.TextField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "digest"], name="one_identifier_per_case")
        ]

    def __str__(self) -> str:
        return f"identifier {self.case_id}"


class CustodyEvent(models.Model):
    """The chronological chain-of-custody log of a case: intake, reads, downloads, hand-over."""

    class Action(models.TextChoices):
        INTAKE = "intake", _("Taken in")
        READ = "read", _("Read")
        COPY_MADE = "copy_made", _("Working copy made")
        PACKAGED = "packaged", _("Put in the hand-over package")
        DOWNLOADED = "downloaded", _("Hand-over package downloaded")
        VERIFIED = "verified", _("Hashes verified")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="custody")
    item = models.ForeignKey(
        EvidenceItem, null=True, blank=True, on_delete=models.CASCADE, related_name="custody"
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


class HandoverPackage(models.Model):
    """The one export of a case: the ZIP for police (INV-8), encrypted at rest."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="package")
    created_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    zip_encrypted = models.TextField()

    def __str__(self) -> str:
        return f"package {self.case_id}"


class Exposure(models.Model):
    """Time a person spent in case content, and when they last checked in (INV-9).

    The answers of a check-in are not stored: the lead sees only whether a check-in is due.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="investigation_exposure"
    )
    seconds_since_checkin = models.PositiveIntegerField(default=0)
    total_seconds = models.PositiveBigIntegerField(default=0)
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_checkin_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"exposure {self.user_id}"


class CaseTally(models.Model):
    """Anonymous counts that remain after purging (INV-10): month closed, offence, outcome."""

    month = models.DateField()
    offence_code = models.CharField(max_length=40)
    outcome = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "offence_code", "outcome"], name="one_tally_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.offence_code} {self.outcome}"
