"""Neighbourhood inquiries (burger buurtonderzoek, INQ-1 … INQ-8).

An ``Inquiry`` starts from an incident; its canvass area is cut into ``CanvassRoute`` rows whose
stops (``CanvassAddress``) come from the address register; a pair of canvassers walks a route and
records one ``CanvassVisit`` per doorstep conversation, each with the ``AnswerSet`` of the
questionnaire version they were given.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from samenveilig.core.models import TrackedModel

DEFAULT_RADIUS_M = 200  # near-repeat research: burglary risk raised within 200 m (INQ-2)
MIN_RADIUS_M = 50
MAX_RADIUS_M = 1000
DEFAULT_ROUTE_SIZE = 20
MAX_ADDRESSES = 5000  # a wider canvass is not a neighbourhood inquiry any more


class IncidentKind(models.TextChoices):
    BURGLARY = "burglary", _("Burglary")
    CAR_BREAK_IN = "car_break_in", _("Car break-in")
    BIKE_THEFT = "bike_theft", _("Bike theft")
    OTHER = "other", _("Other incident")


# Report categories (reports.categories) that lead to a kind of inquiry.
KIND_BY_CATEGORY_CODE = {
    "woninginbraak": IncidentKind.BURGLARY,
    "auto-inbraak": IncidentKind.CAR_BREAK_IN,
    "fietsdiefstal": IncidentKind.BIKE_THEFT,
}


class InquiryStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested by police")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Inquiry(TrackedModel):
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    kind = models.CharField(_("incident"), max_length=20, choices=IncidentKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.OPEN
    )
    report = models.ForeignKey(
        "reports.Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
        verbose_name=_("report"),
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="inquiries",
        verbose_name=_("group doing the canvass"),
    )
    neighbourhood = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="inquiries",
        verbose_name=_("neighbourhood"),
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    radius_m = models.PositiveIntegerField(_("radius (m)"), default=DEFAULT_RADIUS_M)
    victim_address = models.ForeignKey(
        "areas.Address",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("address of the victim"),
    )
    occurred_at = models.DateTimeField(_("when it happened"))
    questionnaire = models.ForeignKey(
        "questionnaires.Questionnaire",
        on_delete=models.PROTECT,
        related_name="inquiries",
        verbose_name=_("questionnaire"),
    )
    summary = models.TextField(
        _("what happened (for canvassers and the leaflet)"), max_length=1000, blank=True
    )
    cocoon_alert = models.ForeignKey(
        "alerts.Alert",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cocoon warning"),
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("neighbourhood inquiry")
        verbose_name_plural = _("neighbourhood inquiries")
        indexes = [models.Index(fields=["neighbourhood", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(radius_m__gte=MIN_RADIUS_M) & Q(radius_m__lte=MAX_RADIUS_M),
                name="inquiry_radius_in_range",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == InquiryStatus.OPEN


class CanvasserMark(TrackedModel):
    """A coordinator's stop on canvassing for the group (INQ-3). The training certificate lets a
    member canvass; a coordinator who knows better (a complaint, behaviour at the door) can stop
    them: a mark with ``revoked_at`` set is that stop, and clearing it lets them canvass again.
    (Marks without ``revoked_at`` come from the time the mark, not the certificate, was the gate
    and mean nothing now.)"""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="canvasser_marks"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="canvasser_marks"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("canvasser mark")
        verbose_name_plural = _("canvasser marks")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_canvasser_mark")
        ]


class CanvassSignup(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    signed_up_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["signed_up_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "user"], name="one_signup_per_inquiry")
        ]

    def __str__(self) -> str:
        return f"{self.inquiry} / {self.user_id}"


class CanvassRoute(models.Model):
    """A walk along one street (or part of it). Assigned to two people or to nobody: the check
    constraint makes "never alone" (INQ-3) a property of the data, not only of the form."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="routes")
    position = models.PositiveIntegerField()
    street = models.CharField(_("street"), max_length=120)
    label = models.CharField(_("route"), max_length=200)
    first_canvasser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("canvasser"),
    )
    second_canvasser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("second canvasser"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["inquiry", "position"]
        verbose_name = _("canvass route")
        verbose_name_plural = _("canvass routes")
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "position"], name="one_route_position"),
            models.CheckConstraint(
                condition=(Q(first_canvasser__isnull=True) & Q(second_canvasser__isnull=True))
                | (
                    Q(first_canvasser__isnull=False)
                    & Q(second_canvasser__isnull=False)
                    & ~Q(first_canvasser=F("second_canvasser"))
                ),
                name="route_assigned_to_a_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def pair_ids(self) -> set[int]:
        return {i for i in (self.first_canvasser_id, self.second_canvasser_id) if i}


class CanvassAddress(models.Model):
    """One door on a route, in walking order. The victim's address is kept apart (``route`` is
    empty and ``is_victim`` set): the wijkagent or coordinator visits it, not the canvass."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="addresses")
    route = models.ForeignKey(
        CanvassRoute, null=True, blank=True, on_delete=models.CASCADE, related_name="stops"
    )
    address = models.ForeignKey("areas.Address", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    distance_m = models.PositiveIntegerField(default=0)
    is_victim = models.BooleanField(default=False)

    class Meta:
        ordering = ["route", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inquiry", "address"], name="one_stop_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.inquiry} / {self.address_id}"


class VisitOutcome(models.TextChoices):
    # Values match the choice names of the shipped buurtonderzoek form's "outcome" question.
    NOT_HOME = "niet_thuis", _("Not at home")
    REFUSED = "wil_niet", _("Did not want to talk")
    SPOKEN = "gesproken", _("Spoke with resident")


class CanvassVisit(models.Model):
    """One ring at one door. A door can be visited again (nobody home the first time); the
    newest visit counts. The flags are read from the answers when the visit is stored so the
    police summary can filter without parsing JSON."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="visits")
    stop = models.ForeignKey(CanvassAddress, on_delete=models.CASCADE, related_name="visits")
    answer_set = models.OneToOneField(
        "questionnaires.AnswerSet", on_delete=models.PROTECT, related_name="canvass_visit"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices)
    is_lead = models.BooleanField(_("saw or heard something"), default=False)
    has_camera = models.BooleanField(_("camera footage"), default=False)
    wants_contact = models.BooleanField(_("wants to be contacted by police"), default=False)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited at"))

    class Meta:
        ordering = ["visited_at", "pk"]
        verbose_name = _("canvass visit")
        verbose_name_plural = _("canvass visits")
        indexes = [models.Index(fields=["inquiry", "stop", "visited_at"])]

    def __str__(self) -> str:
        return f"{self.inquiry} / {self.stop_id} / {self.outcome}"
