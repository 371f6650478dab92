"""Reports (meldingen), their descriptions, lifecycle, incidents and partner routing (REP-1…REP-12).

A report is routed to a *partner role* (police or municipality) whose jurisdiction covers the
report's buurt; every state change is a ``ReportEvent`` with actor and time. The reporter is shown
to partners only as ``reporter_pseudonym`` unless they consented to share their identity.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel

DESCRIPTION_MAX_LENGTH = 4000


class Partner(models.TextChoices):
    POLICE = "police", _("Police")
    MUNICIPALITY = "municipality", _("Municipality")


class Category(models.Model):
    """A kind of report, configurable per municipality (REP-1); an Open311 service."""

    municipality = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_categories",
        help_text=_("Empty: a default category for every municipality."),
    )
    code = models.SlugField(_("code"), max_length=60)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_nl = models.TextField(_("explanation (Dutch)"), blank=True)
    description_en = models.TextField(_("explanation (English)"), blank=True)
    group = models.CharField(_("group"), max_length=60, blank=True)
    partner = models.CharField(_("routed to"), max_length=20, choices=Partner.choices)
    asks_person = models.BooleanField(_("asks for person descriptions"), default=False)
    asks_vehicle = models.BooleanField(_("asks for vehicle descriptions"), default=False)
    acknowledge_within_hours = models.PositiveIntegerField(
        _("acknowledge within (hours)"), default=24
    )
    respond_within_hours = models.PositiveIntegerField(
        _("first response within (hours)"), default=72
    )
    close_within_days = models.PositiveIntegerField(_("close within (days)"), default=30)
    moderate_unverified = models.BooleanField(
        _("coordinator approves reports of unverified residents"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="unique_category_code"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(municipality__isnull=True),
                name="unique_default_category_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name_nl

    def name(self, language: str = "nl") -> str:
        return self.name_en if language == "en" else self.name_nl

    def description(self, language: str = "nl") -> str:
        return self.description_en if language == "en" else self.description_nl


class ReportStatus(models.TextChoices):
    PENDING_MODERATION = "pending_moderation", _("Waiting for a coordinator")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    FORWARDED = "forwarded", _("Forwarded")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Not accepted")


OPEN_STATUSES = (
    ReportStatus.SUBMITTED,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.FORWARDED,
)


class Outcome(models.TextChoices):
    SOLVED = "solved", _("Solved")
    ARRESTED = "arrested", _("Arrest made")
    REFERRED = "referred", _("Referred")
    NO_ACTION_POSSIBLE = "no_action_possible", _("No action possible")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Insufficient information")
    DUPLICATE = "duplicate", _("Duplicate")


class ReportSource(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")
    ALERT_TIP = "alert_tip", _("Tip on an alert")
    TASK = "task", _("Community task")


class Incident(models.Model):
    """Reports of one category close in space and time, seen by partners as one case (REP-7)."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="incidents")
    neighbourhood = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    lat = models.FloatField()
    lon = models.FloatField()
    first_observed_at = models.DateTimeField()
    last_observed_at = models.DateTimeField()
    report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["category", "last_observed_at"])]

    def __str__(self) -> str:
        return f"{self.category} #{self.pk}"


class Report(TrackedModel):
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    reporter_pseudonym = models.CharField(_("reporter pseudonym"), max_length=32)
    share_identity = models.BooleanField(
        _("partners may see who I am"),
        default=False,
        help_text=_("Without this, police and municipality see only a pseudonym."),
    )
    happening_now = models.BooleanField(_("was happening at the time of reporting"), default=False)
    called_112 = models.BooleanField(_("112 was called"), default=False)
    description = models.TextField(_("what happened"), max_length=DESCRIPTION_MAX_LENGTH)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    address = models.ForeignKey(
        "areas.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location_text = models.CharField(_("location"), max_length=255, blank=True)
    neighbourhood = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("neighbourhood"),
    )
    observed_at = models.DateTimeField(_("seen at"))
    quality_score = models.PositiveSmallIntegerField(
        _("quality score"), default=0, validators=[MaxValueValidator(100)]
    )
    quality_hints = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    status_note = models.TextField(_("note on the status"), blank=True, max_length=2000)
    partner = models.CharField(_("routed to"), max_length=20, choices=Partner.choices)
    forwarded_to = models.CharField(
        _("forwarded to"), max_length=20, choices=Partner.choices, blank=True
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    source = models.CharField(
        _("source"), max_length=20, choices=ReportSource.choices, default=ReportSource.WEB
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    acknowledge_due_at = models.DateTimeField(null=True, blank=True)
    respond_due_at = models.DateTimeField(null=True, blank=True)
    close_due_at = models.DateTimeField(null=True, blank=True)
    related_alert_id = models.BigIntegerField(null=True, blank=True)
    # "New since you last looked" (REP-8) on both sides, as columns of the report so that the
    # reporter's list and the partner inbox need no query per row. ``*_news_at``: when the other
    # side last added something this side may read; ``*_seen_at``: when this side last opened
    # the report's page (the partner side is the team: whoever of them opened it).
    reporter_news_at = models.DateTimeField(null=True, blank=True, editable=False)
    reporter_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    partner_news_at = models.DateTimeField(null=True, blank=True, editable=False)
    partner_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            # Partner inbox: newest first per jurisdiction, keyset-paginated on (submitted_at, id).
            models.Index(fields=["partner", "neighbourhood", "status", "-submitted_at", "-id"]),
            models.Index(fields=["neighbourhood", "-submitted_at", "-id"]),
            models.Index(fields=["category", "observed_at"]),
            models.Index(fields=["reporter", "-submitted_at"]),
            models.Index(fields=["-submitted_at", "-id"]),
            models.Index(fields=["status", "acknowledge_due_at"]),
            # The New tab reads only new reports, newest first, and stops after a page: over the
            # whole jurisdiction, and for one buurt (selectors._ordered_page).
            models.Index(
                fields=["neighbourhood", "-submitted_at", "-id"],
                condition=models.Q(status__in=["submitted", "forwarded"]),
                name="reports_new_by_buurt",
            ),
            models.Index(
                fields=["-submitted_at", "-id"],
                condition=models.Q(status__in=["submitted", "forwarded"]),
                name="reports_new_by_time",
            ),
            # Open311 GET with service_code: the rows of those categories in order, no scan of
            # the whole 90-day window.
            models.Index(
                fields=["category", "-submitted_at", "-id"], name="reports_by_category_time"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_news_for_reporter(self) -> bool:
        return _is_unseen(self.reporter_news_at, self.reporter_seen_at)

    @property
    def has_news_for_partner(self) -> bool:
        return _is_unseen(self.partner_news_at, self.partner_seen_at)


def _is_unseen(news_at: datetime | None, seen_at: datetime | None) -> bool:
    return news_at is not None and (seen_at is None or news_at > seen_at)


class PersonDescription(models.Model):
    """One person in a report, following the police's signalement fields (REP-3)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="persons")
    position = models.PositiveSmallIntegerField(default=1)
    behaviour = models.TextField(_("what did the person do?"), max_length=1000)
    sex = models.CharField(_("sex"), max_length=20, blank=True)
    age_min = models.PositiveSmallIntegerField(
        _("age from"), null=True, blank=True, validators=[MaxValueValidator(110)]
    )
    age_max = models.PositiveSmallIntegerField(
        _("age to"), null=True, blank=True, validators=[MaxValueValidator(110)]
    )
    height_min_cm = models.PositiveSmallIntegerField(
        _("height from (cm)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(250)],
    )
    height_max_cm = models.PositiveSmallIntegerField(
        _("height to (cm)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(50), MaxValueValidator(250)],
    )
    build = models.CharField(_("build"), max_length=40, blank=True)
    skin_colour = models.CharField(_("skin colour"), max_length=40, blank=True)
    hair_colour = models.CharField(_("hair colour"), max_length=40, blank=True)
    hair_style = models.CharField(_("hair style"), max_length=80, blank=True)
    beard = models.CharField(_("beard"), max_length=80, blank=True)
    glasses = models.CharField(_("glasses"), max_length=80, blank=True)
    top = models.CharField(_("top (jacket, shirt)"), max_length=120, blank=True)
    bottom = models.CharField(_("bottom (trousers, skirt)"), max_length=120, blank=True)
    shoes = models.CharField(_("shoes"), max_length=120, blank=True)
    headwear = models.CharField(_("headwear"), max_length=120, blank=True)
    features = models.CharField(
        _("distinctive features (tattoo, scar)"), max_length=200, blank=True
    )
    direction = models.CharField(_("direction of escape"), max_length=120, blank=True)
    transport = models.CharField(_("means of transport"), max_length=120, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("person description")
        verbose_name_plural = _("person descriptions")

    def __str__(self) -> str:
        return f"{self.report} person {self.position}"


class VehicleDescription(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="vehicles")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("kind of vehicle"), max_length=40, blank=True)
    make = models.CharField(_("make"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    colour = models.CharField(_("colour"), max_length=40, blank=True)
    lettering = models.CharField(_("lettering"), max_length=120, blank=True)
    licence_plate = models.CharField(_("licence plate"), max_length=20, blank=True)
    # Upper case without dashes or spaces; "*" and "?" stand for unknown characters (partial plate).
    licence_plate_normalised = models.CharField(max_length=12, blank=True, db_index=True)
    direction = models.CharField(_("direction"), max_length=120, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("vehicle description")
        verbose_name_plural = _("vehicle descriptions")

    def __str__(self) -> str:
        return f"{self.report} vehicle {self.position}"


class ReportPhoto(models.Model):
    """A photo re-encoded on upload, so EXIF (including GPS) never reaches storage (REP-5)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reports/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return f"{self.report} photo {self.pk}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    MODERATED = "moderated", _("Moderated")
    STATUS_CHANGED = "status_changed", _("Status changed")
    FORWARDED = "forwarded", _("Forwarded")
    MESSAGE = "message", _("Message")
    INFORMATION_ADDED = "information_added", _("Information added")
    THANKED = "thanked", _("Thanked")
    INCIDENT_LINKED = "incident_linked", _("Linked to an incident")
    ABUSE_FLAGGED = "abuse_flagged", _("Marked as misuse of the platform")


class ReportEvent(models.Model):
    """One step in a report's history: who did what, when (REP-8). Append-only."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_side = models.CharField(
        max_length=20, blank=True
    )  # reporter / police / municipality / coordinator
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    text = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    visible_to_reporter = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("report event")
        verbose_name_plural = _("report events")

    def __str__(self) -> str:
        return f"{self.report} {self.kind}"


class AbuseReason(models.TextChoices):
    """Why a partner or coordinator marked a report as misuse of the platform (REP-10)."""

    PROFILING = (
        "profiling",
        _(
            "Profiling or discrimination: a person singled out for how they look or where they "
            "come from"
        ),
    )
    FALSE_ACCUSATION = "false_accusation", _("A false or malicious accusation of a neighbour")
    HARASSMENT = "harassment", _("Harassment or a threat")
    SPAM = "spam", _("Spam or a joke")


ABUSE_NOTE_MAX_LENGTH = 500


class ReportAbuse(models.Model):
    """A report marked as misuse of the platform by the partner who handles it or the
    coordinator who moderates it (REP-10): one per report, kept as long as the report.

    ``reporter`` copies the report's reporter at the time of the flag, so the flag keeps counting
    towards ``REPORT_ABUSE_MODERATION_THRESHOLD`` after the report's own link to its reporter is
    purged (``reporter_identity``); it is unlinked itself when the window of
    ``REPORT_ABUSE_WINDOW_DAYS`` has passed (retention rule ``report_abuse_reporter``).
    """

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="abuse")
    reason = models.CharField(_("reason"), max_length=20, choices=AbuseReason.choices)
    note = models.CharField(
        _("note for partners and coordinators"), max_length=ABUSE_NOTE_MAX_LENGTH, blank=True
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_at = models.DateTimeField(_("marked at"), default=timezone.now)
    side = models.CharField(_("marked by"), max_length=20)  # police / municipality / coordinator
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-flagged_at", "-id"]
        verbose_name = _("report marked as misuse")
        verbose_name_plural = _("reports marked as misuse")
        indexes = [
            # The intake's threshold check: this reporter's flags since a moment, counted.
            models.Index(fields=["reporter", "flagged_at"], name="reports_abuse_by_reporter"),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.reason}"


class Open311ApiKey(models.Model):
    """A key for Open311 POST requests, scoped to one municipality. Only its hash is stored."""

    name = models.CharField(_("client name"), max_length=120)
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    municipality = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
