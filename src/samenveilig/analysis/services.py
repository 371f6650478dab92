"""Writes of near-repeat analysis: request a Knox run, execute it (from the task), adopt defaults.

Requests are validated here (not only in the form) so every caller gets the same rules:
police or municipality only, the area inside the actor's jurisdiction, increasing bands,
9–9999 permutations, a period of at most two years.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samenveilig.accounts.models import User
from samenveilig.alerts.models import MAX_VALIDITY as ALERT_MAX_VALIDITY
from samenveilig.analysis import selectors
from samenveilig.analysis.knox import knox
from samenveilig.analysis.models import (
    KnoxMetric,
    KnoxRun,
    KnoxRunError,
    KnoxRunStatus,
    NearRepeatDefaults,
)
from samenveilig.areas.models import Area
from samenveilig.core import audit
from samenveilig.inquiries.models import MAX_RADIUS_M as INQUIRY_MAX_RADIUS_M
from samenveilig.inquiries.models import MIN_RADIUS_M as INQUIRY_MIN_RADIUS_M
from samenveilig.reports.models import Category

logger = logging.getLogger(__name__)

MIN_PERMUTATIONS = 9
MAX_PERMUTATIONS = 9999
MAX_PERIOD_DAYS = 731  # two years, a leap day included
MAX_BREAKS = 12
#: Fewer events give no meaningful test (a handful of pairs per table).
MIN_EVENTS = 10
#: The progress bar is written to the database at most every this many percent.
PROGRESS_STEP = 5
# Adopted defaults must be usable where they are used (NRA-2): the radius of a new inquiry and
# the validity of a cocoon warning, so the same limits apply.
MIN_RADIUS_M = INQUIRY_MIN_RADIUS_M
MAX_RADIUS_M = INQUIRY_MAX_RADIUS_M
MAX_DAYS = ALERT_MAX_VALIDITY.days


class AnalysisError(Exception):
    """A refused request; ``field`` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def parse_bands(value: str | Sequence[Any], *, field: str) -> list[float]:
    """Breaks from ``"0,100,200,Inf"`` or a list; strictly increasing, from 0 or more, only the
    last may be ``Inf``. Raises AnalysisError naming ``field``."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    breaks: list[float] = []
    for part in parts:
        text = str(part).strip()
        try:
            number = float(text)
        except ValueError:
            raise AnalysisError(
                _("“%(value)s” is not a number; separate breaks with commas, e.g. 0,100,200.")
                % {"value": text},
                field,
            ) from None
        if math.isnan(number):
            raise AnalysisError(_("Breaks must be numbers."), field)
        breaks.append(number)
    if len(breaks) < 2:
        raise AnalysisError(_("Give at least two breaks, e.g. 0,100,200."), field)
    if len(breaks) > MAX_BREAKS:
        raise AnalysisError(
            _("Give at most %(n)s breaks.") % {"n": MAX_BREAKS},
            field,
        )
    if breaks[0] < 0:
        raise AnalysisError(_("The first break must be 0 or more."), field)
    if any(math.isinf(b) for b in breaks[:-1]):
        raise AnalysisError(_("Only the last break may be Inf (open band)."), field)
    if any(not b > a for a, b in zip(breaks, breaks[1:], strict=False)):
        raise AnalysisError(_("Breaks must increase, e.g. 0,100,200."), field)
    return breaks


def _json_breaks(breaks: list[float]) -> list[float | str]:
    return ["Inf" if math.isinf(b) else b for b in breaks]


def _float_breaks(breaks: list[Any]) -> list[float]:
    return [math.inf if b == "Inf" else float(b) for b in breaks]


def knox_run_request(*, actor: User, data: dict[str, Any]) -> KnoxRun:
    """Validate and store a Knox run, and enqueue its task when the transaction commits.

    ``data``: ``category`` (Category), ``area`` (Area), ``period_start``/``period_end`` (dates),
    ``space_bands``/``time_bands`` (text or lists of breaks), ``permutations`` (int),
    ``metric`` (optional, "manhattan" or "euclidean").
    """
    if not selectors.user_can_analyse(actor):
        raise AnalysisError(_("Only police and municipality users can run this analysis."))
    area: Area = data["area"]
    if area is None or area.pk not in selectors.analysis_area_ids(actor):
        raise AnalysisError(_("Choose an area within your jurisdiction."), "area")
    municipality = selectors.municipality_above(area)
    if municipality is None:
        raise AnalysisError(_("This area does not belong to a municipality."), "area")
    category: Category = data["category"]
    if category is None or not selectors.categories_for_analysis(actor).filter(pk=category.pk):
        raise AnalysisError(_("Choose a category."), "category")
    start: dt.date = data["period_start"]
    end: dt.date = data["period_end"]
    if end < start:
        raise AnalysisError(_("The end of the period must not be before its start."), "period_end")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise AnalysisError(_("The period may be at most two years."), "period_end")
    space_bands = parse_bands(data["space_bands"], field="space_bands")
    time_bands = parse_bands(data["time_bands"], field="time_bands")
    permutations = int(data["permutations"])
    if not MIN_PERMUTATIONS <= permutations <= MAX_PERMUTATIONS:
        raise AnalysisError(
            _("Use between %(min)s and %(max)s permutations.")
            % {"min": MIN_PERMUTATIONS, "max": MAX_PERMUTATIONS},
            "permutations",
        )
    metric = data.get("metric") or KnoxMetric.MANHATTAN
    if metric not in KnoxMetric.values:
        raise AnalysisError(_("Choose a distance measure."), "metric")

    with transaction.atomic():
        run = KnoxRun.objects.create(
            requested_by=actor,
            municipality=municipality,
            area=area,
            category=category,
            period_start=start,
            period_end=end,
            space_bands=_json_breaks(space_bands),
            time_bands=_json_breaks(time_bands),
            permutations=permutations,
            metric=metric,
        )
        audit.record(
            actor=actor,
            action="analysis.knox_run_requested",
            obj=run,
            details={"area_id": area.pk, "category_id": category.pk},
        )
        from samenveilig.analysis import tasks

        run_id = run.pk
        # robust: a failing enqueue is logged; the run stays queued and the request succeeds.
        transaction.on_commit(lambda: tasks.run_knox.enqueue(run_id=run_id), robust=True)
    return run


def _progress_writer(run_id: int) -> Any:
    last = {"percent": 0}

    def progress(done: int, total: int) -> None:
        # 99 at most until the result is stored: "100 %" only when the page can show it.
        percent = min(99, int(done * 100 / total)) if total else 0
        if percent >= last["percent"] + PROGRESS_STEP:
            last["percent"] = percent
            KnoxRun.objects.filter(pk=run_id).update(progress=percent)

    return progress


def _fail(run_id: int, code: str, message: str) -> None:
    KnoxRun.objects.filter(pk=run_id).update(
        status=KnoxRunStatus.FAILED,
        error_code=code,
        error_message=message,
        finished_at=timezone.now(),
    )


def knox_run_execute(*, run_id: int) -> KnoxRun | None:
    """Run a queued Knox run: queued → running → done / failed. A run that is not queued (already
    taken by another worker, or gone) is left alone and ``None`` returned."""
    claimed = KnoxRun.objects.filter(pk=run_id, status=KnoxRunStatus.QUEUED).update(
        status=KnoxRunStatus.RUNNING, started_at=timezone.now(), progress=0
    )
    if not claimed:
        return None
    run = KnoxRun.objects.select_related("category", "area").get(pk=run_id)
    try:
        events = selectors.knox_events(
            category=run.category, area=run.area, start=run.period_start, end=run.period_end
        )
        KnoxRun.objects.filter(pk=run_id).update(
            n_reports=events.n_reports, n_events=len(events.times)
        )
        if len(events.times) < MIN_EVENTS:
            _fail(
                run_id,
                KnoxRunError.TOO_FEW_EVENTS,
                f"{len(events.times)} events, at least {MIN_EVENTS} needed",
            )
            return KnoxRun.objects.get(pk=run_id)
        result = knox(
            events.points,
            events.times,
            _float_breaks(run.space_bands),
            _float_breaks(run.time_bands),
            permutations=run.permutations,
            metric=run.metric,  # type: ignore[arg-type]
            progress=_progress_writer(run_id),
        )
    except ValueError as exc:
        _fail(run_id, KnoxRunError.INVALID, str(exc))
        return KnoxRun.objects.get(pk=run_id)
    except Exception as exc:  # the page must show "failed", never stay "running" for ever
        logger.exception("Knox run %s failed", run_id)
        _fail(run_id, KnoxRunError.UNEXPECTED, type(exc).__name__)
        return KnoxRun.objects.get(pk=run_id)
    KnoxRun.objects.filter(pk=run_id).update(
        status=KnoxRunStatus.DONE,
        progress=100,
        n_events=result.n_events,
        n_dropped=result.n_dropped,
        result=result.to_dict(),
        finished_at=timezone.now(),
    )
    return KnoxRun.objects.get(pk=run_id)


def adopt_defaults(*, actor: User, run: KnoxRun, radius_m: int, days: int) -> NearRepeatDefaults:
    """Make radius and days the municipality's inquiry radius and cocoon-warning duration
    (NRA-2). Municipality users of the run's municipality only, from a finished run."""
    if not selectors.user_can_adopt_defaults(actor, run):
        raise AnalysisError(
            _("Only a municipality user of %(municipality)s can adopt defaults.")
            % {"municipality": run.municipality.name}
        )
    if run.status != KnoxRunStatus.DONE:
        raise AnalysisError(_("Only a finished analysis can be adopted."))
    if not MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M:
        raise AnalysisError(
            _("The radius must be between %(min)s and %(max)s m.")
            % {"min": MIN_RADIUS_M, "max": MAX_RADIUS_M},
            "radius_m",
        )
    if not 1 <= days <= MAX_DAYS:
        raise AnalysisError(
            _("The number of days must be between 1 and %(max)s.") % {"max": MAX_DAYS}, "days"
        )
    with transaction.atomic():
        defaults, _created = NearRepeatDefaults.objects.select_for_update().get_or_create(
            municipality=run.municipality
        )
        previous = {"radius_m": defaults.inquiry_radius_m, "days": defaults.cocoon_days}
        defaults.inquiry_radius_m = radius_m
        defaults.cocoon_days = days
        defaults.adopted_from = run
        defaults.adopted_by = actor
        defaults.adopted_at = timezone.now()
        defaults.save()
        audit.record(
            actor=actor,
            action="analysis.near_repeat_defaults_adopted",
            obj=defaults,
            details={
                "run_id": run.pk,
                "radius_m": radius_m,
                "days": days,
                "previous_radius_m": previous["radius_m"],
                "previous_days": previous["days"],
            },
        )
    return defaults
