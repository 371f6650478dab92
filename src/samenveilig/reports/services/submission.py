"""Submitting a report (REP-1…REP-7, REP-10): the one write every intake channel calls.

``report_submit`` validates everything again (the caller's parsing is a convenience, this is
authoritative), resolves the buurt, routes the report, scores it and saves the report with its
person and vehicle descriptions, photos and first event in one transaction. Bad input raises
``ReportValidationError`` with translated messages keyed by field, and nothing is saved.

Rate limits (REP-10) count successful submissions per user and per IP address in fixed one-hour
windows in the Django cache (Redis when configured, so all web processes share them). Settings:
``REPORTS_RATE_LIMIT_PER_USER`` (default 10) and ``REPORTS_RATE_LIMIT_PER_IP`` (default 30) per
hour. Bulk loaders (demo data, imports) pass ``enforce_rate_limit=False``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.areas.models import Address, Area
from samenveilig.core import audit
from samenveilig.core.geo import valid_point
from samenveilig.flags.hooks import match_after_commit
from samenveilig.reports import photos as photo_processing
from samenveilig.reports.categories import is_offered, municipality_of
from samenveilig.reports.incidents import incident_for
from samenveilig.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    EventKind,
    PersonDescription,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportSource,
    ReportStatus,
    VehicleDescription,
)
from samenveilig.reports.quality import Quality, assess
from samenveilig.reports.routing import (
    DueDates,
    due_dates,
    partner_for,
    random_reference,
    reporter_pseudonym,
)
from samenveilig.reports.services.abuse import reporter_is_checked_first
from samenveilig.reports.sqlite_gate import report_write_gate
from samenveilig.reports.types import ReportInput, ReportValidationError
from samenveilig.reports.validators import (
    profiling_errors,
    validate_observed_at,
    validate_plate,
)

if TYPE_CHECKING:
    from samenveilig.accounts.models import User

logger = structlog.get_logger(__name__)

MAX_PERSONS = 5
MAX_VEHICLES = 3
LOCATION_TEXT_MAX_LENGTH = 255
RATE_WINDOW_SECONDS = 3600
DEFAULT_RATE_LIMIT_PER_USER = 10
DEFAULT_RATE_LIMIT_PER_IP = 30
# Tries at a free reference: a clash has a chance of about one in 10^12 / (reports stored).
REFERENCE_ATTEMPTS = 5

PERSON_FIELDS = frozenset(
    f.name
    for f in PersonDescription._meta.concrete_fields
    if f.name not in {"id", "report", "position"}
)
VEHICLE_FIELDS = frozenset(
    f.name
    for f in VehicleDescription._meta.concrete_fields
    if f.name not in {"id", "report", "position", "licence_plate_normalised"}
)


@dataclass
class _Checked:
    """A report that passed validation, ready to be saved."""

    neighbourhood: Area
    lat: float
    lon: float
    persons: list[PersonDescription] = field(default_factory=list)
    vehicles: list[VehicleDescription] = field(default_factory=list)


# --- rate limits ---------------------------------------------------------------------------------


def _rate_limits(reporter: User | None, ip: str | None) -> list[tuple[str, int]]:
    bucket = int(time.time() // RATE_WINDOW_SECONDS)
    limits: list[tuple[str, int]] = []
    if reporter is not None and reporter.pk is not None:
        limit = getattr(settings, "REPORTS_RATE_LIMIT_PER_USER", DEFAULT_RATE_LIMIT_PER_USER)
        limits.append((f"reports:rate:user:{reporter.pk}:{bucket}", int(limit)))
    if ip:
        limit = getattr(settings, "REPORTS_RATE_LIMIT_PER_IP", DEFAULT_RATE_LIMIT_PER_IP)
        limits.append((f"reports:rate:ip:{ip}:{bucket}", int(limit)))
    return limits


def _check_rate_limits(limits: list[tuple[str, int]]) -> None:
    for key, limit in limits:
        if int(cache.get(key, 0)) >= limit:
            raise ReportValidationError(
                {
                    "__all__": [
                        _(
                            "You have sent many reports in a short time; try again in an hour "
                            "or call 0900-8844."
                        )
                    ]
                }
            )


def _count_submission(limits: list[tuple[str, int]]) -> None:
    for key, _limit in limits:
        cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)


# --- validation ----------------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], key: str, *messages: str) -> None:
    bucket = errors.setdefault(key, [])
    for message in messages:
        if message not in bucket:
            bucket.append(message)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _non_empty(items: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Drop descriptions in which nothing was filled in (an untouched form section)."""
    return [item for item in items if any(not _is_blank(v) for v in item.values())]


def _clean_text_values(item: Mapping[str, Any], multiline: set[str]) -> dict[str, Any]:
    """Trim single-line text; multi-line text stays exactly as typed. ``None`` → ``""``."""
    cleaned: dict[str, Any] = {}
    for key, value in item.items():
        if value is None:
            value = ""
        if isinstance(value, str) and key not in multiline:
            value = value.strip()
        cleaned[key] = value
    return cleaned


def _model_errors(
    instance: Any, prefix: str, errors: dict[str, list[str]], integer_fields: set[str]
) -> None:
    # Empty strings in integer columns mean "not given".
    for name in integer_fields:
        if getattr(instance, name) == "":
            setattr(instance, name, None)
    try:
        instance.full_clean(exclude=["report"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            key = f"{prefix}.{name}" if name != "__all__" else prefix
            _add(errors, key, *messages)


def _check_range(
    person: PersonDescription, low: str, high: str, prefix: str, errors: dict[str, list[str]]
) -> None:
    lo, hi = getattr(person, low), getattr(person, high)
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        _add(
            errors,
            f"{prefix}.{high}",
            _("The upper end of the range must not be smaller than the lower end."),
        )


def _check_persons(data: ReportInput, errors: dict[str, list[str]]) -> list[PersonDescription]:
    raw_persons = _non_empty(list(data.persons))
    if len(raw_persons) > MAX_PERSONS:
        _add(
            errors,
            "persons",
            _("Describe at most %(max)d people in one report.") % {"max": MAX_PERSONS},
        )
        return []
    persons: list[PersonDescription] = []
    cleaned_dicts: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_persons):
        prefix = f"persons.{index}"
        unknown = sorted(set(raw) - PERSON_FIELDS)
        if unknown:
            _add(errors, prefix, _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
            continue
        values = _clean_text_values(raw, multiline={"behaviour"})
        cleaned_dicts.append(values)
        person = PersonDescription(position=index + 1, **values)
        _model_errors(
            person,
            prefix,
            errors,
            {"age_min", "age_max", "height_min_cm", "height_max_cm"},
        )
        _check_range(person, "age_min", "age_max", prefix, errors)
        _check_range(person, "height_min_cm", "height_max_cm", prefix, errors)
        persons.append(person)
    for key, messages in profiling_errors(cleaned_dicts, data.description or "").items():
        _add(errors, key, *messages)
    return persons


def _check_vehicles(data: ReportInput, errors: dict[str, list[str]]) -> list[VehicleDescription]:
    raw_vehicles = _non_empty(list(data.vehicles))
    if len(raw_vehicles) > MAX_VEHICLES:
        _add(
            errors,
            "vehicles",
            _("Describe at most %(max)d vehicles in one report.") % {"max": MAX_VEHICLES},
        )
        return []
    vehicles: list[VehicleDescription] = []
    for index, raw in enumerate(raw_vehicles):
        prefix = f"vehicles.{index}"
        unknown = sorted(set(raw) - VEHICLE_FIELDS)
        if unknown:
            _add(errors, prefix, _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
            continue
        values = _clean_text_values(raw, multiline=set())
        vehicle = VehicleDescription(position=index + 1, **values)
        if values.get("licence_plate"):
            try:
                vehicle.licence_plate_normalised = validate_plate(values["licence_plate"])
            except ValidationError as error:
                _add(errors, f"{prefix}.licence_plate", *error.messages)
        _model_errors(vehicle, prefix, errors, set())
        vehicles.append(vehicle)
    return vehicles


def _neighbourhood_at(lat: float, lon: float) -> Area | None:
    from samenveilig.areas.spatial import neighbourhood_at

    return neighbourhood_at(lat, lon)


def _resolve_location(
    data: ReportInput, errors: dict[str, list[str]]
) -> tuple[Area, float, float] | None:
    """The buurt and point of the report: a map pin wins (it is where it happened); otherwise
    the address's position and buurt."""
    lat, lon = data.lat, data.lon
    if lat is not None or lon is not None:
        try:
            lat_f, lon_f = float(lat), float(lon)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            _add(errors, "location", _("Give the place as latitude and longitude numbers."))
            return None
        if not (math.isfinite(lat_f) and math.isfinite(lon_f)) or not valid_point(lat_f, lon_f):
            _add(
                errors,
                "location",
                _(
                    "This place does not exist: latitude lies between -90 and 90, longitude "
                    "between -180 and 180."
                ),
            )
            return None
        neighbourhood = data.neighbourhood or _neighbourhood_at(lat_f, lon_f)
    elif data.address is not None:
        address: Address = data.address
        lat_f, lon_f = address.lat, address.lon
        neighbourhood = data.neighbourhood or address.neighbourhood
        if neighbourhood is None:
            neighbourhood = _neighbourhood_at(lat_f, lon_f)
    else:
        _add(
            errors,
            "location",
            _("Say where it happened: give postcode and house number, or place a pin on the map."),
        )
        return None
    if neighbourhood is None:
        _add(
            errors,
            "location",
            _(
                "This place is not in a neighbourhood that Samen Veilig serves. For places "
                "elsewhere call the police on 0900-8844."
            ),
        )
        return None
    return neighbourhood, lat_f, lon_f


def _check(data: ReportInput, *, check_photo_count: bool = True) -> _Checked:
    """Validate the whole input at once, so the reporter sees every problem in one go."""
    errors: dict[str, list[str]] = {}

    description = data.description if isinstance(data.description, str) else ""
    if not description.strip():
        _add(errors, "description", _("Describe what happened."))
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        _add(
            errors,
            "description",
            _("Keep the description under %(max)d characters (now %(n)d).")
            % {"max": DESCRIPTION_MAX_LENGTH, "n": len(description)},
        )

    if not isinstance(data.observed_at, datetime):
        _add(errors, "observed_at", _("Say when you saw it."))
    else:
        try:
            validate_observed_at(data.observed_at)
        except ValidationError as error:
            _add(errors, "observed_at", *error.messages)

    if len(data.location_text or "") > LOCATION_TEXT_MAX_LENGTH:
        _add(
            errors,
            "location_text",
            _("Keep the place description under %(max)d characters.")
            % {"max": LOCATION_TEXT_MAX_LENGTH},
        )

    located = _resolve_location(data, errors)

    category = data.category
    if category is None or category.pk is None:
        _add(errors, "category", _("Choose what kind of report this is."))
    elif located is not None:
        if not is_offered(municipality_of(located[0]), category):
            _add(errors, "category", _("This category is not available for this place."))
    elif not category.is_active:
        _add(errors, "category", _("This category is not available for this place."))

    persons = _check_persons(data, errors)
    vehicles = _check_vehicles(data, errors)

    if check_photo_count:
        try:
            photo_processing.check_count(list(data.photos))
        except photo_processing.PhotoError as error:
            _add(errors, "photos", error.message)

    if errors or located is None:
        raise ReportValidationError(errors)
    neighbourhood, lat, lon = located
    return _Checked(
        neighbourhood=neighbourhood, lat=lat, lon=lon, persons=persons, vehicles=vehicles
    )


def _needs_moderation(reporter: User | None, category: Any, neighbourhood: Area) -> bool:
    """REP-10: where the category asks for it, reports of residents who are not a verified
    member of a community covering the buurt (or its wijk or gemeente) wait for a coordinator.

    In every category, also for verified members: a reporter whose reports were marked as
    misuse ``REPORT_ABUSE_MODERATION_THRESHOLD`` times within ``REPORT_ABUSE_WINDOW_DAYS`` waits
    for a coordinator (``services.abuse``). That costs one small indexed query per report, for
    logged-in reporters only."""
    if reporter is not None and reporter.pk is not None and reporter_is_checked_first(reporter):
        return True
    if not category.moderate_unverified:
        return False
    if reporter is None or reporter.pk is None:
        return True
    from samenveilig.areas.selectors import area_and_ancestor_ids
    from samenveilig.communities.models import Membership, MembershipStatus

    return not Membership.objects.filter(
        user=reporter,
        status=MembershipStatus.VERIFIED,
        community__is_active=True,
        community__areas__id__in=area_and_ancestor_ids(neighbourhood),
    ).exists()


# --- public --------------------------------------------------------------------------------------


def report_check(*, reporter: User | None, data: ReportInput) -> Quality:
    """Validate a report without saving it and return its quality score ("Check my report").

    Raises ``ReportValidationError`` like ``report_submit``. Photos are only counted here; their
    content is checked when the report is sent.
    """
    _check(data)
    return assess(data)


def report_submit(
    *,
    reporter: User | None,
    data: ReportInput,
    source: str = ReportSource.WEB,
    ip: str | None = None,
    enforce_rate_limit: bool = True,
) -> Report:
    """Validate, route and save a new report; returns it (with ``incident`` when grouped).

    Raises ``ReportValidationError`` (messages keyed by field: ``description``,
    ``observed_at``, ``location``, ``category``, ``persons.0.behaviour``,
    ``vehicles.0.licence_plate``, ``photos``, ``__all__`` for rate limits). Nothing is saved then.
    """
    limits = _rate_limits(reporter, ip) if enforce_rate_limit else []
    _check_rate_limits(limits)
    checked = _check(data)
    # Decoding and re-encoding photos is slow: do it before the transaction takes its lock.
    try:
        processed = photo_processing.process_photos(list(data.photos))
    except photo_processing.PhotoError as error:
        raise ReportValidationError({"photos": [error.message]}) from error

    category = data.category
    quality = assess(data)
    now = timezone.now()
    due = due_dates(category, now)
    status = (
        ReportStatus.PENDING_MODERATION
        if _needs_moderation(reporter, category, checked.neighbourhood)
        else ReportStatus.SUBMITTED
    )
    # The reference is drawn without asking the database whether it is free (a query per
    # report); the unique constraint refuses a clash, which rolls the whole attempt back, and the
    # report is saved again with another reference.
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        reference = random_reference()
        stored_files: list[str] = []
        try:
            with report_write_gate():
                report = _save(
                    reference=reference,
                    reporter=reporter,
                    data=data,
                    checked=checked,
                    quality=quality,
                    status=status,
                    source=source,
                    now=now,
                    due=due,
                    processed=processed,
                    stored_files=stored_files,
                )
        except Exception as error:
            # The rows rolled back; the photo files written on the way must not stay behind.
            for name in stored_files:
                ReportPhoto._meta.get_field("image").storage.delete(name)
            if (
                isinstance(error, IntegrityError)
                and attempt < REFERENCE_ATTEMPTS
                and Report.objects.filter(reference=reference).exists()
            ):
                logger.info("reports.reference_clash", attempt=attempt)
                continue
            raise
        break
    _count_submission(limits)
    return report


def _save(
    *,
    reference: str,
    reporter: User | None,
    data: ReportInput,
    checked: _Checked,
    quality: Quality,
    status: str,
    source: str,
    now: datetime,
    due: DueDates,
    processed: list[Any],
    stored_files: list[str],
) -> Report:
    """The one transaction of ``report_submit``: the report with its descriptions, photos, first
    event, incident and audit row. Names of photo files written go into ``stored_files``."""
    category = data.category
    with transaction.atomic():
        report = Report.objects.create(
            reference=reference,
            category=category,
            reporter=reporter,
            reporter_pseudonym=reporter_pseudonym(reporter),
            share_identity=bool(data.share_identity),
            happening_now=bool(data.happening_now),
            called_112=bool(data.called_112),
            description=data.description,
            lat=checked.lat,
            lon=checked.lon,
            address=data.address,
            location_text=(data.location_text or "").strip(),
            neighbourhood=checked.neighbourhood,
            observed_at=data.observed_at,
            quality_score=quality.score,
            quality_hints=quality.codes,
            status=status,
            partner=partner_for(category),
            source=source,
            submitted_at=now,
            acknowledge_due_at=due.acknowledge,
            respond_due_at=due.respond,
            close_due_at=due.close,
            related_alert_id=data.related_alert_id,
            created_by=reporter,
            updated_by=reporter,
        )
        # As new rows each time (an attempt that rolled back left its ids on them).
        for description in (*checked.persons, *checked.vehicles):
            description.pk = None
            description._state.adding = True
            description.report = report
        PersonDescription.objects.bulk_create(checked.persons)
        VehicleDescription.objects.bulk_create(checked.vehicles)
        for photo in processed:
            stored = ReportPhoto(report=report, width=photo.width, height=photo.height)
            stored.image.save(photo.content.name, photo.content, save=False)
            stored_files.append(stored.image.name)
            stored.save()
        ReportEvent.objects.create(
            report=report,
            kind=EventKind.SUBMITTED,
            actor=reporter,
            actor_side="reporter",
            to_status=status,
            visible_to_reporter=True,
        )
        incident = incident_for(report)
        # Before the audit row: the audit chain's lock is held from there to the commit.
        match_after_commit("report", report.pk)
        audit.record(
            actor=reporter,
            action="reports.submitted",
            obj=report,
            details={
                "category_id": category.pk,
                "neighbourhood_id": checked.neighbourhood.pk,
                "status": status,
                "source": str(source),
                "incident_id": incident.pk if incident else None,
                "photos": len(processed),
                "quality_score": quality.score,
            },
        )
        report_id = report.pk
        transaction.on_commit(
            lambda: logger.info("reports.submitted", report_id=report_id, status=str(status)),
            robust=True,
        )
    return report
