"""Communitymonitor (MON-1, MON-2): survey rounds and their anonymous responses.

A ``SurveyRound`` is one questionnaire version asked of one audience, for one community OR one
area (buurt, wijk or gemeente), during one period, behind one unguessable link. Its owner is
``created_by``: only the owner sees the free-text answers.

A ``SurveyResponse`` is one anonymous answer to a round. It keeps the ``AnswerSet`` (always
without ``submitted_by``; its timestamps are set to midnight of the answer date) and the derived
scores, stored so the dashboard can aggregate with plain SQL (COUNT, SUM, AVG) per round, area,
community, municipality and date. No time of day, IP address, user agent or user id is stored
with a response: ``created_on`` is a date only.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel

TOKEN_BYTES = 24  # secrets.token_urlsafe(24) -> 32 characters, 192 bits


def new_token() -> str:
    """An unguessable token for a round's anonymous link (``/enquete/<token>/``)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class Audience(models.TextChoices):
    """Who a round asks: community members (the Communitymonitor form) or residents in general
    (the short resident survey), so members and non-members can be compared."""

    MEMBERS = "members", _("Community members")
    RESIDENTS = "residents", _("Residents")


class UnsafeFrequency(models.TextChoices):
    """Answer to "how often do you feel unsafe in your own neighbourhood?" (CBS Veiligheidsmonitor
    style). Empty string on a response: the respondent does not feel unsafe, or did not say."""

    OFTEN = "often", _("Often")
    SOMETIMES = "sometimes", _("Sometimes")
    RARELY = "rarely", _("Rarely")


class SurveyRound(TrackedModel):
    """One survey round. Scope: exactly one of ``community`` and ``area`` is set (a database
    check enforces it). ``municipality`` is the gemeente the round belongs to, for scoping reads
    (a municipality officer sees rounds whose municipality is in their jurisdiction); for an area
    round it is the area's gemeente (or the area itself), for a community round the gemeente of
    the community's first area. The round accepts answers while ``opens_at <= now < closes_at``;
    closing early sets ``closes_at`` to the moment of closing. ``created_by`` is the owner."""

    name = models.CharField(_("name"), max_length=120)
    questionnaire = models.ForeignKey(
        "questionnaires.Questionnaire",
        on_delete=models.PROTECT,
        related_name="survey_rounds",
        verbose_name=_("questionnaire"),
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.MEMBERS
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_rounds",
        verbose_name=_("community"),
    )
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_rounds",
        verbose_name=_("area"),
    )
    municipality = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="municipality_survey_rounds",
        verbose_name=_("municipality"),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    token = models.CharField(_("link token"), max_length=64, unique=True, default=new_token)

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(community__isnull=False, area__isnull=True)
                    | Q(community__isnull=True, area__isnull=False)
                ),
                name="monitor_round_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="monitor_round_closes_after_opening",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "opens_at"], name="monitor_round_muni_open"),
            models.Index(fields=["community", "opens_at"], name="monitor_round_comm_open"),
            models.Index(fields=["area", "opens_at"], name="monitor_round_area_open"),
        ]

    def __str__(self) -> str:
        return self.name

    def status(self, now=None) -> str:
        """``"scheduled"`` (not open yet), ``"open"`` or ``"closed"``."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "scheduled"
        if now >= self.closes_at:
            return "closed"
        return "open"

    def is_open(self, now=None) -> bool:
        return self.status(now) == "open"

    @property
    def first_day(self):  # -> datetime.date
        """The local date the round opens."""
        return timezone.localtime(self.opens_at).date()

    @property
    def last_day(self):  # -> datetime.date
        """The last local date on which answers are accepted."""
        return timezone.localtime(self.closes_at - dt.timedelta(microseconds=1)).date()

    @property
    def scope(self):  # -> Community | Area
        """The community or the area the round is for."""
        return self.community if self.community_id else self.area


class SurveyResponse(models.Model):
    """One anonymous response. Derived scores (see ``samenveilig.monitor.scoring``):

    - ``feels_unsafe``: answer to "Do you ever feel unsafe in your own neighbourhood?"
      (True/False, None when not answered);
    - ``unsafe_frequency``: ``UnsafeFrequency`` value, "" when not unsafe or not answered;
    - ``cohesion_score``: social-cohesion scale 0–10 (CBS method), None unless all five
      statements are answered;
    - ``police_cooperation``, ``municipality_cooperation``, ``recognition``, ``follow_up``:
      agreement 0 (strongly disagree) … 4 (strongly agree), None when not asked, not answered
      or "don't know" (members' Communitymonitor only);
    - ``is_member``: the respondent says they are a member of a neighbourhood-watch community
      (None when not answered).

    ``community``, ``area`` and ``municipality`` are copies of the round's, so aggregations need
    no join. ``neighbourhood`` is the buurt the response is about: the round's area when the round
    is for one buurt, otherwise the buurt the respondent chose (from the buurten in the round's
    scope, or found from their postcode, which is not stored), None when they did not say. The
    per-buurt dashboard figures count by it. ``created_on`` is the (local) date only — no time, by
    design (MON-2).
    """

    round = models.ForeignKey(
        SurveyRound, on_delete=models.CASCADE, related_name="responses", verbose_name=_("round")
    )
    answer_set = models.OneToOneField(
        "questionnaires.AnswerSet",
        on_delete=models.CASCADE,
        related_name="survey_response",
        verbose_name=_("answers"),
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    municipality = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("neighbourhood"),
    )
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    is_member = models.BooleanField(_("member of a community"), null=True, blank=True)
    feels_unsafe = models.BooleanField(_("feels unsafe in own neighbourhood"), null=True)
    unsafe_frequency = models.CharField(
        _("how often unsafe"),
        max_length=10,
        choices=UnsafeFrequency.choices,
        blank=True,
        default="",
    )
    cohesion_score = models.FloatField(_("social cohesion (0–10)"), null=True, blank=True)
    police_cooperation = models.PositiveSmallIntegerField(null=True, blank=True)
    municipality_cooperation = models.PositiveSmallIntegerField(null=True, blank=True)
    recognition = models.PositiveSmallIntegerField(null=True, blank=True)
    follow_up = models.PositiveSmallIntegerField(null=True, blank=True)
    created_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cohesion_score__isnull=True)
                | Q(cohesion_score__gte=0, cohesion_score__lte=10),
                name="monitor_response_cohesion_0_10",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "created_on"], name="monitor_resp_round_date"),
            models.Index(fields=["area", "created_on"], name="monitor_resp_area_date"),
            models.Index(fields=["community", "created_on"], name="monitor_resp_comm_date"),
            models.Index(fields=["municipality", "created_on"], name="monitor_resp_muni_date"),
            models.Index(fields=["neighbourhood", "created_on"], name="monitor_resp_buurt_date"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.pk}"


# The impact dashboard's monthly report tallies (derived data) live in their own module.
from samenveilig.monitor.models_dashboard import (  # noqa: E402, F401
    ReportDurationTally,
    ReportTally,
    TallyMonth,
)
